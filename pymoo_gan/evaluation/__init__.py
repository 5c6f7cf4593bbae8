"""Scoring candidates: a :class:`CandidateScorer` (extractor, cached real statistics, fixed latents) turns a generator
into raw scores without changing it; :func:`score_snapshot` does it for a genotype on a snapshot of shared weights, from
the settings alone, so it runs in any process."""

from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.paired import score_paired
from pymoo_gan.evaluation.scorer import CandidateScorer, extractor_name, make_extractor, score_aliases
from pymoo_gan.evaluation.snapshot import score_snapshot, weights_snapshot

__all__ = ["CandidateScorer", "MetricsConfig", "extractor_name", "make_extractor", "score_aliases", "score_paired",
           "score_snapshot", "weights_snapshot"]
