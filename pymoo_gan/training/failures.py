"""Training that survives failing candidates: which exceptions are failures (not bugs), and on-device snapshots that
put weights, optimizers and counters back after a failed piece of training.

A candidate's training fails when it produces NaN/inf (losses or weights) or runs out of device memory; any other
exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch

from pymoo_gan.training.loop import clone_state


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
