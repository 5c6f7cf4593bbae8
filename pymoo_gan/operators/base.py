"""What every architecture operator reads from a pymoo problem: its search space, its archive, integer genotypes.

The operators are space-agnostic: a problem plugs them in by exposing

- ``problem.space``: a :class:`~pymoo_gan.space.SearchSpace` (genes, bounds, ``key``, ``repair``, ``sample``);
- ``problem.archive`` (optional): any container supporting ``key in archive`` for the canonical keys
  (``space.key(x)``) of genotypes that were already evaluated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pymoo_gan.space.base import SearchSpace


def space_of(problem: Any) -> SearchSpace:
    """The search space of ``problem``, with an error that says what is missing."""
    space = getattr(problem, "space", None)
    if not isinstance(space, SearchSpace):
        raise TypeError(
            f"{type(problem).__name__} has no `space` attribute holding a pymoo_gan SearchSpace "
            f"(got {type(space).__name__}); the architecture operators need one"
        )
    return space


def archive_of(problem: Any) -> Any | None:
    """The problem's archive of evaluated keys, or None when it keeps none."""
    return getattr(problem, "archive", None)


def as_genotypes(space: SearchSpace, X: Any) -> np.ndarray:
    """Rows of ``X`` (integer or real, within bounds) -> integer genotypes by the space's decoding rule, unrepaired."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-d array of genotypes, got shape {X.shape}")
    if X.shape[0] == 0:
        return np.zeros((0, space.n_var), dtype=int)
    return np.stack([space.to_genotype(x, repair=False) for x in X])
