"""Choosing one architecture from a Pareto set: the documented rules a two-stage run uses for G* (and for the
stage-2 pairs it retrains).

Rules (``SelectionConfig.rule``):

* ``"knee"``: normalise each minimised objective to [0, 1] over the eligible members, then take the member with the
  smallest sum: the point farthest below the hyperplane through the normalised extremes, i.e. the best trade-off.
* ``"best"``: the smallest value of one objective (``objective``, e.g. ``"fd"``).

``budget`` (e.g. ``{"params": 8e6}``) first keeps only members whose raw scores are within it; if none is, the rule
raises rather than silently picking an over-budget model.

Example:
    >>> import pandas as pd
    >>> front = pd.DataFrame({"F0": [10.0, 12.0, 30.0], "F1": [9.0, 3.0, 1.0], "params": [9e6, 5e6, 2e6]})
    >>> rank(front, SelectionConfig("knee"), {"fd": "F0", "params": "F1"})
    [1, 0, 2]
    >>> rank(front, SelectionConfig("best", objective="fd", budget={"params": 6e6}), {"fd": "F0", "params": "F1"})
    [1, 2]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

RULES = ("knee", "best")


@dataclass(frozen=True)
class SelectionConfig:
    """Which member of a Pareto set to take (see the module docstring)."""

    rule: str = "knee"
    objective: str = "fd"
    budget: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"rule={self.rule!r} is unknown; allowed: {', '.join(RULES)}")


def rank(front, config: SelectionConfig, columns: Mapping[str, str]) -> list[int]:
    """Row positions of ``front`` (a DataFrame with minimised columns ``F0..`` and raw scores) within the budget,
    best first by ``config.rule``. ``columns`` maps objective names (and their resolved keys) to ``F`` columns."""
    eligible = np.ones(len(front), dtype=bool)
    for key, upper in config.budget.items():
        if key not in front:
            raise ValueError(f"budget key {key!r} is not a score of this search; scores: "
                             f"{', '.join(c for c in front.columns if not c.startswith(('F', 'G')))}")
        eligible &= front[key].to_numpy(float) <= upper
    f_cols = sorted({c for c in front.columns if c[0] == "F" and c[1:].isdigit()}, key=lambda c: int(c[1:]))
    F = front[f_cols].to_numpy(float)
    eligible &= np.isfinite(F).all(axis=1)
    if not eligible.any():
        raise ValueError(f"no member of the Pareto set is within the budget {config.budget}")
    idx = np.flatnonzero(eligible)
    if config.rule == "best":
        if config.objective not in columns:
            raise ValueError(f"objective {config.objective!r} is not one of this search's objectives: "
                             f"{', '.join(columns)}")
        values = front[columns[config.objective]].to_numpy(float)[idx]
    else:
        sub = F[idx]
        span = sub.max(axis=0) - sub.min(axis=0)
        values = ((sub - sub.min(axis=0)) / np.where(span > 0, span, 1.0)).sum(axis=1)
    return [int(i) for i in idx[np.argsort(values, kind="stable")]]
