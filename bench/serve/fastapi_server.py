"""The reward server a user would otherwise write: FastAPI + uvicorn.

Shaped like OpenRLHF's example remote reward server (`openrlhf/cli/serve_rm.py`):
an `async def` handler that reads `await request.json()`, computes rewards
in the handler, and returns a `JSONResponse` with `rewards`, `scores` and
`extra_logs`. The rewards are bench/rule5.toml's five aspects, computed by
the reward functions of bench/python_baseline.py (imported, so the two
benchmarks measure the same Python code).

    uvicorn fastapi_server:app --app-dir bench/serve --port 8001 --workers 2 --no-access-log

The response is recovered from each query as plaudit's `/get_reward` does:
the prompt is removed from its front, then trailing end-of-turn and padding
tokens (and the whitespace between them) from its end.
"""

import sys
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

# python_baseline.py lives in bench/, one level up; uvicorn's --app-dir only
# puts bench/serve on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from python_baseline import REWARDS  # noqa: E402

# plaudit-server's DEFAULT_EOT_TOKENS, in the same order, so both servers
# score the same response text.
EOT_TOKENS = (
    "<|im_end|>",
    "<|endoftext|>",
    "</s>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<end_of_turn>",
    "<eos>",
    "<|end|>",
)


def strip_end_of_turn(text):
    """Whitespace before the first end-of-turn token is the model's: kept."""
    end = len(text)
    while True:
        trimmed = text[:end].rstrip()
        token = next((t for t in EOT_TOKENS if trimmed.endswith(t)), None)
        if token is None:
            return text[:end]
        end = len(trimmed) - len(token)


app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/get_reward")
async def get_reward(request: Request):
    data = await request.json()
    queries = data.get("query")
    prompts = data.get("prompts")
    labels = data.get("labels") or [None] * len(queries)
    completions = [strip_end_of_turn(q[len(p):] if q.startswith(p) else q) for q, p in zip(queries, prompts)]
    columns = {name: f(completions, reference=labels) for name, f, _ in REWARDS}
    rewards = [sum(w * columns[name][i] for name, _, w in REWARDS) for i in range(len(completions))]
    return JSONResponse({"rewards": rewards, "scores": rewards, "extra_logs": columns})
