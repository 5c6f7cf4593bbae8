"""STU-GAN: sparse G and D trained from scratch, G's connectivity pruned and regrown at a fixed budget (hook).

Every convolution weight of G and D gets a mask (:mod:`pymoo_gan.nn.masks`: ERK densities, separately for G and D;
linear, normalisation layers and biases stay dense). The masks are applied before training and after every optimizer
step (D's after each D step, G's after each G step), so weights outside them are exactly zero while gradients stay
dense. In ``"dynamic"`` mode, every ``update_every`` G steps, right after ``opt_g.step()`` (G's ``.grad`` still holds
the last G loss's dense gradient; the trainer clears it only at the next G step), each G layer prunes the
``ceil(p * nnz)`` active weights of smallest magnitude and grows as many inactive positions of largest gradient
magnitude, at zero: per-layer counts are kept exactly. ``"static"`` keeps the initial masks; dense training is the
plain trainer without this hook.

Design choices:

- **Prune rate** ``p(t) = p_T + (p_0 - p_T) * (1 + cos(pi * min(t, T) / T)) / 2`` over G steps ``t`` (``T =
  total_steps``): monotone from ``p_0 = 0.5`` to ``p_T = 0.005`` and held there afterwards. The released SNGAN code
  stepped its cosine on D steps and oscillated; its HEAD default silently trained static masks.
- **EMA** (SEMA): when the trainer keeps an EMA of G, its shadow is masked with G's masks at the start and after each
  update (a pruned weight's average is zeroed; a grown weight's average starts from its live value, zero), so the
  shadow is exactly as sparse as G.
- **Adam moments** are kept by default, as in the released code: gradients are dense, so Adam has been updating the
  moments of inactive positions every step and they are a current estimate when a position is grown. Zeroing them
  (``reset_moments=True``, RigL's habit with momentum SGD) makes a grown weight's first Adam step about
  ``(1 - beta1) / sqrt(1 - beta2)`` times a normal one (3x at betas (0, 0.9)), since Adam's step count is shared.
- Layers without a gradient at an update (supernet paths not sampled in that step) keep their masks.
- Masks are keyed by parameter name and are the hook's state: checkpoints, resume and the failure replay restore them.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from pymoo_gan.training import GANTrainer, TrainConfig
    >>> G = nn.Sequential(nn.Linear(4, 16), nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
    ...                   nn.Conv2d(8, 1, 3, padding=1), nn.Tanh())
    >>> D = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(128, 1))
    >>> sparse = SparseTraining(0.3, 0.5, total_steps=4, update_every=2)
    >>> trainer = GANTrainer(G, D, TrainConfig(g_batch_size=4, d_batch_size=4), latent_dim=4, hooks=[sparse])
    >>> _ = trainer.train(4, torch.rand(16, 1, 4, 4) * 2 - 1, torch.Generator().manual_seed(0))
    >>> {k: round(v, 2) for k, v in sparse.densities().items()}
    {'G': 0.31, 'D': 0.5}
    >>> bool((G[2].weight[~sparse.masks_g["2.weight"]] == 0).all())
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from pymoo_gan.nn.masks import apply_masks, conv_weights, erk_densities, prune_and_regrow, random_masks
from pymoo_gan.training.hooks import TrainerHook

__all__ = ["SparseConfig", "SparseTraining", "cosine_prune_rate"]

MODES = ("dynamic", "static")


def cosine_prune_rate(step: int, total_steps: int, initial: float = 0.5, final: float = 0.005) -> float:
    """The prune rate after ``step`` G steps: cosine from ``initial`` (step 0) to ``final`` (step ``total_steps`` and
    later), monotone.

    Example:
        >>> [round(cosine_prune_rate(t, 4), 4) for t in (0, 2, 4, 8)]
        [0.5, 0.2525, 0.005, 0.005]
    """
    t = min(max(step, 0), total_steps) / total_steps
    return final + (initial - final) * 0.5 * (1.0 + math.cos(math.pi * t))


class SparseTraining(TrainerHook):
    """STU-GAN's sparse-to-sparse training of a GAN pair as a trainer hook (module docstring).

    Args:
        density_g: fraction of G's convolution weights that are active (parameter-weighted, ERK per layer).
        density_d: the same for D (1.0: D dense).
        mode: ``"dynamic"`` (prune-and-regrow on G, STU-GAN) or ``"static"`` (masks fixed).
        total_steps: G steps of the run, the prune rate's horizon (required in dynamic mode).
        update_every: G steps between prune-and-regrow updates (``ΔT``; 1000 in STU-GAN's SNGAN runs).
        prune_rate, final_prune_rate: the cosine schedule's start and end (0.5 and 0.005 in STU-GAN).
        reset_moments: zero Adam's moments of pruned and grown entries (kept by default; see module docstring).
        seed: seed of the random initial masks (a private ``torch.Generator``).
    """

    def __init__(self, density_g: float, density_d: float, *, mode: str = "dynamic", total_steps: int | None = None,
                 update_every: int = 1000, prune_rate: float = 0.5, final_prune_rate: float = 0.005,
                 reset_moments: bool = False, seed: int = 0):
        for name, value in (("density_g", density_g), ("density_d", density_d)):
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name}={value!r} must be in (0, 1]")
        if mode not in MODES:
            raise ValueError(f"mode={mode!r} is not one of {MODES} (dense training: no SparseTraining hook)")
        if mode == "dynamic" and (not isinstance(total_steps, int) or total_steps < 1):
            raise ValueError(f"total_steps={total_steps!r}: dynamic mode needs the run's G steps (a positive integer)")
        if not isinstance(update_every, int) or update_every < 1:
            raise ValueError(f"update_every={update_every!r} must be a positive integer")
        if not 0.0 <= final_prune_rate <= prune_rate <= 1.0:
            raise ValueError(f"prune rates {prune_rate!r} -> {final_prune_rate!r} need 0 <= final <= start <= 1")
        self.density_g, self.density_d, self.mode = density_g, density_d, mode
        self.total_steps, self.update_every = total_steps, update_every
        self.prune_rate, self.final_prune_rate = prune_rate, final_prune_rate
        self.reset_moments, self.seed = reset_moments, seed
        self.masks_g: dict[str, torch.Tensor] | None = None
        self.masks_d: dict[str, torch.Tensor] | None = None
        self.g_steps = 0

    def attach(self, generator: nn.Module, discriminator: nn.Module) -> None:
        """Draw ERK masks for both nets if the hook has none (a loaded state keeps its own), check them against the
        nets, move them to the weights' devices and apply them."""
        if self.masks_g is None or self.masks_d is None:
            gen = torch.Generator().manual_seed(self.seed)
            self.masks_g = _erk_masks(conv_weights(generator), self.density_g, gen)
            self.masks_d = _erk_masks(conv_weights(discriminator), self.density_d, gen)
        for net, masks, which in ((generator, self.masks_g, "G"), (discriminator, self.masks_d, "D")):
            weights = conv_weights(net)
            _check(weights, masks, which)
            for name, mask in masks.items():
                masks[name] = mask.to(weights[name].device)
            apply_masks(weights, masks)

    def on_train_start(self, trainer) -> None:
        self.attach(trainer.G, trainer.D)
        if trainer.ema is not None:
            apply_masks(conv_weights(trainer.ema.shadow), self.masks_g)

    def after_d_step(self, trainer) -> None:
        apply_masks(conv_weights(trainer.D), self.masks_d)

    def after_g_step(self, trainer) -> None:
        weights = conv_weights(trainer.G)
        apply_masks(weights, self.masks_g)
        self.g_steps += 1
        if self.mode == "dynamic" and self.g_steps % self.update_every == 0:
            self._explore(trainer, weights)

    def prune_rate_at(self, step: int) -> float:
        return cosine_prune_rate(step, self.total_steps, self.prune_rate, self.final_prune_rate)

    def _explore(self, trainer, weights: dict[str, nn.Parameter]) -> None:
        rate = self.prune_rate_at(self.g_steps)
        for name, w in weights.items():
            mask = self.masks_g[name]
            if w.grad is None:
                continue
            nnz = int(mask.sum())  # one host read per layer per update (every update_every steps)
            new = prune_and_regrow(w, mask, w.grad, math.ceil(rate * nnz))
            if self.reset_moments:
                _zero_moments(trainer.opt_g, w, new != mask)
            self.masks_g[name] = new
        apply_masks(weights, self.masks_g)
        if trainer.ema is not None:
            apply_masks(conv_weights(trainer.ema.shadow), self.masks_g)

    def densities(self) -> dict[str, float]:
        """Active fraction of the masked weights of G and D (parameter-weighted)."""
        return {which: sum(int(m.sum()) for m in masks.values()) / sum(m.numel() for m in masks.values())
                for which, masks in (("G", self.masks_g), ("D", self.masks_d))}

    def state_dict(self) -> dict:
        return {"masks_g": self.masks_g, "masks_d": self.masks_d, "g_steps": self.g_steps}

    def load_state_dict(self, state: dict) -> None:
        self.masks_g, self.masks_d, self.g_steps = state["masks_g"], state["masks_d"], state["g_steps"]


def _erk_masks(weights: dict[str, nn.Parameter], density: float, gen: torch.Generator) -> dict[str, torch.Tensor]:
    densities = erk_densities({k: tuple(w.shape) for k, w in weights.items()}, density)
    return random_masks(weights, densities, gen)


def _check(weights: dict[str, nn.Parameter], masks: dict[str, torch.Tensor], which: str) -> None:
    if weights.keys() != masks.keys():
        missing, extra = sorted(weights.keys() - masks.keys()), sorted(masks.keys() - weights.keys())
        raise ValueError(f"the sparse masks do not match {which}'s convolutions: no mask for {missing}, "
                         f"masks for unknown weights {extra}")
    for name, w in weights.items():
        if masks[name].shape != w.shape:
            raise ValueError(f"the mask of {which}'s {name} has shape {tuple(masks[name].shape)}; the weight has "
                             f"{tuple(w.shape)}")


@torch.no_grad()
def _zero_moments(optimizer: torch.optim.Optimizer, param: nn.Parameter, changed: torch.Tensor) -> None:
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer"):
        buf = optimizer.state.get(param, {}).get(key)
        if isinstance(buf, torch.Tensor) and buf.shape == changed.shape:
            buf.masked_fill_(changed, 0)


@dataclass(frozen=True)
class SparseConfig:
    """Settings of STU-GAN sparse training (a problem file's ``[retrain.sparse]`` or ``[stage1.problem.sparse]``):
    the :class:`SparseTraining` hook's arguments, validated on construction.

    ``total_steps`` is the prune rate's horizon in G steps; None takes the run's length where it is known (retraining,
    compression); a search's supernet training must set it in dynamic mode (its length depends on the algorithm).

    Example:
        >>> hook = SparseConfig(density_g=0.2, update_every=50).hook(total_steps=1000, seed=1)
        >>> hook.mode, hook.density_g, hook.density_d, hook.total_steps
        ('dynamic', 0.2, 0.5, 1000)
        >>> SparseConfig(mode="gmp")
        Traceback (most recent call last):
        ...
        ValueError: mode='gmp' is not one of ('dynamic', 'static') (dense training: no sparse table)
    """

    mode: str = "dynamic"
    density_g: float = 0.3
    density_d: float = 0.5  # STU-GAN's main runs: a denser D than G
    update_every: int = 500  # G steps between prune-and-regrow updates (STU-GAN: 1000 SNGAN, 500 BigGAN)
    prune_rate: float = 0.5
    final_prune_rate: float = 0.005
    total_steps: int | None = None
    reset_moments: bool = False

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode={self.mode!r} is not one of {MODES} (dense training: no sparse table)")
        if self.total_steps is not None and (not isinstance(self.total_steps, int) or self.total_steps < 1):
            raise ValueError(f"total_steps={self.total_steps!r} must be a positive integer (or unset)")
        self.hook(total_steps=self.total_steps or 1)  # SparseTraining validates the rest, one line per problem

    def hook(self, total_steps: int | None = None, seed: int = 0) -> SparseTraining:
        """A fresh :class:`SparseTraining` hook; ``total_steps`` is used when the settings leave it unset."""
        steps = self.total_steps or total_steps
        if self.mode == "dynamic" and steps is None:
            raise ValueError("sparse.total_steps must be set for dynamic sparse training here (the prune rate's "
                             "horizon in G steps; the run's length is not known)")
        return SparseTraining(self.density_g, self.density_d, mode=self.mode, total_steps=steps,
                              update_every=self.update_every, prune_rate=self.prune_rate,
                              final_prune_rate=self.final_prune_rate, reset_moments=self.reset_moments, seed=seed)
