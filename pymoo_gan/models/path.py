"""``PathModule(supernet, arch)``: one path of a supernet as an ordinary module, sharing the supernet's weights."""

from __future__ import annotations

from typing import Any

from torch import nn


class PathModule(nn.Module):
    """``PathModule(supernet, arch)(x) == supernet(x, arch)``; its parameters *are* the supernet's (nothing is copied),
    so an optimizer of the supernet trains it. Use :func:`extract` for an independent copy.

    Example:
        >>> import torch
        >>> from pymoo_gan.models import CellDiscriminatorSupernet
        >>> from pymoo_gan.space import EAGANDiscriminatorSpace
        >>> supernet = CellDiscriminatorSupernet()
        >>> arch = EAGANDiscriminatorSpace(supernet.macro).decode([2, 0, 3, 0, 2, 1, 1] * 3)
        >>> PathModule(supernet, arch)(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 1])
    """

    def __init__(self, supernet: nn.Module, arch: Any):
        super().__init__()
        self.supernet = supernet
        self.arch = supernet.check_arch(arch)

    def forward(self, x):
        return self.supernet(x, self.arch)
