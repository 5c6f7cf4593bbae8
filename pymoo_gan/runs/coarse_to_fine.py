"""The coarse-to-fine pipeline: fair supernet training on a paired task, then the path, op and width levels, each a
pymoo run seeded with the previous level's Pareto set (or its knee), optional fair fine-tuning between levels.

:func:`coarse_to_fine` runs it in this process from a :class:`C2FSettings` and returns a :class:`C2FResult`: each
level's front (architectures with PSNR, SSIM, MACs, parameters) and, for super-resolution, the bicubic baseline's
PSNR/SSIM on the same evaluation pairs. :func:`pymoo_gan.report.c2f.plot_quality_vs_macs` draws the fronts against
that baseline; :func:`retrain` trains a chosen network on its own (freshly initialised, or from the supernet's
weights), which :func:`pymoo_gan.runs.export.export_model` then writes. :mod:`pymoo_gan.runs.c2f_run` runs it from a
problem file into a run directory (``pymoo-gan search``).

**Checkpoints.** Given a ``directory``, every piece checkpoints so a kill loses at most one generation (or one chunk
of training): fair training (:func:`train_supernet`, the fine-tuning before a level, :func:`retrain`) saves the
trainer's state (weights, optimizers, random streams, failures) after every chunk of steps
(:func:`train_checkpointed`), and each level is a :func:`~pymoo_gan.runs.search.run_search` into
``<directory>/<level>/`` (the pickled algorithm with its problem, whose space holds the handed-over bases, and the
trainer's state after every generation; ``results.csv`` with one row per evaluation). Running again resumes; with a
fixed seed on CPU the result equals an uninterrupted run's.

**Fine-tuning between levels** samples only sub-networks of the coming level (a
:class:`~pymoo_gan.training.samplers.FairPathSampler` over its :class:`~pymoo_gan.space.c2f.C2FLevelSpace`), so the
weights of choices the previous levels dropped are not trained further.

Example:
    >>> result = coarse_to_fine(C2FSettings(supernet_steps=2, pop_size=4, n_gen=1, n_eval=16))
    >>> [front.level for front in result.fronts], result.baseline["psnr"] > 0
    (['path', 'op', 'width'], True)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from pymoo.optimize import minimize

from pymoo_gan import registry
from pymoo_gan.algorithms import nsga2
from pymoo_gan.data.paired import PairedConfig, bicubic_upsample
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.paired import score_paired
from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.evaluation.runners import make_runner
from pymoo_gan.metrics.image_quality import image_quality
from pymoo_gan.models.c2f import C2FGenerator, C2FSupernet, build_c2f, extract_c2f
from pymoo_gan.models.conditional import ConditionalDiscriminator
from pymoo_gan.problems.c2f import C2FProblem, next_level, pareto_archs, seeded_population
from pymoo_gan.runs.checkpoint import load_checkpoint, save_checkpoint
from pymoo_gan.runs.search import run_search
from pymoo_gan.space.c2f import LEVELS, C2FArch, C2FLevelSpace, C2FMacro, C2FSpace
from pymoo_gan.training.device import resolve_device
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.paired import PairedLossConfig, PairedSupernetTrainer
from pymoo_gan.training.samplers import FairPathSampler

__all__ = ["C2FResult", "C2FScoring", "C2FSettings", "LevelFront", "bicubic_baseline", "coarse_to_fine",
           "evaluation_pairs", "fair_sampler", "quality_extractor", "retrain", "search_levels", "train_checkpointed",
           "train_supernet"]

TRAINING_FORMAT = "pymoo_gan.c2f.training/1"
CHUNKS = 10  # checkpoints per piece of training


@dataclass(frozen=True)
class C2FSettings:
    """Everything a coarse-to-fine run needs; the defaults are the CPU-sized ×2 super-resolution of the embedded
    digits (16x16 targets from 8x8 inputs).

    Args:
        task: the paired task (its scale is the network's).
        channels, n_blocks, ops, widths: the space (:class:`~pymoo_gan.space.c2f.C2FMacro`; image channels and scale
            come from ``task``).
        train, losses: supernet training (:class:`~pymoo_gan.training.paired.PairedSupernetTrainer`).
        d_channels: the conditional discriminator's width.
        width_rule: ``"uniform"`` or ``"sandwich"`` (:class:`~pymoo_gan.training.samplers.FairPathSampler`).
        supernet_steps: fair steps before the path level; finetune_steps: fair steps before each later level.
        pop_size, n_gen: NSGA-II per level.
        knee: hand only the knee of a level's front to the next level (else its whole Pareto set).
        objectives, macs_budget: the problems' objectives and optional MACs constraint.
        extractor: a :data:`pymoo_gan.registry.EXTRACTORS` name, built for ``task.data`` (e.g. ``"classifier"``:
            the digits CNN), for the ``fd`` objective of translation tasks (``fd_<extractor>``).
        n_eval: test pairs every candidate is scored on (the first ``n_eval`` of the test split).
        seed: seeds weights, batches, paths and the algorithm.
        parallel: where each level scores its candidates (:class:`~pymoo_gan.evaluation.parallel.ParallelConfig`,
            ``[search.parallel]``): here (``runner="local"``) or on persistent Ray actors (``runner="ray"``,
            :class:`C2FScoring`); the supernet's training and fine-tuning stay in this process. Same results.
    """

    task: PairedConfig = field(default_factory=PairedConfig)
    channels: int = 16
    n_blocks: int = 4
    ops: tuple[str, ...] = ("conv3x3", "dwsep3x3", "dilated3x3")
    widths: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(g_lr=1e-3, d_lr=1e-4, beta1=0.5, beta2=0.99))
    losses: PairedLossConfig = field(default_factory=PairedLossConfig)
    d_channels: int = 16
    width_rule: str = "sandwich"
    supernet_steps: int = 300
    finetune_steps: int = 0
    pop_size: int = 8
    n_gen: int = 4
    knee: bool = False
    objectives: tuple = ("psnr", "macs")
    extractor: str | None = None  # a registry extractor of task.data's images, for the "fd" objective (translation)
    macs_budget: float | None = None
    n_eval: int = 256
    seed: int = 0
    parallel: ParallelConfig = field(default_factory=ParallelConfig)

    def __post_init__(self):
        for name in ("supernet_steps", "finetune_steps", "n_gen"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}={value!r} must be a non-negative integer")
        for name in ("pop_size", "n_eval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")

    def macro(self) -> C2FMacro:
        c_in, c_out = self.task.channels
        return C2FMacro(in_channels=c_in, out_channels=c_out, channels=self.channels, n_blocks=self.n_blocks,
                        scale=self.task.factor, ops=self.ops, widths=self.widths)


@dataclass
class LevelFront:
    """One level's result: its space, its Pareto architectures and their raw scores (one array per score)."""

    level: str
    space: C2FLevelSpace
    archs: list[C2FArch]
    scores: dict[str, np.ndarray]
    n_evaluated: int


@dataclass
class C2FResult:
    """The fronts of the three levels (in order), the baseline scores (bicubic for super-resolution, else empty) and
    the trained supernet."""

    fronts: list[LevelFront]
    baseline: dict[str, float]
    supernet: C2FSupernet

    @property
    def final(self) -> LevelFront:
        return self.fronts[-1]


def train_checkpointed(trainer: PairedSupernetTrainer, n_steps: int, sampler, path: str | os.PathLike | None,
                       desc: str = "fair training") -> None:
    """``trainer.train(n_steps, sampler)`` in :data:`CHUNKS` chunks, saving the trainer's state to ``path`` after each
    (atomically), and resuming from ``path`` when it holds a checkpoint of these steps; ``path=None``: one call, no
    checkpoint. The steps and random streams are the same either way, so the weights are too."""
    done = 0
    if path is not None and Path(path).is_file():
        state = load_checkpoint(path)
        if state["format"] != TRAINING_FORMAT or state["n_steps"] != n_steps:
            raise ValueError(f"{path} holds {state.get('n_steps')} steps of {state['format']}; this run trains "
                             f"{n_steps} ({TRAINING_FORMAT}); use another directory or --fresh")
        trainer.load_state_dict(state["trainer"])
        done = state["done"]
    if path is None:
        trainer.train(n_steps, sampler, desc)
        return
    chunk = max(1, math.ceil(n_steps / CHUNKS))
    while done < n_steps:
        k = min(chunk, n_steps - done)
        trainer.train(k, sampler, desc)
        done += k
        save_checkpoint({"format": TRAINING_FORMAT, "n_steps": n_steps, "done": done,
                         "trainer": trainer.state_dict()}, path)


def _checkpoint(directory, name: str) -> Path | None:
    return None if directory is None else Path(directory) / name


def train_supernet(settings: C2FSettings, device: str | torch.device = "cpu",
                   directory: str | os.PathLike | None = None, progress: bool = False) -> PairedSupernetTrainer:
    """A supernet of ``settings`` trained fairly for ``settings.supernet_steps`` steps; the returned trainer holds it
    (``trainer.G``), its discriminator and the task's training pairs, ready for fine-tuning. With ``directory``
    the training checkpoints into ``<directory>/checkpoint.pt`` and resumes (:func:`train_checkpointed`)."""
    s = settings
    x, y = s.task.load("train")
    macro = s.macro()
    supernet = C2FSupernet(macro, generator=torch.Generator().manual_seed(s.seed))
    d = ConditionalDiscriminator(macro.in_channels, macro.out_channels, s.d_channels,
                                 generator=torch.Generator().manual_seed(s.seed + 1))
    trainer = PairedSupernetTrainer(supernet, d, s.train, s.losses, x, y, torch.device(device), s.seed,
                                    progress=progress)
    if directory is not None:
        Path(directory).mkdir(parents=True, exist_ok=True)
    train_checkpointed(trainer, s.supernet_steps, fair_sampler(settings, trainer),
                       _checkpoint(directory, "checkpoint.pt"), "supernet")
    return trainer


def fair_sampler(settings: C2FSettings, trainer: PairedSupernetTrainer,
                 space: C2FLevelSpace | None = None) -> FairPathSampler:
    """The fair sampler of ``settings`` drawing from the trainer's ``path_rng``: over the whole space, or over the
    sub-networks of one level's ``space`` (fine-tuning between levels)."""
    return FairPathSampler(C2FSpace(trainer.G.macro) if space is None else space, trainer.path_rng,
                           widths=settings.width_rule)


def evaluation_pairs(settings: C2FSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``n_eval`` test pairs of the task: what every candidate is scored on."""
    x, y = settings.task.load("test")
    return x[:settings.n_eval], y[:settings.n_eval]


def quality_extractor(settings: C2FSettings, device: str | torch.device = "cpu"):
    """The feature extractor of ``settings.extractor`` for ``settings.task.data`` (the Fréchet distance of
    translation tasks), or None."""
    if settings.extractor is None:
        return None
    return registry.extractor(settings.extractor).factory(settings.task.data,
                                                          MetricsConfig(extractor=settings.extractor),
                                                          torch.device(device))


@dataclass(frozen=True)
class C2FScoring:
    """What a Ray actor needs to score a level's candidates (a :class:`~pymoo_gan.evaluation.ray_runner.RayRunner`
    job): the settings, nothing trained, and the device as resolved in the actor. :meth:`build` makes the actor's
    worker once: the evaluation pairs, the extractor and a supernet, in a flat
    :class:`~pymoo_gan.problems.c2f.C2FProblem` whose :meth:`~pymoo_gan.problems.c2f.C2FProblem.score_arch` scores
    every task (the reference statistics computed on first use), as the search's own process does."""

    settings: C2FSettings
    device: str = "auto"

    def build(self) -> C2FScoringWorker:
        return C2FScoringWorker(self)


class C2FScoringWorker:
    """The state of a :class:`C2FScoring` job in one actor: ``load(weights)`` takes a level's supernet snapshot,
    ``score(genotype)`` scores a genotype of the full space on it."""

    def __init__(self, job: C2FScoring):
        s, device = job.settings, resolve_device(job.device)
        test_x, test_y = evaluation_pairs(s)
        supernet = C2FSupernet(s.macro(), generator=torch.Generator()).to(device)  # each snapshot replaces its weights
        self.problem = C2FProblem(C2FSpace(supernet.macro), supernet, test_x, test_y, objectives=s.objectives,
                                  macs_budget=s.macs_budget, extractor=quality_extractor(s, device))

    def load(self, weights: dict) -> None:
        self.problem.supernet.load_state_dict(weights)

    def score(self, genotype) -> dict[str, float]:
        return self.problem.score_arch(self.problem.space.decode(np.asarray(genotype)))


def search_levels(settings: C2FSettings, trainer: PairedSupernetTrainer, algorithm=None,
                  directory: str | os.PathLike | None = None, progress: bool = False) -> list[tuple]:
    """The path, op and width levels on the trainer's supernet (fine-tuned for ``finetune_steps`` on the coming
    level's sub-networks before each later level): ``[(LevelFront, problem, pymoo result), ...]`` in level order.
    With ``directory`` each level runs as :func:`~pymoo_gan.runs.search.run_search` into ``<directory>/<level>/``
    (checkpointed after every generation, resumed when run again; module docstring). ``settings.parallel`` says
    where each level's candidates are scored (:class:`C2FSettings`); a Ray pool closes after the last level."""
    s, supernet = settings, trainer.G
    runner = make_runner(s.parallel)
    job = C2FScoring(s, "cpu" if trainer.device.type == "cpu" else "auto") if runner.remote else None
    if job is not None:
        runner.start(job)  # each actor builds its pairs and extractor once; a broken setting raises here
    test_x, test_y = evaluation_pairs(s)
    extractor = quality_extractor(s, trainer.device)
    out = []
    level_space = C2FLevelSpace(C2FSpace(supernet.macro), LEVELS[0])
    for k, level in enumerate(LEVELS):
        folder = None if directory is None else Path(directory) / level
        started = folder is not None and (folder / "checkpoint.pt").is_file()  # holds the fine-tuned weights
        if k and s.finetune_steps and not started:
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
            train_checkpointed(trainer, s.finetune_steps, fair_sampler(s, trainer, level_space),
                               _checkpoint(folder, "finetune.pt"), f"fine-tune for {level}")
        problem = C2FProblem(level_space, supernet, test_x, test_y, objectives=s.objectives,
                             macs_budget=s.macs_budget, extractor=extractor, trainer=trainer, progress=progress,
                             runner=runner, job=job)
        if algorithm is None:  # the level starts from the previous level's choices (the default arch for paths)
            start = seeded_population(level_space, s.pop_size, np.random.default_rng(s.seed + k))
            chosen = nsga2(pop_size=s.pop_size, sampling=start)
        else:
            chosen = algorithm(s)
        if folder is None:
            res = minimize(problem, chosen, ("n_gen", s.n_gen), seed=s.seed + k)
        else:
            res = run_search(problem, chosen, s.n_gen, folder, seed=s.seed + k)
            problem = res.problem  # resumed: the checkpoint's problem, with every evaluation of the level
        X = res.opt.get("X")
        archs = pareto_archs(problem, X)
        rows = [problem.scores(level_space.encode(a)) for a in archs]
        front = LevelFront(level, level_space, archs, {key: np.array([r[key] for r in rows])
                                                       for key in problem.raw_scores}, len(problem.archive))
        out.append((front, problem, res))
        if k + 1 < len(LEVELS):
            level_space = next_level(problem, X, res.opt.get("F"), knee=s.knee)
    runner.close()  # the actors' devices are free for what follows (retraining runs here)
    return out


def bicubic_baseline(settings: C2FSettings) -> dict[str, float]:
    """PSNR and SSIM of bicubic upsampling on the evaluation pairs of a super-resolution task (else empty)."""
    if settings.task.task != "sr":
        return {}
    x, y = evaluation_pairs(settings)
    return image_quality(bicubic_upsample(x, settings.task.factor), y, crop_border=settings.task.factor)


def coarse_to_fine(settings: C2FSettings | None = None, device: str | torch.device = "cpu",
                   algorithm=None) -> C2FResult:
    """Run the pipeline (module docstring): :func:`train_supernet`, :func:`search_levels` and
    :func:`bicubic_baseline`. ``algorithm(settings)`` may build another pymoo algorithm per level (default: the
    toolkit's :func:`~pymoo_gan.algorithms.nsga2` started from :func:`~pymoo_gan.problems.c2f.seeded_population`)."""
    s = C2FSettings() if settings is None else settings
    trainer = train_supernet(s, device)
    fronts = [front for front, _, _ in search_levels(s, trainer, algorithm)]
    return C2FResult(fronts, bicubic_baseline(s), trainer.G)


def retrain(arch: C2FArch, settings: C2FSettings, steps: int, device: str | torch.device = "cpu", *,
            supernet: C2FSupernet | None = None, checkpoint: str | os.PathLike | None = None
            ) -> tuple[C2FGenerator, dict[str, float]]:
    """Train the compact network of ``arch`` on its own for ``steps`` steps with the settings' losses and a fresh
    conditional D: freshly initialised (seeded by ``settings.seed``), or starting from ``supernet``'s weights
    (:func:`~pymoo_gan.models.c2f.extract_c2f`); checkpointed into ``checkpoint`` when given
    (:func:`train_checkpointed`). Returns the network (eval mode) and its scores on the evaluation pairs
    (:func:`~pymoo_gan.evaluation.paired.score_paired`: PSNR, SSIM, MACs, parameters and, with
    ``settings.extractor``, the Fréchet distance ``fd_<extractor>`` the search scored)."""
    s = settings
    if supernet is None:
        net = build_c2f(arch, generator=torch.Generator().manual_seed(s.seed))
    else:
        net = extract_c2f(supernet, arch)
    x, y = s.task.load("train")
    d = ConditionalDiscriminator(arch.macro.in_channels, arch.macro.out_channels, s.d_channels,
                                 generator=torch.Generator().manual_seed(s.seed + 1))
    trainer = PairedSupernetTrainer(net, d, s.train, s.losses, x, y, torch.device(device), s.seed)
    train_checkpointed(trainer, steps, None, checkpoint, "retrain")
    test_x, test_y = evaluation_pairs(s)
    return net.eval(), score_paired(net, None, test_x, test_y, extractor=quality_extractor(s, trainer.device))
