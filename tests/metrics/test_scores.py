"""Inception/classifier score, KID, precision/recall against torch-fidelity, torchmetrics and independent formulas."""

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from pymoo_gan.metrics import inception_score, kid, precision_recall


@pytest.fixture
def logits(gen):
    return torch.randn(500, 10, generator=gen, dtype=torch.float64) * 3.0


def _is_by_hand(logits, splits):
    """Independent formula: exp of the mean KL between p(y|x) and the split's marginal, with numpy."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    scores = []
    for part in np.array_split(p, splits):  # in order; equal sizes when n divides by splits
        kl = (part * (np.log(part) - np.log(part.mean(axis=0)))).sum(axis=1).mean()
        scores.append(math.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def test_inception_score_matches_independent_formula(logits):
    mean, std = inception_score(logits, splits=10)
    ref_mean, ref_std = _is_by_hand(logits.numpy(), 10)
    assert mean == pytest.approx(ref_mean, rel=1e-12)
    assert std == pytest.approx(ref_std, rel=1e-9)


def test_inception_score_matches_torch_fidelity(logits):
    from torch_fidelity.metric_isc import isc_features_to_metric

    ref = isc_features_to_metric(logits, splits=10, shuffle=False)  # in-order splits, float64, ddof=0
    mean, std = inception_score(logits, splits=10)
    assert mean == pytest.approx(ref["inception_score_mean"], rel=1e-12)
    assert std == pytest.approx(ref["inception_score_std"], rel=1e-9)


def test_inception_score_matches_torchmetrics(logits):
    from torchmetrics.image.inception import InceptionScore

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "will save all extracted features in buffer"
        metric = InceptionScore(feature=nn.Identity(), splits=10)
    metric.update(logits)
    # torchmetrics shuffles with the global RNG before splitting: replay its permutation, in a forked RNG state.
    with torch.random.fork_rng():
        torch.manual_seed(123)
        order = torch.randperm(len(logits))
        torch.manual_seed(123)
        ref_mean, ref_std = metric.compute()
    mean, std = inception_score(logits[order], splits=10)
    assert mean == pytest.approx(float(ref_mean), rel=1e-12)
    assert std * math.sqrt(10 / 9) == pytest.approx(float(ref_std), rel=1e-9)  # torchmetrics' std has ddof=1


def test_inception_score_bounds():
    confident = 30.0 * torch.eye(10).repeat(10, 1)
    assert inception_score(confident, splits=10)[0] == pytest.approx(10.0, rel=1e-6)
    assert inception_score(torch.zeros(100, 10), splits=10) == pytest.approx((1.0, 0.0))
    with pytest.raises(ValueError, match="n >= splits"):
        inception_score(torch.zeros(5, 10), splits=10)


def _kid_features(gen, n=300, d=32):
    real = torch.randn(n, d, generator=gen, dtype=torch.float64)
    fake = torch.randn(n + 50, d, generator=gen, dtype=torch.float64) * 1.1 + 0.1
    return real, fake


def test_kid_matches_torch_fidelity_on_the_same_subsets(gen):
    from torch_fidelity.metric_kid import kid_features_to_metric

    real, fake = _kid_features(gen)
    ref = kid_features_to_metric(real, fake, kid_subsets=20, kid_subset_size=100, rng_seed=7, verbose=False)
    # torch-fidelity draws real then fake rows per subset with np.random.RandomState.choice; replay those draws.
    mean, std = kid(real, fake, rng=np.random.RandomState(7), n_subsets=20, subset_size=100)
    assert mean == pytest.approx(ref["kernel_inception_distance_mean"], rel=1e-10)
    assert std == pytest.approx(ref["kernel_inception_distance_std"], rel=1e-8)


def test_kid_matches_torchmetrics_on_a_full_subset(gen):
    from torchmetrics.image.kid import poly_mmd

    real, fake = _kid_features(gen)
    fake = fake[: len(real)]
    # A subset of every row is a permutation, which leaves the unbiased MMD unchanged.
    mean, std = kid(real, fake, rng=np.random.default_rng(0), n_subsets=3, subset_size=len(real))
    assert mean == pytest.approx(float(poly_mmd(real, fake)), rel=1e-10)
    assert std < 1e-12 * abs(mean)


def test_kid_is_seeded_and_never_uses_the_global_rng(gen):
    real, fake = _kid_features(gen)
    first = kid(real, fake, rng=np.random.default_rng(5), n_subsets=10, subset_size=50)
    np.random.seed(0)
    torch.manual_seed(0)
    state = np.random.get_state()[1].copy()
    second = kid(real, fake, rng=np.random.default_rng(5), n_subsets=10, subset_size=50)
    assert first == second
    assert np.array_equal(np.random.get_state()[1], state)


def test_kid_near_zero_for_one_distribution_and_positive_for_shift(gen):
    real, _ = _kid_features(gen, n=1000)
    same = torch.randn(1000, 32, generator=gen, dtype=torch.float64)
    mean_same, std_same = kid(real, same, rng=np.random.default_rng(0), n_subsets=20, subset_size=500)
    mean_shift, _ = kid(real, same + 0.5, rng=np.random.default_rng(0), n_subsets=20, subset_size=500)
    assert abs(mean_same) < 3 * std_same + 1e-3
    assert mean_shift > 10 * abs(mean_same)


def test_precision_recall_matches_torch_fidelity(gen):
    from torch_fidelity.metric_prc import calculate_precision_recall_full

    real = torch.randn(400, 16, generator=gen, dtype=torch.float64)
    fake = torch.randn(300, 16, generator=gen, dtype=torch.float64) * 0.7 + 0.4
    # torch-fidelity's convention: features_1 is generated, features_2 is real.
    ref_precision, ref_recall = calculate_precision_recall_full(fake, real, neighborhood=3)
    precision, recall = precision_recall(real, fake, k=3, batch_size=128)
    # torch-fidelity averages in float32; 1e-6 is far below one sample's share (1/400), so the counts are equal.
    assert (precision, recall) == (pytest.approx(ref_precision, abs=1e-6), pytest.approx(ref_recall, abs=1e-6))
    assert 0.0 < recall < precision < 1.0  # the narrow fake set sits inside the real one


def test_precision_recall_by_hand():
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=torch.float64)
    fake = torch.tensor([[2.5], [7.0], [8.0], [9.0], [10.0]], dtype=torch.float64)
    # k=1 radii: every real point reaches its neighbour at distance 1; fake radii are 1, 1, 1, 1 and 4.5 for 2.5.
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(1 / 5)  # only 2.5 lies in a real ball
    assert recall == pytest.approx(5 / 5)  # every real point lies in the ball of 2.5 (radius 4.5)
    with pytest.raises(ValueError, match="more than k=3"):
        precision_recall(real[:3], fake, k=3)
