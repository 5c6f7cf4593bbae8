"""Users' own images: grey folders stay one channel, and a classifier that cannot carry a signal is flagged."""

import numpy as np
import pytest
import torch
from PIL import Image

from pymoo_gan.data import DataConfig, dataset_channels, load_image_folder
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.scorer import CandidateScorer, extractor_summary, extractor_warning


def write_folder(root, classes=("face", "other"), per_class=10, mode="L", size=8, seed=0):
    rng = np.random.default_rng(seed)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            shape = (size, size) if mode == "L" else (size, size, 3)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode).save(root / c / f"{i}.png")
    return root


def test_a_grey_folder_stays_one_channel(tmp_path):
    root = write_folder(tmp_path / "grey")
    x, y = load_image_folder(root, resolution=8, split="all", cache_dir=tmp_path / "cache")
    assert x.shape == (20, 1, 8, 8) and sorted(set(y.tolist())) == [0, 1]
    assert dataset_channels("image_folder", root=root, cache_dir=tmp_path / "cache") == 1
    assert DataConfig("image_folder", root=str(root), resolution=8, cache_dir=str(tmp_path / "cache")).channels == 1


def test_one_colour_image_makes_the_folder_three_channels(tmp_path):
    root = write_folder(tmp_path / "mixed")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8) + np.array([255, 0, 0], np.uint8)).save(root / "face" / "red.png")
    x, _ = load_image_folder(root, resolution=8, split="train", cache_dir=tmp_path / "cache")
    assert x.shape[1] == 3 and dataset_channels("image_folder", root=root, cache_dir=tmp_path / "cache") == 3


def test_classifier_warnings_name_the_reason():
    assert extractor_warning({"name": "digits_cnn", "n_classes": 10, "accuracy": 0.97}) == ""
    few = extractor_warning({"name": "faces_cnn", "n_classes": 2, "accuracy": 0.99})
    assert "only 2 classes" in few and "fewer than 5" in few
    weak = extractor_warning({"name": "x_cnn", "n_classes": 10, "accuracy": 0.3})
    assert "accuracy is 0.30" in weak and "below 0.5" in weak


def test_a_two_class_folder_scores_with_a_warning_in_the_summary(tmp_path):
    root = write_folder(tmp_path / "faces")
    data = DataConfig("image_folder", root=str(root), resolution=8, cache_dir=str(tmp_path / "cache"))
    with pytest.warns(RuntimeWarning, match="only 2 classes"):
        scorer = CandidateScorer(data, MetricsConfig(n_samples=16, batch_size=16, bn_batches=1), latent_dim=4,
                                 device=torch.device("cpu"))
    summary = extractor_summary(scorer.extractor)
    assert summary["name"] == "image_folder_cnn" and summary["classes"] == 2
    assert 0.0 <= summary["held_out_accuracy"] <= 1.0 and "fewer than 5" in summary["warning"]
    assert scorer.extractor.info["in_channels"] == 1


def test_stage_2_on_a_two_class_folder_warns_too(tmp_path):
    """Stage 2 scores with its own scorer: the same warning, and feature-only extractors refuse class objectives."""
    from pymoo_gan import DiscriminatorSearchProblem
    from pymoo_gan.models import CellGenerator
    from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro

    root = write_folder(tmp_path / "faces", size=16)
    data = DataConfig("image_folder", root=str(root), resolution=16, cache_dir=str(tmp_path / "cache"))
    space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=6, channels=4, bottom_width=2, out_channels=1))
    G = CellGenerator(space.decode(space.sample(np.random.default_rng(0))))
    problem = DiscriminatorSearchProblem(G, data=data, metrics=MetricsConfig(n_samples=16, batch_size=16,
                                                                             bn_batches=1),
                                         channels=4, progress=False)
    with pytest.warns(RuntimeWarning, match="only 2 classes"):
        assert problem.scorer.extractor.info["n_classes"] == 2
