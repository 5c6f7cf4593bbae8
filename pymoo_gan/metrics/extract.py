"""Run an extractor over batches of images on its device and accumulate float64 statistics (no image files)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.stats import FeatureStats

__all__ = ["Extracted", "extract", "module_device", "uses_bf16"]


@dataclass
class Extracted:
    """Statistics of the features and, when kept, the float64 logits of every image."""

    stats: FeatureStats
    logits: torch.Tensor | None


def module_device(module: nn.Module) -> torch.device:
    """Device of a module's first parameter or buffer (CPU for a module with neither)."""
    tensor = next(iter(module.parameters()), None)
    if tensor is None:
        tensor = next(iter(module.buffers()), None)
    return torch.device("cpu") if tensor is None else tensor.device


def uses_bf16(extractor: FeatureExtractor, device: torch.device, autocast: bool | None = None) -> bool:
    """Whether extraction runs under bf16 autocast: on CUDA only; ``autocast=None`` means every extractor except the
    standard Inception, which keeps float32 so its FID/IS stay comparable with the reference implementations."""
    return torch.device(device).type == "cuda" and (not extractor.standard if autocast is None else autocast)


@torch.no_grad()
def extract(
    batches: Iterable[torch.Tensor],
    extractor: FeatureExtractor,
    *,
    keep_features: bool = False,
    keep_logits: bool = False,
    autocast: bool | None = None,
) -> Extracted:
    """Feed image batches in [-1, 1] through ``extractor`` on its device and accumulate the statistics.

    Args:
        batches: Image batches ``(b, C, H, W)``; they may be produced lazily (e.g. by a generator network), and are
            moved to the extractor's device.
        extractor: The feature extractor; it is put in eval mode.
        keep_features: Keep every feature row (needed for KID and precision/recall).
        keep_logits: Keep the logits (needed for the Inception/classifier score).
        autocast: bf16 autocast for the extractor on CUDA; ``None`` chooses with :func:`uses_bf16`.

    Example:
        >>> from pymoo_gan.metrics import ModuleExtractor
        >>> extractor = ModuleExtractor(nn.Flatten(), "pixels")
        >>> extract(torch.zeros(10, 1, 4, 4).split(3), extractor).stats.count
        10
    """
    extractor.eval()
    device = module_device(extractor)
    bf16 = uses_bf16(extractor, device, autocast)
    stats = FeatureStats(keep_features=keep_features)
    logits = []
    for images in batches:
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=bf16):
            out = extractor(images.to(device))
        stats.update(out["features"])
        if keep_logits:
            if "logits" not in out:
                raise ValueError(f"extractor {extractor.name!r} gives no logits, so no Inception/classifier score")
            logits.append(out["logits"].to(torch.float64))
    return Extracted(stats, torch.cat(logits) if keep_logits else None)
