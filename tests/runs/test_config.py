import re
from pathlib import Path

import pandas as pd
import pytest

from pymoo_gan.runs import SelectionConfig, load_run_config, rank, run_config_from_dict
from pymoo_gan.runs.c2f_run import is_c2f_file, load_c2f_config

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.toml"))


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_every_problem_file_loads(path):
    if is_c2f_file(path):  # a coarse-to-fine file has its own loader (tests/runs/test_c2f_cli.py)
        assert load_c2f_config(path).search.pop_size >= 2
        with pytest.raises(ValueError, match="is a coarse-to-fine problem file; read it with load_c2f_config"):
            load_run_config(path)
        return
    config = load_run_config(path)
    assert config.stages[0] == "stage1" and config.stage1.algorithm.pop_size >= 2


def test_eagan_protocol_values():
    c = load_run_config(PROBLEMS[0].with_name("eagan_cifar10.toml"))
    p = c.stage1.problem
    m = p.model
    assert (m.latent_dim, m.g_channels, p.bottom_width, m.d_channels, p.metrics.n_samples) == (120, 256, 4, 128, 5000)
    assert (c.stage1.algorithm.pop_size, c.stage1.algorithm.prob_crossover, c.stage1.algorithm.prob_mutation) == (
        32, 0.3, 0.5)
    assert c.stage2.problem.train.n_critic == 5 and c.stage2.problem.reset == "best"
    r = c.retrain
    assert (r.train.loss, r.train.n_critic, r.train.ema_decay, r.n_samples, r.epochs) == ("hinge", 5, 0.999, 50000, 600)
    assert r.select_split == "test"


def test_a_table_changes_only_the_keys_it_names():
    c = run_config_from_dict({"stage1": {"problem": {"train": {"g_lr": 1e-4}}}})
    assert c.stage1.problem.train.g_lr == 1e-4
    assert c.stage1.problem.train.ema_decay == 0.999 and c.stage1.problem.train.g_batch_size == 32  # kept


@pytest.mark.parametrize("data,message", [
    ({"stage1": {"problem": {"warmup_epochs": 1}}},
     "warmup_epochs: unknown key (it belongs in the stage1.problem.schedule table)"),
    ({"stage1": {"problem": {"schedule": {"warmup_epoch": 1}}}},
     "stage1.problem.schedule.warmup_epoch: unknown key; valid: round_epochs"),
    ({"stage1": {"problem": {"model": {"latent_dim": 2.5}}}},
     "stage1.problem.model.latent_dim must be an integer, got 2.5"),
    ({"stage1": {"problem": {"data": {"download": "yes"}}}}, "stage1.problem.data.download must be true or false"),
    ({"stage1": {"problem": "cifar10"}}, "stage1.problem must be a table of SearchConfig settings"),
    ({"stage2": {"problem": {"train": {"n_critic": 0}}}}, "stage2.problem.train: n_critic=0 must be a positive"),
    ({"stage1": {"algorithm": {"pop_size": 1}}}, "pop_size=1 is too small"),
    ({"stages": ["stage1", "retrain", "stage2"]}, "must keep the order"),
    ({"stage1": {"select": {"rule": "median"}}}, "rule='median' is unknown; allowed: knee, best"),
    ({"retrain": {"select_split": "train"}}, "select_split='train' would select on the reported data"),
])
def test_bad_settings_name_the_field(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        run_config_from_dict(data)


def test_relative_data_root_is_relative_to_the_problem_file(tmp_path):
    (tmp_path / "p.toml").write_text('[stage1.problem.data]\ndataset = "image_folder"\nroot = "imgs"\n')
    assert load_run_config(tmp_path / "p.toml").stage1.problem.data.root == str(tmp_path / "imgs")


def test_selection_rules():
    front = pd.DataFrame({"F0": [10.0, 12.0, 30.0], "F1": [9.0, 3.0, 1.0], "params": [9e6, 5e6, 2e6]})
    columns = {"fd": "F0", "params": "F1"}
    assert rank(front, SelectionConfig("knee"), columns)[0] == 1
    assert rank(front, SelectionConfig("best", objective="fd"), columns) == [0, 1, 2]
    assert rank(front, SelectionConfig("best", objective="fd", budget={"params": 4e6}), columns) == [2]
    with pytest.raises(ValueError, match="no member of the Pareto set is within the budget"):
        rank(front, SelectionConfig("knee", budget={"params": 1e6}), columns)
    with pytest.raises(ValueError, match="not a score of this search"):
        rank(front, SelectionConfig("knee", budget={"macs": 1e6}), columns)


def test_eagan_stl10_is_the_paper_protocol_search_on_cifar10_retrain_on_stl10():
    c = load_run_config(PROBLEMS[0].with_name("eagan_stl10.toml"))
    cifar = load_run_config(PROBLEMS[0].with_name("eagan_cifar10.toml"))
    assert c.stage1 == cifar.stage1 and c.stage2 == cifar.stage2  # the search is the CIFAR-10 one
    t = c.retrain.transfer
    assert (t.dataset, t.resolution) == ("stl10", 48) and t.root == cifar.stage1.problem.data.root
    assert (c.retrain.train.g_batch_size, c.retrain.train.d_batch_size) == (128, 64)
    searched = load_run_config(PROBLEMS[0].with_name("eagan_stl10_searched.toml"))
    assert searched.stage1.problem.data.dataset == "stl10" and searched.retrain.transfer is None


def test_a_stage_names_its_algorithm():
    config = run_config_from_dict({"stage1": {"algorithm": {"name": "adversarialnas", "pop_size": 1}}})
    assert config.stage1.algorithm.name == "adversarialnas" and config.stage1.algorithm.differentiable
    assert run_config_from_dict({}).stage1.algorithm.name == "nsga2"
    with pytest.raises(ValueError, match="allowed: nsga2, random_search, adversarialnas, alphagan"):
        run_config_from_dict({"stage1": {"algorithm": {"name": "darts"}}})
    with pytest.raises(ValueError, match="generators only"):
        run_config_from_dict({"stage2": {"algorithm": {"name": "alphagan"}}})
    with pytest.raises(ValueError, match="at least 2"):
        run_config_from_dict({"stage1": {"algorithm": {"pop_size": 1}}})
