"""Failing candidates: what counts as a failure, the value a failed candidate gets, and on-device snapshots that put
shared weights back after one.

A candidate fails when its training produces NaN/inf (losses or weights), when its objective/constraint scores are not
finite, or when it runs out of device memory while training or scoring. A failure is recorded, never raised: the
candidate's row gets :data:`FAILED_VALUE` for every objective and constraint and a ``failure`` reason, the weights it
corrupted are restored, and the search goes on. Any other exception is a bug and propagates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import torch

from pymoo_gan.training.loop import clone_state

FAILED_VALUE = 1e12
"""``F`` of every objective and ``G`` of every constraint of a failed candidate. Finite, so pymoo's non-dominated
sorting, crowding distances and normalisations stay finite; far above any real objective (Fréchet distances, negated
scores, parameters, MACs of a generator), so every successful candidate dominates a failed one and a failed one
violates every constraint."""


def failure_reason(exc: BaseException, doing: str) -> str | None:
    """The failure that ``exc`` (raised while ``doing``) stands for, or None when it is a bug."""
    if isinstance(exc, torch.cuda.OutOfMemoryError) or (isinstance(exc, RuntimeError) and "out of memory" in str(exc)):
        return f"out of memory while {doing}"
    if isinstance(exc, FloatingPointError):
        return f"floating-point error while {doing}: {exc}"
    return None


def release_memory() -> None:
    """Return cached device memory after an out-of-memory error (a no-op where CUDA was never initialised)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()


def nonfinite_scores(scores: Mapping[str, float], values: Sequence[float]) -> str:
    """``""`` when the objective/constraint ``values`` are finite, else the reason naming the non-finite scores."""
    if all(math.isfinite(v) for v in values):
        return ""
    bad = [f"{k}={v:g}" for k, v in scores.items() if isinstance(v, float | int) and not math.isfinite(v)]
    return "scores not finite: " + (", ".join(bad) or "objectives " + ", ".join(f"{v:g}" for v in values))


def all_finite(tensors: Iterable[torch.Tensor]) -> torch.Tensor:
    """A device bool: every element of every tensor (at least one) is finite; no host synchronisation. Uses the
    tensors' norms (one fused kernel; NaN and inf propagate), so a weight beyond ~1e19 counts as non-finite too."""
    return torch.isfinite(torch.stack(torch._foreach_norm(list(tensors)))).all()


class Snapshot:
    """On-device copies of the states of ``objects`` (modules, optimizers, trainers: anything with ``state_dict`` and
    ``load_state_dict``) and of the attributes ``names`` of ``owner``; :meth:`restore` puts them back in place."""

    def __init__(self, objects: Sequence, owner: object = None, names: Sequence[str] = ()):
        self.objects = list(objects)
        self.states = [clone_state(o.state_dict()) for o in self.objects]
        self.owner, self.values = owner, {n: getattr(owner, n) for n in names}

    def restore(self) -> None:
        for obj, state in zip(self.objects, self.states, strict=True):
            obj.load_state_dict(clone_state(state))  # an optimizer keeps the very tensors it is given
        for name, value in self.values.items():
            setattr(self.owner, name, value)
