"""Score a generator: generate from a fixed latent batch, extract and accumulate on its device, return every score.

Result keys come from :func:`metric_key`: only the standard Inception (published TF-ported weights) gives ``fid``,
``is``, ``is_std`` (and ``kid``, ``kid_std``, ``precision``, ``recall``); any other extractor ``<name>`` gives
``fd_<name>``, ``cs_<name>`` / ``cs_std_<name>`` (classifier score), ``kid_<name>``, ``kid_std_<name>``,
``precision_<name>`` and ``recall_<name>``. Store ``extractor.info`` (weights hash, accuracy) beside the scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from pymoo_gan.metrics.extract import Extracted, extract, module_device
from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.frechet import frechet_distance
from pymoo_gan.metrics.scores import inception_score, kid, precision_recall
from pymoo_gan.metrics.stats import FeatureStats

__all__ = ["METRICS", "fixed_latents", "metric_key", "score", "score_images"]

METRICS = ("fd", "is", "kid", "pr")
"""Metrics :func:`score` computes: Fréchet distance, Inception/classifier score, KID, precision and recall."""

_KEYS = {  # result -> (key for the standard Inception, prefix for any other extractor)
    "fd": ("fid", "fd"),
    "is": ("is", "cs"),
    "is_std": ("is_std", "cs_std"),
    "kid": ("kid", "kid"),
    "kid_std": ("kid_std", "kid_std"),
    "precision": ("precision", "precision"),
    "recall": ("recall", "recall"),
}
_RESULTS = {"fd": ("fd",), "is": ("is", "is_std"), "kid": ("kid", "kid_std"), "pr": ("precision", "recall")}


def metric_key(result: str, extractor: FeatureExtractor) -> str:
    """Return the result key of ``result`` (``fd``, ``is``, ``is_std``, ``kid``, ``kid_std``, ``precision``,
    ``recall``) computed with ``extractor``; the one place where scores are named.

    Example:
        >>> from pymoo_gan.metrics import ModuleExtractor
        >>> extractor = ModuleExtractor(torch.nn.Flatten(), "pixels")
        >>> metric_key("fd", extractor), metric_key("is_std", extractor)
        ('fd_pixels', 'cs_std_pixels')
    """
    if result not in _KEYS:
        raise ValueError(f"unknown result {result!r}; known: {', '.join(_KEYS)}")
    standard, prefix = _KEYS[result]
    return standard if extractor.standard else f"{prefix}_{extractor.name}"


def fixed_latents(
    n: int, dim: int | Sequence[int], *, seed: int = 0, device: torch.device | str | None = None
) -> torch.Tensor:
    """Return ``n`` standard-normal latents of shape ``(n, dim)`` (or ``(n, *dim)``) from their own generator.

    Drawn on the CPU from ``torch.Generator().manual_seed(seed)`` and then moved, so they are identical on every
    device and for every candidate; the global RNG is untouched.

    Example:
        >>> torch.equal(fixed_latents(4, 8, seed=1), fixed_latents(4, 8, seed=1))
        True
    """
    shape = (n, dim) if isinstance(dim, int) else (n, *dim)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)


@torch.no_grad()
def score(
    generate: Callable[[torch.Tensor], torch.Tensor] | nn.Module,
    latents: torch.Tensor,
    extractor: FeatureExtractor,
    reference: FeatureStats | None = None,
    *,
    metrics: Sequence[str] = ("fd",),
    batch_size: int = 256,
    is_splits: int = 10,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    kid_seed: int = 0,
    pr_k: int = 3,
    autocast: bool | None = None,
) -> dict[str, float]:
    """Generate images from ``latents`` in batches, extract features on the generator's device, return the scores.

    Generation and extraction run under ``torch.no_grad``; ``generate`` is called as is (put a module with batch norm
    or dropout in eval mode first). No image is written anywhere. Statistics are float64; extraction uses bf16
    autocast on CUDA except for the standard Inception (see ``autocast``). Images with NaN/inf features give NaN scores.

    Args:
        generate: Maps a batch of latents to images in [-1, 1], ``(b, C, H, W)``; a module or any callable.
        latents: The fixed latent batch (see :func:`fixed_latents`), the same for every candidate.
        extractor: Feature extractor; moved to the generator's device (the latents' device for a plain callable).
        reference: Real-data statistics (:func:`pymoo_gan.metrics.reference_statistics`); needed for ``fd``, and
            with kept features for ``kid`` and ``pr``.
        metrics: Any of :data:`METRICS`.
        batch_size: Latents per generator call.
        is_splits: Splits of the Inception/classifier score.
        kid_subsets: KID subsets.
        kid_subset_size: KID rows per subset (capped at the smaller set).
        kid_seed: Seed of the ``np.random.Generator`` drawing KID subsets (the same for every candidate).
        pr_k: Neighbourhood size of precision/recall.
        autocast: bf16 autocast for extraction on CUDA; ``None``: on, except for the standard Inception.

    Returns:
        ``{metric_key(result, extractor): value}`` for every result of the requested metrics.

    Example:
        >>> from pymoo_gan.metrics import ModuleExtractor, compute_statistics
        >>> extractor = ModuleExtractor(torch.nn.Flatten(), "pixels")
        >>> real = compute_statistics(torch.rand(64, 1, 2, 2) * 2 - 1, extractor)
        >>> result = score(lambda z: z.tanh().view(-1, 1, 2, 2), fixed_latents(64, 4), extractor, real)
        >>> sorted(result)
        ['fd_pixels']
    """
    device = module_device(generate) if isinstance(generate, nn.Module) else latents.device
    extractor.to(device)
    images = (generate(z.to(device)) for z in latents.split(batch_size))
    return _score(
        images, extractor, reference, metrics, is_splits, kid_subsets, kid_subset_size, kid_seed, pr_k, autocast
    )


@torch.no_grad()
def score_images(
    images: torch.Tensor,
    extractor: FeatureExtractor,
    reference: FeatureStats | None = None,
    *,
    metrics: Sequence[str] = ("fd",),
    batch_size: int = 256,
    is_splits: int = 10,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    kid_seed: int = 0,
    pr_k: int = 3,
    autocast: bool | None = None,
) -> dict[str, float]:
    """Like :func:`score`, for a tensor of images in [-1, 1] (e.g. held-out real data for a real-vs-real baseline).

    The images are moved batch by batch to the extractor's device.

    Example:
        >>> from pymoo_gan.metrics import ModuleExtractor, compute_statistics
        >>> extractor = ModuleExtractor(torch.nn.Flatten(), "pixels")
        >>> images = torch.rand(32, 1, 2, 2)
        >>> round(score_images(images, extractor, compute_statistics(images, extractor))["fd_pixels"], 9)
        0.0
    """
    return _score(
        images.split(batch_size),
        extractor,
        reference,
        metrics,
        is_splits,
        kid_subsets,
        kid_subset_size,
        kid_seed,
        pr_k,
        autocast,
    )


def _score(
    images: Iterable[torch.Tensor],
    extractor: FeatureExtractor,
    reference: FeatureStats | None,
    metrics: Sequence[str],
    is_splits: int,
    kid_subsets: int,
    kid_subset_size: int,
    kid_seed: int,
    pr_k: int,
    autocast: bool | None,
) -> dict[str, float]:
    unknown = set(metrics) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics {sorted(unknown)}; known: {', '.join(METRICS)}")
    needs_features = bool({"kid", "pr"} & set(metrics))
    if ({"fd"} & set(metrics) or needs_features) and reference is None:
        raise ValueError(f"metrics {sorted(metrics)} need reference statistics")
    if needs_features and not reference.keep_features:
        raise ValueError("kid and pr need reference statistics with kept features (keep_features=True)")
    out = extract(images, extractor, keep_features=needs_features, keep_logits="is" in metrics, autocast=autocast)
    values = _values(out, reference, metrics, is_splits, kid_subsets, kid_subset_size, kid_seed, pr_k)
    return {metric_key(result, extractor): value for result, value in values.items()}


def _values(
    out: Extracted,
    reference: FeatureStats | None,
    metrics: Sequence[str],
    is_splits: int,
    kid_subsets: int,
    kid_subset_size: int,
    kid_seed: int,
    pr_k: int,
) -> dict[str, float]:
    finite = out.stats.is_finite() and (out.logits is None or bool(torch.isfinite(out.logits).all()))
    if not finite:
        return {result: math.nan for metric in metrics for result in _RESULTS[metric]}
    values = {}
    for metric in metrics:
        if metric == "fd":
            values["fd"] = frechet_distance(
                out.stats.mean(), out.stats.covariance(), reference.mean(), reference.covariance()
            )
        elif metric == "is":
            values["is"], values["is_std"] = inception_score(out.logits, splits=is_splits)
        elif metric == "kid":
            values["kid"], values["kid_std"] = kid(
                reference.features(),
                out.stats.features(),
                rng=np.random.default_rng(kid_seed),
                n_subsets=kid_subsets,
                subset_size=kid_subset_size,
            )
        else:
            values["precision"], values["recall"] = precision_recall(reference.features(), out.stats.features(), k=pr_k)
    return values
