"""Failing candidates in a search: the value a failed candidate gets and which scores make one (training failures and
their undoing are :mod:`pymoo_gan.training.failures`).

A candidate fails when its training produces NaN/inf (losses or weights), when its objective/constraint scores are not
finite, or when it runs out of device memory while training or scoring. A failure is recorded, never raised: the
candidate's row gets :data:`FAILED_VALUE` for every objective and constraint and a ``failure`` reason, the weights it
corrupted are restored, and the search goes on. Any other exception is a bug and propagates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

FAILED_VALUE = 1e12
"""``F`` of every objective and ``G`` of every constraint of a failed candidate. Finite, so pymoo's non-dominated
sorting, crowding distances and normalisations stay finite; far above any real objective (Fréchet distances, negated
scores, parameters, MACs of a generator), so every successful candidate dominates a failed one and a failed one
violates every constraint."""


def nonfinite_scores(scores: Mapping[str, float], values: Sequence[float]) -> str:
    """``""`` when the objective/constraint ``values`` are finite, else the reason naming the non-finite scores."""
    if all(math.isfinite(v) for v in values):
        return ""
    bad = [f"{k}={v:g}" for k, v in scores.items() if isinstance(v, float | int) and not math.isfinite(v)]
    return "scores not finite: " + (", ".join(bad) or "objectives " + ", ".join(f"{v:g}" for v in values))
