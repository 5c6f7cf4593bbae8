"""The feature-extractor interface, and a wrapper that turns any ``nn.Module`` into an extractor.

Every extractor maps images in [-1, 1], shape ``(N, C, H, W)``, to a dict with ``"features"`` (a 2-D float tensor)
and, when it classifies, ``"logits"``. ``name`` names its scores (``fd_<name>``, ...); ``info`` holds provenance
(weights SHA-256, held-out accuracy, ...) to store beside every score it produces.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from pymoo_gan.metrics.cache import sha256_tensors

__all__ = ["FeatureExtractor", "ModuleExtractor"]

_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")


class FeatureExtractor(nn.Module):
    """Base class: ``forward(images in [-1, 1]) -> {"features": (N, d)[, "logits": (N, classes)]}``.

    Attributes:
        name: Lower-case identifier used in result keys (``fd_<name>``).
        layer: Which layer the features come from (part of the reference-statistics cache key).
        standard: True only for the standard Inception v3 with the published TF-ported weights; it alone may name its
            scores FID / IS (see :func:`pymoo_gan.metrics.metric_key`).
        info: Provenance: ``name``, ``layer`` and whatever the extractor records (``sha256``, ``accuracy``, ...).
    """

    standard: bool = False
    has_logits: bool = True  # False: features only, so no Inception / classifier score

    def __init__(self, name: str, *, layer: str, info: dict | None = None):
        super().__init__()
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"extractor name {name!r} must match [a-z0-9][a-z0-9_]* (it becomes part of result keys)")
        self.name = name
        self.layer = layer
        self.info = {"name": name, "layer": layer, **(info or {})}

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def train(self, mode: bool = True) -> FeatureExtractor:
        """Extractors are frozen: ``train()`` and ``eval()`` both put every submodule in eval mode."""
        return super().train(False)


class ModuleExtractor(FeatureExtractor):
    """Wrap a module mapping images in [-1, 1] to features (flattened to 2-D); it provides no logits.

    ``info["sha256"]`` hashes the module's state dict when wrapped, so wrap a trained module, not one still training.

    Args:
        module: Maps a ``(N, C, H, W)`` batch in [-1, 1] to an ``(N, ...)`` tensor.
        name: Identifier for result keys, e.g. ``"randconv"`` gives ``fd_randconv``.
        layer: Name of the output used as features.
        info: Extra provenance to record.

    Example:
        >>> extractor = ModuleExtractor(nn.Sequential(nn.Conv2d(1, 4, 3), nn.AdaptiveAvgPool2d(1)), "tinyconv")
        >>> extractor(torch.zeros(2, 1, 8, 8))["features"].shape
        torch.Size([2, 4])
    """

    has_logits = False

    def __init__(self, module: nn.Module, name: str, *, layer: str = "output", info: dict | None = None):
        super().__init__(name, layer=layer, info={"sha256": sha256_tensors(module.state_dict()), **(info or {})})
        self.module = module
        self.eval()

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"features": self.module(images).flatten(1)}
