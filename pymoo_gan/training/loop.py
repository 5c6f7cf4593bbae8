"""The GAN training step and loop: hinge (or non-saturating) loss, Adam(0, 0.9), n_critic, optional EMA of G.

The same loop trains a supernet (``sample_arch`` returns the path of each step) and a standalone pair
(``sample_arch=None``). Real images live on the device as one tensor; batches are drawn with an explicit
``torch.Generator``, so a run is reproducible and needs no DataLoader. No host synchronisation inside the loop: losses
are accumulated on the device and read once at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from pymoo_gan.training.ema import EMA
from pymoo_gan.training.hooks import TrainerHook, added_terms
from pymoo_gan.training.losses import get_loss


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of a GAN: learning rates and Adam betas of the EAGAN paper (2e-4, (0, 0.9)), batches of
    the embedded CPU problem (EAGAN's retraining uses G 80 / D 40: :class:`~pymoo_gan.runs.retrain.RetrainConfig`)."""

    g_lr: float = 2e-4
    d_lr: float = 2e-4
    g_batch_size: int = 32
    d_batch_size: int = 32
    n_critic: int = 1
    loss: str = "hinge"
    beta1: float = 0.0
    beta2: float = 0.9
    ema_decay: float | None = None  # None or 0: no EMA of G
    ema_warmup: bool = True  # the EMA is the running mean of G until that spans its horizon (see training.ema.EMA)
    grad_clip: float | None = None
    amp: bool = True  # bf16 autocast for G and D on CUDA; ignored on CPU
    channels_last: bool | None = None  # NHWC weights and batches; None: on CUDA only (tensor-core friendly)

    def __post_init__(self):
        get_loss(self.loss)
        for name in ("g_batch_size", "d_batch_size", "n_critic"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be a positive integer")
        for name in ("g_lr", "d_lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be > 0")


def clone_state(state):
    """A copy of a nested state dict with every tensor cloned on its device (much faster than ``copy.deepcopy`` for
    the thousand tensors of a supernet); keeps the ``_metadata`` that modules' ``load_state_dict`` reads."""
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        out = type(state)((k, clone_state(v)) for k, v in state.items())
        if hasattr(state, "_metadata"):
            out._metadata = state._metadata
        return out
    if isinstance(state, list | tuple):
        return type(state)(clone_state(v) for v in state)
    return state


def adam(params, lr: float, cfg: TrainConfig, device: torch.device) -> torch.optim.Adam:
    fused = device.type == "cuda"
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), fused=fused, foreach=None if fused else True)


