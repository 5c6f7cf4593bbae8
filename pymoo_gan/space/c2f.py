"""The coarse-to-fine space of efficient image-to-image generators: a residual trunk of searchable blocks (torch-free).

The network (built in :mod:`pymoo_gan.models.c2f`) is ``head conv -> n_blocks residual blocks -> upsampler -> tail
conv`` at ``macro.channels`` trunk channels. Block ``i`` has three genes:

=====================  =========================================  ==========================================
gene                   options                                    meaning
=====================  =========================================  ==========================================
``block{i}.path``      ``keep``, ``skip``                         skip: the block is the identity
``block{i}.op``        ``macro.ops`` (categorical)                the block's two layers (see ``OPS``)
``block{i}.width``     ``macro.widths`` (ordinal, increasing)     inner width: ``round(width x channels)``
=====================  =========================================  ==========================================

A skipped block's ``op`` and ``width`` are inactive (canonical 0). Every genotype is valid (all blocks skipped is the
head, upsampler and tail alone). :class:`C2FSpace` holds all genes at once (the flat search);
:class:`C2FLevelSpace` is one level of the coarse-to-fine search: only the genes of that level (``path``, ``op`` or
``width``) are searched, the others are fixed by a *base*, one of the previous level's architectures. With several
bases (a Pareto set) the level space has a first gene ``base`` choosing one, and a block the chosen base skips has
inactive op/width genes, so the level's architectures are exactly the bases with that level's choices changed: the
hand-over between levels is exact (``C2FLevelSpace(..., bases=previous_archs)`` contains every previous
architecture, see :meth:`C2FLevelSpace.encode`). The ``path`` level keeps a base's op and width for blocks the base
keeps and gives a block it skips the default op (``ops[0]``) at full width.

Example:
    >>> macro = C2FMacro(n_blocks=3)
    >>> space = C2FSpace(macro)
    >>> space.n_var, space.names[:3]
    (9, ['block0.path', 'block0.op', 'block0.width'])
    >>> arch = space.decode([0, 1, 3, 1, 2, 2, 0, 2, 0])
    >>> str(arch)
    'dwsep3x3@1 | skip | dilated3x3@0.25'
    >>> space.encode(arch).tolist()  # canonical: the skipped block's op and width are 0
    [0, 1, 3, 1, 0, 0, 0, 2, 0]
    >>> paths = C2FLevelSpace(space, "path")           # level 1: keep/skip, default op at full width
    >>> str(paths.decode([0, 1, 0]))
    'conv3x3@1 | skip | conv3x3@1'
    >>> ops = C2FLevelSpace(space, "op", bases=[paths.decode([0, 1, 0]), paths.decode([1, 0, 0])])
    >>> ops.names, str(ops.decode([0, 1, 0, 2]))       # base 0 skips block 1: its op gene is inactive
    (['base', 'block0.op', 'block1.op', 'block2.op'], 'dwsep3x3@1 | skip | dilated3x3@1')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pymoo_gan.space.base import Choice, Ordinal, SearchSpace

__all__ = ["LEVELS", "OPS", "PATHS", "C2FArch", "C2FBlock", "C2FLevelSpace", "C2FMacro", "C2FSlot", "C2FSpace"]

OPS = ("conv3x3", "dwsep3x3", "dilated3x3", "conv5x5")
"""Candidate operators: the block is ``op(channels -> k) -> ReLU -> op(k -> channels)`` with ``k`` its inner width.
``conv3x3``: 3x3 convolutions; ``dwsep3x3``: depthwise 3x3 then pointwise 1x1; ``dilated3x3``: 3x3 with dilation 2;
``conv5x5``: 5x5 convolutions."""
PATHS = ("keep", "skip")
LEVELS = ("path", "op", "width")
UPSAMPLERS = ("pixel_shuffle",)


@dataclass(frozen=True)
class C2FMacro:
    """The sizes that are not searched: image channels, trunk width, number of blocks, upscaling factor (1 for
    translation, 2 or 4 for super-resolution), the candidate ops and width ratios."""

    in_channels: int = 1
    out_channels: int = 1
    channels: int = 16
    n_blocks: int = 4
    scale: int = 2
    ops: tuple[str, ...] = ("conv3x3", "dwsep3x3", "dilated3x3")
    widths: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)

    def __post_init__(self):
        for name in ("in_channels", "out_channels", "channels", "n_blocks"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"C2FMacro.{name}={value!r} must be a positive integer")
        if self.scale not in (1, 2, 4):
            raise ValueError(f"C2FMacro.scale={self.scale!r} is not allowed; allowed: 1, 2, 4")
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "widths", tuple(float(w) for w in self.widths))
        bad = [op for op in self.ops if op not in OPS]
        if bad or not self.ops or len(set(self.ops)) != len(self.ops):
            raise ValueError(f"C2FMacro.ops={list(self.ops)!r} must be distinct names from: {', '.join(OPS)}")
        w = self.widths
        if not w or any(not 0 < x <= 1 for x in w) or any(b <= a for a, b in zip(w, w[1:], strict=False)):
            raise ValueError(f"C2FMacro.widths={list(w)!r} must be strictly increasing ratios in (0, 1]")
        small = [x for x in w if round(x * self.channels) < 1]
        if small:
            raise ValueError(f"C2FMacro.widths {small} give no channel of {self.channels}; use larger ratios")

    def inner(self, width: float) -> int:
        """Inner channels of a block at ratio ``width``: ``round(width x channels)``."""
        return int(round(width * self.channels))


@dataclass(frozen=True)
class C2FBlock:
    """A kept block: its operator and width ratio."""

    op: str
    width: float

    def __str__(self) -> str:
        return f"{self.op}@{self.width:g}"


@dataclass(frozen=True)
class C2FSlot:
    """Block ``index`` of an architecture: its :class:`C2FBlock`, or ``None`` when skipped."""

    index: int
    block: C2FBlock | None

    def __str__(self) -> str:
        return "skip" if self.block is None else str(self.block)


@dataclass(frozen=True)
class C2FArch:
    """A generator of the space: one entry per block, ``None`` for a skipped block."""

    blocks: tuple[C2FBlock | None, ...]
    macro: C2FMacro = field(default_factory=C2FMacro)

    def __post_init__(self):
        object.__setattr__(self, "blocks", tuple(self.blocks))
        if len(self.blocks) != self.macro.n_blocks:
            raise ValueError(f"C2FArch has {len(self.blocks)} blocks; its macro has n_blocks={self.macro.n_blocks}")
        for i, b in enumerate(self.blocks):
            if b is None:
                continue
            if b.op not in self.macro.ops:
                raise ValueError(f"block {i}: op={b.op!r} is not allowed; allowed: {', '.join(self.macro.ops)}")
            if b.width not in self.macro.widths:
                raise ValueError(f"block {i}: width={b.width!r} is not allowed; allowed: {list(self.macro.widths)}")

    @property
    def cells(self) -> tuple[C2FSlot, ...]:
        """Every block as a :class:`C2FSlot` (skipped ones too): the units architecture drawings draw."""
        return tuple(C2FSlot(i, b) for i, b in enumerate(self.blocks))

    @property
    def kept(self) -> tuple[int, ...]:
        """Indices of the kept blocks."""
        return tuple(i for i, b in enumerate(self.blocks) if b is not None)

    def __str__(self) -> str:
        return " | ".join("skip" if b is None else str(b) for b in self.blocks)


def _block_genes(macro: C2FMacro, i: int, which: Sequence[str]) -> list:
    make = {"path": lambda: Choice(f"block{i}.path", PATHS), "op": lambda: Choice(f"block{i}.op", macro.ops),
            "width": lambda: Ordinal(f"block{i}.width", macro.widths)}
    return [make[w]() for w in which]


class C2FSpace(SearchSpace[C2FArch]):
    """All three genes of every block (module docstring): the flat search space.

    Args:
        macro: the sizes that are not searched (default :class:`C2FMacro`).
    """

    def __init__(self, macro: C2FMacro | None = None):
        self.macro = C2FMacro() if macro is None else macro
        if not isinstance(self.macro, C2FMacro):
            raise TypeError(f"macro must be a C2FMacro, got {type(self.macro).__name__}")
        self.genes = tuple(g for i in range(self.macro.n_blocks) for g in _block_genes(self.macro, i, LEVELS))

    def __repr__(self) -> str:
        return f"C2FSpace({self.macro!r})"

    def default_arch(self) -> C2FArch:
        """Every block kept, with the default op (``ops[0]``) at full width: the path level's base."""
        return C2FArch((C2FBlock(self.macro.ops[0], self.macro.widths[-1]),) * self.macro.n_blocks, self.macro)

    def _decode(self, g):
        m = self.macro
        blocks = [None if PATHS[p] == "skip" else C2FBlock(m.ops[o], m.widths[w]) for p, o, w in g.reshape(-1, 3)]
        return C2FArch(tuple(blocks), m)

    def _encode(self, arch):
        _check_arch(arch, self.macro)
        out = []
        for b in arch.blocks:
            out += [1, 0, 0] if b is None else [0, self.macro.ops.index(b.op), self.macro.widths.index(b.width)]
        return out

    def _canonical(self, g):
        rows = g.reshape(-1, 3)
        skipped = rows[:, 0] == 1
        if not np.any(rows[skipped, 1:]):
            return g
        rows = rows.copy()
        rows[skipped, 1:] = 0
        return rows.reshape(-1)


