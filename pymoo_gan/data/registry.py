"""Dataset names -> loaders. Every loader returns images in [-1, 1], shape (N, C, R, R), and int64 labels."""

from __future__ import annotations

from pymoo_gan.data.embedded import load_digits

_CHANNELS = {"digits": 1}


def dataset_names() -> list[str]:
    return sorted(_CHANNELS)


def dataset_channels(name: str) -> int:
    """Image channels of a named dataset (known without loading it)."""
    _check(name)
    return _CHANNELS[name]


def load_dataset(name: str, root: str | None = None, resolution: int = 16, split: str = "train"):
    """Load a named dataset at ``resolution``: ``(images in [-1, 1], labels)``."""
    _check(name)
    if name == "digits":
        return load_digits(resolution=resolution, split=split)
    raise AssertionError(name)


def _check(name: str) -> None:
    if name not in _CHANNELS:
        raise ValueError(f"dataset={name!r} is unknown; allowed: {', '.join(dataset_names())}")
