"""Differentiable GAN architecture search: the weight and architecture steps of AdversarialNAS and AlphaGAN.

Both train a relaxed generator supernet (``forward(z, weights)``, e.g.
:class:`~pymoo_gan.models.relaxed.RelaxedCellGenerator`) whose architecture logits are an
:class:`~pymoo_gan.models.relaxed.ArchParameters` module of their own with their own Adam. A trainer here is a
*weights provider* for a search problem (``weights_version``, ``supernet_step``, ``failures``, ``scored_supernet``;
see :meth:`pymoo_gan.problems.supernet_problem.SupernetSearchProblem.weights_from`): the pymoo algorithms of
:mod:`pymoo_gan.algorithms` run one :meth:`search_epoch` per generation and let the problem score the derived
architectures on ``scored_supernet`` (the EMA of the relaxed G when ``train.ema_decay`` is set).

- :class:`AdversarialNASTrainer` (Gao et al., CVPR 2020): G *and* D are relaxed. Each iteration draws one real batch
  and splits it in halves; a D-architecture step on the architecture half, a D-weight step on the weight half, and
  every ``n_critic``-th iteration a G-architecture step and a G-weight step (then the EMA), first-order and
  alternating: G's architecture is trained against D's. Optional Gumbel-softmax relaxation with the released
  temperature schedule, perturbing the *logits* (the released code perturbs their softmax).
- :class:`AlphaGANTrainer` (Tian et al., TPAMI 2021): a relaxed G against a fixed D. Per epoch: ``inner_steps`` D
  steps (a G step every ``n_critic``) on the weight split, then worst-case copies ``G_worst``/``D_worst`` fine-tuned
  for ``worst_steps`` steps, then ``outer_steps`` Adam steps on G's logits minimising the duality gap
  ``DG = V(G_alpha, D_worst) - V(G_worst, D)`` (``V = -L_D``) on the architecture split. The released code's bugs are
  not reproduced: the worst-case G has no EMA (the released one updates the main EMA), G's learning rate is
  constant (the released cosine schedule with ``eta_min`` above the base rate raises it), images are the dataset's
  [-1, 1] (not CIFAR mean/std against a tanh), no anomaly detection.

Randomness: one ``torch.Generator`` per trainer (batches, latents, Gumbel noise) and one for the initial weights and
logits; torch's global state is never used, so a run repeats exactly on the CPU for the same seed.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from pymoo_gan.models.relaxed import ArchParameters
from pymoo_gan.progress import progress_bar
from pymoo_gan.training.ema import EMA
from pymoo_gan.training.loop import TrainConfig, adam, clone_state
from pymoo_gan.training.losses import get_loss


@dataclass(frozen=True)
class ArchOptimConfig:
    """Adam of the architecture logits (AdversarialNAS: 3e-4, (0.5, 0.999), weight decay 1e-4; AlphaGAN: 1e-3)."""

    lr: float = 3e-4
    betas: tuple[float, float] = (0.5, 0.999)
    weight_decay: float = 1e-4

    def __post_init__(self):
        if not self.lr > 0 or self.weight_decay < 0:
            raise ValueError(f"arch optimizer lr={self.lr!r} must be > 0 and weight_decay={self.weight_decay!r} >= 0")

    def make(self, params) -> torch.optim.Adam:
        return torch.optim.Adam(params, lr=self.lr, betas=tuple(self.betas), weight_decay=self.weight_decay)


def gumbel_temperature(epoch: float, start: float = 5.0, end: float = 0.1, epochs: float = 25.0) -> float:
    """Temperature of epoch ``epoch`` (from 0): ``max(end, start * (end / start) ** (epoch / epochs))``.

    The defaults are the released AdversarialNAS schedule ``max(0.1, 5 exp(-ln(50) epoch / 25))``.

    Example:
        >>> gumbel_temperature(0), round(gumbel_temperature(25), 6), gumbel_temperature(40)
        (5.0, 0.1, 0.1)
    """
    if not (start > 0 and end > 0 and epochs > 0):
        raise ValueError(f"temperature start={start!r}, end={end!r}, epochs={epochs!r} must be > 0")
    return max(end, start * math.exp(math.log(end / start) * epoch / epochs))


@contextmanager
def kept_buffers(*modules: nn.Module) -> Iterator[None]:
    """Restore the buffers of ``modules`` (BN running statistics, spectral-norm vectors) on exit: forwards in train
    mode inside change nothing of them."""
    saved = [[b.detach().clone() for b in m.buffers()] for m in modules]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, buffers in zip(modules, saved, strict=True):
                for b, old in zip(m.buffers(), buffers, strict=True):
                    b.copy_(old)


def release_graph(*modules: nn.Module) -> None:
    """Replace tensors that modules cache from their last forward (spectral norm's ``weight``) by detached copies, so
    the modules can be deep-copied and pickled; the next forward recomputes them anyway."""
    for module in modules:
        for m in module.modules():
            for name, value in list(vars(m).items()):
                if isinstance(value, Tensor) and not value.is_leaf:
                    setattr(m, name, value.detach())


class RelaxedSearchTrainer:
    """What both differentiable searches share: the relaxed G, its logits and their optimizers, D, the EMA of G, the
    random streams and the weights-provider interface; subclasses implement :meth:`search_epoch`.

    Args:
        generator: a relaxed generator supernet, ``forward(z, weights)``, with ``.layout`` and ``.macro``.
        discriminator: D; relaxed (``forward(x, weights)`` with ``.layout``) when ``relaxed_d``.
        train: weight optimisers (``g_lr``, ``d_lr``, Adam betas), batch sizes, loss, EMA.
        images: the training images in [-1, 1].
        device: where everything runs.
        seed: seeds the initial logits and the stream of batches, latents and Gumbel noise.
        arch_optim: the logits' Adam.
        n_critic: D iterations per G iteration.
        gumbel: relax with Gumbel-softmax at :func:`gumbel_temperature` (``tau``: its ``(start, end, epochs)``)
            instead of softmax.
        progress: show a progress bar per epoch.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, train: TrainConfig, images: Tensor,
                 device: torch.device, seed: int, *, arch_optim: ArchOptimConfig, n_critic: int = 5,
                 relaxed_d: bool = False, gumbel: bool = False, tau: tuple[float, float, float] = (5.0, 0.1, 25.0),
                 progress: bool = False):
        if not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"n_critic={n_critic!r} must be a positive integer")
        self.train_config, self.device, self.n_critic, self.progress = train, device, n_critic, progress
        self.gumbel, self.tau = gumbel, tuple(tau)
        self.d_iterations = 0  # D iterations taken; every n_critic-th is followed by a G iteration
        self.images = images.to(device)
        init = torch.Generator().manual_seed(seed)
        self.G = generator.to(device)
        self.D = discriminator.to(device)
        self.alphas_g = ArchParameters(self.G.layout, generator=init).to(device)
        self.alphas_d = ArchParameters(self.D.layout, generator=init).to(device) if relaxed_d else None
        self.opt_g = adam(self.G.parameters(), train.g_lr, train, device)
        self.opt_d = adam(self.D.parameters(), train.d_lr, train, device)
        self.opt_alpha_g = arch_optim.make(self.alphas_g.parameters())
        self.opt_alpha_d = arch_optim.make(self.alphas_d.parameters()) if relaxed_d else None
        self.d_loss_fn, self.g_loss_fn = get_loss(train.loss)
        self.ema = EMA(self.G, train.ema_decay, warmup=train.ema_warmup) if train.ema_decay else None
        self.torch_gen = torch.Generator(device=device).manual_seed(seed + 1)
        self.latent_dim = self.G.macro.latent_dim
        self.weights_version = 0  # bumped by every search epoch
        self.weights_id = uuid.uuid4().hex  # tells a problem these weights from another provider's (kept when pickled)
        self.epoch = 0
        self.steps = 0  # generator weight steps
        self.failures: dict[str, str] = {}  # a relaxed search trains no single candidate: always empty
        self.history: list[dict[str, float]] = []  # per epoch: mean losses (and the duality gap for AlphaGAN)

    # ---- the weights-provider interface ---------------------------------------------------------------------------
    @property
    def scored_supernet(self) -> nn.Module:
        """The relaxed G candidates are extracted from: its EMA when ``train.ema_decay`` is set, else G."""
        return self.ema.shadow if self.ema is not None else self.G

    @property
    def supernet_step(self) -> int:
        """Generator weight steps taken."""
        return self.steps

    def derive_genotype(self) -> np.ndarray:
        """The genotype derived from G's current logits (argmax of their softmax plus the space's rules)."""
        probs = {k: v.detach().cpu().double().numpy() for k, v in self.alphas_g.softmax().items()}
        return self.G.layout.derive_genotype(probs)

    def derive_discriminator(self):
        """The discriminator architecture derived from D's logits (``None`` when D is not relaxed)."""
        return None if self.alphas_d is None else self.alphas_d.derive()

    # ---- pieces of the steps --------------------------------------------------------------------------------------
    def temperature(self) -> float | None:
        """The Gumbel temperature of the current epoch (``None`` without Gumbel)."""
        return gumbel_temperature(self.epoch, *self.tau) if self.gumbel else None

    def op_weights(self, alphas: ArchParameters) -> dict[str, Tensor]:
        """Op weights of ``alphas``: softmax, or Gumbel-softmax of the logits at the epoch's temperature."""
        if self.gumbel:
            return alphas.gumbel_softmax(self.temperature(), generator=self.torch_gen)
        return alphas.softmax()

    def latents(self, n: int) -> Tensor:
        return torch.randn(n, self.latent_dim, generator=self.torch_gen, device=self.device)

    def real(self, n: int, pool: Tensor | None = None) -> Tensor:
        pool = self.images if pool is None else pool
        return pool[torch.randint(len(pool), (n,), generator=self.torch_gen, device=pool.device)]

    def _d(self, x: Tensor, d_weights) -> Tensor:
        return (self.D(x) if d_weights is None else self.D(x, d_weights)).float()

    def _detached(self, weights):
        return None if weights is None else {k: v.detach() for k, v in weights.items()}

    def _g_weight_step(self, d_weights) -> Tensor:
        """One G weight step through D (D and the logits frozen), then the EMA."""
        g_w = self._detached(self.op_weights(self.alphas_g))
        self.D.requires_grad_(False)
        try:
            loss = self.g_loss_fn(self._d(self.G(self.latents(self.train_config.g_batch_size), g_w), d_weights))
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update(self.G)
        self.steps += 1
        return loss.detach()

    def _d_weight_step(self, real: Tensor, d_weights) -> Tensor:
        with torch.no_grad():
            fake = self.G(self.latents(len(real)), self._detached(self.op_weights(self.alphas_g)))
        loss = self.d_loss_fn(self._d(real, d_weights), self._d(fake, d_weights))
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return loss.detach()

    def search_epoch(self, n_snapshots: int = 1) -> list[np.ndarray]:
        """One search epoch; returns ``n_snapshots`` derived genotypes taken at evenly spaced points, the last at
        its end. Bumps ``weights_version``."""
        raise NotImplementedError

    def _run(self, n_iterations: int, iteration: Callable[[int], Tensor], n_snapshots: int, desc: str,
             ) -> tuple[list[np.ndarray], Tensor]:
        """Run ``iteration(i)`` for ``n_iterations``, deriving genotypes at ``n_snapshots`` evenly spaced points;
        return them and the summed losses (one device tensor, read once)."""
        marks = {max(1, round(n_iterations * (k + 1) / n_snapshots)) for k in range(n_snapshots)}
        genotypes, total = [], torch.zeros(2, device=self.device)
        with progress_bar(total=n_iterations, desc=desc, enabled=self.progress) as bar:
            for i in range(n_iterations):
                total += iteration(i)
                bar.update(1)
                for _ in range(sum(1 for m in marks if m == i + 1)):
                    genotypes.append(self.derive_genotype())
        while len(genotypes) < n_snapshots:  # fewer iterations than snapshots
            genotypes.append(self.derive_genotype())
        return genotypes, total

    def _finish_epoch(self, record: dict[str, float]) -> None:
        release_graph(self.G, self.D)  # a trainer between epochs can be deep-copied (pymoo's history) and pickled
        self.history.append({"epoch": self.epoch, **record})
        self.epoch += 1
        self.weights_version += 1

    # ---- state ----------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"G": self.G.state_dict(), "D": self.D.state_dict(), "alphas_g": self.alphas_g.state_dict(),
                "alphas_d": None if self.alphas_d is None else self.alphas_d.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "opt_alpha_g": self.opt_alpha_g.state_dict(),
                "opt_alpha_d": None if self.opt_alpha_d is None else self.opt_alpha_d.state_dict(),
                "ema": None if self.ema is None else self.ema.state_dict(), "torch_gen": self.torch_gen.get_state(),
                "epoch": self.epoch, "steps": self.steps, "weights_version": self.weights_version,
                "d_iterations": self.d_iterations, "history": list(self.history)}

    def load_state_dict(self, state: dict) -> None:
        self.d_iterations = state["d_iterations"]
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.alphas_g.load_state_dict(state["alphas_g"])
        self.opt_g.load_state_dict(clone_state(state["opt_g"]))
        self.opt_d.load_state_dict(clone_state(state["opt_d"]))
        self.opt_alpha_g.load_state_dict(clone_state(state["opt_alpha_g"]))
        if self.alphas_d is not None:
            self.alphas_d.load_state_dict(state["alphas_d"])
            self.opt_alpha_d.load_state_dict(clone_state(state["opt_alpha_d"]))
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.torch_gen.set_state(state["torch_gen"])
        self.epoch, self.steps, self.weights_version = state["epoch"], state["steps"], state["weights_version"]
        self.history = list(state["history"])


