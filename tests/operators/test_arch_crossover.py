import numpy as np
import pytest
from arch_problems import ArchProblem
from pymoo.core.population import Population

from pymoo_gan.operators import ArchCrossover
from pymoo_gan.space import EAGANDiscriminatorSpace, EAGANGeneratorSpace


def _parents_valid_under_any_mix(space, rng, n):
    """Parents without 'none' options (index 0 never used): any gene mix is valid, so repair changes nothing."""
    sizes = np.array([g.size for g in space.genes])
    return rng.integers(1, sizes, size=(2, n, space.n_var))


def test_gene_groups_are_the_cells():
    groups = ArchCrossover.gene_groups(EAGANGeneratorSpace())
    assert [g.tolist() for g in groups] == [list(range(7 * c, 7 * c + 7)) for c in range(3)]
    names = EAGANDiscriminatorSpace().names
    for c, g in enumerate(ArchCrossover.gene_groups(EAGANDiscriminatorSpace())):
        assert {names[i].split(".")[0] for i in g} == {f"cell{c}"}


def test_children_take_each_gene_from_a_parent_and_are_complementary(space):
    rng = np.random.default_rng(0)
    X = _parents_valid_under_any_mix(space, rng, 500)
    Y = ArchCrossover()._do(ArchProblem(space), X, random_state=rng)
    assert Y.shape == X.shape and Y.dtype.kind == "i"
    from_0 = Y[0] == X[0]
    from_1 = Y[0] == X[1]
    assert np.all(from_0 | from_1)
    assert np.all(np.where(from_0, Y[1] == X[1], Y[1] == X[0]))  # child 1 takes the other parent's gene
    differ = X[0] != X[1]
    assert abs(from_1[differ].mean() - 0.5) < 0.03  # uniform: each gene swapped with probability 0.5


def test_cell_exchange_moves_whole_cells(space):
    rng = np.random.default_rng(1)
    X = _parents_valid_under_any_mix(space, rng, 300)
    X[1] = X[0] % space.xu + 1  # another non-'none' option in every gene: the parents differ everywhere
    assert np.all(X[0] != X[1])
    Y = ArchCrossover(exchange="cell")._do(ArchProblem(space), X, random_state=rng)
    for idx in ArchCrossover.gene_groups(space):
        swapped = Y[0][:, idx] == X[1][:, idx]
        kept = Y[0][:, idx] == X[0][:, idx]
        block_from_1 = swapped.all(1)
        assert np.all(block_from_1 | kept.all(1))
        assert np.array_equal(Y[1][:, idx][block_from_1], X[0][:, idx][block_from_1])
        assert 0.4 < block_from_1.mean() < 0.6


def test_cell_exchange_of_valid_parents_needs_no_repair(space):
    rng = np.random.default_rng(2)
    X = space.sample(rng, 400).reshape(2, 200, space.n_var)
    Y = ArchCrossover(exchange="cell")._do(ArchProblem(space), X, random_state=rng)
    assert np.all((Y == X) | (Y == X[::-1]))
    assert all(space.contains(y) for y in Y.reshape(-1, space.n_var))


def test_gene_exchange_of_random_parents_is_repaired_to_valid(space):
    rng = np.random.default_rng(3)
    problem = ArchProblem(space)
    pop = Population.new("X", space.sample(rng, 40))
    parents = rng.integers(0, 40, size=(30, 2))
    off = ArchCrossover(prob=1.0).do(problem, pop, parents, random_state=rng)
    Y = off.get("X")
    assert Y.shape == (60, space.n_var) and Y.dtype.kind == "i"
    assert all(space.contains(y) for y in Y)


def test_invalid_exchange_is_rejected():
    with pytest.raises(ValueError, match="exchange"):
        ArchCrossover(exchange="one-point")
