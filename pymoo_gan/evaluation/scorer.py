"""Scoring of candidate generators: (architecture, shared weights, metric settings) -> raw scores.

A :class:`CandidateScorer` owns what every candidate is scored with: the feature extractor, the cached real-data
statistics, one fixed latent batch (identical for every candidate) and the latents used to recalibrate BN statistics
per sub-network. It has no pymoo in it, so the same call can run in a worker process.
"""

from __future__ import annotations

import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.data.registry import load_dataset
from pymoo_gan.files import sha256_file
from pymoo_gan.metrics import (
    InceptionV3Extractor,
    count_macs,
    count_params,
    domain_classifier,
    find_inception_weights,
    fixed_latents,
    metric_key,
    reference_statistics,
    score,
)
from pymoo_gan.metrics.inception import inception_name
from pymoo_gan.training.bn import recalibrate_bn

_ALIASED = {"fd": "fd", "score": "is", "kid": "kid"}  # objective alias -> result name in pymoo_gan.metrics


def config_dataset(config, split: str = "train"):
    """``(images, labels)`` of the dataset a config names (its root, resolution, download and cache settings)."""
    return load_dataset(config.dataset, root=config.data_root, resolution=config.resolution, split=split,
                        download=config.download, cache_dir=config.cache_dir)


def make_extractor(config, device: torch.device):
    """The feature extractor named by ``config.extractor`` (see :data:`pymoo_gan.registry.EXTRACTORS`)."""
    return registry.extractor(config.extractor).factory(config, device)


def classifier_extractor(config, device: torch.device):
    """The domain classifier of ``config.dataset`` (trained once, then cached)."""
    train, test = (_labelled(config, split) for split in ("train", "test"))
    return domain_classifier(config.dataset, train, test, cache_dir=config.cache_dir).to(device).eval()


def inception_extractor(config, device: torch.device):
    """The standard Inception, which needs its weights file (see :class:`pymoo_gan.metrics.InceptionV3Extractor`)."""
    return InceptionV3Extractor(config.inception_weights).to(device).eval()


def _labelled(config, split: str):
    images, labels = config_dataset(config, split)
    keep = labels >= 0  # STL-10's unlabelled images, flat image folders
    if not bool(keep.any()):
        raise ValueError(f"extractor='classifier' needs class labels, but the {split} split of dataset "
                         f"{config.dataset!r} has none; use extractor='inception' or class subfolders")
    return images[keep], labels[keep]


def extractor_name(config) -> tuple[str, bool]:
    """``(name, standard)`` of the extractor a config will use, known without training or loading it."""
    return registry.extractor(config.extractor).describe(config)


def classifier_extractor_name(config) -> tuple[str, bool]:
    """``(name, standard)`` of :func:`classifier_extractor`: ``("<dataset>_cnn", False)``."""
    return f"{config.dataset}_cnn", False


def inception_extractor_name(config) -> tuple[str, bool]:
    """``(name, standard)`` of :func:`inception_extractor`, from the weights file's hash."""
    return inception_name(sha256_file(find_inception_weights(config.inception_weights)))


def score_aliases(config) -> dict[str, str]:
    """Objective aliases -> concrete score keys, e.g. ``{"fd": "fd_digits_cnn", "score": "cs_digits_cnn"}``."""
    name, standard = extractor_name(config)
    probe = type("Probe", (), {"name": name, "standard": standard})()
    return {alias: metric_key(result, probe) for alias, result in _ALIASED.items()}


class CandidateScorer:
    """Scores generator paths and standalone generators with fixed latents against cached real statistics."""

    def __init__(self, config, latent_dim: int, device: torch.device):
        self.config, self.device = config, device
        self.extractor = make_extractor(config, device)
        images, _ = config_dataset(config, "train")
        self.metrics = ("fd", "is", *(m for m in config.extra_metrics if m not in ("fd", "is")))
        self.reference = reference_statistics(images, self.extractor, dataset=config.dataset, split="train",
                                              keep_features=bool({"kid", "pr"} & set(self.metrics)),
                                              cache_dir=config.cache_dir)
        self.latents = fixed_latents(config.n_samples, latent_dim, seed=config.seed + 1, device=device)
        bn_n = config.bn_batches * config.train.g_batch_size
        self.bn_latents = fixed_latents(bn_n, latent_dim, seed=config.seed + 2, device=device)

    def recalibrate(self, supernet: nn.Module, arch=None) -> None:
        """Recompute the BN statistics of ``supernet``'s path ``arch`` (or of a standalone generator when ``arch`` is
        None) from the fixed BN latents alone; a no-op for networks without BN."""
        forward = supernet if arch is None else (lambda z: supernet(z, arch))
        recalibrate_bn(supernet, forward, self.bn_latents.split(self.config.train.g_batch_size))

    def score_generator(self, generator: nn.Module) -> dict[str, float]:
        """Scores of a standalone generator (BN recalibrated first, like a path)."""
        return self._score(generator, generator, None)

    def _score(self, module: nn.Module, forward, arch) -> dict[str, float]:
        self.recalibrate(module, arch)
        was_training = module.training
        module.eval()
        try:
            return score(forward, self.latents, self.extractor, self.reference, metrics=self.metrics,
                         batch_size=self.config.score_batch_size)
        finally:
            module.train(was_training)

    @staticmethod
    def cost(module: nn.Module, latent_dim: int) -> dict[str, float]:
        """Parameters and per-sample multiply-accumulates of a standalone generator."""
        device = next(module.parameters()).device
        return {"params": float(count_params(module)),
                "macs": float(count_macs(module.eval(), torch.zeros(1, latent_dim, device=device)))}
