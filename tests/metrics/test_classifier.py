"""The digits domain classifier: accurate, cached on disk with its accuracy, and an embedding that detects collapse."""

import json

import pytest
import torch
import torch.nn.functional as F

import pymoo_gan.metrics.classifier as classifier
from pymoo_gan.files import sha256_file
from pymoo_gan.metrics import (
    ClassifierExtractor,
    ClassifierSettings,
    compute_statistics,
    digits_classifier,
    metric_key,
    score_images,
    small_cnn,
)


def test_trained_once_then_loaded_from_cache(digits_cnn, classifier_cache, monkeypatch):
    info = digits_cnn.info
    assert digits_cnn.name == "digits_cnn" and info["accuracy"] >= 0.9
    weights = classifier_cache / "classifiers" / f"digits_cnn-{info['weights'].split('-')[-1]}"
    meta = json.loads(weights.with_suffix(".json").read_text())
    assert meta["accuracy"] == info["accuracy"] and meta["sha256"] == sha256_file(weights) == info["sha256"]
    assert meta["n_test"] == 450 and meta["settings"]["seed"] == 0

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier was retrained")

    monkeypatch.setattr(classifier, "train_classifier", no_training)
    again = digits_classifier(16, cache_dir=classifier_cache)
    assert again.info == info
    for a, b in zip(again.state_dict().values(), digits_cnn.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_cache_key_covers_settings_and_data(digits, classifier_cache, monkeypatch):
    trained = []
    monkeypatch.setattr(classifier, "train_classifier", lambda *a, **k: trained.append(1))
    other = digits_classifier(16, settings=ClassifierSettings(seed=1), cache_dir=classifier_cache)
    assert trained and other.info["weights"] != digits_classifier(16, cache_dir=classifier_cache).info["weights"]
    x, y = digits["train"]
    changed = classifier.domain_classifier("digits", (x[:-1], y[:-1]), digits["test"], cache_dir=classifier_cache)
    assert len(trained) == 2 and changed.info["data_sha256"] != other.info["data_sha256"]


def test_training_never_touches_the_global_rng(digits, tmp_path):
    state = torch.random.get_rng_state()
    settings = ClassifierSettings(epochs=1, width=4, feature_dim=8)
    digits_classifier(16, settings=settings, cache_dir=tmp_path)
    assert torch.equal(torch.random.get_rng_state(), state)


def _blur(x, sigma):
    r = torch.arange(-3, 4, dtype=torch.float32)
    k = torch.exp(-(r**2) / (2 * sigma**2))
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (3, 3, 0, 0), mode="replicate"), k.view(1, 1, 1, 7))
    return F.conv2d(F.pad(x, (0, 0, 3, 3), mode="replicate"), k.view(1, 1, 7, 1))


def _fd(extractor, reference, images):
    return score_images(images, extractor, reference)[metric_key("fd", extractor)]


@pytest.fixture(scope="module")
def corrupted(digits):
    """Held-out images, progressively corrupted; a single-class set and a blurred set of the same size."""
    x, y = digits["test"]
    g = torch.Generator().manual_seed(1)
    noisy = {s: (x + s * torch.randn(x.shape, generator=g)).clamp(-1, 1) for s in (0.1, 0.3, 0.6)}
    single = x[y == 0]
    subset = torch.randperm(len(x), generator=g)[: len(single)]
    return {
        "clean": x,
        "noise": noisy,
        "blur": {s: _blur(x, s) for s in (0.7, 1.0, 1.5)},
        "single": single,
        "blur_same_n": _blur(x, 1.0)[subset],
    }


def test_fd_rises_with_corruption_and_punishes_collapse(digits_cnn, digits, corrupted):
    reference = compute_statistics(digits["train"][0], digits_cnn)
    noise = [_fd(digits_cnn, reference, corrupted["noise"][s]) for s in (0.1, 0.3, 0.6)]
    blur = [_fd(digits_cnn, reference, corrupted["blur"][s]) for s in (0.7, 1.0, 1.5)]
    clean = _fd(digits_cnn, reference, corrupted["clean"])
    assert clean < noise[0] < noise[1] < noise[2]
    assert clean < blur[0] < blur[1] < blur[2]
    single = _fd(digits_cnn, reference, corrupted["single"])
    assert single > 3 * _fd(digits_cnn, reference, corrupted["blur_same_n"])  # about 8x


def test_untrained_embedding_fails_the_collapse_test(digits, corrupted):
    """The same architecture, randomly initialised, under-penalises mode collapse: the test above has teeth."""
    for seed in range(3):
        untrained = ClassifierExtractor(small_cnn(1, 10, generator=torch.Generator().manual_seed(seed)), "untrained")
        reference = compute_statistics(digits["train"][0], untrained)
        single = _fd(untrained, reference, corrupted["single"])
        assert not single > 3 * _fd(untrained, reference, corrupted["blur_same_n"])  # about 2x
