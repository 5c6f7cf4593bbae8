"""Mutation: a categorical gene is reset to a different option drawn uniformly, an ordinal gene steps to a neighbour."""

from __future__ import annotations

import numpy as np
from pymoo.core.mutation import Mutation

from pymoo_gan.operators.base import as_genotypes, space_of


class ArchMutation(Mutation):
    """Change each selected gene, then repair the genotype (to its canonical form).

    A categorical gene (:class:`~pymoo_gan.space.Choice`) is never treated as ordinal: with ``k`` options it moves to
    each of the other ``k - 1`` with probability ``1 / (k - 1)``. An ordinal gene (:class:`~pymoo_gan.space.Ordinal`)
    steps to a neighbouring index, ``-1`` or ``+1`` with probability 1/2 each, **reflected** at the ends: the first
    and last options move to their only neighbour, so a selected gene always changes (the walk visits the end
    options half as often as the inner ones). Each gene is selected with probability ``prob_var`` (default
    ``1 / n_var``); when none is selected, one gene (with at least two options) is picked uniformly, so every mutated
    individual changes. The result is repaired with ``space.repair(g, rng=random_state)``; if repair happens to
    restore the parent's architecture, the mutation is redrawn (up to ``max_tries`` times).

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
        ordinal = np.array([gene.ordinal for gene in space.genes], dtype=bool)
        mutable = sizes > 1
        if len(G) == 0 or not mutable.any():
            return G
        p = np.broadcast_to(self.get_prob_var(problem, size=len(G)), (len(G),))
        Y = G.copy()
        for i, g in enumerate(G):
            parent = space.repair(g)  # canonical: a mutant equal to it is the same architecture
            for _ in range(max(1, self.max_tries)):
                Y[i] = space.repair(_mutate_genes(g, sizes, ordinal, mutable, p[i], random_state), rng=random_state)
                if not np.array_equal(Y[i], parent):
                    break
        return Y


def _mutate_genes(g, sizes, ordinal, mutable, prob_var, rng):
    """Select genes with ``prob_var`` (at least one mutable gene); move each categorical one to a uniformly drawn
    other option and each ordinal one to a neighbour (reflected at the ends). A space without ordinal genes draws
    no direction, so its random stream is the one of the categorical-only operator."""
    selected = (rng.random(len(g)) < prob_var) & mutable
    if not selected.any():
        selected[rng.choice(np.flatnonzero(mutable))] = True
    shift = rng.integers(1, np.maximum(sizes, 2))  # uniform over 1 .. size-1: any other option, equally likely
    new = (g + shift) % sizes
    if ordinal.any():
        step = g + np.where(rng.random(len(g)) < 0.5, -1, 1)
        step = np.where(step < 0, 1, np.where(step >= sizes, sizes - 2, step))  # reflect at both ends
        new = np.where(ordinal, step, new)
    return np.where(selected, new, g)
