"""The label-free extractor on a folder of the embedded digits with the labels removed: cached, checked, and its
Fréchet distance passes the digits classifier's corruption test."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import pymoo_gan.metrics.ssl as ssl
from pymoo_gan import registry
from pymoo_gan.data import DataConfig, load_digits
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.scorer import extractor_summary
from pymoo_gan.metrics import compute_statistics, metric_key, score_images
from pymoo_gan.metrics.ssl import gaussian_blur


@pytest.fixture(scope="module")
def digits_folder(tmp_path_factory):
    """``train/*.png`` and ``test/*.png`` (16x16 grey, no class folders) and the held-out labels, kept aside."""
    root = tmp_path_factory.mktemp("unlabelled")
    for split in ("train", "test"):
        (root / split).mkdir()
        x, _ = load_digits(16, split)
        pixels = ((x[:, 0].numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
        for i, image in enumerate(pixels):
            Image.fromarray(image, mode="L").save(root / split / f"{i:04d}.png")
    return root, load_digits(16, "test")[1]


@pytest.fixture(scope="module")
def trained(digits_folder, tmp_path_factory):
    root, _ = digits_folder
    data = DataConfig("image_folder", root=str(root), resolution=16, cache_dir=str(tmp_path_factory.mktemp("cache")))
    extractor = registry.extractor("ssl").factory(data, MetricsConfig(extractor="ssl"), torch.device("cpu"))
    return data, extractor


def _fd(extractor, reference, images):
    return score_images(images, extractor, reference, metrics=("fd",))[metric_key("fd", extractor)]


def test_trained_on_the_folder_cached_with_its_check(trained, monkeypatch):
    data, extractor = trained
    assert extractor.name == "image_folder_ssl" and data.channels == 1 and extractor.info["in_channels"] == 1
    assert registry.extractor("ssl").describe(data, MetricsConfig(extractor="ssl")) == ("image_folder_ssl", False)
    check = extractor.info["check"]
    assert check["passed"], check
    meta = json.loads(open(extractor.info["weights"].replace(".pt", ".json")).read())
    assert meta["check"] == check and meta["n_test"] == 450
    summary = extractor_summary(extractor)
    assert summary["check"]["passed"] and "warning" not in summary and "classes" not in summary
    monkeypatch.setattr(ssl, "train_ssl", lambda *a, **k: pytest.fail("the cached extractor was retrained"))
    again = registry.extractor("ssl").factory(data, MetricsConfig(extractor="ssl"), torch.device("cpu"))
    assert again.info == extractor.info
    for a, b in zip(again.state_dict().values(), extractor.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_fd_rises_with_corruption_and_punishes_collapse(trained, digits_folder):
    data, extractor = trained
    _, labels = digits_folder
    x = data.load("test")[0]
    reference = compute_statistics(data.load("train")[0], extractor)
    g = torch.Generator().manual_seed(1)
    clean = _fd(extractor, reference, x)
    noise = [_fd(extractor, reference, (x + s * torch.randn(x.shape, generator=g)).clamp(-1, 1))
             for s in (0.1, 0.3, 0.6)]
    blur = [_fd(extractor, reference, gaussian_blur(x, s)) for s in (0.7, 1.0, 1.5)]
    assert clean < noise[0] < noise[1] < noise[2]
    assert clean < blur[0] < blur[1] < blur[2]
    single = x[labels == 0]  # one mode: the labels the folder does not have
    subset = torch.randperm(len(x), generator=g)[: len(single)]
    assert _fd(extractor, reference, single) > 3 * _fd(extractor, reference, gaussian_blur(x, 1.0)[subset])


def test_cluster_score_is_bounded_and_higher_for_varied_images(trained):
    data, extractor = trained
    x = data.load("test")[0]
    reference = compute_statistics(data.load("train")[0], extractor)
    key = metric_key("is", extractor)
    varied = score_images(x, extractor, reference, metrics=("is",))[key]
    collapsed = score_images(x[:1].expand(len(x), -1, -1, -1), extractor, reference, metrics=("is",))[key]
    assert key == "cs_image_folder_ssl" and collapsed < 1.1 and 2.0 < varied <= 20.0


def test_a_failed_check_is_a_warning():
    from pymoo_gan.evaluation.scorer import extractor_warning

    info = {"name": "faces_ssl", "check": {"passed": False, "reason": "the distance does not rise with blur"}}
    assert "quality check failed (the distance does not rise with blur)" in extractor_warning(info)
