"""Settings of the search stages, split by concern; each default is written once, here or in its concern's module.

A stage-1 :class:`SearchConfig` is made of :class:`~pymoo_gan.data.config.DataConfig` (which images),
:class:`ModelConfig` (the sizes that are not searched), :class:`~pymoo_gan.training.TrainConfig` (the GAN step),
:class:`~pymoo_gan.evaluation.config.MetricsConfig` (how candidates are scored) and
:class:`~pymoo_gan.training.rounds.ScheduleConfig` (how long
the shared weights train), :class:`~pymoo_gan.evaluation.ParallelConfig` (where candidates are scored:
``runner="local"`` or ``"ray"``), plus the objectives, constraints, device and seed. Stage 2
(:class:`DiscriminatorSearchConfig`) has its own model, training and schedule; it is scored on the data and metrics of
stage 1, which its problem takes as arguments. The defaults are the embedded CPU problem: digits at 16x16, tiny
widths, a digits-classifier Fréchet distance.

Settings are changed by name (``config.replace(n_samples=200)``: a name that only one section has reaches it) or by
dotted path (``config.replace(**{"metrics.n_samples": 200})``), the way ``--set`` and problem files do.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.pair_sync import PAIR_MODES
from pymoo_gan.training.rounds import ScheduleConfig
from pymoo_gan.training.sparse import SparseConfig

N_UP_CELLS = 3  # the generator spaces' up-cells: resolution = bottom width * 2**3


def _positive_ints(config, *names) -> None:
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer")


def _sections(cls) -> dict[str, type]:
    """The fields of settings class ``cls`` that are settings dataclasses themselves (``X | None`` included)."""
    out = {}
    for name, tp in typing.get_type_hints(cls).items():
        options = [t for t in typing.get_args(tp) if t is not type(None)] or [tp]
        if len(options) == 1 and dataclasses.is_dataclass(options[0]):
            out[name] = options[0]
    return out


def setting_path(config, key: str) -> str:
    """The dotted path of setting ``key`` in settings dataclass ``config`` (an instance or the class): a field
    (``"seed"``), a dotted path (``"train.g_lr"``) or a field name that exactly one section has (``"g_lr"`` ->
    ``"train.g_lr"``), at any depth. Unknown or ambiguous names raise a one-line ``ValueError`` listing what is
    allowed.

    Example:
        >>> setting_path(SearchConfig, "n_samples")
        'metrics.n_samples'
    """
    cls = config if isinstance(config, type) else type(config)
    fields = [f.name for f in dataclasses.fields(cls)]
    sections = _sections(cls)
    head, _, rest = key.partition(".")
    if rest and head in sections:
        try:
            return f"{head}.{setting_path(sections[head], rest)}"
        except ValueError as e:
            raise ValueError(str(e).replace(f"setting {rest!r}", f"setting {key!r}")
                             .replace("valid: ", f"valid: {head}.", 1).replace(", ", f", {head}.")) from None
    if not rest and key in fields:
        return key
    owners = [s for s, tp in sections.items() if key in {f.name for f in dataclasses.fields(tp)}]
    if not rest and len(owners) == 1:
        return f"{owners[0]}.{key}"
    if not rest and owners:
        raise ValueError(f"setting {key!r} is ambiguous; use one of {', '.join(f'{s}.{key}' for s in owners)}")
    valid = [*fields, *(f"{s}.{f.name}" for s, tp in sections.items() for f in dataclasses.fields(tp))]
    raise ValueError(f"unknown setting {key!r}; valid: {', '.join(sorted(valid))}")


def replace_settings(config, **changes):
    """A copy of settings dataclass ``config`` with ``changes``, each named as :func:`setting_path` allows; a
    section may also be given whole (an instance) or as a dict of its fields."""
    direct, nested = {}, {}
    for key, value in changes.items():
        if key in _sections(type(config)) and isinstance(value, dict):
            nested.setdefault(key, {}).update(value)
            continue
        head, _, rest = setting_path(config, key).partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for section, values in nested.items():
        direct[section] = replace_settings(direct.pop(section, getattr(config, section)), **values)
    return dataclasses.replace(config, **direct)


@dataclass(frozen=True)
class ModelConfig:
    """The sizes that are not searched: the generator space, latent size and widths, the fixed discriminator of
    stage 1 (a :data:`pymoo_gan.registry.DISCRIMINATORS` name) and its width."""

    space: str = "eagan"
    latent_dim: int = 24
    g_channels: int = 32
    discriminator: str = "autogan"
    d_channels: int = 32

    def __post_init__(self):
        if self.space not in registry.space_names("generator"):
            raise ValueError(f"space={self.space!r} is unknown; allowed: "
                             f"{', '.join(registry.space_names('generator'))}")
        registry.discriminator(self.discriminator)
        _positive_ints(self, "latent_dim", "g_channels", "d_channels")


@dataclass(frozen=True)
class SearchConfig:
    """What a stage-1 (generator) search trains and scores.

    Example:
        >>> config = SearchConfig().replace(n_samples=200, **{"train.g_lr": 1e-4})
        >>> config.metrics.n_samples, config.train.g_lr, config.bottom_width
        (200, 0.0001, 2)
    """

    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    # EMA: candidates are scored on the EMA of the supernet (a tiny GAN's raw weights oscillate from step to step);
    # NHWC on the CPU too: about 1.3x faster training steps of these small convolutions
    train: TrainConfig = TrainConfig(ema_decay=0.999, channels_last=True)
    # the demo's budget (3 minutes on 2 CPU cores, see the README): 500 samples per score, 2 warm-up epochs and
    # rounds of 1 epoch
    metrics: MetricsConfig = MetricsConfig(n_samples=500)
    schedule: ScheduleConfig = ScheduleConfig(warmup_epochs=2.0, round_epochs=1.0)
    # STU-GAN masks on the supernet's and D's convolutions (candidates inherit the masks; see GANSearchProblem)
    sparse: SparseConfig | None = None
    objectives: tuple = ("fd", "score", "params")
    constraints: dict = field(default_factory=dict)
    device: str = "auto"
    # where candidates are scored: runner="local" (this process) or "ray" (persistent actors; see ParallelConfig)
    parallel: ParallelConfig = ParallelConfig()
    seed: int = 0

    def __post_init__(self):
        cells = 2 ** N_UP_CELLS
        if self.data.resolution % cells:
            raise ValueError(f"resolution {self.data.resolution} is impossible for a generator of {N_UP_CELLS} "
                             f"up-cells; allowed: a multiple of {cells}")
        object.__setattr__(self, "objectives", tuple(self.objectives))

    @property
    def bottom_width(self) -> int:
        """Width of the generator's first feature map: the resolution halved once per up-cell."""
        return self.data.resolution // 2 ** N_UP_CELLS

    replace = replace_settings


