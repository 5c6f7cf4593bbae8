"""Torch-free search-space algebra: categorical and ordinal genes, integer genotypes and the real-value decoding rule.

A genotype is a vector with one entry per gene; gene ``i`` takes the integer values ``0 .. len(options_i) - 1``
(``xl = 0``, ``xu = len(options) - 1``). A gene is a :class:`Choice` (categorical: its options are unordered, a
mutation resets it to any other option) or an :class:`Ordinal` (its options are ordered values, e.g. width ratios or
densities, and a mutation steps to a neighbouring index). **Decoding rule for real values:** a value inside the
bounds selects the option with the nearest index (``floor(v + 0.5)``), so pymoo's default real-valued operators and
continuous algorithms (DE, CMA-ES) produce valid architectures. A genotype that breaks a space's structural
constraints (e.g. a node with only ``none`` inputs) is then mapped to a valid one by the space's deterministic
``repair``. Values outside the bounds, NaN or infinite values and vectors of the wrong length raise ``ValueError``
naming the gene.

**Canonical genotypes.** A gene can be *inactive*: given the other genes, the decoded architecture does not depend on
it (e.g. the EAGAN discriminator's ``down1`` when ``down0`` is ``none``). ``repair`` and ``sample`` return canonical
genotypes, whose inactive genes are 0, so each architecture has exactly one (the one ``encode`` returns) and keys,
duplicate checks and "did the mutation change anything" tests compare architectures, not don't-care values.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

Arch = TypeVar("Arch")


@dataclass(frozen=True)
class Gene:
    """What every gene has: a name, its options (gene value ``i`` selects ``options[i]``) and an ``ordinal`` flag."""

    name: str
    options: tuple
    ordinal: ClassVar[bool] = False  # True: options are ordered and mutation steps to a neighbouring index

    def __post_init__(self):
        object.__setattr__(self, "options", tuple(self.options))
        if len(self.options) < 1:
            raise ValueError(f"gene {self.name!r} needs at least one option")

    @property
    def size(self) -> int:
        return len(self.options)


@dataclass(frozen=True)
class Choice(Gene):
    """One categorical gene: a name and its options. Categorical genes are never treated as ordinal."""


@dataclass(frozen=True)
class Ordinal(Gene):
    """One ordinal gene: distinct options in their order (numbers strictly increasing or decreasing); a mutation
    moves it to a neighbouring index.

    Example:
        >>> density = Ordinal("density", (0.1, 0.2, 0.5, 1.0))
        >>> density.ordinal, density.size, Choice("op", ("a", "b")).ordinal
        (True, 4, False)
    """

    ordinal: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        o = self.options
        if len(set(o)) != len(o):
            raise ValueError(f"ordinal gene {self.name!r} has repeated options {list(o)}")
        if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in o):
            steps = np.diff(np.asarray(o, dtype=float))
            if not (np.all(steps > 0) or np.all(steps < 0)):
                raise ValueError(f"ordinal gene {self.name!r}: options {list(o)} are not monotonic")


class SearchSpace(Generic[Arch]):
    """Base class of a concrete space: subclasses define ``genes``, ``_decode``, ``_encode``, ``_violations``.

    ``_violations(g)`` returns a list of ``(gene_indices, message)`` for broken structural constraints of an integer
    genotype; ``_fix(g, violation_genes, rng)`` makes one violated constraint hold (deterministically if rng is None);
    ``_canonical(g)`` (identity by default) sets the inactive genes of ``g`` to 0. ``gene_groups`` says which genes
    cell-wise crossover exchanges together.
    """

    genes: tuple[Gene, ...] = ()

    # ---- bounds -------------------------------------------------------------------------------------------------
    @property
    def n_var(self) -> int:
        return len(self.genes)

    @property
    def xl(self) -> np.ndarray:
        return np.zeros(self.n_var, dtype=int)

    @property
    def xu(self) -> np.ndarray:
        return np.array([g.size - 1 for g in self.genes], dtype=int)

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.genes]

    @property
    def size(self) -> int:
        """Number of genotypes (the product of the genes' option counts): the number of distinct architectures where
        every genotype is valid and decodes to its own architecture (AutoGAN's and AlphaGAN's spaces); more than that
        where genotypes are repaired (EAGAN's)."""
        return math.prod(g.size for g in self.genes)

    def gene_groups(self) -> list[np.ndarray]:
        """Gene indices grouped by the prefix of the gene name before the first ``'.'``, in order of appearance:
        ``'cell0.up0'`` and ``'cell0.c3'`` share the group ``'cell0'``; a name without ``'.'`` is its own group."""
        groups: dict[str, list[int]] = {}
        for i, gene in enumerate(self.genes):
            groups.setdefault(gene.name.split(".", 1)[0], []).append(i)
        return [np.array(idx, dtype=int) for idx in groups.values()]

    # ---- conversion ---------------------------------------------------------------------------------------------
    def to_genotype(self, x: Any, repair: bool = True) -> np.ndarray:
        """Map a (possibly real-valued) vector to its canonical integer genotype (decoding rule, then repair)."""
        x = np.asarray(x)
        if x.ndim != 1 or x.shape[0] != self.n_var:
            raise ValueError(f"genotype has shape {x.shape}; this space needs a vector of {self.n_var} genes")
        try:
            xf = x.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"genotype must be numeric, got dtype {x.dtype}") from None
        for i, (v, gene) in enumerate(zip(xf, self.genes, strict=True)):
            if not np.isfinite(v) or v < -0.5 or v > gene.size - 0.5:
                raise ValueError(
                    f"gene {i} ({gene.name}) = {x[i].item()!r} is out of range; allowed: 0..{gene.size - 1} "
                    f"(options {list(gene.options)})"
                )
        g = np.clip(np.floor(xf + 0.5), 0, self.xu).astype(int)
        if repair:
            return self.repair(g)
        return g

    def decode(self, x: Any) -> Arch:
        """Genotype (integer or real within bounds) -> frozen architecture dataclass."""
        return self._decode(self.to_genotype(x))

    def encode(self, arch: Arch) -> np.ndarray:
        """Architecture -> canonical integer genotype (inverse of ``decode`` on canonical valid genotypes)."""
        return self._canonical(np.asarray(self._encode(arch), dtype=int))

    def key(self, x: Any) -> str:
        """A hashable, human-readable key of the canonical genotype (used by archives and duplicate checks); its
        inverse is :func:`genotype_from_key`."""
        return "-".join(str(int(v)) for v in self.to_genotype(x))

    # ---- validity -----------------------------------------------------------------------------------------------
    def violations(self, g: np.ndarray) -> list[tuple[tuple[int, ...], str]]:
        return self._violations(np.asarray(g, dtype=int))

    def contains(self, x: Any) -> bool:
        """True when ``x`` is an in-bounds integer genotype that satisfies every structural constraint and is
        canonical (inactive genes 0).

        A non-canonical genotype is not a constraint violation (``violations`` is empty, ``to_genotype`` maps it to its
        canonical form without changing the architecture), but it is not *in* the space: the space holds one genotype
        per architecture, exactly what ``sample``, ``repair``, ``encode`` and the operators return.
        """
        x = np.asarray(x)
        if x.shape != (self.n_var,) or not np.all(np.isfinite(x.astype(float))):
            return False
        if not np.array_equal(x.astype(float), np.round(x.astype(float))):
            return False
        g = x.astype(int)
        return bool(np.all(g >= self.xl) and np.all(g <= self.xu) and not self.violations(g)
                    and np.array_equal(self._canonical(g), g))

    def repair(self, g: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Return a valid canonical genotype: each violated constraint is fixed (deterministically, or at random with
        rng), then inactive genes are set to 0."""
        g = np.array(g, dtype=int)
        for _ in range(4 * self.n_var + 1):
            broken = self.violations(g)
            if not broken:
                return self._canonical(g)
            g = self._fix(g, broken[0][0], rng)
        raise RuntimeError(f"repair did not converge for genotype {g.tolist()}")  # a bug in a concrete space

    # ---- sampling -----------------------------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int | None = None) -> np.ndarray:
        """Random valid genotype(s) (``n`` rows, or one vector when ``n`` is None): every gene uniform, rejected while
        a constraint is violated, then made canonical. Rejection is on violations only, so an architecture's
        probability is proportional to its number of genotypes (with the inactive genes free)."""
        rows = []
        for _ in range(1 if n is None else n):
            while True:
                g = np.array([rng.integers(0, gene.size) for gene in self.genes], dtype=int)
                if not self.violations(g):
                    rows.append(self._canonical(g))
                    break
        return rows[0] if n is None else np.stack(rows)

    def describe(self, x: Any) -> str:
        """A short readable string of the architecture, e.g. for results tables."""
        return str(self.decode(x))

    # ---- to implement -------------------------------------------------------------------------------------------
    def _decode(self, g: np.ndarray) -> Arch:
        raise NotImplementedError

    def _encode(self, arch: Arch) -> list[int]:
        raise NotImplementedError

    def _violations(self, g: np.ndarray) -> list[tuple[tuple[int, ...], str]]:
        return []

    def _fix(self, g: np.ndarray, genes: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        raise NotImplementedError

    def _canonical(self, g: np.ndarray) -> np.ndarray:
        """``g`` with its inactive genes set to 0 (a new array if anything changes); no gene is inactive by default."""
        return g


@dataclass(frozen=True)
class Preset:
    """A published architecture: its decoded arch (with the paper's sizes) and where it comes from.

    ``paper_params`` is the parameter count (in millions) that the paper or its released code gives at these sizes.
    """

    name: str
    kind: str  # "generator" or "discriminator"
    arch: Any
    paper_params: float | None
    source: str


def genotype_from_key(key: str) -> np.ndarray:
    """``"3-0-1"`` -> ``array([3, 0, 1])``: the genotype of a :meth:`SearchSpace.key` (as results tables hold it)."""
    return np.array([int(v) for v in key.split("-")])
