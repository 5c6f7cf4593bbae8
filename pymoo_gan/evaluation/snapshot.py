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
    with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten below
        supernet = entry.supernet(space.macro)
    supernet.load_state_dict(weights)
    supernet.to(device)
    scorer = scorer or CandidateScorer(data, metrics, latent_dim=space.macro.latent_dim, device=device, seed=seed)
    scores = scorer.score_generator(entry.extract(supernet, arch))
    scores.update(scorer.cost(entry.build(arch), arch.macro.latent_dim))
    return scores


@dataclass(frozen=True)
class SnapshotScoring:
    """What a worker process needs to score candidates of ``space`` on weight snapshots: the settings, nothing
    trained. :meth:`build` makes the per-process scorer once; :meth:`score` is :func:`score_snapshot` with it.

    Example:
        >>> job = SnapshotScoring(problem.space, c.data, c.metrics, seed=c.seed, device="cpu")       # doctest: +SKIP
        >>> job.score(job.build(), genotype, weights_snapshot(problem.trainer.scored_supernet))      # doctest: +SKIP
    """

    space: SearchSpace
    data: DataConfig
    metrics: MetricsConfig
    seed: int = 0
    device: str = "auto"

    def build(self) -> CandidateScorer:
        """The scorer of this process (extractor, real statistics, fixed latents), on ``device`` as resolved here."""
        return CandidateScorer(self.data, self.metrics, latent_dim=self.space.macro.latent_dim,
                               device=resolve_device(self.device), seed=self.seed)

    def score(self, scorer: CandidateScorer, genotype, weights: dict) -> dict[str, float]:
        """Raw scores of ``genotype`` on the snapshot ``weights`` (see :func:`score_snapshot`)."""
        return score_snapshot(self.space, genotype, weights, self.data, self.metrics, seed=self.seed, scorer=scorer,
                              device=scorer.device)
