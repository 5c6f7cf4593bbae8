import copy
import pickle

import numpy as np
import pytest
from arch_problems import ArchProblem, TinySpace
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.optimize import minimize
from pymoo.termination import get_termination

from pymoo_gan.algorithms import ArchNSGA2, nsga2
from pymoo_gan.operators import ArchCrossover, ArchDuplicateElimination, ArchMutation, ArchRepair, ArchSampling
from pymoo_gan.space import EAGANDiscriminatorSpace


def _run(seed, problem=None, **kw):
    problem = problem or ArchProblem()
    res = minimize(problem, nsga2(pop_size=8, **kw), ("n_gen", 5), seed=seed)
    return res, res.algorithm.problem


def test_factory_wires_the_operators_with_the_paper_rates():
    algo = nsga2()
    assert isinstance(algo, ArchNSGA2) and algo.pop_size == 32
    assert isinstance(algo.initialization.sampling, ArchSampling)
    assert isinstance(algo.mating.crossover, ArchCrossover) and algo.mating.crossover.prob.value == 0.3
    assert isinstance(algo.mating.mutation, ArchMutation) and algo.mating.mutation.prob.value == 0.5
    assert isinstance(algo.repair, ArchRepair) and algo.mating.repair is algo.repair
    assert isinstance(algo.eliminate_duplicates, ArchDuplicateElimination)
    assert algo.mating.eliminate_duplicates is algo.eliminate_duplicates
    assert algo.initialization.eliminate_duplicates is algo.eliminate_duplicates
    assert nsga2().mating.crossover is not algo.mating.crossover  # fresh operators per call


def test_kwargs_pass_through_and_replace_defaults():
    algo = nsga2(pop_size=10, n_offsprings=5, exchange="cell", crossover=ArchCrossover(prob=1.0))
    assert algo.n_offsprings == 5 and algo.mating.crossover.prob.value == 1.0


@pytest.mark.parametrize("space", [None, EAGANDiscriminatorSpace()], ids=["generator", "discriminator"])
def test_minimize_runs_never_reevaluates_and_returns_valid_architectures(space):
    res, problem = _run(1, ArchProblem(space) if space is not None else None)
    assert len(problem.log) == 40  # 5 generations x 8
    assert len(set(problem.log)) == len(problem.log)
    assert res.X.dtype.kind == "i"
    assert all(problem.space.contains(x) for x in res.X)
    assert all(problem.space.contains(x) for x in res.pop.get("X"))


def test_same_seed_same_run_other_seed_other_run():
    (a, pa), (b, pb), (_, pc) = _run(1), _run(1), _run(2)
    assert pa.log == pb.log and np.array_equal(a.X, b.X) and np.array_equal(a.F, b.F)
    assert pa.log != pc.log


def test_global_numpy_seed_does_not_matter():
    np.random.seed(0)
    _, pa = _run(1)
    np.random.seed(123)
    _, pb = _run(1)
    assert pa.log == pb.log


def test_cell_exchange_runs():
    res, problem = _run(1, exchange="cell")
    assert len(set(problem.log)) == len(problem.log) == 40
    assert all(problem.space.contains(x) for x in res.X)


def test_exhausted_tiny_space_terminates_without_reevaluating():
    problem = ArchProblem(TinySpace())  # 8 valid genotypes
    res = minimize(problem, nsga2(pop_size=4), ("n_gen", 1000), seed=1)
    problem = res.algorithm.problem
    assert sorted(problem.log) == sorted(set(problem.log)) and len(problem.log) == 8
    assert res.algorithm.n_gen < 1000  # pymoo forces termination once mating finds nothing new


def test_pre_filled_archive_is_respected():
    problem = ArchProblem(TinySpace())
    problem.archive.update({"1-1", "2-2", "0-1"})
    res = minimize(problem, nsga2(pop_size=4), ("n_gen", 50), seed=3)
    log = res.algorithm.problem.log
    assert len(log) == 5 and not {"1-1", "2-2", "0-1"} & set(log)


def test_binding_happens_on_the_copy_minimize_runs():
    algo = nsga2(pop_size=8)
    res = minimize(ArchProblem(), algo, ("n_gen", 2), seed=1)
    assert algo.eliminate_duplicates.problem is None  # the caller's algorithm is untouched
    elim = res.algorithm.eliminate_duplicates
    assert elim.problem is res.algorithm.problem and res.algorithm.mating.eliminate_duplicates is elim


def test_pickles_and_resumes_exactly_with_its_archive():
    pickle.loads(pickle.dumps(nsga2(pop_size=8)))
    full = minimize(ArchProblem(), nsga2(pop_size=8), ("n_gen", 6), seed=4).algorithm.problem.log

    algo = nsga2(pop_size=8)
    minimize(ArchProblem(), algo, ("n_gen", 3), seed=4, copy_algorithm=False)
    ck = pickle.loads(pickle.dumps(algo))
    assert ck.mating.eliminate_duplicates.problem is ck.problem
    ck.termination = get_termination("n_gen", 6)
    res = minimize(ck.problem, ck, copy_algorithm=False)
    assert res.algorithm.problem.log == full
    assert len(set(full)) == len(full)

    copied = copy.deepcopy(res.algorithm)
    assert copied.eliminate_duplicates.problem is copied.problem


def test_save_history_deep_copies_cleanly():
    res = minimize(ArchProblem(), nsga2(pop_size=8), ("n_gen", 3), seed=1, save_history=True)
    assert len(res.history) == 3
    assert len(set(res.algorithm.problem.log)) == 24


def test_pymoo_default_operators_work_with_arch_repair():
    problem = ArchProblem()
    res = minimize(problem, NSGA2(pop_size=8, repair=ArchRepair()), ("n_gen", 3), seed=1)
    assert all(problem.space.contains(x) for x in res.X)
