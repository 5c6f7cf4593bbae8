"""Kill a real ``pymoo-gan search`` process with SIGKILL at several points, re-run the same command, and get exactly
the results of an uninterrupted run; damaged checkpoints and concurrent runs are refused with a clear message."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tiny_run import SMALL, tiny_args

from pymoo_gan.cli import main
from pymoo_gan.runs import RunDirectory
from pymoo_gan.runs.config import load_run_config

KILLER = Path(__file__).with_name("killed_run.py")


def killed(point: str, count: int, out: Path, *args: str) -> None:
    command = [sys.executable, str(KILLER), point, str(count), "--", "search", str(SMALL), "--out", str(out),
               "--quiet", *tiny_args(), *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]


def table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).drop(columns=["score_time_s"], errors="ignore")


def assert_same_run(a: Path, b: Path) -> None:
    for name in ("stage1/results.csv", "stage1/pareto.csv", "stage1/population.csv", "stage2/results.csv",
                 "stage2/pareto.csv", "retrain/pair0/history.csv", "final.csv"):
        pd.testing.assert_frame_equal(table(a / name), table(b / name), obj=name)
    assert json.loads((a / "summary.json").read_text()) == json.loads((b / "summary.json").read_text())


@pytest.mark.parametrize("point,count", [
    # the two stage-1 kill points besides the checkpoint's are slow (~40 s each): the checkpoint case and the Ray
    # driver-kill test resume stage 1 in the default suite
    pytest.param("train", 5, marks=pytest.mark.slow),   # stage-1 warm-up, before any checkpoint
    pytest.param("score", 6, marks=pytest.mark.slow),   # scoring the offspring of stage-1 generation 2
    ("checkpoint", 2),     # the second checkpoint is written but not yet renamed into place
    ("stage2-score", 3),   # scoring the initial stage-2 population
    ("retrain", 2),        # between two retraining checkpoints
])
def test_a_killed_run_resumes_to_the_same_results(point, count, small_run, tmp_path):
    out = tmp_path / "run"
    killed(point, count, out)
    assert not (out / "summary.json").exists()
    assert main(["search", str(SMALL), "--out", str(out), "--quiet", *tiny_args()]) == 0
    assert_same_run(out, small_run)


def test_a_damaged_checkpoint_is_an_error_naming_it_and_fresh_starts_over(small_run, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["search", str(SMALL), "--out", str(out), "--quiet", *tiny_args(stages='["stage1"]')]
    assert main(args) == 0
    checkpoint = out / "stage1" / "checkpoint.pt"
    checkpoint.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])  # truncated
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert str(checkpoint) in err and "--fresh" in err and "\n" not in err
    assert main([*args, "--fresh"]) == 0
    pd.testing.assert_frame_equal(table(out / "stage1/results.csv"), table(small_run / "stage1/results.csv"))


def test_two_processes_never_share_a_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    config = load_run_config(SMALL, {k: v for k, v in []})
    with RunDirectory(out, config.to_dict()):  # another process holds the run
        code = main(["search", str(SMALL), "--out", str(out), "--quiet", *tiny_args()])
    err = capsys.readouterr().err
    assert code == 2 and "in use by another process" in err


def test_a_folder_that_is_not_a_run_is_never_written_into(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["search", str(SMALL), "--out", str(tmp_path), "--quiet", *tiny_args()]) == 2
    assert "holds no pymoo-gan run" in capsys.readouterr().err


def test_run_search_refuses_a_checkpoint_of_other_settings(tmp_path, tiny):
    from pymoo_gan import GANSearchProblem, nsga2
    from pymoo_gan.runs import run_search

    run_search(GANSearchProblem(progress=False, **tiny), nsga2(pop_size=4), 1, tmp_path, seed=1)
    other = GANSearchProblem(progress=False, **dict(tiny, g_channels=16))
    with pytest.raises(ValueError, match="written by a search with other settings"):
        run_search(other, nsga2(pop_size=4), 1, tmp_path, seed=1)
    res = run_search(other, nsga2(pop_size=4), 1, tmp_path, seed=1, fresh=True)
    assert res.problem.config.model.g_channels == 16
