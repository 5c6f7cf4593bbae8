"""The real CIFAR-10 JPEG archive of the shared data folder, read as an image_folder (slow: decodes 60,000 JPEGs)."""

import time
from pathlib import Path

import pytest
import torch

from pymoo_gan.data import image_folder, load_dataset

ARCHIVE = Path("/work/shared/data/cifar10-jpeg.tar.gz")


@pytest.mark.slow
@pytest.mark.skipif(not ARCHIVE.is_file(), reason=f"{ARCHIVE} is not present")
def test_cifar10_jpeg_archive(tmp_path):
    timings = {}
    for attempt in ("first", "cached"):
        start, decoded = time.perf_counter(), image_folder._decoded_images
        train = load_dataset("image_folder", root=ARCHIVE, resolution=32, split="train", cache_dir=tmp_path)
        test = load_dataset("image_folder", root=ARCHIVE, resolution=32, split="test", cache_dir=tmp_path)
        timings[attempt] = (time.perf_counter() - start, image_folder._decoded_images - decoded)
    print(f"cifar10-jpeg train+test: first {timings['first'][0]:.1f} s, cached {timings['cached'][0]:.1f} s")
    assert timings["first"][1] == 60000 and timings["cached"][1] == 0
    (x, y), (xt, yt) = train, test
    assert x.shape == (50000, 3, 32, 32) and xt.shape == (10000, 3, 32, 32)
    assert x.dtype == torch.float32 and float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    assert torch.equal(torch.bincount(y), torch.full((10,), 5000))
    assert torch.equal(torch.bincount(yt), torch.full((10,), 1000))
