"""``benchmarks/compare_c2f.py`` runs both strategies at the smallest budget, gives the flat search as many scored
candidates as the coarse-to-fine search, and appends one hypervolume and one best-PSNR row per strategy."""

import csv

import pytest
from benchmark_scripts import load_benchmark

pytestmark = pytest.mark.usefixtures("single_thread")


def test_compare_c2f_smallest_budget(tmp_path, capsys):
    out = tmp_path / "results.csv"
    script = load_benchmark("compare_c2f")
    rows = script.main(["--tiny", "--device", "cpu", "--out", str(out)])
    printed = capsys.readouterr().out
    assert f"appended {len(rows)} rows to {out}" in printed
    with open(out, newline="") as f:
        written = list(csv.DictReader(f))
    assert sorted(r["benchmark"] for r in written) == sorted(f"c2f_vs_flat_{s}_{k}" for s in script.STRATEGIES
                                                             for k in ("hv", "best_psnr"))
    hv = {r["benchmark"]: float(r["value"]) for r in written if r["benchmark"].endswith("_hv")}
    assert all(0 < v <= 1.1 ** 2 for v in hv.values())


def test_same_budget_for_both():
    script = load_benchmark("compare_c2f")
    args = script.main.__globals__["harness"].parser("").parse_args(["--tiny"])
    args.supernet_steps, args.pop_size, args.n_gen, args.n_eval, args.macs_fraction = 2, 4, 2, 16, 0.5
    c2f, flat = script.run_seed(0, args, "cpu")
    assert (c2f["strategy"], flat["strategy"]) == ("c2f", "flat")
    assert flat["evaluated"] >= c2f["evaluated"] > 0  # pymoo may finish its last generation past n_evals
    assert flat["evaluated"] - c2f["evaluated"] < args.pop_size


@pytest.mark.slow  # the Ray route of the comparison scripts is proven by compare_strategies' default test
def test_the_seeds_on_two_ray_actors_give_the_local_rows(ray_cluster, tmp_path):
    script = load_benchmark("compare_c2f")
    tables = {}
    for runner in ("local", "ray"):
        rows = script.main(["--tiny", "--device", "cpu", "--seeds", "0", "1", "--out", str(tmp_path / f"{runner}.csv"),
                            "--runner", runner, "--actors", "2"])
        tables[runner] = [(r["benchmark"], r["value"], r["unit"], r["settings"]) for r in rows]
    assert tables["ray"] == tables["local"] and len(tables["local"]) == 4
