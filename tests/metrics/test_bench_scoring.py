"""The scoring benchmark runs end to end with tiny sizes, so it never rots (the digits classifier comes from the
session's cache, so it is not trained again)."""

import csv
import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scoring.py"


def test_bench_scoring_tiny(tmp_path, classifier_cache, digits_cnn):
    spec = importlib.util.spec_from_file_location("bench_scoring", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = tmp_path / "results.csv"
    argv = [
        "--n-samples",
        "64",
        "--inception-n-samples",
        "8",
        "--batch-size",
        "32",
        "--fd-dim",
        "64",
        "--device",
        "cpu",
        "--results",
        str(results),
        "--cache-dir",
        str(classifier_cache),
    ]
    rows = bench.main(argv)
    assert [r["benchmark"] for r in rows] == ["digits_cnn_16", "inception_299", "frechet_64"]
    assert all(r["seconds"] > 0 for r in rows) and rows[0]["images_per_s"] > 0
    bench.main([*argv, "--skip-inception"])
    with open(results) as f:
        written = list(csv.DictReader(f))
    assert [r["benchmark"] for r in written] == [
        "digits_cnn_16",
        "inception_299",
        "frechet_64",
        "digits_cnn_16",
        "frechet_64",
    ]
    assert set(written[0]) == set(bench.COLUMNS) and written[0]["device"]
