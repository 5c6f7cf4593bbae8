"""Writers of tiny fake datasets in the real on-disk formats (CIFAR-10 pickles, STL-10 binaries, MNIST idx files,
image folders), used by the data tests. Each returns the uint8 arrays it wrote so tests can compare pixel values."""

import gzip
import pickle
import struct

import numpy as np
import pytest
from PIL import Image


def _write_cifar10(root, per_batch=2, n_test=3, bytes_keys=False, seed=0):
    """``root/cifar-10-batches-py`` with 5 train batches of ``per_batch`` images, a test batch and batches.meta."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    written = {"train": ([], []), "test": ([], [])}
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = n_test if name == "test_batch" else per_batch
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).tolist()
        entry = {"batch_label": name, "labels": labels, "data": data, "filenames": [f"{i}.png" for i in range(n)]}
        if bytes_keys:  # what a Python 2 pickle looks like when read with encoding="bytes"
            entry = {k.encode(): v for k, v in entry.items()}
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
        split = "test" if name == "test_batch" else "train"
        written[split][0].append(data.reshape(n, 3, 32, 32))
        written[split][1].extend(labels)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)], "num_cases_per_batch": per_batch,
                     "num_vis": 3072}, f, protocol=2)
    return {s: (np.concatenate(x), np.array(y)) for s, (x, y) in written.items()}


def _write_stl10(root, n_train=2, n_unlabeled=3, n_test=2, seed=0):
    """``root/stl10_binary`` with *_X.bin (each channel column-major, as STL-10 stores it) and *_y.bin (1..10)."""
    rng = np.random.default_rng(seed)
    folder = root / "stl10_binary"
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, n, labelled in (("train", n_train, True), ("unlabeled", n_unlabeled, False), ("test", n_test, True)):
        images = rng.integers(0, 256, size=(n, 3, 96, 96), dtype=np.uint8)  # (n, C, H, W)
        (folder / f"{name}_X.bin").write_bytes(images.transpose(0, 1, 3, 2).tobytes())
        labels = rng.integers(0, 10, size=n) if labelled else np.full(n, -1)
        if labelled:
            (folder / f"{name}_y.bin").write_bytes((labels + 1).astype(np.uint8).tobytes())
        written[name] = (images, labels)
    (folder / "class_names.txt").write_text("\n".join(f"class{i}" for i in range(10)))
    return written


def _idx_bytes(array):
    return bytes((0, 0, 0x08, array.ndim)) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def _write_mnist(root, folder_name="MNIST", n_train=4, n_test=3, gz=False, seed=0):
    """``root/<folder_name>/raw`` with the four idx files (gzipped with ``gz``)."""
    rng = np.random.default_rng(seed)
    folder = root / folder_name / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            data = _idx_bytes(array)
            name = f"{prefix}-{kind}-ubyte"
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
        written[split] = (images, labels.astype(np.int64))
    return written


def _write_images(root, layout, size=(8, 8), fmt="png", seed=0):
    """Write images under ``root`` for ``layout``: a dict relative path -> None (random colours). Returns the
    arrays written, keyed by relative path."""
    rng = np.random.default_rng(seed)
    written = {}
    for rel in layout:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        array = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(array).save(path, format="JPEG" if fmt == "jpg" else fmt.upper())
        written[rel] = array
    return written


@pytest.fixture
def write_cifar10():
    return _write_cifar10


@pytest.fixture
def write_stl10():
    return _write_stl10


@pytest.fixture
def write_mnist():
    return _write_mnist


@pytest.fixture
def write_images():
    return _write_images