class GANTrainer:
    """Trains ``generator`` against ``discriminator``; owns their optimizers and the optional EMA of G.

    ``generator`` is called as ``generator(z, arch)`` when a path sampler is given, else ``generator(z)``. ``hooks``
    (:class:`~pymoo_gan.training.hooks.TrainerHook`) add loss terms and after-step callbacks; their state travels
    with the trainer's.

    Example:
        >>> trainer = GANTrainer(G, D, TrainConfig(), latent_dim=120)              # doctest: +SKIP
        >>> losses = trainer.train(100, images, gen, sample_arch=lambda: arch)     # doctest: +SKIP
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, cfg: TrainConfig, latent_dim: int, *,
                 opt_g: torch.optim.Optimizer | None = None, opt_d: torch.optim.Optimizer | None = None,
                 hooks: Sequence[TrainerHook] = ()):
        self.G, self.D, self.cfg, self.latent_dim = generator, discriminator, cfg, latent_dim
        self.device = next(generator.parameters()).device
        self.channels_last = self.device.type == "cuda" if cfg.channels_last is None else cfg.channels_last
        if self.channels_last:  # before the optimizers and EMA see the parameters; the Parameter objects stay
            generator.to(memory_format=torch.channels_last)
            discriminator.to(memory_format=torch.channels_last)
        # an optimizer may be passed in to share it (stage 2: one D supernet optimizer, one G optimizer per copy)
        self.opt_g = adam(generator.parameters(), cfg.g_lr, cfg, self.device) if opt_g is None else opt_g
        self.opt_d = adam(discriminator.parameters(), cfg.d_lr, cfg, self.device) if opt_d is None else opt_d
        self.d_loss_fn, self.g_loss_fn = get_loss(cfg.loss)
        self.ema = EMA(generator, cfg.ema_decay, warmup=cfg.ema_warmup) if cfg.ema_decay else None
        self.hooks = tuple(hooks)
        self.steps = 0  # generator steps taken

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda" and self.cfg.amp)

    def _fake(self, n: int, arch, gen: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, self.latent_dim, generator=gen, device=self.device)
        return self.G(z) if arch is None else self.G(z, arch)

    def _clip(self, module: nn.Module) -> None:
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(module.parameters(), self.cfg.grad_clip)

    def train(self, n_steps: int, images: torch.Tensor, gen: torch.Generator,
              sample_arch: Callable[[], object] | None = None) -> dict[str, float]:
        """Take ``n_steps`` generator steps, each after ``n_critic`` discriminator steps; return the mean losses."""
        d_total, g_total = self.train_steps(n_steps, images, gen, sample_arch)
        n = max(n_steps, 1)
        return {"d_loss": (d_total / (n * self.cfg.n_critic)).item(), "g_loss": (g_total / n).item()}

    def train_steps(self, n_steps: int, images: torch.Tensor, gen: torch.Generator,
                    sample_arch: Callable[[], object] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Like :meth:`train` but returns the summed D and G losses as device tensors (no host synchronisation)."""
        cfg = self.cfg
        self.G.train()
        self.D.train()
        for h in self.hooks:
            h.on_train_start(self)
        d_total = torch.zeros((), device=self.device)
        g_total = torch.zeros((), device=self.device)
        for _ in range(n_steps):
            arch = sample_arch() if sample_arch is not None else None
            for _ in range(cfg.n_critic):
                idx = torch.randint(len(images), (cfg.d_batch_size,), generator=gen, device=images.device)
                real = images[idx].to(self.device, non_blocking=True)
                if self.channels_last:
                    real = real.contiguous(memory_format=torch.channels_last)
                with self._autocast():
                    with torch.no_grad():
                        fake = self._fake(cfg.d_batch_size, arch, gen)
                    real_logits, fake_logits = self.D(real).float(), self.D(fake).float()
                    d_loss = added_terms(self.d_loss_fn(real_logits, fake_logits),
                                         (h.d_loss(self, real_logits, fake_logits, arch) for h in self.hooks))
                self.opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                self._clip(self.D)
                self.opt_d.step()
                for h in self.hooks:
                    h.after_d_step(self)
                d_total += d_loss.detach()
            self.opt_g.zero_grad(set_to_none=True)
            self.D.requires_grad_(False)  # before the forward: autograd then computes no gradients for D's weights
            try:
                with self._autocast():
                    fake = self._fake(cfg.g_batch_size, arch, gen)
                    g_loss = added_terms(self.g_loss_fn(self.D(fake).float()),
                                         (h.g_loss(self, fake, arch) for h in self.hooks))
                g_loss.backward()
            finally:  # an out-of-memory error here must not leave D frozen for whoever trains next
                self.D.requires_grad_(True)
            self._clip(self.G)
            self.opt_g.step()
            for h in self.hooks:
                h.after_g_step(self)
            g_total += g_loss.detach()
            if self.ema is not None:
                self.ema.update(self.G)
            self.steps += 1
        return d_total, g_total

    def state_dict(self) -> dict:
        return {"G": self.G.state_dict(), "D": self.D.state_dict(), "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(), "steps": self.steps,
                "ema": None if self.ema is None else self.ema.state_dict(),
                "hooks": [h.state_dict() for h in self.hooks]}

    def load_state_dict(self, state: dict) -> None:
        """Load a state; optimizer states are copied (torch's loader may keep the very same tensors, which would
        alias two trainers' Adam moments)."""
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(clone_state(state["opt_g"]))
        self.opt_d.load_state_dict(clone_state(state["opt_d"]))
        self.steps = state["steps"]
        if self.ema is not None and state["ema"] is not None:
            self.ema.load_state_dict(state["ema"])
        hooks = state.get("hooks", [])
        if len(hooks) != len(self.hooks):
            raise ValueError(f"the state holds {len(hooks)} hook states; this trainer has {len(self.hooks)} hooks")
        for hook, hook_state in zip(self.hooks, hooks, strict=True):
            hook.load_state_dict(clone_state(hook_state))
