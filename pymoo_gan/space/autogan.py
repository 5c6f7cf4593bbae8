"""The AutoGAN generator space (Gong et al., ICCV 2019): ``n_cells`` up-cells of two 3x3 convs with searched wiring.

Every cell doubles the resolution with two 3x3 convs of fixed width (``macro.channels``). Per cell the genes are, in
AutoGAN's own order (``models_search/controller.py`` tokens, ``Cell.set_arch``) and with AutoGAN's option indices:

=====  ==========  ===============================  ===============================================================
gene   name        options (index: value)           meaning
=====  ==========  ===============================  ===============================================================
0      conv        0 post, 1 pre                    post: up -> conv -> norm -> ReLU; pre: norm -> ReLU -> up -> conv
1      norm        0 none, 1 batch, 2 instance      normalisation inside both convs of the cell
2      up          0 bilinear, 1 nearest, 2 deconv  upsampling of the first conv, the shortcut and the skip-ins
3      shortcut    0 no, 1 yes                      1x1 conv on the upsampled cell input, added to the cell output
4      skip        ``2**c`` subsets (cells c >= 1)  cross-cell skip-ins from the first-conv outputs of earlier cells
=====  ==========  ===============================  ===============================================================

The first cell has no ``skip`` gene, so 3 cells give ``4 + 5 + 5 = 14`` genes and ``36 * 72 * 144 = 373,248``
architectures. **Skip encoding** (AutoGAN's ``decimal2binary``): the skip gene of cell ``c`` is a ``c``-bit number whose
most significant bit is cell 0 and whose least significant bit is the cell just before, so for the third cell
``0 = {}``, ``1 = {cell 1}``, ``2 = {cell 0}``, ``3 = {cell 0, cell 1}`` (0-based cell indices). Every genotype is
valid; there are no structural constraints.

AutoGAN-A (``models/autogan_cifar10_a.py``) is ``1 0 1 1 | 1 0 0 1 1 | 1 0 1 0 3``: pre-activation, no normalisation,
upsampling nearest / bilinear / nearest, shortcuts in the first two cells, the third cell takes both skips.

Example:
    >>> space = AutoGANGeneratorSpace()
    >>> arch = space.decode(AUTOGAN_A_GENOTYPE)
    >>> str(arch)
    'pre none nearest sc | pre none bilinear sc skip<0 | pre none nearest skip<0,1'
    >>> space.encode(arch).tolist() == list(AUTOGAN_A_GENOTYPE)
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pymoo_gan.space.base import Choice, Preset, SearchSpace
from pymoo_gan.space.eagan import GeneratorMacro

CONV_TYPES = ("post", "pre")
NORMS = ("none", "batch", "instance")
UP_MODES = ("bilinear", "nearest", "deconv")
SHORTCUTS = (False, True)

AUTOGAN_MACRO = GeneratorMacro(latent_dim=128, channels=256, bottom_width=4, out_channels=3, n_cells=3)
"""AutoGAN's retraining sizes on CIFAR-10 (``exps/autogan_cifar10_a.sh``: gf 256, latent 128, 4x4 -> 32x32)."""

AUTOGAN_A_GENOTYPE = (1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 3)
"""AutoGAN-A as released (``1 0 1 1 | 1 0 0 1 1 | 1 0 1 0 3``)."""


def skip_options(cell: int) -> tuple[tuple[int, ...], ...]:
    """The skip-in subsets of cell ``cell`` in gene order: option ``v`` holds cell ``j`` iff bit ``cell - 1 - j``."""
    return tuple(tuple(j for j in range(cell) if v >> (cell - 1 - j) & 1) for v in range(2**cell))


@dataclass(frozen=True)
class AutoGANCell:
    """One up-cell: conv type, normalisation, upsampling, in-cell shortcut and the earlier cells it takes skips from."""

    conv: str = "pre"  # "post" | "pre"
    norm: str = "none"  # "none" | "batch" | "instance"
    up: str = "nearest"  # "bilinear" | "nearest" | "deconv"
    shortcut: bool = True
    skips: tuple[int, ...] = ()  # sorted 0-based indices of earlier cells whose first-conv output is added here

    def __post_init__(self):
        for name, options in (("conv", CONV_TYPES), ("norm", NORMS), ("up", UP_MODES), ("shortcut", SHORTCUTS)):
            if getattr(self, name) not in options:
                raise ValueError(f"AutoGANCell.{name}={getattr(self, name)!r}; allowed: {list(options)}")
        skips = tuple(int(j) for j in self.skips)
        if list(skips) != sorted(set(skips)) or any(j < 0 for j in skips):
            raise ValueError(f"AutoGANCell.skips={self.skips!r} must be sorted distinct non-negative cell indices")
        object.__setattr__(self, "shortcut", bool(self.shortcut))
        object.__setattr__(self, "skips", skips)

    def __str__(self) -> str:
        out = f"{self.conv} {self.norm} {self.up}"
        if self.shortcut:
            out += " sc"
        if self.skips:
            out += " skip<" + ",".join(str(j) for j in self.skips)
        return out


