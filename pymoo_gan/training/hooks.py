"""Hooks that extend the GAN step without changing the trainer: extra loss terms and after-step callbacks.

A :class:`TrainerHook` sees every step of a :class:`~pymoo_gan.training.GANTrainer` it is given
(``GANTrainer(..., hooks=[...])``):

- ``on_train_start(trainer)`` runs at the start of every ``train_steps`` call, before any forward pass (so it must
  be idempotent): e.g. STU-GAN's sparse masks applied to freshly built nets, DGL-GAN's teacher moved to the device;
- ``d_loss(trainer, real_logits, fake_logits, arch)`` and ``g_loss(trainer, fake, arch)`` return a term added to the
  discriminator's / generator's loss (or None): e.g. DGL-GAN's frozen teacher discriminator on G's samples;
- ``after_d_step(trainer)`` and ``after_g_step(trainer)`` run right after the optimizer step (before the EMA update of
  G): e.g. STU-GAN's sparse masks re-applied, or its prune-and-regrow every ΔT steps;
- ``state_dict()`` / ``load_state_dict(state)``: the hook's own state (a schedule's counter, masks). The trainer's
  state carries it, so checkpoints, resume and the failure replay's snapshots restore hooks with the weights.

Example:
    >>> import torch
    >>> class L2OnSamples(TrainerHook):
    ...     def g_loss(self, trainer, fake, arch):
    ...         return 1e-3 * fake.float().pow(2).mean()
    >>> L2OnSamples().state_dict()
    {}
"""

from __future__ import annotations

import torch


class TrainerHook:
    """Base class of training hooks: every method is a no-op; override what the hook needs (module docstring)."""

    def on_train_start(self, trainer) -> None:
        pass

    def d_loss(self, trainer, real_logits: torch.Tensor, fake_logits: torch.Tensor, arch) -> torch.Tensor | None:
        return None

    def g_loss(self, trainer, fake: torch.Tensor, arch) -> torch.Tensor | None:
        return None

    def after_d_step(self, trainer) -> None:
        pass

    def after_g_step(self, trainer) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def added_terms(loss: torch.Tensor, terms) -> torch.Tensor:
    """``loss`` plus the hooks' terms that are not None (in float32, like the main loss)."""
    for term in terms:
        if term is not None:
            loss = loss + term.float()
    return loss
