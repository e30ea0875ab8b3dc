"""The Engine: building, scoring, typed results and errors, async, pickling,
threads and fork."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing as mp
import os
import pickle
import sys
import threading
import time
from pathlib import Path

import pytest

import plaudit
from conftest import GATED, GOOD, MATH, UNTAGGED, WRONG


def test_from_file_toml_and_json(example_spec: Path, tmp_path: Path) -> None:
    e = plaudit.Engine.from_file(example_spec)
    assert e.name == "math-grpo"
    assert e.aspect_names == ["format", "correct", "overlong", "repetition"]
    assert len(e.spec_hash) > 10
    assert e.spec["combine"]["method"] == "weighted_sum"
    t = plaudit.Engine.from_toml(MATH)
    j = plaudit.Engine.from_json('{"name": "m", "aspect": [{"name": "correct", "kind": "math.equivalent"}]}')
    assert t.spec_hash != j.spec_hash or t.name != j.name
    assert "math" in repr(t)


def test_scores_dicts_dataclasses_and_objects() -> None:
    e = plaudit.Engine.from_toml(GATED)

    @dataclasses.dataclass
    class Mine:
        response: str
        reference: str

    class Plain:
        response = WRONG
        reference = 4

    scores = e.score([
        {"id": "a", "response": GOOD, "reference": "4", "prompt": "2+2?"},
        plaudit.Sample(response=GOOD, reference="4"),
        Mine(GOOD, "4"),
        Plain(),
    ])
    assert [s.id for s in scores] == ["a", "1", "2", "3"]
    assert [s.reward for s in scores[:3]] == [1.2, 1.2, 1.2]
    assert scores[3].reward == pytest.approx(0.2)
    s = scores[0]
    assert isinstance(s, plaudit.Score)
    r = s["correct"]
    assert isinstance(r, plaudit.AspectResult)
    assert (r.name, r.status, r.value) == ("correct", "scored", 1.0)
    assert r.details["extracted"] == "4"
    assert s.values == {"format": 1.0, "correct": 1.0, "overlong": 0.0}
    assert set(s.aspects) == {"format", "correct", "overlong"}
    d = s.to_dict()
    assert d["reward"] == 1.2 and d["aspects"]["correct"]["status"] == "scored"
    with pytest.raises(KeyError, match="no aspect .nope."):
        s["nope"]


def test_chat_messages_and_gates() -> None:
    e = plaudit.Engine.from_toml(GATED)
    s = e.score_one({
        "prompt": [{"role": "user", "content": "2+2?"}],
        "response": [{"role": "assistant", "content": UNTAGGED}],
        "reference": "4",
    })
    c = s["correct"]
    assert c.status == "not_applicable" and c.gated and "gated" in c.reason
    assert s.reward == 0.0


def test_a_missing_reference_fails_the_reward_by_default() -> None:
    e = plaudit.Engine.from_toml(MATH)
    s = e.score_one({"response": "\\boxed{4}"})
    assert s.reward is None
    assert "correct" in s.error
    assert s["correct"].status == "not_applicable"


def test_columns() -> None:
    e = plaudit.Engine.from_toml(GATED)
    c = e.score_columns([GOOD, WRONG, UNTAGGED], ["4", "4", "4"])
    assert len(c) == 3
    assert c.aspect_names == ["format", "correct", "overlong"]
    assert c.rewards == [1.2, pytest.approx(0.2), 0.0]
    assert c.statuses["correct"] == ["scored", "scored", "gated"]
    assert c.values["correct"] == [1.0, 0.0, None]
    assert c.errors == [None, None, None]
    with pytest.raises(plaudit.SampleError, match="`references` has 1"):
        e.score_columns([GOOD, WRONG], ["4"])


def test_errors_are_typed_and_carry_the_rust_message(tmp_path: Path) -> None:
    with pytest.raises(plaudit.SpecError, match=r"<toml>:3:\d+: .*weight"):
        plaudit.Engine.from_toml('name = "x"\n[[aspect]]\nweight = "heavy"\nname = "a"\nkind = "math.equivalent"\n')
    with pytest.raises(plaudit.SpecError, match="unknown aspect kind|kind"):
        plaudit.Engine.from_toml('name = "x"\n[[aspect]]\nname = "a"\nkind = "no.such"\n')
    with pytest.raises(plaudit.SpecError, match="cannot read the file"):
        plaudit.Engine.from_file(tmp_path / "missing.toml")
    e = plaudit.Engine.from_toml(MATH)
    with pytest.raises(plaudit.SampleError, match="sample 1: missing field `response`"):
        e.score([{"response": "x"}, {"prompt": "y"}])
    with pytest.raises(plaudit.SampleError, match="sample 0: `reference`: .*`object`"):
        e.score([{"response": "x", "reference": object()}])
    with pytest.raises(plaudit.SampleError, match="not a single `str`"):
        e.score("a string is not a batch")
    assert issubclass(plaudit.SpecError, plaudit.PlauditError)
    assert issubclass(plaudit.SampleError, plaudit.PlauditError)
    assert issubclass(plaudit.ConfigError, plaudit.PlauditError)


def test_score_async() -> None:
    e = plaudit.Engine.from_toml(GATED)

    async def main():
        many = await asyncio.gather(*[e.score_async([{"response": GOOD, "reference": "4"}]) for _ in range(20)])
        cols = await e.score_columns_async([GOOD], ["4"])
        return many, cols

    many, cols = asyncio.run(main())
    assert all(m[0].reward == 1.2 for m in many)
    assert cols.rewards == [1.2]


def test_engine_pickles_by_spec(example_spec: Path) -> None:
    e = plaudit.Engine.from_file(example_spec, threads=1)
    back = pickle.loads(pickle.dumps(e))
    assert back.spec_hash == e.spec_hash and back.threads == 1
    assert back.score([{"response": GOOD, "reference": "4"}])[0].reward == 1.2


def test_module_functions_pickle_by_reference() -> None:
    import plaudit.openrlhf
    import plaudit.verl

    for f in (plaudit.verl.compute_score, plaudit.verl.compute_score_batch, plaudit.verl.compute_score_async,
              plaudit.openrlhf.reward_func, plaudit.Engine.from_file):
        data = pickle.dumps(f)
        assert pickle.loads(data) is f or pickle.loads(data) == f
        assert len(data) < 200  # a reference, not a copy


def _child_score(engine, conn) -> None:
    conn.send([s.reward for s in engine.score([{"response": GOOD, "reference": "4"}] * 50)])


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the Linux default")
def test_safe_after_fork() -> None:
    e = plaudit.Engine.from_toml(GATED, threads=2)
    # Start the pool's threads in the parent first.
    assert e.score([{"response": GOOD, "reference": "4"}] * 100)[0].reward == 1.2
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_child_score, args=(e, child))
    p.start()
    assert parent.poll(30), "the forked child did not score within 30 s"
    assert parent.recv() == [1.2] * 50
    p.join(10)
    assert p.exitcode == 0
    # The parent's engine still works.
    assert e.score([{"response": GOOD, "reference": "4"}])[0].reward == 1.2


def test_releases_the_gil() -> None:
    e = plaudit.Engine.from_toml(GATED, threads=1)
    batch = [{"response": GOOD * 50, "reference": "4"}] * 4000
    inside = threading.Event()
    done = threading.Event()

    def score():
        inside.set()
        e.score(batch)
        done.set()

    e.score(batch[:10])
    t = threading.Thread(target=score)
    t.start()
    inside.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0)
    t.join()
    # With the GIL held for the whole call this thread could not count past a
    # tick or two; released, it counts thousands on an idle machine and
    # dozens on a loaded one. The bound tells the two apart without timing.
    assert ticks > 10


def test_threads_share_one_engine() -> None:
    e = plaudit.Engine.from_toml(GATED)
    expected = [s.reward for s in e.score([{"response": r, "reference": "4"} for r in (GOOD, WRONG, UNTAGGED)] * 30)]
    results = []

    def work():
        results.append([s.reward for s in e.score([{"response": r, "reference": "4"} for r in (GOOD, WRONG, UNTAGGED)] * 30)])

    ts = [threading.Thread(target=work) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == [expected] * 8


def test_typing_files_ship() -> None:
    pkg = Path(plaudit.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_native.pyi").exists()
