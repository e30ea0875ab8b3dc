"""What the in-process model benchmarks (bench/embed, bench/local-rm)
share: re-running themselves with the repository's venv (target/embed-venv,
see docs/models.md) when the current Python lacks what they import, and
running plaudit's side (`cargo bench -p plaudit-model --features local
--bench local`)."""

import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
VENV_PYTHON = os.path.join(ROOT, "target", "embed-venv", "bin", "python")
MATH = os.path.join(ROOT, "..", "shared", "data", "math", "math_test.jsonl")


def ensure(*modules):
    """Re-runs the script with the venv's Python when a module is missing."""
    if all(importlib.util.find_spec(m) is not None for m in modules):
        return
    venv = os.path.dirname(os.path.dirname(VENV_PYTHON))
    if os.path.realpath(sys.prefix) != os.path.realpath(venv) and os.path.exists(VENV_PYTHON):
        os.execv(VENV_PYTHON, [VENV_PYTHON, *sys.argv])
    sys.exit(f"needs {', '.join(modules)}: see docs/models.md")


def run_plaudit(mode, input_path, model_dir, out_path):
    """plaudit's timing (a dict) and its rewards, one per input line."""
    cmd = ["cargo", "bench", "-q", "-p", "plaudit-model", "--features", "local",
           "--bench", "local", "--", mode, input_path, model_dir, out_path]
    print("$ " + " ".join(cmd[:9]) + " ...", file=sys.stderr)
    run = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    timing = json.loads(run.stdout.strip().splitlines()[-1])
    return timing, [float(line) for line in open(out_path)]
