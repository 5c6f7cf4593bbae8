"""Atomic checkpoint files: written to a temporary file, fsync'ed and renamed into place, so a kill at any moment
leaves the previous or the new checkpoint, never half of one; a damaged one fails loudly, naming the file."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import torch

from pymoo_gan.files import atomic_write


class CorruptCheckpointError(ValueError):
    """A checkpoint exists but cannot be read."""


def save_checkpoint(state: dict, path: str | os.PathLike) -> None:
    """Write ``state`` (tensors, plain values and picklable objects) to ``path`` atomically (fsync'ed)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)

    def write(tmp: Path):
        with open(tmp, "wb") as f:
            f.write(buffer.getbuffer())
            f.flush()
            os.fsync(f.fileno())

    atomic_write(path, write)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`; a damaged file raises :class:`CorruptCheckpointError`."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except (RuntimeError, EOFError, pickle.UnpicklingError, OSError, ValueError, AttributeError, ImportError) as exc:
        raise CorruptCheckpointError(f"checkpoint {path} is damaged ({type(exc).__name__}: {exc}); re-run with "
                                     "--fresh (fresh=True) to discard it and start this stage over") from None
    if not isinstance(state, dict) or "format" not in state:
        raise CorruptCheckpointError(f"checkpoint {path} is not a pymoo_gan checkpoint; re-run with --fresh "
                                     "(fresh=True) to discard it")
    return state
