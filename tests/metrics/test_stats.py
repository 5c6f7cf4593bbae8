"""Streaming float64 statistics: exact, independent of the batch size, serialisable."""

import numpy as np
import pytest
import torch

from pymoo_gan.metrics import FeatureStats


def _streamed(x, batch_size, keep_features=False):
    stats = FeatureStats(keep_features=keep_features)
    for batch in x.split(batch_size):
        stats.update(batch)
    return stats


def test_matches_numpy(gen):
    x = torch.randn(300, 16, generator=gen) * 3 + 100.0  # large mean: the shifted sums avoid cancellation
    stats = _streamed(x.float(), 64)
    x64 = x.float().double().numpy()
    np.testing.assert_allclose(stats.mean().numpy(), x64.mean(0), rtol=1e-14)
    np.testing.assert_allclose(stats.covariance().numpy(), np.cov(x64, rowvar=False), rtol=1e-11, atol=1e-12)
    assert stats.mean().dtype == stats.covariance().dtype == torch.float64


@pytest.mark.parametrize("batch_size", [1, 7, 100, 1000])
def test_independent_of_batch_size(gen, batch_size):
    x = torch.randn(1000, 32, generator=gen).exp()
    one = _streamed(x, 1000)
    other = _streamed(x, batch_size)
    assert other.count == one.count == 1000
    torch.testing.assert_close(other.mean(), one.mean(), rtol=1e-13, atol=0)
    torch.testing.assert_close(other.covariance(), one.covariance(), rtol=1e-12, atol=1e-14)


def test_kept_features_and_state_dict_roundtrip(gen):
    x = torch.randn(50, 8, generator=gen)
    stats = _streamed(x, 16, keep_features=True)
    torch.testing.assert_close(stats.features(), x.double(), rtol=0, atol=0)
    loaded = FeatureStats.from_state_dict(stats.state_dict())
    assert loaded.count == 50 and loaded.keep_features
    torch.testing.assert_close(loaded.covariance(), stats.covariance(), rtol=0, atol=0)
    torch.testing.assert_close(loaded.features(), stats.features(), rtol=0, atol=0)
    assert stats.to("cpu").mean().equal(stats.mean())


def test_errors():
    stats = FeatureStats()
    with pytest.raises(ValueError, match="at least 1"):
        stats.mean()
    stats.update(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="at least 2"):
        stats.covariance()
    with pytest.raises(ValueError, match="dimension 4"):
        stats.update(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="keep_features=False"):
        stats.features()
    with pytest.raises(ValueError, match="non-empty"):
        stats.update(torch.zeros(3))


def test_non_finite_features_are_flagged():
    stats = FeatureStats.from_features(torch.tensor([[1.0, 2.0], [float("nan"), 0.0], [3.0, 4.0]]))
    assert not stats.is_finite()
    assert FeatureStats.from_features(torch.ones(3, 2)).is_finite()
