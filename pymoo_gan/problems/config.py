"""Settings of a supernet search stage, as one dataclass: the single source of defaults for Python, TOML and CLI.

The defaults are the embedded CPU problem: digits at 16x16, tiny widths, a digits-classifier Fréchet distance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from pymoo_gan import registry
from pymoo_gan.data.registry import dataset_names
from pymoo_gan.training.loop import TrainConfig


@dataclass(frozen=True)
class SearchConfig:
    """What a stage-1 (generator) search trains and scores. ``resolution = bottom_width * 2**3``."""

    dataset: str = "digits"
    data_root: str | None = None
    download: bool = False  # fetch cifar10/stl10/mnist/fashion_mnist into data_root when missing
    resolution: int = 16
    space: str = "eagan"
    latent_dim: int = 24
    g_channels: int = 32
    bottom_width: int = 2
    discriminator: str = "autogan"
    d_channels: int = 32
    # EMA: candidates are scored on the EMA of the supernet (a tiny GAN's raw weights oscillate from step to step)
    train: TrainConfig = TrainConfig(g_batch_size=32, d_batch_size=32, g_lr=2e-4, d_lr=2e-4, ema_decay=0.999)
    warmup_epochs: float = 12.0
    round_epochs: float = 4.0
    round_size: int | None = None  # evaluations between training rounds; None = one round per generation
    n_samples: int = 1000
    score_batch_size: int = 500
    bn_batches: int = 4
    objectives: tuple = ("fd", "score", "params")
    constraints: dict = field(default_factory=dict)
    extractor: str = "classifier"
    inception_weights: str | None = None
    extra_metrics: tuple = ()
    device: str = "auto"
    seed: int = 0
    cache_dir: str | None = None

    def __post_init__(self):

        for name, allowed in (("dataset", dataset_names()), ("space", registry.space_names("generator")),
                              ("discriminator", tuple(registry.DISCRIMINATORS)),
                              ("extractor", tuple(registry.EXTRACTORS))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name}={getattr(self, name)!r} is unknown; allowed: {', '.join(allowed)}")
        if self.resolution != self.bottom_width * 8:
            raise ValueError(f"resolution {self.resolution} is impossible with bottom_width {self.bottom_width}: "
                             f"three up-cells give resolution = 8 * bottom_width = {8 * self.bottom_width}")
        for name in ("latent_dim", "g_channels", "d_channels", "n_samples", "score_batch_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be a positive integer")
        for name in ("warmup_epochs", "round_epochs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be >= 0")
        if isinstance(self.train, dict):  # from TOML / keyword dicts
            object.__setattr__(self, "train", TrainConfig(**self.train))
        object.__setattr__(self, "objectives", tuple(self.objectives))
        object.__setattr__(self, "extra_metrics", tuple(self.extra_metrics))

    def replace(self, **changes) -> SearchConfig:
        """A copy with ``changes``; an unknown name raises ValueError listing the valid ones."""
        valid = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - valid)
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(valid))}")
        return dataclasses.replace(self, **changes)


RESET_RULES = ("best", "none")


@dataclass(frozen=True)
class DiscriminatorSearchConfig:
    """What a stage-2 (discriminator) search trains; data, scoring, device and seed come from the stage-1
    :class:`SearchConfig`. Defaults are the embedded CPU problem; EAGAN's values are in ``problems/eagan_*.toml``.

    ``round_epochs`` passes over the data are shared by all pairs of a round, visited in turn, ``turn_steps``
    generator steps (each after ``train.n_critic`` D steps) per visit, as in EAGAN's code (5 D steps + 1 G step).
    ``reset="best"`` is EAGAN's weight-resetting: before each round every G copy becomes a copy of the G of the best
    pair by ``reset_objective`` on the latest scores; ``"none"`` lets each pair keep training its own copy. Either way
    a new candidate's copy starts from the G of the best pair by ``reset_objective``.
    """

    space: str = "eagan_discriminator"
    d_channels: int = 32
    train: TrainConfig = TrainConfig(g_batch_size=32, d_batch_size=32, n_critic=5)
    warmup_epochs: float = 2.0
    round_epochs: float = 4.0
    turn_steps: int = 1
    reset: str = "best"
    reset_objective: str = "fd"
    round_size: int | None = None
    objectives: tuple = ("fd", "score", "d_params")
    constraints: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.space not in registry.space_names("discriminator"):
            raise ValueError(f"space={self.space!r} is unknown; allowed: "
                             f"{', '.join(registry.space_names('discriminator'))}")
        if self.reset not in RESET_RULES:
            raise ValueError(f"reset={self.reset!r} is unknown; allowed: {', '.join(RESET_RULES)}")
        for name in ("d_channels", "turn_steps"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be a positive integer")
        for name in ("warmup_epochs", "round_epochs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be >= 0")
        if isinstance(self.train, dict):
            object.__setattr__(self, "train", TrainConfig(**self.train))
        object.__setattr__(self, "objectives", tuple(self.objectives))

    replace = SearchConfig.replace
