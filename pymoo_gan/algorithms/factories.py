"""Ready-wired pymoo algorithms for architecture search (torch-free).

The EAGAN paper's variation rates are the defaults of :func:`nsga2`: crossover 0.3 and mutation 0.5
(``reference/eagan.md`` §4; its released code instead mutates with p=0.5 and otherwise crosses over). In pymoo they
become the per-mating crossover probability and the per-offspring mutation probability, applied one after the
other; an offspring that is neither crossed nor mutated equals a parent, is rejected by duplicate elimination and
re-mated. Survival is NSGA-II's rank and crowding, the paper's description (the code's CARS pNSGA-III is not used).
"""

from __future__ import annotations

from typing import Any

from pymoo.algorithms.moo.nsga2 import NSGA2

from pymoo_gan.operators import (
    ArchCrossover,
    ArchDuplicateElimination,
    ArchMutation,
    ArchRepair,
    ArchSampling,
)


def bind_problem(algorithm: Any, problem: Any) -> None:
    """Hand ``problem`` to every :class:`ArchDuplicateElimination` the algorithm, its initialization and mating use."""
    owners = (algorithm, getattr(algorithm, "initialization", None), getattr(algorithm, "mating", None))
    for owner in owners:
        elim = getattr(owner, "eliminate_duplicates", None)
        if isinstance(elim, ArchDuplicateElimination):
            elim.bind(problem)


class BindsProblem:
    """Mixin for a pymoo algorithm: binds its architecture duplicate eliminators to the problem in ``_setup``.

    ``minimize`` deep-copies the algorithm before ``setup``, so binding there (not in ``__init__``) reaches the
    copy that runs. Use it before the pymoo class: ``class ArchSPEA2(BindsProblem, SPEA2): ...``.
    """

    def _setup(self, problem, **kwargs):
        super()._setup(problem, **kwargs)
        bind_problem(self, problem)


class ArchNSGA2(BindsProblem, NSGA2):
    """pymoo's NSGA2 whose :class:`ArchDuplicateElimination` (if any) reads the problem's space and archive."""


def nsga2(
    pop_size: int = 32,
    *,
    prob_crossover: float = 0.3,
    prob_mutation: float = 0.5,
    exchange: str = "gene",
    prob_var: float | None = None,
    **kwargs: Any,
) -> ArchNSGA2:
    """NSGA-II with the categorical architecture operators.

    Sampling (:class:`ArchSampling`), crossover (:class:`ArchCrossover`), mutation (:class:`ArchMutation`), repair
    (:class:`ArchRepair`) and duplicate elimination against the population and ``problem.archive``
    (:class:`ArchDuplicateElimination`). The problem must expose ``space`` and, to never evaluate a genotype
    twice, an ``archive`` of evaluated keys. Fresh operator instances are made on every call.

    Args:
        pop_size: Population size (EAGAN uses 32).
        prob_crossover: Probability that a mating is crossed over (EAGAN paper: 0.3).
        prob_mutation: Probability that an offspring is mutated (EAGAN paper: 0.5).
        exchange: ``"gene"`` (uniform) or ``"cell"`` (whole cells) crossover.
        prob_var: Per-gene mutation probability; ``None`` means ``1 / n_var`` (at least one gene always changes).
        **kwargs: Passed to :class:`pymoo.algorithms.moo.nsga2.NSGA2`; ``sampling``, ``crossover``, ``mutation``,
            ``repair`` or ``eliminate_duplicates`` given here replace the defaults. The EAGAN paper's
            ``P/2`` offspring per generation is ``n_offsprings=pop_size // 2``.

    Returns:
        An :class:`ArchNSGA2` ready for ``pymoo.optimize.minimize``.

    Example:
        >>> import numpy as np
        >>> from pymoo.core.problem import Problem
        >>> from pymoo.optimize import minimize
        >>> from pymoo_gan.space import EAGANGeneratorSpace
        >>> class Toy(Problem):
        ...     def __init__(self):
        ...         self.space, self.archive = EAGANGeneratorSpace(), set()
        ...         super().__init__(n_var=self.space.n_var, n_obj=2, xl=self.space.xl, xu=self.space.xu, vtype=int)
        ...     def _evaluate(self, X, out, *args, **kwargs):
        ...         self.archive.update(self.space.key(x) for x in X)
        ...         out["F"] = np.column_stack([-(X > 0).sum(1), X.sum(1)])
        >>> res = minimize(Toy(), nsga2(pop_size=8), ("n_gen", 3), seed=1)
        >>> len(res.algorithm.problem.archive)  # 3 generations of 8, none evaluated twice
        24
    """
    operators = dict(
        sampling=ArchSampling(),
        crossover=ArchCrossover(prob=prob_crossover, exchange=exchange),
        mutation=ArchMutation(prob=prob_mutation, prob_var=prob_var),
        repair=ArchRepair(),
        eliminate_duplicates=ArchDuplicateElimination(),
    )
    operators.update(kwargs)
    return ArchNSGA2(pop_size=pop_size, **operators)


def random_search(pop_size: int = 32, **kwargs: Any):
    """Random search over valid architectures: each iteration samples ``pop_size`` new genotypes (never one already
    evaluated, via :class:`ArchSampling` and ``problem.archive``) and keeps the non-dominated set of all evaluated.

    The usual baseline for NAS papers; it works with any number of objectives.

    Example:
        >>> algorithm = random_search(pop_size=8)
    """
    from pymoo.algorithms.soo.nonconvex.random_search import RandomSearch
    from pymoo.util.display.multi import MultiObjectiveOutput

    kwargs.setdefault("output", MultiObjectiveOutput())
    return RandomSearch(n_points_per_iteration=pop_size, sampling=ArchSampling(), **kwargs)
