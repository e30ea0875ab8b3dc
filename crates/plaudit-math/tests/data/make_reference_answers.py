#!/usr/bin/env python3
"""Writes reference_answers.jsonl: every reference answer of MATH-500 (its
`answer` field) and of the MATH test set (the last \\boxed{} of `solution`),
so that tests read real answers without the data sets themselves.

    python3 make_reference_answers.py DATA_DIR   # the folder of math500.jsonl and math_test.jsonl

Sources: MATH (Hendrycks et al., 2021) and its MATH-500 split, MIT licence.
"""

import json
import sys
from pathlib import Path


def last_boxed(s):
    start = max(s.rfind("\\boxed"), s.rfind("\\fbox"))
    if start < 0:
        return None
    open_ = s.find("{", start)
    if open_ < 0:
        return None
    depth = 0
    for i in range(open_, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return s[open_ + 1:i]
    return None


def main():
    data = Path(sys.argv[1])
    out = Path(__file__).with_name("reference_answers.jsonl")
    with out.open("w") as f:
        for line in (data / "math500.jsonl").read_text().splitlines():
            row = json.loads(line)
            f.write(json.dumps({"source": "math500", "id": row["unique_id"], "answer": row["answer"]}) + "\n")
        for line in (data / "math_test.jsonl").read_text().splitlines():
            row = json.loads(line)
            answer = last_boxed(row["solution"])
            if answer is not None:
                f.write(json.dumps({"source": "math_test", "id": row["idx"], "answer": answer}) + "\n")


if __name__ == "__main__":
    main()
