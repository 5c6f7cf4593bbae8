"""Metrics: pure functions features -> float64 statistics -> scores, feature extractors, cached real statistics, cost.

Example:
    >>> import torch
    >>> from pymoo_gan.metrics import ModuleExtractor, compute_statistics, fixed_latents, score
    >>> extractor = ModuleExtractor(torch.nn.Flatten(), "pixels")
    >>> real = compute_statistics(torch.rand(100, 1, 2, 2) * 2 - 1, extractor, keep_features=True)
    >>> result = score(lambda z: z.tanh().view(-1, 1, 2, 2), fixed_latents(100, 4), extractor, real,
    ...                metrics=("fd", "kid", "pr"), kid_subset_size=50)
    >>> sorted(result)
    ['fd_pixels', 'kid_pixels', 'kid_std_pixels', 'precision_pixels', 'recall_pixels']

Only the standard Inception v3 with the published TF-ported weights produces ``fid`` / ``is`` keys; scores from any
other extractor are named after it (``fd_digits_cnn``), see :func:`metric_key`.
"""

from pymoo_gan.files import default_cache_dir
from pymoo_gan.metrics.classifier import (
    ClassifierExtractor,
    ClassifierSettings,
    SmallCNN,
    classifier_accuracy,
    digits_classifier,
    domain_classifier,
    small_cnn,
    train_classifier,
)
from pymoo_gan.metrics.cost import count_macs, count_nonzero_params, count_params, sparse_cost
from pymoo_gan.metrics.extract import Extracted, extract
from pymoo_gan.metrics.extractors import FeatureExtractor, ModuleExtractor
from pymoo_gan.metrics.frechet import frechet_distance
from pymoo_gan.metrics.image_quality import image_quality, psnr, ssim
from pymoo_gan.metrics.inception import (
    INCEPTION_WEIGHTS_FILE,
    INCEPTION_WEIGHTS_SHA256,
    InceptionV3Extractor,
    InceptionWeightsNotFoundError,
    find_inception_weights,
    save_random_inception_weights,
)
from pymoo_gan.metrics.reference import compute_statistics, reference_path, reference_provenance, reference_statistics
from pymoo_gan.metrics.scores import inception_score, kid, precision_recall
from pymoo_gan.metrics.scoring import METRICS, fixed_latents, metric_key, score, score_images
from pymoo_gan.metrics.stats import FeatureStats

__all__ = [
    "INCEPTION_WEIGHTS_FILE",
    "INCEPTION_WEIGHTS_SHA256",
    "METRICS",
    "ClassifierExtractor",
    "ClassifierSettings",
    "Extracted",
    "FeatureExtractor",
    "FeatureStats",
    "InceptionV3Extractor",
    "InceptionWeightsNotFoundError",
    "ModuleExtractor",
    "SmallCNN",
    "classifier_accuracy",
    "compute_statistics",
    "count_macs",
    "count_nonzero_params",
    "count_params",
    "default_cache_dir",
    "digits_classifier",
    "domain_classifier",
    "extract",
    "find_inception_weights",
    "fixed_latents",
    "frechet_distance",
    "image_quality",
    "inception_score",
    "kid",
    "metric_key",
    "precision_recall",
    "psnr",
    "reference_path",
    "reference_provenance",
    "reference_statistics",
    "save_random_inception_weights",
    "score",
    "score_images",
    "small_cnn",
    "sparse_cost",
    "ssim",
    "train_classifier",
]
