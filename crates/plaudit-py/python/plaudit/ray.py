"""Scale-out on Ray: a scorer for Ray Data's ``map_batches``.

``Scorer`` is a callable class, so Ray runs it in a pool of actors: each
actor builds its engine once and then scores batch after batch. On a
cluster of many nodes the actors spread over the nodes like any Ray Data
stage; every node needs the ``plaudit`` package (in the image, or through
``runtime_env={"pip": ["plaudit"]}``) and the spec, given as text
(``toml=``) or as a path every node can read::

    import ray, plaudit.ray

    ray.init()                       # or ray.init(address="auto") on a cluster
    ds = ray.data.read_json("rollouts.jsonl")
    scored = ds.map_batches(
        plaudit.ray.Scorer,
        fn_constructor_kwargs={"toml": open("math.toml").read()},
        concurrency=8,               # actors; each one scores on `threads` cores
        num_cpus=1,
        batch_size=1024,
    )
    scored.write_json("scored/")

Each batch gets a ``reward`` column (NaN where a sample has no reward),
``reward_error`` (why, else None) and one ``aspect.<name>`` column per
aspect (NaN where it did not score). Batches may be dicts of NumPy arrays
(Ray's default) or pandas DataFrames.

A spec that normalizes within groups needs each group in one batch: score
with ``ds.groupby("group").map_groups(plaudit.ray.Scorer, ...)``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from plaudit._native import Engine
from plaudit._util import engine_for

__all__ = ["Scorer", "score_dataset"]


def _column(batch: Any, name: Optional[str]) -> Optional[list]:
    if name is None:
        return None
    try:
        col = batch[name]
    except KeyError:
        return None
    return col.tolist() if hasattr(col, "tolist") else list(col)


class Scorer:
    """Scores Ray Data batches with one spec.

    Give the spec as ``spec`` (a path every worker can read), ``toml`` (its
    text) or ``engine``. Column names are configurable; ``reference``,
    ``prompt``, ``group``, ``id`` and ``meta`` columns are read when present.
    ``threads`` is the engine's worker threads per actor (default 1: Ray's
    parallelism is the actors).
    """

    def __init__(
        self,
        spec: Optional[str] = None,
        *,
        toml: Optional[str] = None,
        engine: Optional[Engine] = None,
        response_column: str = "response",
        reference_column: Optional[str] = "reference",
        prompt_column: Optional[str] = "prompt",
        group_column: Optional[str] = "group",
        id_column: Optional[str] = "id",
        meta_column: Optional[str] = "meta",
        threads: Optional[int] = 1,
    ) -> None:
        given = [x is not None for x in (spec, toml, engine)]
        if sum(given) != 1:
            raise TypeError("give exactly one of `spec` (a path), `toml` (spec text) or `engine`")
        if engine is not None:
            self.engine = engine
        elif toml is not None:
            self.engine = Engine.from_toml(toml, threads=threads)
        else:
            self.engine = engine_for(spec, threads)  # type: ignore[arg-type]
        self.response_column = response_column
        self.reference_column = reference_column
        self.prompt_column = prompt_column
        self.group_column = group_column
        self.id_column = id_column
        self.meta_column = meta_column

    def __call__(self, batch: Any) -> Any:
        responses = _column(batch, self.response_column)
        if responses is None:
            raise KeyError(f"the batch has no {self.response_column!r} column (set `response_column=`)")
        ids = _column(batch, self.id_column)
        cols = self.engine.score_columns(
            responses,
            references=_column(batch, self.reference_column),
            prompts=_column(batch, self.prompt_column),
            groups=_column(batch, self.group_column),
            metas=_column(batch, self.meta_column),
            ids=[str(i) for i in ids] if ids is not None else None,
        )
        nan = float("nan")
        out: Dict[str, Iterable[Any]] = {
            "reward": [nan if r is None else r for r in cols.rewards],
            "reward_error": list(cols.errors),
        }
        for name in self.engine.aspect_names:
            out[f"aspect.{name}"] = [nan if v is None else v for v in cols.values[name]]
        return _with_columns(batch, out)


def _with_columns(batch: Any, new: Dict[str, Iterable[Any]]) -> Any:
    if isinstance(batch, dict):
        import numpy as np

        result = dict(batch)
        for k, v in new.items():
            result[k] = np.asarray(list(v), dtype=object if k == "reward_error" else np.float64)
        return result
    # pandas.DataFrame (batch_format="pandas")
    result = batch.copy()
    for k, v in new.items():
        result[k] = list(v)
    return result


def score_dataset(
    ds: Any,
    *,
    toml: Optional[str] = None,
    spec: Optional[str] = None,
    concurrency: int = 2,
    batch_size: int = 1024,
    num_cpus: float = 1,
    **scorer_kwargs: Any,
) -> Any:
    """``ds.map_batches(Scorer, ...)`` with an actor pool of ``concurrency``
    actors; the returned dataset is lazy like any Ray Data stage."""
    kwargs: Dict[str, Any] = dict(scorer_kwargs)
    if toml is not None:
        kwargs["toml"] = toml
    if spec is not None:
        kwargs["spec"] = spec
    return ds.map_batches(
        Scorer,
        fn_constructor_kwargs=kwargs,
        concurrency=concurrency,
        batch_size=batch_size,
        num_cpus=num_cpus,
    )
