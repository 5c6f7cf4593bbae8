"""Redraw a run's figures and tables from its CSV files, then write its HTML report (``pymoo-gan plot RUN_DIR``).

:func:`replot_run` needs neither the problem object nor torch: per stage folder it reads ``results.csv``,
``pareto.csv`` (else the non-dominated rows of the results), ``population.csv`` (when present, for the hypervolume
curve) and ``report.json`` (labels, title, table layout, space; written by :func:`write_search_report`) and rewrites
``pareto.{tex,<fmt>}``, ``pareto_3d.<fmt>``, ``hypervolume.{csv,<fmt>}`` and ``arch_<i>.<fmt>`` (drawn from the
genotype keys in the recorded space). At the run level it rewrites ``final.tex`` from ``final.csv`` and
``fronts.<fmt>`` from ``fronts.csv`` (:mod:`pymoo_gan.report.fronts`). Sample grids
(``samples.png``) need the trained generators: they are left as they are.

Folders written before ``report.json`` existed are inferred: each objective column ``F<i>`` is labelled with the
raw score column it equals (``-name`` when it is its negative), and the space is the stage's ``space`` in ``run.json``
(or ``space='...'`` in a demo's ``config.json``) at its default sizes, used only if its genotype length matches.

Example:
    >>> paths = replot_run("runs/small", formats=("png", "pdf"))     # doctest: +SKIP
    >>> paths["report.html"]                                          # doctest: +SKIP
    'runs/small/report.html'
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pymoo_gan import registry
from pymoo_gan.report.figures import pareto_mask
from pymoo_gan.report.fronts import write_fronts_figure
from pymoo_gan.report.run_report import stage_dirs, write_run_report
from pymoo_gan.report.stage import StageInfo, space_from_info, split_references, write_stage_figures
from pymoo_gan.report.tables import write_latex

#: results columns that are bookkeeping, never an objective's raw score
_BOOKKEEPING = {"generation", "weights_version", "supernet_step", "eval_id", "score_time_s", "pair", "n_samples"}


def _objective_columns(results: pd.DataFrame) -> list[str]:
    cols, i = [], 0
    while f"F{i}" in results:
        cols.append(f"F{i}")
        i += 1
    return cols


def infer_labels(results: pd.DataFrame) -> list[str]:
    """A label per objective column ``F<i>``: the raw column it equals, ``-name`` for its negative, else ``F<i>``.

    Example:
        >>> t = pd.DataFrame({"F0": [3.0, 4.0], "F1": [-2.0, -1.0], "fd": [3.0, 4.0], "score": [2.0, 1.0]})
        >>> infer_labels(t)
        ['fd', '-score']
    """
    raw = [c for c in results.columns if c not in _BOOKKEEPING and not re.fullmatch(r"[FG]\d+", str(c))
           and pd.api.types.is_numeric_dtype(results[c])]
    labels = []
    for f in _objective_columns(results):
        F = results[f].to_numpy(float)
        ok = np.isfinite(F)
        label = f
        for c in raw:
            v = results[c].to_numpy(float)
            if ok.any() and np.allclose(v[ok], F[ok], rtol=1e-9, atol=0):
                label = c
            elif ok.any() and np.allclose(-v[ok], F[ok], rtol=1e-9, atol=0):
                label = f"-{c}"
            if label != f:
                break
        labels.append(label)
    return labels


def _settings_space(folder: Path, run_dir: Path) -> str | None:
    run = run_dir / "run.json"
    if run.is_file():
        settings = json.loads(run.read_text(encoding="utf-8"))
        stage = settings.get(folder.name, {}) if folder != run_dir else {}
        return (stage.get("problem") or {}).get("space")
    config = folder / "config.json"
    if config.is_file():
        match = re.search(r"space='([A-Za-z0-9_]+)'", config.read_text(encoding="utf-8"))
        return match.group(1) if match else None
    return None


def infer_stage_info(folder: str | os.PathLike, results: pd.DataFrame, front: pd.DataFrame,
                     run_dir: str | os.PathLike | None = None) -> StageInfo:
    """The :class:`StageInfo` of a stage folder without ``report.json`` (see the module docstring)."""
    folder = Path(folder)
    run_dir = Path(run_dir) if run_dir is not None else folder
    labels = infer_labels(results)
    keys = [label.lstrip("-") for label in labels] + [c for c in ("params", "d_params") if c in front]
    columns = {"arch": "architecture", **{k: k for k in dict.fromkeys(keys) if k in front}}
    n = len(split_references(results)[0])
    name = folder.name if folder != run_dir else "search"
    space = None
    space_name = _settings_space(folder, run_dir)
    if space_name and "genotype" in front and len(front):
        try:
            entry = registry.space(space_name)
        except ValueError:
            entry = None
        candidate = {"name": entry.name, "macro": {}} if entry else None
        built = space_from_info(candidate)
        if built is not None and built.n_var == len(str(front["genotype"].iloc[0]).split("-")):
            space = candidate
    return StageInfo(labels=labels, title=f"{name}: {n} evaluations", table_columns=columns,
                     caption=f"Pareto set of {name}", space=space)


def replot_stage(folder: str | os.PathLike, formats: Sequence[str] = ("png",),
                 run_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Redraw one stage folder from its CSV files; returns ``{file name: path}`` of what was written."""
    folder = Path(folder)
    results = pd.read_csv(folder / "results.csv") if (folder / "results.csv").is_file() else None
    front = pd.read_csv(folder / "pareto.csv") if (folder / "pareto.csv").is_file() else None
    if results is None and front is None:
        raise FileNotFoundError(f"{folder} has neither results.csv nor pareto.csv")
    results = front if results is None else results
    if front is None:
        search = split_references(results)[0]
        f_cols = _objective_columns(search)
        front = search[pareto_mask(search[f_cols].to_numpy(float))].sort_values("F0").reset_index(drop=True)
    info = StageInfo.load(str(folder)) or infer_stage_info(folder, results, front, run_dir)
    history = pd.read_csv(folder / "population.csv") if (folder / "population.csv").is_file() else None
    return write_stage_figures(results, front, info, str(folder), history=history, formats=formats)


def replot_run(run_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> dict[str, str]:
    """Regenerate every figure and table of a run directory (or a demo output folder) from its CSV files and write
    its ``report.html``; returns ``{path relative to run_dir: path}`` of the files written.

    Args:
        run_dir: a two-stage run directory (``stage1/``, ``stage2/``, ``final.csv``) or a single stage folder.
        formats: figure formats, any of ``"png"``, ``"pdf"``, ``"svg"``.
    """
    root = Path(run_dir)
    stages = stage_dirs(root)
    if not stages and not (root / "final.csv").is_file() and not (root / "fronts.csv").is_file():
        raise FileNotFoundError(f"{root} holds no results.csv, pareto.csv, final.csv or fronts.csv: not a pymoo-gan "
                                "run")
    written: dict[str, str] = {}
    for folder in stages:
        for path in replot_stage(folder, formats, run_dir=root).values():
            written[Path(path).relative_to(root).as_posix()] = path
    if (root / "final.csv").is_file():
        run = root / "run.json"
        name = json.loads(run.read_text(encoding="utf-8")).get("name", root.name) if run.is_file() else root.name
        written["final.tex"] = write_latex(pd.read_csv(root / "final.csv"), str(root / "final.tex"),
                                           caption=f"{name}: retrained pairs")
    for path in write_fronts_figure(root, formats):
        written[Path(path).relative_to(root).as_posix()] = path
    written["report.html"] = write_run_report(root, formats)
    return written
