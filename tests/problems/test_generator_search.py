import pickle

import numpy as np
import pytest
from pymoo.algorithms.moo.nsde import NSDE
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.algorithms.moo.sms import SMSEMOA
from pymoo.core.callback import Callback
from pymoo.optimize import minimize
from pymoo.util.ref_dirs import get_reference_directions

from pymoo_gan import GANSearchProblem, nsga2
from pymoo_gan.algorithms import random_search
from pymoo_gan.operators import ArchCrossover, ArchMutation, ArchSampling


def test_defaults_describe_the_embedded_problem():
    p = GANSearchProblem()
    assert (p.n_var, p.n_obj, p.n_ieq_constr) == (21, 3, 0)
    assert [o.key for o in p.objectives] == ["fd_digits_cnn", "cs_digits_cnn", "params"]
    assert [o.maximize for o in p.objectives] == [False, True, False]
    assert p.config.data.resolution == 16 and p.space.macro.out_channels == 1


def test_bad_settings_name_what_is_allowed():
    with pytest.raises(ValueError, match="valid:"):
        GANSearchProblem(warmup_epoch=3)
    with pytest.raises(ValueError, match="resolution 20 is impossible for a generator of 3 up-cells"):
        GANSearchProblem(resolution=20)
    with pytest.raises(ValueError, match="allowed: fd, score"):
        GANSearchProblem(objectives=("fid_but_typo",))


class SurvivalWeights(Callback):
    """After every survival, record the weights versions the surviving population was scored on."""

    def notify(self, algorithm):
        self.data.setdefault("versions", []).append(set(algorithm.pop.get("weights_version").tolist()))


def test_search_runs_and_survivors_share_weights(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    cb = SurvivalWeights()
    res = minimize(problem, nsga2(pop_size=4), ("n_gen", 3), seed=1, callback=cb)
    assert [len(v) for v in cb.data["versions"]] == [1, 1, 1]
    assert [v.pop() for v in cb.data["versions"]] == [1, 2, 3]
    table = problem.results()
    assert {"genotype", "arch", "generation", "kind", "weights_version", "supernet_step", "fd_digits_cnn",
            "cs_digits_cnn", "params", "macs", "F0", "F1", "F2"} <= set(table.columns)
    assert (table["kind"] == "rescore").sum() == 8  # parents re-scored after each of the 2 training rounds
    assert not table.duplicated(["genotype", "weights_version"]).any()
    assert np.isfinite(res.F).all()
    # raw scores reach the population as extra keys; F holds the negated classifier score
    assert np.allclose(res.opt.get("F")[:, 1], -res.opt.get("cs_digits_cnn"))
    # the problem pickles without its trainer and scorer (supernet, data, extractor)
    clone = pickle.loads(pickle.dumps(problem))
    assert clone._trainer is None and clone._scorer is None and len(clone.archive) == len(problem.archive)


def _table(seed, tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    minimize(problem, nsga2(pop_size=4), ("n_gen", 2), seed=seed)
    return problem.results().drop(columns=["score_time_s"])


def test_same_seed_gives_the_same_results_table(tiny):
    a, b = _table(1, tiny), _table(1, tiny)
    assert a.equals(b)


def _algorithms():
    ref = get_reference_directions("das-dennis", 3, n_partitions=2)
    return {
        "pymoo NSGA2 defaults": (NSGA2(pop_size=4), {}),
        "pymoo_gan.nsga2": (nsga2(pop_size=4), {}),
        "NSGA3": (NSGA3(ref_dirs=ref, pop_size=4, sampling=ArchSampling(), crossover=ArchCrossover(),
                        mutation=ArchMutation()), {}),
        "SMS-EMOA": (SMSEMOA(pop_size=4, sampling=ArchSampling(), crossover=ArchCrossover(),
                             mutation=ArchMutation()), {}),
        "NSDE (continuous)": (NSDE(pop_size=4), {"objectives": ("fd", "params")}),
        "random search": (random_search(pop_size=4), {}),
    }


@pytest.mark.parametrize("name", list(_algorithms()))
def test_problem_runs_unchanged_under_pymoo_algorithms(name, tiny):
    algorithm, extra = _algorithms()[name]
    problem = GANSearchProblem(progress=False, **tiny, **extra)
    res = minimize(problem, algorithm, ("n_evals", 12), seed=1)
    assert res.F is not None and np.isfinite(res.F).all()
    assert all(problem.space.contains(problem.space.to_genotype(x)) for x in np.atleast_2d(res.X))
    table = problem.results()
    assert table["weights_version"].max() >= 2  # at least one training round after the warm-up


def test_one_training_round_per_generation_with_half_as_many_offspring(tiny):
    """The paper's P/2 offspring per generation: every generation still trains once and survives on one version."""
    problem = GANSearchProblem(progress=False, **tiny)
    cb = SurvivalWeights()
    minimize(problem, nsga2(pop_size=4, n_offsprings=2), ("n_gen", 4), seed=1, callback=cb)
    assert [len(v) for v in cb.data["versions"]] == [1, 1, 1, 1]
    assert [v.pop() for v in cb.data["versions"]] == [1, 2, 3, 4]


def test_a_user_set_round_size_still_counts_evaluations(tiny):
    problem = GANSearchProblem(progress=False, round_size=4, **tiny)
    cb = SurvivalWeights()
    minimize(problem, nsga2(pop_size=4, n_offsprings=2), ("n_gen", 5), seed=1, callback=cb)
    assert [v.pop() for v in cb.data["versions"]] == [1, 2, 2, 3, 3]  # a round once 4 new evaluations are in


@pytest.mark.parametrize("spellings", [("fd", "fd_digits_cnn"), ("score", "cs_digits_cnn"), ("params",)])
def test_every_spelling_of_an_objective_has_the_same_sense(spellings):
    senses = {GANSearchProblem(objectives=(name,)).objectives[0] for name in spellings}
    assert len(senses) == 1, senses  # same key, same sense


def test_inception_names_are_maximised_like_their_aliases():
    from pymoo_gan.problems.objectives import resolve_objectives

    aliases = {"fd": "fid", "score": "is", "kid": "kid"}
    named = resolve_objectives(["fid", "is", "kid", "params"], aliases)
    aliased = resolve_objectives(["fd", "score", "kid", "params"], aliases)
    assert named == aliased
    assert [o.maximize for o in named] == [False, True, False, False]


def test_nsga2_searches_alphagans_space(tiny):
    """The evolutionary stage 1 on AlphaGAN's space: its single-path supernet, the categorical operators over its 18
    genes (cell-wise crossover groups include each cell's skip genes), scoring with sep-conv BN recalibrated."""
    from pymoo_gan.space.alphagan import AlphaGANGeneratorSpace

    problem = GANSearchProblem(progress=False, space="alphagan", **tiny)
    res = minimize(problem, nsga2(pop_size=2), ("n_gen", 2), seed=0)
    assert isinstance(problem.space, AlphaGANGeneratorSpace) and problem.n_var == 18
    table = problem.results()
    assert (table["failure"] == "").all() and np.isfinite(table[["F0", "F1", "F2"]].to_numpy()).all()
    assert all(problem.space.contains(x) for x in res.X)
