"""``benchmarks/bench_strategy_cost.py`` measures one generation of each strategy in its own subprocess."""

import csv

import pytest
from benchmark_scripts import load_benchmark


def test_strategy_cost_side_by_side(tmp_path, capsys):
    out = tmp_path / "results.csv"
    script = load_benchmark("bench_strategy_cost")
    # two of the three strategies (each subprocess sets up torch, data and the scorer: ~35 s on a busy 2-core CPU);
    # the AdversarialNAS worker differs only in its algorithm
    rows = script.main(["--tiny", "--device", "cpu", "--out", str(out), "--strategies", "eagan_round", "alphagan_s",
                        "--round-epochs", "0.05",
                        "--warmup-epochs", "0.05", "--pop-size", "2", "--adversarialnas-epochs", "0.05",
                        "--alphagan-steps", "1", "--n-critic", "1"])
    assert f"appended {len(rows)} rows to {out}" in capsys.readouterr().out
    with open(out, newline="") as f:
        written = {r["benchmark"]: r for r in csv.DictReader(f)}
    assert sorted(written) == ["strategy_cost_alphagan_s", "strategy_cost_eagan_round"]
    for name, row in written.items():
        assert float(row["seconds"]) > 0, name
        # a process holding torch and a model resides in well over 50 MiB; the peak is never below the start
        assert float(row["value"]) > 50, name
        assert "VmHWM" in row["unit"] or "ru_maxrss" in row["unit"]
    assert "x the EAGAN round's time" in written["strategy_cost_alphagan_s"]["settings"]


def test_peak_rss_reset_reads_the_generation_only():
    script = load_benchmark("bench_strategy_cost")
    if not script._reset_peak_rss():
        pytest.skip("no /proc/self/clear_refs here: the script falls back to ru_maxrss")
    import mmap

    block = mmap.mmap(-1, 64 * 2**20)  # fresh pages (not reused from the heap), unmapped again by close()
    block.write(b"x" * len(block))  # 64 MiB resident
    high = script._status_kib("VmHWM")
    block.close()
    assert script._reset_peak_rss()
    assert script._status_kib("VmHWM") < high - 32 * 1024  # the earlier peak is forgotten
