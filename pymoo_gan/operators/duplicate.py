"""Duplicate elimination by canonical architecture key, including genotypes the problem has already evaluated."""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.core.duplicate import DuplicateElimination

from pymoo_gan.operators.base import archive_of, space_of
from pymoo_gan.space.base import SearchSpace


class ArchDuplicateElimination(DuplicateElimination):
    """Reject candidates whose canonical key (``space.key``) repeats, or that the problem's archive already holds.

    pymoo calls ``do(off, pop, off_so_far)``: candidates are first checked among themselves (the first occurrence
    is kept) and, in the same pass, an **unevaluated** candidate whose key is in the archive is rejected; then
    candidates equal to a member of ``pop`` or of the offspring so far are rejected. Already evaluated individuals
    (e.g. a population passed as ``sampling``) are never rejected for being archived.

    pymoo's ``_do`` does not receive the problem, so the space and archive come either from the constructor or
    from :meth:`bind`, which :func:`pymoo_gan.algorithms.nsga2` calls in the algorithm's ``_setup`` (after
    ``minimize`` has deep-copied the algorithm, so the bound problem is the one being evaluated). Explicit
    ``space``/``archive`` arguments take precedence over the bound problem's. The binding is a plain attribute,
    so the algorithm pickles and resumes with it.

    Args:
        space: The search space; default: ``problem.space`` of the bound problem.
        archive: A container of evaluated keys (``key in archive``); default: ``problem.archive`` of the bound
            problem, if it has one.

    Example:
        >>> import numpy as np
        >>> from pymoo.core.population import Population
        >>> from pymoo_gan.space import EAGANGeneratorSpace
        >>> space = EAGANGeneratorSpace()
        >>> x = space.sample(np.random.default_rng(0))
        >>> elim = ArchDuplicateElimination(space=space, archive={space.key(x)})
        >>> len(elim.do(Population.new("X", np.stack([x, x]))))
        0
    """

    def __init__(self, space: SearchSpace | None = None, archive: Any | None = None):
        super().__init__()
        self.space = space
        self.archive = archive
        self.problem = None

    def bind(self, problem: Any) -> ArchDuplicateElimination:
        """Read the space and archive from ``problem`` (at every call, so a replaced archive is seen)."""
        self.problem = problem
        return self

    def get_space(self) -> SearchSpace:
        if self.space is not None:
            return self.space
        if self.problem is None:
            raise RuntimeError(
                "ArchDuplicateElimination has no search space: pass space=... (and archive=...) to it, "
                "call .bind(problem), or use pymoo_gan.algorithms.nsga2, which binds it to the problem in setup"
            )
        return space_of(self.problem)

    def get_archive(self) -> Any | None:
        if self.archive is not None:
            return self.archive
        return None if self.problem is None else archive_of(self.problem)

    def keys(self, pop) -> list[str]:
        """Canonical keys of the individuals of ``pop``."""
        space = self.get_space()
        return [space.key(ind.X) for ind in pop]

    def _do(self, pop, other, is_duplicate):
        keys = self.keys(pop)
        if other is None:
            archive = self.get_archive()
            seen = set()
            for i, (k, ind) in enumerate(zip(keys, pop, strict=True)):
                if k in seen or (archive is not None and not ind.evaluated and k in archive):
                    is_duplicate[i] = True
                seen.add(k)
        else:
            taken = set(self.keys(other))
            is_duplicate |= np.array([k in taken for k in keys], dtype=bool)
        return is_duplicate
