"""Figures for papers: Pareto fronts (2-D, projected, 3-D), hypervolume over generations and sample grids.

Every ``plot_*`` function writes one file (format from the suffix: ``.png``, ``.pdf``, ``.svg``), or with
``formats=("png", "pdf")`` the same figure once per format beside it, and returns the (first) path; the matching
``*_figure`` function returns the open :class:`matplotlib.figure.Figure` for notebooks and tests. Figures are drawn
and saved in :data:`pymoo_gan.report.style.STYLE` (rcParams are restored afterwards). All objectives are minimised.
matplotlib runs on the Agg backend unless a backend was already chosen; no torch is needed.

Example:
    >>> import numpy as np, os, tempfile
    >>> F = np.random.default_rng(0).random((40, 2))
    >>> path = plot_pareto(F, F[pareto_mask(F)], ["FD", "params"], os.path.join(tempfile.mkdtemp(), "front.png"))
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

from pymoo_gan.report.style import figure_style, pyplot, save_figure

#: default hypervolume reference point, per objective, in the normalised space where the history spans [0, 1]
HV_REF = 1.1

#: markers of the reference (published) architectures on a Pareto plot, in turn
REFERENCE_MARKERS = ("*", "D", "P", "X", "^", "v", "s", "h")


def styled(draw):
    """Run a figure-drawing function inside :func:`~pymoo_gan.report.style.figure_style`."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with figure_style():
            return draw(*args, **kwargs)

    return wrapper


