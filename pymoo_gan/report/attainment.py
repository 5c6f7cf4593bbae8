"""Empirical attainment surfaces of two minimised objectives over several runs (e.g. seeds) of a search.

A run *attains* a point ``z`` when one of its solutions weakly dominates it (``a <= z`` in both objectives). The
``k``-attainment surface of ``n`` runs bounds the points attained by at least ``k`` of them (Fonseca & Fleming 1996;
Knowles 2005): ``k = 1`` is the best (the union's front), ``k = n`` the worst, and the median is
``k = ceil(n / 2)``. In two dimensions each run's attained region is a staircase ``y_r(x) = min{a_y : a_x <= x}``
and the ``k``-surface is ``y(x) = k``-th smallest of the ``y_r(x)``; it is returned as its corner points (the minimal
points of the region), drawn with ``step(where="post")`` like a Pareto front.

Example:
    >>> import numpy as np
    >>> runs = [np.array([[1.0, 3.0]]), np.array([[2.0, 2.0]]), np.array([[3.0, 1.0]])]
    >>> attainment_surface(runs, 2).tolist()     # attained by at least 2 of the 3 runs
    [[2.0, 3.0], [3.0, 2.0]]
    >>> attainment_surface(runs, 3).tolist()     # by all of them
    [[3.0, 3.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pymoo_gan.report.figures import styled
from pymoo_gan.report.style import pyplot, save_figure

#: the attainment levels drawn by default: best (25 %), median (50 %) and worst quartile (75 %) of the runs
LEVELS = (0.25, 0.5, 0.75)


def _points(front, columns: Sequence[str]) -> np.ndarray:
    """``(n, 2)`` finite objective values of a DataFrame (``columns``) or an array."""
    if hasattr(front, "columns"):
        missing = [c for c in columns if c not in front.columns]
        if missing:
            raise ValueError(f"a front lacks columns {missing}; it has {list(front.columns)}")
        P = front[list(columns)].to_numpy(dtype=float)
    else:
        P = np.asarray(front, dtype=float).reshape(-1, 2)
    return P[np.all(np.isfinite(P), axis=1)]


def attainment_surface(fronts: Sequence, k: int, columns: Sequence[str] = ("F0", "F1")) -> np.ndarray:
    """Corner points ``(m, 2)`` of the ``k``-attainment surface of ``fronts``, sorted by the first objective.

    Args:
        fronts: one Pareto set per run: DataFrames with ``columns`` or ``(n, 2)`` arrays (minimised; any points,
            dominated or not; non-finite rows are ignored).
        k: the number of runs that must attain a point, ``1 <= k <= len(fronts)``.
        columns: the two objective columns of DataFrame fronts.
    """
    if len(columns) != 2:
        raise ValueError(f"attainment surfaces are drawn for two objectives, got columns {list(columns)}")
    runs = [_points(f, columns) for f in fronts]
    if not 1 <= k <= len(runs):
        raise ValueError(f"k={k} must lie in 1..{len(runs)} (the number of runs)")
    xs = np.unique(np.concatenate([r[:, 0] for r in runs])) if runs else np.zeros(0)
    # y_r(x): the best second objective of run r among its points with first objective <= x (inf: none yet)
    Y = np.full((len(runs), len(xs)), np.inf)
    for r, P in enumerate(runs):
        for i, x in enumerate(xs):
            sel = P[:, 0] <= x
            if sel.any():
                Y[r, i] = P[sel, 1].min()
    yk = np.sort(Y, axis=0)[k - 1] if len(xs) else np.zeros(0)
    corners, best = [], np.inf
    for x, y in zip(xs, yk, strict=True):
        if y < best:  # a new corner where the surface steps down
            corners.append((x, y))
            best = y
    return np.array(corners, dtype=float).reshape(-1, 2)


def attainment_level_k(level: float, n_runs: int) -> int:
    """The ``k`` of attainment level ``level`` (a fraction of the runs): ``max(1, ceil(level * n_runs))``.

    Example:
        >>> [attainment_level_k(p, 5) for p in (0.0, 0.25, 0.5, 0.75, 1.0)]
        [1, 2, 3, 4, 5]
    """
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"attainment level {level} must lie in [0, 1]")
    return max(1, math.ceil(level * n_runs - 1e-9))


def attainment_surfaces(fronts: Sequence, levels: Sequence[float] = LEVELS,
                        columns: Sequence[str] = ("F0", "F1")) -> dict[float, np.ndarray]:
    """``{level: corner points}`` of the attainment surfaces at ``levels`` (fractions of the runs), see
    :func:`attainment_level_k`; the median surface is ``levels=(0.5,)``.

    Example:
        >>> import pandas as pd
        >>> runs = [pd.DataFrame({"F0": [1.0, 2.0], "F1": [2.0, 1.0]}) + s for s in (0.0, 1.0, 2.0)]
        >>> attainment_surfaces(runs, (0.5,))[0.5].tolist()     # the middle run
        [[2.0, 3.0], [3.0, 2.0]]
    """
    return {level: attainment_surface(fronts, attainment_level_k(level, len(fronts)), columns) for level in levels}


def _level_name(level: float, n_runs: int) -> str:
    k = attainment_level_k(level, n_runs)
    special = {1: "best", n_runs: "worst"} if n_runs > 1 else {}
    name = "median" if level == 0.5 else f"{level:.0%}"
    return f"{name} ({special[k]}, {k}/{n_runs})" if k in special else f"{name} ({k}/{n_runs})"


def _finish(fig, ax, labels: Sequence[str], title: str):
    """Axis labels, grid, legend and title of an attainment figure."""
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@styled
def attainment_figure(fronts: Sequence, labels: Sequence[str] = ("f1", "f2"), levels: Sequence[float] = LEVELS,
                      columns: Sequence[str] = ("F0", "F1"), title: str = "", show_points: bool = True):
    """The figure of :func:`plot_attainment`, left open: one staircase per level (the median solid and thick).

    Example:
        >>> import numpy as np
        >>> runs = [np.array([[1.0, 2.0], [2.0, 1.0]]) + s for s in (0.0, 1.0, 2.0)]
        >>> ax = attainment_figure(runs, ["FD", "params"]).axes[0]
        >>> [line.get_label() for line in ax.lines]
        ['25% (best, 1/3)', 'median (2/3)', '75% (worst, 3/3)']
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.6))
    if show_points:
        for r, front in enumerate(fronts):
            P = _points(front, columns)
            ax.scatter(P[:, 0], P[:, 1], s=10, color="grey", alpha=0.45, label="runs' fronts" if r == 0 else None)
    surfaces = attainment_surfaces(fronts, levels, columns)
    for level, S in sorted(surfaces.items()):
        median = level == 0.5
        ax.step(S[:, 0], S[:, 1], where="post", lw=2.0 if median else 1.0, ls="-" if median else "--",
                color="tab:red" if median else "tab:blue", label=_level_name(level, len(fronts)))
    return _finish(fig, ax, labels, title)


