"""The whole-search time estimate printed after each generation."""

from pymoo_gan.progress import SearchEstimate, format_seconds


def test_estimate_uses_the_warmup_rate_until_a_round_is_timed_then_the_rounds():
    est = SearchEstimate(n_gen=4, warmup_epochs=12, round_epochs=4)
    assert est.remaining(16) is None
    est.add(seconds=40.0, score_seconds=16.0, evaluations=8)  # warm-up: 24 s for 12 epochs; 2 s per evaluation
    assert est.remaining(16) == 3 * (8.0 + 16 * 2.0)
    est.add(seconds=30.0, score_seconds=20.0, evaluations=10)  # a round took 10 s; now 36 s / 18 evaluations
    assert est.remaining(16) == 2 * (10.0 + 10 * 2.0)
    assert est.line("stage1", 16) == "stage1: generation 2/4 done, 1 min 10 s elapsed, about 1 min 00 s left"
    est.add(30.0, 20.0, 10)
    est.add(30.0, 20.0, 10)
    assert est.remaining(16) == 0.0 and est.line("stage1", 16).endswith("2 min 10 s elapsed")


def test_a_resumed_search_counts_from_its_checkpoint():
    est = SearchEstimate(n_gen=5, warmup_epochs=12, round_epochs=4, done=3)
    est.add(seconds=20.0, score_seconds=10.0, evaluations=10)
    assert est.remaining(16) == 20.0 and est.line("demo", 16).startswith("demo: generation 4/5 done")


def test_durations_read_naturally():
    assert [format_seconds(s) for s in (8, 75.4, 3725)] == ["8 s", "1 min 15 s", "1 h 02 min"]
