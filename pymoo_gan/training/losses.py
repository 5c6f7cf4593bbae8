"""GAN losses as pure functions of discriminator outputs (logits)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from pymoo_gan import registry


def d_hinge(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Hinge loss of D: mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))."""
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def g_hinge(fake: torch.Tensor) -> torch.Tensor:
    """Hinge loss of G: -mean(D(G(z)))."""
    return -fake.mean()


def d_non_saturating(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating (logistic) loss of D: softplus(-D(x)) + softplus(D(G(z)))."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def g_non_saturating(fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating loss of G: softplus(-D(G(z)))."""
    return F.softplus(-fake).mean()


def get_loss(name: str):
    """Return ``(d_loss, g_loss)`` of a loss named in :data:`pymoo_gan.registry.LOSSES`; raises ValueError listing the
    allowed names.

    Example:
        >>> get_loss("hinge") == (d_hinge, g_hinge)
        True
    """
    entry = registry.loss(name)
    return entry.d.obj, entry.g.obj
