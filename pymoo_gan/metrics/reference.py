"""Real-data (reference) statistics: the pure computation, and a wrapper that caches it under a provenance key.

The key spells out what the statistics depend on: dataset, split, extractor name and weights hash, layer, N, the
extraction precision and a hash of the image bytes, e.g.
``<cache>/reference/digits-train-digits_cnn-3f2a9c1d0b7e-penultimate-n1347-fp32-8c1e2d3f4a5b.pt``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from pymoo_gan.files import atomic_write, resolve_cache_dir
from pymoo_gan.metrics.cache import sha256_tensors
from pymoo_gan.metrics.extract import extract, module_device, uses_bf16
from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.stats import FeatureStats

__all__ = ["compute_statistics", "reference_path", "reference_provenance", "reference_statistics"]


def compute_statistics(
    images: torch.Tensor,
    extractor: FeatureExtractor,
    *,
    batch_size: int = 256,
    keep_features: bool = False,
    autocast: bool | None = None,
) -> FeatureStats:
    """Return the float64 feature statistics of ``images`` (in [-1, 1], ``(N, C, H, W)``) under ``extractor``.

    Example:
        >>> from pymoo_gan.metrics import ModuleExtractor
        >>> stats = compute_statistics(torch.rand(20, 1, 4, 4), ModuleExtractor(torch.nn.Flatten(), "pixels"))
        >>> stats.count, tuple(stats.covariance().shape)
        (20, (16, 16))
    """
    return extract(images.split(batch_size), extractor, keep_features=keep_features, autocast=autocast).stats


def reference_provenance(
    images: torch.Tensor, extractor: FeatureExtractor, *, dataset: str, split: str, autocast: bool | None = None
) -> dict:
    """Return what reference statistics of ``images`` depend on; it is stored in the cache file and names it."""
    data = images.detach().cpu().contiguous()
    return {
        "dataset": dataset,
        "split": split,
        "extractor": extractor.name,
        "weights_sha256": extractor.info.get("sha256") or sha256_tensors(extractor.state_dict()),
        "layer": extractor.layer,
        "n": len(images),
        "precision": "bf16" if uses_bf16(extractor, module_device(extractor), autocast) else "fp32",
        "data_sha256": hashlib.sha256(data.reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest(),
    }


def reference_path(provenance: dict, cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the cache file for statistics with this :func:`reference_provenance`."""
    p = provenance
    key = (
        f"{p['dataset']}-{p['split']}-{p['extractor']}-{p['weights_sha256'][:12]}-{p['layer']}-n{p['n']}-"
        f"{p['precision']}-{p['data_sha256'][:12]}"
    )
    return resolve_cache_dir(cache_dir) / "reference" / f"{key}.pt"


def reference_statistics(
    images: torch.Tensor,
    extractor: FeatureExtractor,
    *,
    dataset: str,
    split: str,
    batch_size: int = 256,
    keep_features: bool = False,
    autocast: bool | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> FeatureStats:
    """Return :func:`compute_statistics` of ``images``, loaded from the cache when computed before.

    A cached entry without kept features is recomputed (and replaced) when ``keep_features=True``.

    Args:
        images: Real images in [-1, 1], ``(N, C, H, W)``.
        extractor: The feature extractor, on the device to compute on.
        dataset: Dataset name for the key, e.g. ``"digits"``.
        split: Split name for the key, e.g. ``"train"``.
        batch_size: Images per extractor call.
        keep_features: Keep the raw features (KID, precision/recall need them).
        autocast: bf16 autocast on CUDA (``None``: see :func:`pymoo_gan.metrics.extract.uses_bf16`).
        cache_dir: Cache directory; ``None`` uses ``$PYMOO_GAN_CACHE`` or ``~/.cache/pymoo_gan``.

    Example:
        >>> from pymoo_gan.data import load_digits
        >>> from pymoo_gan.metrics import digits_classifier
        >>> images, _ = load_digits(16, "train")
        >>> real = reference_statistics(images, digits_classifier(), dataset="digits", split="train")  # doctest: +SKIP
    """
    provenance = reference_provenance(images, extractor, dataset=dataset, split=split, autocast=autocast)
    path = reference_path(provenance, cache_dir)
    if path.is_file():
        state = torch.load(path, map_location=module_device(extractor), weights_only=True)
        if "features" in state or not keep_features:
            return FeatureStats.from_state_dict(state)
    stats = compute_statistics(images, extractor, batch_size=batch_size, keep_features=keep_features, autocast=autocast)
    atomic_write(path, lambda tmp: torch.save({**stats.state_dict(), "provenance": provenance}, tmp))
    return stats
