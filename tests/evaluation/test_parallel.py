"""The runner setting: routed like any setting, checked in one line, and a clear install hint without Ray (these tests
need no Ray)."""

import importlib.util

import pytest

from pymoo_gan import GANSearchProblem
from pymoo_gan.cli import main
from pymoo_gan.evaluation import LocalRunner, ParallelConfig, make_runner
from pymoo_gan.problems.config import SearchConfig
from pymoo_gan.runs.config import run_config_from_dict


@pytest.fixture
def without_ray(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else find_spec(name, *a))


def test_the_runner_is_a_setting_beside_the_device():
    assert GANSearchProblem().parallel == ParallelConfig() and isinstance(GANSearchProblem().runner, LocalRunner)
    config = SearchConfig().replace(runner="ray", actors=2, **{"parallel.cpus_per_actor": 2})
    assert config.parallel == ParallelConfig(runner="ray", actors=2, cpus_per_actor=2.0)
    toml = {"stage1": {"problem": {"parallel": {"runner": "ray", "address": "auto", "gpus_per_actor": 0.5}}}}
    assert run_config_from_dict(toml).stage1.problem.parallel.gpus_per_actor == 0.5
    assert run_config_from_dict({}, {"stage1.problem.runner": "ray"}).stage1.problem.parallel.runner == "ray"


@pytest.mark.parametrize("settings,message", [
    (dict(runner="dask"), "runner='dask' is unknown; allowed: local, ray"),
    (dict(actors=-1), "actors=-1 must be an integer >= 0"),
    (dict(cpus_per_actor=0), "cpus_per_actor=0 must be > 0"),
    (dict(gpus_per_actor=-2), "gpus_per_actor=-2 must be >= 0"),
])
def test_bad_runner_settings_are_one_line_errors(settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        ParallelConfig(**settings)


def test_asking_for_ray_without_ray_says_how_to_install_it(without_ray, capsys, tmp_path):
    with pytest.raises(ValueError, match=r'pip install -e "\.\[ray\]"'):
        GANSearchProblem(runner="ray")
    with pytest.raises(ValueError, match="needs Ray"):
        make_runner(ParallelConfig(runner="ray"))
    assert isinstance(make_runner(ParallelConfig()), LocalRunner)  # the local runner needs nothing
    assert main(["search", "problems/small_cpu.toml", "--out", str(tmp_path / "run"), "--quiet",
                 "--set", 'stage1.problem.runner="ray"']) == 2
    err = capsys.readouterr().err.strip()
    assert 'pip install -e ".[ray]"' in err and "\n" not in err
