"""Labelled products of spaces: search G and D jointly, or a density gene beside an architecture (torch-free).

``ProductSpace(g=space_a, d=space_b)`` is a :class:`~pymoo_gan.space.SearchSpace` whose genotype is the concatenation
of its parts' genotypes, in the order given. Gene ``name`` of part ``label`` is named ``"label.name"``
(``"g.cell0.up0"``); the gene of a one-gene part is named by the label alone (``"density"``). Bounds are concatenated;
violations (indices shifted, messages prefixed by the label), repair, canonical forms, ``contains`` and ``describe``
are each part's on its slice; ``sample`` samples each part with its own sampler, so every part keeps its own
distribution (e.g. the EAGAN D's non-downsampling cells at 1/7). Cell-wise crossover exchanges the parts' own gene
groups (``g.cell0``, ``g.cell1``, ..., ``d.cell0``, ...), never a whole part at once. ``decode`` gives a
:class:`ProductArch`, a frozen mapping label -> the part's architecture with item and attribute access; ``encode``
inverts it. A :class:`~pymoo_gan.space.Gene` given as a part is a :class:`GeneSpace`: one unconstrained gene that
decodes to its option.

Example:
    >>> from pymoo_gan.space import EAGANGeneratorSpace, Ordinal
    >>> space = ProductSpace(arch=EAGANGeneratorSpace(), density=Ordinal("density", (0.1, 0.2, 0.5, 1.0)))
    >>> space.n_var, space.names[0], space.names[-1], space.xu[-1].item()
    (22, 'arch.cell0.up0', 'density', 3)
    >>> arch = space.decode([1, 1, 1, 0, 2, 3, 1] * 3 + [2])
    >>> arch.density, arch["arch"].cells[0].up
    (0.5, ('bilinear', 'bilinear'))
    >>> space.encode(arch).tolist() == [1, 1, 1, 0, 2, 3, 1] * 3 + [2]
    True
    >>> [g.tolist() for g in space.gene_groups()][-2:]
    [[14, 15, 16, 17, 18, 19, 20], [21]]
"""

from __future__ import annotations

import dataclasses
import keyword
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from pymoo_gan.space.base import Gene, SearchSpace


class ProductArch(Mapping):
    """The architecture of a :class:`ProductSpace`: a frozen, hashable mapping label -> the part's architecture.

    Parts are read as items (``arch["g"]``) or attributes (``arch.g``); equality is the mapping's.

    Example:
        >>> arch = ProductArch(g="G", density=0.5)
        >>> arch.density, arch["g"], dict(arch)
        (0.5, 'G', {'g': 'G', 'density': 0.5})
    """

    __slots__ = ("_parts",)

    def __init__(self, parts: Mapping[str, Any] | None = None, /, **labelled: Any):
        object.__setattr__(self, "_parts", {**(parts or {}), **labelled})

    def __getitem__(self, label: str) -> Any:
        return self._parts[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __getattr__(self, label: str) -> Any:
        if label.startswith("_"):
            raise AttributeError(label)
        try:
            return self._parts[label]
        except KeyError:
            raise AttributeError(f"ProductArch has no part {label!r}; parts: {list(self._parts)}") from None

    def __setattr__(self, name: str, value: Any):
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __hash__(self) -> int:
        return hash(frozenset(self._parts.items()))

    def __reduce__(self):
        return ProductArch, (self._parts,)

    def __repr__(self) -> str:
        return "ProductArch(" + ", ".join(f"{k}={v!r}" for k, v in self._parts.items()) + ")"

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self._parts.items())


class GeneSpace(SearchSpace):
    """A space of one unconstrained gene; it decodes to the gene's option and encodes from it.

    Example:
        >>> from pymoo_gan.space import Ordinal
        >>> space = GeneSpace(Ordinal("density", (0.1, 0.2, 0.5, 1.0)))
        >>> space.decode([1]), space.encode(0.5).tolist()
        (0.2, [2])
    """

    def __init__(self, gene: Gene):
        if not isinstance(gene, Gene):
            raise TypeError(f"GeneSpace needs a Gene (Choice or Ordinal), got {type(gene).__name__}")
        self.gene = gene
        self.genes = (gene,)

    def __repr__(self) -> str:
        return f"GeneSpace({self.gene!r})"

    def _decode(self, g):
        return self.gene.options[g[0]]

    def _encode(self, value):
        try:
            return [self.gene.options.index(value)]
        except ValueError:
            raise ValueError(f"{value!r} is not an option of gene {self.gene.name!r}; "
                             f"allowed: {list(self.gene.options)}") from None


