"""Helpers the adapters share."""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from plaudit._native import ConfigError, Engine

log = logging.getLogger("plaudit")

EngineLike = Union[Engine, str, os.PathLike]
"""An engine, or the path of a spec file to build one from."""

_engines: Dict[Tuple[str, Optional[int]], Engine] = {}
_engines_lock = threading.Lock()


def engine_for(spec: EngineLike, threads: Optional[int] = None) -> Engine:
    """An engine for ``spec``: itself when it is one, else the engine of that
    spec file, built once per process and path.

    Engines are fork-safe, so one cached before a fork serves the child too.
    """
    if isinstance(spec, Engine):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise TypeError(f"expected a plaudit.Engine or a spec path, not {type(spec).__name__}")
    key = (os.path.abspath(os.fspath(spec)), threads)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = Engine.from_file(key[0], threads=threads)
            _engines[key] = engine
        return engine


def spec_from_env(explicit: Optional[EngineLike], variable: str = "PLAUDIT_SPEC") -> EngineLike:
    """The spec an adapter was given, or the one named by ``$PLAUDIT_SPEC``."""
    if explicit is not None:
        return explicit
    path = os.environ.get(variable)
    if not path:
        raise ConfigError(
            f"no reward spec: pass `spec=...` (a plaudit.Engine or a spec file) or set ${variable} to a spec file"
        )
    return path


def on_missing(engine: Engine) -> List[str]:
    """Each aspect's ``on_missing`` policy, in spec order."""
    spec = engine.spec
    default = spec.get("on_missing", "fail")
    return [a.get("on_missing") or default for a in spec.get("aspect", [])]


def weights(engine: Engine) -> List[float]:
    """Each aspect's weight, in spec order."""
    return [float(a.get("weight", 1.0)) for a in engine.spec.get("aspect", [])]


def warn_missing(where: str, errors: Sequence[Optional[str]]) -> None:
    """Logs samples that have no reward: how many, and the first reason."""
    missing = [e for e in errors if e is not None]
    if missing:
        log.warning(
            "%s: %d of %d samples have no reward; the first: %s",
            where,
            len(missing),
            len(errors),
            missing[0],
        )


def group_key(prompt: Any) -> Optional[str]:
    """The group of a sample: its prompt (the responses to one prompt form a
    GRPO group)."""
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return prompt
    return json.dumps(prompt, sort_keys=True, default=str)


_PLAIN = (str, int, float, bool, type(None), list, dict, tuple)


def plain_meta(columns: Dict[str, Any], i: int, skip: Sequence[str]) -> Dict[str, Any]:
    """Sample ``i``'s extra columns that have a JSON form, as its ``meta``."""
    meta = {}
    for k, v in columns.items():
        if k in skip or not isinstance(v, (list, tuple)) or i >= len(v):
            continue
        if isinstance(v[i], _PLAIN):
            meta[k] = v[i]
    return meta
