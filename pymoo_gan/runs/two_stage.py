"""EAGAN end to end: stage 1 -> choose G* -> stage 2 -> retrain the chosen pairs -> export, in one run directory.

Layout of ``out``::

    run.json                 the settings (a directory never holds two different runs)
    stage1/                  checkpoint.pt, results.csv, population.csv, pareto.{csv,tex,png}, pareto_3d.png,
                             hypervolume.{csv,png}, samples.png, arch_*.png, selection.json (G* and why)
    stage2/                  the same for the discriminator search; generator_in.pt is G* as it entered stage 2
    retrain/pair<i>/         state.pt, history.csv, best_generator.pt, generator.pt, scores.json
    report.html              the run on one page: settings, versions, Pareto sets and figures, the final table
    export/stage1/g<i>.pt    every stage-1 Pareto generator (weights from the supernet)
    export/final/            generator_<i>.pt per retrained pair (EMA G of the selected checkpoint), samples.png
    final.{csv,tex}          the retrained pairs (genotype keys, sizes) and their reported scores
    summary.json

Every stage resumes from its checkpoint when the same command runs again (see :mod:`pymoo_gan.runs.search`).

Example:
    >>> from pymoo_gan.runs import load_run_config, run_two_stage
    >>> summary = run_two_stage(load_run_config("problems/small_cpu.toml"), "runs/small")     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from pymoo_gan import registry
from pymoo_gan.algorithms import nsga2
from pymoo_gan.evaluation.runners import make_runner
from pymoo_gan.evaluation.scorer import extractor_summary, score_aliases
from pymoo_gan.files import atomic_write
from pymoo_gan.metrics import count_params
from pymoo_gan.problems import DiscriminatorSearchProblem, GANSearchProblem
from pymoo_gan.problems.config import setting_path
from pymoo_gan.report import pareto_table, write_run_report, write_search_report
from pymoo_gan.report.figures import plot_sample_grid
from pymoo_gan.report.tables import write_pareto_tables
from pymoo_gan.runs.checkpoint import load_checkpoint
from pymoo_gan.runs.config import RunConfig, run_config_from_dict
from pymoo_gan.runs.export import export_model, load_generator
from pymoo_gan.runs.remote_retrain import PairRetraining, retrain_on_actors
from pymoo_gan.runs.retrain import retrain
from pymoo_gan.runs.rundir import RunDirectory
from pymoo_gan.runs.schema import to_dict
from pymoo_gan.runs.search import run_search
from pymoo_gan.runs.selection import SelectionConfig, rank
from pymoo_gan.space.base import genotype_from_key


def _algorithm(evolution):
    if evolution.name != "nsga2":
        return registry.algorithm(evolution.name).factory(pop_size=evolution.pop_size)
    return nsga2(pop_size=evolution.pop_size, prob_crossover=evolution.prob_crossover,
                 prob_mutation=evolution.prob_mutation)


def _choose(problem, front: pd.DataFrame, select: SelectionConfig, aliases: dict) -> list[int]:
    """Rows of ``front`` in the order ``select`` prefers; objective and budget names may be aliases (``fd``)."""
    columns = {obj.key: f"F{i}" for i, obj in enumerate(problem.objectives)}
    columns.update({alias: columns[key] for alias, key in aliases.items() if key in columns})
    budget = {aliases.get(k, k): v for k, v in select.budget.items()}
    return rank(front, SelectionConfig(select.rule, select.objective, budget), columns)


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=float)))


def _stage(problem, evolution, directory: Path, config: RunConfig, fresh: bool, verbose: bool, report: bool = True):

    res = run_search(problem, _algorithm(evolution), evolution.n_gen, directory, seed=config.seed, fresh=fresh,
                     verbose=verbose)
    problem = res.problem
    if report:
        write_search_report(problem, res, str(directory), history=pd.read_csv(directory / "population.csv"))
    return problem, pareto_table(problem, res)


def _scores(row: pd.Series) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}


def _search_stages(config: RunConfig, run: RunDirectory, fresh: bool, progress: bool, verbose: bool,
                   report: bool = True):
    """Stage 1, G*, stage 2 (each resumed from its checkpoint); returns ``(summary, pairs, stage-1 config, G*'s
    genotype key)`` where ``pairs`` are the ``(g_arch, d_arch or None, d_info)`` to retrain, best first. With
    ``report=False`` (a finished run, e.g. for :func:`retrain_run`) no figure or export is rewritten."""
    summary: dict = {"name": config.name, "stages": list(config.stages)}

    # ---- stage 1: the generator ----------------------------------------------------------------------------------
    p1, front1 = _stage(GANSearchProblem(config.stage1.problem, progress=progress), config.stage1.algorithm,
                        run.stage("stage1"), config, fresh, verbose, report)
    c1 = p1.config
    summary["extractor"] = extractor_summary(p1.scorer.extractor)
    aliases = score_aliases(c1.data, c1.metrics)
    if report:
        for i, key in enumerate(front1["genotype"]):
            export_model(p1.extract(genotype_from_key(key)), run.stage("export/stage1") / f"g{i}.pt",
                         metadata=_scores(front1.iloc[i].drop(["arch"])))
    g_row = front1.iloc[_choose(p1, front1, config.stage1.select, aliases)[0]]
    g_star = p1.extract(genotype_from_key(g_row["genotype"]))
    summary["generator"] = {"rule": config.stage1.select.rule, **_scores(g_row)}
    _write_json(run.path / "stage1" / "selection.json", summary["generator"])

    # ---- stage 2: the discriminator for G* -----------------------------------------------------------------------
    pairs = [(g_star.arch, None, {})]
    if "stage2" in config.stages:
        if report:
            export_model(g_star, run.stage("stage2") / "generator_in.pt", metadata=_scores(g_row.drop(["arch"])))
        problem2 = DiscriminatorSearchProblem(g_star, config.stage2.problem, data=c1.data, metrics=c1.metrics,
                                              device=c1.device, seed=c1.seed, progress=progress)
        p2, front2 = _stage(problem2, config.stage2.algorithm, run.stage("stage2"), config, fresh, verbose, report)
        order = _choose(p2, front2, config.stage2.select, aliases)[:config.retrain.pairs]
        pairs = [(g_star.arch, p2.space.decode(genotype_from_key(front2.iloc[i]["genotype"])),
                  _scores(front2.iloc[i].drop(["arch"]))) for i in order]
        summary["discriminators"] = [p["genotype"] for *_, p in pairs]
    return summary, pairs, c1, g_row["genotype"]


def _retrain_pairs(config: RunConfig, retrain_config, pairs, c1, g_key: str, pair_dir, final: Path,
                   tables: Path, fresh: bool, progress: bool) -> list[dict]:
    """Retrain ``pairs`` from scratch (``pair_dir(i)`` holds pair i's state, ``final`` the exported generators and
    their samples, ``tables`` ``final.{csv,tex}``); returns the table's rows. With ``retrain_config.parallel.runner``
    "ray" the pairs retrain one per actor task (:mod:`pymoo_gan.runs.remote_retrain`); a pair whose actor kept dying
    is a row with its ``failure`` and no generator."""
    rows, grids, labels = [], [], []
    final.mkdir(parents=True, exist_ok=True)
    remote = _retrain_remotely(retrain_config, pairs, c1, pair_dir, fresh)
    for i, (g_arch, d_arch, d_info) in enumerate(pairs):
        directory = pair_dir(i)
        d_key = d_info.get("genotype", f"fixed {c1.model.discriminator}")
        if remote is None:
            result = retrain(g_arch, retrain_config, directory, data=c1.data, metrics=c1.metrics, d_arch=d_arch,
                             model=c1.model, device=c1.device, seed=c1.seed, progress=progress, fresh=fresh)
        else:
            result, failure = remote[i]
            if result is None:
                rows.append({"pair": i, "generator": g_key, "discriminator": d_key, "g_params": float("nan"),
                             "d_params": d_info.get("d_params", float("nan")), "failure": failure})
                continue
        G = load_generator(directory / "generator.pt")
        export_model(G, final / f"generator_{i}.pt", metadata=result)
        with torch.no_grad():
            grids.append(G(torch.randn(10, G.latent_dim, generator=torch.Generator().manual_seed(i))).numpy())
        labels.append(f"pair {i}")
        rows.append({"pair": i, "generator": g_key, "discriminator": d_key,
                     "g_params": float(count_params(G)), "d_params": d_info.get("d_params", float("nan")),
                     **result})
    if grids:
        plot_sample_grid(grids, labels, str(final / "samples.png"))
    write_pareto_tables(pd.DataFrame(rows), str(tables), stem="final", caption=f"{config.name}: retrained pairs")
    return rows


def _retrain_remotely(retrain_config, pairs, c1, pair_dir, fresh: bool) -> list[tuple] | None:
    """``(scores or None, failure)`` per pair, retrained on the actors ``retrain_config.parallel`` asks for (their
    pool is closed afterwards); None with the local runner."""
    runner = make_runner(retrain_config.parallel)
    if not runner.remote:
        return None
    job = PairRetraining(retrain_config, c1.data, c1.metrics, c1.model, c1.device, c1.seed, fresh)
    try:
        return retrain_on_actors(runner, job, [(g, d) for g, d, _ in pairs], [pair_dir(i) for i in range(len(pairs))])
    finally:
        runner.close()


def run_two_stage(config: RunConfig, out: str | os.PathLike, fresh: bool = False, progress: bool = True,
                  verbose: bool = False) -> dict:
    """Run the stages of ``config`` into ``out`` (resuming what is there); returns the summary it writes."""

    with RunDirectory(out, config.to_dict(), fresh=fresh) as run:
        summary, pairs, c1, g_key = _search_stages(config, run, fresh, progress, verbose)
        if "retrain" in config.stages:
            summary["final"] = _retrain_pairs(config, config.retrain, pairs, c1, g_key,
                                              lambda i: run.stage(f"retrain/pair{i}"), run.stage("export/final"),
                                              run.path, fresh, progress)
        _write_json(run.path / "summary.json", summary)
        write_run_report(run.path)
        return summary


def _finished_generation(directory: Path) -> int:
    """Generations a stage's checkpoint holds (0 when there is none)."""
    path = directory / "checkpoint.pt"
    return int(load_checkpoint(path)["generation"]) if path.is_file() else 0  # pymoo counts generations from 1


