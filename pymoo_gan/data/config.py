"""Which images a run trains on and is scored against: one settings dataclass, its defaults the embedded digits."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from pymoo_gan.data.registry import dataset_channels, load_dataset


@dataclass(frozen=True)
class DataConfig:
    """A dataset at one resolution (see :func:`pymoo_gan.data.load_dataset` for the names and what ``root`` holds).

    ``download`` lets cifar10/stl10/mnist/fashion_mnist fetch missing files into ``root``; ``cache_dir`` is where
    decoded image folders, domain classifiers and real-data statistics are cached (default: the user's cache).

    Example:
        >>> data = DataConfig(dataset="digits", resolution=16)
        >>> images, labels = data.load("test")
        >>> tuple(images.shape), data.channels
        ((450, 1, 16, 16), 1)
    """

    dataset: str = "digits"
    root: str | None = None
    resolution: int = 16
    download: bool = False
    cache_dir: str | None = None

    def __post_init__(self):
        dataset_channels(self.dataset)  # one-line error listing the names
        if isinstance(self.resolution, bool) or not isinstance(self.resolution, int) or self.resolution < 1:
            raise ValueError(f"resolution={self.resolution!r} must be a positive integer")

    @property
    def channels(self) -> int:
        """Image channels: the dataset's, for an image folder 1 when every image is grey (which looks at the
        images: decoded once, then cached), else 3."""
        root = os.path.expanduser(self.root) if self.root else None
        return dataset_channels(self.dataset, root=root, cache_dir=self.cache_dir)

    def load(self, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
        """``(images in [-1, 1], labels)`` of ``split`` (``"train"``, ``"test"`` or ``"all"``)."""
        root = os.path.expanduser(self.root) if self.root else None
        return load_dataset(self.dataset, root=root, resolution=self.resolution, split=split,
                            download=self.download, cache_dir=self.cache_dir)
