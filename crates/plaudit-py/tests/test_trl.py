"""TRL GRPOTrainer's reward-function convention.

TRL (`GRPOTrainer._calculate_rewards`) calls every custom reward function
with keywords only, `prompts=`, `completions=`, `completion_ids=` and one
list per remaining dataset column plus `trainer_state` (not a list); it
turns `None` into NaN, which leaves that function out of the sample's sum;
it names metrics after each function's `__name__`; it awaits the functions
for which `asyncio.iscoroutinefunction` is true on its own event loop. The
tests call the functions exactly that way.
"""

from __future__ import annotations

import asyncio
import math

import pytest

import plaudit
import plaudit.trl
from conftest import GATED, GOOD, UNTAGGED, WRONG


class TrainerState:  # what TRL passes as `trainer_state`
    global_step = 3


def call_like_trl(func, prompts, completions, **columns):
    kwargs = dict(columns)
    kwargs["trainer_state"] = TrainerState()
    ids = [[1, 2, 3] for _ in completions]
    if asyncio.iscoroutinefunction(func):
        out = asyncio.run(func(prompts=prompts, completions=completions, completion_ids=ids, **kwargs))
    else:
        out = func(prompts=prompts, completions=completions, completion_ids=ids, **kwargs)
    assert len(out) == len(completions)
    return [math.nan if r is None else r for r in out]


def nan_eq(a, b):
    return all((math.isnan(x) and math.isnan(y)) or x == pytest.approx(y) for x, y in zip(a, b))


@pytest.fixture()
def engine():
    return plaudit.Engine.from_toml(GATED)


def test_standard_format_combined_reward(engine) -> None:
    (f,) = plaudit.trl.reward_funcs(engine)
    assert f.__name__ == "gated"
    out = call_like_trl(f, ["2+2?"] * 3, [GOOD, WRONG, UNTAGGED], solution=["4", "4", "4"], level=[1, 1, 1])
    assert nan_eq(out, [1.2, 0.2, 0.0])


def test_conversational_format(engine) -> None:
    (f,) = plaudit.trl.reward_funcs(engine)
    prompts = [[{"role": "system", "content": "be brief"}, {"role": "user", "content": "2+2?"}]] * 2
    completions = [[{"role": "assistant", "content": GOOD}], [{"role": "assistant", "content": WRONG}]]
    assert nan_eq(call_like_trl(f, prompts, completions, answer=["4", "4"]), [1.2, 0.2])


def test_per_aspect_functions_with_weights(engine) -> None:
    funcs = plaudit.trl.reward_funcs(engine, per_aspect=True)
    assert [f.__name__ for f in funcs] == ["format", "correct", "overlong"]
    assert plaudit.trl.reward_weights(engine) == [0.2, 1.0, 1.0]
    cols = [call_like_trl(f, ["q"] * 3, [GOOD, WRONG, UNTAGGED], reference=["4", "4", "4"]) for f in funcs]
    assert nan_eq(cols[0], [1.0, 1.0, 0.0])
    # The gate held `correct` back on the untagged answer: it counts 0.
    assert nan_eq(cols[1], [1.0, 0.0, 0.0])
    # TRL's sum: nansum over functions of weight × value.
    w = plaudit.trl.reward_weights(engine)
    total = [sum(wi * c[i] for wi, c in zip(w, cols) if not math.isnan(c[i])) for i in range(3)]
    assert total == pytest.approx([1.2, 0.2, 0.0])


def test_not_applicable_is_none(engine) -> None:
    funcs = plaudit.trl.reward_funcs(engine, per_aspect=True)
    # No reference column: `correct` does not apply.
    out = call_like_trl(funcs[1], ["q"], [GOOD])
    assert math.isnan(out[0])


def test_missing_reward_is_none_or_the_given_number(caplog) -> None:
    e = plaudit.Engine.from_toml('name = "m"\n[[aspect]]\nname = "c"\nkind = "math.equivalent"\n')
    (f,) = plaudit.trl.reward_funcs(e)
    with caplog.at_level("WARNING", logger="plaudit"):
        assert math.isnan(call_like_trl(f, ["q"], ["\\boxed{4}"])[0])
    assert "have no reward" in caplog.text
    (g,) = plaudit.trl.reward_funcs(e, missing_reward=-1.0)
    assert call_like_trl(g, ["q"], ["\\boxed{4}"]) == [-1.0]


def test_async_functions_match_sync(engine) -> None:
    sync = plaudit.trl.reward_funcs(engine, per_aspect=True)
    asyn = plaudit.trl.reward_funcs(engine, per_aspect=True, asynchronous=True)
    for s, a in zip(sync, asyn):
        assert asyncio.iscoroutinefunction(a) and not asyncio.iscoroutinefunction(s)
        assert a.__name__ == s.__name__
        args = (["q"] * 3, [GOOD, WRONG, UNTAGGED])
        assert nan_eq(call_like_trl(a, *args, solution=["4"] * 3), call_like_trl(s, *args, solution=["4"] * 3))


def test_group_normalization_groups_by_prompt() -> None:
    spec = GATED + '\n[combine]\nnormalize = "group_zscore"\n'
    e = plaudit.Engine.from_toml(spec)
    (f,) = plaudit.trl.reward_funcs(e)
    out = call_like_trl(f, ["p1", "p1", "p2", "p2"], [GOOD, WRONG, GOOD, GOOD], reference=["4"] * 4)
    assert out[0] > 0 > out[1]
    assert out[2] == pytest.approx(0.0) and out[3] == pytest.approx(0.0)


def test_explicit_reference_column(engine) -> None:
    (f,) = plaudit.trl.reward_funcs(engine, reference_column="gold")
    assert nan_eq(call_like_trl(f, ["q"], [GOOD], gold=["4"], solution=["5"]), [1.2])
    with pytest.raises(plaudit.ConfigError, match="no column 'gold'.*'solution'"):
        call_like_trl(f, ["q"], [GOOD], solution=["5"])


def test_spec_path_is_accepted(example_spec) -> None:
    (f,) = plaudit.trl.reward_funcs(str(example_spec))
    assert f.__name__ == "math-grpo"
