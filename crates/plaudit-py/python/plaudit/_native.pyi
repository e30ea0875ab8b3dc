"""Type stubs of the native module (`crates/plaudit-py/src`)."""

from __future__ import annotations

import os
from typing import Any, Awaitable, Dict, Iterable, List, Literal, Optional, Sequence, Tuple, Union

__version__: str
DEFAULT_EOT_TOKENS: List[str]

PathLike = Union[str, os.PathLike[str]]
Status = Literal["scored", "not_applicable", "failed", "timed_out"]
ColumnStatus = Literal["scored", "not_applicable", "gated", "failed", "timed_out"]

class PlauditError(Exception):
    """The base class of every error plaudit raises."""

class SpecError(PlauditError):
    """A reward spec that cannot be read, parsed, validated or built."""

class SampleError(PlauditError):
    """A sample of the wrong shape; the message names the sample and field."""

class ConfigError(PlauditError):
    """An adapter configuration that cannot be used."""

class AspectResult:
    """One aspect's part in a Score."""

    @property
    def name(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def value(self) -> Optional[float]: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def after_ms(self) -> Optional[int]: ...
    @property
    def gated(self) -> bool: ...
    @property
    def details(self) -> Dict[str, Any]: ...
    @property
    def latency_us(self) -> int: ...
    @property
    def cache_hit(self) -> Optional[bool]: ...
    def to_dict(self) -> Dict[str, Any]: ...

class Score:
    """The reward of one sample, with every aspect's outcome."""

    @property
    def id(self) -> str: ...
    @property
    def reward(self) -> Optional[float]: ...
    @property
    def raw_reward(self) -> Optional[float]: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def aspects(self) -> Dict[str, AspectResult]: ...
    @property
    def values(self) -> Dict[str, Optional[float]]: ...
    def __getitem__(self, name: str) -> AspectResult: ...
    def to_dict(self) -> Dict[str, Any]: ...

class Columns:
    """The results of a batch as columns, one item per sample in each list."""

    @property
    def aspect_names(self) -> List[str]: ...
    @property
    def rewards(self) -> List[Optional[float]]: ...
    @property
    def raw_rewards(self) -> List[Optional[float]]: ...
    @property
    def errors(self) -> List[Optional[str]]: ...
    @property
    def values(self) -> Dict[str, List[Optional[float]]]: ...
    @property
    def statuses(self) -> Dict[str, List[ColumnStatus]]: ...
    @property
    def problems(self) -> List[Tuple[int, str, str]]: ...
    def __len__(self) -> int: ...

SampleLike = Any
"""A dict or an object with `response` and optionally `id`, `prompt`,
`reference`, `group`, `meta` (see `plaudit.Sample`)."""

class Engine:
    """A reward spec, built and ready to score batches of samples."""

    def __init__(
        self,
        *,
        path: Optional[PathLike] = None,
        toml: Optional[str] = None,
        json: Optional[str] = None,
        origin: Optional[str] = None,
        base_dir: Optional[PathLike] = None,
        threads: Optional[int] = None,
        cache: Optional[PathLike] = None,
    ) -> None: ...
    @classmethod
    def from_file(cls, path: PathLike, *, threads: Optional[int] = None, cache: Optional[PathLike] = None) -> Engine: ...
    @classmethod
    def from_toml(
        cls, text: str, *, base_dir: Optional[PathLike] = None, threads: Optional[int] = None, cache: Optional[PathLike] = None
    ) -> Engine: ...
    @classmethod
    def from_json(
        cls, text: str, *, base_dir: Optional[PathLike] = None, threads: Optional[int] = None, cache: Optional[PathLike] = None
    ) -> Engine: ...
    def score(self, samples: Iterable[SampleLike]) -> List[Score]: ...
    def score_one(self, sample: SampleLike) -> Score: ...
    def score_async(self, samples: Iterable[SampleLike]) -> Awaitable[List[Score]]: ...
    def score_columns(
        self,
        responses: Sequence[Any],
        references: Optional[Sequence[Any]] = None,
        prompts: Optional[Sequence[Any]] = None,
        groups: Optional[Sequence[Any]] = None,
        metas: Optional[Sequence[Any]] = None,
        ids: Optional[Sequence[Any]] = None,
    ) -> Columns: ...
    def score_columns_async(
        self,
        responses: Sequence[Any],
        references: Optional[Sequence[Any]] = None,
        prompts: Optional[Sequence[Any]] = None,
        groups: Optional[Sequence[Any]] = None,
        metas: Optional[Sequence[Any]] = None,
        ids: Optional[Sequence[Any]] = None,
    ) -> Awaitable[Columns]: ...
    @property
    def name(self) -> str: ...
    @property
    def spec_hash(self) -> str: ...
    @property
    def aspect_names(self) -> List[str]: ...
    @property
    def spec(self) -> Dict[str, Any]: ...
    @property
    def needs_groups(self) -> bool: ...
    @property
    def threads(self) -> Optional[int]: ...

def read_routes(path: PathLike) -> Dict[str, Any]: ...
def strip_end_of_turn(text: str, tokens: List[str]) -> str: ...
