"""The embedded default dataset: scikit-learn's handwritten digits (1,797 real 8x8 images that ship in its wheel).

Example:
    >>> images, labels = load_digits(resolution=16, split="train")
    >>> tuple(images.shape[1:]), float(images.min()) >= -1.0, float(images.max()) <= 1.0
    ((1, 16, 16), True, True)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

DIGITS_SPLITS = ("train", "test", "all")
_TEST_FRACTION = 0.25
_SPLIT_SEED = 20221  # fixed split, identical on every machine; a local Generator, never the global RNG


def load_digits(resolution: int = 16, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Return the digits images in [-1, 1], shape (N, 1, resolution, resolution), and their labels.

    ``split`` is ``"train"`` (75 %, 1,347 images), ``"test"`` (25 %, 450 held-out images, stratified by class) or
    ``"all"``. Images are upsampled from 8x8 with bilinear interpolation.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"split={split!r} is not a digits split; allowed: {', '.join(DIGITS_SPLITS)}")
    if not isinstance(resolution, int) or resolution < 8:
        raise ValueError(f"resolution={resolution!r} is not allowed for digits; use an integer >= 8")
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    images = bunch.images.astype(np.float32) / 16.0 * 2.0 - 1.0
    labels = bunch.target.astype(np.int64)
    index = _split_index(labels, split)
    x = torch.from_numpy(images[index]).unsqueeze(1)
    if resolution != 8:
        x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
    return x.clamp_(-1.0, 1.0).contiguous(), torch.from_numpy(labels[index])


def _split_index(labels: np.ndarray, split: str) -> np.ndarray:
    if split == "all":
        return np.arange(len(labels))
    rng = np.random.default_rng(_SPLIT_SEED)
    test = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        test.extend(rng.permutation(members)[: int(round(len(members) * _TEST_FRACTION))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test] = True
    return np.flatnonzero(is_test if split == "test" else ~is_test)
