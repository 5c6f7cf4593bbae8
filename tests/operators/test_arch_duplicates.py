import numpy as np
import pytest
from arch_problems import ArchProblem
from pymoo.core.evaluator import Evaluator
from pymoo.core.population import Population

from pymoo_gan.operators import ArchDuplicateElimination


def test_rejects_duplicates_within_offspring_and_against_the_population(space):
    rng = np.random.default_rng(0)
    X = space.sample(rng, 6)
    off = Population.new("X", np.stack([X[0], X[1], X[0], X[2], X[3], X[1]]))
    pop = Population.new("X", X[[3, 4, 5]])
    elim = ArchDuplicateElimination().bind(ArchProblem(space))
    kept = elim.do(off, pop)
    assert [space.key(x) for x in kept.get("X")] == [space.key(x) for x in X[[0, 1, 2]]]


def test_rejects_archived_unevaluated_genotypes_only(space):
    rng = np.random.default_rng(1)
    problem = ArchProblem(space)
    X = space.sample(rng, 4)
    problem.archive.add(space.key(X[1]))
    elim = ArchDuplicateElimination().bind(problem)
    assert len(elim.do(Population.new("X", X))) == 3
    evaluated = Population.new("X", X)
    Evaluator().eval(ArchProblem(space), evaluated)
    assert len(elim.do(evaluated)) == 4  # e.g. a population passed as sampling: never dropped for being archived


def test_duplicates_are_found_by_canonical_key_not_raw_values(space):
    x = space.sample(np.random.default_rng(2)).astype(float)
    y = x + 0.3  # rounds to the same genotype
    y = np.minimum(y, space.xu)
    elim = ArchDuplicateElimination(space=space)
    assert len(elim.do(Population.new("X", np.stack([x, y])))) == 1


def test_explicit_space_and_archive_need_no_binding(space):
    x = space.sample(np.random.default_rng(3))
    elim = ArchDuplicateElimination(space=space, archive={space.key(x)})
    assert len(elim.do(Population.new("X", x[None]))) == 0


def test_unbound_eliminator_explains_itself():
    with pytest.raises(RuntimeError, match="bind"):
        ArchDuplicateElimination().do(Population.new("X", np.zeros((2, 21), dtype=int)))
