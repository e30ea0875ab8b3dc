"""``reward_func`` for OpenRLHF's ``--remote_rm_url path/to/reward_func.py``.

OpenRLHF imports that file and calls ``reward_func(queries, prompts,
labels)`` (on a worker thread, a micro-batch at a time), where each query is
the prompt followed by the response, decoded with their special tokens, and
each label is the dataset's ``--label_key`` value. It expects
``{"rewards": ..., "scores": ..., "extra_logs": {...}}``, each of length N.

This is the in-process twin of ``plaudit serve``'s ``/get_reward``
endpoint, with the same rules: the response is the query with its prompt
removed and then any trailing end-of-turn or padding tokens; ``rewards``
are the spec's rewards, ``scores`` the rewards before group normalization
(what dynamic filtering compares); ``extra_logs`` has every aspect (0 where
it did not score), ``plaudit/reward_missing`` (1 where a sample has no
reward and gets ``missing_reward``) and ``plaudit/aspects_not_scored``.

The file OpenRLHF loads can be one line, with ``$PLAUDIT_SPEC`` naming the
spec::

    from plaudit.openrlhf import reward_func

or name the spec itself::

    from plaudit.openrlhf import make_reward_func
    reward_func = make_reward_func("/path/to/spec.toml")
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

from plaudit._native import DEFAULT_EOT_TOKENS, SampleError, strip_end_of_turn
from plaudit._util import EngineLike, engine_for, spec_from_env, warn_missing

__all__ = ["EOT_TOKENS", "make_reward_func", "reward_func"]

EOT_TOKENS = list(DEFAULT_EOT_TOKENS)
"""End-of-turn and padding tokens removed from the end of a response: those
of the chat templates in common use (the same list as ``plaudit serve``)."""

REWARD_MISSING = "plaudit/reward_missing"
NOT_SCORED = "plaudit/aspects_not_scored"


def _score(
    spec: EngineLike,
    queries: Sequence[str],
    prompts: Sequence[str],
    labels: Optional[Sequence[Any]],
    eot_tokens: List[str],
    missing_reward: float,
    tensors: bool,
) -> Dict[str, Any]:
    engine = engine_for(spec)
    n = len(queries)
    if len(prompts) != n:
        raise SampleError(f"`queries` has {n} items but `prompts` has {len(prompts)}; they must have the same length")
    if labels is not None and len(labels) != n:
        raise SampleError(f"`queries` has {n} items but `labels` has {len(labels)}; they must have the same length")
    responses = []
    for i, (q, p) in enumerate(zip(queries, prompts)):
        if not q.startswith(p):
            raise SampleError(
                f"`queries[{i}]` does not start with `prompts[{i}]`; a query must be its prompt followed by the response"
            )
        responses.append(strip_end_of_turn(q[len(p):], eot_tokens))
    cols = engine.score_columns(responses, labels, prompts)
    warn_missing("plaudit.openrlhf.reward_func", cols.errors)
    rewards = [missing_reward if r is None else r for r in cols.rewards]
    scores = [missing_reward if r is None else r for r in cols.raw_rewards]
    logs: Dict[str, Any] = {}
    statuses = list(cols.statuses.values())
    for name in engine.aspect_names:
        logs[name] = [0.0 if v is None else v for v in cols.values[name]]
    logs[REWARD_MISSING] = [1.0 if r is None else 0.0 for r in cols.rewards]
    logs[NOT_SCORED] = [float(sum(1 for s in statuses if s[i] != "scored")) for i in range(n)]
    if tensors:
        import torch

        rewards_t, scores_t = torch.tensor(rewards), torch.tensor(scores)
        return {
            "rewards": rewards_t,
            "scores": scores_t,
            "extra_logs": {k: torch.tensor(v) for k, v in logs.items()},
        }
    return {"rewards": rewards, "scores": scores, "extra_logs": logs}


def reward_func(
    queries: Sequence[str],
    prompts: Sequence[str],
    labels: Optional[Sequence[Any]] = None,
    **kwargs: Any,
) -> Dict[str, Any]:
    """Scores OpenRLHF queries with the spec named by ``spec=`` or
    ``$PLAUDIT_SPEC``. Other keywords: ``eot_tokens``, ``missing_reward``
    (default 0.0), ``tensors`` (return torch tensors instead of lists)."""
    return _score(
        spec_from_env(kwargs.get("spec")),
        queries,
        prompts,
        labels,
        kwargs.get("eot_tokens", EOT_TOKENS),
        float(kwargs.get("missing_reward", 0.0)),
        bool(kwargs.get("tensors", False)),
    )


def make_reward_func(
    spec: EngineLike,
    *,
    eot_tokens: Optional[List[str]] = None,
    missing_reward: float = 0.0,
    tensors: bool = False,
) -> Callable[..., Dict[str, Any]]:
    """A ``reward_func(queries, prompts, labels)`` bound to one spec."""
    tokens = list(EOT_TOKENS if eot_tokens is None else eot_tokens)

    def reward_func(queries, prompts, labels=None, **kwargs):  # type: ignore[no-untyped-def]
        return _score(spec, queries, prompts, labels, tokens, missing_reward, tensors)

    return reward_func
