"""``compute_score`` for verl's reward managers.

verl loads a custom reward function from a file
(``custom_reward_function.path`` and ``.name``) and calls it with the
``custom_reward_function.reward_kwargs`` of its config added:

- the ``naive`` manager (and ``dapo``, ``prime``): per sample,
  ``compute_score(data_source=..., solution_str=..., ground_truth=...,
  extra_info=...)`` -> ``compute_score`` or ``compute_score_async``;
- the ``batch`` manager: once per batch, ``compute_score(data_sources=...,
  solution_strs=..., ground_truths=..., extra_infos=...)`` ->
  ``compute_score_batch``.

Each returns ``{"score": float, ...}`` (a list of them for the batch form):
the reward, each aspect's value (0 where it did not score), and
``plaudit/reward_missing`` (1 where the sample has no reward and ``score``
is the configured ``missing_reward``) and ``plaudit/aspects_not_scored``.
verl appends every key to its ``reward_extra_info`` lists, so every sample
gets the same keys: the aspects of *every* spec of the configuration.

Which spec scores a sample follows its ``data_source``, from a routing file
named in ``reward_kwargs``::

    custom_reward_function:
      path: rewards.py            # from plaudit.verl import compute_score
      name: compute_score
      reward_kwargs:
        plaudit_config: /path/to/routes.toml

where ``routes.toml`` says::

    default = "math.toml"         # data sources not listed below (optional)
    missing_reward = 0.0          # the score of a sample without a reward
    [specs]
    "openai/gsm8k" = "gsm8k.toml"
    "lighteval/MATH" = "math.toml"

(spec paths relative to the routing file). ``reward_kwargs: {spec: PATH}``
scores every data source with one spec; ``$PLAUDIT_VERL_CONFIG`` and
``$PLAUDIT_SPEC`` stand in for them when ``reward_kwargs`` names neither.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

from plaudit._native import ConfigError, Engine, read_routes
from plaudit._util import engine_for

__all__ = ["compute_score", "compute_score_async", "compute_score_batch", "router"]

REWARD_MISSING = "plaudit/reward_missing"
NOT_SCORED = "plaudit/aspects_not_scored"


class Router:
    """The engines of a configuration, by data source."""

    def __init__(self, default: Optional[Engine], specs: Dict[str, Engine], missing_reward: float) -> None:
        self.default = default
        self.specs = specs
        self.missing_reward = missing_reward
        keys: List[str] = []
        for engine in ([default] if default else []) + list(specs.values()):
            for name in engine.aspect_names:
                if name not in keys and name not in ("score", REWARD_MISSING, NOT_SCORED):
                    keys.append(name)
        self.aspect_keys = keys
        """Every aspect name of every spec, in first-seen order: the keys of
        every result besides ``score`` and the two counts."""
        self._zeros = dict.fromkeys(keys, 0.0)

    def engine(self, data_source: Any) -> Engine:
        """The engine for a data source."""
        engine = self.specs.get(str(data_source)) if self.specs else None
        if engine is None:
            engine = self.default
        if engine is None:
            raise ConfigError(
                f"no spec for data_source {str(data_source)!r}: the routing file lists {sorted(self.specs)} and has no `default`"
            )
        return engine

    def results(self, engine: Engine, cols: Any, n: int) -> List[Dict[str, float]]:
        """One result dict per sample of a scored batch."""
        fill = self.missing_reward
        out = []
        values = [(name, cols.values[name]) for name in engine.aspect_names if name in self._zeros]
        statuses = list(cols.statuses.values())
        for i in range(n):
            reward = cols.rewards[i]
            d: Dict[str, float] = {"score": fill if reward is None else reward}
            d.update(self._zeros)
            for name, column in values:
                v = column[i]
                if v is not None:
                    d[name] = v
            d[REWARD_MISSING] = 1.0 if reward is None else 0.0
            d[NOT_SCORED] = float(sum(1 for s in statuses if s[i] != "scored"))
            out.append(d)
        return out


_routers: Dict[Tuple[Optional[str], Optional[str], Optional[float]], Router] = {}
_routers_lock = threading.Lock()


def router(
    plaudit_config: Optional[str] = None,
    spec: Any = None,
    missing_reward: Optional[float] = None,
) -> Router:
    """The router of a configuration, built once per process."""
    if plaudit_config is None and spec is None:
        plaudit_config = os.environ.get("PLAUDIT_VERL_CONFIG") or None
        spec = os.environ.get("PLAUDIT_SPEC") or None
    if plaudit_config is None and spec is None:
        raise ConfigError(
            "no reward spec: set `reward_kwargs: {plaudit_config: routes.toml}` (or `{spec: spec.toml}`) "
            "in custom_reward_function, or $PLAUDIT_VERL_CONFIG / $PLAUDIT_SPEC"
        )
    if isinstance(spec, Engine):
        return Router(spec, {}, 0.0 if missing_reward is None else missing_reward)
    key = (
        os.path.abspath(plaudit_config) if plaudit_config else None,
        os.path.abspath(spec) if spec else None,
        missing_reward,
    )
    with _routers_lock:
        r = _routers.get(key)
        if r is None:
            r = _build(key[0], key[1], missing_reward)
            _routers[key] = r
        return r


def _build(config: Optional[str], spec: Optional[str], missing_reward: Optional[float]) -> Router:
    if config is None:
        return Router(engine_for(spec), {}, 0.0 if missing_reward is None else missing_reward)  # type: ignore[arg-type]
    routes = read_routes(config)
    default = engine_for(routes["default"]) if routes["default"] else None
    specs = {source: engine_for(path) for source, path in routes["specs"].items()}
    fill = routes["missing_reward"] if missing_reward is None else missing_reward
    return Router(default, specs, fill)


def _router_from(kwargs: Dict[str, Any]) -> Router:
    return router(kwargs.get("plaudit_config"), kwargs.get("spec"), kwargs.get("missing_reward"))


def _meta(data_source: Any, extra_info: Any) -> Dict[str, Any]:
    meta: Dict[str, Any] = {"data_source": str(data_source)}
    if isinstance(extra_info, dict):
        for k, v in extra_info.items():
            if isinstance(v, (str, int, float, bool, type(None), list, dict, tuple)):
                meta.setdefault(k, v)
    return meta


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[Dict[str, Any]] = None,
    **kwargs: Any,
) -> Dict[str, float]:
    """Scores one response (verl's ``naive`` reward manager convention)."""
    r = _router_from(kwargs)
    engine = r.engine(data_source)
    cols = engine.score_columns([solution_str], [ground_truth], metas=[_meta(data_source, extra_info)])
    return r.results(engine, cols, 1)[0]


async def compute_score_async(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[Dict[str, Any]] = None,
    **kwargs: Any,
) -> Dict[str, float]:
    """``compute_score`` as a coroutine (verl's async reward loop awaits
    coroutine functions instead of running them on a thread)."""
    r = _router_from(kwargs)
    engine = r.engine(data_source)
    cols = await engine.score_columns_async(
        [solution_str], [ground_truth], metas=[_meta(data_source, extra_info)]
    )
    return r.results(engine, cols, 1)[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Optional[Sequence[Any]] = None,
    **kwargs: Any,
) -> List[Dict[str, float]]:
    """Scores a batch (verl's ``batch`` reward manager convention): one call
    per spec, results in input order."""
    r = _router_from(kwargs)
    n = len(solution_strs)
    if len(data_sources) != n or len(ground_truths) != n or (extra_infos is not None and len(extra_infos) != n):
        raise ValueError(
            f"the batch columns differ in length: {len(data_sources)} data_sources, {n} solution_strs, "
            f"{len(ground_truths)} ground_truths, {'no' if extra_infos is None else len(extra_infos)} extra_infos"
        )
    by_engine: Dict[int, Tuple[Engine, List[int]]] = {}
    for i, ds in enumerate(data_sources):
        engine = r.engine(ds)
        by_engine.setdefault(id(engine), (engine, []))[1].append(i)
    out: List[Optional[Dict[str, float]]] = [None] * n
    for engine, idx in by_engine.values():
        if len(idx) == n:
            responses, refs = list(solution_strs), list(ground_truths)
        else:
            responses = [solution_strs[i] for i in idx]
            refs = [ground_truths[i] for i in idx]
        metas = None
        if extra_infos is not None:
            metas = [_meta(data_sources[i], extra_infos[i]) for i in idx]
        cols = engine.score_columns(responses, refs, metas=metas)
        for i, d in zip(idx, r.results(engine, cols, len(idx))):
            out[i] = d
    return out  # type: ignore[return-value]
