"""CIFAR-10, STL-10, MNIST and Fashion-MNIST read from tiny fake datasets written in the real on-disk formats."""

import gzip
import pickle
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pymoo_gan.data import load_cifar10, load_dataset, load_fashion_mnist, load_mnist, load_stl10


def as_unit(array):
    return torch.from_numpy(array.astype(np.float32) / 127.5 - 1.0)


def check_contract(images, labels, n, channels, resolution):
    assert images.shape == (n, channels, resolution, resolution)
    assert images.dtype == torch.float32 and labels.dtype == torch.int64 and labels.shape == (n,)
    assert images.is_contiguous()
    assert float(images.min()) >= -1.0 and float(images.max()) <= 1.0


# --------------------------------------------------------------------------------------------------- CIFAR-10


@pytest.mark.parametrize("bytes_keys", [False, True])
def test_cifar10_splits_values_and_labels(tmp_path, write_cifar10, bytes_keys):
    written = write_cifar10(tmp_path, per_batch=2, n_test=3, bytes_keys=bytes_keys)
    for split, n in (("train", 10), ("test", 3)):
        x, y = load_cifar10(tmp_path, resolution=32, split=split)
        check_contract(x, y, n, 3, 32)
        assert torch.equal(x, as_unit(written[split][0]))  # exact at native size, channel-first, row-major
        assert y.tolist() == written[split][1].tolist()
    x, y = load_cifar10(tmp_path, split="all")
    assert len(x) == 13 and y.tolist() == written["train"][1].tolist() + written["test"][1].tolist()


def test_cifar10_resize_and_folder_as_root(tmp_path, write_cifar10):
    write_cifar10(tmp_path)
    x, y = load_cifar10(tmp_path / "cifar-10-batches-py", resolution=16, split="test")
    check_contract(x, y, 3, 3, 16)
    full, _ = load_cifar10(tmp_path, resolution=32, split="test")
    expected = F.interpolate(full, size=(16, 16), mode="bilinear", antialias=True, align_corners=False)
    assert torch.allclose(x, expected.clamp(-1, 1), atol=1e-6)


def test_cifar10_missing_files_errors(tmp_path, write_cifar10):
    with pytest.raises(FileNotFoundError) as err:
        load_cifar10(tmp_path, split="train")
    message = str(err.value)
    assert "\n" not in message and str(tmp_path / "cifar-10-batches-py") in message and "download=True" in message
    write_cifar10(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3"):
        load_cifar10(tmp_path, split="all")
    assert len(load_cifar10(tmp_path, split="test")[0]) == 3  # the test split does not need the train batches
    with pytest.raises(ValueError, match="needs a data root"):
        load_cifar10(None)


def test_cifar10_rejects_corrupt_and_unsafe_pickles(tmp_path, write_cifar10):
    write_cifar10(tmp_path)
    test_batch = tmp_path / "cifar-10-batches-py" / "test_batch"
    test_batch.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="test_batch"):
        load_cifar10(tmp_path, split="test")

    class Payload:
        def __reduce__(self):
            return (print, ("unpickling ran code",))

    test_batch.write_bytes(pickle.dumps({"data": Payload(), "labels": [0]}))
    with pytest.raises(ValueError, match="not allowed"):
        load_cifar10(tmp_path, split="test")


def test_download_true_fetches_through_torchvision_only_when_missing(tmp_path, write_cifar10, monkeypatch):
    calls = []

    class FakeCIFAR10:
        def __init__(self, root, train=True, download=False):
            calls.append((root, download))
            write_cifar10(tmp_path)

    # Stand-in torchvision modules: no network, and no 3 s import of the real package for this wiring check.
    fake = types.ModuleType("torchvision")
    fake.datasets = types.ModuleType("torchvision.datasets")
    fake.datasets.CIFAR10 = FakeCIFAR10
    monkeypatch.setitem(sys.modules, "torchvision", fake)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", fake.datasets)
    x, _ = load_dataset("cifar10", root=tmp_path, resolution=8, split="test", download=True)
    assert x.shape == (3, 3, 8, 8) and calls == [(str(tmp_path), True)]
    load_dataset("cifar10", root=tmp_path, resolution=8, split="test", download=True)
    assert len(calls) == 1  # files present: no second download


# --------------------------------------------------------------------------------------------------- STL-10


def test_stl10_train_is_train_plus_unlabeled(tmp_path, write_stl10):
    written = write_stl10(tmp_path, n_train=2, n_unlabeled=3, n_test=2)
    x, y = load_stl10(tmp_path, resolution=96, split="train")
    check_contract(x, y, 5, 3, 96)
    assert torch.equal(x, as_unit(np.concatenate([written["train"][0], written["unlabeled"][0]])))  # orientation
    assert y.tolist() == written["train"][1].tolist() + [-1, -1, -1]
    x, y = load_stl10(tmp_path, resolution=48, split="test")
    check_contract(x, y, 2, 3, 48)
    assert y.tolist() == written["test"][1].tolist()
    x, y = load_stl10(tmp_path, resolution=32, split="all")
    check_contract(x, y, 7, 3, 32)


def test_stl10_errors(tmp_path, write_stl10):
    with pytest.raises(FileNotFoundError, match="stl10_binary.*download=True"):
        load_stl10(tmp_path, split="test")
    write_stl10(tmp_path)
    (tmp_path / "stl10_binary" / "unlabeled_X.bin").unlink()
    assert len(load_stl10(tmp_path, resolution=8, split="test")[0]) == 2
    with pytest.raises(FileNotFoundError, match="unlabeled_X.bin"):
        load_stl10(tmp_path, split="train")
    (tmp_path / "stl10_binary" / "test_X.bin").write_bytes(b"\0" * 100)
    with pytest.raises(ValueError, match="test_X.bin has 100 bytes"):
        load_stl10(tmp_path, split="test")


# --------------------------------------------------------------------------------------------------- MNIST family


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(("loader", "folder"), [(load_mnist, "MNIST"), (load_fashion_mnist, "FashionMNIST")])
def test_mnist_family(tmp_path, write_mnist, loader, folder, gz):
    written = write_mnist(tmp_path, folder_name=folder, n_train=4, n_test=3, gz=gz)
    x, y = loader(tmp_path, resolution=28, split="train")
    check_contract(x, y, 4, 1, 28)
    assert torch.equal(x[:, 0], as_unit(written["train"][0])) and y.tolist() == written["train"][1].tolist()
    x, y = loader(tmp_path, resolution=32, split="all")
    check_contract(x, y, 7, 1, 32)


def test_mnist_errors(tmp_path, write_mnist):
    with pytest.raises(FileNotFoundError, match="MNIST/raw.*download=True"):
        load_mnist(tmp_path)
    write_mnist(tmp_path, folder_name="FashionMNIST")
    with pytest.raises(FileNotFoundError):  # Fashion-MNIST files are not MNIST files
        load_mnist(tmp_path)
    raw = tmp_path / "FashionMNIST" / "raw"
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\0\0\x08\x03" + b"\0" * 12)
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte is not an idx file"):
        load_fashion_mnist(tmp_path, split="test")
    (raw / "t10k-labels-idx1-ubyte").unlink()
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\0\x05" + b"\0" * 2))
    with pytest.raises(ValueError, match="holds 2 values"):
        load_fashion_mnist(tmp_path, split="test")
