import json
import os

import numpy as np
import pandas as pd
import pytest

from pymoo_gan.cli import main, parse_overrides, search_settings
from pymoo_gan.problems import SearchConfig

TINY_SET = ["--set", "latent_dim=12", "--set", "g_channels=8", "--set", "d_channels=8", "--set", "warmup_epochs=0.5",
            "--set", "round_epochs=0.25", "--set", "n_samples=128", "--set", "batch_size=128"]


def test_demo_writes_results_table_and_pareto_plot(tmp_path, capsys):
    out = tmp_path / "demo"
    demo = ["demo", "--out", str(out), "--pop-size", "4", "--n-gen", "2", "--finetune-steps", "5", "--quiet", *TINY_SET]
    assert main(demo) == 0
    for name in ("results.csv", "pareto.csv", "pareto.png", "samples.png", "config.json", "run.json", "checkpoint.pt",
                 "summary.json", "finetune/generator.pt", "finetune/scores.json"):
        assert (out / name).stat().st_size > 0, name
    printed = capsys.readouterr().out
    assert "data: digits at 16x16, 1 channel" in printed and "trained" in printed and "standalone" in printed
    summary = json.loads((out / "summary.json").read_text())
    tuned = summary["finetune"]
    assert tuned["steps"] == 5 and tuned["fd_key"] == "fd_digits_cnn"
    assert np.isfinite(tuned["fd_digits_cnn"]) and np.isfinite(tuned["fd_digits_cnn_supernet"])
    assert summary["extractor"]["name"] == "digits_cnn" and summary["extractor"]["classes"] == 10
    assert "warning" not in summary["extractor"]
    # the same command resumes: nothing is trained again; other settings are refused with one line
    kept = [out / "checkpoint.pt", out / "finetune/generator.pt"]
    before = [p.stat().st_mtime_ns for p in kept]
    assert main(demo) == 0 and [p.stat().st_mtime_ns for p in kept] == before
    capsys.readouterr()
    assert main([*demo[:6], "3", *demo[7:]]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "holds a different run" in err and "n_gen" in err
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 4 + 4 + 4 and {"arch", "fd_digits_cnn", "params", "weights_version"} <= set(table.columns)
    front = pd.read_csv(out / "pareto.csv")
    assert 1 <= len(front) <= 4 and front["weights_version"].nunique() == 1
    assert "pareto.png" in (out / "report.html").read_text()
    # plot redraws the figures, here as vector files too, and rewrites the page
    assert main(["plot", str(out), "--format", "png", "--format", "pdf"]) == 0
    assert (out / "pareto.pdf").read_bytes().startswith(b"%PDF") and "pareto.pdf" in (out / "report.html").read_text()
    assert main(["plot", str(tmp_path / "nothing_here")]) == 2


def test_bad_setting_is_one_line_and_nonzero(tmp_path, capsys):
    code = main(["demo", "--out", str(tmp_path / "x"), "--quiet", "--set", "warmup_epoch=1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "valid:" in err
    assert not os.path.exists(tmp_path / "x" / "results.csv")


def test_overrides_parse_toml_literals():
    assert parse_overrides(["a=1", "b=0.5", "c=['fd', 'params']", "d=cpu"]) == {
        "a": 1, "b": 0.5, "c": ["fd", "params"], "d": "cpu"}
    assert parse_overrides(["train.ema_decay=0.99"]) == {"train.ema_decay": 0.99}


def test_demo_and_evaluate_settings_take_dotted_keys_like_search():
    config = search_settings(["train.ema_decay=0.99", "objectives=['fd', 'params']", "warmup_epochs=2"], device="cpu")
    assert config.train.ema_decay == 0.99 and config.train.g_lr == SearchConfig().train.g_lr  # only that key changes
    assert config.objectives == ("fd", "params") and config.schedule.warmup_epochs == 2.0 and config.device == "cpu"
    with pytest.raises(ValueError, match="unknown setting 'train.ema_decy'; valid: .*train.ema_decay"):
        search_settings(["train.ema_decy=0.99"])
