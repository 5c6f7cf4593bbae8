"""``benchmarks/compare_strategies.py`` runs every strategy end to end at the smallest budget and appends one best-fd
and one hypervolume row per strategy."""

import csv

import pytest
from benchmark_scripts import load_benchmark

pytestmark = pytest.mark.usefixtures("single_thread")


def test_compare_strategies_smallest_budget(tmp_path, capsys):
    out = tmp_path / "results.csv"
    script = load_benchmark("compare_strategies")
    figure = tmp_path / "fronts.png"
    rows = script.main(["--tiny", "--device", "cpu", "--out", str(out), "--seeds", "0", "--n-gen", "1",
                        "--g-steps", "2", "--figure", str(figure)])
    printed = capsys.readouterr().out
    assert f"appended {len(rows)} rows to {out}" in printed
    assert figure.stat().st_size > 0 and figure.with_suffix(".pdf").read_bytes()[:4] == b"%PDF"
    with open(out, newline="") as f:
        written = list(csv.DictReader(f))
    names = sorted(r["benchmark"] for r in written)
    assert names == sorted(f"compare_{s}_{k}" for s in script.STRATEGIES for k in ("best_fd", "hv"))
    for row in written:
        assert row["device"] and float(row["value"]) >= 0 and "budget 2 G steps" in row["settings"]
