"""Pareto figures (2-D staircase, projected fronts, 3-D) and the hypervolume history."""

import doctest
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import pymoo_gan.report.figures as plot_module  # noqa: E402
from pymoo_gan.report.figures import (  # noqa: E402
    HV_REF,
    hypervolume_figure,
    hypervolume_history,
    pareto_3d_figure,
    pareto_figure,
    pareto_mask,
    plot_hypervolume,
    plot_pareto,
    plot_pareto_3d,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections)


def _cloud(n_obj, n=30, seed=0):
    F = np.random.default_rng(seed).random((n, n_obj))
    return F, F[pareto_mask(F)]


def test_doctests():
    assert doctest.testmod(plot_module).failed == 0


def test_pareto_mask():
    F = np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [0.5, 3.0]])
    assert pareto_mask(F).tolist() == [True, True, False, True]
    assert pareto_mask(np.zeros((0, 2))).tolist() == []


def test_plot_pareto_2d_writes_file_and_draws_the_staircase(tmp_path):
    evaluated = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0], [2.5, 2.5]])
    front = evaluated[:3][::-1]  # any order
    path = plot_pareto(evaluated, front, ["FD", "params"], str(tmp_path / "p.png"), title="stage 1")
    assert path == str(tmp_path / "p.png") and os.path.getsize(path) > 0

    fig = pareto_figure(evaluated, front, ["FD", "params"], title="stage 1")
    (ax,) = fig.axes
    assert _points(ax) == len(evaluated) + len(front)
    (line,) = ax.lines
    assert line.get_drawstyle() == "steps-post"
    assert line.get_xdata().tolist() == [1.0, 2.0, 3.0] and line.get_ydata().tolist() == [3.0, 2.0, 1.0]
    assert ax.get_xlabel() == "FD" and ax.get_ylabel() == "params"
    assert fig._suptitle.get_text() == "stage 1"


def test_staircase_skips_dominated_front_points():
    front = np.array([[1.0, 3.0], [3.0, 1.0], [3.0, 3.0]])  # the last is dominated
    (line,) = pareto_figure(front, front, ["a", "b"]).axes[0].lines
    assert line.get_xdata().tolist() == [1.0, 3.0]


@pytest.mark.parametrize("n_obj", [3, 4])
def test_projected_fronts_are_scattered_not_connected(n_obj, tmp_path):
    F, front = _cloud(n_obj)
    labels = [f"f{i}" for i in range(n_obj)]
    fig = pareto_figure(F, front, labels)
    n_pairs = n_obj * (n_obj - 1) // 2
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == n_pairs
    for ax in panels:
        assert len(ax.lines) == 0 and _points(ax) == len(F) + len(front)
    assert {(ax.get_xlabel(), ax.get_ylabel()) for ax in panels} == {
        (labels[i], labels[j]) for i in range(n_obj) for j in range(i + 1, n_obj)}
    assert os.path.getsize(plot_pareto(F, front, labels, str(tmp_path / "p.pdf"))) > 0


def test_plot_pareto_versions_colour_bar(tmp_path):
    """The report's call: positional arrays, labels, path, then title and weights versions."""
    F, front = _cloud(3)
    versions = np.arange(len(F)) % 3
    fig = pareto_figure(F, front, ["a", "b", "c"], versions=versions)
    assert len(fig.axes) == 3 + 1  # three panels and the colour bar
    path = plot_pareto(F, front, ["a", "b", "c"], str(tmp_path / "p.png"), title="t", versions=versions)
    assert os.path.getsize(path) > 0


def test_plot_pareto_3d(tmp_path):
    F, front = _cloud(3, n=25)
    path = plot_pareto_3d(F, front, ["FD", "1/IS", "params"], str(tmp_path / "p3.png"), title="stage 2")
    assert os.path.getsize(path) > 0
    fig = pareto_3d_figure(F, front, ["FD", "1/IS", "params"], title="stage 2")
    (ax,) = fig.axes
    assert ax.name == "3d"
    assert [len(c._offsets3d[0]) for c in ax.collections] == [len(F), len(front)]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("FD", "1/IS", "params")
    assert ax.get_title() == "stage 2"
    with pytest.raises(ValueError, match="exactly 3 objectives"):
        pareto_3d_figure(F[:, :2], front[:, :2], ["a", "b"])


# ---- hypervolume ------------------------------------------------------------------------------------------------
def _history(gens: dict) -> pd.DataFrame:
    rows = [{"generation": g, **{f"F{i}": v for i, v in enumerate(p)}} for g, pts in gens.items() for p in pts]
    return pd.DataFrame(rows)


