"""Training of shared weights in rounds, surviving failing candidates: the base of the supernet trainers.

A :class:`RoundTrainer` owns the training images on its device, one explicit random stream per purpose
(``torch_gen``: batches and latents; ``path_rng``: which path trains at each step, handed to the samplers), the version
of the shared weights (bumped by every warm-up and round) and the failures of the latest round.

**Failing candidates.** A round is trained in *units*, each attributable to one candidate (stage 1: one step on its
path; stage 2: one turn of its pair), in about 20 chunks. Before a chunk the trainer snapshots what the chunk may
change (on the device) and its random states; after the chunk it checks once that losses and weights are finite (one
host synchronisation per chunk, none per step). When they are not, or the device ran out of memory, the chunk is
replayed from the snapshot unit by unit, checking after each: the first unit that fails is undone, its candidate is
recorded in ``failures`` and gets no more units this round, and training goes on. Replays are deterministic because
the random states are restored with the weights. A failing warm-up unit (a random path, no candidate) is only counted.
``failures`` holds the latest round's failures only: a candidate still in the population is tried again next round.
Trainers without rounds (fair supernet training, :class:`~pymoo_gan.training.paired.PairedSupernetTrainer`) use the
same units and failure handling with ``schedule=None``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from pymoo_gan.progress import progress_bar
from pymoo_gan.training.failures import Snapshot, all_finite, failure_reason, release_memory
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.samplers import RoundOver


@dataclass(frozen=True)
class ScheduleConfig:
    """How long shared weights train: a warm-up on random paths, then a round before each generation's scores
    (``round_size``: after that many evaluations instead). Epochs are passes over the training images in D batches."""

    warmup_epochs: float = 12.0
    round_epochs: float = 4.0
    round_size: int | None = None

    def __post_init__(self):
        for name in ("warmup_epochs", "round_epochs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be >= 0")
        if self.round_size is not None and (isinstance(self.round_size, bool) or self.round_size < 1):
            raise ValueError(f"round_size={self.round_size!r} must be a positive integer or None")


@dataclass
class Unit:
    """A piece of training attributable to one candidate.

    ``key``: the candidate's genotype key (None: a random warm-up path); ``steps``: generator steps it takes;
    ``run()``: trains it and returns its summed ``(d_loss / n_critic, g_loss)`` as one device tensor.
    """

    key: str | None
    steps: int
    run: Callable[[], torch.Tensor]


class RoundTrainer:
    """Base of the supernet trainers (see the module docstring); subclasses implement ``warmup``, ``train_round``,
    ``_snapshot``, ``_parameters`` and their state."""

    def __init__(self, images: torch.Tensor, train: TrainConfig, schedule: ScheduleConfig | None,
                 device: torch.device, seed: int, progress: bool = True):
        self.train_config, self.schedule, self.device, self.progress = train, schedule, device, progress
        self.images = images.to(device)
        self.torch_gen = torch.Generator(device=device).manual_seed(seed)
        self.path_rng = np.random.default_rng(seed)
        self.weights_version = 0
        self.failures: dict[str, str] = {}  # genotype key -> why its training failed in the latest round
        self.skipped_steps = 0  # units on random paths (no candidate) dropped because they failed
        self._doing = ""  # what run_units is training (named in warnings)

    def steps_per(self, epochs: float) -> int:
        """Generator steps in ``epochs`` passes over the training images (each G step follows n_critic D batches)."""
        cfg = self.train_config
        return int(math.ceil(epochs * len(self.images) / (cfg.d_batch_size * cfg.n_critic)))

    def run_steps(self, n: int, train_chunk: Callable[[int], dict], desc: str) -> dict[str, float]:
        """Call ``train_chunk(k)`` until ``n`` steps are done (about 20 chunks, for the progress bar), then bump
        ``weights_version``: every warm-up or round yields a new version of the shared weights. Returns the mean of
        the chunks' losses, weighted by their steps (chunks that report none, e.g. replayed ones, left out)."""
        chunk = max(1, n // 20)
        totals: dict[str, float] = {}
        counted = 0
        with progress_bar(total=n, desc=desc, enabled=self.progress) as bar:
            done = 0
            try:
                while done < n:
                    k = min(chunk, n - done)
                    losses = train_chunk(k)
                    done += k
                    bar.update(k)
                    if losses:
                        bar.set_postfix(losses)
                        counted += k
                        for name, value in losses.items():
                            totals[name] = totals.get(name, 0.0) + k * value
            except RoundOver:
                pass
        self.weights_version += 1
        return {name: value / counted for name, value in totals.items()}

    def run_units(self, n: int, units: Callable[[int], Iterator[Unit]], desc: str) -> dict[str, float]:
        """:meth:`run_steps` over units: ``units(k)`` yields the next units worth ``k`` steps, choosing each lazily
        (so it skips candidates that failed meanwhile). See the module docstring for the failure handling. Returns
        the mean losses of :meth:`run_steps`."""
        self.failures, self._doing = {}, desc
        return self.run_steps(n, lambda k: self._checked_chunk(k, units), desc)

    def _checked_chunk(self, k: int, units: Callable[[int], Iterator[Unit]]) -> dict[str, float]:
        before, random = self._snapshot(None), self.random_state()
        reason, losses = self._train_units(units(k), self._parameters(None))
        if reason is None:
            return losses
        before.restore()
        self.load_random_state(random)
        for unit in units(k):
            saved = self._snapshot(unit)
            reason, _ = self._train_units([unit], self._parameters(unit))
            if reason is not None:
                saved.restore()
                self._drop(unit, reason)
        return {}

    def _train_units(self, units: Iterable[Unit], parameters: list[torch.Tensor]) -> tuple[str | None, dict]:
        """Train ``units``; return (why it failed or None, mean losses) after one host synchronisation."""
        total, steps, reason = [], 0, None
        try:
            for unit in units:
                total.append(unit.run())
                steps += unit.steps
        except Exception as exc:
            reason = failure_reason(exc, "training")
            if reason is None:
                raise
        if reason is None:
            loss = torch.stack(total).sum(0) if total else torch.zeros(2, device=self.device)
            flags = torch.stack([torch.isfinite(loss).all(), all_finite(parameters)]).float()
            loss_ok, weights_ok, d, g = torch.cat([flags, loss.float()]).tolist()
            if loss_ok and weights_ok:
                return None, {"d_loss": d / max(steps, 1), "g_loss": g / max(steps, 1)}
            return "training produced non-finite " + ("weights" if loss_ok else "loss"), {}
        release_memory()
        return reason, {}

    def _drop(self, unit: Unit, reason: str) -> None:
        if unit.key is None:
            self.skipped_steps += unit.steps
            warnings.warn(f"skipped a {self._doing} step on a random path: {reason}", RuntimeWarning, stacklevel=2)
        else:
            self.failures[unit.key] = reason

    def _snapshot(self, unit: Unit | None) -> Snapshot:
        """What ``unit`` may change (None: the whole chunk), copied on the device."""
        raise NotImplementedError

    def _parameters(self, unit: Unit | None) -> list[torch.Tensor]:
        """The parameters ``unit`` trains (None: the whole chunk), checked for NaN/inf after it."""
        raise NotImplementedError

    # ---- state for checkpoints ----------------------------------------------------------------------------------
    def random_state(self) -> dict:
        return {"torch_gen": self.torch_gen.get_state(), "path_rng": self.path_rng.bit_generator.state,
                "weights_version": self.weights_version}

    def load_random_state(self, state: dict) -> None:
        self.torch_gen.set_state(state["torch_gen"])
        self.path_rng.bit_generator.state = state["path_rng"]
        self.weights_version = state["weights_version"]

    def failure_state(self) -> dict:
        return {"failures": dict(self.failures), "skipped_steps": self.skipped_steps}

    def load_failure_state(self, state: dict) -> None:
        self.failures = dict(state["failures"])
        self.skipped_steps = state["skipped_steps"]
