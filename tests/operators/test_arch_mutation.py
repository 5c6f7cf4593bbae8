import numpy as np
import pytest
from arch_problems import ArchProblem, TinySpace
from pymoo.core.population import Population

from pymoo_gan.operators import ArchMutation
from pymoo_gan.space import EAGANGeneratorSpace


def test_mutants_are_valid_integers_that_differ_from_their_parent(space):
    problem = ArchProblem(space)
    rng = np.random.default_rng(0)
    X = space.sample(rng, 200)
    Y = ArchMutation()._do(problem, X, random_state=rng)
    assert Y.shape == X.shape and Y.dtype.kind == "i"
    assert np.all(Y >= space.xl) and np.all(Y <= space.xu)
    assert all(space.contains(y) for y in Y)
    assert np.all((Y != X).any(axis=1))


def test_new_option_is_uniform_over_the_other_options_never_an_ordinal_step():
    space = EAGANGeneratorSpace()
    problem = ArchProblem(space)
    # every edge is conv_3x3 (3): changing any one gene cannot break a constraint, so repair is a no-op
    parent = np.array([1, 1, 3, 3, 3, 3, 3] * 3)
    X = np.tile(parent, (6000, 1))
    Y = ArchMutation(prob_var=1e-9)._do(problem, X, random_state=np.random.default_rng(1))
    changed = Y != X
    assert np.all(changed.sum(1) == 1)  # prob_var ~ 0: exactly the one forced gene
    # the changed gene is uniform over genes ...
    per_gene = changed.sum(0)
    assert np.all(np.abs(per_gene - 6000 / 21) < 0.3 * 6000 / 21)
    # ... and its new value is uniform over the other options of that gene
    edge = changed[:, [2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20]].any(1)
    new_edge = Y[edge][changed[edge]]
    counts = np.bincount(new_edge, minlength=7)
    assert counts[3] == 0
    others = counts[[0, 1, 2, 4, 5, 6]]
    assert np.all(np.abs(others - others.mean()) < 0.2 * others.mean())
    new_up = Y[~edge][changed[~edge]]
    assert set(np.unique(new_up)) == {0, 2}
    assert abs(np.mean(new_up == 0) - 0.5) < 0.1


def test_per_gene_probability():
    space = EAGANGeneratorSpace()
    X = np.tile(np.array([1, 1, 3, 3, 3, 3, 3] * 3), (2000, 1))
    Y = ArchMutation(prob_var=0.5)._do(ArchProblem(space), X, random_state=np.random.default_rng(2))
    assert abs((Y != X).mean() - 0.5) < 0.03


def test_individual_probability_through_do():
    space = EAGANGeneratorSpace()
    rng = np.random.default_rng(3)
    X = space.sample(rng, 1000)
    off = ArchMutation(prob=0.5).do(ArchProblem(space), Population.new("X", X.copy()), random_state=rng)
    frac = np.mean((off.get("X") != X).any(1))
    assert abs(frac - 0.5) < 0.06


@pytest.mark.parametrize("seed", range(20))
def test_repair_never_returns_the_parent_in_a_tiny_space(seed):
    space = TinySpace()
    rng = np.random.default_rng(seed)
    X = np.array([[1, 0], [0, 1], [2, 0], [0, 2]] * 10)
    Y = ArchMutation(prob_var=1.0)._do(ArchProblem(space), X, random_state=rng)
    assert all(space.contains(y) for y in Y)
    assert np.all((Y != X).any(1))
