"""Fréchet distance: exact against closed forms, agrees with pytorch-fid and scipy.sqrtm, robust when n < d."""

import warnings

import numpy as np
import pytest
import scipy.linalg
import torch

from pymoo_gan.metrics import FeatureStats, frechet_distance


def _spd(d, lo, hi, generator):
    """Random SPD matrix with eigenvalues log-spaced between lo and hi (condition number hi/lo)."""
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=torch.float64))
    return (q * torch.logspace(np.log10(lo), np.log10(hi), d, dtype=torch.float64)) @ q.T


def _closed_form_case(d, seed):
    """S2 = M S1 M with M SPD, so sqrt(S1 S2) = S1 M and the distance is known exactly."""
    g = torch.Generator().manual_seed(seed)
    s1 = _spd(d, 1e-6, 1.0, g)  # condition number 1e6, like Inception features
    m = _spd(d, 0.3, 3.0, g)
    s2 = m @ s1 @ m
    s2 = (s2 + s2.T) / 2
    mu1, mu2 = torch.randn(2, d, generator=g, dtype=torch.float64)
    exact = (mu1 - mu2) @ (mu1 - mu2) + s1.trace() + s2.trace() - 2 * (s1 @ m).trace()
    return (mu1, s1, mu2, s2), float(exact)


def _features(n, d, seed, shift=0.0):
    """Inception-like features: ReLU of correlated Gaussians with a decaying spectrum."""
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(d, d, generator=g, dtype=torch.float64) * torch.logspace(0, -3, d, dtype=torch.float64)
    return torch.relu(torch.randn(n, d, generator=g, dtype=torch.float64) @ mix.T + shift)


def _stats(x):
    x = np.asarray(x)
    return x.mean(axis=0), np.cov(x, rowvar=False)


@pytest.mark.parametrize("d", [64, 128, 256])
def test_matches_closed_form(d):
    args, exact = _closed_form_case(d, seed=d)
    assert frechet_distance(*args) == pytest.approx(exact, rel=1e-10)


def test_matches_closed_form_2048():  # about 4 s on 2 cores
    args, exact = _closed_form_case(2048, seed=1)
    assert frechet_distance(*args) == pytest.approx(exact, rel=1e-10)


def _scipy_sqrtm_fd(mu1, s1, mu2, s2):
    """Textbook formula with scipy's matrix square root (what pytorch-fid and the TF original compute)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))


def _pytorch_fid(mu1, s1, mu2, s2):
    fid_score = pytest.importorskip("pytorch_fid.fid_score")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # scipy >= 1.16 deprecates sqrtm(disp=...)
        return float(fid_score.calculate_frechet_distance(mu1, s1, mu2, s2))


@pytest.mark.parametrize("reference", [_pytorch_fid, _scipy_sqrtm_fd], ids=["pytorch_fid", "scipy_sqrtm"])
@pytest.mark.parametrize("d,n,shift", [(64, 600, 0.0), (128, 1000, 0.5), (128, 1000, 0.0)])
def test_agrees_with_references_on_full_rank_fixtures(reference, d, n, shift):
    mu1, s1 = _stats(_features(n, d, seed=1))
    mu2, s2 = _stats(_features(n, d, seed=2, shift=shift))
    ref = reference(mu1, s1, mu2, s2)
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert abs(ours - ref) <= 1e-6 * abs(ref) + 1e-8 * (np.trace(s1) + np.trace(s2))


@pytest.mark.parametrize("n,m,d", [(100, 100, 256), (60, 150, 200)])
def test_exact_with_fewer_samples_than_dimensions(n, m, d):
    x, y = _features(n, d, seed=3), _features(m, d, seed=4, shift=0.2)
    xc, yc = x - x.mean(0), y - y.mean(0)
    # Exact tr sqrt(S1 S2) from the samples: the nuclear norm of the n x m cross-Gram matrix.
    tr_sqrt = torch.linalg.svdvals(xc @ yc.T).sum() / np.sqrt((n - 1) * (m - 1))
    sx, sy = FeatureStats.from_features(x), FeatureStats.from_features(y)
    diff = sx.mean() - sy.mean()
    exact = float(diff @ diff + sx.covariance().trace() + sy.covariance().trace() - 2 * tr_sqrt)
    ours = frechet_distance(sx.mean(), sx.covariance(), sy.mean(), sy.covariance())
    assert abs(ours - exact) <= 1e-10 * float(sx.covariance().trace() + sy.covariance().trace())


def test_same_statistics_give_zero():
    mu, s = _stats(_features(500, 128, seed=5))
    assert abs(frechet_distance(mu, s, mu, s)) <= 1e-10 * np.trace(s)
    mu, s = _stats(_features(50, 128, seed=6))  # rank-deficient covariance
    assert abs(frechet_distance(mu, s, mu, s)) <= 1e-10 * np.trace(s)


def test_numpy_torch_and_float32_inputs():
    args, _ = _closed_form_case(32, seed=7)
    as_numpy = [a.numpy() for a in args]
    assert frechet_distance(*as_numpy) == frechet_distance(*args)
    # float32 input is upcast, never computed in float32: same as the float64 of the rounded values.
    as_f32 = [a.float() for a in args]
    assert frechet_distance(*as_f32) == frechet_distance(*[a.double() for a in as_f32])


def test_rejects_bad_input():
    mu, s = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match="sigma2 has shape"):
        frechet_distance(mu, s, mu, np.eye(4))
    with pytest.raises(ValueError, match="NaN or infinite"):
        frechet_distance(mu, s, np.full(3, np.nan), s)
