"""Stage-2 pairs trained on a remote runner's actors: the picklable job an actor builds its
:class:`~pymoo_gan.training.pair_sync.PairWorker` from (settings and the G architecture, nothing trained), and the
:data:`~pymoo_gan.training.pair_sync.PairRunner` that sends a synchronous round's pairs to the actors, one pair per
task, with the round's D-supernet snapshot put into the object store once.

Example (what :class:`~pymoo_gan.problems.DiscriminatorSearchProblem` does with ``runner="ray"``):
    >>> job = PairTraining(G, "eagan_discriminator", d_space.macro, train, data)                  # doctest: +SKIP
    >>> trainer.pair_runner = RemotePairs(make_runner(ParallelConfig(runner="ray")), job)         # doctest: +SKIP
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.training.device import resolve_device
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.pair_sync import PairResult, PairTask, PairWorker


@dataclass(frozen=True)
class PairTraining:
    """What an actor needs to train stage-2 pairs: a module of the pairs' G architecture (its weights are replaced
    by each task's; keep it on the CPU), the discriminator space's registry name and macro, the training settings
    and the data (each actor loads it once), and the device as resolved in the actor."""

    generator: nn.Module
    space: str
    macro: object
    train: TrainConfig
    data: DataConfig
    device: str = "auto"

    def build(self) -> PairWorker:
        """The actor's worker: the images, a D supernet and a G, built once."""
        images, _ = self.data.load("train")
        with torch.random.fork_rng(devices=[]):  # every task loads the supernet's weights from the round's snapshot
            supernet = registry.space(self.space).supernet(self.macro)
        return PairWorker(copy.deepcopy(self.generator), supernet, images, self.train, resolve_device(self.device))


class RemotePairs:
    """Trains a synchronous round's pairs on ``runner``'s actors (a :class:`~pymoo_gan.evaluation.ray_runner.RayRunner`
    running ``job``); a pair whose actor kept dying fails for the round as a pair whose training failed."""

    def __init__(self, runner, job: PairTraining):
        self.runner, self.job = runner, job

    def __call__(self, token: str, snapshot: Callable[[], dict], tasks: list[PairTask]) -> list[PairResult]:
        out = self.runner.map(self.job, token, snapshot, tasks, "train", "training")
        return [result if result is not None else PairResult(task.key, failure=failure)
                for task, (result, failure, _) in zip(tasks, out, strict=True)]
