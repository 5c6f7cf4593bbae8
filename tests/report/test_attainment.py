"""Attainment surfaces over runs: hand-made fronts with known surfaces, and a brute-force check of the definition."""

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest

import pymoo_gan.report.attainment as attainment_module
from pymoo_gan.report.attainment import (
    attainment_figure,
    attainment_level_k,
    attainment_surface,
    attainment_surfaces,
    median_fronts_figure,
)


def test_doctests():
    assert doctest.testmod(attainment_module).failed == 0


def test_three_single_point_runs():
    runs = [np.array([[1.0, 3.0]]), np.array([[2.0, 2.0]]), np.array([[3.0, 1.0]])]
    assert attainment_surface(runs, 1).tolist() == [[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]  # best: the union's front
    assert attainment_surface(runs, 2).tolist() == [[2.0, 3.0], [3.0, 2.0]]  # median
    assert attainment_surface(runs, 3).tolist() == [[3.0, 3.0]]  # worst


def test_median_of_shifted_copies_is_the_middle_run():
    base = pd.DataFrame({"F0": [1.0, 2.0, 4.0], "F1": [5.0, 3.0, 1.0], "genotype": ["a", "b", "c"]})
    runs = [base.assign(F0=base.F0 + s, F1=base.F1 + s) for s in (0.0, 1.0, 2.0, 3.0, 4.0)]
    median = attainment_surfaces(runs, (0.5,))[0.5]
    assert median.tolist() == (base[["F0", "F1"]].to_numpy() + 2.0).tolist()
    surfaces = attainment_surfaces(runs, (0.0, 1.0))
    assert surfaces[0.0].tolist() == base[["F0", "F1"]].to_numpy().tolist()
    assert surfaces[1.0].tolist() == (base[["F0", "F1"]].to_numpy() + 4.0).tolist()


def test_median_with_dominated_and_non_finite_points_and_other_columns():
    runs = [pd.DataFrame({"fd": [1.0, 2.0, np.nan], "params": [2.0, 2.5, 0.0]}),  # (2, 2.5) is dominated
            pd.DataFrame({"fd": [3.0, np.inf], "params": [1.0, 0.0]})]
    assert attainment_surface(runs, 1, columns=("fd", "params")).tolist() == [[1.0, 2.0], [3.0, 1.0]]
    assert attainment_surface(runs, 2, columns=("fd", "params")).tolist() == [[3.0, 2.0]]


def test_levels_to_k():
    assert [attainment_level_k(p, 4) for p in (0.0, 0.25, 0.5, 0.75, 1.0)] == [1, 1, 2, 3, 4]
    assert attainment_level_k(0.5, 3) == 2 and attainment_level_k(0.5, 1) == 1
    with pytest.raises(ValueError, match="level"):
        attainment_level_k(1.5, 3)


def test_errors():
    runs = [np.array([[1.0, 1.0]])] * 2
    with pytest.raises(ValueError, match="1..2"):
        attainment_surface(runs, 3)
    with pytest.raises(ValueError, match="two objectives"):
        attainment_surface(runs, 1, columns=("F0", "F1", "F2"))
    with pytest.raises(ValueError, match="lacks columns"):
        attainment_surface([pd.DataFrame({"F0": [1.0]})], 1)


@pytest.mark.parametrize("seed", range(5))
def test_surface_bounds_exactly_the_points_attained_by_k_runs(seed):
    rng = np.random.default_rng(seed)
    runs = [rng.integers(0, 8, size=(rng.integers(1, 6), 2)).astype(float) for _ in range(rng.integers(2, 6))]
    grid = np.arange(-0.5, 9.0, 0.5)
    for k in range(1, len(runs) + 1):
        S = attainment_surface(runs, k)
        assert np.all(np.diff(S[:, 0]) > 0) and np.all(np.diff(S[:, 1]) < 0)  # a staircase of corners
        for z in itertools.product(grid, grid):
            attained_by = sum(bool(np.any(np.all(P <= z, axis=1))) for P in runs)
            on_surface = bool(np.any(np.all(S <= z, axis=1)))
            assert (attained_by >= k) == on_surface, (k, z)


def test_figure_draws_one_staircase_per_level():
    runs = [np.array([[1.0, 2.0], [2.0, 1.0]]) + s for s in (0.0, 1.0, 2.0, 3.0)]
    ax = attainment_figure(runs, ["FD", "params"], levels=(0.0, 0.5, 1.0)).axes[0]
    assert [line.get_label() for line in ax.lines] == ["0% (best, 1/4)", "median (2/4)", "100% (worst, 4/4)"]
    median = ax.lines[1]
    assert median.get_drawstyle() == "steps-post"
    assert np.column_stack([median.get_xdata(), median.get_ydata()]).tolist() == [[2.0, 3.0], [3.0, 2.0]]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("FD", "params")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 8  # every run's points


def test_median_fronts_one_line_per_group_with_quartiles_from_three_runs():
    three = [np.array([[1.0, 2.0], [2.0, 1.0]]) + s for s in (0.0, 1.0, 2.0)]
    two = [np.array([[5.0, 5.0]]), np.array([[6.0, 4.0]])]
    ax = median_fronts_figure({"a": three, "b": two}, ["FD", "params"]).axes[0]
    labelled = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert [line.get_label() for line in labelled] == ["a (median of 3)", "b (median of 2)"]
    assert np.column_stack([labelled[0].get_xdata(), labelled[0].get_ydata()]).tolist() == [[2.0, 3.0], [3.0, 2.0]]
    assert len(ax.lines) == 2 + 2  # the 25 % and 75 % surfaces of the group of three only
