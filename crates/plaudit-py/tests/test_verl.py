"""verl's custom reward function conventions.

verl's naive manager calls `compute_score(data_source=, solution_str=,
ground_truth=, extra_info=, **reward_kwargs)` per sample and appends every
key of a dict result to `reward_extra_info` lists, so every sample must
return the same keys; the batch manager calls `compute_score(data_sources=,
solution_strs=, ground_truths=, extra_infos=, **reward_kwargs)` once and
reads one result per sample. verl's async reward loop awaits coroutine
functions.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import plaudit
import plaudit.verl
from conftest import GATED, GOOD, MATH, UNTAGGED, WRONG

CORRECT_ONLY = MATH


@pytest.fixture()
def routes(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "gated.toml").write_text(GATED)
    (tmp_path / "math.toml").write_text(CORRECT_ONLY)
    r = tmp_path / "routes.toml"
    r.write_text('default = "math.toml"\nmissing_reward = -1.0\n[specs]\n"openai/gsm8k" = "specs/gated.toml"\n')
    return r


def test_per_sample_keys_are_the_same_for_every_source(routes: Path) -> None:
    kw = {"plaudit_config": str(routes)}
    a = plaudit.verl.compute_score(data_source="openai/gsm8k", solution_str=GOOD, ground_truth="4", extra_info={"index": 0}, **kw)
    b = plaudit.verl.compute_score(data_source="lighteval/MATH", solution_str="\\boxed{5}", ground_truth="4", extra_info=None, **kw)
    c = plaudit.verl.compute_score(data_source="lighteval/MATH", solution_str="\\boxed{5}", ground_truth=None, **kw)
    assert list(a) == list(b) == list(c)
    # The default spec's aspects first, then each listed spec's new ones.
    assert list(a) == ["score", "correct", "format", "overlong", "plaudit/reward_missing", "plaudit/aspects_not_scored"]
    assert a["score"] == 1.2 and a["correct"] == 1.0
    assert b["score"] == 0.0 and b["format"] == 0.0
    # No reference: no reward, so the routing file's missing_reward.
    assert c["score"] == -1.0 and c["plaudit/reward_missing"] == 1.0 and c["plaudit/aspects_not_scored"] == 1.0
    assert all(isinstance(v, float) for d in (a, b, c) for v in d.values())


def test_batch_form_matches_per_sample(routes: Path) -> None:
    kw = {"plaudit_config": str(routes)}
    sources = ["openai/gsm8k", "lighteval/MATH", "openai/gsm8k", "other"]
    sols = [GOOD, "\\boxed{4}", UNTAGGED, "\\boxed{3}"]
    gts = ["4", "4", "4", "3"]
    extras = [{"index": i, "split": "train"} for i in range(4)]
    batch = plaudit.verl.compute_score_batch(data_sources=sources, solution_strs=sols, ground_truths=gts, extra_infos=extras, **kw)
    single = [plaudit.verl.compute_score(ds, s, g, e, **kw) for ds, s, g, e in zip(sources, sols, gts, extras)]
    assert batch == single
    assert [d["score"] for d in batch] == [1.2, 1.0, 0.0, 1.0]


def test_async_variant(routes: Path) -> None:
    kw = {"plaudit_config": str(routes)}
    assert asyncio.iscoroutinefunction(plaudit.verl.compute_score_async)

    async def main():
        return await asyncio.gather(*[
            plaudit.verl.compute_score_async("openai/gsm8k", GOOD, "4", {"index": i}, **kw) for i in range(10)
        ])

    out = asyncio.run(main())
    assert out == [plaudit.verl.compute_score("openai/gsm8k", GOOD, "4", None, **kw)] * 10


def test_one_spec_for_everything(tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(GATED)
    d = plaudit.verl.compute_score("anything", WRONG, "4", spec=str(spec))
    assert d["score"] == pytest.approx(0.2)


def test_configuration_errors(tmp_path: Path, routes: Path, monkeypatch) -> None:
    monkeypatch.delenv("PLAUDIT_VERL_CONFIG", raising=False)
    monkeypatch.delenv("PLAUDIT_SPEC", raising=False)
    with pytest.raises(plaudit.ConfigError, match="reward_kwargs"):
        plaudit.verl.compute_score("s", GOOD, "4")
    only = tmp_path / "only.toml"
    only.write_text('[specs]\n"a" = "specs/gated.toml"\n')
    with pytest.raises(plaudit.ConfigError, match="no spec for data_source 'b'"):
        plaudit.verl.compute_score("b", GOOD, "4", plaudit_config=str(only))
    bad = tmp_path / "bad.toml"
    bad.write_text('defualt = "x.toml"\n')
    with pytest.raises(plaudit.ConfigError, match="defualt"):
        plaudit.verl.compute_score("b", GOOD, "4", plaudit_config=str(bad))
    monkeypatch.setenv("PLAUDIT_VERL_CONFIG", str(routes))
    assert plaudit.verl.compute_score("openai/gsm8k", GOOD, "4")["score"] == 1.2


def test_numpy_columns(routes: Path) -> None:
    np = pytest.importorskip("numpy")
    kw = {"plaudit_config": str(routes)}
    out = plaudit.verl.compute_score_batch(
        np.array(["openai/gsm8k", "lighteval/MATH"], dtype=object),
        [GOOD, "\\boxed{2}"],
        np.array(["4", np.array(["2", "two"])], dtype=object),
        np.array([{"index": np.int64(1)}, {"index": 2}], dtype=object),
        **kw,
    )
    assert [d["score"] for d in out] == [1.2, 1.0]
