"""Exchange of genes between two parents: gene-wise (uniform) or cell-wise (the space's gene groups)."""

from __future__ import annotations

import numpy as np
from pymoo.core.crossover import Crossover

from pymoo_gan.operators.base import as_genotypes, space_of
from pymoo_gan.space.base import SearchSpace

EXCHANGES = ("gene", "cell")


class ArchCrossover(Crossover):
    """Two parents, two complementary children that exchange genes (or whole cells), then repair.

    For each mating and each unit (a gene, or with ``exchange="cell"`` a block of genes from :meth:`gene_groups`)
    a coin with probability ``prob_exchange`` decides whether the children swap the parents' values: child 0 takes
    the unit from parent 1 and child 1 from parent 0, otherwise each keeps its own parent's. Children are then
    repaired with ``space.repair(g, rng=random_state)``. This is the gene-exchanging crossover the EAGAN paper
    describes; its released code instead copies one differing gene of parent b into a, which is a directed
    one-gene mutation (see ``reference/eagan.md`` §4) and is not reproduced here.

    In the EAGAN spaces every constraint lies inside a cell, so cell-wise exchange of valid parents needs no repair.

    Args:
        prob: Probability that a mating is crossed at all (pymoo's ``Crossover.prob``; otherwise parents are copied).
        exchange: ``"gene"`` (uniform crossover) or ``"cell"`` (the blocks of ``space.gene_groups()``: by default
            genes sharing a name prefix; a :class:`~pymoo_gan.space.ProductSpace` keeps each part's blocks).
        prob_exchange: Probability that a unit is swapped between the children.
        **kwargs: Passed to :class:`pymoo.core.crossover.Crossover`.
    """

    def __init__(self, prob: float = 0.9, exchange: str = "gene", prob_exchange: float = 0.5, **kwargs):
        if exchange not in EXCHANGES:
            raise ValueError(f"exchange={exchange!r}; allowed: {', '.join(map(repr, EXCHANGES))}")
        if not 0.0 <= prob_exchange <= 1.0:
            raise ValueError(f"prob_exchange={prob_exchange!r} must lie in [0, 1]")
        super().__init__(n_parents=2, n_offsprings=2, prob=prob, **kwargs)
        self.exchange = exchange
        self.prob_exchange = prob_exchange

    @staticmethod
    def gene_groups(space: SearchSpace) -> list[np.ndarray]:
        """The blocks of gene indices that ``exchange="cell"`` swaps: ``space.gene_groups()``.

        By default genes are grouped by the prefix of their name before the first ``'.'``, in order of appearance
        (``'cell0.up0'`` and ``'cell0.c3'`` share the group ``'cell0'``; a name without ``'.'`` is its own group); a
        :class:`~pymoo_gan.space.ProductSpace` gives each part's groups (``'g.cell0'``, ``'d.cell0'``, ...).

        Example:
            >>> from pymoo_gan.space import EAGANGeneratorSpace
            >>> [g.tolist() for g in ArchCrossover.gene_groups(EAGANGeneratorSpace())][0]
            [0, 1, 2, 3, 4, 5, 6]
        """
        return space.gene_groups()

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        space = space_of(problem)
        n_parents, n_matings, n_var = X.shape
        P = as_genotypes(space, X.reshape(-1, n_var)).reshape(n_parents, n_matings, n_var)

        if self.exchange == "gene":
            unit = np.arange(n_var)
            n_units = n_var
        else:
            groups = self.gene_groups(space)
            unit = np.empty(n_var, dtype=int)
            for k, idx in enumerate(groups):
                unit[idx] = k
            n_units = len(groups)
        swap = (random_state.random((n_matings, n_units)) < self.prob_exchange)[:, unit]

        Y = np.stack([np.where(swap, P[1], P[0]), np.where(swap, P[0], P[1])])
        for c in range(2):
            for k in range(n_matings):
                Y[c, k] = space.repair(Y[c, k], rng=random_state)
        return Y
