import pickle

import numpy as np
import pytest
import torch
from pymoo.optimize import minimize

from pymoo_gan import DiscriminatorSearchProblem, GANSearchProblem, nsga2
from pymoo_gan.training import PairTrainer


def state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def shares_storage(m1, m2):
    return bool({p.data_ptr() for p in m1.parameters()} & {p.data_ptr() for p in m2.parameters()})


@pytest.fixture
def stage1(tiny):
    problem = GANSearchProblem(progress=False, **tiny)
    genotype = problem.space.sample(np.random.default_rng(3))
    problem.warmup()  # the stage-1 weights G* brings into stage 2
    return problem, genotype


def stage2(stage1, **overrides):
    problem1, genotype = stage1
    G = problem1.extract(genotype)
    settings = dict(channels=8, warmup_epochs=0.0, round_epochs=0.5, n_critic=1) | overrides
    n_critic = settings.pop("n_critic")
    train = problem1.config.train.__class__(g_batch_size=16, d_batch_size=16, n_critic=n_critic)
    c = problem1.config
    return G, DiscriminatorSearchProblem(G, data=c.data, metrics=c.metrics, device=c.device, seed=c.seed,
                                         progress=False, train=train, **settings)


def test_generator_enters_stage_2_with_its_stage_1_weights(stage1):
    G, problem = stage2(stage1)
    trainer = problem.trainer
    assert same(state(trainer.base.G), state(G))
    assert not shares_storage(trainer.base.G, G)  # a copy: stage 2 never trains the caller's module
    genotypes = problem.space.sample(np.random.default_rng(0), 3)
    problem.warmup()  # 0 epochs: nothing trained
    assert problem.best_pair() is None  # first round: no scores yet, so no reset
    trainer.assign_copies([problem.space.key(g) for g in genotypes], best=problem.best_pair())
    for pair in trainer.copies.values():
        assert same(state(pair.G), state(G))


def test_one_to_one_copies_train_independently_then_reset_to_the_best(stage1):
    _, problem = stage2(stage1)
    trainer = problem.trainer
    genotypes = problem.space.sample(np.random.default_rng(0), 3)
    keys = [problem.space.key(g) for g in genotypes]
    problem.warmup()
    problem.train_round(genotypes)
    pairs = [trainer.copies[k] for k in keys]
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        assert not shares_storage(pairs[a].G, pairs[b].G)
        assert not same(state(pairs[a].G), state(pairs[b].G))  # each pair trained its own G
    before = {k: state(p.G) for k, p in trainer.copies.items()}
    scores = [problem.score(g) for g in genotypes]
    assert all(same(state(trainer.copies[k].G), s) for k, s in before.items())  # scoring changes no pair
    assert problem.best_pair() is None  # scores not archived: the search's rows decide
    rows = [problem._scored(g, 0, "offspring") for g in genotypes]
    fd = [s[problem.objectives[0].key] for s in scores]
    assert fd == [r[problem.objectives[0].key] for r in rows]
    best = keys[int(np.argmin(fd))]
    assert problem.best_pair() == best
    best_state, best_opt = state(trainer.copies[best].G), trainer.copies[best].opt.state_dict()

    trainer.assign_copies(keys, best=problem.best_pair())  # weight-resetting, as at the start of the next round
    assert trainer.reset_source == best
    for k in keys:
        pair = trainer.copies[k]
        assert same(state(pair.G), best_state)
        moments = pair.opt.state_dict()["state"]
        assert all(torch.equal(moments[i]["exp_avg"], best_opt["state"][i]["exp_avg"]) for i in moments)
    copies = list(trainer.copies.values())
    assert not shares_storage(copies[0].G, copies[1].G)  # identical values, separate tensors
    first_moment = next(iter(copies[0].opt.state.values()))["exp_avg"]
    assert all(first_moment.data_ptr() != next(iter(c.opt.state.values()))["exp_avg"].data_ptr() for c in copies[1:])