def plot_attainment(fronts: Sequence, labels: Sequence[str], path: str, levels: Sequence[float] = LEVELS, *,
                    columns: Sequence[str] = ("F0", "F1"), title: str = "", show_points: bool = True,
                    formats: Sequence[str] | None = None) -> str:
    """Attainment surfaces of several runs' Pareto sets (median and, by default, the 25 % / 75 % surfaces).

    Args:
        fronts: one Pareto set per run (e.g. each seed's ``pareto.csv``), DataFrames with ``columns`` or arrays.
        labels: the two axis labels.
        path: output file.
        levels: fractions of the runs, e.g. ``(0.0, 0.5, 1.0)`` for best, median and worst.
        columns: the two objective columns of DataFrame fronts.
        title: figure title.
        show_points: also scatter every run's points (grey).
        formats: write ``path`` with each of these suffixes (``png``, ``pdf``, ``svg``); returns the first.

    Example:
        >>> import os, tempfile, numpy as np
        >>> runs = [np.array([[1.0, 2.0], [2.0, 1.0]]) + s for s in (0.0, 0.5, 1.0)]
        >>> p = plot_attainment(runs, ["FD", "params"], os.path.join(tempfile.mkdtemp(), "eaf.png"), formats=("pdf",))
        >>> open(p, "rb").read(4)
        b'%PDF'
    """
    fig = attainment_figure(fronts, labels, levels, columns, title=title, show_points=show_points)
    return save_figure(fig, path, formats)[0]


@styled
def median_fronts_figure(groups: dict, labels: Sequence[str] = ("f1", "f2"), columns: Sequence[str] = ("F0", "F1"),
                         title: str = "", band: bool = True):
    """One median attainment surface per group of runs (e.g. per search strategy, each over its seeds), with the
    25-75 % band between the quartile surfaces as a shaded outline when ``band``; a group of one run draws its front.

    Example:
        >>> import numpy as np
        >>> a = [np.array([[1.0, 2.0], [2.0, 1.0]]) + s for s in (0.0, 1.0, 2.0)]
        >>> b = [np.array([[1.5, 1.5]]) + s for s in (0.0, 1.0)]
        >>> ax = median_fronts_figure({"NSGA-II": a, "random": b}, ["FD", "params"]).axes[0]
        >>> ax.get_legend_handles_labels()[1]
        ['NSGA-II (median of 3)', 'random (median of 2)']
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, fronts) in enumerate(groups.items()):
        colour = colours[i % len(colours)]
        surfaces = attainment_surfaces(fronts, (0.25, 0.5, 0.75), columns)
        median = surfaces[0.5]
        ax.step(median[:, 0], median[:, 1], where="post", lw=2.0, color=colour,
                label=f"{name} (median of {len(fronts)})")
        if band and len(fronts) > 2:
            for level in (0.25, 0.75):
                S = surfaces[level]
                ax.step(S[:, 0], S[:, 1], where="post", lw=0.8, ls=":", color=colour, label="_nolegend_")
    return _finish(fig, ax, labels, title)


def plot_median_fronts(groups: dict, labels: Sequence[str], path: str, *, columns: Sequence[str] = ("F0", "F1"),
                       title: str = "", formats: Sequence[str] | None = None) -> str:
    """Write :func:`median_fronts_figure` to ``path`` (and each of ``formats``); returns the first file written.

    Example:
        >>> import os, tempfile, numpy as np
        >>> groups = {"a": [np.array([[1.0, 2.0]]), np.array([[2.0, 1.0]])], "b": [np.array([[1.5, 1.5]])]}
        >>> p = plot_median_fronts(groups, ["FD", "params"], os.path.join(tempfile.mkdtemp(), "m.svg"))
        >>> p.endswith("m.svg")
        True
    """
    return save_figure(median_fronts_figure(groups, labels, columns, title=title), path, formats)[0]
