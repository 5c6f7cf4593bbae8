"""Scoring candidates: a :class:`CandidateScorer` (extractor, cached real statistics, fixed latents) turns a generator
into raw scores without changing it; :func:`score_snapshot` does it for a genotype on a snapshot of shared weights, from
the settings alone, so it runs in any process; a runner (:func:`make_runner`: in process, or on Ray actors) scores a
round's batch, and stage 2 trains its pairs on the same actors (:mod:`~pymoo_gan.evaluation.pair_training`)."""

from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.paired import score_paired
from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.evaluation.runners import LocalRunner, make_runner
from pymoo_gan.evaluation.scorer import CandidateScorer, extractor_name, make_extractor, score_aliases
from pymoo_gan.evaluation.snapshot import SnapshotScoring, score_snapshot, weights_snapshot

__all__ = ["CandidateScorer", "LocalRunner", "MetricsConfig", "ParallelConfig", "SnapshotScoring", "extractor_name",
           "make_extractor", "make_runner", "score_aliases", "score_paired", "score_snapshot", "weights_snapshot"]
