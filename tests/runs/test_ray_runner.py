"""Stage-1 scoring on 2 Ray actors (a local Ray with logical CPUs): the same results as the local runner, an actor that
dies mid-round is restarted and its candidate scored again (or marked failed), a killed driver resumes to the same
results. Stage-2 pairs trained on 2 actors (synchronous rounds): the same results as the local runner though an actor
dies mid-round (its pair is trained again), a pair that keeps killing its actor fails for the round, and a driver
killed in stage 2 resumes on new actors to the same results. Chosen pairs retrained on 2 actors: the same final table
and generators as the local runner, a pair whose actor keeps dying is a failed row. Coarse-to-fine levels scored on 2
actors: a genotype whose actor keeps dying is a failed row, and the levels give the local runner's tables and fronts.
A differentiable search's derived architectures scored on 2 actors: the local runner's table. Skipped without Ray
(``pip install -e ".[ray]"``)."""

import copy
import dataclasses
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from pymoo.optimize import minimize
from ray_faults import Crash, CrashOnPair
from tiny_run import SMALL, tiny_args
from tiny_stage2 import RAY, stage2_problem, stage2_search

ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install -e ".[ray]"')


from pymoo_gan import DiscriminatorSearchProblem, GANSearchProblem, nsga2  # noqa: E402
from pymoo_gan.algorithms import AlphaGAN  # noqa: E402
from pymoo_gan.cli import main, parse_overrides  # noqa: E402
from pymoo_gan.evaluation import runners  # noqa: E402
from pymoo_gan.evaluation.parallel import ParallelConfig  # noqa: E402
from pymoo_gan.evaluation.ray_runner import RayRunner  # noqa: E402
from pymoo_gan.metrics.clip import save_random_clip_weights  # noqa: E402
from pymoo_gan.models.c2f import C2FSupernet  # noqa: E402
from pymoo_gan.problems.c2f import C2FProblem  # noqa: E402
from pymoo_gan.problems.generator_search import make_generator_space  # noqa: E402
from pymoo_gan.runs.coarse_to_fine import (  # noqa: E402
    C2FScoring,
    C2FSettings,
    evaluation_pairs,
    search_levels,
    train_supernet,  # noqa: E402
)
from pymoo_gan.runs.config import load_run_config  # noqa: E402
from pymoo_gan.runs.export import load_generator  # noqa: E402
from pymoo_gan.runs.search import run_search  # noqa: E402
from pymoo_gan.runs.two_stage import _retrain_pairs  # noqa: E402
from pymoo_gan.space import EAGANDiscriminatorSpace  # noqa: E402
from pymoo_gan.space.c2f import C2FSpace  # noqa: E402
from pymoo_gan.space.eagan import DiscriminatorMacro  # noqa: E402
from pymoo_gan.training.sparse import SparseConfig  # noqa: E402

KILLER = Path(__file__).with_name("killed_run.py")


def stage1_args(**changes) -> list[str]:
    """Stage 1 of the tiny small problem, with a shorter warm-up and fewer samples per score (the Ray tests' time)."""
    return tiny_args(stages='["stage1"]', **{"stage1.problem.schedule.warmup_epochs": 0.25,
                                             "stage1.problem.metrics.n_samples": 64,
                                             "stage1.problem.metrics.batch_size": 64, **changes})


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """Stage 1 of the tiny small problem through the CLI on the local runner."""
    out = tmp_path_factory.mktemp("local") / "run"
    assert main(["search", str(SMALL), "--out", str(out), "--quiet", *stage1_args()]) == 0
    return out / "stage1"


def assert_same_tables(a: Path, b: Path, names=("results.csv", "population.csv")) -> None:
    for name in names:
        pd.testing.assert_frame_equal(pd.read_csv(a / name).drop(columns=["score_time_s"], errors="ignore"),
                                      pd.read_csv(b / name).drop(columns=["score_time_s"], errors="ignore"), obj=name)


