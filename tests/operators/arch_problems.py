"""Small real pymoo problems over architecture spaces for the operator tests (cheap numpy objectives)."""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem

from pymoo_gan.space import EAGANGeneratorSpace
from pymoo_gan.space.base import Choice, SearchSpace

# a made-up cost per option name; anything unnamed costs 1
OP_COST = {"none": 0.0, "skip": 0.0, "nearest": 0.0, "bilinear": 0.0, "avg_pool": 0.0, "max_pool": 0.0,
           "conv_1x1": 1.0, "deconv": 2.0, "conv_3x3": 9.0, "conv_5x5": 25.0, "dil_conv_3x3": 9.0,
           "dil_conv_5x5": 25.0}


class ArchProblem(Problem):
    """Two objectives of the decoded genotype: -(number of non-'none' genes) and the summed op cost.

    ``archive`` holds the keys of evaluated genotypes; ``log`` lists every evaluated key in order.
    """

    def __init__(self, space: SearchSpace | None = None):
        space = space or EAGANGeneratorSpace()
        super().__init__(n_var=space.n_var, n_obj=2, xl=space.xl, xu=space.xu, vtype=int)
        self.space = space
        self.archive: set[str] = set()
        self.log: list[str] = []
        self._not_none = np.array([[o != "none" for o in g.options] for g in space.genes], dtype=object)
        self._cost = [np.array([OP_COST.get(o, 1.0) for o in g.options]) for g in space.genes]

    def _evaluate(self, X, out, *args, **kwargs):
        G = np.stack([self.space.to_genotype(x) for x in X])
        keys = [self.space.key(g) for g in G]
        self.log.extend(keys)
        self.archive.update(keys)
        n_ops = np.array([[self._not_none[j][v] for j, v in enumerate(g)] for g in G], dtype=float).sum(1)
        cost = np.array([sum(self._cost[j][v] for j, v in enumerate(g)) for g in G])
        out["F"] = np.column_stack([-n_ops, cost])


class TinySpace(SearchSpace):
    """Two genes, 3 x 3 options, (0, 0) forbidden: 8 valid genotypes."""

    genes = (Choice("cell0.a", ("none", "skip", "conv_3x3")), Choice("cell0.b", ("none", "conv_1x1", "conv_5x5")))

    def _decode(self, g):
        return tuple(int(v) for v in g)

    def _encode(self, arch):
        return list(arch)

    def _violations(self, g):
        return [((0, 1), "both none")] if g[0] == 0 and g[1] == 0 else []

    def _fix(self, g, genes, rng):
        g = g.copy()
        g[genes[0] if rng is None else genes[rng.integers(2)]] = 1
        return g
