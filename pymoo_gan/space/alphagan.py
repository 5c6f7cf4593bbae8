"""The AlphaGAN generator space (Tian et al., TPAMI 2021; ``yuesongtian/AlphaGAN`` ``Network_gen_Auto``): AutoGAN's
macro skeleton with **every edge searched**, including the up-sampling and the cross-cell skip edges.

Network: ``Linear(latent -> channels * b * b)`` (the latent is not split), ``n_cells`` up-cells, then the head
``BN -> ReLU -> conv3x3 -> tanh``. Cell ``c`` (input ``x``) computes::

    node0 = up0(x)                    # x2; AlphaGAN's ft_1, also the cell's skip-out
    node1 = up1(x)                    # x2; ft_3, the shortcut branch
    node2 = c0(node0)                 # ft_2
    out   = c1(node2) + c2(node1) + sum_{j < c} skip_j(node0 of cell j)    # ft_4

Genes per cell ``c`` (gene names ``cell{c}.up0, up1, c0, c1, c2, skip0 .. skip{c-1}``, option order as the released
``PRIMITIVES_UP`` / ``PRIMITIVES_NORMAL_GEN_wo_skip_none_sep``, so gene values equal the released indices):

=========  ==========================================================================================================
genes      options
=========  ==========================================================================================================
up0, up1   ``UP_OPS``: ``deconv`` (ConvTranspose2d 2x2 stride 2, with bias), ``nearest``, ``bilinear`` (parameter-free
           interpolation x2)
c0, c1, c2 ``NORMAL_OPS``: ``conv_1x1/3x3/5x5`` (ReLU -> Conv with bias) and ``sep_conv_3x3/5x5/7x7`` (DARTS SepConv:
           twice ReLU -> depthwise conv -> pointwise conv -> BN)
skip{j}    ``UP_OPS`` for the edge from cell ``j``'s node 0 to cell ``c``'s output, up-sampling by ``2**(c - j)``: the
           interpolations repeat x2 ``c - j`` times, ``deconv`` applies **one** ConvTranspose ``c - j`` times (as the
           released stride-4 skip)
=========  ==========================================================================================================

3 cells give ``5 + 6 + 7 = 18`` genes and ``(3**2 * 6**3)**3 * 3**3 = 1.98e11`` architectures (the paper: "about
2e11"). There is no ``none`` op, so every genotype is valid (no structural constraints, no repair needed).

Deviations from the released code (and why):

* **n_cells.** The released network has exactly 3 cells with skip edges cell 1 -> 2, cells 1, 2 -> 3. Here any
  ``n_cells`` works and cell ``c`` gets a skip edge from *every* earlier cell; for 3 cells this is exactly AlphaGAN's
  wiring (gene ``cell2.skip0`` is its stride-4 ``skip_3[0]``, ``cell2.skip1`` its ``skip_3[1]``).
* **Sep-conv BN.** The released *search* network builds its ops with ``affine=False`` (DARTS) but the derived network
  with ``affine=True``; here both use affine BN, so the relaxed supernet, the single-path supernet and the standalone
  net share parameter names and one-hot relaxed outputs equal the extracted net (the published parameter counts
  include the affine weights).
* **Bilinear interpolation** uses ``align_corners=False`` explicitly (the released call relies on that default).

Example:
    >>> space = AlphaGANGeneratorSpace()
    >>> space.n_var, space.size
    (18, 198359290368)
    >>> arch = space.decode(space.encode(ALPHAGAN_L_ARCH))
    >>> str(arch.cells[2])
    'nearest+bilinear: conv_1x1,conv_5x5,sep_conv_3x3 skip<bilinear,nearest'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pymoo_gan.space.base import Choice, Preset, SearchSpace
from pymoo_gan.space.eagan import GeneratorMacro

UP_OPS = ("deconv", "nearest", "bilinear")
NORMAL_OPS = ("conv_1x1", "conv_3x3", "conv_5x5", "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7")

ALPHAGAN_MACRO = GeneratorMacro(latent_dim=128, channels=256, bottom_width=4, out_channels=3, n_cells=3)
"""AlphaGAN's retraining sizes on CIFAR-10 (README ``train_geno_gan.py``: gf 256, latent 128, 4x4 -> 32x32)."""


