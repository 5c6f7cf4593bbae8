"""AdversarialNAS (Gao et al., CVPR 2020) as a pymoo Algorithm: G and D architectures searched together.

Example (the embedded default problem; one generation is one search epoch):
    >>> from pymoo.optimize import minimize
    >>> from pymoo_gan import GANSearchProblem
    >>> res = minimize(GANSearchProblem(), AdversarialNAS(), ("n_gen", 3), seed=1)      # doctest: +SKIP
    >>> res.X, res.F, res.problem.results()                                             # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

from pymoo_gan.algorithms.differentiable import DifferentiableSearch


class AdversarialNAS(DifferentiableSearch):
    """Differentiable search of G (the problem's relaxed cell space) against a relaxed searched D.

    D is the relaxation of ``d_space`` (default ``"eagan_discriminator"``: AdversarialNAS's down-cells) with ``d_cells``
    cells that all downsample during search, ``problem.config.model.d_channels`` wide. Each iteration splits a real
    batch of ``train.d_batch_size`` in halves for D's architecture and weight steps; every ``n_critic``-th iteration
    takes a G-architecture and a G-weight step (see :class:`pymoo_gan.training.differentiable.AdversarialNASTrainer`).
    Weight optimisers, batch sizes, loss and EMA are the problem's ``config.train`` (its defaults are the released
    Adam(2e-4, (0, 0.9))); the logits use Adam(3e-4, (0.5, 0.999), weight decay 1e-4) as released.

    Args:
        epochs_per_gen: passes over the training images per generation (1: AdversarialNAS's epoch; smaller for tiny
            tests).
        d_space: a discriminator space of :data:`pymoo_gan.registry.SPACES` with a relaxation.
        d_cells: cells of the searched D (``resolution / 2`` must be divisible by ``2 ** d_cells``).
        **kwargs: see :class:`~pymoo_gan.algorithms.differentiable.DifferentiableSearch`; ``gumbel=True`` with the
            default ``tau`` is the released search script's Gumbel-softmax schedule (on logits).
    """

    def __init__(self, pop_size: int = 1, *, epochs_per_gen: float = 1.0, d_space: str = "eagan_discriminator",
                 d_cells: int = 3, **kwargs: Any):
        if not epochs_per_gen > 0:
            raise ValueError(f"epochs_per_gen={epochs_per_gen!r} must be > 0")
        super().__init__(pop_size, **kwargs)
        self.epochs_per_gen, self.d_space, self.d_cells = epochs_per_gen, d_space, d_cells

    def _make_trainer(self, problem, generator, images, device, seed, init):
        from pymoo_gan import registry
        from pymoo_gan.training.differentiable import AdversarialNASTrainer, ArchOptimConfig

        c = problem.config
        entry = registry.space(self.d_space)
        if entry.kind != "discriminator" or entry.relaxation is None:
            relaxed = [n for n in registry.space_names("discriminator") if registry.space(n).relaxation is not None]
            raise ValueError(f"d_space={self.d_space!r} is no relaxed discriminator space; allowed: "
                             f"{', '.join(relaxed)}")
        macro = entry.macro(channels=c.model.d_channels, in_channels=c.data.channels, resolution=c.data.resolution,
                            n_cells=self.d_cells)
        discriminator = entry.relaxation.supernet(macro, generator=init)
        iterations = math.ceil(self.epochs_per_gen * len(images) / c.train.d_batch_size)
        return AdversarialNASTrainer(generator, discriminator, c.train, images, device, seed, iterations=iterations,
                                     arch_optim=ArchOptimConfig(**self.arch_optim), n_critic=self.n_critic,
                                     gumbel=self.gumbel, tau=self.tau, progress=self.progress)
