"""Which architecture path a supernet trains on at each step (rng-injected, torch-free).

A sampler is called once per step and returns ``(key, arch)``: the genotype key of the candidate the step trains
(None for a random warm-up path, which no candidate is blamed for) and its architecture. ``sampler.without(keys)`` is
the sampler of the candidates not in ``keys`` (those whose training failed this round); it raises :class:`RoundOver`
when none is left. Problems take sampler *factories*, called as
``factory(space, rng)`` for the warm-up and ``factory(space, genotypes, rng)`` for a round, with the trainer's
``path_rng``.

Example:
    >>> import numpy as np
    >>> from pymoo_gan.space import EAGANGeneratorSpace
    >>> space = EAGANGeneratorSpace()
    >>> sampler = PopulationPathSampler(space, space.sample(np.random.default_rng(0), 3), np.random.default_rng(1))
    >>> key, arch = sampler()
    >>> key in sampler.keys and sampler.without([key]).keys != sampler.keys
    True
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from pymoo_gan.space.base import SearchSpace


class RoundOver(Exception):
    """No candidate is left to train (all failed): the round ends early. Raised by samplers and unit iterators."""


class UniformPathSampler:
    """Uniformly random valid architectures of ``space`` (EAGAN's warm-up); no candidate is blamed for them."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator):
        self.space, self.rng = space, rng

    def __call__(self) -> tuple[None, object]:
        return None, self.space.decode(self.space.sample(self.rng))

    def without(self, keys: Collection[str]) -> UniformPathSampler:
        return self


class PopulationPathSampler:
    """Architectures drawn uniformly from the current population ("many-to-one" training after warm-up)."""

    def __init__(self, space: SearchSpace, genotypes: Sequence[np.ndarray], rng: np.random.Generator):
        if len(genotypes) == 0:
            raise ValueError("PopulationPathSampler needs at least one genotype")
        self.space, self.genotypes, self.rng = space, list(genotypes), rng
        self.keys = [space.key(g) for g in self.genotypes]
        self.archs = [space.decode(g) for g in self.genotypes]

    def __call__(self) -> tuple[str, object]:
        i = self.rng.integers(len(self.archs))
        return self.keys[i], self.archs[i]

    def without(self, keys: Collection[str]) -> PopulationPathSampler:
        """The sampler of the other genotypes, drawing from the same ``rng``; :class:`RoundOver` when none."""
        keys = set(keys)
        if not keys:
            return self
        live = [g for g, k in zip(self.genotypes, self.keys, strict=True) if k not in keys]
        if not live:
            raise RoundOver
        return PopulationPathSampler(self.space, live, self.rng)
