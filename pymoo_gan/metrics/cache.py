"""Content hashes of tensors, for the keys of cached classifiers and real-data statistics (the cache directory and
atomic writes are :mod:`pymoo_gan.files`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import torch

__all__ = ["sha256_tensors"]


def sha256_tensors(tensors: Mapping[str, torch.Tensor]) -> str:
    """Hex SHA-256 over names, dtypes, shapes and bytes of named tensors (e.g. a state dict), in sorted name order.

    Example:
        >>> sha256_tensors({"w": torch.zeros(2)}) == sha256_tensors({"w": torch.zeros(2)})
        True
    """
    digest = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
