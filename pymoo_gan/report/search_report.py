"""What a finished search stage leaves in its folder: results table, Pareto set (CSV + LaTeX), Pareto plots (2-D and,
for three objectives, 3-D), hypervolume over generations, sample grid and drawings of the best architectures."""

from __future__ import annotations

import os

import pandas as pd

from pymoo_gan.report.arch_drawings import draw_architecture
from pymoo_gan.report.figures import (
    hypervolume_history,
    plot_hypervolume,
    plot_pareto,
    plot_pareto_3d,
    plot_sample_grid,
)
from pymoo_gan.report.tables import write_pareto_tables
from pymoo_gan.space.base import genotype_from_key


def objective_labels(problem) -> list[str]:
    return [("-" if o.maximize else "") + o.key for o in problem.objectives]


def pareto_table(problem, res) -> pd.DataFrame:
    """The final Pareto set of ``res`` with readable architectures, minimised objectives and raw scores."""
    opt = res.opt if res.opt is not None else res.pop
    rows = []
    for ind in opt:
        g = problem.space.to_genotype(ind.X)
        row = problem.archive.lookup(problem.space.key(g), problem.trainer.weights_version) or {}
        rows.append({k: v for k, v in row.items() if k not in ("eval_id", "generation", "kind", "score_time_s")})
    table = pd.DataFrame(rows)
    return table.sort_values("F0").reset_index(drop=True) if len(table) else table


def _paper_columns(problem, front: pd.DataFrame) -> dict[str, str]:
    keys = [o.key for o in problem.objectives] + [c for c in ("params", "d_params") if c in front]
    return {"arch": "architecture", **{k: k for k in dict.fromkeys(keys) if k in front}}


def write_search_report(problem, res, out_dir: str, n_grid: int = 8, n_images: int = 10, n_drawings: int = 3,
                        history: pd.DataFrame | None = None) -> dict[str, str]:
    """Write the stage report into ``out_dir``; returns ``{name: path}``. ``history`` (one row per population member
    per generation, as :func:`pymoo_gan.runs.search.run_search` writes to ``population.csv``) adds the hypervolume
    curve; without it the curve is the cumulative front of all evaluations."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {"results.csv": os.path.join(out_dir, "results.csv")}
    results = problem.results()
    results.to_csv(paths["results.csv"], index=False)
    front = pareto_table(problem, res)
    tables = write_pareto_tables(front, out_dir, stem="pareto", columns=_paper_columns(problem, front),
                                 caption=f"Pareto set of {type(problem).__name__}")
    paths.update({"pareto.csv": tables["csv"], "pareto.tex": tables["tex"]})
    f_cols = [f"F{i}" for i in range(problem.n_obj)]
    labels = objective_labels(problem)
    evaluated, best = results[f_cols].to_numpy(float), front[f_cols].to_numpy(float)
    title = f"{type(problem).__name__}: {len(results)} evaluations"
    paths["pareto.png"] = plot_pareto(evaluated, best, labels, os.path.join(out_dir, "pareto.png"), title=title,
                                      versions=results["weights_version"].to_numpy())
    if problem.n_obj == 3:
        paths["pareto_3d.png"] = plot_pareto_3d(evaluated, best, labels, os.path.join(out_dir, "pareto_3d.png"),
                                                title=title)
    hv = (hypervolume_history(history, problem.n_obj) if history is not None
          else hypervolume_history(results, problem.n_obj, cumulative=True))
    hv.to_csv(os.path.join(out_dir, "hypervolume.csv"), index=False)
    paths["hypervolume.png"] = plot_hypervolume(hv, os.path.join(out_dir, "hypervolume.png"), title=title)
    shown = front.head(n_grid)
    images = [problem.sample(genotype_from_key(key), n_images) for key in shown["genotype"]]
    row_labels = [f"#{i} " + " ".join(f"{c}={shown.iloc[i][c]:.3g}" for c in f_cols) for i in range(len(shown))]
    paths["samples.png"] = plot_sample_grid(images, row_labels, os.path.join(out_dir, "samples.png"))
    for i, key in enumerate(front["genotype"].head(n_drawings)):
        name = f"arch_{i}.png"
        paths[name] = draw_architecture(problem.space.decode(genotype_from_key(key)), os.path.join(out_dir, name),
                                        title=f"Pareto #{i}")
    return paths
