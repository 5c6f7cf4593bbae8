"""Which architecture path the supernet trains on at each step (rng-injected, torch-free)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pymoo_gan.space.base import SearchSpace


class UniformPathSampler:
    """Uniformly random valid architectures of ``space`` (EAGAN's warm-up)."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        self.space, self.rng = space, rng

    def __call__(self):
        return self.space.decode(self.space.sample(self.rng))


class PopulationPathSampler:
    """Architectures drawn uniformly from the current population ("many-to-one" training after warm-up)."""

    def __init__(self, space: SearchSpace, genotypes: Sequence[np.ndarray], rng: np.random.Generator):
        if len(genotypes) == 0:
            raise ValueError("PopulationPathSampler needs at least one genotype")
        self.archs = [space.decode(g) for g in genotypes]
        self.rng = rng

    def __call__(self):
        return self.archs[self.rng.integers(len(self.archs))]
