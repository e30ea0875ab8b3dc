"""plaudit: multi-aspect rewards for LLM post-training.

One reward spec (TOML or JSON) turns a model's response into a reward built
from several aspects. ``Engine`` scores batches (the GIL is released while
it does); the submodules adapt it to the trainers' calling conventions:

- ``plaudit.trl``: reward functions for TRL's ``GRPOTrainer``;
- ``plaudit.verl``: ``compute_score`` for verl's reward managers;
- ``plaudit.openrlhf``: ``reward_func`` for OpenRLHF's ``--remote_rm_url``;
- ``plaudit.verifiers``: reward functions for a verifiers ``Rubric``;
- ``plaudit.ray``: a ``Scorer`` for Ray Data ``map_batches``.
"""

from plaudit._native import (
    AspectResult,
    Columns,
    ConfigError,
    Engine,
    PlauditError,
    SampleError,
    Score,
    SpecError,
    __version__,
)
from plaudit._sample import Sample

__all__ = [
    "AspectResult",
    "Columns",
    "ConfigError",
    "Engine",
    "PlauditError",
    "SampleError",
    "Sample",
    "Score",
    "SpecError",
    "__version__",
]