@dataclass(frozen=True)
class AutoGANGeneratorArch:
    """An AutoGAN generator: one ``AutoGANCell`` per up-cell; ``macro`` holds its sizes so the arch alone builds it."""

    cells: tuple[AutoGANCell, ...]
    macro: GeneratorMacro = field(default=AUTOGAN_MACRO)

    def __post_init__(self):
        object.__setattr__(self, "cells", tuple(self.cells))
        if len(self.cells) != self.macro.n_cells:
            raise ValueError(f"{len(self.cells)} cells given but macro.n_cells={self.macro.n_cells}")
        for c, cell in enumerate(self.cells):
            if not isinstance(cell, AutoGANCell):
                raise ValueError(f"cell {c} is a {type(cell).__name__}, not an AutoGANCell")
            if any(j >= c for j in cell.skips):
                raise ValueError(f"cell {c} takes skips from {list(cell.skips)}; allowed: earlier cells 0..{c - 1}")

    def __str__(self) -> str:
        return " | ".join(str(c) for c in self.cells)


class AutoGANGeneratorSpace(SearchSpace[AutoGANGeneratorArch]):
    """AutoGAN generator space: 4 genes for the first cell, 5 for each later one (see module docstring).

    Args:
        macro: sizes that are not searched; ``None`` gives AutoGAN's CIFAR-10 sizes (``AUTOGAN_MACRO``).
    """

    def __init__(self, macro: GeneratorMacro | None = None):
        self.macro = macro or AUTOGAN_MACRO
        genes = []
        for c in range(self.macro.n_cells):
            genes += [Choice(f"cell{c}.conv", CONV_TYPES), Choice(f"cell{c}.norm", NORMS),
                      Choice(f"cell{c}.up", UP_MODES), Choice(f"cell{c}.shortcut", SHORTCUTS)]
            if c:
                genes.append(Choice(f"cell{c}.skip", skip_options(c)))
        self.genes = tuple(genes)

    def __repr__(self) -> str:
        return f"AutoGANGeneratorSpace({self.macro})"

    def _decode(self, g):
        cells, i = [], 0
        for c in range(self.macro.n_cells):
            skips = skip_options(c)[g[i + 4]] if c else ()
            cells.append(AutoGANCell(conv=CONV_TYPES[g[i]], norm=NORMS[g[i + 1]], up=UP_MODES[g[i + 2]],
                                     shortcut=SHORTCUTS[g[i + 3]], skips=skips))
            i += 5 if c else 4
        return AutoGANGeneratorArch(cells=tuple(cells), macro=self.macro)

    def _encode(self, arch):
        if len(arch.cells) != self.macro.n_cells:
            raise ValueError(f"arch has {len(arch.cells)} cells; this space has {self.macro.n_cells}")
        out = []
        for c, cell in enumerate(arch.cells):
            out += [CONV_TYPES.index(cell.conv), NORMS.index(cell.norm), UP_MODES.index(cell.up),
                    SHORTCUTS.index(cell.shortcut)]
            if c:
                out.append(skip_options(c).index(tuple(cell.skips)))
        return out


def _autogan_a(macro: GeneratorMacro) -> AutoGANGeneratorArch:
    return AutoGANGeneratorSpace(macro).decode(AUTOGAN_A_GENOTYPE)


_SOURCE = ("Gong et al., AutoGAN, ICCV 2019; VITA-Group/AutoGAN models/autogan_cifar10_a.py, "
           "genotype 1 0 1 1 | 1 0 0 1 1 | 1 0 1 0 3")

PRESETS: dict[str, Preset] = {
    "autogan_a_cifar10": Preset(name="autogan_a_cifar10", kind="generator", arch=_autogan_a(AUTOGAN_MACRO),
                                paper_params=4.41, source=_SOURCE + " (exps/autogan_cifar10_a.sh: 32x32)"),
    "autogan_a_stl10": Preset(name="autogan_a_stl10", kind="generator",
                              arch=_autogan_a(GeneratorMacro(latent_dim=128, channels=256, bottom_width=6,
                                                             out_channels=3, n_cells=3)),
                              paper_params=5.07, source=_SOURCE + " (exps/autogan_cifar10_a2stl10.sh: 48x48)"),
}
