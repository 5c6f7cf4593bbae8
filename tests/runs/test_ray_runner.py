"""Stage-1 scoring on 2 Ray actors (a local Ray with logical CPUs): the same results as the local runner, an actor that
dies mid-round is restarted and its candidate scored again (or marked failed), a killed driver resumes to the same
results. Skipped without Ray (``pip install -e ".[ray]"``)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymoo.optimize import minimize
from tiny_run import SMALL, tiny_args

ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install -e ".[ray]"')

from pymoo_gan import GANSearchProblem, nsga2  # noqa: E402
from pymoo_gan.cli import main  # noqa: E402
from pymoo_gan.evaluation.parallel import ParallelConfig  # noqa: E402
from pymoo_gan.evaluation.ray_runner import RayRunner  # noqa: E402
from pymoo_gan.training.sparse import SparseConfig  # noqa: E402

KILLER = Path(__file__).with_name("killed_run.py")
RAY = dict(runner="ray", actors=2, cpus_per_actor=1.0, gpus_per_actor=0.0)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A local Ray with 2 logical CPUs (no dashboard, no auth token in the user's home); its workers import this
    folder's modules too (the fault hook below)."""
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    path = os.pathsep.join(p for p in (str(Path(__file__).parent), os.environ.get("PYTHONPATH")) if p)
    ray.init(num_cpus=2, num_gpus=0, include_dashboard=False, log_to_driver=False,
             _temp_dir=str(tmp_path_factory.mktemp("ray")), runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def search(tiny, **settings):
    problem = GANSearchProblem(progress=False, **tiny, **settings)
    minimize(problem, nsga2(pop_size=4), ("n_gen", 2), seed=1)
    return problem


def results(problem) -> pd.DataFrame:
    return problem.results().drop(columns=["score_time_s"])


_LOCAL: dict = {}


@pytest.fixture
def local_results(tiny, single_thread):
    """The results of the local runner (one search per module)."""
    if "results" not in _LOCAL:
        _LOCAL["results"] = results(search(tiny))
    return _LOCAL["results"]


class Crash:
    """A fault hook: the actor scoring a genotype of ``once`` dies the first time (a marker file remembers it across
    restarts); one scoring a genotype of ``always`` dies every time."""

    def __init__(self, folder, once=(), always=()):
        self.folder, self.once, self.always = str(folder), {tuple(g) for g in once}, {tuple(g) for g in always}

    def __call__(self, genotype):
        key = tuple(int(v) for v in genotype)
        marker = Path(self.folder, "-".join(map(str, key)))
        if key in self.always or (key in self.once and not marker.exists()):
            marker.touch()
            os._exit(1)


def test_two_actors_score_exactly_as_the_local_runner(cluster, local_results, tiny, single_thread):
    problem = search(tiny, **RAY)
    assert len(problem.runner.actors) == 2
    pd.testing.assert_frame_equal(results(problem), local_results)
    assert (problem.results()["score_time_s"] > 0).all()


def test_an_actor_that_dies_mid_round_is_restarted_and_the_search_finishes(cluster, local_results, tiny,
                                                                          single_thread, tmp_path):
    offspring = local_results[local_results["kind"] == "offspring"]["genotype"].iloc[5]  # generation 2
    crash_once = np.array(offspring.split("-"), dtype=int)
    problem = GANSearchProblem(progress=False, **tiny, **RAY)
    doomed = problem.space.to_genotype(np.zeros(problem.n_var, int))
    assert problem.space.key(doomed) not in set(local_results["genotype"])
    problem.runner = RayRunner(ParallelConfig(**RAY, max_retries=1),
                               fault=Crash(tmp_path, once=[crash_once], always=[doomed]))
    minimize(problem, nsga2(pop_size=4), ("n_gen", 2), seed=1)
    pd.testing.assert_frame_equal(results(problem), local_results)  # the retried candidate scored as locally
    assert (tmp_path / offspring).exists()  # its actor did die mid-round
    # a candidate that kills every actor it meets is marked failed after max_retries; the others are scored
    generation = problem.trainer.weights_version
    (bad, good) = problem._scored_batch([doomed, problem.space.sample(np.random.default_rng(0), 1)[0]], generation,
                                        "offspring")
    assert bad["failure"] == "worker died while scoring (2 tries)" and bad["F0"] == 1e12
    assert good["failure"] == "" and np.isfinite(good["F0"])
    problem.runner.close()


def test_a_killed_driver_resumes_on_new_actors_to_the_same_results(cluster, tmp_path):
    args = tiny_args(stages='["stage1"]', **{"stage1.problem.runner": '"ray"', "stage1.problem.actors": 2,
                                              "stage1.problem.gpus_per_actor": 0,
                                              "stage1.problem.address": f'"{cluster}"'})
    local, out = tmp_path / "local", tmp_path / "ray"
    assert main(["search", str(SMALL), "--out", str(local), "--quiet", *tiny_args(stages='["stage1"]')]) == 0
    command = [sys.executable, str(KILLER), "checkpoint", "2", "--", "search", str(SMALL), "--out", str(out),
               "--quiet", *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert (out / "stage1" / "checkpoint.pt").exists() and not (out / "stage1" / "pareto.csv").exists()
    assert main(["search", str(SMALL), "--out", str(out), "--quiet", *args]) == 0
    for name in ("stage1/results.csv", "stage1/pareto.csv", "stage1/population.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name).drop(columns=["score_time_s"], errors="ignore"),
                                      pd.read_csv(local / name).drop(columns=["score_time_s"], errors="ignore"),
                                      obj=name)


def test_ray_settings_are_checked_and_routed():
    assert GANSearchProblem(runner="ray", actors=2).parallel == ParallelConfig(runner="ray", actors=2)
    with pytest.raises(ValueError, match="allowed: local, ray"):
        GANSearchProblem(runner="dask")
    with pytest.raises(ValueError, match="cannot score a sparse supernet"):
        GANSearchProblem(runner="ray", sparse=SparseConfig(total_steps=10))
