"""The EAGAN / AdversarialNAS cell generator: a weight-sharing supernet and the standalone network of one arch.

Macro (EAGAN, AdversarialNAS): the latent vector is split evenly into ``n_cells`` chunks. Chunk 0 -> Linear ->
``(channels, b, b)`` is the input of cell 0; chunk ``k > 0`` -> Linear -> ``(channels, b*2^k, b*2^k)`` is added to the
output of cell ``k-1`` (``l1, l2, l3`` for 3 cells). Each up-cell doubles the resolution; node 2 of cell ``k`` also
receives the node-2 outputs of all earlier cells, interpolated with the fixed mode ``SKIP_MODES[k]`` (cycling for more
than 3 cells) and passed through a Conv1x1 each. Head ``to_rgb`` = BN -> ReLU -> Conv3x3 -> tanh, so images lie in
[-1, 1]. Only ``to_rgb`` has BatchNorm, so recalibrate its statistics per path before scoring.

Example:
    >>> import numpy as np, torch
    >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
    >>> space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1))
    >>> supernet = CellGeneratorSupernet(space.macro)
    >>> arch = space.decode(space.sample(np.random.default_rng(0)))
    >>> tuple(supernet(torch.randn(4, 12), arch).shape)
    (4, 1, 16, 16)
    >>> net = build_generator(arch)          # freshly initialised standalone net
    >>> net.latent_dim, net.arch == arch
    (12, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from pymoo_gan.models.extract import check_supernet_arch
from pymoo_gan.nn.cells import UpCellBlock
from pymoo_gan.nn.ops import batch_norm, conv2d, init_weights_, linear, rng_scope
from pymoo_gan.space.eagan import SKIP_MODES, CellGeneratorArch, EAGANGeneratorSpace, GeneratorMacro, UpCell


class _CellGeneratorNet(nn.Module):
    """Latent projections ``fc``, up-cells ``cells`` and head ``to_rgb``, shared by supernet and standalone net."""

    def __init__(self, macro: GeneratorMacro, make_cell: Callable[[int, str], UpCellBlock],
                 generator: torch.Generator | None):
        super().__init__()
        if macro.latent_dim % macro.n_cells:
            raise ValueError(f"latent_dim={macro.latent_dim} must be divisible by n_cells={macro.n_cells}")
        self.macro = macro
        self.latent_dim = macro.latent_dim
        ch, b = macro.channels, macro.bottom_width
        self._chunk = macro.latent_dim // macro.n_cells
        with rng_scope(generator):
            self.fc = nn.ModuleList(linear(self._chunk, ch * (b * 2**k) ** 2) for k in range(macro.n_cells))
            self.cells = nn.ModuleList(make_cell(k, SKIP_MODES[k % len(SKIP_MODES)]) for k in range(macro.n_cells))
            self.to_rgb = nn.Sequential(batch_norm(ch), nn.ReLU(), conv2d(ch, macro.out_channels, 3, padding=1),
                                        nn.Tanh())
        init_weights_(self, generator)

    def _generate(self, z: Tensor, cells: Sequence[UpCell]) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z has shape {tuple(z.shape)}; expected (batch, {self.latent_dim})")
        ch, b = self.macro.channels, self.macro.bottom_width
        h, skips = None, []
        chunks = z.split(self._chunk, dim=1)
        for k, (fc, block, cell, chunk) in enumerate(zip(self.fc, self.cells, cells, chunks, strict=True)):
            x = fc(chunk).view(-1, ch, b << k, b << k)
            skip, h = block(x if h is None else h + x, skips, cell)
            skips.append(skip)
        return self.to_rgb(h)


class CellGenerator(_CellGeneratorNet):
    """Standalone generator of one architecture: only the chosen ops exist (a ``none`` edge has no module).

    Attributes ``arch`` and ``latent_dim`` describe it for export. Up-edges whose node feeds only ``none`` edges keep
    their module (not run), as in the released code, so parameter counts match the papers.

    Args:
        arch: the architecture; ``arch.macro`` gives the sizes.
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, arch: CellGeneratorArch, *, generator: torch.Generator | None = None):
        space = EAGANGeneratorSpace(arch.macro)
        broken = space.violations(_encode(space, arch))
        if broken:
            raise ValueError(f"invalid generator arch {arch}: {'; '.join(msg for _, msg in broken)}")
        ch = arch.macro.channels
        super().__init__(arch.macro, lambda k, mode: UpCellBlock.for_cell(ch, arch.cells[k], k, mode), generator)
        self.arch = arch

    def forward(self, z: Tensor) -> Tensor:
        """``z`` of shape ``(batch, latent_dim)`` -> images ``(batch, out_channels, res, res)`` in [-1, 1]."""
        return self._generate(z, self.arch.cells)


class CellGeneratorSupernet(_CellGeneratorNet):
    """Weight-sharing generator holding every candidate op of every edge (``nn.ModuleDict`` per edge).

    ``forward(z, arch)`` runs exactly the path of ``arch`` (same code as :class:`CellGenerator`), so unchosen ops get
    no gradient; there is no hidden state. ``extract(supernet, arch)`` gives the standalone copy.

    Args:
        macro: the sizes (default: EAGAN's CIFAR-10 generator, latent 120, 256 channels, bottom width 4).
        generator: draws the initial weights (``None``: torch's global random state).
    """

    standalone_cls = CellGenerator

    def __init__(self, macro: GeneratorMacro | None = None, *, generator: torch.Generator | None = None):
        macro = macro or GeneratorMacro()
        super().__init__(macro, lambda k, mode: UpCellBlock.supernet(macro.channels, k, mode), generator)

    def check_arch(self, arch: CellGeneratorArch) -> CellGeneratorArch:
        """Return ``arch`` if this supernet can run it, else raise ``ValueError``."""
        return check_supernet_arch(arch, CellGeneratorArch, self.macro, "EAGANGeneratorSpace")

    def forward(self, z: Tensor, arch: CellGeneratorArch) -> Tensor:
        """``z`` of shape ``(batch, latent_dim)`` -> images of ``arch`` in [-1, 1]."""
        return self._generate(z, self.check_arch(arch).cells)


def build_generator(arch: CellGeneratorArch, *, generator: torch.Generator | None = None) -> CellGenerator:
    """A freshly initialised standalone generator of ``arch`` (sizes from ``arch.macro``)."""
    return CellGenerator(arch, generator=generator)


def _encode(space, arch):
    if len(arch.cells) != space.macro.n_cells:
        raise ValueError(f"arch has {len(arch.cells)} cells; its macro says n_cells={space.macro.n_cells}")
    try:
        return space.encode(arch)
    except ValueError as e:  # an op name that is not in the space
        raise ValueError(f"invalid arch {arch}: {e}") from None
