"""AlphaGAN generators: a single-path supernet, standalone nets and the relaxed (mixed-op) supernet of
:class:`~pymoo_gan.space.alphagan.AlphaGANGeneratorSpace`.

Network (released ``Network_gen_Auto``): ``l1 = Linear(latent -> channels * b * b)``, ``n_cells`` up-cells
(:class:`~pymoo_gan.nn.cells.AlphaGANCellBlock`: node 0 of every cell is its skip-out, added through a searched skip
op to the output of every later cell), head ``to_rgb = BN -> ReLU -> Conv3x3 -> tanh``. Initialisation is
:func:`~pymoo_gan.nn.ops.init_weights_` (AlphaGAN retrains with ``--init_type xavier_uniform``, AutoGAN's
``weights_init``: Xavier for ``Conv2d``, N(1, 0.02) for BN weights, PyTorch defaults for ``Linear`` and
``ConvTranspose2d``).

The three networks share parameter names (``l1``, ``cells.{c}.up.{i}.{op}``, ``cells.{c}.edges.{i}.{op}``,
``cells.{c}.skip_in.{j}.{op}``, ``to_rgb``) and, for one seed, initial weights, so
:func:`~pymoo_gan.models.extract.extract` copies any arch's path out of either supernet. BatchNorm sits in every
sep-conv and in ``to_rgb``: recalibrate the statistics of an extracted net before scoring.

At AlphaGAN's sizes (gf 256, latent 128, 32x32) the standalone alphaGAN(l) has 8,618,499 parameters and alphaGAN(s)
2,952,707 (the paper: 8.618M and 2.953M).

Example:
    >>> import numpy as np, torch
    >>> from pymoo_gan.space.alphagan import AlphaGANGeneratorSpace
    >>> from pymoo_gan.space.eagan import GeneratorMacro
    >>> space = AlphaGANGeneratorSpace(GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1))
    >>> supernet = AlphaGANGeneratorSupernet(space.macro).eval()
    >>> arch = space.decode(space.sample(np.random.default_rng(0)))
    >>> z = torch.randn(4, 12)
    >>> tuple(supernet(z, arch).shape)
    (4, 1, 16, 16)
    >>> from pymoo_gan.models import extract
    >>> torch.equal(extract(supernet, arch)(z), supernet(z, arch))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn

from pymoo_gan.models.extract import check_supernet_arch
from pymoo_gan.models.relaxed import _cell_weights
from pymoo_gan.nn.cells import AlphaGANCellBlock
from pymoo_gan.nn.mixed import MixedAlphaGANCellBlock
from pymoo_gan.nn.ops import batch_norm, conv2d, init_weights_, linear, rng_scope
from pymoo_gan.space.alphagan import ALPHAGAN_MACRO, AlphaGANGeneratorArch, AlphaGANGeneratorSpace
from pymoo_gan.space.eagan import GeneratorMacro
from pymoo_gan.space.relaxation import AlphaGANGeneratorRelaxation

__all__ = ["AlphaGANGenerator", "AlphaGANGeneratorSupernet", "RelaxedAlphaGANGenerator", "build_alphagan_generator"]

_SPACE_NAME = "AlphaGANGeneratorSpace"


class _AlphaGANNet(nn.Module):
    """``l1``, the up-cells ``cells`` and ``to_rgb``, shared by the supernet, the standalone and the relaxed net."""

    def __init__(self, macro: GeneratorMacro, make_cell: Callable[[int], nn.Module],
                 generator: torch.Generator | None):
        super().__init__()
        self.macro = macro
        self.latent_dim = macro.latent_dim
        ch, b = macro.channels, macro.bottom_width
        with rng_scope(generator):
            self.l1 = linear(macro.latent_dim, ch * b * b)
            self.cells = nn.ModuleList(make_cell(k) for k in range(macro.n_cells))
            self.to_rgb = nn.Sequential(batch_norm(ch), nn.ReLU(), conv2d(ch, macro.out_channels, 3, padding=1),
                                        nn.Tanh())
        init_weights_(self, generator)

    def _generate(self, z: Tensor, cells: Sequence) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z has shape {tuple(z.shape)}; expected (batch, {self.latent_dim})")
        b = self.macro.bottom_width
        h = self.l1(z).view(-1, self.macro.channels, b, b)
        skips: list[Tensor] = []
        for block, cell in zip(self.cells, cells, strict=True):
            skip, h = block(h, skips, cell)
            skips.append(skip)
        return self.to_rgb(h)


class AlphaGANGenerator(_AlphaGANNet):
    """Standalone AlphaGAN generator of one architecture (only the chosen op of every edge exists).

    Args:
        arch: the architecture; ``arch.macro`` gives the sizes.
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, arch: AlphaGANGeneratorArch, *, generator: torch.Generator | None = None):
        if not isinstance(arch, AlphaGANGeneratorArch):
            raise TypeError(f"expected an AlphaGANGeneratorArch, got {type(arch).__name__}")
        ch = arch.macro.channels
        super().__init__(arch.macro, lambda k: AlphaGANCellBlock.for_cell(ch, k, arch.cells[k]), generator)
        self.arch = arch

    def forward(self, z: Tensor) -> Tensor:
        """``z`` of shape ``(batch, latent_dim)`` -> images ``(batch, out_channels, res, res)`` in [-1, 1]."""
        return self._generate(z, self.arch.cells)