def retrain_run(run_dir: str | os.PathLike, overrides: dict | None = None, fresh: bool = False,
                progress: bool = True) -> tuple[dict, Path]:
    """Retrain the chosen pairs of the finished (or stage-2-finished) run in ``run_dir`` with its settings;
    ``overrides`` change ``retrain.*`` settings only (dotted keys, e.g. ``{"retrain.epochs": 60}``). Returns the
    summary and the folder it is in.

    With the run's own retrain settings (and ``retrain`` among its stages) this is the retrain stage of
    ``pymoo-gan search`` (``retrain/``, ``export/final/``, ``final.csv``, ``summary.json``; resumed, not repeated).
    Other retrain settings write into ``retrain_<hash>/`` (``retrain.json`` records them; ``pair<i>/``, ``export/``,
    ``final.{csv,tex}``, ``summary.json``), so no earlier result is overwritten and the same command resumes."""
    run_dir = Path(run_dir)
    record = run_dir / "run.json"
    if not record.is_file():
        raise FileNotFoundError(f"{run_dir} holds no run of `pymoo-gan search` (no run.json)")
    settings = json.loads(record.read_text())
    if settings.get("command") == "demo":
        raise ValueError(f"{run_dir} is a demo (stage 1 only, no discriminator search); `pymoo-gan retrain` needs a "
                         "run of `pymoo-gan search`")
    overrides = dict(overrides or {})
    outside = [k for k in overrides if not setting_path(RunConfig, k).startswith("retrain.")]
    if outside:
        raise ValueError(f"retrain changes only retrain.* settings; {', '.join(outside)} belong to the search of "
                         f"{run_dir}")
    config = run_config_from_dict(settings)
    retrain_config = run_config_from_dict(settings, overrides).retrain
    with RunDirectory(run_dir, settings) as run:
        for stage in [s for s in ("stage1", "stage2") if s in config.stages]:
            done, planned = _finished_generation(run.path / stage), getattr(config, stage).algorithm.n_gen
            if done < planned:
                raise ValueError(f"{stage} of {run_dir} is not finished ({done} of {planned} generations); finish "
                                 "it first with the `pymoo-gan search` command that started it")
        summary, pairs, c1, g_key = _search_stages(config, run, fresh=False, progress=progress, verbose=False,
                                                   report=False)
        # where the pairs retrain (retrain.parallel) does not change the results, so neither where they are written
        same = dataclasses.replace(retrain_config, parallel=config.retrain.parallel) == config.retrain
        if same and "retrain" in config.stages:
            root, pair_dir, final = run.path, (lambda i: run.stage(f"retrain/pair{i}")), run.stage("export/final")
        else:
            recipe = {k: v for k, v in to_dict(retrain_config).items() if k != "parallel"}
            tag = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:8]
            root = run.stage(f"retrain_{tag}")
            _write_json(root / "retrain.json", {"retrain": to_dict(retrain_config), "overrides": overrides})
            pair_dir, final = (lambda i: root / f"pair{i}"), root / "export"
        summary["retrain"] = to_dict(retrain_config)
        summary["final"] = _retrain_pairs(config, retrain_config, pairs, c1, g_key, pair_dir, final, root, fresh,
                                          progress)
        _write_json(root / "summary.json", summary)
        write_run_report(run.path)
        return summary, root