@dataclass(frozen=True)
class AlphaGANCell:
    """One up-cell: the two up ops, the three normal ops (``c0: node0 -> node2``, ``c1: node2 -> out``,
    ``c2: node1 -> out``) and one skip op per earlier cell (``skips[j]``: from cell ``j``'s node 0)."""

    up: tuple[str, str]
    edges: tuple[str, str, str]
    skips: tuple[str, ...] = ()

    def __post_init__(self):
        for name, n, options in (("up", 2, UP_OPS), ("edges", 3, NORMAL_OPS), ("skips", None, UP_OPS)):
            value = tuple(getattr(self, name))
            object.__setattr__(self, name, value)
            if n is not None and len(value) != n:
                raise ValueError(f"AlphaGANCell.{name}={value!r} needs {n} ops")
            bad = [v for v in value if v not in options]
            if bad:
                raise ValueError(f"AlphaGANCell.{name}: unknown op(s) {bad}; allowed: {list(options)}")

    def __str__(self) -> str:
        out = f"{'+'.join(self.up)}: {','.join(self.edges)}"
        return out + (" skip<" + ",".join(self.skips) if self.skips else "")


@dataclass(frozen=True)
class AlphaGANGeneratorArch:
    """An AlphaGAN generator: one :class:`AlphaGANCell` per up-cell, cell ``c`` with ``c`` skip ops; ``macro`` holds
    its sizes so the arch alone builds it."""

    cells: tuple[AlphaGANCell, ...]
    macro: GeneratorMacro = field(default=ALPHAGAN_MACRO)

    def __post_init__(self):
        object.__setattr__(self, "cells", tuple(self.cells))
        if len(self.cells) != self.macro.n_cells:
            raise ValueError(f"{len(self.cells)} cells given but macro.n_cells={self.macro.n_cells}")
        for c, cell in enumerate(self.cells):
            if not isinstance(cell, AlphaGANCell):
                raise ValueError(f"cell {c} is a {type(cell).__name__}, not an AlphaGANCell")
            if len(cell.skips) != c:
                raise ValueError(f"cell {c} has {len(cell.skips)} skip ops; it needs one per earlier cell ({c})")

    def __str__(self) -> str:
        return " | ".join(str(c) for c in self.cells)


def _cell_genes(c: int) -> int:
    return 5 + c


class AlphaGANGeneratorSpace(SearchSpace[AlphaGANGeneratorArch]):
    """AlphaGAN's generator space: ``5 + c`` categorical genes for cell ``c`` (see the module docstring).

    Args:
        macro: sizes that are not searched; ``None`` gives AlphaGAN's CIFAR-10 sizes (:data:`ALPHAGAN_MACRO`).
    """

    def __init__(self, macro: GeneratorMacro | None = None):
        self.macro = macro or ALPHAGAN_MACRO
        genes = []
        for c in range(self.macro.n_cells):
            genes += [Choice(f"cell{c}.up0", UP_OPS), Choice(f"cell{c}.up1", UP_OPS)]
            genes += [Choice(f"cell{c}.c{i}", NORMAL_OPS) for i in range(3)]
            genes += [Choice(f"cell{c}.skip{j}", UP_OPS) for j in range(c)]
        self.genes = tuple(genes)

    def __repr__(self) -> str:
        return f"AlphaGANGeneratorSpace({self.macro})"

    def _decode(self, g):
        cells, i = [], 0
        for c in range(self.macro.n_cells):
            k = g[i: i + _cell_genes(c)]
            cells.append(AlphaGANCell(up=(UP_OPS[k[0]], UP_OPS[k[1]]), edges=tuple(NORMAL_OPS[v] for v in k[2:5]),
                                      skips=tuple(UP_OPS[v] for v in k[5:])))
            i += _cell_genes(c)
        return AlphaGANGeneratorArch(cells=tuple(cells), macro=self.macro)

    def _encode(self, arch):
        if not isinstance(arch, AlphaGANGeneratorArch):
            raise ValueError(f"expected an AlphaGANGeneratorArch, got {type(arch).__name__}")
        if len(arch.cells) != self.macro.n_cells:
            raise ValueError(f"arch has {len(arch.cells)} cells; this space has {self.macro.n_cells}")
        out = []
        for cell in arch.cells:
            out += [UP_OPS.index(u) for u in cell.up] + [NORMAL_OPS.index(e) for e in cell.edges]
            out += [UP_OPS.index(s) for s in cell.skips]
        return out


