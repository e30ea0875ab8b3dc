"""Reward functions for TRL's ``GRPOTrainer`` (and the trainers that share
its reward-function convention, such as ``RLOOTrainer``).

TRL calls every reward function as::

    f(prompts=..., completions=..., completion_ids=..., **columns)

with one item per completion in each list; ``columns`` holds the dataset's
other columns (one list each) and ``trainer_state``. A function returns one
float per completion, or ``None`` where it does not apply (TRL then leaves
that function out of the sample's reward). Prompts and completions are
strings (standard format) or chat messages (conversational format); both
are accepted.

Two ways to use a spec:

- ``reward_funcs(engine)``: one function returning the spec's combined
  reward (weights, gates, clipping, normalization as the spec says);
- ``reward_funcs(engine, per_aspect=True)``: one function per aspect, so
  that TRL weighs them (``GRPOConfig(reward_weights=reward_weights(engine))``)
  and logs each, and ``multi_objective_aggregation="normalize_then_sum"``
  normalizes each before summing.

Every function has a ``__name__`` (TRL logs ``rewards/<name>``), and
``asynchronous=True`` gives ``async def`` functions, which TRL runs
concurrently on its reward event loop.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

from plaudit._native import ConfigError, Engine
from plaudit._util import EngineLike, engine_for, group_key, log, on_missing, plain_meta, warn_missing
from plaudit._util import weights as _weights

__all__ = ["REFERENCE_COLUMNS", "reward_funcs", "reward_weights"]

REFERENCE_COLUMNS = ("reference", "solution", "answer", "ground_truth")
"""Dataset columns read as the reference, in this order, when
``reference_column`` is not given."""

_NOT_COLUMNS = ("trainer_state", "completion_ids")


def reward_weights(spec: EngineLike) -> List[float]:
    """The aspects' weights, in spec order: ``GRPOConfig(reward_weights=...)``
    for ``reward_funcs(engine, per_aspect=True)``."""
    return _weights(engine_for(spec))


def _pick_reference(columns: Dict[str, Any], name: Optional[str]) -> Optional[Sequence[Any]]:
    if name is not None:
        if name not in columns:
            shown = sorted(k for k in columns if k not in _NOT_COLUMNS)
            raise ConfigError(f"the dataset has no column {name!r} to read references from; its columns are {shown}")
        return columns[name]
    for candidate in REFERENCE_COLUMNS:
        if candidate in columns:
            return columns[candidate]
    return None


class _Call:
    """What one call of a reward function sends to the engine."""

    def __init__(
        self,
        engine: Engine,
        reference_column: Optional[str],
        meta_columns: bool,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        columns: Dict[str, Any],
    ) -> None:
        self.responses = completions
        self.prompts = prompts
        self.references = _pick_reference(columns, reference_column)
        self.groups = [group_key(p) for p in prompts] if engine.needs_groups else None
        self.metas = None
        if meta_columns:
            skip = _NOT_COLUMNS + ((reference_column,) if reference_column else REFERENCE_COLUMNS)
            extra = {k: v for k, v in columns.items() if k not in skip}
            if extra:
                self.metas = [plain_meta(extra, i, skip) for i in range(len(completions))]

    def kwargs(self) -> Dict[str, Any]:
        return {
            "references": self.references,
            "prompts": self.prompts,
            "groups": self.groups,
            "metas": self.metas,
        }


def _combined(columns_result: Any, name: str, missing_reward: Optional[float]) -> List[Optional[float]]:
    warn_missing(f"reward function {name}", columns_result.errors)
    if missing_reward is None:
        return list(columns_result.rewards)
    return [missing_reward if r is None else r for r in columns_result.rewards]


def _aspect(columns_result: Any, aspect: str, policy: str, name: str) -> List[Optional[float]]:
    values = columns_result.values[aspect]
    statuses = columns_result.statuses[aspect]
    out: List[Optional[float]] = []
    failed = 0
    for v, s in zip(values, statuses):
        if s == "scored":
            out.append(v)
        elif s == "gated":
            # A gate that did not pass makes the aspect count 0.
            out.append(0.0)
        elif s == "not_applicable":
            out.append(None)
        else:
            failed += 1
            out.append(0.0 if policy == "zero" else None)
    if failed:
        first = next((m for _, a, m in columns_result.problems if a == aspect), "")
        log.warning(
            "reward function %s: %d of %d evaluations did not score (on_missing = %s); the first: %s",
            name,
            failed,
            len(values),
            policy,
            first,
        )
    return out


def reward_funcs(
    spec: EngineLike,
    *,
    per_aspect: bool = False,
    reference_column: Optional[str] = None,
    meta_columns: bool = True,
    missing_reward: Optional[float] = None,
    asynchronous: bool = False,
    prefix: str = "",
) -> List[Callable[..., Any]]:
    """TRL reward functions for a spec (an ``Engine`` or a spec file path).

    - ``per_aspect``: one function per aspect (named after it) returning the
      aspect's value: ``None`` where it does not apply, 0 where a gate held
      it back, and for a failed or timed-out evaluation 0 when the aspect's
      ``on_missing`` is ``zero``, else ``None`` (logged). Otherwise one
      function (named after the spec) returning the combined reward.
    - ``reference_column``: the dataset column holding references; by
      default the first of ``REFERENCE_COLUMNS`` present.
    - ``meta_columns``: pass the other dataset columns (those with a JSON
      form) to aspects as the sample's ``meta``.
    - ``missing_reward``: the combined reward of a sample that has none (an
      aspect whose ``on_missing`` is ``fail`` did not score). ``None``, the
      default, returns ``None`` for it, which TRL leaves out of the sum.
      Either way the samples are logged (logger ``plaudit``).
    - ``asynchronous``: return ``async def`` functions.
    - ``prefix``: prepended to every function's ``__name__``.
    """
    engine = engine_for(spec)
    if per_aspect:
        policies = on_missing(engine)
        targets = [(f"{prefix}{a}", a, p) for a, p in zip(engine.aspect_names, policies)]
    else:
        targets = [(f"{prefix}{engine.name}", None, "")]
    return [_make(engine, name, aspect, policy, reference_column, meta_columns, missing_reward, asynchronous)
            for name, aspect, policy in targets]


def _make(
    engine: Engine,
    name: str,
    aspect: Optional[str],
    policy: str,
    reference_column: Optional[str],
    meta_columns: bool,
    missing_reward: Optional[float],
    asynchronous: bool,
) -> Callable[..., Any]:
    def finish(result: Any) -> List[Optional[float]]:
        if aspect is None:
            return _combined(result, name, missing_reward)
        return _aspect(result, aspect, policy, name)

    if asynchronous:

        async def reward_async(prompts, completions, completion_ids=None, **columns):  # type: ignore[no-untyped-def]
            call = _Call(engine, reference_column, meta_columns, prompts, completions, columns)
            return finish(await engine.score_columns_async(completions, **call.kwargs()))

        fn: Callable[..., Any] = reward_async
    else:

        def reward(prompts, completions, completion_ids=None, **columns):  # type: ignore[no-untyped-def]
            call = _Call(engine, reference_column, meta_columns, prompts, completions, columns)
            return finish(engine.score_columns(completions, **call.kwargs()))

        fn = reward
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"plaudit reward {'aspect ' + repr(aspect) if aspect else 'of spec ' + repr(engine.name)}"
    return fn
