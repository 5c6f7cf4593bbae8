"""CIFAR-10, STL-10, MNIST and Fashion-MNIST from a local folder, in torchvision's on-disk layout.

Design choice: the files are *read* here, directly from their standard formats (CIFAR-10's python pickles, STL-10's
binary ``*.bin`` files, MNIST's idx files, raw or ``.gz``); torchvision is used only to *download* them
(``download=True``: ``torchvision.datasets.CIFAR10(root, download=True)`` and friends, which verify the archive's MD5
and unpack it into ``root``). Reading does not check MD5 sums, so any files in the exact formats load (tests
synthesize tiny ones), reading the 2.7 GB STL-10 unlabeled file is memory-mapped rather than loaded whole, and no
torchvision private API is involved. A download happens only when ``download=True`` *and* a needed file is missing.

``root`` is the folder torchvision would be given (the one holding ``cifar-10-batches-py``, ``stl10_binary``,
``MNIST/raw`` or ``FashionMNIST/raw``); the data folder itself is accepted too. CIFAR-10 pickles are read with an
unpickler that only allows the numpy classes such files contain.

Splits: ``"train"``, ``"test"`` and ``"all"`` (= train + test). For STL-10, ``"train"`` is the 5,000 labelled train
images followed by the 100,000 unlabeled ones (labels ``-1``), the EAGAN protocol; ``"test"`` the 8,000 test images;
``"all"`` all 113,000.

Example:
    >>> images, labels = load_cifar10("~/data", resolution=32, split="test")  # doctest: +SKIP
    >>> tuple(images.shape), images.dtype, labels.dtype                       # doctest: +SKIP
    ((10000, 3, 32, 32), torch.float32, torch.int64)
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from pymoo_gan.data._common import check_resolution, check_root, check_split, uint8_to_tensor

__all__ = ["load_cifar10", "load_fashion_mnist", "load_mnist", "load_stl10"]

CIFAR10_FOLDER = "cifar-10-batches-py"
STL10_FOLDER = "stl10_binary"
_CIFAR10_FILES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
_STL10_FILES = {"train": [("train_X.bin", "train_y.bin"), ("unlabeled_X.bin", None)],
                "test": [("test_X.bin", "test_y.bin")]}
_MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_STL_SIDE = 96
_STL_IMAGE_BYTES = 3 * _STL_SIDE * _STL_SIDE


def _parts(split: str) -> tuple[str, ...]:
    return ("train", "test") if split == "all" else (split,)


# --------------------------------------------------------------------------------------------------- CIFAR-10


def load_cifar10(root: str | os.PathLike | None, resolution: int = 32, split: str = "train",
                 download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 (50,000 train / 10,000 test, 10 classes): images (N, 3, R, R) in [-1, 1], int64 labels.

    ``root`` holds ``cifar-10-batches-py/`` (``data_batch_1`` ... ``data_batch_5``, ``test_batch``). Images are
    resized from 32x32 when ``resolution`` differs.

    Example:
        >>> x, y = load_cifar10("~/data", resolution=16, split="train", download=True)  # doctest: +SKIP
        >>> tuple(x.shape), int(y.max())                                                # doctest: +SKIP
        ((50000, 3, 16, 16), 9)
    """
    check_split(split, "cifar10")
    resolution = check_resolution(resolution, "cifar10")
    root = check_root(root, "cifar10", f"the folder that holds {CIFAR10_FOLDER}/")
    names = [f for part in _parts(split) for f in _CIFAR10_FILES[part]]
    folder = _require("cifar10", root, CIFAR10_FOLDER, names, download, _fetch_cifar10)
    images, labels = [], []
    for name in names:
        x, y = _read_cifar_batch(folder / name)
        images.append(x)
        labels.append(y)
    return uint8_to_tensor(images, resolution, channels_last=False), torch.from_numpy(np.concatenate(labels))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays only: a CIFAR batch file cannot run arbitrary code."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch file")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            entry = _NumpyOnlyUnpickler(f, encoding="latin1").load()
        entry = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}
        data = np.asarray(entry["data"], dtype=np.uint8)
        labels = np.asarray(entry["labels"] if "labels" in entry else entry["fine_labels"], dtype=np.int64)
        data = data.reshape(-1, 3, 32, 32)
    except (pickle.UnpicklingError, EOFError, AttributeError, KeyError, ValueError, TypeError) as err:
        raise ValueError(f"cifar10: {path} is not a CIFAR-10 python batch file ({_one_line(err)})") from None
    if len(data) != len(labels):
        raise ValueError(f"cifar10: {path} has {len(data)} images but {len(labels)} labels")
    return data, labels


