"""Exponential moving average of a network's weights (the G used for evaluation in the GAN-NAS literature)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps ``shadow``, a frozen copy of ``model`` whose parameters follow ``decay * shadow + (1 - decay) * model``.

    Buffers (e.g. BN statistics) are copied as they are. Example:
        >>> net = nn.Linear(2, 2); ema = EMA(net, decay=0.999); ema.update(net)
    """

    def __init__(self, model: nn.Module, decay: float = 0.999):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"ema decay={decay} is not allowed; use 0 <= decay < 1")
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        ema_params = list(self.shadow.parameters())
        params = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - self.decay)  # one fused kernel, no host sync
        for b_ema, b in zip(self.shadow.buffers(), model.buffers(), strict=True):
            b_ema.copy_(b)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "shadow": self.shadow.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.decay = state["decay"]
        self.shadow.load_state_dict(state["shadow"])
