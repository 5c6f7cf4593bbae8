"""`pymoo-gan retrain RUN_DIR`: retrain the chosen pairs of a finished run, with its settings or changed ones."""

import json
import shutil

import pandas as pd
import pytest

from pymoo_gan.cli import main


@pytest.fixture
def run_copy(small_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(small_run, out)
    return out


def test_retrain_with_the_runs_settings_resumes_its_own_retraining(run_copy, capsys):
    state = run_copy / "retrain/pair0/state.pt"
    before, final = state.stat().st_mtime_ns, pd.read_csv(run_copy / "final.csv")
    assert main(["retrain", str(run_copy), "--quiet"]) == 0
    assert state.stat().st_mtime_ns == before  # nothing trained again
    pd.testing.assert_frame_equal(pd.read_csv(run_copy / "final.csv"), final)
    assert f"done: {run_copy}/summary.json" in capsys.readouterr().out


def test_retrain_with_other_settings_writes_beside_the_run(run_copy, capsys):
    final = pd.read_csv(run_copy / "final.csv")
    assert main(["retrain", str(run_copy), "--quiet", "--set", "retrain.epochs=1", "--set", "n_samples=128"]) == 0
    folders = list(run_copy.glob("retrain_*"))
    assert len(folders) == 1
    folder = folders[0]
    for name in ("retrain.json", "pair0/scores.json", "export/generator_0.pt", "final.csv", "summary.json"):
        assert (folder / name).is_file(), name
    assert json.loads((folder / "retrain.json").read_text())["retrain"]["epochs"] == 1.0
    assert pd.read_csv(folder / "final.csv").loc[0, "n_samples"] == 128
    pd.testing.assert_frame_equal(pd.read_csv(run_copy / "final.csv"), final)  # the run's own results stay
    assert f"done: {folder}/summary.json" in capsys.readouterr().out


def test_retrain_refuses_search_settings_and_unfinished_runs(run_copy, tmp_path, capsys):
    assert main(["retrain", str(run_copy), "--quiet", "--set", "stage1.algorithm.n_gen=3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "only retrain.* settings" in err
    settings = json.loads((run_copy / "run.json").read_text())
    settings["stage1"]["algorithm"]["n_gen"] = 3  # as if the search had been stopped after 2 of 3 generations
    (run_copy / "run.json").write_text(json.dumps(settings))
    assert main(["retrain", str(run_copy), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "stage1 of" in err and "not finished (2 of 3 generations)" in err
    assert main(["retrain", str(tmp_path / "nothing"), "--quiet"]) == 2
    assert "no run.json" in capsys.readouterr().err
