"""Scoring of candidate generators: (architecture, shared weights, metric settings) -> raw scores.

A :class:`CandidateScorer` owns what every candidate is scored with: the feature extractor, the cached real-data
statistics, one fixed latent batch (identical for every candidate) and the latents used to recalibrate BN statistics
per sub-network. It has no pymoo in it, so the same call can run in a worker process.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
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
from pymoo_gan.metrics.clip import CLIPExtractor, clip_name, find_clip_weights
from pymoo_gan.metrics.inception import inception_name
from pymoo_gan.metrics.ssl import ssl_extractor
from pymoo_gan.training.bn import recalibrate_bn

_ALIASED = {"fd": "fd", "score": "is", "kid": "kid"}  # objective alias -> result name in pymoo_gan.metrics

#: a domain classifier with fewer classes than this cannot tell a varied set from a collapsed one (its features
#: separate only a few groups; a two-class classifier scores ~1.00 for anything)
MIN_CLASSES = 5
#: held-out accuracy below which a domain classifier's features are considered too weak to rank generators (the small
#: CNN reaches ~0.97 on the embedded digits and ~0.7 on CIFAR-10; chance is 1 / classes)
MIN_ACCURACY = 0.5


def extractor_warning(info: dict) -> str:
    """Why the scores of an extractor with provenance ``info`` carry little signal, or ``""``: a domain classifier
    with fewer than :data:`MIN_CLASSES` classes or a held-out accuracy below :data:`MIN_ACCURACY`, or a label-free
    extractor whose own quality check failed (``info["check"]["passed"]`` false)."""
    reasons = []
    if "n_classes" in info and info["n_classes"] < MIN_CLASSES:
        reasons.append(f"its classifier knows only {info['n_classes']} classes (fewer than {MIN_CLASSES})")
    if "accuracy" in info and info["accuracy"] < MIN_ACCURACY:
        reasons.append(f"its classifier's held-out accuracy is {info['accuracy']:.2f} (below {MIN_ACCURACY})")
    check = info.get("check")
    if isinstance(check, dict) and not check.get("passed", True):
        reasons.append(f"its quality check failed ({check.get('reason', 'see its .json')})")
    if not reasons:
        return ""
    return (f"extractor {info.get('name', '?')}: " + "; ".join(reasons) + ": its Fréchet distance and classifier "
            "score may not tell good generators from bad ones; use a dataset with more labelled classes, "
            "extractor='ssl' (label-free, trained on the images) or extractor='inception'")


def extractor_summary(extractor) -> dict:
    """What a run summary records about the extractor its scores come from: name, standard or not, and for a domain
    classifier its classes and held-out accuracy; ``warning`` when :func:`extractor_warning` has one."""
    info = extractor.info
    out = {"name": extractor.name, "standard": bool(getattr(extractor, "standard", False))}
    for key, label in (("n_classes", "classes"), ("accuracy", "held_out_accuracy"), ("n_train", "n_train"),
                       ("n_test", "n_test"), ("sha256", "sha256"), ("check", "check")):
        if key in info:
            out[label] = info[key]
    warning = extractor_warning(info)
    if warning:
        out["warning"] = warning
    return out


def make_extractor(data: DataConfig, metrics: MetricsConfig, device: torch.device):
    """The feature extractor ``metrics.extractor`` names (see :data:`pymoo_gan.registry.EXTRACTORS`)."""
    return registry.extractor(metrics.extractor).factory(data, metrics, device)


def classifier_extractor(data: DataConfig, metrics: MetricsConfig, device: torch.device):
    """The domain classifier of ``data.dataset`` (trained once, then cached)."""
    train, test = (_labelled(data, split) for split in ("train", "test"))
    return domain_classifier(data.dataset, train, test, cache_dir=data.cache_dir).to(device).eval()


def inception_extractor(data: DataConfig, metrics: MetricsConfig, device: torch.device):
    """The standard Inception, which needs its weights file (see :class:`pymoo_gan.metrics.InceptionV3Extractor`)."""
    return InceptionV3Extractor(metrics.inception_weights).to(device).eval()


def ssl_features_extractor(data: DataConfig, metrics: MetricsConfig, device: torch.device):
    """The label-free extractor of ``data.dataset``, trained on its training images by contrastive learning (once,
    then cached; see :mod:`pymoo_gan.metrics.ssl`)."""
    train, test = (data.load(split)[0] for split in ("train", "test"))
    return ssl_extractor(data.dataset, train, test, cache_dir=data.cache_dir).to(device).eval()


def ssl_extractor_name(data: DataConfig, metrics: MetricsConfig) -> tuple[str, bool]:
    """``(name, standard)`` of :func:`ssl_features_extractor`: ``("<dataset>_ssl", False)``."""
    return f"{data.dataset}_ssl", False


def clip_extractor(data: DataConfig, metrics: MetricsConfig, device: torch.device):
    """CLIP features from the local file ``metrics.clip_weights`` (see :mod:`pymoo_gan.metrics.clip`)."""
    return CLIPExtractor(metrics.clip_weights).to(device).eval()


def clip_extractor_name(data: DataConfig, metrics: MetricsConfig) -> tuple[str, bool]:
    """``(name, standard)`` of :func:`clip_extractor`, from the weights file's hash (``clip`` for the published
    ViT-B/32 file)."""
    return clip_name(sha256_file(find_clip_weights(metrics.clip_weights))), False


def _labelled(data: DataConfig, split: str):
    images, labels = data.load(split)
    keep = labels >= 0  # STL-10's unlabelled images, flat image folders
    if not bool(keep.any()):
        raise ValueError(f"extractor='classifier' needs class labels, but the {split} split of dataset "
                         f"{data.dataset!r} has none; use extractor='ssl' (label-free, trained on these images), "
                         "extractor='inception' or class subfolders")
    return images[keep], labels[keep]


def extractor_name(data: DataConfig, metrics: MetricsConfig) -> tuple[str, bool]:
    """``(name, standard)`` of the extractor the settings will use, known without training or loading it."""
    return registry.extractor(metrics.extractor).describe(data, metrics)


def classifier_extractor_name(data: DataConfig, metrics: MetricsConfig) -> tuple[str, bool]:
    """``(name, standard)`` of :func:`classifier_extractor`: ``("<dataset>_cnn", False)``."""
    return f"{data.dataset}_cnn", False


def inception_extractor_name(data: DataConfig, metrics: MetricsConfig) -> tuple[str, bool]:
    """``(name, standard)`` of :func:`inception_extractor`, from the weights file's hash."""
    return inception_name(sha256_file(find_inception_weights(metrics.inception_weights)))


