"""The small two-stage problem through the command line: stage 1 -> stage 2 -> short retrain -> export -> reload."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from tiny_run import SMALL, tiny_args

from pymoo_gan import load_generator
from pymoo_gan.cli import main


def test_two_stage_run_writes_every_stage(small_run):
    for name in ("run.json", "summary.json", "final.csv", "final.tex", "stage1/selection.json",
                 "stage1/pareto.tex", "stage1/pareto_3d.png", "stage1/hypervolume.png", "stage1/arch_0.png",
                 "stage2/generator_in.pt", "stage2/pareto.csv", "stage2/samples.png",
                 "retrain/pair0/history.csv", "export/final/generator_0.pt", "export/final/samples.png"):
        assert (small_run / name).is_file(), name
    assert len(list((small_run / "export/stage1").glob("g*.pt"))) == len(pd.read_csv(small_run / "stage1/pareto.csv"))
    summary = json.loads((small_run / "summary.json").read_text())
    assert summary["stages"] == ["stage1", "stage2", "retrain"]
    # G* is the stage-1 Pareto member the knee rule picks, and it is the generator stage 2 searched a D for
    stage2_in = load_generator(small_run / "stage2/generator_in.pt")
    assert stage2_in.export_metadata["genotype"] == summary["generator"]["genotype"]
    final = pd.read_csv(small_run / "final.csv")
    assert final.loc[0, "generator"] == summary["generator"]["genotype"]
    assert final.loc[0, "discriminator"] in set(pd.read_csv(small_run / "stage2/pareto.csv")["genotype"])


def test_exported_generators_reload_with_plain_pytorch_and_sample(small_run):
    G = load_generator(small_run / "export/final/generator_0.pt")
    with torch.no_grad():
        x = G(torch.randn(5, G.latent_dim))
    assert x.shape == (5, 1, 16, 16) and float(x.abs().max()) <= 1.0
    payload = torch.load(small_run / "export/final/generator_0.pt", weights_only=True)  # plain PyTorch, no code
    assert payload["kind"] == "generator" and len(payload["genotype"]) == 21
    for path in (small_run / "export/stage1").glob("g*.pt"):
        assert load_generator(path)(torch.randn(2, 12)).shape == (2, 1, 16, 16)


def test_retrain_selects_the_checkpoint_on_held_out_data(small_run):
    history = pd.read_csv(small_run / "retrain/pair0/history.csv")
    scores = json.loads((small_run / "retrain/pair0/scores.json").read_text())
    held_out = history["fd_digits_cnn_test"].to_numpy()
    assert len(history) >= 2
    assert scores["selected_step"] == int(history["step"].iloc[int(np.argmin(held_out))])
    assert scores["n_samples"] == 256 and np.isfinite(scores["fd_digits_cnn"])


def test_rerunning_the_command_resumes_without_redoing_work(small_run, capsys):
    kept = (small_run / "stage1/checkpoint.pt", small_run / "retrain/pair0/state.pt")
    before = {p: p.stat().st_mtime_ns for p in kept}
    results = pd.read_csv(small_run / "stage1/results.csv")
    assert main(["search", str(SMALL), "--out", str(small_run), "--quiet", *tiny_args()]) == 0
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing retrained
    pd.testing.assert_frame_equal(pd.read_csv(small_run / "stage1/results.csv"), results)


def test_a_different_run_never_overwrites_the_directory(small_run, capsys):
    code = main(["search", str(SMALL), "--out", str(small_run), "--quiet",
                 *tiny_args(**{"stage1.algorithm.n_gen": 3})])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "holds a different run" in err and "stage1.algorithm.n_gen" in err
    assert "\n" not in err


def test_evaluate_rescores_an_exported_generator_like_the_run_reported(small_run, capsys):
    reported = json.loads((small_run / "retrain/pair0/scores.json").read_text())
    # the run's generation batch too: another batch shape changes the float sums (about 1e-9 relative)
    code = main(["evaluate", str(small_run / "export/final/generator_0.pt"), "--n-samples", "256", "--device", "cpu",
                 "--bn-batches", "2", "--batch-size", "128"])
    scores = json.loads(capsys.readouterr().out)
    assert code == 0 and scores["fd_digits_cnn"] == pytest.approx(reported["fd_digits_cnn"], rel=1e-9)
