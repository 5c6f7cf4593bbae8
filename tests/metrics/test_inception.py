"""The standard Inception path: local weights only (random ones here), one clear error without them, honest names."""

import shutil

import pytest
import torch
import torch_fidelity.feature_extractor_inceptionv3 as tf_inception

import pymoo_gan.metrics.inception as inception
from pymoo_gan.files import sha256_file
from pymoo_gan.metrics import (
    INCEPTION_WEIGHTS_FILE,
    InceptionV3Extractor,
    InceptionWeightsNotFoundError,
    metric_key,
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Any download attempt fails the test; the torch hub cache is an empty temporary directory."""

    def refuse(*args, **kwargs):
        raise AssertionError("attempted a download")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    monkeypatch.setattr(tf_inception, "load_state_dict_from_url", refuse)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


def test_missing_weights_error_names_file_and_directory(tmp_path):
    with pytest.raises(InceptionWeightsNotFoundError) as error:
        InceptionV3Extractor()
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    assert isinstance(error.value, FileNotFoundError)
    assert INCEPTION_WEIGHTS_FILE in str(error.value)
    assert str(checkpoints) in str(error.value)
    assert "never downloads" in str(error.value)


def test_missing_explicit_path_error_names_it(tmp_path):
    missing = tmp_path / "nowhere" / "inception.pth"
    with pytest.raises(InceptionWeightsNotFoundError, match=str(missing)):
        InceptionV3Extractor(missing)


def test_loads_local_random_weights(random_inception_weights):
    extractor = InceptionV3Extractor(random_inception_weights)
    sha = sha256_file(random_inception_weights)
    assert extractor.info["sha256"] == sha
    assert not extractor.standard and extractor.name == f"inception_v3_{sha[:8]}"
    assert metric_key("fd", extractor) == f"fd_inception_v3_{sha[:8]}"  # random weights are never "FID"
    assert not any(p.requires_grad for p in extractor.parameters())
    extractor.train()
    assert not any(m.training for m in extractor.modules())

    gray = torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        out = extractor(gray)
        rgb = extractor(gray.repeat(1, 3, 1, 1))
    assert out["features"].shape == (2, 2048) and out["logits"].shape == (2, 1008)
    torch.testing.assert_close(out["features"], rgb["features"], rtol=0, atol=0)

    # Same numbers as torch-fidelity's own module given the same file and the standard uint8 conversion.
    reference = tf_inception.FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(random_inception_weights)
    )
    as_uint8 = (gray * 127.5 + 127.5).clamp(0, 255).to(torch.uint8).repeat(1, 3, 1, 1)
    with torch.no_grad():
        features, logits = reference(as_uint8)
    torch.testing.assert_close(out["features"], features, rtol=0, atol=0)
    torch.testing.assert_close(out["logits"], logits, rtol=0, atol=0)


@pytest.mark.parametrize("file_name", [INCEPTION_WEIGHTS_FILE, "pt_inception-2015-12-05-6726825d.pth"])
def test_found_in_torch_hub_cache(tmp_path, random_inception_weights, file_name):
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    shutil.copy(random_inception_weights, checkpoints / file_name)
    assert InceptionV3Extractor().info["weights"] == str(checkpoints / file_name)


def test_only_the_published_weights_are_standard(monkeypatch, random_inception_weights):
    monkeypatch.setattr(inception, "INCEPTION_WEIGHTS_SHA256", sha256_file(random_inception_weights))
    extractor = InceptionV3Extractor(random_inception_weights)
    assert extractor.standard and extractor.name == "inception_v3"
    keys = [metric_key(r, extractor) for r in ("fd", "is", "is_std", "kid", "precision")]
    assert keys == ["fid", "is", "is_std", "kid", "precision"]


def test_wrong_file_is_a_clear_error(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="does not hold the Inception v3 state dict"):
        InceptionV3Extractor(path)
