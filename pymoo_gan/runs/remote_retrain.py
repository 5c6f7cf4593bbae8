"""Retraining the chosen (G, D) pairs on a remote runner's actors, one pair per task.

The job (:class:`PairRetraining`) carries the retrain settings; a task carries one pair's architectures and its
directory; the actor runs :func:`~pymoo_gan.runs.retrain.retrain` into that directory (checkpointing and resuming
there as in the search's process) and returns the reported scores. The driver reads the pair's ``generator.pt`` from
the same directory, so every actor must see the run directory at the same path: on a multi-node cluster put the run
directory on shared storage (NFS or alike). A pair whose actor keeps dying comes back as a failure, not a crash.

Example (what the retrain stage does with ``[retrain.parallel] runner = "ray"``):
    >>> job = PairRetraining(RetrainConfig(), data, metrics, model, device="auto", seed=0)           # doctest: +SKIP
    >>> retrain_on_actors(make_runner(ParallelConfig(runner="ray")), job, pairs, directories)        # doctest: +SKIP
    [({'fd_digits_cnn': 30.1, ...}, ''), (None, 'worker died while retraining (3 tries)')]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.problems.config import ModelConfig
from pymoo_gan.runs.retrain import RetrainConfig, retrain


@dataclass(frozen=True)
class PairRetraining:
    """What an actor needs to retrain pairs: the retrain settings and those of the search the pairs come from."""

    config: RetrainConfig
    data: DataConfig
    metrics: MetricsConfig
    model: ModelConfig | None = None
    device: str = "auto"  # resolved in the actor
    seed: int = 0
    fresh: bool = False

    def build(self) -> RetrainWorker:
        """The actor's worker (nothing to build ahead: each pair builds its nets and scorer in :func:`retrain`)."""
        return RetrainWorker(self)


class RetrainWorker:
    """Retrains one pair per call; there are no shared weights to load."""

    def __init__(self, job: PairRetraining):
        self.job = job

    def load(self, state: dict) -> None:
        """Nothing: a retrained pair starts from scratch (or from its own directory's checkpoint)."""

    def retrain(self, task: tuple) -> dict:
        """The reported scores of ``task = (g_arch, d_arch or None, directory)`` retrained into ``directory``."""
        g_arch, d_arch, directory = task
        job = self.job
        return retrain(g_arch, job.config, directory, data=job.data, metrics=job.metrics, d_arch=d_arch,
                       model=job.model, device=job.device, seed=job.seed, progress=False, fresh=job.fresh)


def retrain_on_actors(runner, job: PairRetraining, pairs: list[tuple], directories: list[Path]) -> list[tuple]:
    """``(scores or None, failure)`` per pair of ``pairs`` (``(g_arch, d_arch or None)``), in order, each retrained
    into its directory on ``runner``'s actors (a :class:`~pymoo_gan.evaluation.ray_runner.RayRunner`)."""
    tasks = [(g_arch, d_arch, str(directory)) for (g_arch, d_arch), directory in zip(pairs, directories, strict=True)]
    out = runner.map(job, "retrain", dict, tasks, "retrain", "retraining")
    return [(result, failure) for result, failure, _ in out]
