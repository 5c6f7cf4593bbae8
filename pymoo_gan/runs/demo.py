"""``pymoo-gan demo``: the default stage-1 search in a run directory, a short fine-tune of one Pareto generator, the
report.

The directory follows :class:`~pymoo_gan.runs.RunDirectory`: the same command resumes from the checkpoint after each
generation (:func:`~pymoo_gan.runs.run_search`) and, when the search is finished, redraws the report without training
again; other settings are refused with one line; ``fresh=True`` (``--fresh``) discards the checkpoint and starts over.

Layout of ``out``: ``run.json`` (settings), ``checkpoint.pt``, ``results.csv``, ``population.csv``, ``pareto.{csv,tex}``
and the stage figures, ``samples.png`` (first row: the fine-tuned generator; second: the same architecture on the
supernet; then the Pareto set on the supernet), ``finetune/`` (generator.pt, scores.json), ``config.json``,
``summary.json`` and ``report.html``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch

from pymoo_gan.algorithms import nsga2
from pymoo_gan.evaluation.scorer import extractor_summary
from pymoo_gan.files import atomic_write
from pymoo_gan.problems import GANSearchProblem, SearchConfig
from pymoo_gan.report import pareto_table, write_run_report, write_search_report
from pymoo_gan.runs.config import EvolutionConfig
from pymoo_gan.runs.finetune import FinetuneConfig, finetune, finetuned_generator
from pymoo_gan.runs.rundir import RunDirectory
from pymoo_gan.runs.schema import to_dict
from pymoo_gan.runs.search import run_search
from pymoo_gan.space.base import genotype_from_key

__all__ = ["run_demo"]


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=float)))


def _lead_rows(problem, tuned: dict, n: int) -> list[tuple]:
    """The two rows the sample grid starts with: the fine-tuned generator and the same architecture on the
    supernet, each labelled with its Fréchet distance."""
    key, fd = tuned["genotype"], tuned["fd_key"]
    G = finetuned_generator(tuned["directory"]).to(problem.scorer.latents.device)
    with torch.no_grad():
        tuned_images = G(problem.scorer.latents[:n]).float().cpu().numpy()
    supernet = problem.sample(genotype_from_key(key), n)
    start = "from scratch" if tuned.get("init") == "scratch" else "from the supernet"
    return [(tuned_images, f"trained standalone {start}, {tuned['steps']} steps: {fd}={tuned[fd]:.3g}"),
            (supernet, f"same architecture, supernet weights: {fd}={tuned[fd + '_supernet']:.3g}")]


def run_demo(config: SearchConfig, evolution: EvolutionConfig, tune: FinetuneConfig, out: str | os.PathLike, *,
             seed: int = 1, fresh: bool = False, progress: bool = True, verbose: bool = False,
             formats: Sequence[str] = ("png",)) -> dict:
    """Run the demo into ``out`` (see the module docstring); returns the summary it writes."""
    settings = {"command": "demo", "seed": seed, "pop_size": evolution.pop_size, "n_gen": evolution.n_gen,
                "finetune": to_dict(tune), "config": to_dict(config)}
    start = time.perf_counter()
    with RunDirectory(out, settings, fresh=fresh) as run:
        problem = GANSearchProblem(config, progress=progress)
        res = run_search(problem, nsga2(pop_size=evolution.pop_size), evolution.n_gen, run.path, seed=seed,
                         fresh=fresh, verbose=verbose)
        problem = res.problem
        search_seconds = time.perf_counter() - start
        front = pareto_table(problem, res)
        summary: dict = {"command": "demo", "evaluations": len(problem.results()),
                         "extractor": extractor_summary(problem.scorer.extractor)}
        lead = []
        if tune.finetune_steps:
            tuned = finetune(problem, front, tune, run.path / "finetune", progress=progress)
            tuned["directory"] = str(run.path / "finetune")
            lead = _lead_rows(problem, tuned, tune.finetune_n_samples)
            summary["finetune"] = {k: v for k, v in tuned.items() if k != "directory"}
        paths = write_search_report(problem, res, str(run.path), history=pd.read_csv(run.path / "population.csv"),
                                    formats=formats, lead=lead)
        _write_json(run.path / "config.json", settings)
        summary["seconds"] = {"search": round(search_seconds, 1), "total": round(time.perf_counter() - start, 1)}
        _write_json(run.path / "summary.json", summary)
        paths["report.html"] = write_run_report(run.path, formats=formats)
        summary["paths"] = paths
        return summary
