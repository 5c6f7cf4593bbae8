"""Relaxed (mixed-op) supernets for differentiable search, their architecture parameters and extraction.

:class:`RelaxedCellGenerator` and :class:`RelaxedCellDiscriminator` are the EAGAN / AdversarialNAS cell networks with a
:class:`~pymoo_gan.nn.mixed.MixedOp` on every searched edge (AlphaGAN's relaxed generator, on its own space, is
:class:`pymoo_gan.models.alphagan.RelaxedAlphaGANGenerator`; it uses the same weights layout, ``ArchParameters`` and
``extract_relaxed``). ``forward(x, weights)`` takes per-edge op weights as a
dict of tensors laid out by ``net.layout`` (a torch-free :class:`~pymoo_gan.space.relaxation.Relaxation`: one tensor
``(n_cells, n_edges, n_options)`` per edge group); the caller computes them, e.g. from :class:`ArchParameters`.

**Where the architecture parameters live.** Not in the networks: ``net.parameters()`` are weights only. The logits
(``alphas``) are an :class:`ArchParameters` module of their own, so a search algorithm gives them their own
optimizer, checkpoints them separately and may keep several sets (AlphaGAN's worst-case copies) for one network.

**Extraction.** A relaxed network has the single-path supernet's parameter names (and, for the same seed, its
initial weights; each loads the other's ``state_dict``), so :func:`extract_relaxed` (the generic
:func:`~pymoo_gan.models.extract.extract`) returns the registry's standalone network of an arch with copied weights,
spectral-norm vectors and BN statistics. With ``layout.one_hot(arch)`` weights the relaxed output equals the
standalone's exactly, in eval mode and in train mode (BN then uses batch statistics; each chosen spectral norm does the
same power iteration). In eval mode the generator's ``to_rgb`` BN uses running statistics gathered on the *mixed*
network, so recalibrate them on the extracted network before scoring (:func:`pymoo_gan.training.bn.recalibrate_bn`).

Example:
    >>> import numpy as np, torch
    >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
    >>> macro = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)
    >>> net = RelaxedCellGenerator(macro, generator=torch.Generator().manual_seed(0)).eval()
    >>> alphas = ArchParameters(net.layout, generator=torch.Generator().manual_seed(1))
    >>> z = torch.randn(4, 12)
    >>> tuple(net(z, alphas.softmax()).shape)
    (4, 1, 16, 16)
    >>> arch = alphas.derive()                                  # argmax + the space's rules
    >>> torch.equal(net(z, one_hot_weights(net, arch)), extract_relaxed(net, arch)(z))
    True
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pymoo_gan.models.cell_generator import CellGenerator, _CellGeneratorNet
from pymoo_gan.models.discriminators import CellDiscriminator, _CellDiscriminatorNet, _check_resolution
from pymoo_gan.models.extract import check_supernet_arch, extract
from pymoo_gan.nn.mixed import MixedDownCellBlock, MixedUpCellBlock
from pymoo_gan.space.eagan import (
    CellDiscriminatorArch,
    CellGeneratorArch,
    DiscriminatorMacro,
    EAGANDiscriminatorSpace,
    EAGANGeneratorSpace,
    GeneratorMacro,
)
from pymoo_gan.space.relaxation import EAGANDiscriminatorRelaxation, EAGANGeneratorRelaxation, Relaxation


class ArchParameters(nn.Module):
    """Architecture logits (``alphas``) of a relaxation: one ``nn.Parameter`` per edge group, shaped by the layout.

    Args:
        layout: the relaxation (``net.layout``).
        scale: initial logits are ``scale * N(0, 1)`` (AdversarialNAS: 1e-3).
        generator: draws the initial logits (``None``: torch's global random state).
    """

    def __init__(self, layout: Relaxation, *, scale: float = 1e-3, generator: torch.Generator | None = None):
        super().__init__()
        self.layout = layout
        self.alphas = nn.ParameterDict({
            name: nn.Parameter(scale * torch.randn(shape, generator=generator))
            for name, shape in layout.shapes().items()})

    def softmax(self) -> dict[str, Tensor]:
        """Op weights: softmax of the logits over each edge's options (the last axis)."""
        return {name: a.softmax(dim=-1) for name, a in self.alphas.items()}

    def gumbel_softmax(self, tau: float, *, hard: bool = False,
                       generator: torch.Generator | None = None) -> dict[str, Tensor]:
        """Op weights ``softmax((alphas + Gumbel noise) / tau)`` over the last axis, the noise drawn from ``generator``
        (on the logits' device). ``hard=True`` gives one-hot weights with the soft weights' gradient (straight-through).
        The logits themselves are perturbed (not their softmax, as in the released AdversarialNAS code)."""
        out = {}
        for name, a in self.alphas.items():
            u = torch.rand(a.shape, generator=generator, device=a.device, dtype=a.dtype)
            gumbel = -torch.log(-torch.log(u.clamp_min(torch.finfo(a.dtype).tiny)))
            y = ((a + gumbel) / tau).softmax(dim=-1)
            if hard:
                one_hot = F.one_hot(y.argmax(dim=-1), y.shape[-1]).to(y.dtype)
                y = one_hot - y.detach() + y
            out[name] = y
        return out

    def derive(self):
        """The discrete architecture of the current logits (``layout.derive`` of their softmax)."""
        return self.layout.derive({k: v.detach().cpu().double().numpy() for k, v in self.softmax().items()})


def _cell_weights(layout: Relaxation, weights: Mapping[str, Tensor]) -> list[dict[str, Tensor]]:
    """Check ``weights`` against ``layout`` and split them per cell."""
    shapes = layout.shapes()
    if not isinstance(weights, Mapping) or set(weights) != set(shapes):
        got = sorted(weights) if isinstance(weights, Mapping) else type(weights).__name__
        raise ValueError(f"weights must be a dict with the groups {sorted(shapes)}; got {got}")
    for name, shape in shapes.items():
        if not isinstance(weights[name], Tensor) or tuple(weights[name].shape) != shape:
            got = tuple(weights[name].shape) if isinstance(weights[name], Tensor) else type(weights[name]).__name__
            raise ValueError(f"weights[{name!r}] must be a tensor of shape {shape}; got {got}")
    return [{name: w[k] for name, w in weights.items()} for k in range(layout.n_cells)]


class RelaxedCellGenerator(_CellGeneratorNet):
    """EAGAN / AdversarialNAS cell generator with a mixed op on every edge (up-edges and normal edges).

    Args:
        macro: the sizes (default: EAGAN's CIFAR-10 generator).
        generator: draws the initial weights (``None``: torch's global random state).

    Attributes:
        layout: the :class:`~pymoo_gan.space.relaxation.EAGANGeneratorRelaxation` of its space; weights are
            ``{"up": (n_cells, 2, 3), "normal": (n_cells, 5, 7)}``.
    """

    standalone_cls = CellGenerator

    def __init__(self, macro: GeneratorMacro | None = None, *, generator: torch.Generator | None = None):
        macro = macro or GeneratorMacro()
        super().__init__(macro, lambda k, mode: MixedUpCellBlock(macro.channels, k, mode), generator)
        self.layout = EAGANGeneratorRelaxation(EAGANGeneratorSpace(macro))

    def check_arch(self, arch: CellGeneratorArch) -> CellGeneratorArch:
        """Return ``arch`` if it can be extracted from this network, else raise ``TypeError`` / ``ValueError``."""
        return check_supernet_arch(arch, CellGeneratorArch, self.macro, "EAGANGeneratorSpace")

    def forward(self, z: Tensor, weights: Mapping[str, Tensor]) -> Tensor:
        """``z`` of shape ``(batch, latent_dim)`` and op weights (``self.layout``) -> images in [-1, 1]."""
        return self._generate(z, _cell_weights(self.layout, weights))


class RelaxedCellDiscriminator(_CellDiscriminatorNet):
    """EAGAN cell discriminator with a mixed op on every edge; every cell downsamples (AdversarialNAS's search D).

    Args:
        macro: the sizes (default: 128 channels, 3-channel 32x32 input, 3 cells); ``resolution / 2`` must be divisible
            by ``2 ** n_cells``.
        generator: draws the initial weights (``None``: torch's global random state).

    Attributes:
        layout: the :class:`~pymoo_gan.space.relaxation.EAGANDiscriminatorRelaxation` of its space; weights are
            ``{"c0": (n_cells, 1, 6), "normal": (n_cells, 4, 7), "down": (n_cells, 2, 6)}``.
    """

    standalone_cls = CellDiscriminator

    def __init__(self, macro: DiscriminatorMacro | None = None, *, generator: torch.Generator | None = None):
        macro = macro or DiscriminatorMacro()
        _check_resolution(macro.resolution, macro.n_cells, "RelaxedCellDiscriminator")
        super().__init__(macro, lambda k: MixedDownCellBlock(macro.channels), generator)
        self.layout = EAGANDiscriminatorRelaxation(EAGANDiscriminatorSpace(macro))

    def check_arch(self, arch: CellDiscriminatorArch) -> CellDiscriminatorArch:
        """Return ``arch`` if it can be extracted from this network, else raise ``TypeError`` / ``ValueError``."""
        return check_supernet_arch(arch, CellDiscriminatorArch, self.macro, "EAGANDiscriminatorSpace")

    def forward(self, x: Tensor, weights: Mapping[str, Tensor]) -> Tensor:
        """Images ``(batch, in_channels, res, res)`` and op weights (``self.layout``) -> logits ``(batch, 1)``."""
        return self._discriminate(x, _cell_weights(self.layout, weights))


def one_hot_weights(relaxed: RelaxedCellGenerator | RelaxedCellDiscriminator,
                    arch: CellGeneratorArch | CellDiscriminatorArch) -> dict[str, Tensor]:
    """``relaxed.layout.one_hot(arch)`` as tensors on ``relaxed``'s device and dtype."""
    ref = next(relaxed.parameters())
    return {k: torch.as_tensor(v, device=ref.device, dtype=ref.dtype) for k, v in relaxed.layout.one_hot(arch).items()}


def extract_relaxed(relaxed: RelaxedCellGenerator | RelaxedCellDiscriminator,
                    arch: CellGeneratorArch | CellDiscriminatorArch) -> CellGenerator | CellDiscriminator:
    """The registry's standalone network of ``arch`` holding copies of ``relaxed``'s weights on that path.

    Equal to ``relaxed(x, one_hot(arch))`` (see the module docstring); any arch of the space can be extracted, also
    a discriminator arch whose cells keep their resolution (their down ops are simply not copied).
    """
    if not isinstance(getattr(relaxed, "layout", None), Relaxation):
        raise TypeError(f"expected a relaxed network (with a .layout), got {type(relaxed).__name__}")
    return extract(relaxed, arch)
