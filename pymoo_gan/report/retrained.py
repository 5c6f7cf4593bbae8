"""Score against parameters of retrained architectures (torch-free): one marker series per search strategy (every
seed's architecture, with the mean and its min-max spread) and the published architectures as labelled markers.

Example:
    >>> import os, tempfile
    >>> groups = {"NSGA-II": ([1.2e4, 1.5e4], [40.0, 44.0]), "random": ([0.9e4], [51.0])}
    >>> published = {"EAGAN": ([1.3e4, 1.3e4], [42.0, 47.0])}
    >>> path = plot_retrained(groups, os.path.join(tempfile.mkdtemp(), "r.png"), published=published)
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pymoo_gan.report.figures import REFERENCE_MARKERS, _save, styled
from pymoo_gan.report.style import pyplot

__all__ = ["plot_retrained", "retrained_figure"]

Points = tuple[Sequence[float], Sequence[float]]


def _points(label: str, params, scores) -> tuple[np.ndarray, np.ndarray]:
    params, scores = np.asarray(params, dtype=float), np.asarray(scores, dtype=float)
    if params.shape != scores.shape or params.ndim != 1 or not len(params):
        raise ValueError(f"{label!r}: params {params.shape} and scores {scores.shape} must be equal-length, non-empty "
                         "vectors")
    return params, scores


def _mean_with_spread(ax, params, scores, **style) -> None:
    """The mean of ``scores`` at the mean of ``params`` with min-max bars (nan scores left out)."""
    ok = np.isfinite(scores)
    if not ok.any():
        return
    p, s = params[ok], scores[ok]
    ax.errorbar(p.mean(), s.mean(), yerr=[[s.mean() - s.min()], [s.max() - s.mean()]],
                xerr=[[p.mean() - p.min()], [p.max() - p.mean()]], capsize=3, zorder=4, **style)


@styled
def retrained_figure(groups: Mapping[str, Points], *, published: Mapping[str, Points] | None = None,
                     score: str = "Fréchet distance (held-out)", title: str = ""):
    """Searched architectures (``label -> (params, scores)``, one point per seed, small) with their mean and min-max
    spread (large), and ``published`` ones (``label -> (params, scores)`` over seeds) as labelled markers with the
    same spread bars; parameters on a log axis. Returns the open figure."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.4, 3.8))
    for i, (label, (params, scores)) in enumerate(groups.items()):
        params, scores = _points(label, params, scores)
        ax.plot(params, scores, "o", color=f"C{i}", alpha=0.35, markersize=4)
        _mean_with_spread(ax, params, scores, fmt="o", color=f"C{i}", markersize=7, label=label)
    for k, (label, (params, scores)) in enumerate((published or {}).items()):
        params, scores = _points(label, params, scores)
        _mean_with_spread(ax, params, scores, fmt=REFERENCE_MARKERS[k % len(REFERENCE_MARKERS)],
                          color="dimgray", markeredgecolor="black", markersize=8, label=f"{label} (published)")
        if np.isfinite(scores).any():
            ax.annotate(label, (params.mean(), np.nanmean(scores)), xytext=(4, 4), textcoords="offset points",
                        fontsize=plt.rcParams["legend.fontsize"])
    ax.set_xscale("log")
    ax.set_xlabel("parameters of G")
    ax.set_ylabel(score)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_retrained(groups: Mapping[str, Points], path: str, *, published: Mapping[str, Points] | None = None,
                   score: str = "Fréchet distance (held-out)", title: str = "",
                   formats: Sequence[str] | None = None) -> str:
    """Save :func:`retrained_figure` to ``path`` (each of ``formats`` instead when given); returns the path."""
    return _save(retrained_figure(groups, published=published, score=score, title=title), path, formats)
