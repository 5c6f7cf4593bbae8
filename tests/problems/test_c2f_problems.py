"""The coarse-to-fine problems: each level is a plain pymoo Problem, levels hand over exactly the previous level's
Pareto set (or knee), scores equal the extracted network's, the MACs budget is a constraint, pickling drops weights."""

import pickle

import numpy as np
import pytest
import torch
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.optimize import minimize

from pymoo_gan.algorithms import nsga2
from pymoo_gan.data.paired import PairedConfig
from pymoo_gan.evaluation.paired import score_paired
from pymoo_gan.metrics import ModuleExtractor, compute_statistics, score_images
from pymoo_gan.models.c2f import C2FSupernet, extract_c2f
from pymoo_gan.models.conditional import ConditionalDiscriminator
from pymoo_gan.problems.c2f import C2FProblem, knee_index, next_level, pareto_archs, seeded_population
from pymoo_gan.space.c2f import C2FLevelSpace, C2FMacro, C2FSpace
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.paired import PairedLossConfig, PairedSupernetTrainer
from pymoo_gan.training.samplers import FairPathSampler

pytestmark = pytest.mark.usefixtures("single_thread")

MACRO = C2FMacro(channels=8, n_blocks=4, scale=2, ops=("conv3x3", "dwsep3x3", "dilated3x3"))


@pytest.fixture(scope="module")
def trained():
    data = PairedConfig(task="sr", scale=2)
    x, y = data.load("train")
    supernet = C2FSupernet(MACRO, generator=torch.Generator().manual_seed(0))
    d = ConditionalDiscriminator(1, 1, 8, generator=torch.Generator().manual_seed(1))
    trainer = PairedSupernetTrainer(supernet, d, TrainConfig(g_batch_size=16, d_batch_size=16, g_lr=1e-3),
                                    PairedLossConfig(l1_weight=10.0, adv_weight=0.1), x, y, torch.device("cpu"), 0)
    trainer.train(10, FairPathSampler(C2FSpace(MACRO), trainer.path_rng, widths="sandwich"))
    test_x, test_y = data.load("test")
    return supernet, test_x[:32], test_y[:32]


def decoded_evaluated(problem):
    return [problem.space.decode([int(v) for v in key.split("-")]) for key in problem.results()["genotype"]]


def test_three_levels_hand_over_exactly(trained):
    supernet, x, y = trained
    space = C2FSpace(MACRO)
    paths = C2FProblem(C2FLevelSpace(space, "path"), supernet, x, y)
    res1 = minimize(paths, nsga2(pop_size=6), ("n_gen", 2), seed=1)
    chosen1 = pareto_archs(paths, res1.opt.get("X"))
    assert all(b is None or (b.op, b.width) == ("conv3x3", 1.0) for a in decoded_evaluated(paths) for b in a.blocks)

    ops_space = next_level(paths, res1.opt.get("X"))
    assert ops_space.level == "op" and list(ops_space.bases) == chosen1  # exactly the Pareto set, in order
    ops = C2FProblem(ops_space, supernet, x, y)
    res2 = minimize(ops, nsga2(pop_size=6), ("n_gen", 2), seed=1)
    for arch in decoded_evaluated(ops):  # only ops changed: each is one of the bases with other ops
        base = ops_space.base_of(ops_space.encode(arch))
        assert base in chosen1 and arch.kept == base.kept
        assert all(arch.blocks[i].width == 1.0 for i in arch.kept)
    chosen2 = pareto_archs(ops, res2.opt.get("X"))

    widths_space = next_level(ops, res2.opt.get("X"))
    assert widths_space.level == "width" and list(widths_space.bases) == chosen2
    widths = C2FProblem(widths_space, supernet, x, y, macs_budget=1e5)
    res3 = minimize(widths, NSGA2(pop_size=6), ("n_gen", 2), seed=1)  # pymoo's own operators work too
    for arch in decoded_evaluated(widths):
        base = widths_space.base_of(widths_space.encode(arch))
        assert base in chosen2 and [arch.blocks[i].op for i in arch.kept] == [base.blocks[i].op for i in base.kept]
    assert res3.pop.get("G").shape == (len(res3.pop), 1)
    with pytest.raises(ValueError, match="the width level is the last"):
        next_level(widths, res3.pop.get("X"))


