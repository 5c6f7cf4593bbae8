"""Exponential moving average of a network's weights (the G used for evaluation in the GAN-NAS literature)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps ``shadow``, a frozen copy of ``model`` whose parameters follow ``d * shadow + (1 - d) * model``.

    With ``warmup`` the ``t``-th update (from 0) uses ``d = min(decay, t / (t + 1))``: the shadow is the plain mean of
    the weights seen so far until that mean spans the EMA's horizon ``1 / (1 - decay)``, then the usual EMA. So a short
    run keeps none of the initial weights (a fixed 0.999 over 1,000 updates keeps 37 % of them) and still averages
    over all its steps; a long run is an EMA with ``decay``. Buffers (e.g. BN statistics) are copied as they are.

    Example:
        >>> net = nn.Linear(2, 2); ema = EMA(net, decay=0.999); ema.update(net); ema.current_decay()
        0.5
    """

    def __init__(self, model: nn.Module, decay: float = 0.999, warmup: bool = True):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"ema decay={decay} is not allowed; use 0 <= decay < 1")
        self.decay, self.warmup, self.updates = decay, warmup, 0
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)

    def current_decay(self) -> float:
        """The decay of the next update."""
        return min(self.decay, self.updates / (self.updates + 1)) if self.warmup else self.decay

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        ema_params = list(self.shadow.parameters())
        params = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - self.current_decay())  # one fused kernel, no host sync
        for b_ema, b in zip(self.shadow.buffers(), model.buffers(), strict=True):
            b_ema.copy_(b)
        self.updates += 1

    def state_dict(self) -> dict:
        return {"decay": self.decay, "warmup": self.warmup, "updates": self.updates,
                "shadow": self.shadow.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.decay, self.warmup = state["decay"], state.get("warmup", False)  # states before the warm-up had none
        self.updates = state.get("updates", 0)
        self.shadow.load_state_dict(state["shadow"])
