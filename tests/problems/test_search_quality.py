"""The search is real: training helps, and the Pareto set beats random architectures on the same weights."""

import numpy as np
import pytest
from pymoo.optimize import minimize

from pymoo_gan import GANSearchProblem, TrainConfig, nsga2


def _fd(scores):
    return scores["fd_digits_cnn"]


def test_trained_supernet_paths_score_far_better_than_untrained(tiny):
    """One round of training on the raw supernet weights (the default scores their EMA, which lags one round)."""
    train = TrainConfig(g_batch_size=32, d_batch_size=32, ema_decay=None)
    problem = GANSearchProblem(progress=False, **dict(tiny, g_channels=16, d_channels=16, round_epochs=4,
                                                      n_samples=256, batch_size=256, train=train))
    archs = problem.space.sample(np.random.default_rng(0), 3)
    untrained = np.array([_fd(problem.score(g)) for g in archs])  # weights version 0: nothing trained yet
    problem.train_round(archs)  # four epochs on these paths ("many-to-one")
    trained = np.array([_fd(problem.score(g)) for g in archs])
    assert np.all(trained < 0.85 * untrained) and np.median(trained) < 0.7 * np.median(untrained), (trained, untrained)


@pytest.mark.slow
def test_pareto_set_beats_random_architectures_on_the_same_weights():
    problem = GANSearchProblem(progress=False)  # the embedded default, as the demo runs it
    res = minimize(problem, nsga2(pop_size=8), ("n_gen", 4), seed=1)
    pareto = res.opt.get("F")
    randoms = problem.space.sample(np.random.default_rng(123), 16)
    F_random = []
    for g in randoms:
        s = problem.score(g)
        F_random.append([o.minimised(s) for o in problem.objectives])
    F_random = np.array(F_random)
    dominated = [np.any(np.all(pareto <= f, axis=1) & np.any(pareto < f, axis=1)) for f in F_random]
    assert np.mean(dominated) >= 0.5, np.mean(dominated)
    assert pareto[:, 0].min() < np.median(F_random[:, 0])
