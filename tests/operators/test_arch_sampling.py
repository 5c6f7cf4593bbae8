import numpy as np
from arch_problems import ArchProblem, TinySpace

from pymoo_gan.operators import ArchSampling


def test_samples_are_valid_distinct_integers(space):
    problem = ArchProblem(space)
    pop = ArchSampling().do(problem, 64, random_state=np.random.default_rng(3))
    X = pop.get("X")
    assert X.shape == (64, space.n_var) and X.dtype.kind == "i"
    assert np.all(X >= space.xl) and np.all(X <= space.xu)
    assert all(space.contains(x) for x in X)
    assert len({space.key(x) for x in X}) == 64


def test_sampling_is_uniform_per_gene_of_unconstrained_genes(space):
    X = ArchSampling()._do(ArchProblem(space), 3000, random_state=np.random.default_rng(1))
    # gene 0 has no constraint in either space: every option equally likely
    counts = np.bincount(X[:, 0], minlength=space.genes[0].size)
    expected = len(X) / space.genes[0].size
    assert np.all(np.abs(counts - expected) < 0.15 * expected)


def test_sampling_skips_archived_and_stops_when_the_space_is_exhausted():
    problem = ArchProblem(TinySpace())
    problem.archive.update({"1-1", "2-2"})
    X = ArchSampling()._do(problem, 20, random_state=np.random.default_rng(0))
    keys = [problem.space.key(x) for x in X]
    assert len(X) == 6 and len(set(keys)) == 6  # 8 valid genotypes, 2 archived
    assert not set(keys) & problem.archive
    assert len(ArchSampling(unique=False)._do(problem, 20, random_state=np.random.default_rng(0))) == 20


def test_sampling_depends_only_on_the_injected_generator(space):
    problem = ArchProblem(space)
    np.random.seed(0)
    a = ArchSampling()._do(problem, 8, random_state=np.random.default_rng(5))
    np.random.seed(1)
    b = ArchSampling()._do(problem, 8, random_state=np.random.default_rng(5))
    c = ArchSampling()._do(problem, 8, random_state=np.random.default_rng(6))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
