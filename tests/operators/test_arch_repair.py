import numpy as np
import pytest
from arch_problems import ArchProblem
from pymoo.core.population import Population

from pymoo_gan.operators import ArchRepair


def test_real_vectors_in_bounds_become_valid_genotypes(space):
    rng = np.random.default_rng(0)
    X = rng.uniform(space.xl - 0.49, space.xu + 0.49, size=(500, space.n_var))
    Y = ArchRepair()._do(ArchProblem(space), X, random_state=rng)
    assert Y.dtype.kind == "i" and Y.shape == X.shape
    assert all(space.contains(y) for y in Y)
    # genes the repair did not need to touch follow the rounding rule
    rounded = np.floor(X + 0.5).astype(int)
    assert (Y == rounded).mean() > 0.8


def test_valid_genotypes_pass_unchanged_and_deterministic_mode(space):
    rng = np.random.default_rng(1)
    X = space.sample(rng, 50)
    assert np.array_equal(ArchRepair()._do(ArchProblem(space), X, random_state=rng), X)
    R = rng.uniform(space.xl, space.xu, size=(50, space.n_var))
    a = ArchRepair(stochastic=False)._do(ArchProblem(space), R, random_state=np.random.default_rng(1))
    b = ArchRepair()._do(ArchProblem(space), R)  # no random_state -> the space's deterministic rule
    assert np.array_equal(a, b)
    assert np.array_equal(a, np.stack([space.to_genotype(r) for r in R]))


def test_out_of_bounds_values_are_clipped_or_rejected(space):
    x = np.full((1, space.n_var), 99.0)
    y = ArchRepair()._do(ArchProblem(space), x, random_state=np.random.default_rng(0))
    assert space.contains(y[0])
    with pytest.raises(ValueError, match="gene 0"):
        ArchRepair(clip=False)._do(ArchProblem(space), x)
    with pytest.raises(ValueError, match="gene 0"):
        ArchRepair()._do(ArchProblem(space), np.full((1, space.n_var), np.nan))


def test_repair_through_pymoo_do(space):
    pop = Population.new("X", np.zeros((4, space.n_var)))
    out = ArchRepair().do(ArchProblem(space), pop, random_state=np.random.default_rng(0))
    assert all(space.contains(x) for x in out.get("X"))