class AdversarialNASTrainer(RelaxedSearchTrainer):
    """AdversarialNAS's search (see the module docstring): a relaxed G against a relaxed D.

    ``iterations``: D iterations per epoch (AdversarialNAS: one pass over the data, ``len(images) / d_batch_size``).
    Every iteration draws ``train.d_batch_size`` real images, the first half for D's weight step, the second for D's
    architecture step; G's architecture and weight steps use ``train.g_batch_size`` latents.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, train: TrainConfig, images: Tensor,
                 device: torch.device, seed: int, *, iterations: int, arch_optim: ArchOptimConfig = ArchOptimConfig(),
                 n_critic: int = 5, gumbel: bool = False, tau: tuple[float, float, float] = (5.0, 0.1, 25.0),
                 progress: bool = False):
        if train.d_batch_size < 2:
            raise ValueError("AdversarialNAS splits each real batch in halves: train.d_batch_size must be >= 2")
        super().__init__(generator, discriminator, train, images, device, seed, arch_optim=arch_optim,
                         n_critic=n_critic, relaxed_d=True, gumbel=gumbel, tau=tau, progress=progress)
        self.iterations = max(1, int(iterations))

    def d_arch_step(self, real: Tensor) -> Tensor:
        """Minimise D's loss over D's logits on ``real`` and fresh fakes (G, D weights frozen)."""
        with torch.no_grad():
            fake = self.G(self.latents(len(real)), self._detached(self.op_weights(self.alphas_g)))
        d_w = self.op_weights(self.alphas_d)
        self.D.requires_grad_(False)
        try:
            loss = self.d_loss_fn(self._d(real, d_w), self._d(fake, d_w))
            self.opt_alpha_d.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        self.opt_alpha_d.step()
        return loss.detach()

    def g_arch_step(self) -> Tensor:
        """Minimise G's loss over G's logits through the current D (its weights and soft architecture)."""
        d_w = self._detached(self.op_weights(self.alphas_d))
        g_w = self.op_weights(self.alphas_g)
        self.G.requires_grad_(False)
        self.D.requires_grad_(False)
        try:
            loss = self.g_loss_fn(self._d(self.G(self.latents(self.train_config.g_batch_size), g_w), d_w))
            self.opt_alpha_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.G.requires_grad_(True)
            self.D.requires_grad_(True)
        self.opt_alpha_g.step()
        return loss.detach()

    def _iteration(self, i: int) -> Tensor:
        self.G.train()
        self.D.train()
        real_w, real_a = self.real(self.train_config.d_batch_size).chunk(2)
        self.d_arch_step(real_a)
        d_loss = self._d_weight_step(real_w, self._detached(self.op_weights(self.alphas_d)))
        self.d_iterations += 1
        g_loss = torch.zeros((), device=self.device)
        if self.d_iterations % self.n_critic == 0:
            self.g_arch_step()
            g_loss = self._g_weight_step(self._detached(self.op_weights(self.alphas_d)))
        return torch.stack([d_loss, g_loss])

    def search_epoch(self, n_snapshots: int = 1) -> list[np.ndarray]:
        g_steps = self.steps
        desc = f"AdversarialNAS epoch {self.epoch}"
        genotypes, total = self._run(self.iterations, self._iteration, n_snapshots, desc)
        d, g = total.tolist()
        self._finish_epoch({"d_loss": d / self.iterations, "g_loss": g / max(1, self.steps - g_steps),
                            "tau": self.temperature()})
        return genotypes


class AlphaGANTrainer(RelaxedSearchTrainer):
    """AlphaGAN's search (see the module docstring): a relaxed G against a fixed D, logits driven by the duality gap.

    The images are split once (a permutation from ``seed``) into a weight half and an architecture half
    (``train_portion``). ``worst_lr``: the worst-case copies' learning rate (``None``: ``train.g_lr``), halved from
    epoch ``worst_lr_halve_epoch`` on (AlphaGAN: 30; ``None``: never).
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, train: TrainConfig, images: Tensor,
                 device: torch.device, seed: int, *, inner_steps: int, worst_steps: int, outer_steps: int,
                 arch_optim: ArchOptimConfig = ArchOptimConfig(weight_decay=1e-3), n_critic: int = 5,
                 train_portion: float = 0.5, worst_lr: float | None = None, worst_lr_halve_epoch: int | None = 30,
                 gumbel: bool = False, tau: tuple[float, float, float] = (5.0, 0.1, 25.0), progress: bool = False):
        for name, v in (("inner_steps", inner_steps), ("worst_steps", worst_steps), ("outer_steps", outer_steps)):
            if not isinstance(v, int) or v < 0:
                raise ValueError(f"{name}={v!r} must be an integer >= 0")
        if not 0 < train_portion < 1:
            raise ValueError(f"train_portion={train_portion!r} must be in (0, 1)")
        super().__init__(generator, discriminator, train, images, device, seed, arch_optim=arch_optim,
                         n_critic=n_critic, relaxed_d=False, gumbel=gumbel, tau=tau, progress=progress)
        self.inner_steps, self.worst_steps, self.outer_steps = inner_steps, worst_steps, outer_steps
        self.worst_lr = train.g_lr if worst_lr is None else worst_lr
        self.worst_lr_halve_epoch = worst_lr_halve_epoch
        order = torch.randperm(len(self.images), generator=torch.Generator().manual_seed(seed + 2)).to(device)
        n = max(1, min(len(order) - 1, int(round(train_portion * len(order)))))
        self.weight_images, self.arch_images = self.images[order[:n]], self.images[order[n:]]

    def value(self, generator: nn.Module, g_weights, discriminator: nn.Module, real: Tensor, z: Tensor) -> Tensor:
        """``V(G, D) = -L_D(D(real), D(G(z)))``, the objective D maximises (hinge: the negative hinge loss)."""
        return -self.d_loss_fn(discriminator(real).float(), discriminator(generator(z, g_weights)).float())

    # ---- 1. weights -----------------------------------------------------------------------------------------------
    def _inner_iteration(self, i: int) -> Tensor:
        self.G.train()
        self.D.train()
        d_loss = self._d_weight_step(self.real(self.train_config.d_batch_size, self.weight_images), None)
        self.d_iterations += 1
        g_loss = torch.zeros((), device=self.device)
        if self.d_iterations % self.n_critic == 0:
            g_loss = self._g_weight_step(None)
        return torch.stack([d_loss, g_loss])

    # ---- 2. worst-case copies -------------------------------------------------------------------------------------
    def find_worst(self) -> tuple[nn.Module, dict[str, Tensor], nn.Module]:
        """Fresh copies ``(G_worst, its op weights, D_worst)``: ``D_worst`` takes ``worst_steps`` D steps against the
        current G, ``G_worst`` ``worst_steps`` weight steps (its logits fixed) against the current D. The copies have
        their own optimizers and no EMA; nothing of the main G, D, logits or EMA changes."""
        lr = self.worst_lr
        if self.worst_lr_halve_epoch is not None and self.epoch >= self.worst_lr_halve_epoch:
            lr = lr / 2
        cfg = self.train_config
        g_weights = self._detached(self.alphas_g.softmax())  # Gumbel off in the copies, as AlphaGAN
        release_graph(self.G, self.D)
        g_worst, d_worst = copy.deepcopy(self.G).train(), copy.deepcopy(self.D).train()
        opt_gw, opt_dw = adam(g_worst.parameters(), lr, cfg, self.device), adam(d_worst.parameters(), lr, cfg,
                                                                                  self.device)
        with kept_buffers(self.G, self.D):  # the main networks run in train mode below; their buffers stay
            self._train_worst(g_worst, g_weights, d_worst, opt_gw, opt_dw)
        return g_worst.requires_grad_(False), g_weights, d_worst.requires_grad_(False)

    def _train_worst(self, g_worst, g_weights, d_worst, opt_gw, opt_dw) -> None:
        cfg = self.train_config
        for _ in range(self.worst_steps):
            real = self.real(cfg.d_batch_size, self.weight_images)
            with torch.no_grad():
                fake = self.G(self.latents(cfg.d_batch_size), g_weights)
            loss = self.d_loss_fn(d_worst(real).float(), d_worst(fake).float())
            opt_dw.zero_grad(set_to_none=True)
            loss.backward()
            opt_dw.step()
        self.D.requires_grad_(False)
        try:
            for _ in range(self.worst_steps):
                loss = self.g_loss_fn(self.D(g_worst(self.latents(cfg.g_batch_size), g_weights)).float())
                opt_gw.zero_grad(set_to_none=True)
                loss.backward()
                opt_gw.step()
        finally:
            self.D.requires_grad_(True)

    # ---- 3. architecture ------------------------------------------------------------------------------------------
    def arch_step(self, g_worst: nn.Module, g_worst_weights, d_worst: nn.Module) -> Tensor:
        """One Adam step on G's logits minimising the duality gap on an architecture-split batch; returns the gap.
        Only ``V(G_alpha, D_worst)`` depends on the logits (``G_worst`` holds its own fixed ones)."""
        cfg = self.train_config
        real, z = self.real(cfg.d_batch_size, self.arch_images), self.latents(cfg.d_batch_size)
        self.G.requires_grad_(False)
        self.D.requires_grad_(False)
        try:
            with kept_buffers(self.G, self.D, g_worst, d_worst):  # an architecture step trains no weights or buffers
                gap = (self.value(self.G, self.op_weights(self.alphas_g), d_worst, real, z)
                       - self.value(g_worst, g_worst_weights, self.D, real, z))
                self.opt_alpha_g.zero_grad(set_to_none=True)
                gap.backward()  # before the buffers are restored: spectral norm's backward reads its vectors
        finally:
            self.G.requires_grad_(True)
            self.D.requires_grad_(True)
        self.opt_alpha_g.step()
        return gap.detach()

    def search_epoch(self, n_snapshots: int = 1) -> list[np.ndarray]:
        g_steps = self.steps
        desc = f"AlphaGAN epoch {self.epoch}"
        _, total = self._run(self.inner_steps, self._inner_iteration, 1, desc + " (weights)")
        g_worst, g_worst_weights, d_worst = self.find_worst()
        gaps = []

        def outer(i):
            gaps.append(self.arch_step(g_worst, g_worst_weights, d_worst))
            return torch.zeros(2, device=self.device)

        genotypes, _ = self._run(self.outer_steps, outer, n_snapshots, desc + " (architecture)")
        d, g = total.tolist()
        gap = torch.stack(gaps).mean().item() if gaps else float("nan")
        self._finish_epoch({"d_loss": d / max(1, self.inner_steps), "g_loss": g / max(1, self.steps - g_steps),
                            "duality_gap": gap})
        return genotypes
