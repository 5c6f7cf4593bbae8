"""Torch-free layout of a continuous relaxation (DARTS / AdversarialNAS / AlphaGAN) and the derivation of a discrete
architecture from per-edge op weights.

A relaxation puts a weight on every candidate op of every searched edge. The weights form a dict of arrays, one per
*edge group*, of shape ``(n_cells, n_edges, n_options)``: the last axis lists the group's op names in
:attr:`EdgeGroup.options` order, so a caller turns its architecture logits into weights with a softmax (or
Gumbel-softmax) over the **last** axis. A ``"none"`` option contributes zero to its edge.

**Derivation** (:meth:`Relaxation.derive_genotype`): the op with the largest weight on each edge (``np.argmax``: the
first option on ties), then the space's hard rules, as AdversarialNAS: a node whose inputs all chose ``none`` keeps
the single (edge, non-``none`` op) with the largest weight among its inputs. Weights are compared as given, across the
edges of a node too, so pass probabilities (softmax per edge), not logits. The result is encoded by the space (canonical
form) and passed through its ``repair``, so it is always a valid member of the space; one-hot weights of an arch derive
exactly that arch.

Example:
    >>> import numpy as np
    >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
    >>> space = EAGANGeneratorSpace(GeneratorMacro(n_cells=1, latent_dim=12))
    >>> relax = EAGANGeneratorRelaxation(space)
    >>> relax.shapes()
    {'up': (1, 2, 3), 'normal': (1, 5, 7)}
    >>> w = relax.uniform()
    >>> w["normal"][0, :, 0] = 1.0         # every normal edge prefers 'none'
    >>> w["normal"][0, 1, 3] = 0.5         # c1 (n1 -> n2) likes conv_3x3 best after 'none'
    >>> relax.derive(w).cells[0].edges     # node 2 keeps c1; node 3 keeps its best non-none input (c2, the first tie)
    ('none', 'conv_3x3', 'skip', 'none', 'none')
    >>> arch = space.decode(space.sample(np.random.default_rng(0)))
    >>> relax.derive(relax.one_hot(arch)) == arch
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic

import numpy as np

from pymoo_gan.space import alphagan
from pymoo_gan.space.alphagan import AlphaGANCell, AlphaGANGeneratorArch, AlphaGANGeneratorSpace
from pymoo_gan.space.base import Arch, SearchSpace
from pymoo_gan.space.eagan import (
    DOWN_OPS,
    NORMAL_OPS,
    UP_OPS,
    CellDiscriminatorArch,
    CellGeneratorArch,
    DownCell,
    EAGANDiscriminatorSpace,
    EAGANGeneratorSpace,
    UpCell,
)

Weights = Mapping[str, Any]  # group name -> array-like of shape (n_cells, n_edges, n_options)


@dataclass(frozen=True)
class EdgeGroup:
    """Edges of one kind in every cell: their names within a cell and the op names their weights select."""

    name: str
    edges: tuple[str, ...]
    options: tuple[str, ...]


@dataclass(frozen=True)
class Node:
    """A node that must keep at least one non-``none`` input: its name and its input edges as ``(group, edge)``."""

    name: str
    inputs: tuple[tuple[str, int], ...]


class Relaxation(Generic[Arch]):
    """Weight layout of a space's relaxation, one-hot weights of an arch and the derivation of an arch from weights.

    Subclasses set ``groups`` and ``nodes`` and implement ``_choices(arch)`` (op index per group, cell and edge) and
    ``_arch(choices)`` (its inverse).

    Args:
        space: the search space whose architectures are relaxed (its macro gives ``n_cells``).
    """

    groups: tuple[EdgeGroup, ...] = ()
    nodes: tuple[Node, ...] = ()  # per cell

    def __init__(self, space: SearchSpace[Arch]):
        self.space = space
        self.n_cells = space.macro.n_cells

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.space!r})"

    def shapes(self) -> dict[str, tuple[int, int, int]]:
        """Group name -> shape ``(n_cells, n_edges, n_options)`` of its weights."""
        return {g.name: (self.n_cells, len(g.edges), len(g.options)) for g in self.groups}

    def check(self, weights: Weights) -> dict[str, np.ndarray]:
        """``weights`` as float arrays after checking the group names, shapes and finiteness (``ValueError``)."""
        shapes = self.shapes()
        if not isinstance(weights, Mapping) or set(weights) != set(shapes):
            got = sorted(weights) if isinstance(weights, Mapping) else type(weights).__name__
            raise ValueError(f"weights must be a dict with the groups {sorted(shapes)}; got {got}")
        out = {}
        for name, shape in shapes.items():
            w = np.asarray(weights[name], dtype=float)
            if w.shape != shape:
                raise ValueError(f"weights[{name!r}] has shape {w.shape}; expected {shape} "
                                 f"(n_cells, edges {self._group(name).edges}, options {self._group(name).options})")
            if not np.all(np.isfinite(w)):
                raise ValueError(f"weights[{name!r}] has non-finite values")
            out[name] = w
        return out

    def uniform(self) -> dict[str, np.ndarray]:
        """Equal weights on every option (each edge's weights sum to 1)."""
        return {name: np.full(shape, 1.0 / shape[-1]) for name, shape in self.shapes().items()}

    def one_hot(self, arch: Arch) -> dict[str, np.ndarray]:
        """Weights that select exactly ``arch`` (1 on its op of every edge, 0 elsewhere)."""
        out = {}
        for name, idx in self._choices(arch).items():
            w = np.zeros(self.shapes()[name])
            np.put_along_axis(w, idx[..., None], 1.0, axis=-1)
            out[name] = w
        return out

    def derive_genotype(self, weights: Weights) -> np.ndarray:
        """The canonical, valid genotype derived from ``weights`` (see the module docstring)."""
        w = self.check(weights)
        choices = {name: a.argmax(axis=-1) for name, a in w.items()}
        for cell in range(self.n_cells):
            for node in self.nodes:
                self._keep_one_input(w, choices, cell, node)
        g = self.space.encode(self._arch(choices))
        return self.space.repair(g)  # the identity for a valid genotype; a safety net for the rules above

    def derive(self, weights: Weights) -> Arch:
        """The architecture derived from ``weights``: ``space.decode(derive_genotype(weights))``."""
        return self.space.decode(self.derive_genotype(weights))

    # ---- helpers -----------------------------------------------------------------------------------------------
    def _group(self, name: str) -> EdgeGroup:
        return next(g for g in self.groups if g.name == name)

    def _keep_one_input(self, w, choices, cell: int, node: Node) -> None:
        """If every input of ``node`` chose ``none``, switch the input with the best non-``none`` weight to it."""
        best = None  # (weight, group, edge, option)
        for group, edge in node.inputs:
            options = self._group(group).options
            none = options.index("none")
            if choices[group][cell, edge] != none:
                return
            row = w[group][cell, edge].copy()
            row[none] = -np.inf
            k = int(row.argmax())
            if best is None or row[k] > best[0]:
                best = (row[k], group, edge, k)
        _, group, edge, k = best
        choices[group][cell, edge] = k

    def _choices(self, arch: Arch) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _arch(self, choices: Mapping[str, np.ndarray]) -> Arch:
        raise NotImplementedError


class EAGANGeneratorRelaxation(Relaxation[CellGeneratorArch]):
    """AdversarialNAS relaxation of :class:`~pymoo_gan.space.eagan.EAGANGeneratorSpace`: groups ``up`` (2 edges x
    ``UP_OPS``) and ``normal`` (``c0..c4`` x ``NORMAL_OPS``); nodes 2 and 3 keep a non-``none`` input."""

    groups = (EdgeGroup("up", ("up0", "up1"), UP_OPS),
              EdgeGroup("normal", ("c0", "c1", "c2", "c3", "c4"), NORMAL_OPS))
    nodes = (Node("node2", (("normal", 0), ("normal", 1))),
             Node("node3", (("normal", 2), ("normal", 3), ("normal", 4))))

    def __init__(self, space: EAGANGeneratorSpace):
        super().__init__(space)

    def _choices(self, arch):
        _check_cells(arch, self.n_cells)
        return {"up": np.array([[UP_OPS.index(u) for u in c.up] for c in arch.cells]),
                "normal": np.array([[NORMAL_OPS.index(e) for e in c.edges] for c in arch.cells])}

    def _arch(self, choices):
        cells = tuple(UpCell(up=tuple(UP_OPS[i] for i in up), edges=tuple(NORMAL_OPS[i] for i in normal))
                      for up, normal in zip(choices["up"], choices["normal"], strict=True))
        return CellGeneratorArch(cells=cells, macro=self.space.macro)


class EAGANDiscriminatorRelaxation(Relaxation[CellDiscriminatorArch]):
    """AdversarialNAS relaxation of :class:`~pymoo_gan.space.eagan.EAGANDiscriminatorSpace` in which **every cell
    downsamples** (as AdversarialNAS searches; mixing a downsampled and a full-size output is impossible): groups
    ``c0`` (``NORMAL_OPS`` without ``none``, as the space), ``normal`` (``c1..c4`` x ``NORMAL_OPS``) and ``down``
    (``down0, down1`` x the 6 downsampling ops). Nodes 2 and 3 keep a non-``none`` input. Archs with a cell that keeps
    its resolution have no one-hot weights (``ValueError``); derived archs always downsample in every cell.
    """

    groups = (EdgeGroup("c0", ("c0",), NORMAL_OPS[1:]),
              EdgeGroup("normal", ("c1", "c2", "c3", "c4"), NORMAL_OPS),
              EdgeGroup("down", ("down0", "down1"), DOWN_OPS[1:]))
    nodes = (Node("node2", (("normal", 0), ("normal", 1))),
             Node("node3", (("normal", 2), ("normal", 3))))

    def __init__(self, space: EAGANDiscriminatorSpace):
        super().__init__(space)

    def _choices(self, arch):
        _check_cells(arch, self.n_cells)
        for k, cell in enumerate(arch.cells):
            if "none" in cell.down:
                raise ValueError(f"cell {k} of {arch} keeps its resolution (down={cell.down}); the relaxed "
                                 "discriminator downsamples in every cell")
        return {"c0": np.array([[NORMAL_OPS[1:].index(c.edges[0])] for c in arch.cells]),
                "normal": np.array([[NORMAL_OPS.index(e) for e in c.edges[1:]] for c in arch.cells]),
                "down": np.array([[DOWN_OPS[1:].index(d) for d in c.down] for c in arch.cells])}

    def _arch(self, choices):
        cells = tuple(DownCell(edges=(NORMAL_OPS[1 + c0[0]],) + tuple(NORMAL_OPS[i] for i in normal),
                               down=tuple(DOWN_OPS[1 + i] for i in down))
                      for c0, normal, down in zip(choices["c0"], choices["normal"], choices["down"], strict=True))
        return CellDiscriminatorArch(cells=cells, macro=self.space.macro)


class AlphaGANGeneratorRelaxation(Relaxation[AlphaGANGeneratorArch]):
    """AlphaGAN's relaxation of :class:`~pymoo_gan.space.alphagan.AlphaGANGeneratorSpace`: **every** edge is mixed.

    Groups ``up`` (``up0, up1`` x ``alphagan.UP_OPS``), ``normal`` (``c0, c1, c2`` x ``alphagan.NORMAL_OPS``) and,
    for two or more cells, ``skip`` (``from_cell0 .. from_cell{n_cells-2}`` x ``alphagan.UP_OPS``): row ``[c, j]``
    is the skip edge from cell ``j`` into cell ``c``, an edge only for ``j < c``. The other rows (``j >= c``: cell 0's
    row and the upper triangle) keep the ``(n_cells, n_edges, n_options)`` layout of every relaxation; they are
    ignored by the relaxed network and by the derivation, and ``one_hot`` puts their weight on option 0. (AlphaGAN's
    own tensors are ``alphas_skip_2`` (1, 3) and ``alphas_skip_3`` (2, 3): rows 1 and 2 here.) No option is
    ``none``, so there are no node rules and the derivation is the argmax per edge.
    """

    nodes = ()

    def __init__(self, space: AlphaGANGeneratorSpace):
        super().__init__(space)
        groups = [EdgeGroup("up", ("up0", "up1"), alphagan.UP_OPS),
                  EdgeGroup("normal", ("c0", "c1", "c2"), alphagan.NORMAL_OPS)]
        if self.n_cells > 1:
            groups.append(EdgeGroup("skip", tuple(f"from_cell{j}" for j in range(self.n_cells - 1)), alphagan.UP_OPS))
        self.groups = tuple(groups)

    def _choices(self, arch):
        _check_cells(arch, self.n_cells)
        out = {"up": np.array([[alphagan.UP_OPS.index(u) for u in c.up] for c in arch.cells]),
               "normal": np.array([[alphagan.NORMAL_OPS.index(e) for e in c.edges] for c in arch.cells])}
        if self.n_cells > 1:
            skip = np.zeros((self.n_cells, self.n_cells - 1), dtype=int)
            for c, cell in enumerate(arch.cells):
                skip[c, :c] = [alphagan.UP_OPS.index(v) for v in cell.skips]
            out["skip"] = skip
        return out

    def _arch(self, choices):
        cells = []
        for c in range(self.n_cells):
            skips = tuple(alphagan.UP_OPS[i] for i in choices["skip"][c, :c]) if c else ()
            cells.append(AlphaGANCell(up=tuple(alphagan.UP_OPS[i] for i in choices["up"][c]),
                                      edges=tuple(alphagan.NORMAL_OPS[i] for i in choices["normal"][c]), skips=skips))
        return AlphaGANGeneratorArch(cells=tuple(cells), macro=self.space.macro)


def _check_cells(arch, n_cells: int) -> None:
    if len(arch.cells) != n_cells:
        raise ValueError(f"arch has {len(arch.cells)} cells; the relaxation has n_cells={n_cells}")
