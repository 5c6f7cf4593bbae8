"""The pymoo side of differentiable architecture search (torch-free at import; torch is imported in ``_setup``).

:class:`DifferentiableSearch` is a pymoo ``Algorithm`` whose generation is one *search epoch* of a trainer from
:mod:`pymoo_gan.training.differentiable` (AdversarialNAS, AlphaGAN). The trainer owns a relaxed generator supernet
built from the problem's space (its registry entry's ``relaxation``) and the problem's settings (data, widths, weight
optimisers, device); it is the problem's *weights provider*
(:meth:`~pymoo_gan.problems.supernet_problem.SupernetSearchProblem.weights_from`). After each epoch the architectures
derived from the logits (``pop_size`` of them, taken at evenly spaced points of the epoch, the last at its end) are the
generation's infills: pymoo's evaluator hands them to ``problem.evaluate``, which scores them like any candidate
(extracted with the weights they inherit from the relaxed supernet's EMA, BN recalibrated, the problem's fixed latents,
real statistics, objectives, constraints, archive and failure handling). The population is the latest generation's
derived archs, so ``res.X``/``res.F`` are the non-dominated ones of the final epoch, ``problem.results()`` lists every
generation's (``kind == "derived"``) and ``res.history`` works as for NSGA-II.

After the run the provider stays attached: ``problem.extract(x)`` and ``problem.sample(x)`` use the search's weights
(``problem.weights_from(None)`` returns to the problem's own trainer).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.util.display.multi import MultiObjectiveOutput


def relaxation_of(problem: Any):
    """The registry relaxation of ``problem``'s space; ``ValueError``/``TypeError`` when the problem cannot host a
    differentiable search (no ``weights_from``, or a space without a relaxation)."""
    if not callable(getattr(problem, "weights_from", None)) or not hasattr(problem, "config"):
        raise TypeError(f"{type(problem).__name__} cannot score on weights an algorithm trains; use a problem with "
                        "weights_from() and a config, e.g. pymoo_gan.GANSearchProblem")
    relaxation = problem.entry.relaxation
    if relaxation is None:
        from pymoo_gan import registry

        relaxed = [n for n in registry.space_names("generator") if registry.space(n).relaxation is not None]
        raise ValueError(f"space {problem.entry.name!r} has no relaxation for differentiable search; "
                         f"allowed: {', '.join(relaxed)}")
    return relaxation


class DifferentiableSearch(Algorithm):
    """Base of :class:`~pymoo_gan.algorithms.AdversarialNAS` and :class:`~pymoo_gan.algorithms.AlphaGAN` (see the
    module docstring); subclasses implement ``_make_trainer``.

    Args:
        pop_size: derived architectures scored per generation (1: the architecture at the end of the epoch).
        n_critic: D iterations per G iteration (both papers: 5).
        arch_lr, arch_betas, arch_weight_decay: Adam of the architecture logits.
        gumbel: relax with Gumbel-softmax of the logits instead of softmax; ``tau`` = ``(start, end, epochs)`` of
            :func:`pymoo_gan.training.differentiable.gumbel_temperature` (AdversarialNAS's released schedule).
        progress: a progress bar per epoch.
        **kwargs: passed to :class:`pymoo.core.algorithm.Algorithm` (``output``, ``callback``, ...).
    """

    needs_relaxation = True  # the registry's algorithm contract test runs it on a relaxed problem only

    def __init__(self, pop_size: int = 1, *, n_critic: int = 5, arch_lr: float = 3e-4,
                 arch_betas: tuple[float, float] = (0.5, 0.999), arch_weight_decay: float = 1e-4,
                 gumbel: bool = False, tau: tuple[float, float, float] = (5.0, 0.1, 25.0), progress: bool = False,
                 **kwargs: Any):
        if isinstance(pop_size, bool) or not isinstance(pop_size, int) or pop_size < 1:
            raise ValueError(f"pop_size={pop_size!r} must be a positive integer")
        kwargs.setdefault("output", MultiObjectiveOutput())
        super().__init__(**kwargs)
        self.pop_size, self.n_critic, self.gumbel, self.tau, self.progress = pop_size, n_critic, gumbel, tau, progress
        self.arch_optim = dict(lr=arch_lr, betas=tuple(arch_betas), weight_decay=arch_weight_decay)
        self.trainer = None

    def _setup(self, problem, **kwargs):
        import torch

        from pymoo_gan.training import resolve_device

        relaxation = relaxation_of(problem)
        c = problem.config
        seed = int(self.random_state.integers(2**31 - 1))  # from pymoo's seeded stream: same seed, same run
        init = torch.Generator().manual_seed(seed)  # initial weights; torch's global state is never used
        generator = relaxation.supernet(problem.space.macro, generator=init)
        images, _ = c.data.load("train")
        self.trainer = self._make_trainer(problem, generator, images, resolve_device(c.device), seed, init)

    def _make_trainer(self, problem, generator, images, device, seed: int, init):
        raise NotImplementedError

    @property
    def search_history(self) -> list[dict[str, float]]:
        """Per search epoch: the mean losses (and AlphaGAN's duality gap, AdversarialNAS's temperature)."""
        return [] if self.trainer is None else list(self.trainer.history)

    def attach_weights(self) -> None:
        """Make the problem score on this algorithm's trainer (done before every generation; a problem unpickled
        from a checkpoint comes without it, see :func:`pymoo_gan.runs.search.run_search`)."""
        self.problem.weights_from(self.trainer)

    def _search_generation(self) -> Population:
        self.attach_weights()
        genotypes = self.trainer.search_epoch(self.pop_size)
        return Population.new(X=np.array(genotypes, dtype=int))

    def _initialize_infill(self):
        return self._search_generation()

    def _infill(self):
        return self._search_generation()

    def _initialize_advance(self, infills=None, **kwargs):
        self.pop = infills

    def _advance(self, infills=None, **kwargs):
        self.pop = infills