def test_hypervolume_hand_computed_raw():
    # gen 1: boxes [1,4]x[3,4] and [3,4]x[1,4] overlap in [3,4]x[3,4]: 3 + 3 - 1 = 5
    # gen 2: staircase (1,2) (3,1) vs (4,4): 2*2 + 1*3 = 7; the dominated (3,3) does not count
    h = _history({1: [(1, 3), (3, 1)], 2: [(1, 2), (3, 1), (3, 3)]})
    table = hypervolume_history(h, 2, ref_point=[4, 4], normalize=False)
    assert list(table.columns) == ["generation", "hypervolume", "n_front"]
    assert table["hypervolume"].tolist() == pytest.approx([5.0, 7.0])
    assert table["n_front"].tolist() == [2, 2]


def test_hypervolume_hand_computed_normalised():
    # F0 spans [0, 10], F1 spans [0, 4] over the whole history -> gen 1 = (0,1), (1,0); gen 2 adds (0.5, 0.5)
    h = _history({0: [(0, 4), (10, 0)], 1: [(0, 4), (10, 0), (5, 2)]})
    table = hypervolume_history(h, 2)
    # gen 0: 1.1*0.1 + 0.1*1.1 - 0.1*0.1 = 0.21; gen 1: 0.5*0.1 + 0.5*0.6 + 0.1*1.1 = 0.46
    assert HV_REF == 1.1
    assert table["hypervolume"].tolist() == pytest.approx([0.21, 0.46])
    assert table["n_front"].tolist() == [2, 3]
    custom = hypervolume_history(h, 2, ref_point=[1.0, 1.0])
    assert custom["hypervolume"].tolist() == pytest.approx([0.0, 0.25])


def test_hypervolume_is_monotone_when_fronts_only_improve():
    rng = np.random.default_rng(3)
    pop = rng.random((12, 3)) + 1.0
    gens = {}
    for g in range(8):  # elitist: the front survives, new points are drawn closer to the origin
        gens[g] = [tuple(p) for p in pop]
        new = rng.random((12, 3)) * (1.0 - g / 10) + 0.5
        pop = np.vstack([pop[pareto_mask(pop)], new])
    table = hypervolume_history(_history(gens), 3)
    hv = table["hypervolume"].to_numpy()
    assert np.all(np.diff(hv) >= -1e-12) and hv[-1] > hv[0]
    assert table["generation"].tolist() == list(range(8))
    assert np.all(hv <= HV_REF**3)


def test_hypervolume_skips_non_finite_rows():
    clean = _history({1: [(1, 3), (3, 1)], 2: [(1, 2), (3, 1)]})
    dirty = pd.concat([clean, _history({1: [(np.inf, 0.0)], 2: [(np.nan, 0.5), (-np.inf, 1.0)]})])
    for kw in ({}, {"ref_point": [4, 4], "normalize": False}):
        a, b = hypervolume_history(clean, 2, **kw), hypervolume_history(dirty, 2, **kw)
        assert a["hypervolume"].tolist() == pytest.approx(b["hypervolume"].tolist())
        assert a["n_front"].tolist() == b["n_front"].tolist()
    only_bad = hypervolume_history(_history({1: [(1, 1)], 2: [(np.nan, 1)]}), 2)
    assert only_bad["hypervolume"].tolist()[1] == 0.0 and only_bad["n_front"].tolist() == [1, 0]


def test_hypervolume_cumulative_over_evaluations():
    h = _history({1: [(1, 1)], 2: [(3, 3)], 3: [(0, 2)]})  # one evaluation per generation, not a population
    per_gen = hypervolume_history(h, 2, ref_point=[4, 4], normalize=False)
    cum = hypervolume_history(h, 2, ref_point=[4, 4], normalize=False, cumulative=True)
    assert per_gen["hypervolume"].tolist() == pytest.approx([9.0, 1.0, 8.0])
    assert cum["hypervolume"].tolist() == pytest.approx([9.0, 9.0, 11.0])  # 8 + 9 - 6
    assert cum["n_front"].tolist() == [1, 1, 2]


def test_hypervolume_errors():
    h = _history({1: [(1, 3)]})
    with pytest.raises(ValueError, match="F2"):
        hypervolume_history(h, 3)
    with pytest.raises(ValueError, match="ref_point"):
        hypervolume_history(h, 2, normalize=False)
    with pytest.raises(ValueError, match="shape"):
        hypervolume_history(h, 2, ref_point=[1.0, 1.0, 1.0])


def test_plot_hypervolume(tmp_path):
    table = hypervolume_history(_history({g: [(1 - g / 10, 1), (1, 1 - g / 10)] for g in range(5)}), 2)
    path = plot_hypervolume(table, str(tmp_path / "hv.png"), title="stage 1")
    assert os.path.getsize(path) > 0
    (ax,) = hypervolume_figure(table, title="stage 1").axes
    (line,) = ax.lines
    assert line.get_xdata().tolist() == list(range(5))
    assert line.get_ydata().tolist() == pytest.approx(table["hypervolume"].tolist())
    assert ax.get_title() == "stage 1"
