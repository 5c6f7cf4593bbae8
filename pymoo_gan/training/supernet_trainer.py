"""Training of a weight-sharing generator supernet against one fixed discriminator (EAGAN's "many-to-one").

Each generator step trains the path a sampler draws: a :class:`~pymoo_gan.training.samplers.UniformPathSampler` in the
warm-up, a :class:`~pymoo_gan.training.samplers.PopulationPathSampler` over the current population in a round (or any
sampler with the same interface). The trainer owns the weights (supernet, D, their optimizers, the EMA of the
supernet, hooks' state) and their ``state_dict``; scoring reads :attr:`GeneratorSupernetTrainer.scored_supernet` and
changes nothing here.

Example:
    >>> trainer = GeneratorSupernetTrainer(supernet, D, TrainConfig(), ScheduleConfig(), images,
    ...                                    torch.device("cpu"), seed=0)                       # doctest: +SKIP
    >>> trainer.warmup(UniformPathSampler(space, trainer.path_rng))                            # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from pymoo_gan.training.failures import Snapshot
from pymoo_gan.training.hooks import TrainerHook
from pymoo_gan.training.loop import GANTrainer, TrainConfig
from pymoo_gan.training.rounds import RoundTrainer, ScheduleConfig, Unit


class GeneratorSupernetTrainer(RoundTrainer):
    """A generator supernet (``forward(z, arch)``) trained against ``discriminator`` in a warm-up and rounds; see the
    module docstring. ``hooks`` extend the GAN step (:class:`~pymoo_gan.training.TrainerHook`)."""

    def __init__(self, supernet: nn.Module, discriminator: nn.Module, train: TrainConfig, schedule: ScheduleConfig,
                 images: torch.Tensor, device: torch.device, seed: int, hooks: Sequence[TrainerHook] = (),
                 progress: bool = True):
        super().__init__(images, train, schedule, device, seed, progress)
        self.supernet = supernet.to(device)
        self.discriminator = discriminator.to(device)
        self.gan = GANTrainer(self.supernet, self.discriminator, train, latent_dim=supernet.macro.latent_dim,
                              hooks=hooks)

    @property
    def scored_supernet(self) -> nn.Module:
        """The weights candidates are scored and extracted with: the EMA of the supernet when ``train.ema_decay`` is
        set (smoother than the raw weights of an oscillating GAN), else the supernet itself."""
        return self.gan.ema.shadow if self.gan.ema is not None else self.supernet

    @property
    def supernet_step(self) -> int:
        """Generator steps the shared weights have taken."""
        return self.gan.steps

    def _step(self, arch):
        """One generator step (after ``n_critic`` D steps) on the path ``arch``, as a unit's ``run``."""
        def run():
            d, g = self.gan.train_steps(1, self.images, self.torch_gen, sample_arch=lambda: arch)
            return torch.stack([d / self.train_config.n_critic, g])
        return run

    def warmup(self, sampler) -> None:
        """``schedule.warmup_epochs`` of training on the paths ``sampler`` draws (no candidate is blamed for a
        failing step: it is skipped and counted)."""
        def units(k):
            for _ in range(k):
                _, arch = sampler()
                yield Unit(None, 1, self._step(arch))

        self.run_units(self.steps_per(self.schedule.warmup_epochs), units, "warm-up")

    def train_round(self, sampler) -> None:
        """``schedule.round_epochs`` of training on the candidates' paths ``sampler`` draws; a candidate whose step
        fails is dropped for the rest of the round (``sampler.without(failed keys)`` draws the others)."""
        live = {}  # number of failures so far -> the sampler of the other candidates

        def units(k):
            for _ in range(k):
                n_failed = len(self.failures)
                if n_failed not in live:
                    live[n_failed] = sampler.without(self.failures)
                key, arch = live[n_failed]()
                yield Unit(key, 1, self._step(arch))

        self.run_units(self.steps_per(self.schedule.round_epochs), units, f"round {self.weights_version}")

    def _snapshot(self, unit) -> Snapshot:
        return Snapshot([self.gan])

    def _parameters(self, unit) -> list[torch.Tensor]:
        return [*self.supernet.parameters(), *self.discriminator.parameters()]

    def state_dict(self) -> dict:
        return {"gan": self.gan.state_dict(), "random": self.random_state(), **self.failure_state()}

    def load_state_dict(self, state: dict) -> None:
        self.gan.load_state_dict(state["gan"])
        self.load_random_state(state["random"])
        self.load_failure_state(state)
