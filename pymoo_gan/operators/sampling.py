"""Initial architectures: valid genotypes drawn uniformly from the search space."""

from __future__ import annotations

import numpy as np
from pymoo.core.sampling import Sampling

from pymoo_gan.operators.base import archive_of, space_of


class ArchSampling(Sampling):
    """Uniformly random valid architectures from ``problem.space.sample(random_state, n)``.

    Args:
        unique: Redraw genotypes that repeat one already drawn in this call or that ``problem.archive`` already
            holds, so the initial population is not thinned by duplicate elimination. The draws stay uniform over
            the valid genotypes not yet seen.
        max_draws: Draws allowed per requested sample when ``unique``. When a small space runs out of new
            genotypes, fewer than ``n_samples`` rows are returned rather than looping.

    Example:
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> from pymoo_gan.space import EAGANGeneratorSpace
        >>> problem = SimpleNamespace(space=EAGANGeneratorSpace())
        >>> X = ArchSampling()._do(problem, 4, random_state=np.random.default_rng(0))
        >>> X.shape, X.dtype.kind
        ((4, 21), 'i')
    """

    def __init__(self, unique: bool = True, max_draws: int = 100):
        super().__init__()
        self.unique = unique
        self.max_draws = max_draws

    def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
        space = space_of(problem)
        if n_samples <= 0:
            return np.zeros((0, space.n_var), dtype=int)
        X = np.asarray(space.sample(random_state, n_samples), dtype=int)
        if not self.unique:
            return X

        archive = archive_of(problem)
        seen, rows = set(), []
        budget = self.max_draws * n_samples - n_samples
        for g in X:
            while True:
                k = space.key(g)
                if k not in seen and (archive is None or k not in archive):
                    seen.add(k)
                    rows.append(g)
                    break
                if budget <= 0:
                    break
                budget -= 1
                g = np.asarray(space.sample(random_state), dtype=int)
        if not rows:
            return np.zeros((0, space.n_var), dtype=int)
        return np.stack(rows)
