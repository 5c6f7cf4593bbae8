"""Runners score a batch of candidates on the shared weights of a round: :class:`LocalRunner` in this process (the
problem's own loop, unchanged), :class:`~pymoo_gan.evaluation.ray_runner.RayRunner` on persistent Ray actors.

A remote runner gets a *job* (a picklable :class:`~pymoo_gan.evaluation.snapshot.SnapshotScoring`: settings only),
a *token* naming the current weights, a function that makes their snapshot (called once per token, so the weights
travel once per round) and the genotypes; it returns ``(scores, failure, seconds)`` per genotype, in order. Stage 2
trains its pairs on the same actors (:class:`~pymoo_gan.evaluation.pair_training.RemotePairs`, a
:class:`~pymoo_gan.evaluation.pair_training.PairTraining` job).

Example:
    >>> make_runner(ParallelConfig()).remote
    False
"""

from __future__ import annotations

from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.evaluation.ray_runner import RayRunner


class LocalRunner:
    """Candidates are scored in this process, one after another, by the problem itself (``remote`` is False)."""

    remote = False

    def close(self) -> None:
        """Nothing to release."""


_SHARED: dict[ParallelConfig, RayRunner] = {}


def make_runner(parallel: ParallelConfig):
    """The runner ``parallel`` asks for: a :class:`LocalRunner`, or the process's :class:`RayRunner` of these settings
    (one per settings, so problems with equal settings share its actors); the one-line install hint without Ray."""
    parallel.check_available()
    if parallel.runner == "local":
        return LocalRunner()
    if parallel not in _SHARED:
        _SHARED[parallel] = RayRunner(parallel)
    return _SHARED[parallel]
