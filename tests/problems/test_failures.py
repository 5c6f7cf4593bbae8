"""Failing candidates never stop a search (issue 5). Failures are injected for real: a forward hook on one candidate op
of a supernet makes exactly the paths through that op produce NaN, or raise an out-of-memory error."""

import copy
import pickle

import numpy as np
import pytest
import torch
from pymoo.algorithms.moo.nsga3 import ReferenceDirectionSurvival
from pymoo.algorithms.moo.sms import LeastHypervolumeContributionSurvival
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding
from pymoo.optimize import minimize
from pymoo.util.ref_dirs import get_reference_directions

from pymoo_gan import DiscriminatorSearchProblem, GANSearchProblem, nsga2
from pymoo_gan.models import build_generator
from pymoo_gan.problems.failures import FAILED_VALUE
from pymoo_gan.problems.generator_search import make_generator_space
from pymoo_gan.training import TrainConfig

skip_warmup_warnings = pytest.mark.filterwarnings("ignore:skipped a .*warm-up step")


def nan_output(module, args, output):
    return output * float("nan")


def nan_gradient(module, args, output):  # the forward pass stays finite, the weights do not
    if output.requires_grad:
        output.register_hook(lambda grad: grad * float("nan"))


def out_of_memory_when(condition):
    def hook(module, args, output):
        if condition(module):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")
    return hook


def while_training(module):
    return torch.is_grad_enabled()  # the generator/discriminator losses; scoring and BN recalibration run without


def while_scoring(module):
    return not module.training  # scoring's eval-mode forward (BN recalibration runs in train mode)


def state(*modules):
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]


def same(a, b):
    return all(x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x) for x, y in zip(a, b, strict=True))


def finite(*modules):
    return all(bool(torch.isfinite(p).all()) for m in modules for p in m.parameters())


def split(space, uses, n_bad, n_good, seed=0):
    """``n_bad`` genotypes whose path runs the hooked op and ``n_good`` that do not."""
    pool = space.sample(np.random.default_rng(seed), 300)
    bad = [g for g in pool if uses(space.decode(g))][:n_bad]
    good = [g for g in pool if not uses(space.decode(g))][:n_good]
    return bad, good


def g_uses(arch):  # stage 1: the hooked op is cell 0's edge c0 conv_5x5 (always run when chosen)
    return arch.cells[0].edges[0] == "conv_5x5"


class Hooks:
    def __init__(self, handles, undo=lambda: None):
        self.handles, self.undo = handles, undo

    def remove(self):
        for handle in self.handles:
            handle.remove()
        self.undo()


def hook_g_op(problem, fn) -> Hooks:
    """Hook the op in the trained supernet, in the one candidates are extracted from (its EMA, by default) and in
    every copy extracted from it (candidates are scored on their extracted copies)."""
    trainer = problem.trainer
    nets = {id(n): n for n in (trainer.supernet, trainer.scored_supernet)}.values()
    handles = [n.cells[0].edges[0]["conv_5x5"].register_forward_hook(fn) for n in nets]
    extract = problem.extract_path

    def extract_hooked(arch):
        net = extract(arch)
        op = dict(net.named_modules()).get("cells.0.edges.0.conv_5x5")
        if op is not None:
            handles.append(op.register_forward_hook(fn))
        return net

    problem.extract_path = extract_hooked
    return Hooks(handles, undo=lambda: setattr(problem, "extract_path", extract))


def d_uses(arch):  # stage 2: the hooked op is cell 0's edge c1 conv_3x3 of the discriminator supernet
    return arch.cells[0].edges[1] == "conv_3x3"


def d_op(trainer):
    return trainer.supernet.cells[0].edges[1]["conv_3x3"]


def F_of(row, n):
    return np.array([row[f"F{i}"] for i in range(n)])


def test_failed_value_keeps_pymoo_survival_working():
    rng = np.random.default_rng(0)
    F = np.vstack([rng.random((6, 3)) * [100, 10, 1e6], np.full((4, 3), FAILED_VALUE)])
    G = np.vstack([rng.random((6, 1)) - 0.5, np.full((4, 1), FAILED_VALUE)])
    survivals = [RankAndCrowding(), LeastHypervolumeContributionSurvival(),
                 ReferenceDirectionSurvival(get_reference_directions("das-dennis", 3, n_partitions=2))]
    for extra in ({}, {"G": G}):
        problem = Problem(n_var=2, n_obj=3, n_ieq_constr=len(extra))
        for survival in survivals:
            pop = Population.new(X=np.zeros((10, 2)), F=F, **extra)
            kept = survival.do(problem, pop, n_survive=8, random_state=np.random.default_rng(1))
            assert (kept.get("F")[:, 0] < FAILED_VALUE).sum() == 6  # every successful candidate survives first


