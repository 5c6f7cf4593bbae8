"""Stage 2 of EAGAN: search the discriminator for one fixed generator ("one-to-one" with weight-resetting).

Every candidate D is paired with its *own* copy of the generator and the D candidates share weights through a
discriminator supernet (the training is :class:`~pymoo_gan.training.PairTrainer`'s). A D candidate is scored through
the Fréchet distance / classifier score of the G copy it trained, plus its own size. Weight-resetting (the paper's
rule, lost from the released code): before each round every copy becomes a real copy of the G of the best pair by
``reset_objective`` on the latest scores. G enters stage 2 with its stage-1 weights.

``pairs="synchronous"`` trains every pair of a round from the same D-supernet snapshot and averages the D updates
(:mod:`pymoo_gan.training.pair_sync`); with ``runner="ray"`` (which needs it) the pairs train on persistent Ray actors,
one pair per task, with the results of the local runner. The pairs' G copies are scored here.

Example (after a stage-1 search ``res1`` of ``problem1``):
    >>> G = problem1.extract(res1.opt[0].X)                                                     # doctest: +SKIP
    >>> c = problem1.config
    >>> problem2 = DiscriminatorSearchProblem(G, data=c.data, metrics=c.metrics, seed=c.seed)    # doctest: +SKIP
    >>> res2 = minimize(problem2, nsga2(pop_size=8), ("n_gen", 3), seed=1)                       # doctest: +SKIP
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.pair_training import PairTraining, RemotePairs
from pymoo_gan.evaluation.scorer import CandidateScorer, score_aliases
from pymoo_gan.metrics import count_macs, count_params
from pymoo_gan.problems.config import DiscriminatorSearchConfig
from pymoo_gan.problems.objectives import Objective, resolve_objectives
from pymoo_gan.problems.supernet_problem import SupernetSearchProblem
from pymoo_gan.training import PairTrainer, UniformPathSampler
from pymoo_gan.training.device import resolve_device


def make_discriminator_space(config: DiscriminatorSearchConfig, data: DataConfig):
    """The discriminator space ``config.space`` names (the registry's), at the data's channels and resolution."""
    entry = registry.space(config.space)
    return entry.space(entry.macro(channels=config.channels, in_channels=data.channels, resolution=data.resolution))


class DiscriminatorSearchProblem(SupernetSearchProblem):
    """EAGAN stage 2 as a pymoo Problem: search the discriminator for a fixed, pre-trained generator.

    Args:
        generator: the generator G* (a standalone module with ``.latent_dim``, e.g. ``problem1.extract(x)``); it
            enters stage 2 with its weights as they are.
        config: stage-2 settings (:class:`DiscriminatorSearchConfig`) and/or keyword ``overrides``.
        data, metrics: what the pairs train on and how they are scored: stage 1's (``problem1.config.data``,
            ``problem1.config.metrics``), so the scores of both stages compare.
        device, seed: as stage 1's.

    Objectives (all minimised; default Fréchet distance, negative classifier score, D parameters) read the scores of
    the pair's G copy and the candidate D's size (``d_params``, ``d_macs``).

    Example:
        >>> import torch
        >>> from pymoo_gan.models import build_generator
        >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
        >>> g_space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=24, channels=32, bottom_width=2, out_channels=1))
        >>> G = build_generator(g_space.decode([1] * 21))
        >>> problem = DiscriminatorSearchProblem(G, channels=16)
        >>> problem.n_var, [o.key for o in problem.objectives]
        (21, ['fd_digits_cnn', 'cs_digits_cnn', 'd_params'])
    """

    trains_offspring = True

    def __init__(self, generator: nn.Module, config: DiscriminatorSearchConfig | None = None, *,
                 data: DataConfig | None = None, metrics: MetricsConfig | None = None, device: str = "auto",
                 seed: int = 0, progress: bool = True, **overrides):

        data, metrics = data or DataConfig(), metrics or MetricsConfig()
        self.data_config, self.metrics_config, self.device_name, self.seed = data, metrics, device, seed
        config = config or DiscriminatorSearchConfig()
        self.config = config.replace(**overrides) if overrides else config
        if not hasattr(generator, "latent_dim"):
            raise TypeError(f"generator {type(generator).__name__} needs a .latent_dim (pymoo_gan's generators have "
                            "one)")
        self.config.parallel.check_available()
        self._generator = generator
        self._costs: dict[str, dict[str, float]] = {}  # genotype key -> d_params, d_macs
        aliases = score_aliases(data, metrics)
        super().__init__(make_discriminator_space(self.config, data), self.config.objectives,
                         self.config.constraints, aliases=aliases, round_size=self.config.schedule.round_size,
                         progress=progress, exclude_from_serialization=("_generator",))
        self.rank_objective: Objective = resolve_objectives([self.config.reset_objective], aliases)[0]

    def settings(self):
        return self.config, self.data_config, self.metrics_config, self.device_name, self.seed

    @property
    def entry(self) -> registry.SpaceEntry:
        """The registry entry of the searched discriminator space."""
        return registry.space(self.config.space)

    def _build(self):
        if self._generator is None:
            raise RuntimeError("this stage-2 problem was unpickled without its generator; restore it from a "
                               "checkpoint with the trainer state")
        c = self.config
        device = resolve_device(self.device_name)
        images, _ = self.data_config.load("train")
        init = torch.Generator().manual_seed(self.seed)
        trainer = PairTrainer(self._generator, self.entry.supernet(self.space.macro, generator=init), c.train,
                              c.schedule, images, device, self.seed, turn_steps=c.turn_steps,
                              reset=c.reset == "best", progress=self.progress, pairs=c.pairs)
        if self.runner.remote:
            trainer.pair_runner = RemotePairs(self.runner, self.pair_training())
        scorer = CandidateScorer(self.data_config, self.metrics_config, latent_dim=self._generator.latent_dim,
                                 device=device, seed=self.seed)
        return trainer, scorer

    def pair_training(self) -> PairTraining:
        """The picklable job a remote runner trains this problem's pairs with (settings and G's architecture)."""
        c = self.config
        return PairTraining(copy.deepcopy(self._generator).cpu(), c.space, self.space.macro, c.train, self.data_config,
                            self.device_name)

    # ---- the round schedule's steps -------------------------------------------------------------------------------
    def warmup(self) -> None:
        """Train the entering G against uniformly random D paths (``schedule.warmup_epochs``)."""
        self.trainer.warmup(UniformPathSampler(self.space, self.trainer.path_rng))

    def train_round(self, genotypes) -> None:
        """Reset or keep the G copies, then train the pairs of ``genotypes`` in turn (``schedule.round_epochs``)."""
        archs = {}
        for g in genotypes:
            archs.setdefault(self.space.key(g), self.space.decode(g))
        self.trainer.train_round(archs, best=self.best_pair())

    def best_pair(self) -> str | None:
        """The key of the best pair by ``reset_objective`` on the scores of the current weights (pairs whose training
        failed and non-finite scores never win; None before any pair is scored)."""
        trainer = self.trainer
        rows = self.archive.at_version(trainer.weights_version)
        ranked = [(self.rank_objective.minimised(r), r["genotype"]) for r in rows
                  if r["genotype"] in trainer.copies and r["genotype"] not in trainer.failures]
        ranked = [(rank, key) for rank, key in ranked if np.isfinite(rank)]
        return min(ranked)[1] if ranked else None

    def score(self, genotype) -> dict[str, float]:
        """Raw scores of a pair on a copy of its G (the pair's own G, BN statistics included, is not touched)."""
        key = self.space.key(self.space.to_genotype(genotype))
        scores = self.scorer.score_generator(copy.deepcopy(self.trainer.generator_of(key, self.best_pair())))
        if key not in self._costs:
            D = self.entry.build(self.space.decode(genotype)).eval()
            m = self.space.macro
            x = torch.zeros(1, m.in_channels, m.resolution, m.resolution)
            self._costs[key] = {"d_params": float(count_params(D)), "d_macs": float(count_macs(D, x))}
        return {**scores, **self._costs[key]}

    # ---- what a user takes away ------------------------------------------------------------------------------------
    def extract(self, x) -> tuple[nn.Module, nn.Module]:
        """``(G, D)`` of genotype ``x``: a copy of its generator (BN recalibrated) and the standalone discriminator
        with weights copied from the supernet."""
        genotype = self.space.to_genotype(x)
        G = copy.deepcopy(self.trainer.generator_of(self.space.key(genotype), self.best_pair()))
        self.scorer.recalibrate(G)
        return G.eval(), self.entry.extract(self.trainer.supernet, self.space.decode(genotype)).eval()

    def sample(self, x, n: int = 16) -> np.ndarray:
        """``n`` images (numpy, (n, C, H, W), in [-1, 1]) from the G copy paired with discriminator ``x``."""
        G, _ = self.extract(x)
        with torch.no_grad():
            return G(self.scorer.latents[:n]).float().cpu().numpy()
