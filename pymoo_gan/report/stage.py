"""A search stage's figures and tables drawn from its tables alone (no problem object, no torch).

:func:`write_search_report` and :func:`pymoo_gan.report.replot.replot_run` both end here, so a stage folder redrawn
from its CSV files gets the same files as the search wrote. What the CSVs do not say (objective labels, the figure
title, the search space for the architecture drawings) is kept in ``report.json`` (:class:`StageInfo`) beside them.

Reference architectures: rows of ``results.csv`` whose ``kind`` is ``"reference"`` (in a table without ``kind``:
rows with a non-empty ``label``) are published architectures scored in the same run. They are not part of the
search: they are left out of the evaluated cloud and the hypervolume, and appear on the Pareto plot as labelled
markers named by their ``label`` (or, without one, their genotype key).

Example:
    >>> import pandas as pd
    >>> t = pd.DataFrame({"kind": ["offspring", "reference"], "label": ["", "EAGAN"], "F0": [1.0, 2.0]})
    >>> search, refs, names = split_references(t)
    >>> len(search), names
    (1, ['EAGAN'])
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pymoo_gan import registry
from pymoo_gan.report.arch_drawings import draw_architecture
from pymoo_gan.report.figures import hypervolume_history, plot_hypervolume, plot_pareto, plot_pareto_3d
from pymoo_gan.report.style import figure_paths
from pymoo_gan.report.tables import write_latex
from pymoo_gan.space.base import genotype_from_key

#: the ``kind`` of a results row that scores a published (reference) architecture rather than a searched one
REFERENCE_KIND = "reference"
#: the file of :class:`StageInfo` in a stage folder
INFO_FILE = "report.json"
INFO_FORMAT = "pymoo_gan.report/1"


@dataclass
class StageInfo:
    """What a stage's figures need beyond its CSV files (saved as ``report.json``).

    Attributes:
        labels: one axis label per objective column ``F0 .. F{n-1}`` (``-key`` for a maximised score).
        title: the figures' title.
        table_columns: the LaTeX Pareto table's ``{column: header}``.
        caption: the LaTeX table's caption.
        space: ``{"name": registry name, "macro": {...}}`` of the searched space, or ``None`` (no drawings).
        n_drawings: how many Pareto architectures are drawn (``arch_<i>``).
    """

    labels: list[str]
    title: str = ""
    table_columns: dict[str, str] = field(default_factory=dict)
    caption: str = ""
    space: dict | None = None
    n_drawings: int = 3

    @property
    def n_obj(self) -> int:
        return len(self.labels)

    def save(self, out_dir: str) -> str:
        path = os.path.join(out_dir, INFO_FILE)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"format": INFO_FORMAT, **dataclasses.asdict(self)}, f, indent=2)
        return path

    @classmethod
    def load(cls, out_dir: str) -> StageInfo | None:
        """The ``report.json`` of ``out_dir``, or ``None`` when there is none."""
        path = os.path.join(out_dir, INFO_FILE)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.pop("format", None) != INFO_FORMAT:
            raise ValueError(f"{path} is not a {INFO_FORMAT} file")
        return cls(**data)


def space_info(space) -> dict | None:
    """``{"name", "macro"}`` of a search space registered in :data:`pymoo_gan.registry.SPACES`, or ``None``."""
    macro = getattr(space, "macro", None)
    for entry in registry.SPACES.values():
        if type(space) is entry.space.obj and dataclasses.is_dataclass(macro):
            return {"name": entry.name, "macro": dataclasses.asdict(macro)}
    return None


def space_from_info(info: dict | None):
    """The search space of :func:`space_info`'s record, or ``None`` when it cannot be rebuilt."""
    if not info:
        return None
    try:
        entry = registry.space(info["name"])
        return entry.space.obj(entry.macro.obj(**info.get("macro", {})))
    except (KeyError, TypeError, ValueError):
        return None