def test_two_actors_score_as_the_local_runner_and_a_dead_actor_is_restarted(ray_cluster, local_run, tmp_path):
    config = load_run_config(SMALL, parse_overrides([a for a in stage1_args() if a != "--set"]))
    problem = GANSearchProblem(config.stage1.problem.replace(**RAY), progress=False)
    local = pd.read_csv(local_run / "results.csv")
    offspring = local[local["kind"] == "offspring"]["genotype"].iloc[5]  # scored in generation 2
    doomed = problem.space.to_genotype(np.zeros(problem.n_var, int))
    assert problem.space.key(doomed) not in set(local["genotype"])
    problem.runner = RayRunner(ParallelConfig(**RAY, max_retries=1),
                               fault=Crash(tmp_path, once=[np.array(offspring.split("-"), int)], always=[doomed]))
    a = config.stage1.algorithm
    algorithm = nsga2(pop_size=a.pop_size, prob_crossover=a.prob_crossover, prob_mutation=a.prob_mutation)
    run_search(problem, algorithm, a.n_gen, tmp_path / "stage1", seed=config.seed)
    assert len(problem.runner.actors) == 2 and (tmp_path / offspring).exists()  # an actor died mid-round
    assert_same_tables(tmp_path / "stage1", local_run)  # and its candidate was scored again, as locally
    # a candidate that kills every actor it meets is marked failed once its retries are spent (none here: the test
    # then waits for no restarted actor); the others are scored
    problem.runner.parallel = dataclasses.replace(problem.runner.parallel, max_retries=0)
    version = problem.trainer.weights_version
    good, bad = problem._scored_batch([problem.space.sample(np.random.default_rng(0), 1)[0], doomed], version,
                                      "offspring")
    assert bad["failure"] == "worker died while scoring (1 tries)" and bad["F0"] == 1e12
    assert good["failure"] == "" and np.isfinite(good["F0"]) and good["score_time_s"] > 0
    problem.runner.close()


