"""Random-reset mutation of categorical genes: a mutated gene takes a different option, drawn uniformly."""

from __future__ import annotations

import numpy as np
from pymoo.core.mutation import Mutation

from pymoo_gan.operators.base import as_genotypes, space_of


class ArchMutation(Mutation):
    """Set each selected gene to a different option drawn uniformly, then repair the genotype (to its canonical form).

    Options are categorical, never ordinal: a gene with ``k`` options moves to each of the other ``k - 1`` with
    probability ``1 / (k - 1)``. Each gene is selected with probability ``prob_var`` (default ``1 / n_var``);
    when none is selected, one gene (with at least two options) is picked uniformly, so every mutated individual
    changes. The result is repaired with ``space.repair(g, rng=random_state)``; if repair happens to restore the
    parent's architecture, the mutation is redrawn (up to ``max_tries`` times).

    Args:
        prob: Probability that an individual is mutated (pymoo's ``Mutation.prob``).
        prob_var: Probability that a gene is selected; ``None`` means ``1 / n_var``.
        max_tries: Redraws when repair undoes the mutation.
        **kwargs: Passed to :class:`pymoo.core.mutation.Mutation`.
    """

    def __init__(self, prob: float = 1.0, prob_var: float | None = None, max_tries: int = 10, **kwargs):
        super().__init__(prob=prob, prob_var=prob_var, **kwargs)
        self.max_tries = max_tries

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        space = space_of(problem)
        G = as_genotypes(space, X)
        sizes = np.array([gene.size for gene in space.genes], dtype=int)
        mutable = sizes > 1
        if len(G) == 0 or not mutable.any():
            return G
        p = np.broadcast_to(self.get_prob_var(problem, size=len(G)), (len(G),))
        Y = G.copy()
        for i, g in enumerate(G):
            parent = space.repair(g)  # canonical: a mutant equal to it is the same architecture
            for _ in range(max(1, self.max_tries)):
                Y[i] = space.repair(_reset_genes(g, sizes, mutable, p[i], random_state), rng=random_state)
                if not np.array_equal(Y[i], parent):
                    break
        return Y


def _reset_genes(g, sizes, mutable, prob_var, rng):
    """Select genes with ``prob_var`` (at least one mutable gene) and move each to a uniformly drawn other option."""
    selected = (rng.random(len(g)) < prob_var) & mutable
    if not selected.any():
        selected[rng.choice(np.flatnonzero(mutable))] = True
    shift = rng.integers(1, np.maximum(sizes, 2))  # uniform over 1 .. size-1: any other option, equally likely
    return np.where(selected, (g + shift) % sizes, g)
