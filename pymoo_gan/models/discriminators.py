"""Discriminators: the AutoGAN/SNGAN D, EAGAN's simple 5-conv D, and the EAGAN cell D (supernet and standalone).

All return one logit per image, shape ``(batch, 1)``. Spectral norm (:func:`torch.nn.utils.spectral_norm`) keeps a
power-iteration vector per layer in the buffers ``weight_u``/``weight_v``; it is updated in place by every forward in
train mode, so it is part of the state that ``extract_discriminator`` copies (and part of ``state_dict``).

Parameter counts at ``channels=128``, 3-channel input (independent of the resolution: sum pooling): AutoGAN D
1,053,824 (1.05M); simple D 921,920 (0.922M); cell D = 151,680 (stem) + cells + 128 (linear), e.g. EAGAN's CIFAR-10 D
906,240 (0.906M) and STL-10 D 1,578,112 (1.578M). The final SN-Linear has no bias, as in the released code.

Example:
    >>> import numpy as np, torch
    >>> from pymoo_gan.space import DiscriminatorMacro, EAGANDiscriminatorSpace
    >>> d = build_discriminator("autogan", in_channels=1, channels=16, resolution=16)
    >>> tuple(d(torch.randn(2, 1, 16, 16)).shape)
    (2, 1)
    >>> space = EAGANDiscriminatorSpace(DiscriminatorMacro(channels=16, in_channels=1, resolution=16))
    >>> supernet = CellDiscriminatorSupernet(space.macro).eval()
    >>> arch = space.decode(space.sample(np.random.default_rng(0)))
    >>> x = torch.randn(2, 1, 16, 16)
    >>> torch.equal(supernet(x, arch), extract_discriminator(supernet, arch)(x))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pymoo_gan import registry
from pymoo_gan.models.extract import check_supernet_arch, extract
from pymoo_gan.nn.cells import DisBlock, DownCellBlock, OptimizedDisBlock
from pymoo_gan.nn.ops import batch_norm, conv2d, init_weights_, linear, rng_scope
from pymoo_gan.space.eagan import CellDiscriminatorArch, DiscriminatorMacro, DownCell, EAGANDiscriminatorSpace


def _check_resolution(resolution: int, n_down: int, what: str) -> None:
    """Each of ``n_down`` halvings after the stem's must act on an even size (pools and strided convs then agree)."""
    if not isinstance(resolution, int) or resolution < 2 or resolution % 2 or (resolution // 2) % 2**n_down:
        raise ValueError(f"resolution={resolution!r} does not suit {what}: it needs resolution / 2 divisible by "
                         f"{2**n_down} ({n_down} downsampling cells after the stem)")


def _pool_and_score(h: Tensor, fc: nn.Module) -> Tensor:
    return fc(F.relu(h).sum(dim=(2, 3)))


class AutoGANDiscriminator(nn.Module):
    """The AutoGAN/SNGAN discriminator used by AutoGAN, AdversarialNAS and EAGAN for retraining.

    OptimizedDisBlock(in -> ch, /2) -> DisBlock(/2) -> DisBlock -> DisBlock -> ReLU -> sum pool -> SN-Linear(ch -> 1,
    no bias); every conv spectral-normalised. 1,053,824 parameters at ``channels=128`` with 3 input channels.

    Args:
        in_channels: image channels.
        channels: feature channels (``df_dim``).
        resolution: input size (not structural; checked to be divisible by 4).
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, in_channels: int = 3, channels: int = 128, resolution: int = 32, *,
                 generator: torch.Generator | None = None):
        super().__init__()
        _check_resolution(resolution, 1, "AutoGANDiscriminator")
        self.in_channels, self.resolution = in_channels, resolution
        with rng_scope(generator):
            self.blocks = nn.Sequential(OptimizedDisBlock(in_channels, channels), DisBlock(channels, channels, True),
                                        DisBlock(channels, channels, False), DisBlock(channels, channels, False))
            self.fc = linear(channels, 1, bias=False, sn=True)
        init_weights_(self, generator)

    def forward(self, x: Tensor) -> Tensor:
        return _pool_and_score(self.blocks(x), self.fc)


class SimpleDiscriminator(nn.Module):
    """EAGAN's "simple D" (paper: GD2 setting; released ``simple_Discriminator``), 921,920 parameters at ch=128.

    Five Conv4x4 (padding 1, stride 2 while the feature map is at least 2x2): ``in -> ch/2 -> ch -> ch -> ch -> ch``,
    grouped as in the released code: [conv, BN, LeakyReLU(0.2), conv] [conv, BN, LeakyReLU(0.2), conv] [conv, BN,
    LeakyReLU(0.2)] -> sum pool -> SN-Linear(ch -> 1, no bias). Faithful to the code, convs 2-3 and 4-5 follow each
    other with no nonlinearity in between, BatchNorm is used and only the linear layer is spectral-normalised
    (``spectral_norm=True`` also normalises the convs; the count is unchanged). The released code assumes inputs of
    at least 32x32 (all five convs stride 2, 32 -> 1 or 48 -> 1); smaller inputs use stride 1 ('same' padding)
    in the last convs instead of failing.

    Args:
        in_channels: image channels.
        channels: feature channels (the first conv has ``channels // 2``).
        resolution: input size; sets which convs have stride 2.
        spectral_norm: also spectral-normalise the five convs.
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, in_channels: int = 3, channels: int = 128, resolution: int = 32, *,
                 spectral_norm: bool = False, generator: torch.Generator | None = None):
        super().__init__()
        if not isinstance(resolution, int) or resolution < 2:
            raise ValueError(f"resolution={resolution!r} must be an integer >= 2")
        self.in_channels, self.resolution = in_channels, resolution
        widths = [in_channels, channels // 2, channels, channels, channels, channels]
        with rng_scope(generator):
            convs, size = [], resolution
            for i in range(5):
                stride = 2 if size >= 2 else 1
                size = size // 2 if stride == 2 else size
                conv = conv2d(widths[i], widths[i + 1], 4, stride=stride, padding=1 if stride == 2 else 0,
                              sn=spectral_norm)
                convs.append(conv if stride == 2 else nn.Sequential(nn.ZeroPad2d((1, 2, 1, 2)), conv))  # 'same'

            def act(c):
                return [batch_norm(c), nn.LeakyReLU(0.2)]

            self.features = nn.Sequential(convs[0], *act(widths[1]), convs[1], convs[2], *act(channels), convs[3],
                                          convs[4], *act(channels))
            self.fc = linear(channels, 1, bias=False, sn=True)
        init_weights_(self, generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.features(x).sum(dim=(2, 3)))


class _CellDiscriminatorNet(nn.Module):
    """Stem (OptimizedDisBlock), down-cells ``cells`` and SN head ``fc``, shared by supernet and standalone net."""

    def __init__(self, macro: DiscriminatorMacro, make_cell: Callable[[int], DownCellBlock],
                 generator: torch.Generator | None):
        super().__init__()
        self.macro = macro
        self.in_channels = macro.in_channels
        with rng_scope(generator):
            self.stem = OptimizedDisBlock(macro.in_channels, macro.channels)
            self.cells = nn.ModuleList(make_cell(k) for k in range(macro.n_cells))
            self.fc = linear(macro.channels, 1, bias=False, sn=True)
        init_weights_(self, generator)

    def _discriminate(self, x: Tensor, cells: Sequence[DownCell]) -> Tensor:
        h = self.stem(x)
        for block, cell in zip(self.cells, cells, strict=True):
            h = block(h, cell)
        return _pool_and_score(h, self.fc)


class CellDiscriminator(_CellDiscriminatorNet):
    """Standalone EAGAN cell discriminator of one architecture (only the chosen ops exist).

    OptimizedDisBlock(in -> ch, /2) -> down-cells -> ReLU -> sum pool -> SN-Linear(ch -> 1, no bias).

    Args:
        arch: the architecture; ``arch.macro`` gives the sizes.
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, arch: CellDiscriminatorArch, *, generator: torch.Generator | None = None):
        macro = arch.macro
        space = EAGANDiscriminatorSpace(macro)
        if len(arch.cells) != macro.n_cells:
            raise ValueError(f"arch has {len(arch.cells)} cells; its macro says n_cells={macro.n_cells}")
        try:
            broken = space.violations(space.encode(arch))
        except ValueError as e:
            raise ValueError(f"invalid discriminator arch {arch}: {e}") from None
        if broken:
            raise ValueError(f"invalid discriminator arch {arch}: {'; '.join(msg for _, msg in broken)}")
        _check_resolution(macro.resolution, sum(c.down[0] != "none" for c in arch.cells), f"arch {arch}")
        super().__init__(macro, lambda k: DownCellBlock.for_cell(macro.channels, arch.cells[k]), generator)
        self.arch = arch

    def forward(self, x: Tensor) -> Tensor:
        """Images ``(batch, in_channels, res, res)`` -> logits ``(batch, 1)``."""
        return self._discriminate(x, self.arch.cells)


class CellDiscriminatorSupernet(_CellDiscriminatorNet):
    """Weight-sharing EAGAN cell discriminator holding every candidate op of every edge.

    ``forward(x, arch)`` runs exactly the path of ``arch`` on shared weights (no hidden state); only the chosen
    spectral-norm layers advance their power iteration. ``extract_discriminator(supernet, arch)`` gives the standalone
    copy.

    Args:
        macro: the sizes (default: 128 channels, 3-channel 32x32 input, 3 cells). ``resolution / 2`` must be divisible
            by ``2 ** n_cells`` so that every arch (all cells may downsample) runs.
        generator: draws the initial weights (``None``: torch's global random state).
    """

    standalone_cls = CellDiscriminator

    def __init__(self, macro: DiscriminatorMacro | None = None, *, generator: torch.Generator | None = None):
        macro = macro or DiscriminatorMacro()
        _check_resolution(macro.resolution, macro.n_cells, "CellDiscriminatorSupernet")
        super().__init__(macro, lambda k: DownCellBlock.supernet(macro.channels), generator)

    def check_arch(self, arch: CellDiscriminatorArch) -> CellDiscriminatorArch:
        """Return ``arch`` if this supernet can run it, else raise ``ValueError``."""
        return check_supernet_arch(arch, CellDiscriminatorArch, self.macro, "EAGANDiscriminatorSpace")

    def forward(self, x: Tensor, arch: CellDiscriminatorArch) -> Tensor:
        """Images -> logits ``(batch, 1)`` through the path of ``arch``."""
        return self._discriminate(x, self.check_arch(arch).cells)


def extract_discriminator(supernet: CellDiscriminatorSupernet, arch: CellDiscriminatorArch) -> CellDiscriminator:
    """Standalone :class:`CellDiscriminator` of ``arch`` with copied weights, BN statistics and spectral-norm vectors.

    See :func:`pymoo_gan.models.extract.extract`.
    """
    if not isinstance(supernet, CellDiscriminatorSupernet):
        raise TypeError(f"expected a CellDiscriminatorSupernet, got {type(supernet).__name__}")
    return extract(supernet, arch)


def build_discriminator(name: str, in_channels: int = 3, channels: int = 128, resolution: int = 32, *,
                        generator: torch.Generator | None = None) -> nn.Module:
    """A fixed discriminator by its name in :data:`pymoo_gan.registry.DISCRIMINATORS`: ``"autogan"``
    (:class:`AutoGANDiscriminator`) or ``"simple"`` (:class:`SimpleDiscriminator`).

    Example:
        >>> sum(p.numel() for p in build_discriminator("simple").parameters())
        921920
    """
    return registry.discriminator(name).factory(in_channels=in_channels, channels=channels, resolution=resolution,
                                                generator=generator)
