"""Training of image-to-image generators on paired data: L1 reconstruction plus a conditional adversarial term, with
the gradients of several paths of a supernet accumulated into one optimizer step (fair supernet training).

Per step, with the paths ``p_1 .. p_m`` a sampler returns (:class:`~pymoo_gan.training.samplers.FairPathSampler`:
every op of every block in exactly one of them):

* ``n_critic`` discriminator steps (skipped when ``adv_weight`` is 0): on one batch ``(x, y)``, the conditional D
  (:class:`~pymoo_gan.models.conditional.ConditionalDiscriminator`) scores the real pairs ``(x, y)`` and the fakes
  ``(x, G(x, p_j))`` of every path, generated without gradients; the GAN loss (``train.loss``) of the real logits and
  all paths' fake logits, one optimizer step;
* one generator step: on a new batch, for each path ``loss_j = l1_weight * mean|G(x, p_j) - y| + adv_weight *
  g_loss(D(x, G(x, p_j)))``; ``loss_j / m`` is back-propagated path by path (the gradients add up in ``.grad``; one
  path's graph at a time is in memory), then **one** optimizer step. An op used by one path gets exactly one gradient
  contribution per step; weights shared by all paths (head, upsampler, tail) get the mean over the paths.

``paths=None`` trains a standalone generator (``G(x)``), e.g. the chosen network's retraining. Batches are drawn with
the trainer's ``torch_gen``; samplers get ``path_rng``; both are seeded from ``seed`` (same seed on CPU -> same
weights).

**Failing steps.** :meth:`PairedSupernetTrainer.train` runs its steps as units of the
:class:`~pymoo_gan.training.rounds.RoundTrainer` (one unit per step, checked once per chunk): a step whose losses or
weights are not finite, or that runs out of device memory, is rolled back (generator, discriminator, both optimizers,
the step counter) and skipped; a step on a candidate's path (a sampler returning its genotype key) records the
candidate in ``failures``, a step on random paths only counts in ``skipped_steps`` (with a warning). Training goes on.

Example:
    >>> from pymoo_gan.models.c2f import C2FSupernet
    >>> from pymoo_gan.models.conditional import ConditionalDiscriminator
    >>> from pymoo_gan.space.c2f import C2FMacro, C2FSpace
    >>> from pymoo_gan.training.samplers import FairPathSampler
    >>> space = C2FSpace(C2FMacro(channels=8, n_blocks=2))
    >>> supernet = C2FSupernet(space.macro, generator=torch.Generator().manual_seed(0))
    >>> d = ConditionalDiscriminator(1, 1, 8, generator=torch.Generator().manual_seed(1))
    >>> lr, hr = torch.rand(16, 1, 8, 8) * 2 - 1, torch.rand(16, 1, 16, 16) * 2 - 1
    >>> trainer = PairedSupernetTrainer(supernet, d, TrainConfig(g_batch_size=4, d_batch_size=4), PairedLossConfig(),
    ...                                 lr, hr, torch.device("cpu"), seed=0)
    >>> losses = trainer.train(2, FairPathSampler(space, trainer.path_rng))  # 3 paths (ops) per step
    >>> trainer.steps, sorted(losses)
    (2, ['d_loss', 'g_loss'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from pymoo_gan.training.failures import Snapshot
from pymoo_gan.training.loop import TrainConfig, adam, clone_state
from pymoo_gan.training.losses import get_loss
from pymoo_gan.training.rounds import RoundTrainer, Unit

__all__ = ["PairedLossConfig", "PairedSupernetTrainer"]


@dataclass(frozen=True)
class PairedLossConfig:
    """Weights of the generator's loss terms: L1 to the target (pix2pix uses 100) and the adversarial term.

    Example:
        >>> PairedLossConfig(adv_weight=0.0).adversarial
        False
    """

    l1_weight: float = 100.0
    adv_weight: float = 1.0

    def __post_init__(self):
        for name in ("l1_weight", "adv_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ValueError(f"{name}={value!r} must be a number >= 0")
        if self.l1_weight == 0 and self.adv_weight == 0:
            raise ValueError("l1_weight and adv_weight are both 0: the generator would have no loss")

    @property
    def adversarial(self) -> bool:
        return self.adv_weight > 0


class PairedSupernetTrainer(RoundTrainer):
    """Trains ``generator`` (a supernet ``G(x, arch)``, or a standalone ``G(x)``) on ``(inputs, targets)`` pairs
    against the conditional ``discriminator`` (module docstring); owns both optimizers.

    Args:
        generator: the supernet or standalone network.
        discriminator: ``D(x, y) -> logits``; unused (and may be None) when ``losses.adv_weight`` is 0.
        train: learning rates, Adam betas, batch sizes, ``n_critic`` and the GAN loss (``train.loss``).
        losses: the weights of the L1 and adversarial terms.
        inputs, targets: the paired training data, same length (e.g. from :class:`~pymoo_gan.data.paired.PairedConfig`).
        device: where the networks train.
        seed: seeds ``torch_gen`` (batches) and ``path_rng`` (samplers).
        progress: show a progress bar while training.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module | None, train: TrainConfig,
                 losses: PairedLossConfig, inputs: Tensor, targets: Tensor, device: torch.device, seed: int,
                 progress: bool = False):
        if len(inputs) != len(targets) or len(inputs) == 0:
            raise ValueError(f"inputs ({len(inputs)}) and targets ({len(targets)}) must be non-empty and pair up")
        if losses.adversarial and discriminator is None:
            raise ValueError(f"adv_weight={losses.adv_weight} needs a discriminator (or set adv_weight=0)")
        super().__init__(inputs, train, None, torch.device(device), seed, progress)
        self.G = generator.to(self.device)
        self.D = discriminator.to(self.device) if losses.adversarial else None
        self.cfg, self.losses = train, losses
        self.inputs, self.targets = self.images, targets.to(self.device)
        self.opt_g = adam(self.G.parameters(), train.g_lr, train, self.device)
        self.opt_d = adam(self.D.parameters(), train.d_lr, train, self.device) if self.D is not None else None
        self.d_loss_fn, self.g_loss_fn = get_loss(train.loss)
        self.steps = 0  # generator (optimizer) steps taken

    @property
    def supernet_step(self) -> int:
        """Generator (optimizer) steps taken."""
        return self.steps

    def _batch(self, n: int) -> tuple[Tensor, Tensor]:
        idx = torch.randint(len(self.inputs), (n,), generator=self.torch_gen, device=self.device)
        return self.inputs[idx], self.targets[idx]

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda" and self.cfg.amp)

    def _run(self, x: Tensor, arch) -> Tensor:
        return self.G(x) if arch is None else self.G(x, arch)

    def step(self, paths: Sequence | None = None) -> Tensor:
        """One training step on ``paths`` (architectures; None: a standalone generator); returns the device tensor
        ``[D loss (mean over its n_critic steps, 0 without D), G loss (mean over paths)]``."""
        archs = [None] if paths is None else list(paths)
        if not archs:
            raise ValueError("a step needs at least one path")
        m = len(archs)
        self.G.train()
        d_total = torch.zeros((), device=self.device)
        if self.D is not None:
            self.D.train()
            for _ in range(self.cfg.n_critic):
                x, y = self._batch(self.cfg.d_batch_size)
                with self._autocast():
                    with torch.no_grad():
                        fakes = [self._run(x, a) for a in archs]
                    real_logits = self.D(x, y).float()
                    fake_logits = torch.cat([self.D(x, f).float() for f in fakes])
                    d_loss = self.d_loss_fn(real_logits, fake_logits)
                self.opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                self._clip(self.D)
                self.opt_d.step()
                d_total += d_loss.detach() / self.cfg.n_critic
        x, y = self._batch(self.cfg.g_batch_size)
        self.opt_g.zero_grad(set_to_none=True)
        g_total = torch.zeros((), device=self.device)
        if self.D is not None:
            self.D.requires_grad_(False)  # no gradients for D's weights in the generator step
        try:
            for arch in archs:
                with self._autocast():
                    fake = self._run(x, arch)
                    loss = self.losses.l1_weight * (fake.float() - y).abs().mean()
                    if self.D is not None:
                        loss = loss + self.losses.adv_weight * self.g_loss_fn(self.D(x, fake).float())
                (loss / m).backward()
                g_total += loss.detach() / m
        finally:
            if self.D is not None:
                self.D.requires_grad_(True)
        self._clip(self.G)
        self.opt_g.step()
        self.steps += 1
        return torch.stack([d_total, g_total])

    def train(self, n_steps: int, sampler: Callable[[], list] | None = None, desc: str = "fair training"
              ) -> dict[str, float]:
        """``n_steps`` steps, each on the paths ``sampler()`` returns (a list of ``(key, arch)``, or one
        ``(key, arch)``; None: a standalone generator); returns the mean losses of the steps that did not fail
        (module docstring: failing steps). A step is blamed on a candidate when its paths carry one genotype key;
        ``sampler.without(failures)`` then draws the next steps."""
        live = {}  # number of failures so far -> the sampler without the failed candidates

        def units(k):
            for _ in range(k):
                paths, key = None, None
                if sampler is not None:
                    n_failed = len(self.failures)
                    if n_failed not in live:
                        live[n_failed] = sampler.without(self.failures) if self.failures else sampler
                    drawn = live[n_failed]()
                    drawn = [drawn] if isinstance(drawn, tuple) else drawn  # a one-path sampler: (key, arch)
                    keys = {key for key, _ in drawn}
                    key = keys.pop() if len(keys) == 1 else None
                    paths = [arch for _, arch in drawn]
                yield Unit(key, 1, lambda paths=paths: self.step(paths))

        losses = self.run_units(n_steps, units, desc)
        return {"d_loss": losses.get("d_loss", float("nan")), "g_loss": losses.get("g_loss", float("nan"))}

    def _snapshot(self, unit: Unit | None) -> Snapshot:
        objects = [self.G, self.opt_g] + ([self.D, self.opt_d] if self.D is not None else [])
        return Snapshot(objects, owner=self, names=("steps",))

    def _parameters(self, unit: Unit | None) -> list[Tensor]:
        return [*self.G.parameters(), *(self.D.parameters() if self.D is not None else ())]

    def _clip(self, module: nn.Module) -> None:
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(module.parameters(), self.cfg.grad_clip)

    def state_dict(self) -> dict:
        """Both networks, both optimizers, the step counter, the random streams and the failures (everything a
        resumed run needs to continue bit-identically on CPU)."""
        return {"G": self.G.state_dict(), "D": None if self.D is None else self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": None if self.opt_d is None else self.opt_d.state_dict(),
                "steps": self.steps, "random": self.random_state(), **self.failure_state()}

    def load_state_dict(self, state: dict) -> None:
        self.G.load_state_dict(state["G"])
        self.opt_g.load_state_dict(clone_state(state["opt_g"]))
        if self.D is not None:
            self.D.load_state_dict(state["D"])
            self.opt_d.load_state_dict(clone_state(state["opt_d"]))
        self.steps = state["steps"]
        self.load_random_state(state["random"])
        self.load_failure_state(state)
