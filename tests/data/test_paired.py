"""Paired image-to-image data: super-resolution pairs, Sobel edge pairs, paired A/B folders and their errors."""

import numpy as np
import pytest
import torch
from PIL import Image

from pymoo_gan.data import DataConfig
from pymoo_gan.data.paired import (
    PairedConfig,
    bicubic_upsample,
    downsample,
    load_paired_folder,
    sobel_edges,
    super_resolution_pairs,
)

pytestmark = pytest.mark.usefixtures("single_thread")


def test_bicubic_downsample_matches_pillow():
    """The documented kernel is PIL's antialiased bicubic (an independent implementation)."""
    rng = np.random.default_rng(0)
    array = rng.uniform(-1, 1, size=(16, 16)).astype(np.float32)
    for scale in (2, 4):
        ours = downsample(torch.from_numpy(array)[None, None], scale)[0, 0].numpy()
        pil = np.asarray(Image.fromarray(array, mode="F").resize((16 // scale, 16 // scale), Image.BICUBIC))
        inside = np.abs(pil) <= 1.0  # ours is clamped to [-1, 1]
        assert np.allclose(ours[inside], pil[inside], atol=1e-5)
        assert np.allclose(ours[~inside], np.clip(pil[~inside], -1, 1), atol=1e-5)


def test_box_kernel_is_the_block_mean_and_pairs_keep_the_targets():
    hr = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4) / 16
    lr, same = super_resolution_pairs(hr, scale=2, kernel="box")
    assert same is hr
    expected = torch.tensor([[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]]) / 64
    assert torch.allclose(lr[0, 0], expected)
    assert bicubic_upsample(lr, 2).shape == hr.shape


@pytest.mark.parametrize("call, message", [
    (lambda: downsample(torch.zeros(1, 1, 6, 6), 4), "6x6 do not divide by scale=4"),
    (lambda: downsample(torch.zeros(1, 1, 8, 8), 3), "scale=3 is not allowed; allowed: 2, 4"),
    (lambda: downsample(torch.zeros(1, 1, 8, 8), 2, "lanczos"), "kernel='lanczos' is unknown; allowed: bicubic, box"),
    (lambda: downsample(torch.zeros(8, 8), 2), r"shape \(N, C, H, W\); got \(8, 8\)"),
    (lambda: sobel_edges(torch.zeros(1, 2, 8, 8)), "2 channels; allowed: 1 or 3"),
])
def test_bad_input_says_what_is_allowed(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_sobel_edges_by_hand():
    x = -torch.ones(2, 3, 5, 5)
    x[0, :, 2:, :] = 1.0  # a horizontal step in image 0; image 1 is flat
    e = sobel_edges(x)
    assert e.shape == (2, 1, 5, 5)
    # rows 1 and 2 straddle the step: |gy| = 1 + 2 + 1 on every column (replicate padding), the peak
    assert torch.equal(e[0, 0, 1:3], torch.ones(2, 5)) and torch.equal(e[0, 0, [0, 3, 4]], -torch.ones(3, 5))
    assert torch.equal(e[1], -torch.ones(1, 5, 5))  # no gradient: no edge, no division by zero
    half = x.clone()
    half[0, 0] = 0.0  # red constant: a smaller luminance step (0.587 + 0.114 of it), normalised by its own peak
    assert torch.allclose(sobel_edges(half)[0], e[0], atol=1e-6)


def test_digit_tasks_from_the_config():
    lr, hr = PairedConfig(task="sr", data=DataConfig(resolution=16), scale=2).load("test")
    digits, _ = DataConfig(resolution=16).load("test")
    assert torch.equal(hr, digits) and lr.shape == (450, 1, 8, 8) and torch.equal(lr, downsample(digits, 2))
    edges, targets = PairedConfig(task="edges").load("train")
    assert edges.shape == targets.shape == (1347, 1, 16, 16)
    assert edges.amax(dim=(1, 2, 3)).eq(1.0).all()  # every digit has an edge, normalised to 1
    assert PairedConfig(task="sr", scale=4).channels == (1, 1) and PairedConfig(task="edges").input_resolution == 16


@pytest.mark.parametrize("kwargs, message", [
    (dict(task="colour"), "task='colour' is unknown; allowed: sr, edges, folder"),
    (dict(task="sr", scale=3), "scale=3 is not allowed for task 'sr'; allowed: 2, 4"),
    (dict(task="edges", scale=2), "scale=2 is not allowed for task 'edges'; allowed: 1"),
    (dict(task="folder"), "needs root="),
    (dict(task="sr", root="/x"), "only read by task='folder'"),
    (dict(task="sr", data=DataConfig(resolution=18), scale=4), "resolution 18 does not divide by scale=4"),
])
def test_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PairedConfig(**kwargs)


def test_paired_folder_pairs_by_name(tmp_path, write_images):
    names = [f"{i:02d}.png" for i in range(20)]
    a = write_images(tmp_path / "pairs" / "A", names, size=(4, 4), seed=1)
    b = write_images(tmp_path / "pairs" / "B", names, size=(8, 8), seed=2)
    cache = tmp_path / "cache"
    for split in ("train", "test"):
        x, y = load_paired_folder(tmp_path / "pairs", resolution=8, split=split, input_resolution=4, cache_dir=cache)
        assert x.shape[1:] == (3, 4, 4) and y.shape[1:] == (3, 8, 8) and len(x) == len(y) == (18 if split == "train"
                                                                                               else 2)
        by_b = {tuple(torch.from_numpy(arr.astype(np.float32) / 127.5 - 1).permute(2, 0, 1).flatten()[:8].tolist()): n
                for n, arr in b.items()}
        for inp, tgt in zip(x, y, strict=True):
            name = by_b[tuple(tgt.flatten()[:8].tolist())]
            assert torch.equal(inp, torch.from_numpy(a[name].astype(np.float32) / 127.5 - 1).permute(2, 0, 1))
    config = PairedConfig(task="folder", root=str(tmp_path / "pairs"), resolution=8, scale=2, cache_dir=str(cache))
    x, y = config.load("all")
    assert x.shape == (20, 3, 4, 4) and y.shape == (20, 3, 8, 8) and config.channels == (3, 3)


def test_paired_folder_errors(tmp_path, write_images):
    write_images(tmp_path / "p" / "A", ["0.png", "1.png", "x.png"], size=(4, 4))
    write_images(tmp_path / "p" / "B", ["0.png", "1.png", "y.jpg"], size=(4, 4))
    with pytest.raises(ValueError, match=r"1 only in A/ \(x.png\); 1 only in B/ \(y.jpg\)"):
        load_paired_folder(tmp_path / "p", resolution=4, cache_dir=tmp_path / "c")
    write_images(tmp_path / "q" / "A", ["0.png"], size=(4, 4))
    with pytest.raises(ValueError, match=r"q/B is not a folder; .* must hold A/ \(inputs\) and B/ \(targets\)"):
        load_paired_folder(tmp_path / "q", resolution=4)
    with pytest.raises(ValueError, match="needs a data root"):
        load_paired_folder(None)
