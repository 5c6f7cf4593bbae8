"""Figures: Pareto fronts of a search and sample grids of generators (matplotlib, files for papers)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``F`` (all objectives minimised)."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    mask = np.zeros(len(F), dtype=bool)
    if len(F):
        mask[NonDominatedSorting().do(np.asarray(F, dtype=float), only_non_dominated_front=True)] = True
    return mask


def plot_pareto(evaluated: np.ndarray, front: np.ndarray, labels: Sequence[str], path: str, title: str = "",
                versions: np.ndarray | None = None) -> str:
    """Scatter every evaluated point and the final front (red), one panel per pair of objectives.

    With weight sharing, scores from different supernet weights are not comparable: pass ``versions`` (the weights
    version of each evaluated point) to colour the points by it."""
    plt = _pyplot()
    evaluated, front = np.atleast_2d(evaluated), np.atleast_2d(front)
    pairs = list(itertools.combinations(range(len(labels)), 2)) or [(0, 0)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.8), squeeze=False)
    for ax, (i, j) in zip(axes[0], pairs):
        if versions is None:
            ax.scatter(evaluated[:, i], evaluated[:, j], s=10, facecolors="none", edgecolors="grey", label="evaluated")
        else:
            points = ax.scatter(evaluated[:, i], evaluated[:, j], s=10, c=versions, cmap="viridis", alpha=0.7,
                                label="evaluated")
        order = np.argsort(front[:, i])
        ax.plot(front[order, i], front[order, j], "o-", color="tab:red", ms=5, lw=1, label="Pareto set")
        ax.set_xlabel(labels[i])
        ax.set_ylabel(labels[j])
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    if versions is not None:
        fig.colorbar(points, ax=axes[0].tolist(), label="supernet weights version", fraction=0.02)
    if title:
        fig.suptitle(title)
    if versions is None:
        fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_sample_grid(rows: Sequence[np.ndarray], row_labels: Sequence[str], path: str) -> str:
    """One row of images per generator. ``rows[i]`` has shape (n, C, H, W) with values in [-1, 1]."""
    plt = _pyplot()
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(0.8 * n + 1.5, 0.85 * len(rows) + 0.3), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, row_labels)):
        for c in range(n):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                img = (np.asarray(images[c]).transpose(1, 2, 0) + 1.0) / 2.0
                ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
        axes[r][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
