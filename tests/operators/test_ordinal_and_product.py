"""Operators on ordinal genes and labelled products: ordinal genes step to neighbours (reflected at the ends),
categorical genes keep the random-reset mutation bit for bit, every operator and NSGA-II run on a ProductSpace."""

import hashlib
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from arch_problems import ArchProblem
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.optimize import minimize

from pymoo_gan.algorithms import nsga2
from pymoo_gan.operators import ArchCrossover, ArchDuplicateElimination, ArchMutation, ArchRepair, ArchSampling
from pymoo_gan.space import EAGANDiscriminatorSpace, EAGANGeneratorSpace, Ordinal, ProductArch, ProductSpace

G, D = EAGANGeneratorSpace(), EAGANDiscriminatorSpace()
DENSITY = Ordinal("density", (0.1, 0.2, 0.5, 1.0))
WD = ProductSpace(width=Ordinal("width", (0.25, 0.5, 0.75, 1.0)), depth=Ordinal("depth", (1, 2, 3, 4, 5)),
                  bias=Ordinal("bias", (False, True)))


def problem(space):
    return SimpleNamespace(space=space, n_var=space.n_var)


# ---- ordinal mutation -------------------------------------------------------------------------------------------
def test_ordinal_genes_only_step_to_neighbours_reflected_at_the_ends():
    rng = np.random.default_rng(0)
    X = np.stack([rng.integers(0, WD.xu + 1) for _ in range(4000)])
    Y = ArchMutation(prob_var=0.5)._do(problem(WD), X, random_state=rng)
    moved = Y != X
    assert moved.any(1).all() and np.all(np.abs(Y - X)[moved] == 1)  # every mutant changes, by one step only
    for j, top in enumerate(WD.xu):
        low, high, inner = X[:, j] == 0, X[:, j] == top, (X[:, j] > 0) & (X[:, j] < top)
        assert np.all(Y[low & moved[:, j], j] == 1) and np.all(Y[high & moved[:, j], j] == top - 1)  # reflected
        up = (Y[:, j] > X[:, j])[inner & moved[:, j]]
        if top > 1:
            assert abs(up.mean() - 0.5) < 0.05  # an inner option steps down or up with probability 1/2


def test_chained_ordinal_mutations_reach_both_ends_and_visit_them_half_as_often():
    """A reflected walk on 4 options has the stationary distribution (1, 2, 2, 1) / 6."""
    rng = np.random.default_rng(1)
    X, visits = np.zeros((200, WD.n_var), dtype=int), []
    for _ in range(30):
        X = ArchMutation(prob_var=0.5)._do(problem(WD), X, random_state=rng)
        visits.append(np.bincount(X[:, 0], minlength=4))
    assert all(v[3] > 0 for v in visits[5:])  # from the lowest width to the highest
    freq = np.sum(visits[8:], axis=0) / np.sum(visits[8:])
    assert np.all(np.abs(freq - np.array([1, 2, 2, 1]) / 6) < 0.04)  # uniform would be 1/12 off at the ends
    X = np.tile(WD.xu, (200, 1))
    for _ in range(10):
        X = ArchMutation(prob_var=0.5)._do(problem(WD), X, random_state=rng)
    assert (X[:, 0] == 0).any() and (X[:, 1] == 0).any()  # ... and back down


def test_in_a_mixed_space_categorical_genes_reset_and_the_ordinal_gene_steps():
    space = ProductSpace(arch=G, density=DENSITY)
    parent = np.r_[[1, 1, 3, 3, 3, 3, 3] * 3, 1]  # any single change is valid: repair is a no-op
    X = np.tile(parent, (3000, 1))
    Y = ArchMutation(prob_var=1e-9)._do(problem(space), X, random_state=np.random.default_rng(2))
    changed = Y != X
    assert np.all(changed.sum(1) == 1)
    assert abs(changed[:, -1].mean() - 1 / 22) < 0.3 / 22  # the ordinal gene is picked like any other
    assert set(np.unique(Y[changed[:, -1], -1])) == {0, 2}
    new_edge = Y[:, 2][changed[:, 2]]
    assert set(np.unique(new_edge)) == {0, 1, 2, 4, 5, 6}  # a categorical edge still jumps to any other option