def reference_mask(results: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the reference rows of ``results`` (see the module docstring)."""
    if "kind" in results:
        return (results["kind"].astype(str) == REFERENCE_KIND).to_numpy()
    if "label" in results:
        return results["label"].fillna("").astype(str).str.strip().ne("").to_numpy()
    return np.zeros(len(results), dtype=bool)


def split_references(results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``(search rows, reference rows, reference names)`` of a results table."""
    mask = reference_mask(results)
    refs = results[mask]
    names = []
    for i in range(len(refs)):
        row = refs.iloc[i]
        label = row.get("label", "")
        names.append(str(label) if isinstance(label, str) and label.strip() else str(row.get("genotype", f"ref {i}")))
    return results[~mask].reset_index(drop=True), refs.reset_index(drop=True), names


def _add(paths: dict, written: Sequence[str]) -> None:
    for p in written:
        paths[os.path.basename(p)] = p


def write_stage_figures(results: pd.DataFrame, front: pd.DataFrame, info: StageInfo, out_dir: str, *,
                        history: pd.DataFrame | None = None, formats: Sequence[str] = ("png",)) -> dict[str, str]:
    """Write a stage's LaTeX table and every figure that needs no model into ``out_dir``; returns ``{file: path}``.
    The CSV files are inputs, never rewritten here.

    Writes ``pareto.tex``, ``pareto.<fmt>``, ``pareto_3d.<fmt>`` (three objectives), ``hypervolume.csv`` /
    ``hypervolume.<fmt>`` and ``arch_<i>.<fmt>`` (when ``info.space`` can be rebuilt).

    Args:
        results: every evaluation (``F0 ..``, ``weights_version``; reference rows allowed).
        front: the Pareto set (``pareto.csv``).
        info: labels, title, table layout and space.
        out_dir: the stage folder.
        history: one row per population member per generation (``population.csv``); without it the hypervolume
            curve is that of the cumulative front of all evaluations.
        formats: figure formats, e.g. ``("png", "pdf")``.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths: dict[str, str] = {}
    columns = {k: v for k, v in info.table_columns.items() if k in front} or None
    _add(paths, [write_latex(front, os.path.join(out_dir, "pareto.tex"), columns=columns,
                             caption=info.caption or None)])
    f_cols = [f"F{i}" for i in range(info.n_obj)]
    search, refs, names = split_references(results)
    evaluated, best = search[f_cols].to_numpy(float), front[f_cols].to_numpy(float)
    versions = search["weights_version"].to_numpy() if "weights_version" in search else None
    reference = refs[f_cols].to_numpy(float) if len(refs) else None
    _add(paths, figure_paths(plot_pareto(evaluated, best, info.labels, os.path.join(out_dir, "pareto.png"),
                                         title=info.title, versions=versions, references=reference,
                                         reference_labels=names or None, formats=formats), formats))
    if info.n_obj == 3:
        plot_pareto_3d(evaluated, best, info.labels, os.path.join(out_dir, "pareto_3d.png"), title=info.title,
                       formats=formats)
        _add(paths, figure_paths(os.path.join(out_dir, "pareto_3d.png"), formats))
    hv = (hypervolume_history(history, info.n_obj) if history is not None
          else hypervolume_history(search, info.n_obj, cumulative=True))
    paths["hypervolume.csv"] = os.path.join(out_dir, "hypervolume.csv")
    hv.to_csv(paths["hypervolume.csv"], index=False)
    plot_hypervolume(hv, os.path.join(out_dir, "hypervolume.png"), title=info.title, formats=formats)
    _add(paths, figure_paths(os.path.join(out_dir, "hypervolume.png"), formats))
    space = space_from_info(info.space)
    if space is not None and "genotype" in front:
        for i, key in enumerate(front["genotype"].head(info.n_drawings)):
            path = os.path.join(out_dir, f"arch_{i}.png")
            draw_architecture(space.decode(genotype_from_key(key)), path, title=f"Pareto #{i}", formats=formats)
            _add(paths, figure_paths(path, formats))
    return paths
