"""Scoring an image-to-image candidate: PSNR/SSIM of its outputs against the targets, and its cost, in one function.

:func:`score_paired` runs the sub-network ``arch`` of a supernet (or a standalone network, ``arch=None``) in eval mode
on fixed evaluation inputs, in batches, without changing the network, and returns raw scores: ``psnr`` and ``ssim``
(means over images, :mod:`pymoo_gan.metrics.image_quality`; luminance and a border crop of ``scale`` pixels by
default, as super-resolution papers report), ``macs`` per image at the evaluation size and ``params`` of the
standalone network (:mod:`pymoo_gan.metrics.cost`, the one cost model; for a supernet path, of the extracted compact
network). With a feature ``extractor`` (translation tasks), also the Fréchet distance of the outputs' features to
the targets' (``reference``: the targets' statistics, computed here when not given), named by
:func:`~pymoo_gan.metrics.metric_key` (``fd_<extractor>``, FID only for the standard Inception).

Example:
    >>> import torch
    >>> from pymoo_gan.models.c2f import C2FSupernet
    >>> from pymoo_gan.space.c2f import C2FMacro, C2FSpace
    >>> space = C2FSpace(C2FMacro(channels=8, n_blocks=2))
    >>> supernet = C2FSupernet(space.macro, generator=torch.Generator().manual_seed(0))
    >>> x, y = torch.zeros(4, 1, 8, 8), torch.zeros(4, 1, 16, 16)
    >>> sorted(score_paired(supernet, space.decode([0, 0, 3, 1, 0, 0]), x, y))
    ['macs', 'params', 'psnr', 'ssim']
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from pymoo_gan import registry
from pymoo_gan.metrics.cost import count_macs, count_params
from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.image_quality import psnr, ssim
from pymoo_gan.metrics.reference import compute_statistics
from pymoo_gan.metrics.scoring import score_images
from pymoo_gan.metrics.stats import FeatureStats
from pymoo_gan.models.path import PathModule

__all__ = ["score_paired"]


@torch.no_grad()
def score_paired(network: nn.Module, arch, inputs: Tensor, targets: Tensor, *, crop_border: int | None = None,
                 y_channel: bool = True, batch_size: int = 256, extractor: FeatureExtractor | None = None,
                 reference: FeatureStats | None = None) -> dict[str, float]:
    """Raw scores of ``arch`` run by ``network`` (module docstring); ``crop_border`` None: the task's scale factor
    (``targets`` side / ``inputs`` side), 0 for translation. SSIM is left out (NaN) when the cropped images are
    smaller than its 11x11 window."""
    if len(inputs) != len(targets) or len(inputs) == 0:
        raise ValueError(f"inputs ({len(inputs)}) and targets ({len(targets)}) must be non-empty and pair up")
    net = network if arch is None else PathModule(network, arch)
    device = next(network.parameters()).device
    if crop_border is None:
        crop_border = targets.shape[-1] // inputs.shape[-1] if targets.shape[-1] > inputs.shape[-1] else 0
    modes = {m: m.training for m in network.modules()}
    network.eval()
    try:
        outputs = torch.cat([net(inputs[i:i + batch_size].to(device)).float().cpu()
                             for i in range(0, len(inputs), batch_size)])
    finally:
        for m, training in modes.items():
            m.training = training
    scores = {"psnr": psnr(outputs, targets, crop_border=crop_border, y_channel=y_channel).mean().item()}
    side = min(targets.shape[-2:]) - 2 * crop_border
    scores["ssim"] = (ssim(outputs, targets, crop_border=crop_border, y_channel=y_channel).mean().item()
                      if side >= 11 else float("nan"))
    scores["macs"] = float(count_macs(net, inputs[:1].to(device)))
    standalone = network if arch is None else registry.space_of(arch).extract(network, arch)
    scores["params"] = float(count_params(standalone))
    if extractor is not None:
        if reference is None:
            reference = compute_statistics(targets, extractor, batch_size=batch_size)
        scores.update(score_images(outputs, extractor, reference, metrics=("fd",), batch_size=batch_size))
    return scores
