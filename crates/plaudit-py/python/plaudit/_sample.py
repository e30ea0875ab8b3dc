"""The sample type, for callers who prefer a typed object to a dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

Message = Dict[str, Any]
"""A chat message: ``{"role": ..., "content": ...}``."""

Content = Union[str, List[Message]]
"""Text, or chat messages."""


@dataclass
class Sample:
    """One model output to be rewarded.

    ``Engine.score`` accepts these, plain dicts with the same keys, or any
    object with these attributes.
    """

    response: Content
    """The model's response: text, or messages (the assistant turns are read)."""
    prompt: Optional[Content] = None
    """The prompt the model answered."""
    reference: Any = None
    """The gold answer, test cases… (any JSON value)."""
    id: Optional[str] = None
    """A stable identifier (default: the position in the batch)."""
    group: Optional[str] = None
    """The prompt group, for GRPO-style normalization within groups."""
    meta: Dict[str, Any] = field(default_factory=dict)
    """Free data: data source, rubric, principles…"""
