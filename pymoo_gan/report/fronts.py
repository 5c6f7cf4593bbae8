"""A run's fronts of several searches (levels, phases) in one quality-vs-cost figure, drawn from its tables alone.

A run that writes ``fronts.csv`` (one row per architecture of each front: a series column, a cost column, a quality
column) and ``fronts.json`` (:class:`FrontsFigure`: which columns, axis label, baseline) gets ``fronts.<fmt>``
from :func:`write_fronts_figure`, both when it runs and when ``pymoo-gan plot RUN_DIR`` redraws it
(:func:`pymoo_gan.report.replot.replot_run`), and a section of its ``report.html``.

Example:
    >>> import os, tempfile, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"level": ["a", "a", "b"], "macs": [1e3, 2e3, 5e2], "psnr": [20.0, 21.0, 20.5]}).to_csv(
    ...     os.path.join(d, "fronts.csv"), index=False)
    >>> _ = FrontsFigure(series="level", x="macs", y="psnr", baseline=19.0).save(d)
    >>> [os.path.basename(p) for p in write_fronts_figure(d)]
    ['fronts.png']
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pymoo_gan.report.c2f import plot_quality_vs_macs
from pymoo_gan.report.style import figure_paths

__all__ = ["FRONTS_FIGURE", "FRONTS_TABLE", "FrontsFigure", "write_fronts_figure"]

FRONTS_TABLE = "fronts.csv"
FRONTS_FIGURE = "fronts.json"


@dataclass(frozen=True)
class FrontsFigure:
    """How ``fronts.csv`` is drawn: one series per value of ``series`` (in table order), ``y`` against ``x`` (MACs,
    log axis), a dashed ``baseline`` line labelled ``baseline_label`` when given."""

    series: str = "level"
    x: str = "macs"
    y: str = "psnr"
    ylabel: str = "PSNR (dB)"
    baseline: float | None = None
    baseline_label: str = "bicubic"
    title: str = ""

    def save(self, run_dir: str | os.PathLike) -> str:
        path = Path(run_dir) / FRONTS_FIGURE
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2), encoding="utf-8")
        return str(path)

    @classmethod
    def load(cls, run_dir: str | os.PathLike) -> FrontsFigure | None:
        path = Path(run_dir) / FRONTS_FIGURE
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def write_fronts_figure(run_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    """Draw ``fronts.<fmt>`` of ``run_dir`` from its ``fronts.csv`` and ``fronts.json``; returns the files written
    (none when either is missing)."""
    root = Path(run_dir)
    spec = FrontsFigure.load(root)
    if spec is None or not (root / FRONTS_TABLE).is_file():
        return []
    table = pd.read_csv(root / FRONTS_TABLE)
    fronts = {str(name): (rows[spec.x].to_numpy(float), rows[spec.y].to_numpy(float))
              for name, rows in table.groupby(spec.series, sort=False)}
    path = str(root / "fronts.png")
    plot_quality_vs_macs(fronts, path, baseline=spec.baseline, baseline_label=spec.baseline_label,
                         quality=spec.ylabel, title=spec.title, formats=tuple(formats))
    return figure_paths(path, tuple(formats))
