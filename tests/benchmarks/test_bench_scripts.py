"""Every benchmark script runs end to end with ``--tiny`` (seconds on a CPU), prints its table and appends rows with
the date, device and commit to the CSV given by ``--out``; the shared helper extends an older CSV header in place."""

import csv

import pytest
import torch
from benchmark_scripts import load_benchmark

harness = load_benchmark("harness")

pytestmark = pytest.mark.usefixtures("single_thread")  # the scripts set one thread on the CPU; restored afterwards

EXPECTED = {
    "bench_training": ["train_supernet", "train_standalone", "train_weight_sharing_overhead", "train_d_supernet",
                       "train_d_standalone", "train_d_weight_sharing_overhead"],
    "bench_scoring": ["score_classifier", "score_inception_299", "frechet_64"],
    "bench_protocol": [f"protocol_stage{s}_{p}" for s in (1, 2) for p in ("train", "score_classifier",
                                                                           "score_inception_299")]
    + [f"protocol_{w}_{x}" for x in ("classifier", "inception_299")
       for w in ("stage1_total", "stage2_total", "total")],
    "bench_flops": ["flops_train_step", "flops_matmul_peak_float32", "flops_fraction_of_peak"],
    "bench_score_batch": ["score_batch_500", "score_batch_100", "score_batch_50", "score_batch_100_speedup",
                          "score_batch_50_speedup"],
    "bench_memory_format": [f"layout_{v}_{x}" for v in ("supernet", "standalone")
                            for x in ("nchw", "channels_last", "channels_last_speedup")],
    "bench_compression": [f"compress_fd_{a}" for a in ("teacher", "dense", "dgl", "dgl_minus_dense")]
    + [f"compress_fd_{m}_d{d}" for d in ("0.1", "0.2", "0.5") for m in ("static", "dynamic", "dynamic_minus_static")]
    + [f"compress_step_{v}" for v in ("plain", "teacher", "static", "dynamic")]
    + [f"compress_overhead_{v}" for v in ("teacher", "static", "dynamic")],
}


def _read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_script_tiny_appends_rows(script, tmp_path, capsys):
    out = tmp_path / "results.csv"
    rows = load_benchmark(script).main(["--tiny", "--device", "cpu", "--out", str(out)])
    printed = capsys.readouterr().out
    assert f"appended {len(rows)} rows to {out}" in printed
    written = _read(out)
    assert sorted(r["benchmark"] for r in written) == sorted(EXPECTED[script])
    assert list(written[0]) == harness.COLUMNS
    for row in written:
        assert row["date"] and row["device"] == harness.device_name("cpu") and row["commit"]
        assert row["timer"] == "process" and row["threads"] == "1" and row["torch"] == torch.__version__
        assert row["benchmark"] in printed  # the table was printed
        assert row["seconds"] or row["value"]
    assert all(float(r["seconds"]) > 0 for r in written if r["seconds"])


def test_tiny_figures_are_consistent(tmp_path):
    rows = {r["benchmark"]: r for r in load_benchmark("bench_flops").main(["--tiny", "--out", str(tmp_path / "f")])}
    fraction = rows["flops_fraction_of_peak"]["value"]
    assert 0 < fraction < 1.5  # a fraction of the measured peak (timer noise may push a tiny run past 1)
    assert fraction == pytest.approx(rows["flops_train_step"]["value"] / rows["flops_matmul_peak_float32"]["value"])
    protocol = load_benchmark("bench_protocol")
    p = protocol.Protocol()
    assert p.steps_per_epoch(40) == 1250 and p.steps_per_epoch(40, n_critic=5) == 250
    assert p.stage1_steps(40) == 200 * 1250 and p.stage2_steps(40) == 190 * 250
    assert p.stage1_candidates() == 16 * 64 and p.stage2_candidates() == 15 * 64
    parts = protocol.project(p, 40, 0.1, 0.3, {"score_x": 2.0})
    assert [(r["stage"], r["part"], r["total"]) for r in parts] == [
        (1, "train", pytest.approx(25_000)), (1, "score_x", pytest.approx(2048)),
        (2, "train", pytest.approx(14_250)), (2, "score_x", pytest.approx(1920))]
    flops = load_benchmark("bench_flops")
    assert flops.step_macs(10, 1, g_batch=80, d_batch=40) == 10 * (40 + 240) + 1 * (240 + 240)


def test_append_rows_extends_an_older_header(tmp_path):
    out = tmp_path / "results.csv"
    old = ["date", "device", "benchmark", "n_samples", "batch_size", "seconds", "images_per_s", "torch", "threads",
           "load_before"]
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=old)
        writer.writeheader()
        writer.writerow({"date": "2026-11-21T02:43:58", "device": "cpu", "benchmark": "digits_cnn_16",
                         "n_samples": 5000, "seconds": 3.005})
    harness.append_rows(out, [{"date": "d", "device": "x", "commit": "abc", "benchmark": "b", "value": 1 / 3,
                               "unit": "%"}])
    written = _read(out)
    assert list(written[0]) == harness.COLUMNS
    assert written[0]["benchmark"] == "digits_cnn_16" and written[0]["seconds"] == "3.005"
    assert written[0]["commit"] == "" and written[1]["commit"] == "abc" and written[1]["value"] == "0.3333"
    with pytest.raises(ValueError, match="unknown result columns"):
        harness.append_rows(out, [{"nope": 1}])


def test_device_and_commit():
    assert harness.device_name("cpu").endswith("cores)")
    commit = harness.git_commit()
    assert commit == "unknown" or len(commit.removesuffix("+dirty")) >= 7