def score_aliases(data: DataConfig, metrics: MetricsConfig) -> dict[str, str]:
    """Objective aliases -> concrete score keys, e.g. ``{"fd": "fd_digits_cnn", "score": "cs_digits_cnn"}``."""
    name, standard = extractor_name(data, metrics)
    probe = type("Probe", (), {"name": name, "standard": standard})()
    return {alias: metric_key(result, probe) for alias, result in _ALIASED.items()}


class CandidateScorer:
    """Scores generator paths and standalone generators with fixed latents against cached real statistics.

    ``seed`` fixes the scoring latents (``seed + 1``) and the BN-recalibration latents (``seed + 2``).

    Example:
        >>> scorer = CandidateScorer(DataConfig(), MetricsConfig(n_samples=64), latent_dim=8,
        ...                          device=torch.device("cpu"))                                # doctest: +SKIP
        >>> scorer.score_generator(G)                                                           # doctest: +SKIP
        {'fd_digits_cnn': 212.4, 'cs_digits_cnn': 3.9, 'cs_std_digits_cnn': 0.3}
    """

    def __init__(self, data: DataConfig, metrics: MetricsConfig, latent_dim: int, device: torch.device,
                 seed: int = 0):
        self.data, self.settings, self.device = data, metrics, device
        self.extractor = make_extractor(data, metrics, device)
        warning = extractor_warning(self.extractor.info)
        if warning:
            warnings.warn(warning, RuntimeWarning, stacklevel=2)
        images, _ = data.load("train")
        # an extractor without class logits (CLIP, any ModuleExtractor) gives no Inception / classifier score
        self.metrics = tuple(m for m in metrics.names if m != "is" or getattr(self.extractor, "has_logits", True))
        self.reference = reference_statistics(images, self.extractor, dataset=data.dataset, split="train",
                                              keep_features=bool({"kid", "pr"} & set(self.metrics)),
                                              cache_dir=data.cache_dir)
        self.latents = fixed_latents(metrics.n_samples, latent_dim, seed=seed + 1, device=device)
        bn_n = metrics.bn_batches * metrics.bn_batch_size
        self.bn_latents = fixed_latents(bn_n, latent_dim, seed=seed + 2, device=device)

    def recalibrate(self, supernet: nn.Module, arch=None) -> None:
        """Recompute the BN statistics of ``supernet``'s path ``arch`` (or of a standalone generator when ``arch`` is
        None) from the fixed BN latents alone; a no-op for networks without BN."""
        forward = supernet if arch is None else (lambda z: supernet(z, arch))
        recalibrate_bn(supernet, forward, self.bn_latents.split(self.settings.bn_batch_size))

    def score_generator(self, generator: nn.Module) -> dict[str, float]:
        """Scores of a standalone generator (BN recalibrated first, like a path)."""
        return self._score(generator, generator, None)

    def _score(self, module: nn.Module, forward, arch) -> dict[str, float]:
        self.recalibrate(module, arch)
        was_training = module.training
        module.eval()
        try:
            return score(forward, self.latents, self.extractor, self.reference, metrics=self.metrics,
                         batch_size=self.settings.batch_size)
        finally:
            module.train(was_training)

    @staticmethod
    def cost(module: nn.Module, latent_dim: int) -> dict[str, float]:
        """Parameters and per-sample multiply-accumulates of a standalone generator."""
        device = next(module.parameters()).device
        return {"params": float(count_params(module)),
                "macs": float(count_macs(module.eval(), torch.zeros(1, latent_dim, device=device)))}
