"""CLIP features through torch-fidelity from local files only: named fd_clip only for the published weights."""

import pytest
import torch

from pymoo_gan import GANSearchProblem
from pymoo_gan.data import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.scorer import CandidateScorer
from pymoo_gan.metrics.clip import (
    CLIPExtractor,
    CLIPWeightsNotFoundError,
    clip_name,
    find_clip_weights,
    save_random_clip_weights,
)


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    return save_random_clip_weights(tmp_path_factory.mktemp("clip") / "tiny_clip.pt", seed=0)


def test_random_weights_are_named_after_the_file(tiny_clip):
    extractor = CLIPExtractor(tiny_clip)
    sha = extractor.info["sha256"]
    assert extractor.name == f"clip_{sha[:8]}" and not extractor.info["published"] and not extractor.standard
    out = extractor(torch.rand(3, 1, 16, 16) * 2 - 1)
    assert set(out) == {"features"} and out["features"].shape == (3, 32)


def test_only_the_published_hashes_give_the_plain_names():
    from torch_fidelity.feature_extractor_clip import MODEL_METADATA

    assert clip_name(MODEL_METADATA["clip-vit-b-32"]["hash"]) == "clip"
    assert clip_name(MODEL_METADATA["clip-vit-l-14"]["hash"]) == "clip_vit_l_14"
    assert clip_name("0" * 64) == "clip_00000000"


def test_a_missing_file_is_a_clear_error_and_nothing_is_downloaded(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(CLIPWeightsNotFoundError, match="never downloads.*"):
        find_clip_weights()
    with pytest.raises(CLIPWeightsNotFoundError, match="not found at .*ViT-B-32.pt"):
        CLIPExtractor(tmp_path / "missing.pt")


def test_scores_have_no_classifier_score_and_a_score_objective_is_refused(tiny_clip):
    metrics = MetricsConfig(n_samples=32, batch_size=32, bn_batches=1, extractor="clip", clip_weights=str(tiny_clip))
    scorer = CandidateScorer(DataConfig(), metrics, latent_dim=4, device=torch.device("cpu"))
    assert scorer.metrics == ("fd",)
    G = torch.nn.Sequential(torch.nn.Linear(4, 256), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 16, 16)))
    scores = scorer.score_generator(G)
    assert list(scores) == [f"fd_{scorer.extractor.name}"] and scores[f"fd_{scorer.extractor.name}"] > 0
    problem = GANSearchProblem(extractor="clip", clip_weights=str(tiny_clip), n_samples=32, batch_size=32,
                               g_channels=8, d_channels=8, device="cpu")
    with pytest.raises(ValueError, match="needs class logits"):
        _ = problem.trainer
    assert GANSearchProblem(extractor="clip", clip_weights=str(tiny_clip), objectives=("fd", "params")).n_obj == 2