def test_without_reset_each_pair_keeps_its_own_generator(stage1):
    _, problem = stage2(stage1, reset="none")
    trainer = problem.trainer
    genotypes = problem.space.sample(np.random.default_rng(0), 2)
    problem.warmup()
    problem.train_round(genotypes)
    for g in genotypes:
        problem._scored(g, 0, "offspring")
    before = {k: state(p.G) for k, p in trainer.copies.items()}
    assert problem.best_pair() in before
    trainer.assign_copies(list(before), best=problem.best_pair())
    assert trainer.reset_source is None
    for k, s in before.items():
        assert same(state(trainer.copies[k].G), s)


def test_without_reset_a_new_candidate_starts_from_the_best_pair(stage1):
    _, problem = stage2(stage1, reset="none")
    trainer = problem.trainer
    genotypes = problem.space.sample(np.random.default_rng(0), 3)
    problem.warmup()
    problem.train_round(genotypes[:2])
    for g in genotypes[:2]:
        problem._scored(g, 0, "offspring")
    best = problem.best_pair()
    assert best is not None
    newcomer = problem.space.key(genotypes[2])
    assert same(state(trainer.generator_of(newcomer, best)), state(trainer.copies[best].G))  # scored as it starts
    trainer.assign_copies([*trainer.copies, newcomer], best=best)
    assert same(state(trainer.copies[newcomer].G), state(trainer.copies[best].G))
    assert not same(state(trainer.copies[newcomer].G), state(trainer.base.G))
    assert not shares_storage(trainer.copies[newcomer].G, trainer.copies[best].G)


def test_stage_2_trains_once_per_generation_with_half_as_many_offspring(stage1):
    from pymoo.core.callback import Callback

    class Versions(Callback):
        def notify(self, algorithm):
            self.data.setdefault("v", []).append(set(algorithm.pop.get("weights_version").tolist()))

    _, problem = stage2(stage1, warmup_epochs=0.25)
    cb = Versions()
    minimize(problem, nsga2(pop_size=4, n_offsprings=2), ("n_gen", 3), seed=1, callback=cb)
    assert [v.pop() for v in cb.data["v"]] == [2, 3, 4]  # warm-up 1, the initial round 2, one more per generation
    table = problem.results()
    offspring = table[table["kind"] == "offspring"]
    assert (offspring["weights_version"] == offspring["generation"] + 1).all()  # every offspring trained first


def test_stage_2_search_scores_trained_pairs_and_pickles_small(stage1):
    _, problem = stage2(stage1, warmup_epochs=0.25)
    res = minimize(problem, nsga2(pop_size=4), ("n_gen", 2), seed=1)
    table = problem.results()
    assert {"fd_digits_cnn", "cs_digits_cnn", "d_params", "d_macs", "F2"} <= set(table.columns)
    assert np.isfinite(res.F).all()
    assert (table["kind"] == "rescore").sum() == 4
    # the initial population was trained before it was scored: warm-up is version 1, its round version 2
    assert table["weights_version"].min() == 2
    G, D = problem.extract(res.opt[0].X)
    x = torch.zeros(2, 1, 16, 16)
    assert D(x).shape == (2, 1) and G(torch.zeros(2, 12)).shape == (2, 1, 16, 16)
    clone = pickle.loads(pickle.dumps(problem))
    assert clone._trainer is None and clone._scorer is None and clone._generator is None


def test_trainer_state_round_trips(stage1):
    _, problem = stage2(stage1)
    trainer: PairTrainer = problem.trainer
    genotypes = problem.space.sample(np.random.default_rng(0), 2)
    problem.warmup()
    problem.train_round(genotypes)
    saved = trainer.state_dict()
    _, fresh = stage2(stage1)
    fresh.trainer.load_state_dict(pickle.loads(pickle.dumps(saved)))
    for k, pair in trainer.copies.items():
        assert same(state(fresh.trainer.copies[k].G), state(pair.G))
    assert same(state(fresh.trainer.supernet), state(trainer.supernet))
    assert fresh.trainer.weights_version == trainer.weights_version
