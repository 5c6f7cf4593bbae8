"""Dataset names -> loaders. Every loader returns images in [-1, 1], shape (N, C, R, R), and int64 labels.

=================  ========  ==========================================================================
name               channels  ``root`` (``data.root`` in a config)
=================  ========  ==========================================================================
``digits``         1         not used: scikit-learn's embedded 8x8 digits
``cifar10``        3         folder holding ``cifar-10-batches-py/``
``stl10``          3         folder holding ``stl10_binary/`` ("train" = train + unlabeled, 105,000)
``mnist``          1         folder holding ``MNIST/raw/``
``fashion_mnist``  1         folder holding ``FashionMNIST/raw/``
``image_folder``   1 or 3    a folder or a ``.tar``/``.tar.gz``/``.tgz``/``.zip`` archive of images (1 when every
                             image is grey; :func:`dataset_channels` says 3 unless given the ``root``)
=================  ========  ==========================================================================

Example:
    >>> images, labels = load_dataset("digits", resolution=16, split="test")
    >>> tuple(images.shape), images.dtype, labels.dtype, dataset_channels("cifar10")
    ((450, 1, 16, 16), torch.float32, torch.int64, 3)
"""

from __future__ import annotations

import os

import torch

from pymoo_gan.data._common import check_split
from pymoo_gan.data.embedded import load_digits
from pymoo_gan.data.image_folder import image_folder_channels, load_image_folder
from pymoo_gan.data.torchvision_sets import load_cifar10, load_fashion_mnist, load_mnist, load_stl10

__all__ = ["dataset_channels", "dataset_names", "load_dataset"]

_CHANNELS = {"digits": 1, "cifar10": 3, "stl10": 3, "mnist": 1, "fashion_mnist": 1, "image_folder": 3}
_DOWNLOADABLE = {"cifar10": load_cifar10, "stl10": load_stl10, "mnist": load_mnist,
                 "fashion_mnist": load_fashion_mnist}


def dataset_names() -> list[str]:
    """The names :func:`load_dataset` accepts, sorted.

    Example:
        >>> "cifar10" in dataset_names() and "image_folder" in dataset_names()
        True
    """
    return sorted(_CHANNELS)


def dataset_channels(name: str, root: str | os.PathLike | None = None,
                     cache_dir: str | os.PathLike | None = None) -> int:
    """Image channels of a named dataset: known without loading it, except for ``image_folder`` with a ``root``,
    whose images are looked at (1 when all are grey, see :func:`~pymoo_gan.data.image_folder.image_folder_channels`).

    Example:
        >>> dataset_channels("digits"), dataset_channels("image_folder")
        (1, 3)
    """
    _check(name)
    if name == "image_folder" and root is not None:
        return image_folder_channels(root, cache_dir=cache_dir)
    return _CHANNELS[name]


def load_dataset(name: str, root: str | os.PathLike | None = None, resolution: int = 16, split: str = "train",
                 download: bool = False, cache_dir: str | os.PathLike | None = None,
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Load a named dataset at ``resolution``: ``(images in [-1, 1], labels)``.

    ``split`` is ``"train"``, ``"test"`` or ``"all"``. ``download=True`` lets cifar10, stl10, mnist and
    fashion_mnist fetch missing files into ``root`` (through torchvision); ``cache_dir`` is where image_folder caches
    decoded images. Both are ignored by the datasets they do not concern.

    Example:
        >>> x, y = load_dataset("digits", resolution=8, split="all")
        >>> tuple(x.shape), int(y.min()), int(y.max())
        ((1797, 1, 8, 8), 0, 9)
    """
    _check(name)
    check_split(split, name)
    if name == "digits":
        return load_digits(resolution=resolution, split=split)
    if name == "image_folder":
        return load_image_folder(root, resolution=resolution, split=split, cache_dir=cache_dir)
    return _DOWNLOADABLE[name](root, resolution=resolution, split=split, download=download)


def _check(name: str) -> None:
    if name not in _CHANNELS:
        raise ValueError(f"dataset={name!r} is unknown; allowed: {', '.join(dataset_names())}")