class C2FLevelSpace(SearchSpace[C2FArch]):
    """One level of the coarse-to-fine search (module docstring).

    Args:
        space: the :class:`C2FSpace` whose architectures this level decodes to.
        level: ``"path"``, ``"op"`` or ``"width"``.
        bases: the architectures that fix the other genes (repeats are dropped, order kept); default: the space's
            :meth:`~C2FSpace.default_arch`.

    Example:
        >>> space = C2FSpace(C2FMacro(n_blocks=2))
        >>> widths = C2FLevelSpace(space, "width", bases=[space.decode([0, 1, 3, 0, 2, 3])])
        >>> widths.names, str(widths.decode([0, 2]))
        (['block0.width', 'block1.width'], 'dwsep3x3@0.25 | dilated3x3@0.75')
    """

    def __init__(self, space: C2FSpace, level: str, bases: Sequence[C2FArch] | None = None):
        if not isinstance(space, C2FSpace):
            raise TypeError(f"space must be a C2FSpace, got {type(space).__name__}")
        if level not in LEVELS:
            raise ValueError(f"level={level!r} is unknown; allowed: {', '.join(LEVELS)}")
        bases = [space.default_arch()] if bases is None else list(bases)
        if not bases:
            raise ValueError("C2FLevelSpace needs at least one base architecture")
        for b in bases:
            _check_arch(b, space.macro)
        self.space, self.level, self.macro = space, level, space.macro
        self.bases: tuple[C2FArch, ...] = tuple(dict.fromkeys(bases))
        base_gene = [Choice("base", tuple(range(len(self.bases))))] if len(self.bases) > 1 else []
        self.genes = tuple(base_gene + [g for i in range(self.macro.n_blocks)
                                        for g in _block_genes(self.macro, i, [level])])
        self._offset = len(base_gene)

    def __repr__(self) -> str:
        return f"C2FLevelSpace({self.space!r}, {self.level!r}, bases={list(self.bases)!r})"

    def base_of(self, g) -> C2FArch:
        """The base a genotype of this level chooses."""
        return self.bases[int(g[0])] if self._offset else self.bases[0]

    def lift(self, x) -> np.ndarray:
        """The genotype of the full :class:`C2FSpace` of this level's genotype ``x``."""
        return self.space.encode(self.decode(x))

    def _decode(self, g):
        base, values, m = self.base_of(g), g[self._offset:], self.macro
        blocks = list(base.blocks)
        for i, v in enumerate(values):
            if self.level == "path":
                default = C2FBlock(m.ops[0], m.widths[-1])
                blocks[i] = None if PATHS[v] == "skip" else (blocks[i] or default)
            elif blocks[i] is not None:
                old = blocks[i]
                blocks[i] = C2FBlock(m.ops[v], old.width) if self.level == "op" else C2FBlock(old.op, m.widths[v])
        return C2FArch(tuple(blocks), m)

    def _encode(self, arch):
        _check_arch(arch, self.macro)
        for k, base in enumerate(self.bases):
            values = self._values(arch, base)
            if values is not None:
                return ([k] if self._offset else []) + values
        raise ValueError(f"{arch} is not in the {self.level} level: it differs from every base outside the "
                         f"{self.level} genes (bases: {'; '.join(map(str, self.bases))})")

    def _values(self, arch: C2FArch, base: C2FArch) -> list[int] | None:
        """This level's gene values that turn ``base`` into ``arch``, or None when no values do."""
        m, values = self.macro, []
        for b, a in zip(base.blocks, arch.blocks, strict=True):
            if self.level == "path":
                if a is not None and a != (b or C2FBlock(m.ops[0], m.widths[-1])):
                    return None
                values.append(PATHS.index("skip" if a is None else "keep"))
            elif (a is None) != (b is None):
                return None
            elif a is None:
                values.append(0)
            elif self.level == "op" and a.width == b.width:
                values.append(m.ops.index(a.op))
            elif self.level == "width" and a.op == b.op:
                values.append(m.widths.index(a.width))
            else:
                return None
        return values

    def _canonical(self, g):
        if self.level == "path":
            return g
        base = self.base_of(g)
        skipped = [self._offset + i for i, b in enumerate(base.blocks) if b is None]
        if not np.any(g[skipped]):
            return g
        g = g.copy()
        g[skipped] = 0
        return g


def _check_arch(arch, macro: C2FMacro) -> None:
    if not isinstance(arch, C2FArch):
        raise TypeError(f"expected a C2FArch, got {type(arch).__name__}")
    if arch.macro != macro:
        raise ValueError(f"arch.macro {arch.macro} differs from the space's {macro}")
