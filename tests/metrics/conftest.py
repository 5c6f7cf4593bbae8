"""Shared fixtures of the metrics tests: a trained digits classifier and a random-weights Inception file."""

import pytest
import torch

from pymoo_gan.data import load_digits
from pymoo_gan.metrics import digits_classifier, save_random_inception_weights


@pytest.fixture(scope="session")
def classifier_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("classifier_cache")


@pytest.fixture(scope="session")
def digits_cnn(classifier_cache):
    """The digits classifier at 16x16, trained once per session (a few seconds) into a temporary cache."""
    return digits_classifier(16, cache_dir=classifier_cache)


@pytest.fixture(scope="session")
def digits():
    return {split: load_digits(16, split) for split in ("train", "test")}


@pytest.fixture(scope="session")
def random_inception_weights(tmp_path_factory):
    """Randomly initialised Inception v3 weights in torch-fidelity's layout, saved locally (never downloaded)."""
    return save_random_inception_weights(tmp_path_factory.mktemp("inception") / "random-inception.pth", seed=0)


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)