def test_nan_path_in_training_is_undone_recorded_and_dropped(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    trainer = problem.trainer
    (bad,), good = split(problem.space, g_uses, 1, 2)
    hook_g_op(problem, nan_output)
    with pytest.warns(RuntimeWarning, match="skipped a warm-up step on a random path"):
        problem.warmup()
    assert trainer.skipped_steps > 0 and finite(trainer.supernet, trainer.discriminator)
    steps = trainer.gan.steps
    problem.train_round([*good, bad])
    reason = "training produced non-finite loss"
    assert trainer.failures == {problem.space.key(bad): reason}
    assert trainer.gan.steps == steps + trainer.steps_per(tiny["round_epochs"]) - 1
    assert finite(trainer.supernet, trainer.discriminator)
    rows = [problem._scored(g, 1, "offspring") for g in [*good, bad]]
    for row in rows[:-1]:
        assert row["failure"] == "" and np.isfinite(F_of(row, 3)).all()
    assert rows[-1]["failure"] == reason and (F_of(rows[-1], 3) == FAILED_VALUE).all()
    assert np.isnan(rows[-1]["fd_digits_cnn"])
    # checkpoints carry the failures
    fresh = GANSearchProblem(progress=False, **tiny).trainer
    fresh.load_state_dict(pickle.loads(pickle.dumps(trainer.state_dict())))
    assert fresh.failures == trainer.failures and fresh.skipped_steps == trainer.skipped_steps


def test_a_round_of_only_failing_paths_leaves_the_shared_weights_as_they_were(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    trainer = problem.trainer
    (bad,), _ = split(problem.space, g_uses, 1, 0)
    problem.warmup()
    hook_g_op(problem, nan_output)
    before = state(trainer.supernet, trainer.discriminator)
    opts = [trainer.gan.opt_g, trainer.gan.opt_d]
    moments = [copy.deepcopy(o.state_dict()["state"]) for o in opts]
    steps, version = trainer.gan.steps, trainer.weights_version
    problem.train_round([bad])
    assert trainer.failures == {problem.space.key(bad): "training produced non-finite loss"}
    assert same(state(trainer.supernet, trainer.discriminator), before)
    for opt, saved in zip(opts, moments, strict=True):
        now = opt.state_dict()["state"]
        assert now.keys() == saved.keys() and all(same([now[i]], [saved[i]]) for i in now)
    assert trainer.gan.steps == steps and trainer.weights_version == version + 1  # a round that trained nothing


@pytest.mark.parametrize("hook, reason", [(out_of_memory_when(while_training), "out of memory while training"),
                                          (nan_gradient, "training produced non-finite weights")])
def test_training_failure_fails_only_that_candidate(tiny, hook, reason):
    problem = GANSearchProblem(progress=False, **tiny)
    trainer = problem.trainer
    (bad,), good = split(problem.space, g_uses, 1, 2)
    hook_g_op(problem, hook)
    problem.train_round([*good, bad])
    assert trainer.failures == {problem.space.key(bad): reason}
    assert all(p.requires_grad for p in trainer.discriminator.parameters())  # not left frozen by the G step
    assert finite(trainer.supernet, trainer.discriminator)
    rows = [problem._scored(g, 1, "offspring") for g in [*good, bad]]
    assert [r["failure"] for r in rows] == ["", "", reason]
    assert np.isfinite(F_of(rows[0], 3)).all() and (F_of(rows[2], 3) == FAILED_VALUE).all()


def test_scoring_failures_restore_the_weights_and_bugs_still_raise(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    trainer = problem.trainer
    bad, (good,) = split(problem.space, g_uses, 4, 1)
    before = state(trainer.scored_supernet)
    hook = hook_g_op(problem, nan_output)
    row = problem._scored(bad[0], 0, "offspring")
    assert row["failure"].startswith("scores not finite: fd_digits_cnn=nan")
    assert (F_of(row, 3) == FAILED_VALUE).all() and row["params"] > 0  # the scores that exist are kept
    assert same(state(trainer.scored_supernet), before)  # scored on a copy: the shared weights are untouched
    hook.remove()

    hook = hook_g_op(problem, out_of_memory_when(while_scoring))
    row = problem._scored(bad[1], 0, "offspring")
    assert row["failure"] == "out of memory while scoring" and (F_of(row, 3) == FAILED_VALUE).all()
    assert np.isnan(row["fd_digits_cnn"]) and np.isnan(row["params"])
    assert same(state(trainer.scored_supernet), before)
    row = problem._scored(good, 0, "offspring")
    assert row["failure"] == "" and np.isfinite(F_of(row, 3)).all()
    hook.remove()

    def floating_point_error(module, args, output):
        raise FloatingPointError("overflow (injected)")

    hook = hook_g_op(problem, floating_point_error)
    row = problem._scored(bad[2], 0, "offspring")
    assert row["failure"] == "floating-point error while scoring: overflow (injected)"
    hook.remove()

    def bug(module, args, output):
        raise ValueError("a bug, not a failing candidate")

    hook_g_op(problem, bug)
    with pytest.raises(ValueError, match="a bug"):
        problem._scored(bad[3], 0, "offspring")


def _search_with_nan_op(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    hook_g_op(problem, nan_output)
    bad, good = split(problem.space, g_uses, 2, 2)
    res = minimize(problem, nsga2(pop_size=4, sampling=np.array(bad + good)), ("n_gen", 3), seed=1)
    return problem, res


@skip_warmup_warnings
def test_search_goes_on_past_failing_candidates_and_is_reproducible(tiny):
    problem, res = _search_with_nan_op(tiny)
    table = problem.results()
    uses = table["genotype"].map(lambda k: g_uses(problem.space.decode([int(v) for v in k.split("-")])))
    failed = table["failure"] != ""
    assert (failed == uses).all()
    F = table[["F0", "F1", "F2"]].to_numpy()
    assert (F[failed] == FAILED_VALUE).all() and np.isfinite(F[~failed]).all() and (F[~failed] < 1e9).all()
    reasons = set(table.loc[failed, "failure"])
    assert "training produced non-finite loss" in reasons  # the initial population's bad paths, after round 1
    assert any(r.startswith("scores not finite") for r in reasons)  # scored on the warm-up weights
    assert finite(problem.trainer.supernet, problem.trainer.discriminator)
    assert (res.opt.get("failure") == "").all() and set(res.pop.get("failure")) <= set(table["failure"])

    again, _ = _search_with_nan_op(tiny)
    assert table.drop(columns=["score_time_s"]).equals(again.results().drop(columns=["score_time_s"]))


def _stage2(tiny, **overrides):
    search = GANSearchProblem(progress=False, **tiny).config
    g_space = make_generator_space(search)
    G = build_generator(g_space.decode(g_space.sample(np.random.default_rng(3))),
                        generator=torch.Generator().manual_seed(0))
    settings = dict(channels=8, warmup_epochs=0.0, round_epochs=0.5) | overrides
    train = TrainConfig(g_batch_size=16, d_batch_size=16, n_critic=1)
    return DiscriminatorSearchProblem(G, data=search.data, metrics=search.metrics, device=search.device,
                                      seed=search.seed, progress=False, train=train, **settings)


@skip_warmup_warnings
def test_stage_2_search_goes_on_past_failing_discriminators(tiny):
    problem = _stage2(tiny, warmup_epochs=0.25)
    trainer = problem.trainer
    d_op(trainer).register_forward_hook(nan_output)
    bad, good = split(problem.space, d_uses, 2, 2)
    res = minimize(problem, nsga2(pop_size=4, sampling=np.array(bad + good)), ("n_gen", 2), seed=1)
    table = problem.results()
    uses = table["genotype"].map(lambda k: d_uses(problem.space.decode([int(v) for v in k.split("-")])))
    failed = table["failure"] != ""
    assert (failed == uses).all() and failed.any()
    assert set(table.loc[failed, "failure"]) <= {"training produced non-finite loss",
                                                 "training produced non-finite weights"}
    F = table[["F0", "F1", "F2"]].to_numpy()
    assert (F[failed] == FAILED_VALUE).all() and np.isfinite(F[~failed]).all()
    assert finite(trainer.supernet, trainer.base.G, *(p.G for p in trainer.copies.values()))
    assert trainer.reset_source is not None and not d_uses(problem.space.decode(
        [int(v) for v in trainer.reset_source.split("-")]))  # weight-resetting never picks a failed pair
    assert (res.opt.get("failure") == "").all()


@pytest.mark.parametrize("pairs", ["sequential", "synchronous"])
def test_stage_2_out_of_memory_undoes_the_turn_and_skips_the_pair(tiny, pairs):
    problem = _stage2(tiny, pairs=pairs)
    trainer = problem.trainer
    (bad,), (good,) = split(problem.space, d_uses, 1, 1)
    d_op(trainer).register_forward_hook(out_of_memory_when(while_training))
    problem.train_round([good, bad])
    key = problem.space.key
    assert trainer.failures == {key(bad): "out of memory while training"}
    base = state(trainer.base.G)
    assert same(state(trainer.copies[key(bad)].G), base)  # its G copy as it was before its turn
    assert not same(state(trainer.copies[key(good)].G), base)
    assert finite(trainer.supernet) and all(p.requires_grad for p in trainer.supernet.parameters())
    rows = [problem._scored(g, 1, "offspring") for g in (good, bad)]
    assert [r["failure"] for r in rows] == ["", "out of memory while training"]
    assert problem.best_pair() == key(good)
