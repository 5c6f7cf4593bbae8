"""Channel-sliced convolutions: one weight tensor at full width; a narrower layer uses the first channels of it.

:class:`SlicedConv2d` is a ``Conv2d`` whose forward reads as many input channels as the input has and produces the
first ``out_channels`` outputs (all by default): ``weight[:out, :in]`` and ``bias[:out]``. A depthwise convolution
(``groups == in_channels == out_channels``) keeps one filter per channel: ``weight[:in]`` with ``groups = in``. At
full width it computes exactly what ``nn.Conv2d`` computes, so a compact network built of the same layers at the
narrow sizes, holding the first channels of the weights (:func:`slice_state`), has the same output. The cost model
(:mod:`pymoo_gan.metrics.cost`) counts a sliced layer at the channels it reads and writes.

Example:
    >>> import torch
    >>> conv = SlicedConv2d(8, 8, 3, padding=1)
    >>> conv(torch.randn(2, 5, 4, 4), out_channels=3).shape
    torch.Size([2, 3, 4, 4])
"""

from __future__ import annotations

from collections import OrderedDict

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["SlicedConv2d", "slice_state"]


class SlicedConv2d(nn.Conv2d):
    """A ``Conv2d`` that runs on the first channels of its weight (module docstring)."""

    @property
    def depthwise(self) -> bool:
        return self.groups > 1 and self.groups == self.in_channels == self.out_channels

    def forward(self, x: Tensor, out_channels: int | None = None) -> Tensor:
        cin = x.shape[1]
        if self.depthwise:
            if out_channels not in (None, cin):
                raise ValueError(f"a depthwise conv outputs its {cin} input channels, not {out_channels}")
            cout, weight, groups = cin, self.weight[:cin], cin
        elif self.groups == 1:
            cout = self.out_channels if out_channels is None else out_channels
            weight, groups = self.weight[:cout, :cin], 1
        else:
            raise ValueError(f"grouped convs other than depthwise cannot be sliced (groups={self.groups})")
        if not (0 < cin <= self.in_channels and 0 < cout <= self.out_channels):
            raise ValueError(f"{cin} -> {cout} channels do not fit a {self.in_channels} -> {self.out_channels} conv")
        bias = None if self.bias is None else self.bias[:cout]
        return F.conv2d(x, weight, bias, self.stride, self.padding, self.dilation, groups)


def slice_state(source: dict[str, Tensor], target: dict[str, Tensor]) -> OrderedDict:
    """``target``'s keys, each holding the leading block of ``source``'s tensor of that name cut to the target's
    shape (a copy): the weights of a narrow network taken from a wide one.

    Example:
        >>> import torch
        >>> slice_state({"w": torch.arange(6.0).view(2, 3)}, {"w": torch.zeros(1, 2)})["w"]
        tensor([[0., 1.]])
    """
    out = OrderedDict()
    for name, t in target.items():
        if name not in source:
            raise KeyError(f"{name} is not in the source state")
        s = source[name]
        if s.dim() != t.dim() or any(a < b for a, b in zip(s.shape, t.shape, strict=True)):
            raise ValueError(f"{name}: {tuple(t.shape)} is not a leading block of {tuple(s.shape)}")
        out[name] = s[tuple(slice(0, n) for n in t.shape)].clone()
    return out