# ---- categorical mutation: bit-identical to the categorical-only operator (start of branch space-algebra) ------
EXPECTED = {  # space.sample(default_rng(0), 4); mutants with default_rng(1) (prob_var 1/21) and default_rng(2) (0.3)
    "G": ([[2, 1, 3, 1, 2, 0, 0, 0, 0, 5, 4, 6, 3, 4, 2, 2, 4, 3, 3, 6, 1],
           [2, 2, 0, 2, 6, 3, 0, 2, 2, 5, 1, 0, 6, 0, 1, 0, 2, 3, 2, 2, 0],
           [0, 0, 0, 4, 3, 4, 1, 1, 2, 2, 3, 6, 5, 6, 1, 2, 6, 4, 5, 4, 4],
           [1, 2, 0, 4, 5, 5, 3, 1, 0, 2, 3, 5, 6, 0, 2, 1, 2, 4, 4, 1, 2]],
          [[2, 1, 3, 1, 2, 0, 0, 0, 0, 3, 4, 6, 3, 4, 2, 2, 4, 3, 3, 6, 1],
           [2, 2, 0, 2, 1, 3, 0, 2, 2, 5, 1, 0, 6, 0, 1, 0, 2, 3, 2, 2, 0],
           [0, 0, 0, 4, 3, 4, 1, 1, 2, 2, 3, 6, 6, 6, 1, 2, 6, 4, 5, 4, 4],
           [1, 2, 0, 4, 5, 2, 3, 1, 0, 2, 3, 5, 6, 0, 2, 1, 2, 4, 4, 1, 2]],
          [[1, 0, 3, 0, 2, 0, 6, 1, 2, 5, 4, 2, 3, 4, 2, 2, 4, 3, 3, 1, 1],
           [2, 2, 0, 2, 6, 3, 0, 2, 2, 5, 1, 0, 6, 0, 1, 2, 4, 6, 2, 2, 0],
           [1, 1, 0, 6, 3, 4, 1, 1, 2, 2, 3, 6, 5, 6, 2, 2, 6, 6, 0, 4, 4],
           [1, 2, 5, 6, 6, 5, 3, 1, 2, 2, 3, 6, 1, 0, 2, 2, 5, 4, 4, 1, 2]],
          "b3bb28e1a62f8ac577d31f87558bc1eeff4218f7339b36e22707a101b2841c30"),
    "D": ([[5, 4, 3, 1, 2, 0, 0, 0, 1, 5, 4, 6, 3, 3, 5, 5, 4, 3, 3, 6, 1],
           [4, 4, 0, 2, 6, 3, 0, 4, 5, 5, 1, 0, 6, 0, 3, 0, 2, 3, 2, 2, 0],
           [2, 6, 0, 4, 5, 5, 3, 2, 2, 2, 3, 5, 6, 0, 5, 3, 2, 4, 4, 1, 1],
           [4, 4, 3, 2, 5, 2, 1, 5, 1, 1, 4, 4, 0, 0, 2, 5, 2, 5, 2, 1, 4]],
          [[5, 4, 3, 1, 2, 0, 0, 0, 1, 3, 4, 6, 3, 3, 5, 5, 4, 3, 3, 6, 1],
           [4, 4, 0, 2, 1, 3, 0, 4, 5, 5, 1, 0, 6, 0, 3, 0, 2, 3, 2, 2, 0],
           [2, 6, 0, 4, 5, 5, 3, 2, 2, 2, 3, 5, 0, 0, 5, 3, 2, 4, 4, 1, 1],
           [4, 4, 3, 2, 5, 6, 1, 5, 1, 1, 4, 4, 0, 0, 2, 5, 2, 5, 2, 1, 4]],
          [[2, 1, 3, 0, 2, 0, 0, 2, 0, 5, 4, 2, 3, 3, 5, 5, 4, 3, 3, 1, 1],
           [4, 4, 0, 2, 6, 3, 0, 4, 5, 5, 1, 0, 6, 0, 3, 6, 4, 6, 2, 2, 0],
           [3, 0, 3, 6, 5, 5, 3, 2, 2, 2, 3, 5, 6, 0, 1, 3, 2, 6, 6, 1, 1],
           [4, 6, 4, 0, 5, 2, 1, 4, 1, 1, 6, 5, 0, 0, 4, 2, 2, 5, 2, 1, 4]],
          "468e8c959eac1dfd5ab9bbef1942044a101301fb8dab4a202f53ed6893879996"),
}


@pytest.mark.parametrize("name", ["G", "D"])
def test_categorical_mutants_are_bit_identical_to_the_categorical_only_operator(name):
    space = {"G": G, "D": D}[name]
    parents, default, dense, digest = EXPECTED[name]
    X = space.sample(np.random.default_rng(0), 4)
    assert X.tolist() == parents
    assert ArchMutation()._do(problem(space), X, random_state=np.random.default_rng(1)).tolist() == default
    assert ArchMutation(prob_var=0.3)._do(problem(space), X, random_state=np.random.default_rng(2)).tolist() == dense
    big = space.sample(np.random.default_rng(5), 500)
    Y = ArchMutation(prob_var=0.2)._do(problem(space), big, random_state=np.random.default_rng(6))
    assert hashlib.sha256(Y.astype("<i8").tobytes()).hexdigest() == digest


# ---- every operator on a product space --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gd():
    return ProductSpace(g=G, d=D, density=DENSITY)


