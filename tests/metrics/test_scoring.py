"""Scoring a generator end to end: naming, fixed latents, batching, cached reference statistics, failure modes."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from pymoo_gan.metrics import (
    FeatureExtractor,
    ModuleExtractor,
    compute_statistics,
    fixed_latents,
    frechet_distance,
    inception_score,
    kid,
    metric_key,
    precision_recall,
    reference_statistics,
    score,
    score_images,
)


class _Logits(FeatureExtractor):
    """Flattened pixels as features, a fixed linear map of them as logits."""

    def __init__(self, name="toy", standard=False):
        super().__init__(name, layer="pixels")
        self.head = nn.Linear(16, 5)
        self.standard = standard

    def forward(self, images):
        x = images.flatten(1)
        return {"features": x, "logits": self.head(x)}


def _generator():
    g = torch.Generator().manual_seed(3)
    net = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Unflatten(1, (1, 4, 4)))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    return net


@pytest.fixture
def real():
    return torch.rand(300, 1, 4, 4, generator=torch.Generator().manual_seed(4)) * 2 - 1


def test_metric_keys():
    other, standard = _Logits("toy"), _Logits("inception_v3", standard=True)
    results = ["fd", "is", "is_std", "kid", "kid_std", "precision", "recall"]
    assert [metric_key(r, other) for r in results] == [
        "fd_toy",
        "cs_toy",
        "cs_std_toy",
        "kid_toy",
        "kid_std_toy",
        "precision_toy",
        "recall_toy",
    ]
    assert [metric_key(r, standard) for r in results] == [
        "fid",
        "is",
        "is_std",
        "kid",
        "kid_std",
        "precision",
        "recall",
    ]
    # A name alone never makes an extractor standard.
    assert metric_key("fd", ModuleExtractor(nn.Flatten(), "inception_v3")) == "fd_inception_v3"
    with pytest.raises(ValueError, match="unknown result"):
        metric_key("fid", other)
    with pytest.raises(ValueError, match="must match"):
        ModuleExtractor(nn.Flatten(), "Bad-Name")


def test_fixed_latents_are_reproducible_and_leave_the_global_rng_alone():
    state = torch.random.get_rng_state()
    z = fixed_latents(6, (2, 3), seed=5)
    assert z.shape == (6, 2, 3) and torch.equal(z, fixed_latents(6, (2, 3), seed=5))
    assert not torch.equal(z, fixed_latents(6, (2, 3), seed=6))
    assert torch.equal(torch.random.get_rng_state(), state)


def test_score_equals_the_pure_functions(real):
    extractor = _Logits()
    reference = compute_statistics(real, extractor, keep_features=True)
    generator = _generator()
    z = fixed_latents(200, 8, seed=1)
    result = score(
        generator,
        z,
        extractor,
        reference,
        metrics=("fd", "is", "kid", "pr"),
        batch_size=64,
        kid_subsets=10,
        kid_subset_size=100,
        kid_seed=2,
    )

    with torch.no_grad():
        images = generator(z)
        out = extractor(images)
    fake = out["features"].double()
    expected_fd = frechet_distance(
        fake.mean(0), torch.cov(fake.T), real.flatten(1).double().mean(0), torch.cov(real.flatten(1).double().T)
    )
    assert result["fd_toy"] == pytest.approx(expected_fd, rel=1e-10)
    assert (result["cs_toy"], result["cs_std_toy"]) == pytest.approx(inception_score(out["logits"]), rel=1e-6)
    expected_kid = kid(reference.features(), fake, rng=np.random.default_rng(2), n_subsets=10, subset_size=100)
    assert (result["kid_toy"], result["kid_std_toy"]) == pytest.approx(expected_kid, rel=1e-10)
    assert (result["precision_toy"], result["recall_toy"]) == precision_recall(reference.features(), fake)
    assert set(result) == {"fd_toy", "cs_toy", "cs_std_toy", "kid_toy", "kid_std_toy", "precision_toy", "recall_toy"}


def test_score_is_independent_of_batch_size(real):
    extractor = _Logits()
    reference = compute_statistics(real, extractor)
    z = fixed_latents(100, 8)
    a = score(_generator(), z, extractor, reference, metrics=("fd", "is"), batch_size=100)
    b = score(_generator(), z, extractor, reference, metrics=("fd", "is"), batch_size=7)
    # float64 statistics; the float32 network outputs themselves differ in the last bit with the batch's GEMM kernel
    assert a["fd_toy"] == pytest.approx(b["fd_toy"], rel=1e-8)
    assert a["cs_toy"] == pytest.approx(b["cs_toy"], rel=1e-6)


def test_plain_callable_and_real_vs_real_baseline(real):
    extractor = ModuleExtractor(nn.Flatten(), "pixels")
    reference = compute_statistics(real, extractor)
    result = score(lambda z: z.view(-1, 1, 4, 4).tanh(), fixed_latents(100, 16), extractor, reference)
    assert result["fd_pixels"] > 0.1
    assert abs(score_images(real, extractor, reference)["fd_pixels"]) < 1e-10


def test_reference_statistics_are_cached(real, tmp_path, monkeypatch):
    import pymoo_gan.metrics.reference as reference_module

    extractor = _Logits()
    first = reference_statistics(real, extractor, dataset="toy", split="train", cache_dir=tmp_path)
    files = list((tmp_path / "reference").glob("*.pt"))
    assert len(files) == 1
    assert files[0].name.startswith("toy-train-toy-") and "-pixels-n300-fp32-" in files[0].name
    saved = torch.load(files[0], weights_only=True)
    assert saved["provenance"]["n"] == 300 and saved["provenance"]["extractor"] == "toy"

    monkeypatch.setattr(reference_module, "compute_statistics", lambda *a, **k: pytest.fail("recomputed"))
    again = reference_statistics(real, extractor, dataset="toy", split="train", cache_dir=tmp_path)
    assert torch.equal(again.covariance(), first.covariance())
    monkeypatch.undo()

    # Kept features are needed for KID/PR: a cache entry without them is recomputed and replaced.
    with_features = reference_statistics(
        real, extractor, dataset="toy", split="train", keep_features=True, cache_dir=tmp_path
    )
    assert with_features.features().shape == (300, 16)
    assert len(list((tmp_path / "reference").glob("*.pt"))) == 1
    # Other images, other weights: other entries.
    reference_statistics(real[:-1], extractor, dataset="toy", split="train", cache_dir=tmp_path)
    with torch.no_grad():
        extractor.head.weight += 1.0
    reference_statistics(real, extractor, dataset="toy", split="train", cache_dir=tmp_path)
    assert len(list((tmp_path / "reference").glob("*.pt"))) == 3


def test_diverged_generator_scores_nan(real):
    extractor = _Logits()
    reference = compute_statistics(real, extractor, keep_features=True)
    result = score(
        lambda z: torch.full((len(z), 1, 4, 4), float("nan")),
        fixed_latents(20, 8),
        extractor,
        reference,
        metrics=("fd", "is", "kid"),
        kid_subset_size=10,
    )
    assert set(result) == {"fd_toy", "cs_toy", "cs_std_toy", "kid_toy", "kid_std_toy"}
    assert all(math.isnan(v) for v in result.values())


def test_errors(real):
    extractor = _Logits()
    reference = compute_statistics(real, extractor)
    z = fixed_latents(20, 8)
    with pytest.raises(ValueError, match="unknown metrics"):
        score(_generator(), z, extractor, reference, metrics=("fid",))
    with pytest.raises(ValueError, match="need reference statistics"):
        score(_generator(), z, extractor, None, metrics=("fd",))
    with pytest.raises(ValueError, match="kept features"):
        score(_generator(), z, extractor, reference, metrics=("kid",))
    with pytest.raises(ValueError, match="gives no logits"):
        score(_generator(), z, ModuleExtractor(nn.Flatten(), "pixels"), None, metrics=("is",), is_splits=2)
    assert set(score(_generator(), z, extractor, None, metrics=("is",), is_splits=2)) == {"cs_toy", "cs_std_toy"}
