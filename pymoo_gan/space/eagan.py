"""The EAGAN / AdversarialNAS cell spaces: a generator of up-cells and a discriminator of down-cells.

Generator cell (7 genes): ``up0, up1`` in {nearest, bilinear, deconv} make nodes 0 and 1 from the cell input;
``c0: n0->n2, c1: n1->n2, c2: n0->n3, c3: n1->n3, c4: n2->n3`` take one of the 7 normal ops. Node 3 is the cell output.
Constraints: node 2 and node 3 each keep at least one input that is not ``none``. Cross-scale skips from earlier
cells' node 2 are fixed (1x1 conv after interpolation) and the latent vector is split evenly across the cells.

Discriminator cell (7 genes): ``c0: n0->n1`` (not ``none``), ``c1: n0->n2, c2: n1->n2, c3: n1->n3, c4: n0->n3``
(``c4`` is the shortcut, without activation), then ``down0(n2) + down1(n3)``. As in EAGAN's encoding (its -1 = no
downsampling), gene ``down0`` takes ``none`` or one of the 6 downsampling ops and gene ``down1`` one of the 6
downsampling ops; when ``down0`` is ``none`` the cell keeps its resolution (decoded ``down=("none", "none")``, output
``n2 + n3``) and ``down1`` is inactive, 0 in the canonical genotype. So ``sample`` gives a non-downsampling cell with
probability 1/7, as EAGAN's sampler, and a mutation of ``down0`` switches downsampling off (1 of its 6 other options)
or on. Constraints: node 2 and node 3 keep a non-``none`` input.

Example:
    >>> space = EAGANGeneratorSpace()
    >>> arch = space.decode([1, 1, 1, 0, 2, 3, 1] * 3)
    >>> arch.cells[0].up
    ('bilinear', 'bilinear')
    >>> space.encode(arch).tolist() == [1, 1, 1, 0, 2, 3, 1] * 3
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pymoo_gan.space.base import Choice, SearchSpace

UP_OPS = ("nearest", "bilinear", "deconv")
NORMAL_OPS = ("none", "skip", "conv_1x1", "conv_3x3", "conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
DOWN_OPS = ("none", "avg_pool", "max_pool", "conv_3x3", "conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
SKIP_MODES = ("nearest", "bilinear", "nearest")  # fixed interpolation of the skip-ins into cells 1, 2, 3


@dataclass(frozen=True)
class GeneratorMacro:
    """Sizes that are not searched: latent size, channels, bottom width, image channels, number of up-cells."""

    latent_dim: int = 120
    channels: int = 256
    bottom_width: int = 4
    out_channels: int = 3
    n_cells: int = 3

    def __post_init__(self):
        for name in ("latent_dim", "channels", "bottom_width", "out_channels", "n_cells"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be a positive integer")

    @property
    def resolution(self) -> int:
        return self.bottom_width * 2**self.n_cells

    @staticmethod
    def for_resolution(resolution: int, bottom_width: int, **kw) -> GeneratorMacro:
        n_cells = kw.pop("n_cells", 3)
        if resolution != bottom_width * 2**n_cells:
            raise ValueError(f"resolution {resolution} is impossible with bottom_width {bottom_width} and {n_cells} "
                             f"up-cells; allowed: resolution = bottom_width * {2**n_cells}")
        return GeneratorMacro(bottom_width=bottom_width, n_cells=n_cells, **kw)


@dataclass(frozen=True)
class UpCell:
    up: tuple[str, str]
    edges: tuple[str, str, str, str, str]  # c0 n0->n2, c1 n1->n2, c2 n0->n3, c3 n1->n3, c4 n2->n3


@dataclass(frozen=True)
class CellGeneratorArch:
    """A generator of up-cells; ``macro`` holds its sizes so the arch alone builds a standalone network."""

    cells: tuple[UpCell, ...]
    macro: GeneratorMacro = GeneratorMacro()

    def __str__(self) -> str:
        return " | ".join(f"{'+'.join(c.up)}: {','.join(c.edges)}" for c in self.cells)


@dataclass(frozen=True)
class DiscriminatorMacro:
    channels: int = 128
    in_channels: int = 3
    resolution: int = 32
    n_cells: int = 3


@dataclass(frozen=True)
class DownCell:
    edges: tuple[str, str, str, str, str]  # c0 n0->n1, c1 n0->n2, c2 n1->n2, c3 n1->n3, c4 n0->n3 (shortcut)
    down: tuple[str, str]  # applied to node 2 and node 3; ("none", "none") keeps the resolution, no other "none"


@dataclass(frozen=True)
class CellDiscriminatorArch:
    cells: tuple[DownCell, ...]
    macro: DiscriminatorMacro = DiscriminatorMacro()

    def __str__(self) -> str:
        return " | ".join(f"{','.join(c.edges)} v {'+'.join(c.down)}" for c in self.cells)


class EAGANGeneratorSpace(SearchSpace[CellGeneratorArch]):
    """EAGAN / AdversarialNAS generator space: ``n_cells`` x 7 categorical genes (see module docstring)."""

    def __init__(self, macro: GeneratorMacro | None = None):
        self.macro = macro or GeneratorMacro()
        if self.macro.latent_dim % self.macro.n_cells:
            raise ValueError(f"latent_dim={self.macro.latent_dim} must be divisible by n_cells={self.macro.n_cells} "
                             "(the latent vector is split evenly across the cells)")
        genes = []
        for c in range(self.macro.n_cells):
            genes += [Choice(f"cell{c}.up{i}", UP_OPS) for i in range(2)]
            genes += [Choice(f"cell{c}.c{i}", NORMAL_OPS) for i in range(5)]
        self.genes = tuple(genes)

    def __repr__(self) -> str:
        return f"EAGANGeneratorSpace({self.macro})"

    def _decode(self, g):
        cells = []
        for c in range(self.macro.n_cells):
            k = g[7 * c: 7 * c + 7]
            cells.append(UpCell(up=(UP_OPS[k[0]], UP_OPS[k[1]]), edges=tuple(NORMAL_OPS[i] for i in k[2:])))
        return CellGeneratorArch(cells=tuple(cells), macro=self.macro)

    def _encode(self, arch):
        out = []
        for cell in arch.cells:
            out += [UP_OPS.index(u) for u in cell.up] + [NORMAL_OPS.index(e) for e in cell.edges]
        return out

    def _violations(self, g):
        out = []
        for c in range(self.macro.n_cells):
            b = 7 * c
            if g[b + 2] == 0 and g[b + 3] == 0:
                out.append(((b + 2, b + 3), f"cell {c}: node 2 has only 'none' inputs"))
            if g[b + 4] == 0 and g[b + 5] == 0 and g[b + 6] == 0:
                out.append(((b + 4, b + 5, b + 6), f"cell {c}: node 3 has only 'none' inputs"))
        return out

    def _fix(self, g, genes, rng):
        return _set_one_not_none(g, genes, n_options=len(NORMAL_OPS), rng=rng)


class EAGANDiscriminatorSpace(SearchSpace[CellDiscriminatorArch]):
    """EAGAN discriminator space: ``n_cells`` x 7 categorical genes (see module docstring).

    Genes per cell: ``c0`` (6 ops, no ``none``), ``c1..c4`` (7 ops), ``down0`` (``DOWN_OPS``: ``none`` = no
    downsampling, or 6 downsampling ops), ``down1`` (the 6 downsampling ops ``DOWN_OPS[1:]``; inactive when ``down0``
    is ``none``).
    """

    def __init__(self, macro: DiscriminatorMacro | None = None):
        self.macro = macro or DiscriminatorMacro()
        genes = []
        for c in range(self.macro.n_cells):
            genes.append(Choice(f"cell{c}.c0", NORMAL_OPS[1:]))
            genes += [Choice(f"cell{c}.c{i}", NORMAL_OPS) for i in range(1, 5)]
            genes += [Choice(f"cell{c}.down0", DOWN_OPS), Choice(f"cell{c}.down1", DOWN_OPS[1:])]
        self.genes = tuple(genes)

    def __repr__(self) -> str:
        return f"EAGANDiscriminatorSpace({self.macro})"

    def _decode(self, g):
        cells = []
        for c in range(self.macro.n_cells):
            k = g[7 * c: 7 * c + 7]
            edges = (NORMAL_OPS[k[0] + 1],) + tuple(NORMAL_OPS[i] for i in k[1:5])
            down = ("none", "none") if k[5] == 0 else (DOWN_OPS[k[5]], DOWN_OPS[k[6] + 1])
            cells.append(DownCell(edges=edges, down=down))
        return CellDiscriminatorArch(cells=tuple(cells), macro=self.macro)

    def _encode(self, arch):
        out = []
        for c, cell in enumerate(arch.cells):
            if "none" in cell.down and cell.down != ("none", "none"):
                raise ValueError(f"cell {c}: down={cell.down}; down0 and down1 must both be 'none' (no downsampling) "
                                 f"or both one of {', '.join(DOWN_OPS[1:])}")
            out.append(NORMAL_OPS.index(cell.edges[0]) - 1)
            out += [NORMAL_OPS.index(e) for e in cell.edges[1:]]
            d0, d1 = cell.down
            out += [0, 0] if d0 == "none" else [DOWN_OPS.index(d0), DOWN_OPS[1:].index(d1)]
        return out

    def _violations(self, g):
        out = []
        for c in range(self.macro.n_cells):
            b = 7 * c
            if g[b + 1] == 0 and g[b + 2] == 0:
                out.append(((b + 1, b + 2), f"cell {c}: node 2 has only 'none' inputs"))
            if g[b + 3] == 0 and g[b + 4] == 0:
                out.append(((b + 3, b + 4), f"cell {c}: node 3 has only 'none' inputs"))
        return out

    def _fix(self, g, genes, rng):
        return _set_one_not_none(g, genes, n_options=len(NORMAL_OPS), rng=rng)

    def _canonical(self, g):
        down1 = 7 * np.flatnonzero(g[5::7] == 0) + 6  # down1 of the cells that keep their resolution
        if not g[down1].any():
            return g
        g = g.copy()
        g[down1] = 0
        return g


def _set_one_not_none(g, genes, n_options, rng):
    """Give one of ``genes`` (all 'none') a non-none op: 'skip' on the first gene, or a random gene and op."""
    g = g.copy()
    if rng is None:
        g[genes[0]] = 1
    else:
        g[genes[rng.integers(len(genes))]] = rng.integers(1, n_options)
    return g
