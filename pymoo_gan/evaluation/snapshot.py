"""Scoring as a function of (genotype, a snapshot of the shared weights, metric settings), runnable in any process.

A search problem scores a candidate on its trainer's live (EMA) supernet; a worker process that holds only settings
and a weights file calls :func:`score_snapshot` and gets the same scores, bit for bit: both extract the candidate's
sub-network (a copy) and score that, so nothing shared changes.

Example (after a stage-1 warm-up of ``problem``):
    >>> torch.save(weights_snapshot(problem.trainer.scored_supernet), "w.pt")                     # doctest: +SKIP
    >>> c = problem.config
    >>> score_snapshot(problem.space, genotype, "w.pt", c.data, c.metrics, seed=c.seed)          # doctest: +SKIP
    {'fd_digits_cnn': 301.2, 'cs_digits_cnn': 3.1, ..., 'params': 150817.0, 'macs': 12931712.0}
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.scorer import CandidateScorer
from pymoo_gan.space.base import SearchSpace
from pymoo_gan.training.device import resolve_device


def weights_snapshot(supernet: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of ``supernet``'s state (weights and buffers): what travels to a scoring process."""
    return {k: v.detach().to("cpu", copy=True) for k, v in supernet.state_dict().items()}


def score_snapshot(space: SearchSpace, genotype, weights: dict | str | os.PathLike, data: DataConfig,
                   metrics: MetricsConfig, seed: int = 0, scorer: CandidateScorer | None = None,
                   device: str | torch.device = "cpu") -> dict[str, float]:
    """Raw scores of ``genotype`` of ``space`` on a snapshot of the shared generator weights (a state dict, or a file
    of one written by ``torch.save``), scored against ``data`` with ``metrics`` and the latents of ``seed``, as the
    search that made the snapshot scores. Pass a ``scorer`` built once per process to score many candidates."""
    device = torch.device(device)
    if not isinstance(weights, dict):
        weights = torch.load(weights, map_location="cpu", weights_only=True)
    arch = space.decode(np.asarray(genotype))
    entry = registry.space_of(arch)
    supernet = _loaded(entry, space, weights, device)
    scorer = scorer or CandidateScorer(data, metrics, latent_dim=space.macro.latent_dim, device=device, seed=seed)
    scores = scorer.score_generator(entry.extract(supernet, arch))
    scores.update(scorer.cost(entry.build(arch), arch.macro.latent_dim))
    return scores


def _loaded(entry: registry.SpaceEntry, space: SearchSpace, weights: dict, device: torch.device) -> nn.Module:
    """The supernet of ``space`` holding the snapshot ``weights``, on ``device``."""
    with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten below
        supernet = entry.supernet(space.macro)
    supernet.load_state_dict(weights)
    return supernet.to(device)


@dataclass(frozen=True)
class SnapshotScoring:
    """What a worker process needs to score candidates of ``space`` on weight snapshots: the settings, nothing
    trained. :meth:`build` makes the process's :class:`SnapshotWorker` once; it scores as :func:`score_snapshot`.

    Example:
        >>> worker = SnapshotScoring(problem.space, c.data, c.metrics, seed=c.seed).build()   # doctest: +SKIP
        >>> worker.load(weights_snapshot(problem.trainer.scored_supernet))                    # doctest: +SKIP
        >>> worker.score(genotype) == problem.score(genotype)                                 # doctest: +SKIP
        True
    """

    space: SearchSpace
    data: DataConfig
    metrics: MetricsConfig
    seed: int = 0
    device: str = "auto"

    def build(self) -> SnapshotWorker:
        """The per-process state: the scorer on ``device`` as resolved in this process."""
        return SnapshotWorker(self)


class SnapshotWorker:
    """The state of a :class:`SnapshotScoring` job in one process: its scorer (extractor, real statistics, fixed
    latents), the supernet of the latest snapshot (built once per snapshot) and the candidates' costs (once per
    genotype, as a search caches them)."""

    def __init__(self, job: SnapshotScoring):
        self.job, self.device = job, resolve_device(job.device)
        self.scorer = CandidateScorer(job.data, job.metrics, latent_dim=job.space.macro.latent_dim,
                                      device=self.device, seed=job.seed)
        self.weights, self.supernet = None, None
        self.costs: dict[str, dict[str, float]] = {}

    def load(self, weights: dict) -> None:
        """Score on the snapshot ``weights`` (a state dict) from now on."""
        self.weights, self.supernet = weights, None

    def score(self, genotype) -> dict[str, float]:
        """Raw scores of ``genotype`` on the loaded snapshot (see :func:`score_snapshot`)."""
        space = self.job.space
        arch = space.decode(np.asarray(genotype))
        entry = registry.space_of(arch)
        if self.supernet is None:
            self.supernet = _loaded(entry, space, self.weights, self.device)
        scores = self.scorer.score_generator(entry.extract(self.supernet, arch))
        key = space.key(genotype)
        if key not in self.costs:
            self.costs[key] = self.scorer.cost(entry.build(arch), arch.macro.latent_dim)
        return {**scores, **self.costs[key]}
