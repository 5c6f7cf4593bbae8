"""DGL-GAN: a student G trained against its own D plus a frozen, pretrained teacher discriminator (hook).

G's loss gets ``weight * g_loss_fn(D_T(G(z)))``, the same adversarial form as its main loss (hinge: ``-weight *
mean(D_T(G(z)))``; non-saturating: ``weight * softplus(-D_T(G(z)))``). The gradient flows through the teacher into G:
the teacher is frozen (``requires_grad`` off, eval mode, in no optimizer) but never run under ``no_grad``. D's loss is
unchanged. Training has two stages: no teacher term for the first ``start_step`` G steps (the student first trains
plainly, since a strong teacher rejects a weak early student outright), then the term at full weight. DGL-GAN uses
``weight=0.1`` with the hinge loss (BigGAN) and 0.5 with the non-saturating loss (StyleGAN2).

The teacher must take the student's images (channels and resolution; :func:`check_teacher`). It is moved to the
trainer's device and memory format when training starts, and runs under the trainer's autocast.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from pymoo_gan.training import GANTrainer, TrainConfig
    >>> G = nn.Sequential(nn.Linear(4, 16), nn.Unflatten(1, (1, 4, 4)), nn.Tanh())
    >>> D, teacher = (nn.Sequential(nn.Flatten(), nn.Linear(16, 1)) for _ in range(2))
    >>> hook = TeacherDiscriminatorLoss(teacher, weight=0.1, start_step=2, image_shape=(1, 4, 4))
    >>> trainer = GANTrainer(G, D, TrainConfig(g_batch_size=4, d_batch_size=4), latent_dim=4, hooks=[hook])
    >>> _ = trainer.train(3, torch.rand(16, 1, 4, 4) * 2 - 1, torch.Generator().manual_seed(0))
    >>> hook.state_dict(), hook.current_weight()
    ({'g_steps': 3}, 0.1)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from pymoo_gan.training.hooks import TrainerHook

__all__ = ["TeacherDiscriminatorLoss", "check_teacher"]


def check_teacher(teacher: nn.Module, in_channels: int, resolution: int | Sequence[int]) -> None:
    """Raise a one-line ValueError unless ``teacher`` scores ``(n, in_channels, resolution, resolution)`` images with
    one logit per image. Reads the teacher's ``in_channels`` / ``resolution`` attributes when it has them, then runs
    one probe batch in eval mode without gradients (no state of the teacher changes)."""
    size = tuple(resolution) if isinstance(resolution, Sequence) else (resolution, resolution)
    needed = f"{in_channels}x{size[0]}x{size[1]} images"
    declared = getattr(teacher, "in_channels", None)
    if isinstance(declared, int) and declared != in_channels:
        raise ValueError(f"the teacher discriminator takes {declared}-channel images; the student's are {needed}")
    declared = getattr(teacher, "resolution", None)
    if isinstance(declared, int) and (declared, declared) != size:
        raise ValueError(f"the teacher discriminator is built for {declared}x{declared} images; the student's are "
                         f"{needed}")
    param = next(teacher.parameters(), None)
    probe = torch.zeros(2, in_channels, *size, device=None if param is None else param.device)
    modes = {m: m.training for m in teacher.modules()}
    try:
        teacher.eval()
        with torch.no_grad():
            out = teacher(probe)
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"the teacher discriminator cannot score the student's {needed}: {first}") from None
    finally:
        for m, training in modes.items():
            m.training = training
    if out.shape[0] != 2 or out[0].numel() != 1:
        raise ValueError(f"the teacher discriminator returns shape {tuple(out.shape)} for 2 {needed}; needed one logit "
                         "per image")


class TeacherDiscriminatorLoss(TrainerHook):
    """DGL-GAN's extra G loss term from a frozen teacher discriminator (module docstring).

    Args:
        teacher: the pretrained discriminator; frozen here (``requires_grad_(False)``, eval mode) and never updated.
        weight: ``lambda`` of the term (0.1 for the hinge loss in DGL-GAN).
        start_step: G steps of plain training before the term is switched on (DGL-GAN's first stage).
        image_shape: ``(channels, height, width)`` of the student's images, to check the teacher at construction;
            otherwise it is checked on the first generated batch.
    """

    def __init__(self, teacher: nn.Module, weight: float = 0.1, start_step: int = 0, *,
                 image_shape: Sequence[int] | None = None):
        if not weight >= 0:
            raise ValueError(f"weight={weight!r} must be >= 0")
        if not isinstance(start_step, int) or start_step < 0:
            raise ValueError(f"start_step={start_step!r} must be a non-negative integer")
        self.teacher = teacher.eval().requires_grad_(False)
        self.weight, self.start_step = weight, start_step
        self.g_steps = 0
        self._checked = False
        if image_shape is not None:
            check_teacher(self.teacher, image_shape[0], tuple(image_shape[1:]))
            self._checked = True

    def current_weight(self) -> float:
        """The term's weight at the next G step."""
        return self.weight if self.g_steps >= self.start_step else 0.0

    def on_train_start(self, trainer) -> None:
        self.teacher.to(trainer.device)
        if trainer.channels_last:
            self.teacher.to(memory_format=torch.channels_last)
        self.teacher.eval()

    def g_loss(self, trainer, fake: torch.Tensor, arch) -> torch.Tensor | None:
        weight = self.current_weight()
        if weight == 0.0:
            return None
        if not self._checked:
            check_teacher(self.teacher, fake.shape[1], tuple(fake.shape[2:]))
            self._checked = True
        return weight * trainer.g_loss_fn(self.teacher(fake).float())

    def after_g_step(self, trainer) -> None:
        self.g_steps += 1

    def state_dict(self) -> dict:
        return {"g_steps": self.g_steps}

    def load_state_dict(self, state: dict) -> None:
        self.g_steps = state["g_steps"]
