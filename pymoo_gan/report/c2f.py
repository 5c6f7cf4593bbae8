"""Figures of the coarse-to-fine search (torch-free): quality against MACs of each level's front, with a baseline.

Example:
    >>> import os, tempfile
    >>> fronts = {"path": ([1e4, 2e4], [28.0, 29.5]), "width": ([5e3, 1.5e4], [28.5, 29.8])}
    >>> path = plot_quality_vs_macs(fronts, os.path.join(tempfile.mkdtemp(), "q.png"), baseline=27.8)
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pymoo_gan.report.figures import _save, styled
from pymoo_gan.report.style import pyplot

__all__ = ["plot_quality_vs_macs", "quality_vs_macs_figure"]


@styled
def quality_vs_macs_figure(fronts: Mapping[str, tuple[Sequence[float], Sequence[float]]], *,
                           baseline: float | None = None, baseline_label: str = "bicubic", quality: str = "PSNR (dB)",
                           title: str = ""):
    """One marker series per front (``label -> (macs, quality)``, drawn as a staircase in MACs order) and a
    horizontal line at the ``baseline`` quality; MACs on a log axis. Returns the open figure."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    for i, (label, (macs, values)) in enumerate(fronts.items()):
        macs, values = np.asarray(macs, dtype=float), np.asarray(values, dtype=float)
        if macs.shape != values.shape or macs.ndim != 1:
            raise ValueError(f"front {label!r}: macs {macs.shape} and quality {values.shape} must be equal-length "
                             "vectors")
        order = np.argsort(macs)
        ax.step(macs[order], values[order], where="post", color=f"C{i}", alpha=0.5)
        ax.plot(macs[order], values[order], "o", color=f"C{i}", label=f"{label} ({len(macs)})", markersize=4)
    if baseline is not None:
        ax.axhline(baseline, color="dimgray", linestyle="--", label=f"{baseline_label} {baseline:.2f}")
    ax.set_xscale("log")
    ax.set_xlabel("MACs per image")
    ax.set_ylabel(quality)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title)
    return fig


def plot_quality_vs_macs(fronts: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: str, *,
                         baseline: float | None = None, baseline_label: str = "bicubic",
                         quality: str = "PSNR (dB)", title: str = "", formats: Sequence[str] | None = None) -> str:
    """Save :func:`quality_vs_macs_figure` to ``path`` (each of ``formats`` instead when given); returns the path."""
    fig = quality_vs_macs_figure(fronts, baseline=baseline, baseline_label=baseline_label, quality=quality,
                                 title=title)
    return _save(fig, path, formats)
