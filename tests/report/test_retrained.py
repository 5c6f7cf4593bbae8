"""``plot_retrained``: searched architectures over seeds and published ones as labelled markers."""

import math

import pytest

from pymoo_gan.report import plot_retrained
from pymoo_gan.report.retrained import retrained_figure


def test_one_series_per_strategy_and_a_marker_per_published(tmp_path):
    groups = {"NSGA-II": ([1.2e4, 1.5e4, 1.4e4], [40.0, 44.0, 39.0]), "random": ([9e3, 9.5e3], [51.0, math.nan])}
    fig = retrained_figure(groups, published={"AutoGAN-A": ([4.4e3, 4.4e3], [37.0, 38.0])})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["NSGA-II", "random", "AutoGAN-A (published)"]  # a failed (nan) seed leaves the mean drawn
    path = plot_retrained(groups, str(tmp_path / "r.png"), formats=("png", "pdf"))
    assert (tmp_path / "r.png").stat().st_size > 0 and (tmp_path / "r.pdf").read_bytes()[:4] == b"%PDF"
    assert path.endswith("r.png")


def test_mismatched_points_name_the_series():
    with pytest.raises(ValueError, match="'EAGAN'.*equal-length"):
        retrained_figure({}, published={"EAGAN": ([1e4, 2e4], [40.0])})