def test_knee_hands_over_one_architecture(trained):
    supernet, x, y = trained
    paths = C2FProblem(C2FLevelSpace(C2FSpace(MACRO), "path"), supernet, x, y)
    res = minimize(paths, nsga2(pop_size=6), ("n_gen", 1), seed=2)
    X, F = res.opt.get("X"), res.opt.get("F")
    ops_space = next_level(paths, X, F, knee=True)
    assert ops_space.bases == (paths.space.decode(X[knee_index(F)]),) and ops_space.names[0] == "block0.op"
    with pytest.raises(ValueError, match="knee=True needs the front F"):
        next_level(paths, X, knee=True)


def test_scores_are_the_extracted_networks_and_objectives_are_minimised(trained):
    supernet, x, y = trained
    space = C2FSpace(MACRO)
    problem = C2FProblem(space, supernet, x, y, objectives=("psnr", "ssim", "macs"), macs_budget=2e4)
    X = space.sample(np.random.default_rng(0), 4)
    out = problem.evaluate(X, return_as_dictionary=True)
    for i, g in enumerate(X):
        arch = space.decode(g)
        direct = score_paired(extract_c2f(supernet, arch), None, x, y)
        assert out["psnr"][i] == pytest.approx(direct["psnr"], abs=1e-9)
        assert out["macs"][i] == direct["macs"] and out["params"][i] == direct["params"]
        assert out["F"][i].tolist() == pytest.approx([-out["psnr"][i], -out["ssim"][i], out["macs"][i]])
        assert out["G"][i, 0] == pytest.approx((out["macs"][i] - 2e4) / 2e4)
    assert len(problem.archive) == len({space.key(g) for g in X})
    again = pickle.loads(pickle.dumps(problem))
    assert again.supernet is None and again.inputs is None and again.archive.rows == problem.archive.rows
    assert len(pickle.dumps(problem)) < 20_000
    with pytest.raises(ValueError, match="flat C2FSpace has no next level"):
        next_level(problem, X)


def test_same_seed_same_front(trained):
    supernet, x, y = trained
    fronts = []
    for _ in range(2):
        problem = C2FProblem(C2FLevelSpace(C2FSpace(MACRO), "path"), supernet, x, y)
        fronts.append(minimize(problem, nsga2(pop_size=6), ("n_gen", 2), seed=3).F)
    assert np.array_equal(fronts[0], fronts[1])


def test_bad_input(trained):
    supernet, x, y = trained
    with pytest.raises(ValueError, match="objective 'fd' is unknown; allowed: psnr, ssim, macs, params or an Obj"):
        C2FProblem(C2FSpace(MACRO), supernet, x, y, objectives=("fd", "macs"))
    with pytest.raises(TypeError, match="C2FLevelSpace or C2FSpace"):
        C2FProblem("path", supernet, x, y)
    with pytest.raises(ValueError, match="constraint 'macs' needs a finite numeric upper bound"):
        C2FProblem(C2FSpace(MACRO), supernet, x, y, macs_budget=float("inf"))


