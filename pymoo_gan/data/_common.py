"""Helpers shared by the dataset loaders: argument checks and uint8 arrays -> float32 tensors in [-1, 1].

Example:
    >>> import numpy as np
    >>> x = uint8_to_tensor([np.full((2, 3, 8, 8), 255, dtype=np.uint8)], resolution=4, channels_last=False)
    >>> tuple(x.shape), float(x.min()), float(x.max())
    ((2, 3, 4, 4), 1.0, 1.0)
"""

from __future__ import annotations

import operator
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

SPLITS = ("train", "test", "all")
_CHUNK = 1024  # images converted and resized at a time: bounds the float32 intermediate (STL-10 has 105,000 images)


def check_split(split: str, dataset: str) -> str:
    """Return ``split`` if it is one of :data:`SPLITS`, else raise a one-line ``ValueError``."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not a split of {dataset}; allowed: {', '.join(SPLITS)}")
    return split


def check_resolution(resolution: int, dataset: str) -> int:
    """Return ``resolution`` as an int if it is a positive integer, else raise a one-line ``ValueError``."""
    try:
        value = operator.index(resolution)
    except TypeError:
        value = None
    if value is None or isinstance(resolution, bool) or value < 1:
        raise ValueError(f"resolution={resolution!r} is not allowed for {dataset}; use a positive integer")
    return value


def check_root(root: str | os.PathLike | None, dataset: str, what: str) -> Path:
    """Return ``root`` as an absolute path, or raise a ``ValueError`` saying that ``dataset`` needs a data ``root``."""
    if root is None or str(root) == "":
        raise ValueError(f"dataset {dataset!r} needs a data root (root=...): {what}")
    return Path(root).expanduser().absolute()


def uint8_to_tensor(parts: Sequence[np.ndarray], resolution: int, channels_last: bool) -> torch.Tensor:
    """Stack uint8 image arrays into one float32 tensor in [-1, 1] of shape (N, C, resolution, resolution).

    ``parts`` are arrays of shape (n, C, H, W) (or (n, H, W, C) with ``channels_last``), possibly memory-mapped; they
    are converted ``_CHUNK`` images at a time. Non-square images are centre-cropped to a square first; a square of
    another side is resized with bilinear interpolation (antialiased, ``align_corners=False``).
    """
    first = parts[0]
    if channels_last:
        h, w, c = first.shape[1:]
    else:
        c, h, w = first.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    total = sum(len(p) for p in parts)
    out = torch.empty((total, c, resolution, resolution), dtype=torch.float32)
    position = 0
    for part in parts:
        for start in range(0, len(part), _CHUNK):
            block = torch.from_numpy(np.array(part[start:start + _CHUNK]))  # a copy: parts may be read-only memmaps
            if channels_last:
                block = block.permute(0, 3, 1, 2)
            block = block[:, :, top:top + side, left:left + side]
            x = block.to(torch.float32).div_(127.5).sub_(1.0)
            if side != resolution:
                x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", antialias=True,
                                  align_corners=False).clamp_(-1.0, 1.0)
            out[position:position + len(x)] = x
            position += len(x)
    return out