# ---- the published generators (models/genotypes.py of the released code) -----------------------------------------
def _cell(up, normal, skips=()) -> AlphaGANCell:
    return AlphaGANCell(up=tuple(up), edges=tuple(normal), skips=tuple(skips))


# alphaGAN_l = Genotype_gen(normal={'1': [conv_5x5, conv_5x5, sep_conv_5x5], '2': [conv_5x5, conv_1x1, conv_3x3],
#   '3': [conv_1x1, conv_5x5, sep_conv_3x3]}, up={'1': [deconv, bilinear], '2': [deconv, bilinear],
#   '3': [nearest, bilinear]}, skip_2=[nearest], skip_3=[bilinear, nearest])
ALPHAGAN_L_CELLS = (
    _cell(("deconv", "bilinear"), ("conv_5x5", "conv_5x5", "sep_conv_5x5")),
    _cell(("deconv", "bilinear"), ("conv_5x5", "conv_1x1", "conv_3x3"), ("nearest",)),
    _cell(("nearest", "bilinear"), ("conv_1x1", "conv_5x5", "sep_conv_3x3"), ("bilinear", "nearest")),
)
# alphaGAN_s = Genotype_gen(normal={'1': [conv_1x1, sep_conv_3x3, conv_1x1], '2': [sep_conv_5x5, sep_conv_3x3,
#   sep_conv_3x3], '3': [sep_conv_5x5, sep_conv_3x3, sep_conv_3x3]}, up={'1': [bilinear, deconv],
#   '2': [deconv, deconv], '3': [deconv, nearest]}, skip_2=[nearest], skip_3=[deconv, bilinear])
ALPHAGAN_S_CELLS = (
    _cell(("bilinear", "deconv"), ("conv_1x1", "sep_conv_3x3", "conv_1x1")),
    _cell(("deconv", "deconv"), ("sep_conv_5x5", "sep_conv_3x3", "sep_conv_3x3"), ("nearest",)),
    _cell(("deconv", "nearest"), ("sep_conv_5x5", "sep_conv_3x3", "sep_conv_3x3"), ("deconv", "bilinear")),
)
ALPHAGAN_L_ARCH = AlphaGANGeneratorArch(cells=ALPHAGAN_L_CELLS)
ALPHAGAN_S_ARCH = AlphaGANGeneratorArch(cells=ALPHAGAN_S_CELLS)

ALPHAGAN_STL10_MACRO = GeneratorMacro(latent_dim=128, channels=256, bottom_width=6, out_channels=3, n_cells=3)
"""AlphaGAN's STL-10 retraining sizes (README: ``--bottom_width 6 --img_size 48``)."""

_SOURCE = "Tian et al., AlphaGAN, TPAMI 2021 (arXiv 2006.09134); yuesongtian/AlphaGAN models/genotypes.py"

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("alphagan_l", "generator", ALPHAGAN_L_ARCH, 8.618,
               f"{_SOURCE} alphaGAN_l; paper 8.618M at gf 256, latent 128, 32x32 (recalled, not re-checked against "
               "the paper; equal to the count of the released Network_gen_Auto)"),
        Preset("alphagan_s", "generator", ALPHAGAN_S_ARCH, 2.953,
               f"{_SOURCE} alphaGAN_s; paper 2.953M at gf 256, latent 128, 32x32 (recalled, not re-checked against "
               "the paper; equal to the count of the released Network_gen_Auto)"),
        Preset("alphagan_l_stl10", "generator", AlphaGANGeneratorArch(ALPHAGAN_L_CELLS, ALPHAGAN_STL10_MACRO), 9.28,
               f"{_SOURCE} alphaGAN_l at 48x48 (bottom width 6); count of the released Network_gen_Auto"),
        Preset("alphagan_s_stl10", "generator", AlphaGANGeneratorArch(ALPHAGAN_S_CELLS, ALPHAGAN_STL10_MACRO), 3.61,
               f"{_SOURCE} alphaGAN_s at 48x48 (bottom width 6); count of the released Network_gen_Auto"),
    )
}
"""The published alphaGAN(l) and alphaGAN(s) generators (torch-free), at CIFAR-10 and STL-10 sizes; ``paper_params``
in millions (``tests/space/test_alphagan_space.py`` builds each and checks the count)."""