def test_a_level_starts_from_the_previous_levels_choices(trained):
    supernet, x, y = trained
    space = C2FSpace(MACRO)
    bases = list(dict.fromkeys(space.decode(g) for g in space.sample(np.random.default_rng(5), 3)))
    assert len(bases) == 3
    level = C2FLevelSpace(space, "width", bases=bases)
    start = seeded_population(level, 6, np.random.default_rng(0))
    assert [level.decode(g) for g in start[:3]] == bases  # the bases themselves come first
    assert len(start) == 6 and len({level.key(g) for g in start}) == 6 and all(level.contains(g) for g in start)
    problem = C2FProblem(level, supernet, x, y)
    minimize(problem, nsga2(pop_size=6, sampling=start), ("n_gen", 1), seed=0)
    assert {level.key(level.encode(b)) for b in bases} <= set(problem.results()["genotype"])
    small = C2FLevelSpace(C2FSpace(C2FMacro(n_blocks=2)), "path")  # 4 genotypes in all
    assert len(seeded_population(small, 8, np.random.default_rng(0))) == 4


def test_translation_scores_the_frechet_distance_of_an_extractor():
    edges, digits = PairedConfig(task="edges").load("test")
    edges, digits = edges[:64], digits[:64]
    macro = C2FMacro(channels=8, n_blocks=2, scale=1)
    translator = C2FSupernet(macro, generator=torch.Generator().manual_seed(0))
    extractor = ModuleExtractor(torch.nn.Flatten(), "pixels")
    space = C2FSpace(macro)
    problem = C2FProblem(space, translator, edges, digits, objectives=("fd", "macs"), extractor=extractor)
    X = space.sample(np.random.default_rng(1), 3)
    out = problem.evaluate(X, return_as_dictionary=True)
    reference = compute_statistics(digits, extractor)
    for i, g in enumerate(X):
        with torch.no_grad():
            images = extract_c2f(translator, space.decode(g)).eval()(edges)
        direct = score_images(images, extractor, reference)["fd_pixels"]
        assert out["fd_pixels"][i] == pytest.approx(direct, rel=1e-9) and out["F"][i, 0] == out["fd_pixels"][i]
    assert out["F"][:, 0].min() > 0 and pickle.loads(pickle.dumps(problem)).extractor is None
    with pytest.raises(ValueError, match="objective 'fd' is unknown; allowed: psnr, ssim, macs, params or"):
        C2FProblem(space, translator, edges, digits, objectives=("fd", "macs"))  # fd needs an extractor


def test_a_failing_candidate_is_penalised_and_the_level_goes_on(trained):
    """NaN injected for real (a forward hook on block 0's conv3x3 at width 0.5, while scoring): the candidates running
    it get FAILED_VALUE and a failure reason in their rows and results.csv's ``failed`` flag; the others are scored;
    the search goes on."""
    from pymoo_gan.problems.failures import FAILED_VALUE

    supernet, x, y = trained
    space = C2FSpace(MACRO)
    bad = lambda arch: arch.blocks[0] is not None and (arch.blocks[0].op, arch.blocks[0].width) == ("conv3x3", 0.5)  # noqa: E731
    handle = supernet.blocks["0"]["conv3x3"].register_forward_hook(
        lambda module, args, output: output * float("nan") if args[1] == MACRO.inner(0.5) else None)
    try:
        problem = C2FProblem(space, supernet, x, y, macs_budget=1e9)
        pool = space.sample(np.random.default_rng(0), 60)
        X = np.stack([g for g in pool if bad(space.decode(g))][:2] + [g for g in pool if not bad(space.decode(g))][:2])
        out = problem.evaluate(X, return_as_dictionary=True)
        assert out["F"][:2].tolist() == [[FAILED_VALUE] * 2] * 2 and out["G"][:2].tolist() == [[FAILED_VALUE]] * 2
        assert np.isfinite(out["F"][2:]).all() and (out["F"][2:] < FAILED_VALUE).all()
        table = problem.results()
        assert table["failed"].tolist() == [True, True, False, False]
        assert table["failure"].iloc[0].startswith("scores not finite: psnr=nan")
        res = minimize(problem, nsga2(pop_size=6), ("n_gen", 3), seed=0)  # the search goes on
        assert not any(bad(a) for a in pareto_archs(problem, res.opt.get("X")))
    finally:
        handle.remove()
