"""The settings of a two-stage run (what a ``problems/*.toml`` file holds), validated on load.

Layout of a problem file (every table optional; defaults are the embedded CPU problem)::

    name = "eagan-cifar10"
    seed = 1                        # pymoo's seed for both stages
    stages = ["stage1", "stage2", "retrain"]

    [stage1.problem]                # SearchConfig: objectives, constraints, device, seed
    [stage1.problem.data]           # DataConfig: dataset, root, resolution
    [stage1.problem.model]          # ModelConfig: generator space and widths, the fixed D
    [stage1.problem.train]          # TrainConfig: the GAN step
    [stage1.problem.metrics]        # MetricsConfig: samples, extractor
    [stage1.problem.schedule]       # ScheduleConfig: warm-up and round lengths
    [stage1.problem.sparse]         # SparseConfig: train the supernet sparse (STU-GAN; needs total_steps if dynamic)
    [stage1.algorithm]              # EvolutionConfig: name (nsga2, random_search, adversarialnas, alphagan), pop_size,
                                    # n_gen, prob_crossover, prob_mutation
    [stage1.select]                 # SelectionConfig: how G* is chosen from the stage-1 Pareto set

    [stage2.problem]                # DiscriminatorSearchConfig (data and metrics are stage 1's)
    [stage2.problem.train]
    [stage2.problem.schedule]
    [stage2.algorithm]
    [stage2.select]                 # the order in which stage-2 pairs are retrained

    [retrain]                       # RetrainConfig
    [retrain.train]
    [retrain.transfer]              # TransferConfig: retrain on another dataset / resolution (EAGAN's STL-10)
    [retrain.dgl]                   # DistillConfig: DGL-GAN teacher D (a run directory, a D file or "train")
    [retrain.sparse]                # SparseConfig: STU-GAN sparse G and D (dynamic or static masks)
    [retrain.parallel]              # ParallelConfig: retrain the pairs one per Ray actor (runner = "ray")

Example:
    >>> config = load_run_config("problems/small_cpu.toml")                # doctest: +SKIP
    >>> config.stage1.algorithm.pop_size                                  # doctest: +SKIP
    6
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import tomllib

from pymoo_gan import registry
from pymoo_gan.problems.config import DiscriminatorSearchConfig, SearchConfig, setting_path
from pymoo_gan.runs.retrain import RetrainConfig
from pymoo_gan.runs.schema import from_dict, to_dict
from pymoo_gan.runs.selection import SelectionConfig

STAGES = ("stage1", "stage2", "retrain")


@dataclass(frozen=True)
class EvolutionConfig:
    """The search algorithm of a stage: ``name`` in :data:`pymoo_gan.registry.ALGORITHMS` (default NSGA-II with this
    package's operators and EAGAN's rates; ``prob_crossover``/``prob_mutation`` apply to NSGA-II only). For the
    differentiable ``adversarialnas``/``alphagan`` (stage 1 only) a generation is one search epoch and ``pop_size`` the
    number of derived architectures scored per epoch (1 allowed)."""

    name: str = "nsga2"
    pop_size: int = 8
    n_gen: int = 4
    prob_crossover: float = 0.3
    prob_mutation: float = 0.5

    @property
    def differentiable(self) -> bool:
        """Whether the algorithm trains the weights itself (needs a relaxed generator space)."""
        return bool(getattr(registry.algorithm(self.name).factory.obj, "needs_relaxation", False))

    def __post_init__(self):
        registry.algorithm(self.name)
        if self.pop_size < (1 if self.differentiable else 2):
            raise ValueError(f"pop_size={self.pop_size} is too small; a population needs at least 2 members")
        if self.n_gen < 1:
            raise ValueError(f"n_gen={self.n_gen} must be >= 1")
        for name in ("prob_crossover", "prob_mutation"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name}={getattr(self, name)} must be in [0, 1]")


@dataclass(frozen=True)
class Stage1Config:
    problem: SearchConfig = SearchConfig()
    algorithm: EvolutionConfig = EvolutionConfig()
    select: SelectionConfig = SelectionConfig()


@dataclass(frozen=True)
class Stage2Config:
    problem: DiscriminatorSearchConfig = DiscriminatorSearchConfig()
    algorithm: EvolutionConfig = EvolutionConfig(pop_size=6, n_gen=3)
    select: SelectionConfig = SelectionConfig(rule="best", objective="fd")

    def __post_init__(self):
        if self.algorithm.differentiable:
            raise ValueError(f"stage2.algorithm name={self.algorithm.name!r} searches generators only; use nsga2 or "
                             "random_search for stage 2")


@dataclass(frozen=True)
class RunConfig:
    """A whole two-stage run: stage 1 -> choose G* -> stage 2 -> retrain the chosen pairs -> export."""

    name: str = "run"
    seed: int = 1
    stages: tuple = STAGES
    stage1: Stage1Config = Stage1Config()
    stage2: Stage2Config = Stage2Config()
    retrain: RetrainConfig = RetrainConfig()

    def __post_init__(self):
        unknown = [s for s in self.stages if s not in STAGES]
        if unknown or not self.stages or self.stages[0] != "stage1":
            raise ValueError(f"stages={list(self.stages)} is not allowed; use stage1 first, then any of "
                             f"{', '.join(STAGES[1:])} in order")
        if list(self.stages) != [s for s in STAGES if s in self.stages]:
            raise ValueError(f"stages={list(self.stages)} must keep the order {', '.join(STAGES)}")

    def to_dict(self) -> dict:
        return to_dict(self)


def set_dotted(data: dict, dotted: str, value) -> None:
    """``set_dotted(d, "train.ema_decay", 0.99)`` sets ``d["train"]["ema_decay"]``, making the tables on the way."""
    *tables, key = dotted.split(".")
    for t in tables:
        data = data.setdefault(t, {})
        if not isinstance(data, dict):
            raise ValueError(f"--set {dotted}: {t} is not a table")
    data[key] = value


def run_config_from_dict(data: dict, overrides: dict | None = None) -> RunConfig:
    """Validate a nested dict; ``overrides`` use dotted keys such as ``"stage1.algorithm.n_gen"``, where a name that
    one table below has may skip that table (``"stage1.problem.n_samples"`` is ``"stage1.problem.metrics.n_samples"``,
    see :func:`~pymoo_gan.problems.config.setting_path`)."""
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for dotted, value in (overrides or {}).items():
        set_dotted(data, setting_path(RunConfig, dotted), value)
    return from_dict(RunConfig, data)


def load_run_config(path: str | os.PathLike, overrides: dict | None = None) -> RunConfig:
    """Read and validate a problem TOML file. A relative data ``root`` or teacher path is taken relative to the file's
    folder."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"problem file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path} is not valid TOML: {e}") from None
    if data.get("kind") == "coarse_to_fine":
        raise ValueError(f"{path} is a coarse-to-fine problem file; read it with load_c2f_config "
                         "(pymoo_gan.runs.c2f_run) or run it with `pymoo-gan search`")
    for tables in (("stage1", "problem", "data"), ("retrain", "transfer")):
        table = data
        for name in tables:
            table = table.get(name, {}) if isinstance(table, dict) else {}
        root = table.get("root") if isinstance(table, dict) else None
        if isinstance(root, str) and not os.path.isabs(os.path.expanduser(root)):
            table["root"] = str((path.parent / root).resolve())
    dgl = data.get("retrain", {}).get("dgl") if isinstance(data.get("retrain"), dict) else None
    teacher = dgl.get("teacher") if isinstance(dgl, dict) else None
    if isinstance(teacher, str) and teacher != "train" and not os.path.isabs(os.path.expanduser(teacher)):
        dgl["teacher"] = str((path.parent / teacher).resolve())  # like a data root: relative to the file
    try:
        return run_config_from_dict(data, overrides)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
