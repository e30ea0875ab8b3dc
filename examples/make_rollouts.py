#!/usr/bin/env python3
"""Builds GRPO-style rollout files from GSM8K for plaudit's examples and benchmarks.

No model runs here: each "response" is the GSM8K reference solution rewritten
the way policies write (reasoning in <think>, answer in <answer>), with the
failure modes rewards must catch mixed in at fixed rates: wrong answers,
missing or doubled tags, repetition loops, overlong answers, answers with
units. Deterministic for a given seed.

    python3 examples/make_rollouts.py --problems 75 --per-problem 4 -o examples/gsm8k-rollouts.jsonl

GSM8K (openai/grade-school-math) is MIT-licensed; see examples/README.md.
"""

import argparse
import json
import random
import re
import sys
from pathlib import Path

INSTRUCTION = (
    "Think step by step inside <think></think>, then give only the final "
    "number inside <answer></answer>."
)


def clean_steps(solution: str) -> tuple[str, str]:
    """The worked solution without calculator annotations, and the answer."""
    body, _, answer = solution.rpartition("####")
    body = re.sub(r"<<[^>]*>>", "", body).strip()
    return body, answer.strip().replace(",", "")


def wrong(answer: str, rng: random.Random) -> str:
    try:
        n = int(answer)
    except ValueError:
        return answer + "1"
    return str(n + rng.choice([-10, -2, -1, 1, 2, 10, n if n else 3]))


def response(kind: str, steps: str, answer: str, rng: random.Random) -> str:
    think = f"<think>\n{steps}\n</think>\n"
    if kind == "correct":
        return f"{think}<answer>{answer}</answer>"
    if kind == "wrong":
        return f"{think}<answer>{wrong(answer, rng)}</answer>"
    if kind == "no_tags":
        return f"{steps}\nThe answer is {answer}."
    if kind == "two_answers":
        return f"{think}<answer>{wrong(answer, rng)}</answer>\n<answer>{answer}</answer>"
    if kind == "units":
        return f"{think}<answer>{answer} dollars</answer>"
    if kind == "loop":
        sentence = steps.split("\n")[0]
        return "<think>\n" + " ".join([sentence] * rng.randint(8, 20)) + "\n</think>\n" + f"<answer>{answer}</answer>"
    if kind == "overlong":
        return "<think>\n" + "\n".join([steps] * rng.randint(6, 12)) + "\n</think>\n" + f"<answer>{answer}</answer>"
    raise ValueError(kind)


# The share of each kind of response, as weights.
KINDS = [
    ("correct", 40),
    ("wrong", 25),
    ("no_tags", 8),
    ("two_answers", 5),
    ("units", 7),
    ("loop", 8),
    ("overlong", 7),
]


def main() -> None:
    here = Path(__file__).resolve().parent
    default_data = here.parent.parent / "shared" / "data" / "math" / "gsm8k_test.jsonl"
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gsm8k", type=Path, default=default_data, help="gsm8k_test.jsonl")
    p.add_argument("--problems", type=int, default=75, help="problems to use (cycled past 1319)")
    p.add_argument("--per-problem", type=int, default=4, help="responses per problem (a GRPO group)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", type=Path, help="output JSONL (default stdout)")
    args = p.parse_args()

    rows = [json.loads(l) for l in args.gsm8k.open(encoding="utf-8")]
    rng = random.Random(args.seed)
    names = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    for p_i in range(args.problems):
        row = rows[p_i % len(rows)]
        steps, answer = clean_steps(row["answer"])
        group = f"gsm8k-{p_i}"
        for r_i in range(args.per_problem):
            kind = "correct" if r_i == 0 else rng.choices(names, weights)[0]
            sample = {
                "id": f"{group}-r{r_i}",
                "group": group,
                "prompt": [{"role": "user", "content": f"{row['question']}\n{INSTRUCTION}"}],
                "response": response(kind, steps, answer, rng),
                "reference": answer,
                "meta": {"data_source": "openai/gsm8k", "variant": kind},
            }
            out.write(json.dumps(sample, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
