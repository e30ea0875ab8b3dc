"""The verifiers `Rubric` reward-function convention.

A Rubric treats a function as per-rollout unless it names a group
parameter (`prompts`, `completions`, `answers`, `states`, `tasks`,
`infos`); it passes every scoring object (`prompt`, `completion`,
`answer`, `state`, `task`, `info`, `parser`…) to a function that takes
`**kwargs` and only the named ones otherwise, awaits coroutines, and
takes `float(result)`. `call_like_a_rubric` does the same.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest

import plaudit
import plaudit.verifiers
from conftest import GATED, GOOD, UNTAGGED, WRONG

GROUP_PARAMS = {"prompts", "completions", "answers", "states", "tasks", "infos"}


def call_like_a_rubric(func, *, prompt, completion, answer, info=None):
    sig = inspect.signature(func)
    assert not (set(sig.parameters) & GROUP_PARAMS), "would be taken for a group function"
    merged = {"prompt": prompt, "completion": completion, "answer": answer, "state": {}, "task": "default",
              "info": info or {}, "parser": object()}
    if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        merged = {k: v for k, v in merged.items() if k in sig.parameters}

    async def run():
        out = func(**merged)
        return await out if inspect.isawaitable(out) else out

    return float(asyncio.run(run()))


@pytest.fixture()
def engine():
    return plaudit.Engine.from_toml(GATED)


def test_combined_reward_chat_and_text(engine) -> None:
    f = plaudit.verifiers.reward_func(engine)
    assert f.__name__ == "gated" and asyncio.iscoroutinefunction(f)
    chat = [{"role": "assistant", "content": GOOD}]
    prompt = [{"role": "user", "content": "2+2?"}]
    assert call_like_a_rubric(f, prompt=prompt, completion=chat, answer="4") == 1.2
    assert call_like_a_rubric(f, prompt="2+2?", completion=WRONG, answer="4") == pytest.approx(0.2)


def test_aspect_functions(engine) -> None:
    funcs = plaudit.verifiers.reward_funcs(engine, asynchronous=False)
    assert [f.__name__ for f in funcs] == ["format", "correct", "overlong"]
    values = [call_like_a_rubric(f, prompt="q", completion=UNTAGGED, answer="4") for f in funcs]
    assert values == [0.0, 0.0, 0.0]  # `correct` gated: 0
    values = [call_like_a_rubric(f, prompt="q", completion=GOOD, answer="") for f in funcs]
    assert values[1] == 0.0  # no answer: does not apply


def test_reference_from_info_and_missing_reward(caplog) -> None:
    e = plaudit.Engine.from_toml('name = "m"\n[[aspect]]\nname = "c"\nkind = "math.equivalent"\n')
    f = plaudit.verifiers.reward_func(e, missing_reward=-1.0)
    assert call_like_a_rubric(f, prompt="q", completion="\\boxed{4}", answer="", info={"reference": "4"}) == 1.0
    with caplog.at_level("WARNING", logger="plaudit"):
        assert call_like_a_rubric(f, prompt="q", completion="\\boxed{4}", answer="") == -1.0
    assert "no reward" in caplog.text


def test_unknown_aspect(engine) -> None:
    with pytest.raises(KeyError, match="no aspect 'nope'"):
        plaudit.verifiers.reward_func(engine, aspect="nope")


def test_rubric_needs_verifiers(engine) -> None:
    try:
        import verifiers  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            plaudit.verifiers.rubric(engine)
    else:  # pragma: no cover - only where verifiers is installed
        r = plaudit.verifiers.rubric(engine, per_aspect=True)
        assert len(r.funcs) == 3
