"""AutoGAN generators: a weight-sharing supernet over ``AutoGANGeneratorSpace`` and standalone nets built from an arch.

Network: ``Linear(latent -> channels * b * b)`` (the latent is not split), ``n_cells`` up-cells, then the head
``BN -> ReLU -> conv3x3 -> tanh``. An up-cell computes (``up`` is the cell's upsampling, ``sc`` its shortcut)::

    h        = conv1(x)                     # pre: conv(up(relu(norm(x))));  post: relu(norm(conv(up(x))))
    skip_out = h                            # handed to later cells
    h        = h + sum_j skip_conv_j(up_j(skip_out of cell j))   # chosen skip-ins, resized to h
    out      = conv2(h)                     # as conv1, without upsampling
    out      = out + shortcut(up(x))        # when sc: 1x1 conv on the upsampled input

Upsampling by interpolation has no weights; ``deconv`` uses ``ConvTranspose2d(k=2, s=2)``: one in conv1, one for the
shortcut and, for a skip from ``k`` cells back, a chain of ``k`` of them before the skip's 1x1 conv (as AutoGAN's
``skip_deconvx2`` / ``skip_deconvx4``). BN and IN are separate candidates (IN without affine weights or running
statistics, as AutoGAN); pre- and post-activation convs are separate candidates with their own weights.

Released-code variant: AutoGAN adds the skip-ins in place (``h += ...``) to the tensor it already returned as
``skip_out``, so a cell's skip-out also carries its own skip-ins. The default follows the paper (skip-out = output of
the first conv); ``skip_out_includes_skip_in=True`` reproduces the released code. Parameter counts are the same.

At AutoGAN's sizes (gf 256, latent 128) ``AutoGANGenerator`` of AutoGAN-A has 4,405,251 parameters at 32x32 (bottom
width 4) and 5,065,731 at 48x48 (bottom width 6), as the released ``autogan_cifar10_a.Generator``.

Example:
    >>> import torch
    >>> from pymoo_gan.space.autogan import AutoGANGeneratorSpace
    >>> from pymoo_gan.space.eagan import GeneratorMacro
    >>> space = AutoGANGeneratorSpace(GeneratorMacro(latent_dim=16, channels=8, bottom_width=2))
    >>> supernet = AutoGANGeneratorSupernet(space.macro)
    >>> arch = space.decode([1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 3])
    >>> supernet(torch.randn(4, 16), arch).shape
    torch.Size([4, 3, 16, 16])
    >>> from pymoo_gan.models import extract
    >>> net = extract(supernet.eval(), arch)   # standalone copy with only the chosen modules
    >>> z = torch.randn(2, 16)
    >>> torch.equal(net(z), supernet(z, arch))
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from pymoo_gan.space.autogan import AUTOGAN_MACRO, CONV_TYPES, AutoGANCell, AutoGANGeneratorArch
from pymoo_gan.space.eagan import GeneratorMacro

__all__ = ["AutoGANGenerator", "AutoGANGeneratorSupernet", "build_autogan_generator"]

_NORM_CANDIDATES = ("batch", "instance")


def _make_norm(name: str, channels: int) -> nn.Module:
    if name == "batch":
        return nn.BatchNorm2d(channels)
    if name == "instance":
        return nn.InstanceNorm2d(channels)
    raise ValueError(f"unknown norm {name!r}; allowed: {list(_NORM_CANDIDATES)}")


def _deconv(channels: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(channels, channels, kernel_size=2, stride=2)


def _interpolate(x: torch.Tensor, mode: str, size: tuple[int, int] | None = None) -> torch.Tensor:
    align = False if mode == "bilinear" else None
    if size is None:
        return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align)
    return F.interpolate(x, size=size, mode=mode, align_corners=align)


class _ConvBlock(nn.Module):
    """A 3x3 conv with its normalisation candidates and (first conv of a cell) upsampling, pre- or post-activation."""

    def __init__(self, channels: int, *, pre: bool, norms: Iterable[str], deconv: bool):
        super().__init__()
        self.pre = pre
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm = nn.ModuleDict({n: _make_norm(n, channels) for n in norms})
        self.deconv = _deconv(channels) if deconv else None

    def _normalize(self, x: torch.Tensor, norm: str) -> torch.Tensor:
        return x if norm == "none" else self.norm[norm](x)

    def _upsample(self, x: torch.Tensor, up: str | None) -> torch.Tensor:
        if up is None:
            return x
        return self.deconv(x) if up == "deconv" else _interpolate(x, up)

    def forward(self, x: torch.Tensor, norm: str, up: str | None) -> torch.Tensor:
        if self.pre:
            return self.conv(self._upsample(F.relu(self._normalize(x, norm)), up))
        return F.relu(self._normalize(self.conv(self._upsample(x, up)), norm))


class _UpCell(nn.Module):
    """One AutoGAN up-cell holding the given candidates; supernet and standalone cells share this forward."""

    def __init__(self, channels: int, index: int, *, convs: Iterable[str], norms: Iterable[str], deconv: bool,
                 shortcut: bool, skips: Iterable[int]):
        super().__init__()
        convs, norms, skips = tuple(convs), tuple(norms), tuple(skips)
        self.conv1 = nn.ModuleDict({t: _ConvBlock(channels, pre=t == "pre", norms=norms, deconv=deconv)
                                    for t in convs})
        self.conv2 = nn.ModuleDict({t: _ConvBlock(channels, pre=t == "pre", norms=norms, deconv=False)
                                    for t in convs})
        self.shortcut = nn.Conv2d(channels, channels, 1) if shortcut else None
        self.shortcut_deconv = _deconv(channels) if shortcut and deconv else None
        self.skip_convs = nn.ModuleDict({str(j): nn.Conv2d(channels, channels, 1) for j in skips})
        self.skip_deconvs = nn.ModuleDict(
            {str(j): nn.Sequential(*(_deconv(channels) for _ in range(index - j))) for j in skips} if deconv else {}
        )

    def forward(self, x: torch.Tensor, skip_feats: Sequence[torch.Tensor], cell: AutoGANCell,
                skip_out_includes_skip_in: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        up = cell.up
        h = self.conv1[cell.conv](x, cell.norm, up)
        skip_out = h
        for j in cell.skips:
            f = skip_feats[j]
            f = self.skip_deconvs[str(j)](f) if up == "deconv" else _interpolate(f, up, size=tuple(h.shape[-2:]))
            h = h + self.skip_convs[str(j)](f)
        if skip_out_includes_skip_in:
            skip_out = h
        out = self.conv2[cell.conv](h, cell.norm, None)
        if cell.shortcut:
            out = out + self.shortcut(self.shortcut_deconv(x) if up == "deconv" else _interpolate(x, up))
        return skip_out, out


def _to_rgb(channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, out_channels, 3, padding=1),
                         nn.Tanh())


def _xavier_init(module: nn.Module, generator: torch.Generator | None) -> None:
    """Xavier-uniform weights and zero biases for every conv, deconv and linear layer; BN keeps weight 1, bias 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight, generator=generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _check_arch(arch: AutoGANGeneratorArch, macro: GeneratorMacro) -> None:
    if not isinstance(arch, AutoGANGeneratorArch):
        raise TypeError(f"expected an AutoGANGeneratorArch, got {type(arch).__name__}")
    if arch.macro != macro:
        raise ValueError(f"arch was decoded for {arch.macro} but this network is built for {macro}")