@pytest.mark.slow  # ~75 s on 2 busy cores: the stage-2 driver-kill test below proves the resume on new actors by
# default; this one adds stage-1 scoring and the CLI route
def test_a_killed_driver_resumes_on_new_actors_to_the_same_results(ray_cluster, local_run, tmp_path):
    args = stage1_args(**{"stage1.problem.runner": '"ray"', "stage1.problem.actors": 2,
                          "stage1.problem.gpus_per_actor": 0, "stage1.problem.address": f'"{ray_cluster}"'})
    out = tmp_path / "ray"
    command = [sys.executable, str(KILLER), "checkpoint", "2", "--", "search", str(SMALL), "--out", str(out),
               "--quiet", *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert (out / "stage1" / "checkpoint.pt").exists() and not (out / "stage1" / "pareto.csv").exists()
    assert main(["search", str(SMALL), "--out", str(out), "--quiet", *args]) == 0
    assert_same_tables(out / "stage1", local_run, ("results.csv", "population.csv", "pareto.csv"))


def test_ray_settings_are_checked_and_routed():
    assert GANSearchProblem(runner="ray", actors=2).parallel == ParallelConfig(runner="ray", actors=2)
    with pytest.raises(ValueError, match="allowed: local, ray"):
        GANSearchProblem(runner="dask")
    with pytest.raises(ValueError, match="cannot score a sparse supernet"):
        GANSearchProblem(runner="ray", sparse=SparseConfig(total_steps=10))


@pytest.fixture(scope="module")
def stage2_local(tmp_path_factory):
    """``(problem, directory)`` of the tiny stage-2 search with synchronous pairs trained in this process."""
    out = tmp_path_factory.mktemp("stage2") / "local"
    return stage2_search(stage2_problem(), out).problem, out


def test_stage_2_pairs_on_two_actors_give_the_local_results_though_an_actor_dies(ray_cluster, stage2_local, tmp_path):
    local, local_dir = stage2_local
    offspring = pd.read_csv(local_dir / "results.csv").query("kind == 'offspring'")["genotype"].iloc[1]
    remote = stage2_problem(**RAY)
    doomed = remote.space.to_genotype(np.zeros(remote.n_var, int))
    assert remote.space.key(doomed) not in set(local.results()["genotype"])
    remote.runner = RayRunner(ParallelConfig(**RAY, max_retries=1),
                              fault=CrashOnPair(tmp_path, once=[offspring], always=[remote.space.key(doomed)]))
    res_remote = stage2_search(remote, tmp_path / "ray")
    assert len(remote.runner.actors) == 2 and remote.trainer._worker is None  # the pairs trained on the actors
    assert (tmp_path / f"died-{offspring}").exists()  # an actor died training a pair mid-round ...
    assert local.trainer.weights_version == remote.trainer.weights_version == 3  # warm-up, the initial round, one more
    assert_same_tables(tmp_path / "ray", local_dir)  # ... and its pair was trained again, as locally
    for a, b in [(local.trainer.supernet, remote.trainer.supernet), (local.trainer.copies, remote.trainer.copies)]:
        states = [m.state_dict() if hasattr(m, "state_dict") else {k: p.G.state_dict() for k, p in m.items()}
                  for m in (a, b)]
        assert pickle_equal(*states)
    # a pair that kills every actor it meets fails for the round once its retries are spent (none here: the test then
    # waits for no restarted actor), as a pair whose training failed locally: its updates are dropped, the other pairs
    # train, and it is scored as failed
    remote.runner.parallel = dataclasses.replace(remote.runner.parallel, max_retries=0)
    other = res_remote.pop.get("X")[0]
    before = copy.deepcopy(remote.trainer.supernet.state_dict())
    remote.train_round([other, doomed])
    assert remote.trainer.failures == {remote.space.key(doomed): "worker died while training (1 tries)"}
    assert not pickle_equal(before, remote.trainer.supernet.state_dict())  # the other pair's update
    good, bad = remote._scored_batch([other, doomed], remote.trainer.weights_version, "offspring")
    assert bad["failure"] == "worker died while training (1 tries)" and bad["F0"] == 1e12
    assert good["failure"] == "" and np.isfinite(good["F0"])
    remote.runner.close()


def test_a_driver_killed_in_stage_2_resumes_on_new_actors_to_the_same_results(ray_cluster, stage2_local, tmp_path):
    out = tmp_path / "ray"
    command = [sys.executable, str(KILLER), "stage2-score", "6", "--", "tiny-stage2", str(out), ray_cluster]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert (out / "checkpoint.pt").exists()
    assert set(pd.read_csv(out / "population.csv")["generation"]) == {1}  # killed in generation 2, after its round
    stage2_search(stage2_problem(**RAY, address=ray_cluster), out)
    assert_same_tables(out, stage2_local[1])


def pickle_equal(a, b) -> bool:
    """Nested dicts of tensors with equal keys and bitwise equal values."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(pickle_equal(a[k], b[k]) for k in a)
    return torch.equal(a, b)


def test_class_score_objectives_with_a_feature_only_extractor_are_refused_before_actors_start(ray_cluster, tmp_path):
    weights = save_random_clip_weights(tmp_path / "tiny_clip.pt", seed=0)
    problem = GANSearchProblem(extractor="clip", clip_weights=str(weights), objectives=("fd", "score"),
                               progress=False, **RAY)
    problem.runner = runner = RayRunner(ParallelConfig(**RAY))
    with pytest.raises(ValueError, match="'cs_.*' needs class logits, but extractor 'clip.*' gives features only"):
        problem.evaluate(problem.space.sample(np.random.default_rng(0), 2))
    assert not runner.actors  # refused from the settings: no actor started (nor built a scorer) for nothing


def test_stage_2_on_ray_needs_synchronous_pairs():
    with pytest.raises(ValueError, match="runner='ray' trains stage-2 pairs in parallel only with "
                                         "pairs='synchronous'"):
        DiscriminatorSearchProblem(torch.nn.Linear(1, 1), runner="ray")


def retrain_tiny_pairs(out: Path, n_pairs: int, **parallel):
    """The retrain stage of the tiny small problem on ``n_pairs`` tiny pairs (a sampled G against a searched D, then
    against the fixed D, again) into ``out``; returns the table's rows and ``final.csv``."""
    config = load_run_config(SMALL, parse_overrides([a for a in tiny_args(**{
        "retrain.epochs": 0.5, "retrain.eval_every": 0.25, "retrain.select_samples": 64, "retrain.n_samples": 64,
        "stage1.problem.metrics.n_samples": 64, "stage1.problem.metrics.batch_size": 64}) if a != "--set"]))
    c1 = config.stage1.problem
    g_arch = make_generator_space(c1).decode(make_generator_space(c1).sample(np.random.default_rng(3)))
    d_arch = EAGANDiscriminatorSpace(DiscriminatorMacro(8, 1, 16)).decode([0, 1, 1, 1, 1, 1, 0] * 3)
    pairs = [(g_arch, d_arch, {"genotype": "searched", "d_params": 1.0}), (g_arch, None, {})] * 2
    retrain_config = dataclasses.replace(config.retrain, parallel=ParallelConfig(**parallel))
    rows = _retrain_pairs(config, retrain_config, pairs[:n_pairs], c1, "g", lambda i: out / f"pair{i}",
                          out / "export", out, fresh=False, progress=False)
    return rows, pd.read_csv(out / "final.csv")


def test_chosen_pairs_retrained_on_two_actors_give_the_local_table_and_generators(ray_cluster, tmp_path, monkeypatch):
    _, local = retrain_tiny_pairs(tmp_path / "local", 2)
    parallel = ParallelConfig(**RAY, max_retries=0)
    runner = RayRunner(parallel, fault=CrashOnPair(tmp_path, always=["pair2"]))
    monkeypatch.setitem(runners._SHARED, parallel, runner)  # the runner make_runner gives, with a fault hook
    rows, remote = retrain_tiny_pairs(tmp_path / "ray", 3, **RAY, max_retries=0)
    assert (tmp_path / "died-pair2").exists() and not runner.actors  # the pool is closed after retraining
    # the failed row makes the integer columns float
    pd.testing.assert_frame_equal(remote.iloc[:2].drop(columns="failure"), local, check_dtype=False)
    assert rows[2]["failure"] == "worker died while retraining (1 tries)" and remote["failure"].iloc[:2].isna().all()
    assert not (tmp_path / "ray" / "export" / "generator_2.pt").exists()
    for i in range(2):
        a, b = (load_generator(tmp_path / run / "export" / f"generator_{i}.pt") for run in ("local", "ray"))
        assert pickle_equal(a.state_dict(), b.state_dict())


# ---- coarse-to-fine levels scored on actors ---------------------------------------------------------------------
C2F_TINY = dict(channels=8, n_blocks=3, supernet_steps=2, pop_size=4, n_gen=2, n_eval=16)


def c2f_levels(settings: C2FSettings) -> list[tuple]:
    """``[(results table without timing, front architectures, front scores)]`` per level of a tiny c2f search."""
    levels = search_levels(settings, train_supernet(settings))
    return [(p.results().drop(columns="score_time_s"), [str(a) for a in f.archs], f.scores) for f, p, _ in levels]


def test_c2f_levels_scored_on_two_actors_give_the_local_tables(ray_cluster, tmp_path, monkeypatch, single_thread):
    local = c2f_levels(C2FSettings(**C2F_TINY))
    parallel = ParallelConfig(**RAY, max_retries=0)
    settings = C2FSettings(**C2F_TINY, parallel=parallel)
    space = C2FSpace(settings.macro())
    good, doomed = space.encode(space.default_arch()), np.zeros(space.n_var, int)
    assert space.key(doomed) not in {g for table, _, _ in local for g in table["full_genotype"]}
    runner = RayRunner(parallel, fault=Crash(tmp_path, always=[doomed]))
    monkeypatch.setitem(runners._SHARED, parallel, runner)  # the runner make_runner gives, with a fault hook
    # a genotype that kills its actor is a failed row (the actor is restarted); the others are scored as locally
    supernet = C2FSupernet(settings.macro(), generator=torch.Generator().manual_seed(0))
    flat = C2FProblem(space, supernet, *evaluation_pairs(settings), runner=runner, job=C2FScoring(settings, "cpu"))
    flat.evaluate(np.stack([doomed, good]))
    failed = flat.row(doomed)
    assert failed["failed"] and failed["failure"] == "worker died while scoring (1 tries)"
    assert C2FProblem(space, supernet, *evaluation_pairs(settings)).scores(good) == flat.scores(good)
    remote = c2f_levels(settings)  # on the same actors (the same job), the restarted one included
    assert not runner.actors  # the pool closed after the last level
    for (a, archs_a, scores_a), (b, archs_b, scores_b) in zip(local, remote, strict=True):
        pd.testing.assert_frame_equal(a, b)
        assert archs_a == archs_b and all(np.array_equal(scores_a[k], scores_b[k]) for k in scores_a)


# ---- a differentiable search's derived architectures scored on actors ------------------------------------------------
@pytest.mark.slow  # 34 s, mostly starting actors: the default Ray tests stay under 3 minutes
def test_a_differentiable_search_scores_its_derived_architectures_on_the_actors(ray_cluster, tiny, single_thread):
    """AlphaGAN (s) trains its relaxed supernet here; the architectures derived from it (2 per epoch) are scored on
    the actors, on snapshots of the relaxed supernet (one per epoch) that their single-path supernet loads: the local
    scores."""
    tables, remote = {}, []
    for runner in ("local", "ray"):
        problem = GANSearchProblem(progress=False, **tiny, **(RAY if runner == "ray" else {}))
        if runner == "ray":  # count the genotypes the actors score
            def counted(job, token, snapshot, genotypes, score=problem.runner.score):
                remote.extend(genotypes)
                return score(job, token, snapshot, genotypes)

            problem.runner.score = counted
        algorithm = AlphaGAN("s", inner_steps=4, worst_steps=2, outer_steps=2, n_critic=1, pop_size=2)
        minimize(problem, algorithm, ("n_gen", 2), seed=1)
        tables[runner] = problem.results().drop(columns="score_time_s")
    problem.runner.close()
    assert len(tables["local"]) >= 2 and (tables["local"]["failure"] == "").all()
    assert len(remote) == len(tables["ray"])  # every derived architecture was scored on the actors
    pd.testing.assert_frame_equal(tables["local"], tables["ray"])
