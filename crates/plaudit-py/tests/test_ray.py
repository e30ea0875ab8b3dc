"""Ray Data scale-out: a local Ray cluster scores a dataset built from
../shared/data/math across worker processes, and every row must equal
single-process scoring. Where ../shared is absent the rows come from the
repository's math corpus (crates/plaudit-math/corpus), itself built from the
same data.

Skipped when ray is absent, unless PLAUDIT_REQUIRE_RAY=1 (CI sets it), in
which case its absence fails the test.
"""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

import plaudit
import plaudit.ray
from conftest import MATH, ROOT, SHARED_MATH

CORPUS = ROOT / "crates" / "plaudit-math" / "corpus" / "math_corpus.jsonl"

REQUIRED = os.environ.get("PLAUDIT_REQUIRE_RAY") == "1"


def _need(condition: bool, why: str) -> None:
    if condition:
        return
    if REQUIRED:
        pytest.fail(f"{why} (PLAUDIT_REQUIRE_RAY=1)")
    pytest.skip(why)


def math_rows():
    """Right and wrong answers to MATH-500 and GSM8K problems."""
    if not (SHARED_MATH / "math500.jsonl").exists():
        return corpus_rows()
    rows = []
    with open(SHARED_MATH / "math500.jsonl", encoding="utf-8") as f:
        m500 = [json.loads(line) for line in f]
    for i, r in enumerate(m500):
        rows.append({"id": f"m500-{i}", "response": r["solution"], "reference": r["answer"], "prompt": r["problem"]})
        other = m500[(i + 1) % len(m500)]["answer"]
        rows.append({"id": f"m500-{i}-wrong", "response": r["solution"], "reference": other, "prompt": r["problem"]})
    with open(SHARED_MATH / "gsm8k_test.jsonl", encoding="utf-8") as f:
        gsm = [json.loads(line) for line in f]
    for i, r in enumerate(gsm):
        gold = r["answer"].split("####")[-1].strip()
        rows.append({"id": f"gsm-{i}", "response": r["answer"], "reference": gold, "prompt": r["question"]})
        wrong = re.sub(r"####\s*(\S+)", lambda m: f"#### {m.group(1)}1", r["answer"])
        rows.append({"id": f"gsm-{i}-wrong", "response": wrong, "reference": gold, "prompt": r["question"]})
    return rows


def corpus_rows():
    """The labeled completions of the math corpus (MATH, MATH-500, GSM8K)."""
    with open(CORPUS, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f]
    return [{"id": r["id"], "response": r["completion"], "reference": r["gold"], "prompt": ""} for r in corpus]


class PidScorer(plaudit.ray.Scorer):
    """The scorer, also telling which process scored each row."""

    def __call__(self, batch):
        import numpy as np

        out = super().__call__(batch)
        out["pid"] = np.full(len(out["reward"]), os.getpid())
        return out


def test_ray_data_matches_single_process() -> None:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:
        _need(False, f"ray[data] is not installed ({e})")
    rows = math_rows()
    expected = plaudit.Engine.from_toml(MATH).score_columns(
        [r["response"] for r in rows], [r["reference"] for r in rows], ids=[r["id"] for r in rows]
    )
    want = {r["id"]: (expected.rewards[i], expected.values["correct"][i]) for i, r in enumerate(rows)}
    # Sanity: the data holds both verdicts.
    assert 0.2 < sum(1 for v in want.values() if v[0] == 1.0) / len(want) < 0.8

    # The workers cannot import this test module: send PidScorer by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    try:
        ds = ray.data.from_items(rows)
        scored = ds.map_batches(
            PidScorer,
            fn_constructor_kwargs={"toml": MATH},
            concurrency=2,
            num_cpus=1,
            batch_size=128,
        )
        got = scored.take_all()
    finally:
        ray.shutdown()
    assert len(got) == len(rows)
    assert len({g["pid"] for g in got}) == 2, "both actors should have scored"
    assert os.getpid() not in {g["pid"] for g in got}
    for g in got:
        reward, value = want[g["id"]]
        assert g["reward"] == reward, g["id"]
        assert g["aspect.correct"] == value, g["id"]
        assert g["reward_error"] is None
