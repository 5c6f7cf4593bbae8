"""What a finished search stage leaves in its folder: results table, Pareto set (CSV + LaTeX), Pareto plots (2-D and,
for three objectives, 3-D), hypervolume over generations, sample grid, drawings of the best architectures and
``report.json`` (what :func:`pymoo_gan.report.replot.replot_run` needs to redraw the figures from the CSV files)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from pymoo_gan.report.figures import plot_sample_grid
from pymoo_gan.report.stage import StageInfo, space_info, split_references, write_stage_figures
from pymoo_gan.report.style import figure_paths
from pymoo_gan.space.base import genotype_from_key


def objective_labels(problem) -> list[str]:
    return [("-" if o.maximize else "") + o.key for o in problem.objectives]


def pareto_table(problem, res) -> pd.DataFrame:
    """The final Pareto set of ``res`` with readable architectures, minimised objectives and raw scores."""
    opt = res.opt if res.opt is not None else res.pop
    rows = []
    for ind in opt:
        g = problem.space.to_genotype(ind.X)
        current = getattr(problem, "current_row", None)  # knows the weights' source (a problem's own or a provider's)
        row = (current(g) if current else problem.archive.lookup(problem.space.key(g),
                                                                problem.trainer.weights_version)) or {}
        rows.append({k: v for k, v in row.items() if k not in ("eval_id", "generation", "kind", "score_time_s")})
    table = pd.DataFrame(rows)
    return table.sort_values("F0").reset_index(drop=True) if len(table) else table


def _paper_columns(problem, front: pd.DataFrame) -> dict[str, str]:
    keys = [o.key for o in problem.objectives] + [c for c in ("params", "d_params") if c in front]
    return {"arch": "architecture", **{k: k for k in dict.fromkeys(keys) if k in front}}


def stage_info(problem, n_evaluations: int, front: pd.DataFrame, n_drawings: int = 3) -> StageInfo:
    """The :class:`StageInfo` of a search problem's stage (labels, title, table layout, space)."""
    name = type(problem).__name__
    return StageInfo(labels=objective_labels(problem), title=f"{name}: {n_evaluations} evaluations",
                     table_columns=_paper_columns(problem, front), caption=f"Pareto set of {name}",
                     space=space_info(problem.space), n_drawings=n_drawings)


def write_search_report(problem, res, out_dir: str, n_grid: int = 8, n_images: int = 10, n_drawings: int = 3,
                        history: pd.DataFrame | None = None, *,
                        formats: Sequence[str] = ("png",), lead: Sequence[tuple] = ()) -> dict[str, str]:
    """Write the stage report into ``out_dir``; returns ``{file name: path}``.

    Args:
        problem: the search problem (its ``results()``, objectives, space and, for ``samples.<fmt>``, ``sample``: a
            problem without it, e.g. an image-to-image search, gets no sample grid).
        res: pymoo's result (``res.opt`` is the Pareto set).
        out_dir: the stage folder, created if missing.
        n_grid: Pareto generators shown in ``samples.<fmt>`` (one row each).
        n_images: images per row.
        n_drawings: Pareto architectures drawn (``arch_<i>.<fmt>``).
        history: one row per population member per generation (as :func:`pymoo_gan.runs.search.run_search` writes
            to ``population.csv``) for the hypervolume curve; without it the curve is the cumulative front of all
            evaluations.
        formats: figure formats, any of ``"png"``, ``"pdf"``, ``"svg"``; every figure is written once per format.
        lead: ``(images, label)`` rows shown above the Pareto rows in ``samples.<fmt>`` (the demo's fine-tuned
            generator); the Pareto rows are then labelled as supernet samples.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {"results.csv": os.path.join(out_dir, "results.csv")}
    results = problem.results()
    results.to_csv(paths["results.csv"], index=False)
    front = pareto_table(problem, res)
    paths["pareto.csv"] = os.path.join(out_dir, "pareto.csv")
    front.to_csv(paths["pareto.csv"], index=False)
    info = stage_info(problem, len(split_references(results)[0]), front, n_drawings=n_drawings)
    paths["report.json"] = info.save(out_dir)
    paths.update(write_stage_figures(results, front, info, out_dir, history=history, formats=formats))
    if not hasattr(problem, "sample"):
        return paths
    f_cols = [f"F{i}" for i in range(problem.n_obj)]
    shown = front.head(n_grid)
    images = [problem.sample(genotype_from_key(key), n_images) for key in shown["genotype"]]
    prefix = "supernet " if lead else ""
    row_labels = [f"{prefix}#{i} " + " ".join(f"{c}={shown.iloc[i][c]:.3g}" for c in f_cols) for i in range(len(shown))]
    grid = os.path.join(out_dir, "samples.png")
    images = [images for images, _ in lead] + images
    row_labels = [label for _, label in lead] + row_labels
    plot_sample_grid(images, row_labels, grid, formats=formats)
    paths.update({os.path.basename(p): p for p in figure_paths(grid, formats)})
    return paths
