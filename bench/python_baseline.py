#!/usr/bin/env python3
"""The rule5 rewards written the way Python RL libraries write them.

TRL / open-r1 style: one function per reward, `f(completions, **kwargs) ->
list[float]`, regexes and `str` methods, SQuAD's `normalize_answer`, DAPO's
overlong formula, open-r1's repetition penalty, `json.loads`. Pure Python, as
they are in those libraries (no multiprocessing: trainers call reward
functions in-process, batch by batch).

    python3 bench/python_baseline.py IN.jsonl OUT.jsonl

prints {"samples", "load_s", "reward_s", "write_s"} as JSON on stdout.
"""

import json
import re
import string
import sys
import time

THINK_ANSWER = re.compile(r"\s*<think>(.*?)</think>\s*<answer>(.*?)</answer>\s*", re.DOTALL)
ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
TAGS = ("<think>", "</think>", "<answer>", "</answer>")


def format_reward(completions, **kwargs):
    rewards = []
    for text in completions:
        m = THINK_ANSWER.fullmatch(text)
        ok = (
            m is not None
            and all(text.count(t) == 1 for t in TAGS)
            and m.group(2).strip() != ""
        )
        rewards.append(1.0 if ok else 0.0)
    return rewards


def normalize_answer(s):
    """SQuAD v1.1's official normalization."""

    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def extract_answer(text):
    found = ANSWER.findall(text)
    return found[-1] if found else None


def accuracy_reward(completions, reference, **kwargs):
    rewards = []
    for text, ref in zip(completions, reference):
        answer = extract_answer(text)
        if answer is None:
            rewards.append(0.0)
            continue
        refs = ref if isinstance(ref, list) else [ref]
        norm = normalize_answer(answer)
        rewards.append(1.0 if any(normalize_answer(str(r)) == norm for r in refs) else 0.0)
    return rewards


def overlong_reward(completions, max_length=400, buffer=100, **kwargs):
    """DAPO's soft overlong punishment (here on whitespace words)."""
    expected = max_length - buffer
    rewards = []
    for text in completions:
        n = len(text.split())
        if n <= expected:
            rewards.append(0.0)
        elif n <= max_length:
            rewards.append((expected - n) / buffer)
        else:
            rewards.append(-1.0)
    return rewards


def zipngram(text, ngram_size):
    words = text.lower().split()
    return zip(*[words[i:] for i in range(ngram_size)]), len(words)


def repetition_reward(completions, ngram_size=3, max_penalty=-0.5, **kwargs):
    """open-r1's repetition penalty."""
    rewards = []
    for text in completions:
        if text == "":
            rewards.append(0.0)
            continue
        ngrams = set()
        total = 0
        grams, n_words = zipngram(text, ngram_size)
        if n_words < ngram_size:
            rewards.append(0.0)
            continue
        for ng in grams:
            ngrams.add(ng)
            total += 1
        scaling = 1 - len(ngrams) / total
        rewards.append(scaling * max_penalty)
    return rewards


def json_reward(completions, **kwargs):
    rewards = []
    for text in completions:
        answer = extract_answer(text)
        if answer is None:
            rewards.append(0.0)
            continue
        try:
            json.loads(answer)
            rewards.append(1.0)
        except ValueError:
            rewards.append(0.0)
    return rewards


REWARDS = [
    ("format", format_reward, 0.2),
    ("correct", accuracy_reward, 1.0),
    ("overlong", overlong_reward, 1.0),
    ("repetition", repetition_reward, 1.0),
    ("json", json_reward, 0.1),
]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    rows = [json.loads(line) for line in open(src, encoding="utf-8")]
    completions = [r["response"] for r in rows]
    reference = [r.get("reference") for r in rows]
    t1 = time.perf_counter()
    columns = {name: f(completions, reference=reference) for name, f, _ in REWARDS}
    totals = [
        sum(w * columns[name][i] for name, _, w in REWARDS) for i in range(len(rows))
    ]
    t2 = time.perf_counter()
    with open(dst, "w", encoding="utf-8") as out:
        for i, r in enumerate(rows):
            out.write(
                json.dumps(
                    {"id": r["id"], "reward": totals[i], "aspects": {n: columns[n][i] for n in columns}}
                )
                + "\n"
            )
    t3 = time.perf_counter()
    print(json.dumps({"samples": len(rows), "load_s": t1 - t0, "reward_s": t2 - t1, "write_s": t3 - t2}))


if __name__ == "__main__":
    main()
