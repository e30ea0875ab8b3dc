"""Reward functions for a verifiers ``Rubric``.

A ``Rubric`` calls each of its reward functions once per rollout, with the
keywords its signature names (or all of them when it takes ``**kwargs``):
``prompt``, ``completion`` (text or chat messages), ``answer``, ``state``,
``task``, ``info``, ``parser``…, awaiting the result when it is a
coroutine. It turns the result into a float, and weighs and sums the
functions into the rollout's reward; each function's value is logged under
its ``__name__``.

``reward_func(engine)`` scores the spec's combined reward;
``reward_func(engine, aspect="correct")`` one aspect's value;
``rubric(engine)`` builds a ``verifiers.Rubric`` from them.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from plaudit._native import Engine
from plaudit._util import EngineLike, engine_for, log, on_missing, weights

__all__ = ["reward_func", "reward_funcs", "rubric"]


def _reference(answer: Any, info: Any) -> Any:
    # verifiers passes "" when a row has no answer.
    if answer not in (None, ""):
        return answer
    if isinstance(info, dict):
        return info.get("reference") or info.get("answer")
    return None


def _value(engine: Engine, cols: Any, aspect: Optional[str], policy: str, missing_reward: float, name: str) -> float:
    if aspect is None:
        reward = cols.rewards[0]
        if reward is None:
            log.warning("reward function %s: no reward (%s); counted as %s", name, cols.errors[0], missing_reward)
            return missing_reward
        return reward
    status = cols.statuses[aspect][0]
    if status == "scored":
        return cols.values[aspect][0]
    if status in ("failed", "timed_out") and policy != "zero":
        problem = next((m for _, a, m in cols.problems if a == aspect), status)
        log.warning("reward function %s: %s; counted as %s", name, problem, missing_reward)
        return missing_reward
    # not applicable, gated, or on_missing = "zero"
    return 0.0


def reward_func(
    spec: EngineLike,
    *,
    aspect: Optional[str] = None,
    name: Optional[str] = None,
    missing_reward: float = 0.0,
    asynchronous: bool = True,
) -> Callable[..., Any]:
    """A verifiers reward function: ``f(completion, answer, prompt, info,
    **kwargs) -> float``.

    The reference is ``answer`` (or ``info["reference"]`` when the row has no
    answer). With ``aspect``, the value is that aspect's: 0 where it does not
    apply or a gate held it back. A sample without a reward (or a failed
    aspect whose ``on_missing`` is not ``zero``) counts ``missing_reward``
    and is logged, since a Rubric needs a number. ``asynchronous`` (the
    default) returns a coroutine function, which scores off the event loop.
    """
    engine = engine_for(spec)
    policy = ""
    if aspect is not None:
        if aspect not in engine.aspect_names:
            raise KeyError(f"no aspect {aspect!r}; the aspects are {engine.aspect_names}")
        policy = on_missing(engine)[engine.aspect_names.index(aspect)]
    fname = name or (aspect if aspect is not None else engine.name)

    if asynchronous:

        async def reward_async(completion, answer=None, prompt=None, info=None, **kwargs):  # type: ignore[no-untyped-def]
            cols = await engine.score_columns_async([completion], [_reference(answer, info)], [prompt])
            return _value(engine, cols, aspect, policy, missing_reward, fname)

        fn: Callable[..., Any] = reward_async
    else:

        def reward(completion, answer=None, prompt=None, info=None, **kwargs):  # type: ignore[no-untyped-def]
            cols = engine.score_columns([completion], [_reference(answer, info)], [prompt])
            return _value(engine, cols, aspect, policy, missing_reward, fname)

        fn = reward
    fn.__name__ = fname
    fn.__qualname__ = fname
    return fn


def reward_funcs(spec: EngineLike, **kwargs: Any) -> List[Callable[..., Any]]:
    """One reward function per aspect, in spec order (see ``reward_func``)."""
    engine = engine_for(spec)
    return [reward_func(engine, aspect=a, **kwargs) for a in engine.aspect_names]


def rubric(spec: EngineLike, *, per_aspect: bool = False, **rubric_kwargs: Any) -> Any:
    """A ``verifiers.Rubric`` scoring with the spec: its combined reward (one
    function, weight 1), or with ``per_aspect`` one function per aspect
    weighted as the spec weighs it (gates, clipping and normalization are
    then the Rubric's, not the spec's)."""
    import verifiers as vf

    engine = engine_for(spec)
    if per_aspect:
        return vf.Rubric(funcs=reward_funcs(engine), weights=weights(engine), **rubric_kwargs)
    return vf.Rubric(funcs=[reward_func(engine)], weights=[1.0], **rubric_kwargs)
