#!/usr/bin/env python3
"""Builds math_corpus.jsonl, a labeled corpus for math answer verifiers.

    python3 crates/plaudit-math/corpus/build_corpus.py [--data DIR] [--out FILE]

Reads MATH-500, the MATH test set and the GSM8K test set from DIR (default
../shared/data/math beside the repository), writes math_corpus.jsonl next to this script and
prints the counts per variant and category. Standard library only, and
deterministic: the same inputs give the same file byte for byte.

Each row pairs a reference answer with a model-style completion whose final
answer is the reference itself (verbatim), an equivalent form of it
(rewrite:<kind>) or a plausible wrong answer (wrong:<kind>). Every rewrite
and wrong answer is checked by answers.same() before it is written; a
transform the checker cannot confirm is dropped, and the drops are counted
(the one exception is \\frac <-> \\dfrac, which changes only the rendering).
See README.md for the schema.
"""

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers import same  # noqa: E402
from categories import categorize  # noqa: E402
from handwritten import handwritten_rows  # noqa: E402
from templates import completion, reasoning_from_gsm8k, reasoning_from_solution  # noqa: E402
from transforms import candidates  # noqa: E402

SEED = 20240611
HERE = Path(__file__).resolve().parent
# Problems taken per category from the MATH test set (beyond MATH-500) and
# from GSM8K: enough of every category, without integers drowning the rest
# or the file outgrowing a few megabytes.
MATH_PER_CATEGORY = {"integer": 100, "fraction": 80}
MATH_PER_CATEGORY_DEFAULT = 50
GSM8K_PROBLEMS = 130
NOTATION_ONLY = {"rewrite:dfrac", "rewrite:frac"}


def last_boxed(text):
    """The content of the last \\boxed{...} in a MATH solution, or None."""
    at = text.rfind("\\boxed")
    if at < 0:
        return None
    i = at + len("\\boxed")
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text) or text[i] != "{":
        return None
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{" and text[j - 1] != "\\":
            depth += 1
        elif text[j] == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
    return None


def load(data):
    problems = []
    math500 = [json.loads(line) for line in open(data / "math500.jsonl", encoding="utf-8")]
    seen = set()
    for k, row in enumerate(math500):
        seen.add(row["problem"])
        problems.append(("math500", k, row["problem"], row["answer"], reasoning_from_solution(row["solution"])))
    for k, line in enumerate(open(data / "math_test.jsonl", encoding="utf-8")):
        row = json.loads(line)
        # MATH-500 is drawn from the MATH test set; a problem appears once.
        if row["problem"] in seen:
            continue
        # With several boxes the last one is often only part of the answer.
        if row["solution"].count("\\boxed") != 1:
            continue
        gold = last_boxed(row["solution"])
        if gold is None or not gold.strip():
            continue
        problems.append(("math", k, row["problem"], gold, reasoning_from_solution(row["solution"])))
    for k, line in enumerate(open(data / "gsm8k_test.jsonl", encoding="utf-8")):
        row = json.loads(line)
        gold = row["answer"].split("####")[-1].strip()
        problems.append(("gsm8k", k, row["question"], gold, reasoning_from_gsm8k(row["answer"])))
    return problems


def select(problems, rng):
    """All of MATH-500, a capped sample of each category of the rest of MATH,
    and a sample of GSM8K, with each problem's category."""
    by_category, gsm8k, chosen = {}, [], []
    for p in problems:
        source, _, problem, gold, _ = p
        cat = categorize(gold, problem)
        if source == "math500":
            chosen.append((p, cat))
        elif source == "math":
            by_category.setdefault(cat, []).append((p, cat))
        else:
            gsm8k.append((p, cat))
    for cat in sorted(by_category):
        group = by_category[cat]
        chosen += rng.sample(group, min(MATH_PER_CATEGORY.get(cat, MATH_PER_CATEGORY_DEFAULT), len(group)))
    chosen += rng.sample(gsm8k, min(GSM8K_PROBLEMS, len(gsm8k)))
    chosen.sort(key=lambda pc: ({"math500": 0, "math": 1, "gsm8k": 2}[pc[0][0]], pc[0][1]))
    return chosen


def pick(options, used, rng, n):
    """Up to n options, preferring kinds used least so far, so rare kinds
    are not crowded out by the ones every integer has."""
    rng.shuffle(options)
    options.sort(key=lambda kv: used[kv[0]])
    out, kinds = [], set()
    for kind, ans in options:
        if kind not in kinds and len(out) < n:
            out.append((kind, ans))
            kinds.add(kind)
            used[kind] += 1
    return out


def build(data):
    rng = random.Random(SEED)
    problems = load(data)
    chosen = select(problems, rng)
    # One-word text answers, to draw "a different word" from.
    texts = sorted({m.group(1) for m in (re.fullmatch(r"\\text\{([A-Za-z]+)\}", p[3].strip()) for p in problems) if m})
    golds = [g for _, _, _, g, _ in problems]
    used, dropped = Counter(), Counter()
    rows = []
    for (source, k, problem, gold, reasoning), cat in chosen:
        rewrites, wrongs = [], []
        for kind, ans in candidates(cat, gold, problem, rng.sample(texts, min(5, len(texts)))):
            verdict = same(cat, gold, ans)
            want = kind.startswith("rewrite:")
            if verdict is None and kind in NOTATION_ONLY:
                # \frac -> \dfrac changes the rendering, never the value,
                # so it needs no checker (which cannot evaluate 2004!).
                verdict = True
            if verdict is want:
                (rewrites if want else wrongs).append((kind, ans))
            else:
                dropped[(cat, kind, verdict)] += 1
        # MATH-500's non-integer answers get two of each, as they are the
        # answers evaluation suites are most often compared on.
        n = 2 if source == "math500" and cat != "integer" else 1
        variants = [("verbatim", gold)] + pick(rewrites, used, rng, n) + pick(wrongs, used, rng, n)
        for variant, ans in variants:
            distractor = rng.choice(golds)
            rows.append(
                {
                    "id": f"{source}-{k:04d}-{variant.replace(':', '-').replace('_', '-')}",
                    "source": source,
                    "gold": gold,
                    "completion": completion(ans, reasoning, source, distractor, rng),
                    "label": not variant.startswith("wrong:"),
                    "variant": variant,
                    "category": cat,
                }
            )
    rows += handwritten_rows()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    return rows, dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parents[2].parent / "shared" / "data" / "math")
    ap.add_argument("--out", type=Path, default=HERE / "math_corpus.jsonl")
    args = ap.parse_args()
    rows, dropped = build(args.data)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    label = Counter(r["label"] for r in rows)
    print(f"labels: {label[True]} true, {label[False]} false")
    for title, key in (
        ("source", lambda r: r["source"]),
        ("variant", lambda r: r["variant"].split(":")[0]),
        ("category", lambda r: r["category"]),
        ("variant kind", lambda r: r["variant"]),
    ):
        counts = Counter(key(r) for r in rows)
        print(f"\nper {title}:")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:6d}  {name}")
    print(f"\ntransforms dropped because the checker did not confirm them: {sum(dropped.values())}")
    for (cat, kind, verdict), n in sorted(dropped.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {n:6d}  {cat} {kind} (checker said {verdict})")


if __name__ == "__main__":
    main()
