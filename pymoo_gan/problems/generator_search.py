"""Stage 1 of EAGAN: search the generator against one fixed discriminator ("many-to-one").

Example (the embedded default: digits at 16x16, tiny widths, a digits-classifier Fréchet distance; ~2 min on 2 CPU
cores):
    >>> from pymoo.optimize import minimize
    >>> from pymoo_gan import GANSearchProblem, nsga2
    >>> res = minimize(GANSearchProblem(), nsga2(pop_size=8), ("n_gen", 4), seed=1, verbose=True)  # doctest: +SKIP
    >>> res.problem.results()                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import torch

from pymoo_gan import registry
from pymoo_gan.evaluation.scorer import CandidateScorer, score_aliases
from pymoo_gan.evaluation.snapshot import SnapshotScoring
from pymoo_gan.metrics import sparse_cost
from pymoo_gan.models import build_discriminator
from pymoo_gan.problems.config import SearchConfig
from pymoo_gan.problems.supernet_problem import SupernetSearchProblem
from pymoo_gan.training import GeneratorSupernetTrainer, PopulationPathSampler, UniformPathSampler
from pymoo_gan.training.device import resolve_device


def make_generator_space(config: SearchConfig):
    """The generator space named by ``config.model.space`` (see :data:`pymoo_gan.registry.SPACES`) with the config's
    sizes (torch-free)."""
    entry = registry.space(config.model.space)
    return entry.space(entry.macro(latent_dim=config.model.latent_dim, channels=config.model.g_channels,
                                   bottom_width=config.bottom_width, out_channels=config.data.channels))


class GANSearchProblem(SupernetSearchProblem):
    """EAGAN stage 1 as a pymoo Problem: search the generator on a weight-sharing supernet against one fixed D.

    All objectives are minimised (default: Fréchet distance, negative classifier/inception score, parameters); raw
    scores go to extra ``out`` keys (``res.pop.get("fd_digits_cnn")``) and to ``results()``; ``constraints`` such as
    ``{"params": 2e5}`` go to ``out["G"]``. Settings are a :class:`SearchConfig` and/or keyword overrides (by name,
    e.g. ``n_samples=200``, see :meth:`SearchConfig.replace`).

    The supernet trains on the paths of ``warmup_sampler(space, rng)`` in the warm-up and of
    ``round_sampler(space, genotypes, rng)`` in a round (see :mod:`pymoo_gan.training.samplers`). ``hooks``
    (:class:`~pymoo_gan.training.TrainerHook`) extend the supernet's training step; they are not pickled with the
    problem (a resumed search takes them from the problem it is given), their state is the trainer's.
    ``config.sparse`` (``[stage1.problem.sparse]``) adds STU-GAN's :class:`~pymoo_gan.training.SparseTraining` hook to
    them: the supernet and D train with masked convolutions, every candidate inherits the supernet's masks on its
    path, and ``nnz_params`` / ``sparse_macs`` are scored (usable as objectives and constraints). One mask set is
    shared by all paths (the supernet's weights are), so the search compares architectures at one density; a layer's
    masks are regrown only from the gradients of the steps that sampled it.

    ``runner="ray"`` (``config.parallel``, see :class:`~pymoo_gan.evaluation.ParallelConfig`) scores each round's
    candidates on persistent Ray actors, with the same scores as the local runner; the supernet trains here.

    Example:
        >>> problem = GANSearchProblem(objectives=("fd", "params"), constraints={"params": 2e5})
        >>> problem.n_var, problem.n_obj, problem.n_ieq_constr
        (21, 2, 1)
    """

    def __init__(self, config: SearchConfig | None = None, progress: bool = True, hooks=(),
                 warmup_sampler=UniformPathSampler, round_sampler=PopulationPathSampler, **overrides):
        config = config or SearchConfig()
        self.config = config = config.replace(**overrides) if overrides else config
        self.hooks = tuple(hooks)
        self.warmup_sampler, self.round_sampler = warmup_sampler, round_sampler
        self._costs: dict[str, dict[str, float]] = {}  # genotype key -> params, MACs
        config.parallel.check_available()
        if config.parallel.runner != "local" and config.sparse is not None:
            raise ValueError(f"runner={config.parallel.runner!r} cannot score a sparse supernet's candidates yet "
                             "(their masks do not travel); use runner='local' with [sparse]")
        super().__init__(make_generator_space(config), config.objectives, config.constraints,
                         aliases=score_aliases(config.data, config.metrics), round_size=config.schedule.round_size,
                         progress=progress, exclude_from_serialization=("hooks",))

    @property
    def entry(self) -> registry.SpaceEntry:
        """The registry entry of the searched space: its supernet, standalone builder and extraction."""
        return registry.space(self.config.model.space)

    def _build(self):
        c = self.config
        device = resolve_device(c.device)
        images, _ = c.data.load("train")
        init = torch.Generator().manual_seed(c.seed)  # weight init never touches torch's global RNG
        supernet = self.entry.supernet(self.space.macro, generator=init)
        discriminator = build_discriminator(c.model.discriminator, in_channels=c.data.channels,
                                            channels=c.model.d_channels, resolution=c.data.resolution, generator=init)
        hooks = (*self.hooks, *(() if c.sparse is None else (c.sparse.hook(seed=c.seed),)))
        trainer = GeneratorSupernetTrainer(supernet, discriminator, c.train, c.schedule, images, device, c.seed,
                                           hooks=hooks, progress=self.progress)
        return trainer, self._build_scorer()

    def _build_scorer(self):
        c = self.config
        return CandidateScorer(c.data, c.metrics, latent_dim=self.space.macro.latent_dim,
                               device=resolve_device(c.device), seed=c.seed)

    # ---- the round schedule's steps -------------------------------------------------------------------------------
    def warmup(self) -> None:
        """Train the shared weights on the warm-up sampler's paths (``schedule.warmup_epochs``)."""
        self.trainer.warmup(self.warmup_sampler(self.space, self.trainer.path_rng))

    def train_round(self, genotypes) -> None:
        """Train the shared weights on the paths of ``genotypes`` (``schedule.round_epochs``)."""
        self.trainer.train_round(self.round_sampler(self.space, list(genotypes), self.trainer.path_rng))

    def score(self, genotype) -> dict[str, float]:
        """Raw scores of a candidate on the current weights, computed on its extracted copy: the shared weights and
        their BN statistics are not touched."""
        arch = self.space.decode(self.space.to_genotype(genotype))
        net = self.extract_path(arch)
        scores = self.scorer.score_generator(net)
        key = self.space.key(self.space.encode(arch))
        if key not in self._costs:
            self._costs[key] = self.scorer.cost(self.entry.build(arch), arch.macro.latent_dim)
        if self._sparse_scores():  # of the extracted copy: its weights carry the supernet's masks
            z = torch.zeros(1, arch.macro.latent_dim, device=next(net.parameters()).device)
            scores.update({k: float(v) for k, v in sparse_cost(net, z).items()})
        return {**scores, **self._costs[key]}

    def remote_scoring(self) -> SnapshotScoring | None:
        """The job a remote runner scores candidates with: :func:`~pymoo_gan.evaluation.score_snapshot` on this
        problem's settings (None when sparse scores are asked for: the masks do not travel)."""
        if self._sparse_scores():
            return None
        c = self.config
        return SnapshotScoring(self.space, c.data, c.metrics, seed=c.seed, device=c.device)

    def _sparse_scores(self) -> bool:
        """Whether candidates get ``nnz_params`` / ``sparse_macs`` (sparse training, or asked for by name)."""
        keys = {o.key for o in self.objectives} | {c.key for c in self.constraints}
        return self.config.sparse is not None or bool(keys & {"nnz_params", "sparse_macs"})

    # ---- what a user takes away ------------------------------------------------------------------------------------
    def extract_path(self, arch) -> torch.nn.Module:
        """The standalone generator of architecture ``arch`` with weights copied from the scored supernet (a copy:
        the shared weights are never touched through it)."""
        return self.entry.extract(self.trainer.scored_supernet, arch)

    def extract(self, x):
        """A standalone generator (plain ``nn.Module``) of genotype ``x`` with weights copied from the supernet and
        BN statistics recalibrated for this path."""
        net = self.extract_path(self.space.decode(self.space.to_genotype(x)))
        self.scorer.recalibrate(net)
        return net.eval()

    def sample(self, x, n: int = 16) -> np.ndarray:
        """``n`` images (numpy, (n, C, H, W), in [-1, 1]) of genotype ``x`` on the current shared weights."""
        net = self.extract(x)
        with torch.no_grad():
            return net(self.scorer.latents[:n]).float().cpu().numpy()