class AlphaGANGeneratorSupernet(_AlphaGANNet):
    """Weight-sharing AlphaGAN generator holding every candidate op of every edge; ``forward(z, arch)`` runs exactly
    ``arch``'s path (no hidden state).

    Args:
        macro: the sizes (default: AlphaGAN's CIFAR-10 generator, latent 128, 256 channels, bottom width 4).
        generator: draws the initial weights (``None``: torch's global random state).
    """

    standalone_cls = AlphaGANGenerator

    def __init__(self, macro: GeneratorMacro | None = None, *, generator: torch.Generator | None = None):
        macro = macro or ALPHAGAN_MACRO
        super().__init__(macro, lambda k: AlphaGANCellBlock.supernet(macro.channels, k), generator)

    def check_arch(self, arch: AlphaGANGeneratorArch) -> AlphaGANGeneratorArch:
        """Return ``arch`` if this supernet can run it, else raise ``TypeError`` / ``ValueError``."""
        return check_supernet_arch(arch, AlphaGANGeneratorArch, self.macro, _SPACE_NAME)

    def forward(self, z: Tensor, arch: AlphaGANGeneratorArch) -> Tensor:
        """``z`` of shape ``(batch, latent_dim)`` -> images of ``arch`` in [-1, 1]."""
        return self._generate(z, self.check_arch(arch).cells)


class RelaxedAlphaGANGenerator(_AlphaGANNet):
    """AlphaGAN's search network: a mixed op on every up, normal and skip edge; ``forward(z, weights)``.

    Args:
        macro: the sizes (default: AlphaGAN's CIFAR-10 generator).
        generator: draws the initial weights (``None``: torch's global random state).

    Attributes:
        layout: the :class:`~pymoo_gan.space.relaxation.AlphaGANGeneratorRelaxation` of its space; weights are
            ``{"up": (n_cells, 2, 3), "normal": (n_cells, 3, 6), "skip": (n_cells, n_cells - 1, 3)}``.
    """

    standalone_cls = AlphaGANGenerator

    def __init__(self, macro: GeneratorMacro | None = None, *, generator: torch.Generator | None = None):
        macro = macro or ALPHAGAN_MACRO
        super().__init__(macro, lambda k: MixedAlphaGANCellBlock(macro.channels, k), generator)
        self.layout = AlphaGANGeneratorRelaxation(AlphaGANGeneratorSpace(macro))

    def check_arch(self, arch: AlphaGANGeneratorArch) -> AlphaGANGeneratorArch:
        """Return ``arch`` if it can be extracted from this network, else raise ``TypeError`` / ``ValueError``."""
        return check_supernet_arch(arch, AlphaGANGeneratorArch, self.macro, _SPACE_NAME)

    def forward(self, z: Tensor, weights: Mapping[str, Tensor]) -> Tensor:
        """``z`` of shape ``(batch, latent_dim)`` and op weights (``self.layout``) -> images in [-1, 1]."""
        return self._generate(z, _cell_weights(self.layout, weights))


def build_alphagan_generator(arch: AlphaGANGeneratorArch, *,
                             generator: torch.Generator | None = None) -> AlphaGANGenerator:
    """A freshly initialised standalone generator of ``arch``, e.g. for retraining a searched architecture.

    Example:
        >>> from pymoo_gan.space.presets import get_preset
        >>> net = build_alphagan_generator(get_preset("alphagan_s").arch)
        >>> sum(p.numel() for p in net.parameters())
        2952707
    """
    return AlphaGANGenerator(arch, generator=generator)