def _fetch_cifar10(root: Path) -> None:
    from torchvision.datasets import CIFAR10

    CIFAR10(str(root), train=False, download=True)


# --------------------------------------------------------------------------------------------------- STL-10


def load_stl10(root: str | os.PathLike | None, resolution: int = 96, split: str = "train",
               download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """STL-10: images (N, 3, R, R) in [-1, 1] resized from 96x96, int64 labels (``-1`` for unlabeled images).

    ``root`` holds ``stl10_binary/``. ``"train"`` = 5,000 labelled + 100,000 unlabeled images (EAGAN's protocol),
    ``"test"`` = 8,000 labelled images, ``"all"`` = both. Files are memory-mapped and converted in chunks, so peak
    memory is about the size of the returned tensor (105,000 x 3 x 48 x 48 float32 = 2.9 GB at R=48).

    Example:
        >>> x, y = load_stl10("~/data", resolution=48, split="train")  # doctest: +SKIP
        >>> tuple(x.shape), int((y == -1).sum())                       # doctest: +SKIP
        ((105000, 3, 48, 48), 100000)
    """
    check_split(split, "stl10")
    resolution = check_resolution(resolution, "stl10")
    root = check_root(root, "stl10", f"the folder that holds {STL10_FOLDER}/")
    pairs = [pair for part in _parts(split) for pair in _STL10_FILES[part]]
    names = [name for pair in pairs for name in pair if name is not None]
    folder = _require("stl10", root, STL10_FOLDER, names, download, _fetch_stl10)
    images, labels = [], []
    for image_file, label_file in pairs:
        x = _read_stl_images(folder / image_file)
        y = np.full(len(x), -1, dtype=np.int64) if label_file is None else _read_stl_labels(folder / label_file)
        if len(y) != len(x):
            raise ValueError(f"stl10: {folder / image_file} has {len(x)} images but {folder / label_file} has "
                             f"{len(y)} labels")
        images.append(x)
        labels.append(y)
    return uint8_to_tensor(images, resolution, channels_last=False), torch.from_numpy(np.concatenate(labels))


def _read_stl_images(path: Path) -> np.ndarray:
    """(n, 3, 96, 96) uint8 view of an STL-10 ``*_X.bin`` file (each channel is stored column-major)."""
    size = path.stat().st_size
    if size == 0 or size % _STL_IMAGE_BYTES:
        raise ValueError(f"stl10: {path} has {size} bytes, not a positive multiple of {_STL_IMAGE_BYTES} "
                         f"(3x{_STL_SIDE}x{_STL_SIDE} images)")
    data = np.memmap(path, dtype=np.uint8, mode="r", shape=(size // _STL_IMAGE_BYTES, 3, _STL_SIDE, _STL_SIDE))
    return data.transpose(0, 1, 3, 2)


def _read_stl_labels(path: Path) -> np.ndarray:
    labels = np.fromfile(path, dtype=np.uint8).astype(np.int64) - 1  # stored as 1..10
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"stl10: {path} holds labels outside 1..10")
    return labels


def _fetch_stl10(root: Path) -> None:
    from torchvision.datasets import STL10

    STL10(str(root), split="test", download=True)  # fetches and unpacks the whole archive


# --------------------------------------------------------------------------------------------------- MNIST family


def load_mnist(root: str | os.PathLike | None, resolution: int = 28, split: str = "train",
               download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST (60,000 train / 10,000 test): images (N, 1, R, R) in [-1, 1] resized from 28x28, int64 labels.

    ``root`` holds ``MNIST/raw/`` with the four idx files, raw or gzipped (``train-images-idx3-ubyte[.gz]`` ...).

    Example:
        >>> x, y = load_mnist("~/data", resolution=32, split="test", download=True)  # doctest: +SKIP
        >>> tuple(x.shape)                                                         # doctest: +SKIP
        (10000, 1, 32, 32)
    """
    return _load_mnist_family("mnist", "MNIST", _fetch_torchvision("MNIST"), root, resolution, split, download)


def load_fashion_mnist(root: str | os.PathLike | None, resolution: int = 28, split: str = "train",
                       download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST (60,000 train / 10,000 test): like :func:`load_mnist`, from ``root/FashionMNIST/raw/``.

    Example:
        >>> x, y = load_fashion_mnist("~/data", resolution=28, split="train")  # doctest: +SKIP
        >>> tuple(x.shape), int(y.max())                                     # doctest: +SKIP
        ((60000, 1, 28, 28), 9)
    """
    return _load_mnist_family("fashion_mnist", "FashionMNIST", _fetch_torchvision("FashionMNIST"), root, resolution,
                              split, download)


def _load_mnist_family(dataset: str, folder_name: str, fetch: Callable[[Path], None], root, resolution: int,
                       split: str, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    check_split(split, dataset)
    resolution = check_resolution(resolution, dataset)
    root = check_root(root, dataset, f"the folder that holds {folder_name}/raw/")
    names = [name for part in _parts(split) for name in _MNIST_FILES[part]]
    folder = _require(dataset, root, f"{folder_name}/raw", names, download, fetch, gz_ok=True)
    images, labels = [], []
    for part in _parts(split):
        image_path, label_path = (_idx_path(folder, name) for name in _MNIST_FILES[part])
        x = _read_idx(image_path, ndim=3, dataset=dataset)
        y = _read_idx(label_path, ndim=1, dataset=dataset).astype(np.int64)
        if len(x) != len(y):
            raise ValueError(f"{dataset}: {image_path} has {len(x)} images but {label_path} has {len(y)} labels")
        images.append(x[:, None])
        labels.append(y)
    return uint8_to_tensor(images, resolution, channels_last=False), torch.from_numpy(np.concatenate(labels))


def _idx_path(folder: Path, name: str) -> Path:
    path = folder / name
    return path if path.is_file() else folder / f"{name}.gz"


def _read_idx(path: Path, ndim: int, dataset: str) -> np.ndarray:
    """An idx file of unsigned bytes (magic 0x0000 08 <ndim>, big-endian uint32 sizes, then the data)."""
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as err:
        raise ValueError(f"{dataset}: cannot read {path} ({_one_line(err)})") from None
    header = 4 + 4 * ndim
    if len(data) < header or data[:4] != bytes((0, 0, 0x08, ndim)):
        raise ValueError(f"{dataset}: {path} is not an idx file of unsigned bytes with {ndim} dimension(s)")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    body = np.frombuffer(data, dtype=np.uint8, offset=header)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{dataset}: {path} holds {body.size} values but its header says {dims}")
    return body.reshape(dims)


def _fetch_torchvision(class_name: str) -> Callable[[Path], None]:
    def fetch(root: Path) -> None:
        import torchvision.datasets

        getattr(torchvision.datasets, class_name)(str(root), train=False, download=True)  # fetches all four files

    return fetch


# --------------------------------------------------------------------------------------------------- shared


def _require(dataset: str, root: Path, folder_name: str, names: Sequence[str], download: bool,
             fetch: Callable[[Path], None], gz_ok: bool = False) -> Path:
    """The folder holding ``names`` (``root/folder_name`` or ``root`` itself), downloading it if allowed."""

    def present(folder: Path, name: str) -> bool:
        return (folder / name).is_file() or (gz_ok and (folder / f"{name}.gz").is_file())

    def locate() -> tuple[Path, str | None]:
        for folder in (root / folder_name, root):
            if all(present(folder, n) for n in names):
                return folder, None
        folder = root / folder_name
        missing = next(n for n in names if not present(folder, n))
        return folder, (str(folder) if not folder.is_dir() else str(folder / missing))

    folder, missing = locate()
    if missing is not None and download:
        fetch(root)
        folder, missing = locate()
    if missing is not None:
        hint = "download=True fetches it" if not download else "the download did not produce it"
        raise FileNotFoundError(f"{dataset}: {missing} not found ({hint}; root={str(root)!r} should hold "
                                f"{folder_name}/)")
    return folder


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
