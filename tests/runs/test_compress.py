"""DGL-GAN / STU-GAN where users reach them: the [retrain.dgl] / [retrain.sparse] / [stage1.problem.sparse] tables,
teachers from a run directory, and `pymoo-gan compress` on a finished tiny run."""

import dataclasses
import hashlib
import json

import numpy as np
import pytest
import torch
from tiny_run import SMALL

from pymoo_gan import GANSearchProblem
from pymoo_gan.cli import main
from pymoo_gan.metrics import count_nonzero_params, count_params
from pymoo_gan.nn.masks import conv_weights
from pymoo_gan.runs import load_run_config, run_config_from_dict
from pymoo_gan.runs.export import build_model, export_model, load_generator
from pymoo_gan.runs.teachers import load_teacher, run_pair
from pymoo_gan.training import SparseConfig, SparseTraining

FAST = ["--set", "retrain.epochs=1", "--set", "retrain.eval_every=0.5", "--set", "retrain.n_samples=128"]


def test_problem_tables_load():
    config = run_config_from_dict({"retrain": {"dgl": {"teacher": "train", "weight": 0.5, "start_epoch": 10},
                                               "sparse": {"mode": "static", "density_g": 0.2, "density_d": 0.4}},
                                   "stage1": {"problem": {"sparse": {"density_g": 0.5, "total_steps": 100}}}})
    assert config.retrain.dgl.weight == 0.5 and config.retrain.dgl.start_step(per_epoch=2.0) == 20
    assert (config.retrain.sparse.mode, config.retrain.sparse.density_g) == ("static", 0.2)
    assert config.stage1.problem.sparse.hook(seed=1).total_steps == 100
    assert run_config_from_dict({}).retrain.dgl is None and run_config_from_dict({}).retrain.sparse is None


@pytest.mark.parametrize("table,message", [
    ({"sparse": {"density_g": 1.5}}, "retrain.sparse: density_g=1.5 must be in (0, 1]"),
    ({"sparse": {"mode": "gmp"}}, "retrain.sparse: mode='gmp' is not one of"),
    ({"sparse": {"update_every": 0}}, "update_every=0 must be a positive integer"),
    ({"sparse": {"prune_rate": 0.1, "final_prune_rate": 0.2}}, "need 0 <= final <= start <= 1"),
    ({"sparse": {"density": 0.2}}, "retrain.sparse.density: unknown key; valid: density_d, density_g"),
    ({"dgl": {"weight": -1}}, "retrain.dgl: weight=-1"),
    ({"dgl": {"start_epoch": -2}}, "start_epoch=-2.0 must be >= 0"),
    ({"dgl": {"teacher": ""}}, "teacher='' must be 'train'"),
    ({"dgl": {"weight": "high"}}, "retrain.dgl.weight must be a number"),
])
def test_problem_tables_reject_bad_values_in_one_line(table, message):
    with pytest.raises(ValueError) as info:
        run_config_from_dict({"retrain": table})
    assert message in str(info.value) and "\n" not in str(info.value)


def test_dynamic_supernet_sparsity_needs_a_horizon():
    with pytest.raises(ValueError, match="total_steps must be set"):
        SparseConfig().hook()


def test_relative_teacher_path_is_taken_from_the_problem_file(tmp_path):
    problem = tmp_path / "p.toml"
    problem.write_text(SMALL.read_text() + '\n[retrain.dgl]\nteacher = "runs/big"\n')
    assert load_run_config(problem).retrain.dgl.teacher == str(tmp_path / "runs" / "big")


def test_sparse_supernet_candidates_get_sparse_costs():
    problem = GANSearchProblem(latent_dim=12, g_channels=8, d_channels=8, warmup_epochs=0.1, n_samples=64,
                               batch_size=64, bn_batches=1, device="cpu", objectives=("fd", "nnz_params"),
                               sparse=SparseConfig(mode="static", density_g=0.3, density_d=0.5))
    problem.warmup()
    rows = [problem.score(x) for x in problem.space.sample(np.random.default_rng(0), 2)]
    assert len(rows) == 2 and all(r["nnz_params"] < r["params"] and r["sparse_macs"] < r["macs"] for r in rows)
    sparse = next(h for h in problem.trainer.gan.hooks if isinstance(h, SparseTraining))
    weights = conv_weights(problem.trainer.supernet)
    assert all(int(weights[k].count_nonzero()) <= int(m.sum()) for k, m in sparse.masks_g.items())


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_compress_trains_a_smaller_sparse_student_and_leaves_the_teacher_alone(small_run, tmp_path):
    before = _digest(small_run / "retrain")
    teacher_d = {k: v.clone() for k, v in load_teacher(small_run).state_dict().items()}
    out = tmp_path / "half"
    assert main(["compress", str(small_run), "--out", str(out), "--density", "0.3", "--start-epoch", "0.5",
                 "--quiet", *FAST]) == 0
    assert _digest(small_run / "retrain") == before  # the teacher's files are only read
    assert all(torch.equal(v, teacher_d[k]) for k, v in load_teacher(small_run).state_dict().items())

    summary = json.loads((out / "summary.json").read_text())
    teacher, student = summary["comparison"]
    assert student["params"] < teacher["params"] and student["nnz_params"] < student["params"]
    assert student["nnz_params"] < teacher["nnz_params"] and student["sparse_macs"] < teacher["macs"]
    assert student["d_params"] < teacher["d_params"] and summary["dgl"]["weight"] == 0.1
    G = load_generator(out / "generator.pt")  # zeros stay zeros in the export; metadata reports them
    assert count_nonzero_params(G) == G.export_metadata["nnz_params"] < count_params(G)
    assert G.arch.macro.channels == run_pair(small_run)["g_arch"].macro.channels // 2
    assert 0.2 < G.export_metadata["g_density"] < 0.4
    assert (out / "comparison.csv").is_file() and (out / "comparison.tex").is_file()
    with torch.no_grad():
        assert torch.isfinite(G(torch.randn(2, G.latent_dim))).all()


def test_compress_rejects_a_teacher_for_other_images_in_one_line(small_run, tmp_path, capsys):
    d_arch = run_pair(small_run)["d_arch"]
    d_arch = dataclasses.replace(d_arch, macro=dataclasses.replace(d_arch.macro, resolution=32))
    path = export_model(build_model(d_arch), tmp_path / "d32.pt")
    assert main(["compress", str(small_run), "--out", str(tmp_path / "x"), "--teacher", path, "--quiet", *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert "built for 1x32x32 images; the student's are 1x16x16 images" in err and "\n" not in err


def test_compress_needs_a_finished_pair(small_run, tmp_path, capsys):
    assert main(["compress", str(small_run), "--out", str(tmp_path / "x"), "--pair", "3", "--quiet"]) == 2
    assert "has no finished retrained pair 3" in capsys.readouterr().err
