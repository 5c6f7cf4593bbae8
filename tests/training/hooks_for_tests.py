"""Two stateful trainer hooks for the tests: a scheduled extra loss term for G and a weight mask applied after each
G step (the shapes of DGL-GAN's teacher term and STU-GAN's sparse masks), plus a script that retrains with both::

    python hooks_for_tests.py OUT KILL_AT     # SIGKILL on the KILL_AT-th retraining checkpoint (0: never)
    python hooks_for_tests.py OUT KILL_AT sparse   # the same with [retrain.sparse] (STU-GAN, dynamic) instead
"""

import os
import signal
import sys

import torch

from pymoo_gan.training import TrainerHook


class ScheduledL2(TrainerHook):
    """Adds ``weight * min(1, calls / ramp) * mean(fake^2)`` to G's loss; ``calls`` counts its G steps."""

    def __init__(self, weight: float = 0.1, ramp: int = 4):
        self.weight, self.ramp, self.calls = weight, ramp, 0

    def g_loss(self, trainer, fake, arch):
        return self.weight * min(1.0, self.calls / self.ramp) * fake.float().pow(2).mean()

    def after_g_step(self, trainer):
        self.calls += 1

    def state_dict(self):
        return {"calls": self.calls}

    def load_state_dict(self, state):
        self.calls = state["calls"]


class HalfMask(TrainerHook):
    """Zeroes a fixed random half of every conv weight of G after each G step; the masks are its state."""

    def __init__(self, seed: int = 0):
        self.seed, self.masks, self.applied = seed, None, 0

    def after_g_step(self, trainer):
        convs = [m.weight for m in trainer.G.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
        if self.masks is None:
            gen = torch.Generator().manual_seed(self.seed)
            self.masks = [torch.rand(w.shape, generator=gen) < 0.5 for w in convs]
        with torch.no_grad():
            for w, m in zip(convs, self.masks, strict=True):
                w.mul_(m.to(w.device))
        self.applied += 1

    def state_dict(self):
        return {"masks": self.masks, "applied": self.applied}

    def load_state_dict(self, state):
        self.masks, self.applied = state["masks"], state["applied"]


def retrain_with_hooks(out, kill_at: int = 0, sparse: bool = False) -> None:
    import pymoo_gan.runs.retrain
    from pymoo_gan.data import DataConfig
    from pymoo_gan.evaluation import MetricsConfig
    from pymoo_gan.problems import ModelConfig
    from pymoo_gan.runs.retrain import RetrainConfig, retrain
    from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
    from pymoo_gan.training import SparseConfig, TrainConfig

    if kill_at:
        original, calls = pymoo_gan.runs.retrain.save_checkpoint, [0]

        def save_then_maybe_die(*args, **kwargs):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)

        pymoo_gan.runs.retrain.save_checkpoint = save_then_maybe_die
    torch.set_num_threads(1)
    settings = dict(data=DataConfig(), metrics=MetricsConfig(n_samples=64, batch_size=64, bn_batches=1),
                    model=ModelConfig(d_channels=8), device="cpu")
    arch = EAGANGeneratorSpace(GeneratorMacro(12, 8, 2, 1)).decode([1, 1, 3, 3, 3, 3, 3] * 3)
    config = RetrainConfig(train=TrainConfig(g_batch_size=16, d_batch_size=16, n_critic=1, ema_decay=0.5),
                           epochs=0.3, eval_every=0.1, eval_start=0, select_samples=64, n_samples=64,
                           sparse=SparseConfig(density_g=0.3, density_d=0.5, update_every=3) if sparse else None)
    hooks = [] if sparse else [ScheduledL2(), HalfMask()]
    retrain(arch, config, out, progress=False, hooks=hooks, **settings)


if __name__ == "__main__":
    retrain_with_hooks(sys.argv[1], int(sys.argv[2]), sparse=sys.argv[3:] == ["sparse"])
