"""``benchmarks/compare_strategies.py`` runs every strategy end to end at the smallest budget, appends one best-fd and
one hypervolume row per strategy, retrains the chosen and the published architectures with one recipe and writes
the table and figure."""

import csv

import numpy as np
import pytest
from benchmark_scripts import load_benchmark

pytestmark = pytest.mark.usefixtures("single_thread")


def test_compare_strategies_smallest_budget(tmp_path, capsys):
    out = tmp_path / "results.csv"
    script = load_benchmark("compare_strategies")
    figure, retrained, table = tmp_path / "fronts.png", tmp_path / "retrained.png", tmp_path / "table.md"
    rows = script.main(["--tiny", "--device", "cpu", "--out", str(out), "--seeds", "0", "--n-gen", "1",
                        "--g-steps", "2", "--figure", str(figure), "--retrained-figure", str(retrained),
                        "--table", str(table), "--retrain-steps", "2", "--retrain-samples", "32"])
    printed = capsys.readouterr().out
    assert f"appended {len(rows)} rows to {out}" in printed
    for path in (figure, retrained):
        assert path.stat().st_size > 0 and path.with_suffix(".pdf").read_bytes()[:4] == b"%PDF"
    with open(out, newline="") as f:
        written = list(csv.DictReader(f))
    names = sorted(r["benchmark"] for r in written)
    expected = [f"compare_{s}_{k}" for s in script.STRATEGIES for k in ("best_fd", "hv")]
    expected += [f"compare_{s}_retrained_fd" for s in (*script.STRATEGIES, *script.PUBLISHED.values())]
    assert names == sorted(expected)
    for row in written:
        assert row["device"] and float(row["value"]) >= 0 and "budget 2 G steps" in row["settings"]
    # every strategy's architecture and every published one is retrained and scored on the held-out split
    text = table.read_text()
    for label in (*script.LABELS.values(), *script.PUBLISHED):
        assert f"| {label} | 1 |" in text, label
    assert "failed" not in text
    retrained_rows = [r for r in written if r["benchmark"].endswith("_retrained_fd")]
    assert all(np.isfinite(float(r["value"])) and "held-out" in r["unit"] for r in retrained_rows)


def test_published_architectures_take_the_search_sizes():
    script = load_benchmark("compare_strategies")
    from pymoo_gan.metrics import count_params
    from pymoo_gan.runs.export import build_model
    from pymoo_gan.space.eagan import GeneratorMacro

    macro = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)
    sizes = {}
    for label, preset in script.PUBLISHED.items():
        arch = script.published_arch(preset, macro)
        assert arch.macro == macro, label
        net = build_model(arch)
        assert net.arch.macro.resolution == 16
        sizes[label] = count_params(net)
    assert len(set(sizes.values())) == len(sizes)  # the cells differ, so the sizes do


def test_retrain_recipe_takes_exactly_the_steps():
    import math

    script = load_benchmark("compare_strategies")
    for steps, n_images in ((100, 1347), (2, 1347), (7, 50_000), (250, 64)):
        recipe = script.retrain_recipe(steps, 32, n_images)
        per_epoch = n_images / (recipe.train.d_batch_size * recipe.train.n_critic)
        assert math.ceil(recipe.epochs * per_epoch) == steps
        assert recipe.eval_start == recipe.eval_every == recipe.epochs  # one checkpoint: nothing is selected


@pytest.mark.parametrize("retrain_steps", [0, pytest.param(2, marks=pytest.mark.slow)])
def test_the_jobs_on_two_ray_actors_give_the_local_rows(retrain_steps, ray_cluster, tmp_path):
    script = load_benchmark("compare_strategies")
    argv = ["--tiny", "--device", "cpu", "--strategies", "nsga2", "alphagan_s", "--seeds", "0", "--n-gen", "1",
            "--g-steps", "2", "--retrain-steps", str(retrain_steps), "--retrain-samples", "32",
            "--figure", str(tmp_path / "f.png"), "--retrained-figure", str(tmp_path / "r.png")]
    tables = {}
    for runner in ("local", "ray"):
        rows = script.main([*argv, "--out", str(tmp_path / f"{runner}.csv"), "--table", str(tmp_path / f"{runner}.md"),
                            "--runner", runner, "--actors", "2"])
        tables[runner] = [(r["benchmark"], r["value"], r["unit"]) for r in rows]
    retrained = 2 + len(script.PUBLISHED) if retrain_steps else 0
    assert tables["ray"] == tables["local"] and len(tables["local"]) == 2 * 2 + retrained