def test_sampling_mutation_repair_and_duplicates_on_a_product(gd):
    prob, rng = ArchProblem(gd), np.random.default_rng(3)
    X = ArchSampling()._do(prob, 40, random_state=rng)
    assert X.shape == (40, 43) and all(gd.contains(x) for x in X) and len({gd.key(x) for x in X}) == 40
    Y = ArchMutation()._do(prob, X, random_state=rng)
    assert all(gd.contains(y) for y in Y) and np.all((Y != X).any(1))
    assert np.all(np.abs(Y[:, -1] - X[:, -1]) <= 1)
    R = ArchRepair()._do(prob, rng.uniform(gd.xl - 0.49, gd.xu + 0.49, size=(40, 43)), random_state=rng)
    assert all(gd.contains(r) for r in R)
    k, c = np.argwhere(X[:, 21 + np.arange(5, 21, 7)] == 0)[0]  # row k: its d cell c keeps its resolution
    twin = X[k].copy()
    twin[21 + 7 * c + 6] = 2  # a non-canonical genotype of the same architecture (down1 inactive)
    assert not gd.contains(twin) and gd.key(twin) == gd.key(X[k])
    elim = ArchDuplicateElimination().bind(prob)
    assert len(elim.do(Population.new("X", np.r_[X[:3], X[k:k + 1], twin[None]]))) == 3 + (k >= 3)


def test_cell_crossover_on_a_product_exchanges_the_parts_cells(gd):
    groups = ArchCrossover.gene_groups(gd)
    assert [g.tolist() for g in groups] == [list(range(7 * c, 7 * c + 7)) for c in range(6)] + [[42]]
    rng = np.random.default_rng(4)
    P = gd.sample(rng, 400).reshape(2, 200, -1)
    Y = ArchCrossover(exchange="cell")._do(ArchProblem(gd), P, random_state=rng)
    assert np.all((Y == P) | (Y == P[::-1]))  # valid parents: every block from a parent, no repair needed
    assert all(gd.contains(y) for y in Y.reshape(-1, 43))
    # parents without 'none' options that differ in every gene: each cell swaps alone, with probability 1/2
    P = rng.integers(1, gd.xu + 1, size=(2, 400, 43))
    P[1] = P[0] % gd.xu + 1
    Y = ArchCrossover(exchange="cell")._do(ArchProblem(gd), P, random_state=rng)
    from_1 = Y[0] == P[1]
    for idx in groups:
        assert np.all(from_1[:, idx].all(1) | ~from_1[:, idx].any(1)) and 0.4 < from_1[:, idx[0]].mean() < 0.6
    whole = [from_1[:, s].all(1).mean() for s in (slice(0, 21), slice(21, 42))]
    assert max(whole) < 0.2  # a part is not one block: it swaps whole with probability 1/8, not 1/2
    Y = ArchCrossover(prob=1.0).do(ArchProblem(gd), Population.new("X", gd.sample(rng, 20)),
                                   rng.integers(0, 20, size=(10, 2)), random_state=rng).get("X")
    assert all(gd.contains(y) for y in Y)


# ---- a whole run ------------------------------------------------------------------------------------------------
class DensityProblem(Problem):
    """Cheap analytic objectives over (architecture, density): more active ops is better, density costs."""

    def __init__(self):
        self.space, self.archive, self.log = ProductSpace(arch=G, density=DENSITY), set(), []
        super().__init__(n_var=self.space.n_var, n_obj=2, xl=self.space.xl, xu=self.space.xu, vtype=int)

    def _evaluate(self, X, out, *args, **kwargs):
        keys = [self.space.key(x) for x in X]
        self.archive.update(keys)
        self.log += keys
        archs = [self.space.decode(x) for x in X]
        n_ops = np.array([sum(e != "none" for c in a.arch.cells for e in c.edges) for a in archs])
        density = np.array([a.density for a in archs])
        out["F"] = np.column_stack([-n_ops * density, density])


def test_nsga2_runs_on_a_product_with_an_ordinal_gene():
    res = minimize(DensityProblem(), nsga2(pop_size=8), ("n_gen", 5), seed=1)
    problem = res.algorithm.problem
    assert len(problem.log) == 40 and len(set(problem.log)) == 40
    assert all(problem.space.contains(x) for x in res.pop.get("X"))
    assert {problem.space.decode(x).density for x in res.X} <= set(DENSITY.options)
    assert isinstance(problem.space.decode(res.X[0]), ProductArch)
    again = minimize(DensityProblem(), nsga2(pop_size=8), ("n_gen", 5), seed=1).algorithm.problem
    assert again.log == problem.log
    ck = pickle.loads(pickle.dumps(res.algorithm))
    assert ck.problem.space.names == problem.space.names and ck.problem.log == problem.log
