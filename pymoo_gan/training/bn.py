"""Per-sub-network BatchNorm recalibration (shared BN statistics are wrong for any single path)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn


@torch.no_grad()
def recalibrate_bn(module: nn.Module, forward: Callable[[torch.Tensor], object],
                   batches: Iterable[torch.Tensor]) -> bool:
    """Reset the running statistics of every BatchNorm in ``module`` and re-estimate them as the exact average over
    ``batches`` passed through ``forward`` in train mode. Returns False (doing nothing) when there is no BatchNorm.
    The module's train/eval mode is restored afterwards."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return False
    was_training = module.training
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: order-independent, exact mean over the batches
    module.train()
    for z in batches:
        forward(z)
    for m, mom in zip(norms, momenta, strict=True):
        m.momentum = mom
    module.train(was_training)
    return True
