"""Repair of any vector within the bounds into a valid integer genotype."""

from __future__ import annotations

import numpy as np
from pymoo.core.repair import Repair

from pymoo_gan.operators.base import space_of


class ArchRepair(Repair):
    """Round by the space's decoding rule, then make the structural constraints hold.

    Each row goes through ``space.to_genotype(x, repair=False)`` (nearest option index, ``floor(v + 0.5)``) and
    ``space.repair(g, rng=...)``. This lets pymoo's real-valued operators (SBX, PM, DE) search a categorical space,
    with the caveat that they treat option indices as ordinal. Valid canonical genotypes pass unchanged (a
    space's inactive genes, e.g. the D's ``down1`` of a cell without downsampling, are set to 0).

    Args:
        stochastic: Fix violated constraints at random with pymoo's injected ``random_state`` (default), or by the
            space's deterministic rule (also used when no ``random_state`` is given).
        clip: Clip finite values outside ``xl .. xu`` onto the bounds first; otherwise they raise ``ValueError``
            naming the gene. Non-finite values always raise.
    """

    def __init__(self, stochastic: bool = True, clip: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.stochastic = stochastic
        self.clip = clip

    def _do(self, problem, X, random_state=None, **kwargs):
        space = space_of(problem)
        X = np.asarray(X)
        if len(X) == 0:
            return np.zeros((0, space.n_var), dtype=int)
        X = X.reshape(len(X), -1).astype(float)
        if X.shape[1] != space.n_var:
            raise ValueError(f"genotypes have {X.shape[1]} genes; this space needs {space.n_var}")
        if self.clip:
            X = np.where(np.isfinite(X), np.clip(X, space.xl, space.xu), X)
        rng = random_state if self.stochastic else None
        return np.stack([space.repair(space.to_genotype(x, repair=False), rng=rng) for x in X])