RESET_RULES = ("best", "none")


@dataclass(frozen=True)
class DiscriminatorSearchConfig:
    """What a stage-2 (discriminator) search trains; data and scoring are stage 1's (the problem's arguments).
    EAGAN's values are in ``problems/eagan_*.toml``.

    ``space`` is a discriminator space of the registry, ``channels`` its width. ``schedule.round_epochs`` passes over
    the data are shared by all pairs of a round, visited in turn, ``turn_steps`` generator steps (each after
    ``train.n_critic`` D steps) per visit, as in EAGAN's code (5 D steps + 1 G step). ``pairs="synchronous"`` instead
    trains every pair's share of the round from the same D-supernet snapshot and averages their D updates once per
    round (:mod:`pymoo_gan.training.pair_sync`): order-independent, so ``parallel.runner="ray"`` trains the pairs on
    Ray actors, one pair per task, with the results of the local runner; Ray needs it. ``reset="best"`` is EAGAN's
    weight-resetting: before each round every G copy becomes a copy of the G of the best pair by ``reset_objective``
    on the latest scores; ``"none"`` lets each pair keep training its own copy. Either way a new candidate's copy
    starts from the G of the best pair by ``reset_objective``.
    """

    space: str = "eagan_discriminator"
    channels: int = 32
    train: TrainConfig = TrainConfig(n_critic=5)
    schedule: ScheduleConfig = ScheduleConfig(warmup_epochs=2.0, round_epochs=4.0)
    turn_steps: int = 1
    reset: str = "best"
    reset_objective: str = "fd"
    objectives: tuple = ("fd", "score", "d_params")
    constraints: dict = field(default_factory=dict)
    pairs: str = "sequential"
    # where the pairs train: runner="local" (this process) or "ray" (persistent actors; needs pairs="synchronous")
    parallel: ParallelConfig = ParallelConfig()

    def __post_init__(self):
        if self.space not in registry.space_names("discriminator"):
            raise ValueError(f"space={self.space!r} is unknown; allowed: "
                             f"{', '.join(registry.space_names('discriminator'))}")
        if self.reset not in RESET_RULES:
            raise ValueError(f"reset={self.reset!r} is unknown; allowed: {', '.join(RESET_RULES)}")
        if self.pairs not in PAIR_MODES:
            raise ValueError(f"pairs={self.pairs!r} is unknown; allowed: {', '.join(PAIR_MODES)}")
        if self.parallel.runner != "local" and self.pairs != "synchronous":
            raise ValueError(f"runner={self.parallel.runner!r} trains stage-2 pairs in parallel only with "
                             f"pairs='synchronous' (pairs={self.pairs!r} visits them in turn); allowed: "
                             "pairs='synchronous', or runner='local'")
        _positive_ints(self, "channels", "turn_steps")
        object.__setattr__(self, "objectives", tuple(self.objectives))

    replace = replace_settings