def _generate(net: nn.Module, z: torch.Tensor, cells: Sequence[AutoGANCell]) -> torch.Tensor:
    m = net.macro
    h = net.l1(z).view(-1, m.channels, m.bottom_width, m.bottom_width)
    feats: list[torch.Tensor] = []
    for module, cell in zip(net.cells, cells, strict=True):
        skip_out, h = module(h, feats, cell, net.skip_out_includes_skip_in)
        feats.append(skip_out)
    return net.to_rgb(h)


class AutoGANGeneratorSupernet(nn.Module):
    """All AutoGAN generator candidates on shared weights; ``forward(z, arch)`` runs exactly ``arch``'s path.

    Args:
        macro: sizes (latent, channels, bottom width, image channels, cells); ``None`` gives AutoGAN's CIFAR-10 sizes.
        skip_out_includes_skip_in: reproduce the released code's skip-out (see the module docstring).
        generator: torch generator for the Xavier initialisation (``None``: torch's default generator).
    """

    def __init__(self, macro: GeneratorMacro | None = None, *, skip_out_includes_skip_in: bool = False,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.macro = macro or AUTOGAN_MACRO
        self.latent_dim = self.macro.latent_dim
        self.skip_out_includes_skip_in = skip_out_includes_skip_in
        m = self.macro
        self.l1 = nn.Linear(m.latent_dim, m.channels * m.bottom_width**2)
        self.cells = nn.ModuleList(
            _UpCell(m.channels, c, convs=CONV_TYPES, norms=_NORM_CANDIDATES, deconv=True, shortcut=True,
                    skips=range(c))
            for c in range(m.n_cells)
        )
        self.to_rgb = _to_rgb(m.channels, m.out_channels)
        _xavier_init(self, generator)

    @property
    def standalone_cls(self):
        """What :func:`pymoo_gan.models.extract` builds a path with: :class:`AutoGANGenerator` with this supernet's
        skip-out variant (same parameter names as the supernet)."""
        return partial(AutoGANGenerator, skip_out_includes_skip_in=self.skip_out_includes_skip_in)

    def check_arch(self, arch: AutoGANGeneratorArch) -> AutoGANGeneratorArch:
        """Return ``arch`` if this supernet can run it, else raise ``TypeError`` / ``ValueError``."""
        _check_arch(arch, self.macro)
        return arch

    def forward(self, z: torch.Tensor, arch: AutoGANGeneratorArch) -> torch.Tensor:
        """Images in [-1, 1] of shape ``(N, out_channels, res, res)`` from ``z`` of shape ``(N, latent_dim)``."""
        return _generate(self, z, self.check_arch(arch).cells)

    def extra_repr(self) -> str:
        return f"macro={self.macro}, skip_out_includes_skip_in={self.skip_out_includes_skip_in}"


class AutoGANGenerator(nn.Module):
    """A standalone AutoGAN generator holding only the modules that ``arch`` uses.

    Args:
        arch: the architecture; ``arch.macro`` gives the sizes.
        skip_out_includes_skip_in: reproduce the released code's skip-out (see the module docstring).
        generator: torch generator for the Xavier initialisation (``None``: torch's default generator).
    """

    def __init__(self, arch: AutoGANGeneratorArch, *, skip_out_includes_skip_in: bool = False,
                 generator: torch.Generator | None = None):
        super().__init__()
        _check_arch(arch, arch.macro)
        self.arch = arch
        self.macro = arch.macro
        self.latent_dim = arch.macro.latent_dim
        self.skip_out_includes_skip_in = skip_out_includes_skip_in
        m = self.macro
        self.l1 = nn.Linear(m.latent_dim, m.channels * m.bottom_width**2)
        self.cells = nn.ModuleList(
            _UpCell(m.channels, c, convs=(cell.conv,), norms=() if cell.norm == "none" else (cell.norm,),
                    deconv=cell.up == "deconv", shortcut=cell.shortcut, skips=cell.skips)
            for c, cell in enumerate(arch.cells)
        )
        self.to_rgb = _to_rgb(m.channels, m.out_channels)
        _xavier_init(self, generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] of shape ``(N, out_channels, res, res)`` from ``z`` of shape ``(N, latent_dim)``."""
        return _generate(self, z, self.arch.cells)

    def extra_repr(self) -> str:
        return f"arch='{self.arch}', skip_out_includes_skip_in={self.skip_out_includes_skip_in}"


def build_autogan_generator(arch: AutoGANGeneratorArch, *, skip_out_includes_skip_in: bool = False,
                            generator: torch.Generator | None = None) -> AutoGANGenerator:
    """A freshly (Xavier-) initialised standalone generator of ``arch``, e.g. for retraining a searched architecture.

    Example:
        >>> from pymoo_gan.space.autogan import PRESETS
        >>> net = build_autogan_generator(PRESETS["autogan_a_cifar10"].arch)
        >>> round(sum(p.numel() for p in net.parameters()) / 1e6, 2)
        4.41
    """
    return AutoGANGenerator(arch, skip_out_includes_skip_in=skip_out_includes_skip_in, generator=generator)
