"""Which architecture path a supernet trains on at each step (rng-injected, torch-free).

A sampler is called once per step and returns ``(key, arch)``: the genotype key of the candidate the step trains
(None for a random warm-up path, which no candidate is blamed for) and its architecture; a *fair* sampler
(:class:`FairPathSampler`) returns a list of them, the paths whose gradients one optimizer step accumulates.
``sampler.without(keys)`` is the sampler of the candidates not in ``keys`` (those whose training failed this round);
it raises :class:`RoundOver` when none is left. Problems take sampler *factories*, called as ``factory(space, rng)``
for the warm-up and ``factory(space, genotypes, rng)`` for a round, with the trainer's ``path_rng``.

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
from pymoo_gan.space.c2f import C2FArch, C2FBlock, C2FLevelSpace, C2FSpace

WIDTH_RULES = ("uniform", "sandwich")


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


class FairPathSampler:
    """Fair paths of a :class:`~pymoo_gan.space.c2f.C2FSpace` (FairNAS-style strict fairness over operators).

    Each call returns ``m = len(macro.ops)`` paths ``[(None, arch), ...]``: every block permutes its ``m`` candidate
    ops independently and path ``j`` takes the ``j``-th of each permutation, so over the ``m`` paths every op of every
    block runs exactly once. A trainer accumulates the gradients of all ``m`` paths before one optimizer step
    (:class:`~pymoo_gan.training.paired.PairedSupernetTrainer`), so each op receives exactly one gradient per step.
    Every block is kept (a skipped block, the identity, has no weights to train). Widths per block and path:
    ``"uniform"`` draws each uniformly from ``macro.widths``; ``"sandwich"`` gives path 0 the largest width in every
    block, path 1 (when ``m >= 2``) the smallest, the others uniform draws. No candidate is blamed for a path.

    Over a :class:`~pymoo_gan.space.c2f.C2FLevelSpace` (fine-tuning between levels) every path is a sub-network of
    that level: each call picks one of the level's bases uniformly, and the level's gene of every block it searches
    (every block for ``path``, the base's kept blocks for ``op`` and ``width``) permutes its ``m`` choices across ``m``
    paths (``m``: 2 keep/skip, ``len(ops)`` or ``len(widths)``), so each choice of each such block runs exactly once;
    everything else is the base's. ``"sandwich"`` on the width level gives path 0 every block's largest width and
    path 1 its smallest (the others a permutation of the rest).

    Example:
        >>> import numpy as np
        >>> from pymoo_gan.space.c2f import C2FMacro, C2FSpace
        >>> space = C2FSpace(C2FMacro(n_blocks=2, ops=("conv3x3", "dwsep3x3")))
        >>> paths = FairPathSampler(space, np.random.default_rng(0), widths="sandwich")()
        >>> [str(arch) for _, arch in paths]  # each block runs both ops, path 0 at full width, path 1 the least
        ['conv3x3@1 | conv3x3@1', 'dwsep3x3@0.25 | dwsep3x3@0.25']
    """

    def __init__(self, space: C2FSpace | C2FLevelSpace, rng: np.random.Generator, widths: str = "uniform"):
        if not isinstance(space, C2FSpace | C2FLevelSpace):
            raise TypeError(f"FairPathSampler needs a C2FSpace or C2FLevelSpace, got {type(space).__name__}")
        if widths not in WIDTH_RULES:
            raise ValueError(f"widths={widths!r} is unknown; allowed: {', '.join(WIDTH_RULES)}")
        self.space, self.rng, self.widths = space, rng, widths

    def __call__(self) -> list[tuple[None, C2FArch]]:
        if isinstance(self.space, C2FLevelSpace):
            return self._level_paths()
        m = self.space.macro
        n_ops, n_blocks = len(m.ops), m.n_blocks
        ops = np.stack([self.rng.permutation(n_ops) for _ in range(n_blocks)], axis=1)  # (path, block)
        widths = self.rng.integers(0, len(m.widths), size=(n_ops, n_blocks))
        if self.widths == "sandwich":
            widths[0] = len(m.widths) - 1
            if n_ops > 1:
                widths[1] = 0
        return [(None, C2FArch(tuple(C2FBlock(m.ops[o], m.widths[w]) for o, w in zip(op_row, w_row, strict=True)),
                               m))
                for op_row, w_row in zip(ops, widths, strict=True)]

    def _level_paths(self) -> list[tuple[None, C2FArch]]:
        level = self.space
        several = len(level.bases) > 1
        k = int(self.rng.integers(len(level.bases))) if several else 0
        n = int(level.xu[int(several)]) + 1  # choices of the level's gene (the same in every block)
        blocks = range(level.macro.n_blocks) if level.level == "path" else level.bases[k].kept
        genes = np.zeros((n, level.macro.n_blocks), dtype=int)
        for i in blocks:
            if level.level == "width" and self.widths == "sandwich" and n > 1:
                genes[:, i] = [n - 1, 0, *(1 + self.rng.permutation(n - 2))]
            else:
                genes[:, i] = self.rng.permutation(n)
        return [(None, level.decode(np.r_[[k] * several, row])) for row in genes]

    def without(self, keys: Collection[str]) -> FairPathSampler:
        return self
