"""What a finished search leaves in its output folder: results table, Pareto set, Pareto plot, sample grid."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from pymoo_gan.plot import plot_pareto, plot_sample_grid


def objective_labels(problem) -> list[str]:
    return [("-" if o.maximize else "") + o.key for o in problem.objectives]


def pareto_table(problem, res) -> pd.DataFrame:
    """The final Pareto set of ``res`` with readable architectures, minimised objectives and raw scores."""
    opt = res.opt if res.opt is not None else res.pop
    rows = []
    for ind in opt:
        g = problem.space.to_genotype(ind.X)
        row = problem.archive.lookup(problem.space.key(g), problem.engine.weights_version) or {}
        rows.append({k: v for k, v in row.items() if k not in ("eval_id", "generation", "kind", "score_time_s")})
    table = pd.DataFrame(rows)
    return table.sort_values("F0").reset_index(drop=True) if len(table) else table


def write_search_report(problem, res, out_dir: str, n_grid: int = 8, n_images: int = 10) -> dict[str, str]:
    """Write ``results.csv`` (every evaluation), ``pareto.csv``, ``pareto.png`` and ``samples.png``."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {name: os.path.join(out_dir, name) for name in ("results.csv", "pareto.csv", "pareto.png", "samples.png")}
    results = problem.results()
    results.to_csv(paths["results.csv"], index=False)
    front = pareto_table(problem, res)
    front.to_csv(paths["pareto.csv"], index=False)
    f_cols = [f"F{i}" for i in range(problem.n_obj)]
    plot_pareto(results[f_cols].to_numpy(float), front[f_cols].to_numpy(float), objective_labels(problem),
                paths["pareto.png"], title=f"{type(problem).__name__}: {len(results)} evaluations",
                versions=results["weights_version"].to_numpy())
    best = front.head(n_grid)
    images = [problem.sample(np.array([int(v) for v in key.split("-")]), n_images) for key in best["genotype"]]
    labels = [f"#{i} " + " ".join(f"{c}={best.iloc[i][c]:.3g}" for c in f_cols) for i in range(len(best))]
    plot_sample_grid(images, labels, paths["samples.png"])
    return paths
