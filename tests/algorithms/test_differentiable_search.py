"""AdversarialNAS and AlphaGAN under plain ``minimize`` on the tiny stage-1 problem, and the problem-side API they
use: scoring on weights an algorithm trains (``problem.weights_from``)."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from pymoo.optimize import minimize

from pymoo_gan import GANSearchProblem, registry
from pymoo_gan.algorithms import AdversarialNAS, AlphaGAN
from pymoo_gan.cli import main
from pymoo_gan.models.relaxed import RelaxedCellGenerator
from pymoo_gan.problems.failures import FAILED_VALUE
from pymoo_gan.runs.search import run_search

pytestmark = pytest.mark.usefixtures("single_thread")

# tiny epochs: AdversarialNAS 0.04 passes over the digits (a few iterations), AlphaGAN a few steps per phase
ALGORITHMS = {
    "adversarialnas": lambda **kw: AdversarialNAS(epochs_per_gen=0.04, n_critic=1, **kw),
    "alphagan": lambda **kw: AlphaGAN("s", inner_steps=4, worst_steps=2, outer_steps=2, n_critic=1, **kw),
}


def _run(name, tiny, seed=1, n_gen=1, **kw):
    problem = GANSearchProblem(progress=False, **tiny)
    res = minimize(problem, ALGORITHMS[name](**kw), ("n_gen", n_gen), seed=seed)
    return problem, res


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_one_generation_scores_valid_derived_genotypes(name, tiny):
    problem, res = _run(name, tiny, pop_size=2 if name == "alphagan" else 1)
    n = 2 if name == "alphagan" else 1
    table = problem.results()
    assert len(table) <= n and set(table["kind"]) == {"derived"}  # two equal derivations are scored once
    assert (table["weights_version"] == 1).all() and (table["supernet_step"] == res.algorithm.trainer.steps).all()
    assert (table["failure"] == "").all() and np.isfinite(table[["F0", "F1", "F2"]].to_numpy()).all()
    assert res.X.shape[1] == problem.n_var and len(res.algorithm.pop) == n
    for x in res.X:
        assert np.array_equal(problem.space.repair(x), x)  # valid members of the space
    keys = set(table["genotype"])
    assert {problem.space.key(x) for x in res.X} <= keys
    assert problem.trainer is res.algorithm.trainer  # the provider stays attached: extract/sample use its weights
    assert res.algorithm.search_history[0]["epoch"] == 0
    # the derived arch is scored on the weights it inherits from the relaxed supernet (its EMA), BN recalibrated
    x = res.X[0]
    row = table[table["genotype"] == problem.space.key(x)].iloc[0]
    assert problem.score(x)["fd_digits_cnn"] == pytest.approx(row["fd_digits_cnn"], rel=1e-9)


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_same_seed_same_run(name, tiny):
    (pa, ra), (pb, rb) = _run(name, tiny, seed=3), _run(name, tiny, seed=3)
    assert np.array_equal(ra.X, rb.X) and np.array_equal(ra.F, rb.F)
    ta, tb = ra.algorithm.trainer.alphas_g.state_dict(), rb.algorithm.trainer.alphas_g.state_dict()
    assert all(torch.equal(ta[k], tb[k]) for k in ta)
    cols = ["genotype", "F0", "F1", "F2", "supernet_step"]
    assert pa.results()[cols].equals(pb.results()[cols])


def test_two_generations_bump_the_weights_version(tiny):
    problem, res = _run("alphagan", tiny, n_gen=2)
    table = problem.results()
    assert list(table["weights_version"]) == [1, 2] and list(table["generation"]) == [1, 2]
    assert len(res.algorithm.search_history) == 2 and res.algorithm.trainer.epoch == 2


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_runs_on_alphagans_own_space_when_the_problem_names_it(name, tiny):
    from pymoo_gan.models.alphagan import RelaxedAlphaGANGenerator
    from pymoo_gan.space.alphagan import AlphaGANGeneratorSpace

    problem, res = _run(name, {**tiny, "space": "alphagan"}, seed=0)
    trainer = res.algorithm.trainer
    assert isinstance(problem.space, AlphaGANGeneratorSpace) and isinstance(trainer.G, RelaxedAlphaGANGenerator)
    assert set(trainer.alphas_g.alphas) == {"up", "normal", "skip"}  # up, normal and skip edges are all searched
    table = problem.results()
    assert (table["failure"] == "").all() and np.isfinite(table[["F0", "F1", "F2"]].to_numpy()).all()
    assert res.X.shape == (1, 18) and problem.space.contains(res.X[0])
    assert problem.space.decode(res.X[0]) == trainer.alphas_g.derive()  # the logits' derivation is what was scored


def test_spaces_without_relaxation_are_refused(tiny):
    problem = GANSearchProblem(progress=False, space="autogan", **tiny)
    with pytest.raises(ValueError, match="no relaxation.*allowed: eagan, alphagan"):
        minimize(problem, AlphaGAN(), ("n_gen", 1), seed=1)
    with pytest.raises(ValueError, match="preset"):
        AlphaGAN("m")
    with pytest.raises(ValueError, match="pop_size"):
        AdversarialNAS(pop_size=0)


def test_registry_names_both_algorithms():
    assert isinstance(registry.algorithm("adversarialnas").factory(pop_size=2), AdversarialNAS)
    alpha = registry.algorithm("alphagan").factory(pop_size=1)
    assert isinstance(alpha, AlphaGAN) and alpha.steps == dict(inner_steps=20, worst_steps=20, outer_steps=20)
    assert AlphaGAN("l").steps == dict(inner_steps=390, worst_steps=390, outer_steps=20)


def test_problem_scores_on_an_attached_weights_provider(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    with pytest.raises(TypeError, match="lacks weights_version"):
        problem.weights_from(object())
    net = RelaxedCellGenerator(problem.space.macro, generator=torch.Generator().manual_seed(0))
    provider = SimpleNamespace(weights_version=1, supernet_step=7, failures={}, scored_supernet=net)
    problem.weights_from(provider)
    assert problem.external_weights and problem.trainer is provider
    rng = np.random.default_rng(0)
    X = np.array([problem.space.sample(rng) for _ in range(2)])
    out = problem.evaluate(X, return_as_dictionary=True)
    assert problem._trainer is None  # no warm-up, no round: the problem built only its scorer
    table = problem.results()
    assert list(table["kind"]) == ["derived"] * 2 and list(table["supernet_step"]) == [7, 7]
    problem.evaluate(X)  # same weights version: cached, not scored again
    assert len(problem.results()) == 2
    provider.weights_version = 2
    provider.failures = {problem.space.key(X[0]): "training diverged"}
    out = problem.evaluate(X, return_as_dictionary=True)
    assert list(out["failure"]) == ["training diverged", ""] and (out["F"][0] == FAILED_VALUE).all()
    assert np.isfinite(out["F"][1]).all() and len(problem.results()) == 4
    other = SimpleNamespace(weights_version=2, supernet_step=7, failures={}, scored_supernet=net)
    problem.weights_from(other)  # another provider at the same version: scored again, not taken from the cache
    problem.evaluate(X)
    problem.weights_from(provider)  # back to the first: its rows are cached
    problem.evaluate(X)
    assert list(problem.results()["weights_source"]) == [1, 1, 1, 1, 2, 2]
    problem.weights_from(None)
    assert not problem.external_weights


def test_history_and_a_resumed_run_search_repeat_the_uninterrupted_run(tiny, tmp_path):
    def algorithm():  # n_critic 5: the epoch ends on a D step, leaving spectral norm's cached weight in a graph
        return AlphaGAN("s", inner_steps=3, worst_steps=2, outer_steps=2)

    problem = GANSearchProblem(progress=False, **tiny)
    full = minimize(problem, algorithm(), ("n_gen", 2), seed=4, save_history=True)
    assert len(full.history) == 2

    run_search(GANSearchProblem(progress=False, **tiny), algorithm(), 1, tmp_path, seed=4)
    # a new process: the checkpoint's problem comes without the provider; the algorithm re-attaches its own
    res = run_search(GANSearchProblem(progress=False, **tiny), algorithm(), 2, tmp_path, seed=4)
    cols = ["genotype", "generation", "weights_version", "supernet_step", "F0", "F1", "F2"]
    assert res.problem.results()[cols].equals(problem.results()[cols])
    assert np.array_equal(res.X, full.X) and np.array_equal(res.F, full.F)
    done = run_search(GANSearchProblem(progress=False, **tiny), algorithm(), 2, tmp_path, seed=4)  # nothing left
    assert done.problem.external_weights and done.problem.trainer.weights_version == 2  # extract() uses them


def test_a_problem_file_names_the_algorithm(tmp_path):
    small = Path(__file__).resolve().parents[2] / "problems" / "small_cpu.toml"
    settings = {"stages": '["stage1"]', "stage1.algorithm.name": '"alphagan"', "stage1.algorithm.pop_size": 1,
                "stage1.algorithm.n_gen": 1, "stage1.problem.model.latent_dim": 12,
                "stage1.problem.model.g_channels": 8, "stage1.problem.model.d_channels": 8,
                "stage1.problem.metrics.n_samples": 128, "stage1.problem.metrics.batch_size": 128,
                "stage1.problem.metrics.bn_batches": 2, "stage1.problem.device": '"cpu"'}
    args = [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    assert main(["search", str(small), "--out", str(tmp_path / "run"), "--quiet", *args]) == 0
    results = pd.read_csv(tmp_path / "run" / "stage1" / "results.csv")
    assert list(results["kind"]) == ["derived"] and list(results["weights_version"]) == [1]
    assert (tmp_path / "run" / "export" / "stage1" / "g0.pt").is_file()  # extracted with the search's weights
    pareto = pd.read_csv(tmp_path / "run" / "stage1" / "pareto.csv")
    assert len(pareto) == 1 and pareto["F0"].iloc[0] == results["F0"].iloc[0]