class ProductSpace(SearchSpace[ProductArch]):
    """A labelled product of search spaces (see the module docstring).

    Args:
        parts: label -> :class:`~pymoo_gan.space.SearchSpace` (or :class:`~pymoo_gan.space.Gene`, a one-gene part),
            in genotype order; labels may also be given as keywords, after the mapping's. Labels are identifiers
            (not Python keywords, no leading ``_``, not a method of :class:`ProductArch` such as ``keys``).
    """

    def __init__(self, parts: Mapping[str, SearchSpace | Gene] | None = None, /, **labelled: SearchSpace | Gene):
        both = set(parts or {}) & set(labelled)
        if both:
            raise ValueError(f"parts {sorted(both)} are given twice")
        parts = {**(parts or {}), **labelled}
        if not parts:
            raise ValueError("a ProductSpace needs at least one part")
        self.parts: dict[str, SearchSpace] = {}
        self.slices: dict[str, slice] = {}
        genes: list[Gene] = []
        for label, part in parts.items():
            if not (isinstance(label, str) and label.isidentifier() and not keyword.iskeyword(label)
                    and not label.startswith("_") and not hasattr(ProductArch, label)):
                raise ValueError(f"part label {label!r} must be an identifier that is no Python keyword, does not "
                                 "start with '_' and is no method of ProductArch (keys, items, values, get)")
            part = GeneSpace(part) if isinstance(part, Gene) else part
            if not isinstance(part, SearchSpace):
                raise TypeError(f"part {label!r} is a {type(part).__name__}; allowed: a SearchSpace or a Gene")
            self.parts[label] = part
            self.slices[label] = slice(len(genes), len(genes) + part.n_var)
            names = [label] if part.n_var == 1 else [f"{label}.{name}" for name in part.names]
            genes += [dataclasses.replace(gene, name=name) for gene, name in zip(part.genes, names, strict=True)]
        self.genes = tuple(genes)

    def __repr__(self) -> str:
        return "ProductSpace(" + ", ".join(f"{k}={v!r}" for k, v in self.parts.items()) + ")"

    def split(self, x: Any) -> dict[str, np.ndarray]:
        """label -> that part's slice of the product genotype ``x`` (unchecked)."""
        x = np.asarray(x)
        return {label: x[s] for label, s in self.slices.items()}

    def gene_groups(self) -> list[np.ndarray]:
        """Each part's own gene groups, shifted to the part's slice (``g.cell0``, ``g.cell1``, ..., ``density``)."""
        return [idx + self.slices[label].start for label, part in self.parts.items() for idx in part.gene_groups()]

    # ---- delegation to the parts ---------------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int | None = None) -> np.ndarray:
        """Each part sampled by its own ``sample`` (parts in order), concatenated."""
        return np.concatenate([np.asarray(p.sample(rng, n), dtype=int) for p in self.parts.values()], axis=-1)

    def repair(self, g: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Each part repaired (and made canonical) by its own ``repair`` on its slice."""
        g = np.array(g, dtype=int)
        return np.concatenate([self.parts[label].repair(sub, rng=rng) for label, sub in self.split(g).items()])

    def contains(self, x: Any) -> bool:
        x = np.asarray(x)
        return x.shape == (self.n_var,) and all(self.parts[label].contains(sub) for label, sub in self.split(x).items())

    def describe(self, x: Any) -> str:
        return "; ".join(f"{label}: {self.parts[label].describe(sub)}"
                         for label, sub in self.split(self.to_genotype(x)).items())

    def _decode(self, g):
        return ProductArch({label: self.parts[label]._decode(sub) for label, sub in self.split(g).items()})

    def _encode(self, arch):
        if not isinstance(arch, Mapping) or set(arch) != set(self.parts):
            got = list(arch) if isinstance(arch, Mapping) else type(arch).__name__
            raise ValueError(f"expected a ProductArch with parts {list(self.parts)}, got {got}")
        return np.concatenate([np.asarray(part.encode(arch[label]), dtype=int) for label, part in self.parts.items()])

    def _violations(self, g):
        out = []
        for label, sub in self.split(g).items():
            start = self.slices[label].start
            out += [(tuple(i + start for i in genes), f"{label}: {message}")
                    for genes, message in self.parts[label].violations(sub)]
        return out

    def _fix(self, g, genes, rng):
        label = next(label for label, s in self.slices.items() if s.start <= genes[0] < s.stop)
        s = self.slices[label]
        g = g.copy()
        g[s] = self.parts[label]._fix(g[s], tuple(i - s.start for i in genes), rng)
        return g

    def _canonical(self, g):
        out = np.concatenate([self.parts[label]._canonical(sub) for label, sub in self.split(g).items()])
        return g if np.array_equal(out, g) else out
