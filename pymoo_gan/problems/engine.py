"""What every search stage's torch side shares: device, training images, the candidate scorer, random streams, and
epochs -> steps bookkeeping with a progress bar. A stage's engine subclasses :class:`SupernetEngine`."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from pymoo_gan.progress import progress_bar


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class SupernetEngine:
    """Base of the stage engines (see :mod:`pymoo_gan.problems.supernet_problem` for the interface they serve).

    Owns one explicit random stream per purpose: ``torch_gen`` (training batches and latents) and ``path_rng``
    (which path trains at each step); the scorer owns the fixed scoring latents.
    """

    def __init__(self, config, latent_dim: int, progress: bool = True):
        from pymoo_gan.evaluator import CandidateScorer, config_dataset

        self.config, self.progress = config, progress
        self.device = resolve_device(config.device)
        self.torch_gen = torch.Generator(device=self.device).manual_seed(config.seed)
        self.path_rng = np.random.default_rng(config.seed)
        images, _ = config_dataset(config, "train")
        self.images = images.to(self.device)
        self.scorer = CandidateScorer(config, latent_dim=latent_dim, device=self.device)
        self.weights_version = 0

    def steps_per(self, epochs: float, train_cfg) -> int:
        """Generator steps in ``epochs`` passes over the training images (each G step follows n_critic D batches)."""
        return int(math.ceil(epochs * len(self.images) / (train_cfg.d_batch_size * train_cfg.n_critic)))

    def run_steps(self, n: int, train_chunk: Callable[[int], dict], desc: str) -> None:
        """Call ``train_chunk(k)`` until ``n`` steps are done (about 20 chunks, for the progress bar), then bump
        ``weights_version``: every warm-up or round yields a new version of the shared weights."""
        chunk = max(1, n // 20)
        with progress_bar(total=n, desc=desc, enabled=self.progress) as bar:
            done = 0
            while done < n:
                k = min(chunk, n - done)
                losses = train_chunk(k)
                done += k
                bar.update(k)
                if losses:
                    bar.set_postfix(losses)
        self.weights_version += 1

    # ---- state for checkpoints ----------------------------------------------------------------------------------
    def random_state(self) -> dict:
        return {"torch_gen": self.torch_gen.get_state(), "path_rng": self.path_rng.bit_generator.state,
                "weights_version": self.weights_version}

    def load_random_state(self, state: dict) -> None:
        self.torch_gen.set_state(state["torch_gen"])
        self.path_rng.bit_generator.state = state["path_rng"]
        self.weights_version = state["weights_version"]
