"""``pymoo-gan search`` on a coarse-to-fine problem file: the shipped file loads, a tiny run writes its fronts, plot,
exports and summary, a directory of other settings is refused, and bad keys are named."""

import json
import re

import pandas as pd
import pytest
import torch

from pymoo_gan.cli import main
from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.runs.c2f_run import is_c2f_file, load_c2f_config
from pymoo_gan.runs.export import load_model

pytestmark = pytest.mark.usefixtures("single_thread")

FILE = "problems/c2f_sr_digits.toml"
TINY = ["search.supernet_steps=2", "search.pop_size=4", "search.n_gen=1", "search.n_eval=16",
        "search.finetune_steps=1", "search.channels=8", "search.n_blocks=3", "retrain_steps=2"]


def test_the_shipped_file():
    config = load_c2f_config(FILE)
    assert is_c2f_file(FILE) and not is_c2f_file("problems/small_cpu.toml")
    assert (config.search.task.task, config.search.task.scale, config.search.supernet_steps) == ("sr", 2, 300)
    assert config.search.train.g_lr == 1e-3 and config.search.train.g_batch_size == 32  # table over its defaults


def test_the_translation_file_names_only_its_task():
    """A task table that names another task does not inherit the default task's x2 scale."""
    task = load_c2f_config("problems/c2f_edges_digits.toml").search.task
    assert (task.task, task.scale, task.factor, task.input_resolution) == ("edges", None, 1, 16)
    sr = load_c2f_config(FILE, {"search.task.scale": 4}).search.task
    assert (sr.factor, sr.input_resolution) == (4, 4)


def test_search_command_runs_the_pipeline(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["search", FILE, "--out", str(out)] + [a for item in TINY for a in ("--set", item)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "coarse-to-fine" in printed and "bicubic: psnr=" in printed
    fronts = pd.read_csv(out / "fronts.csv")
    assert list(dict.fromkeys(fronts["level"])) == ["path", "op", "width"]
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["exports"]) == (fronts["level"] == "width").sum()
    net = load_model(summary["exports"][0])
    first = fronts[fronts["level"] == "width"].iloc[0]
    assert str(net.arch) == first["arch"] and net.export_metadata["psnr"] == pytest.approx(first["psnr"])
    with torch.no_grad():
        assert net(torch.zeros(1, 1, 8, 8)).shape == (1, 1, 16, 16)
    assert load_model(summary["retrained"]["file"]).arch is not None and (out / "fronts.png").stat().st_size > 0
    other = ["search", FILE, "--out", str(out)] + [a for item in TINY[:-1] + ["retrain_steps=0"]
                                                   for a in ("--set", item)]
    assert main(other) != 0
    err = capsys.readouterr().err.strip()
    assert "holds a different run (settings differ: retrain_steps); choose another --out" in err and "\n" not in err
    assert main(other + ["--fresh"]) != 0  # --fresh starts this run over, never another run's directory
    assert main(args + ["--fresh"]) == 0 and "retrained" in json.loads((out / "summary.json").read_text())


def test_bad_keys_are_named(tmp_path):
    with pytest.raises(ValueError, match="search.supernet_step: unknown key; valid: channels"):
        load_c2f_config(FILE, {"search.supernet_step": 2})
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "coarse_to_fine"\n[search.task]\ntask = "colour"\n')
    with pytest.raises(ValueError, match="task='colour' is unknown; allowed: sr, edges, folder"):
        load_c2f_config(bad)


def test_parallel_section_says_where_levels_score():
    assert load_c2f_config(FILE).search.parallel == ParallelConfig()  # local unless the file asks for Ray
    parallel = load_c2f_config(FILE, {"search.parallel.runner": "ray", "search.parallel.actors": 2}).search.parallel
    assert parallel == ParallelConfig(runner="ray", actors=2)
    for key, value, message in [("runner", "dask", "search.parallel: runner='dask' is unknown; allowed: local, ray"),
                                ("actors", -1, "search.parallel: actors=-1 must be an integer >= 0"),
                                ("nodes", 2, "search.parallel.nodes: unknown key; valid: actors, address")]:
        with pytest.raises(ValueError, match=re.escape(message)) as e:
            load_c2f_config(FILE, {f"search.parallel.{key}": value})
        assert "\n" not in str(e.value)
