"""The coarse-to-fine generator: a channel-sliced supernet and the compact standalone network of one architecture.

Network (sizes from :class:`~pymoo_gan.space.c2f.C2FMacro`): ``head`` Conv3x3 ``in_channels -> channels``; block
``i`` adds ``op(channels -> k) -> ReLU -> op(k -> channels)`` to its input (``k = round(width x channels)``; a skipped
block is the identity); ``up``: per factor 2 of ``scale``, Conv3x3 ``channels -> 4 channels`` -> PixelShuffle(2) ->
ReLU; ``tail`` Conv3x3 ``channels -> out_channels`` -> tanh, so images are in [-1, 1]. No normalisation layers (as
EDSR), so no batch statistics to recalibrate per sub-network. Ops (:data:`~pymoo_gan.space.c2f.OPS`): ``conv3x3``,
``conv5x5``, ``dilated3x3`` (dilation 2) are plain convolutions; ``dwsep3x3`` is depthwise 3x3 (no bias) then
pointwise 1x1, for both layers.

The supernet holds every op of every block once, at full inner width (``k = channels``); a sub-network slices the
first ``k`` channels (:class:`~pymoo_gan.nn.sliced.SlicedConv2d`), so ``supernet(x, arch)`` runs exactly the
computation of ``arch``. :func:`extract_c2f` copies those leading blocks into a :class:`C2FGenerator` built at the
narrow sizes: the same output for the same input, and (by :mod:`pymoo_gan.metrics.cost`) the same MACs.

Example:
    >>> import numpy as np, torch
    >>> from pymoo_gan.space.c2f import C2FMacro, C2FSpace
    >>> space = C2FSpace(C2FMacro(channels=8, n_blocks=3, scale=2))
    >>> supernet = C2FSupernet(space.macro, generator=torch.Generator().manual_seed(0))
    >>> arch = space.decode([0, 1, 0, 1, 0, 0, 0, 2, 3])
    >>> x = torch.rand(2, 1, 8, 8) * 2 - 1
    >>> y = supernet(x, arch)
    >>> tuple(y.shape), torch.equal(extract_c2f(supernet, arch)(x), y)
    ((2, 1, 16, 16), True)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from pymoo_gan.models.extract import check_supernet_arch
from pymoo_gan.nn.ops import init_weights_, rng_scope
from pymoo_gan.nn.sliced import SlicedConv2d, slice_state
from pymoo_gan.space.c2f import C2FArch, C2FMacro, C2FSpace

__all__ = ["C2FGenerator", "C2FSupernet", "OpPair", "build_c2f", "extract_c2f"]

_CONV = {"conv3x3": (3, 1), "conv5x5": (5, 1), "dilated3x3": (3, 2)}  # kernel, dilation


class OpPair(nn.Module):
    """The two layers of a block's op, ``channels -> inner -> channels``; ``forward(x, k)`` runs them at inner width
    ``k <= inner`` (all of ``inner`` by default)."""

    def __init__(self, op: str, channels: int, inner: int):
        super().__init__()
        self.op, self.inner = op, inner
        if op in _CONV:
            size, dil = _CONV[op]
            pad = dil * (size - 1) // 2
            self.first = SlicedConv2d(channels, inner, size, padding=pad, dilation=dil)
            self.second = SlicedConv2d(inner, channels, size, padding=pad, dilation=dil)
        elif op == "dwsep3x3":
            self.first_dw = SlicedConv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
            self.first = SlicedConv2d(channels, inner, 1)
            self.second_dw = SlicedConv2d(inner, inner, 3, padding=1, groups=inner, bias=False)
            self.second = SlicedConv2d(inner, channels, 1)
        else:
            raise ValueError(f"op={op!r} is unknown; allowed: {', '.join([*_CONV, 'dwsep3x3'])}")

    def forward(self, x: Tensor, k: int | None = None) -> Tensor:
        k = self.inner if k is None else k
        if self.op == "dwsep3x3":
            h = torch.relu(self.first(self.first_dw(x), k))
            return self.second(self.second_dw(h))
        return self.second(torch.relu(self.first(x, k)))


class _C2FNet(nn.Module):
    """Head, blocks (``blocks[str(i)][op]``: an :class:`OpPair`), upsampler and tail, shared by both networks."""

    def __init__(self, macro: C2FMacro, ops_of: dict[int, dict[str, int]], generator: torch.Generator | None):
        super().__init__()
        self.macro = macro
        ch = macro.channels
        with rng_scope(generator):
            self.head = nn.Conv2d(macro.in_channels, ch, 3, padding=1)
            self.blocks = nn.ModuleDict({str(i): nn.ModuleDict({op: OpPair(op, ch, inner)
                                                                for op, inner in ops.items()})
                                         for i, ops in ops_of.items()})
            up = []
            for _ in range({1: 0, 2: 1, 4: 2}[macro.scale]):
                up += [nn.Conv2d(ch, 4 * ch, 3, padding=1), nn.PixelShuffle(2), nn.ReLU()]
            self.up = nn.Sequential(*up)
            self.tail = nn.Conv2d(ch, macro.out_channels, 3, padding=1)
        init_weights_(self, generator)

    def _run(self, x: Tensor, arch: C2FArch) -> Tensor:
        m = self.macro
        if x.dim() != 4 or x.shape[1] != m.in_channels:
            raise ValueError(f"input has shape {tuple(x.shape)}; expected (batch, {m.in_channels}, H, W)")
        h = self.head(x)
        for i, block in enumerate(arch.blocks):
            if block is not None:
                h = h + self.blocks[str(i)][block.op](h, m.inner(block.width))
        return torch.tanh(self.tail(self.up(h)))


class C2FGenerator(_C2FNet):
    """The compact standalone generator of ``arch``: only the kept blocks' chosen ops, at their inner widths.

    Args:
        arch: the architecture; ``arch.macro`` gives the sizes.
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, arch: C2FArch, *, generator: torch.Generator | None = None):
        C2FSpace(arch.macro).encode(arch)  # a one-line error for an arch the space does not hold
        ops_of = {i: {b.op: arch.macro.inner(b.width)} for i, b in enumerate(arch.blocks) if b is not None}
        super().__init__(arch.macro, ops_of, generator)
        self.arch = arch

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``(batch, in_channels, H, W)`` -> outputs ``(batch, out_channels, H x scale, W x scale)``."""
        return self._run(x, self.arch)


class C2FSupernet(_C2FNet):
    """Every candidate op of every block at full width; ``forward(x, arch)`` runs ``arch``'s sliced sub-network.

    Args:
        macro: the sizes (default :class:`~pymoo_gan.space.c2f.C2FMacro`).
        generator: draws the initial weights (``None``: torch's global random state).
    """

    standalone_cls = C2FGenerator

    def __init__(self, macro: C2FMacro | None = None, *, generator: torch.Generator | None = None):
        macro = C2FMacro() if macro is None else macro
        ops_of = {i: {op: macro.channels for op in macro.ops} for i in range(macro.n_blocks)}
        super().__init__(macro, ops_of, generator)

    def check_arch(self, arch: C2FArch) -> C2FArch:
        """Return ``arch`` if this supernet can run it, else raise (``TypeError`` / ``ValueError``)."""
        return check_supernet_arch(arch, C2FArch, self.macro, "C2FSpace")

    def forward(self, x: Tensor, arch: C2FArch) -> Tensor:
        return self._run(x, self.check_arch(arch))


def build_c2f(arch: C2FArch, *, generator: torch.Generator | None = None) -> C2FGenerator:
    """A freshly initialised compact generator of ``arch``."""
    return C2FGenerator(arch, generator=generator)


def extract_c2f(supernet: C2FSupernet, arch: C2FArch) -> C2FGenerator:
    """The compact generator of ``arch`` holding copies of the first channels of the supernet's weights (module
    docstring); on the supernet's device and dtype, in its train/eval mode; torch's global random state is kept."""
    arch = supernet.check_arch(arch)
    ref = next(supernet.parameters())
    with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten below
        net = C2FGenerator(arch).to(device=ref.device, dtype=ref.dtype)
    net.load_state_dict(slice_state(supernet.state_dict(), net.state_dict()), strict=True)
    return net.train(supernet.training)
