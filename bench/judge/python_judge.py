#!/usr/bin/env python3
"""The Python baseline: a 5-criterion rubric judged the way verifiers'
JudgeRubric calls its judge.

verifiers (PrimeIntellect-ai/verifiers, verifiers/rubrics/judge_rubric.py)
formats one `judge_prompt` template with the question, the ground-truth
answer and the parsed response, and sends it as a single user message with
`await judge_client.chat.completions.create(model=..., messages=[{"role":
"user", "content": judge_prompt}], **judge_sampling_args)` on an
`AsyncOpenAI` client. One call per sample and prompt: a rubric of several
criteria written as one judge prompt is one call per sample, the same call
count as plaudit's `judge.rubric`. `Rubric.score_group` runs a reward
function over the states with a bare `asyncio.gather`; JudgeRubric itself
has no concurrency limit (verifiers bounds whole rollouts elsewhere, with
the environment's `max_concurrent`). So this script gathers every sample at
once, behind an `asyncio.Semaphore(C)` when `--concurrency C > 0` (the same
bound plaudit gets) and with no bound when it is 0.

The verifiers framework around the call (signature inspection, state
objects, logging) is left out: that only makes the baseline faster.

Run with a Python that has `openai` installed (bench/judge/run.py makes
target/bench-venv). Prints one JSON object with the timings.
"""

import argparse
import asyncio
import json
import time

T_START = time.perf_counter()
from openai import AsyncOpenAI  # noqa: E402  (timed: the import is part of the cost)
T_IMPORTED = time.perf_counter()

JUDGE_PROMPT = """Judge the response against each criterion of the rubric.

Question:
```
{question}
```

Ground truth answer:
```
{answer}
```

Response:
```
{response}
```

Rubric:
{criteria}

Answer with JSON only: {{"criteria": [{{"id": "c1", "reason": "...", "satisfied": true}}, ...]}}, \
one entry per criterion, in order."""


def reward_of(reply, ids):
    """Share of criteria satisfied; None when the reply is not a verdict."""
    try:
        got = {c["id"]: bool(c["satisfied"]) for c in json.loads(reply)["criteria"]}
    except (ValueError, KeyError, TypeError):
        return None
    if set(got) != set(ids):
        return None
    return sum(got[i] for i in ids) / len(ids)


async def main_async(args):
    samples = [json.loads(line) for line in open(args.samples)]
    criteria = json.load(open(args.criteria))
    ids = [f"c{i + 1}" for i in range(len(criteria))]
    rubric = "\n".join(f"{i}: {c}" for i, c in zip(ids, criteria))
    client = AsyncOpenAI(base_url=args.base_url, api_key="x")
    sem = asyncio.Semaphore(args.concurrency) if args.concurrency > 0 else None

    async def judge(sample):
        prompt = sample["prompt"]
        question = prompt[-1]["content"] if isinstance(prompt, list) else str(prompt)
        judge_prompt = JUDGE_PROMPT.format(
            question=question, answer=sample.get("reference", ""),
            response=sample["response"], criteria=rubric)
        resp = await client.chat.completions.create(
            model=args.model, messages=[{"role": "user", "content": judge_prompt}],
            temperature=0)
        return reward_of(str(resp.choices[0].message.content), ids)

    async def bounded(sample):
        if sem is None:
            return await judge(sample)
        async with sem:
            return await judge(sample)

    t0 = time.perf_counter()
    rewards = await asyncio.gather(*(bounded(s) for s in samples))
    t1 = time.perf_counter()
    await client.close()
    if args.out:
        with open(args.out, "w") as f:
            for s, r in zip(samples, rewards):
                f.write(json.dumps({"id": s["id"], "reward": r}) + "\n")
    return {
        "samples": len(samples),
        "failed": sum(r is None for r in rewards),
        "mean_reward": sum(r for r in rewards if r is not None) / max(1, len(rewards)),
        "import_s": T_IMPORTED - T_START,
        "judge_s": t1 - t0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", required=True)
    ap.add_argument("--criteria", required=True, help="a JSON list of criterion strings")
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--model", default="judge")
    ap.add_argument("--concurrency", type=int, default=32, help="0: no limit")
    ap.add_argument("--out")
    result = asyncio.run(main_async(ap.parse_args()))
    result["process_s"] = time.perf_counter() - T_START
    print(json.dumps(result))


if __name__ == "__main__":
    main()
