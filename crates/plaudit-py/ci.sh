#!/usr/bin/env bash
# Builds the plaudit Python package and runs its tests, from a clean virtual
# environment. CI calls it from the repository root:
#
#     bash crates/plaudit-py/ci.sh
#
# It creates target/py-venv-ci (PLAUDIT_PY_VENV overrides), installs maturin,
# pytest and ray[data] into it, builds and installs the package with
# `pip install ./crates/plaudit-py` (maturin, release profile, abi3 wheel),
# and runs pytest with PLAUDIT_REQUIRE_RAY=1, so that the Ray test fails
# rather than skips when Ray or ../shared/data/math is missing.
#
# Cargo builds into target/py (CARGO_TARGET_DIR overrides), kept between
# runs. Set PLAUDIT_PY_KEEP_VENV=1 to reuse an existing environment.
set -euo pipefail
cd "$(dirname "$0")/../.."

python=${PYTHON:-python3}
venv=${PLAUDIT_PY_VENV:-target/py-venv-ci}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/py}

step() { printf '\n== %s\n' "$*"; }

step "python: $($python --version 2>&1), virtual environment $venv"
if [ "${PLAUDIT_PY_KEEP_VENV:-0}" != 1 ] || [ ! -x "$venv/bin/python" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "maturin>=1.9,<2" "pytest>=7" "ray[data]>=2.9"

step "pip install ./crates/plaudit-py"
# The build backend runs the environment's `maturin` from PATH.
export PATH="$PWD/$venv/bin:$PATH"
# maturin is already in the environment: build without an isolated copy.
"$venv/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps ./crates/plaudit-py
"$venv/bin/python" -c 'import plaudit; print("plaudit", plaudit.__version__, "from", plaudit.__file__)'

step "pytest crates/plaudit-py/tests"
PLAUDIT_REQUIRE_RAY=1 "$venv/bin/python" -m pytest crates/plaudit-py/tests -q -p no:cacheprovider