def _save(fig, path: str, formats: Sequence[str] | None = None, **savefig) -> str:
    return save_figure(fig, path, formats, **savefig)[0]


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``F`` (all objectives minimised).

    Example:
        >>> pareto_mask(np.array([[1, 2], [2, 1], [2, 2]])).tolist()
        [True, True, False]
    """
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    mask = np.zeros(len(F), dtype=bool)
    if len(F):
        mask[NonDominatedSorting().do(np.asarray(F, dtype=float), only_non_dominated_front=True)] = True
    return mask


def _staircase(front: np.ndarray, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """The attainment staircase of the non-dominated points of ``front`` projected on objectives ``(i, j)``."""
    P = front[:, [i, j]]
    P = P[np.all(np.isfinite(P), axis=1)]
    P = np.unique(P[pareto_mask(P)], axis=0) if len(P) else P
    order = np.lexsort((P[:, 1], P[:, 0]))
    return P[order, 0], P[order, 1]


def _reference_points(references, reference_labels, n_obj: int) -> tuple[np.ndarray, list[str]]:
    if references is None:
        return np.zeros((0, n_obj)), []
    R = np.asarray(references, dtype=float).reshape(-1, n_obj)
    names = [str(x) for x in reference_labels] if reference_labels is not None else [f"ref {i}" for i in range(len(R))]
    if len(names) != len(R):
        raise ValueError(f"{len(R)} reference points but {len(names)} reference_labels")
    return R, names


@styled
def pareto_figure(evaluated: np.ndarray, front: np.ndarray, labels: Sequence[str], title: str = "",
                  versions: np.ndarray | None = None, references: np.ndarray | None = None,
                  reference_labels: Sequence[str] | None = None):
    """The figure of :func:`plot_pareto` (one panel per pair of objectives), left open.

    Example:
        >>> F = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
        >>> fig = pareto_figure(F, F[:3], ["f1", "f2"], references=[[1.5, 1.5]], reference_labels=["EAGAN"])
        >>> len(fig.axes), len(fig.axes[0].lines)   # one panel; the front's staircase
        (1, 1)
        >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        ['evaluated', 'Pareto set', 'EAGAN']
    """
    plt = pyplot()
    n_obj = max(len(labels), 1)
    evaluated = np.asarray(evaluated, dtype=float).reshape(-1, n_obj)
    front = np.asarray(front, dtype=float).reshape(-1, n_obj)
    refs, ref_names = _reference_points(references, reference_labels, n_obj)
    pairs = list(itertools.combinations(range(len(labels)), 2)) or [(0, 0)]
    ncols = min(len(pairs), 3)
    nrows = -(-len(pairs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.8 * nrows), squeeze=False)
    points = None
    for ax, (i, j) in zip(axes.flat, pairs, strict=False):
        if versions is None:
            ax.scatter(evaluated[:, i], evaluated[:, j], s=10, facecolors="none", edgecolors="grey", label="evaluated")
        else:
            points = ax.scatter(evaluated[:, i], evaluated[:, j], s=10, c=versions, cmap="viridis", alpha=0.7,
                                label="evaluated")
        if len(labels) == 2:  # a true 2-D front: its attainment staircase
            x, y = _staircase(front, i, j)
            ax.step(x, y, where="post", color="tab:red", lw=1, label="_front staircase")
        # a projection of a higher-dimensional front is not a curve: scatter only
        ax.scatter(front[:, i], front[:, j], s=28, color="tab:red", zorder=3, label="Pareto set")
        for k, (point, name) in enumerate(zip(refs, ref_names, strict=True)):
            ax.scatter(point[i], point[j], s=70, marker=REFERENCE_MARKERS[k % len(REFERENCE_MARKERS)],
                       color=f"C{(k + 2) % 10}", edgecolors="black", linewidths=0.5, zorder=4, label=name)
            ax.annotate(name, (point[i], point[j]), xytext=(4, 4), textcoords="offset points",
                        fontsize=plt.rcParams["legend.fontsize"])
        ax.set_xlabel(labels[i])
        ax.set_ylabel(labels[j])
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(pairs):]:
        ax.set_visible(False)
    axes[0][0].legend()
    if versions is not None:
        fig.colorbar(points, ax=axes.ravel().tolist(), label="supernet weights version", fraction=0.02)
    if title:
        fig.suptitle(title)
    if versions is None:
        fig.tight_layout()
    return fig


def plot_pareto(evaluated: np.ndarray, front: np.ndarray, labels: Sequence[str], path: str, title: str = "",
                versions: np.ndarray | None = None, references: np.ndarray | None = None,
                reference_labels: Sequence[str] | None = None, *, formats: Sequence[str] | None = None) -> str:
    """Scatter every evaluated point and the front (red), one panel per pair of objectives; returns ``path``.

    With two objectives the front is drawn as its attainment staircase; with more, each panel is a projection and the
    front is scattered only (a line through a projected front would suggest an order that does not exist). With
    weight sharing, scores from different supernet weights are not comparable: pass ``versions`` (the weights version
    of each evaluated point) to colour the points by it. Published architectures scored in the same run
    (``references``) appear as labelled markers, one marker shape each, named in the legend.

    Args:
        evaluated: ``(n, n_obj)`` objectives of every evaluation (minimised).
        front: ``(k, n_obj)`` objectives of the Pareto set.
        labels: one axis label per objective.
        path: output file.
        title: figure title, e.g. the search stage.
        versions: optional ``(n,)`` colour values for ``evaluated``.
        references: optional ``(r, n_obj)`` objectives of reference architectures (not part of ``evaluated``).
        reference_labels: their names (default ``ref 0``, ``ref 1``, ...).
        formats: write ``path`` with each of these suffixes (``png``, ``pdf``, ``svg``); returns the first.
    """
    fig = pareto_figure(evaluated, front, labels, title=title, versions=versions, references=references,
                        reference_labels=reference_labels)
    return _save(fig, path, formats)


@styled
def pareto_3d_figure(evaluated: np.ndarray, front: np.ndarray, labels: Sequence[str], title: str = ""):
    """The figure of :func:`plot_pareto_3d`, left open.

    Example:
        >>> F = np.random.default_rng(1).random((20, 3))
        >>> fig = pareto_3d_figure(F, F[pareto_mask(F)], ["FD", "1/IS", "params"])
        >>> fig.axes[0].name
        '3d'
    """
    plt = pyplot()
    if len(labels) != 3:
        raise ValueError(f"plot_pareto_3d needs exactly 3 objectives, got labels {list(labels)}")
    evaluated = np.asarray(evaluated, dtype=float).reshape(-1, 3)
    front = np.asarray(front, dtype=float).reshape(-1, 3)
    fig = plt.figure(figsize=(5.6, 4.8))
    ax = fig.add_subplot(projection="3d")
    ax.scatter(evaluated[:, 0], evaluated[:, 1], evaluated[:, 2], s=8, color="grey", alpha=0.35, label="evaluated",
               depthshade=False)
    ax.scatter(front[:, 0], front[:, 1], front[:, 2], s=30, color="tab:red", edgecolors="black", linewidths=0.4,
               label="Pareto set", depthshade=False)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_zlabel(labels[2])
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def plot_pareto_3d(evaluated: np.ndarray, front: np.ndarray, labels: Sequence[str], path: str, title: str = "", *,
                   formats: Sequence[str] | None = None) -> str:
    """3-D scatter of every evaluated point (grey) and the Pareto set (red) of a 3-objective search; returns ``path``.

    Args:
        evaluated: ``(n, 3)`` objectives of every evaluation (minimised).
        front: ``(k, 3)`` objectives of the Pareto set.
        labels: the three axis labels.
        path: output file.
        title: figure title, e.g. the search stage.
        formats: write ``path`` with each of these suffixes (``png``, ``pdf``, ``svg``); returns the first.

    Example:
        >>> import os, tempfile
        >>> F = np.random.default_rng(1).random((20, 3))
        >>> path = os.path.join(tempfile.mkdtemp(), "front3d.png")
        >>> p = plot_pareto_3d(F, F[pareto_mask(F)], ["FD", "1/IS", "params"], path)
        >>> os.path.getsize(p) > 0
        True
    """
    return _save(pareto_3d_figure(evaluated, front, labels, title=title), path, formats)


def hypervolume_history(history, n_obj: int, ref_point: Sequence[float] | None = None, *, normalize: bool = True,
                        cumulative: bool = False):
    """Hypervolume of the non-dominated set of each generation, as a DataFrame ``generation, hypervolume, n_front``.

    Objectives ``F0 .. F{n_obj-1}`` are minimised. Rows with a non-finite objective are skipped. With ``normalize``
    (default) each objective is rescaled by its min and max over the *whole* history, ``(F - min) / (max - min)``
    (a constant objective becomes 0), so every generation is measured in the same units and the values lie in
    ``[0, prod(ref_point)]``; ``ref_point`` is then given in that normalised space and defaults to ``HV_REF = 1.1``
    for every objective (so the extreme points of the history still add volume). With ``normalize=False`` the raw
    objectives are used and ``ref_point`` (raw units) is required; points beyond it add nothing. The volume is
    pymoo's ``pymoo.indicators.hv.HV``.

    Args:
        history: DataFrame with columns ``generation`` and ``F0 .. F{n_obj-1}``, one row per population member per
            generation (or per evaluation, see ``cumulative``).
        n_obj: number of objectives.
        ref_point: reference point (normalised units unless ``normalize=False``).
        normalize: rescale by the history's min/max before computing the volume.
        cumulative: measure all rows up to and including each generation (the archive's front so far), e.g. for a
            results table with one row per *evaluation*. With weight sharing, scores of different weight versions
            are not strictly comparable.

    Example:
        >>> import pandas as pd
        >>> h = pd.DataFrame({"generation": [1, 1, 2, 2], "F0": [1.0, 3.0, 1.0, 3.0], "F1": [3.0, 1.0, 2.0, 1.0]})
        >>> hypervolume_history(h, 2, ref_point=[4.0, 4.0], normalize=False)["hypervolume"].tolist()
        [5.0, 7.0]
    """
    import pandas as pd
    from pymoo.indicators.hv import HV

    cols = [f"F{i}" for i in range(n_obj)]
    missing = [c for c in ["generation", *cols] if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks columns {missing}; it needs 'generation' and {cols}")
    F = history[cols].to_numpy(dtype=float)
    gens = history["generation"].to_numpy()
    finite = np.all(np.isfinite(F), axis=1)
    if normalize:
        if finite.any():
            lo, hi = F[finite].min(axis=0), F[finite].max(axis=0)
            span = np.where(hi > lo, hi - lo, 1.0)
            F = (F - lo) / span
        ref = np.full(n_obj, HV_REF) if ref_point is None else np.asarray(ref_point, dtype=float)
    elif ref_point is None:
        raise ValueError("normalize=False needs an explicit ref_point in the objectives' raw units")
    else:
        ref = np.asarray(ref_point, dtype=float)
    if ref.shape != (n_obj,):
        raise ValueError(f"ref_point has shape {ref.shape}; expected ({n_obj},)")
    indicator = HV(ref_point=ref)
    rows = []
    for g in np.unique(gens):
        sel = (gens <= g if cumulative else gens == g) & finite
        P = F[sel]
        if len(P):
            P = P[pareto_mask(P)]
        hv = float(indicator.do(P)) if len(P) else 0.0
        rows.append({"generation": g, "hypervolume": hv, "n_front": int(len(np.unique(P, axis=0)) if len(P) else 0)})
    return pd.DataFrame(rows, columns=["generation", "hypervolume", "n_front"])


@styled
def hypervolume_figure(table, title: str = ""):
    """The figure of :func:`plot_hypervolume`, left open."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    ax.plot(table["generation"], table["hypervolume"], "o-", color="tab:blue", ms=4, lw=1.2)
    ax.set_xlabel("generation")
    ax.set_ylabel("hypervolume")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_hypervolume(table, path: str, title: str = "", *, formats: Sequence[str] | None = None) -> str:
    """Hypervolume against generation from a :func:`hypervolume_history` table; returns ``path`` (the first of
    ``formats`` when given, see :func:`plot_pareto`).

    Example:
        >>> import os, tempfile, pandas as pd
        >>> t = pd.DataFrame({"generation": [1, 2, 3], "hypervolume": [0.5, 0.7, 0.8], "n_front": [2, 3, 3]})
        >>> os.path.getsize(plot_hypervolume(t, os.path.join(tempfile.mkdtemp(), "hv.png"))) > 0
        True
    """
    return _save(hypervolume_figure(table, title=title), path, formats)


@styled
def sample_grid_figure(rows: Sequence[np.ndarray], row_labels: Sequence[str]):
    """The figure of :func:`plot_sample_grid`, left open.

    Example:
        >>> fig = sample_grid_figure([np.zeros((3, 1, 8, 8)), np.ones((2, 1, 8, 8))], ["G0", "G1"])
        >>> len(fig.axes), fig.axes[0].get_ylabel()
        (6, 'G0')
    """
    plt = pyplot()
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(0.8 * n + 1.5, 0.85 * len(rows) + 0.3), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, row_labels, strict=True)):
        for c in range(n):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                img = (np.asarray(images[c]).transpose(1, 2, 0) + 1.0) / 2.0
                ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
        axes[r][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def plot_sample_grid(rows: Sequence[np.ndarray], row_labels: Sequence[str], path: str, *,
                     formats: Sequence[str] | None = None) -> str:
    """One row of images per generator. ``rows[i]`` has shape (n, C, H, W) with values in [-1, 1]; returns ``path``
    (the first of ``formats`` when given, see :func:`plot_pareto`). Vector formats embed the images as bitmaps."""
    return save_figure(sample_grid_figure(rows, row_labels), path, formats, dpi=120, bbox_inches=None)[0]
