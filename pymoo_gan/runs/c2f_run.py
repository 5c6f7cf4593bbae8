"""A coarse-to-fine run from a problem file (``kind = "coarse_to_fine"``), as ``pymoo-gan search`` runs it.

Layout of the file (every table optional; the defaults are the CPU-sized ×2 super-resolution of the digits)::

    name = "c2f-sr-digits"
    kind = "coarse_to_fine"
    device = "cpu"
    retrain_steps = 0          # > 0: also retrain the final front's best-PSNR network on its own

    [search]                   # C2FSettings: channels, n_blocks, ops, widths, supernet_steps, pop_size, n_gen, ...
    [search.task]              # PairedConfig: task ("sr", "edges", "folder"), scale, kernel, root
    [search.task.data]         # DataConfig of the images
    [search.train]             # TrainConfig
    [search.losses]            # PairedLossConfig: l1_weight, adv_weight
    [search.parallel]          # ParallelConfig: runner = "ray" scores each level's candidates on Ray actors

The run directory (a :class:`~pymoo_gan.runs.rundir.RunDirectory`: ``run.json`` holds the resolved settings, a
directory of other settings is refused, one process at a time) gets::

    supernet/checkpoint.pt     fair supernet training, checkpointed in chunks
    path/ op/ width/           per level: checkpoint.pt (after every generation), finetune.pt (fine-tuning before
                               the level), results.csv (one row per evaluation: level, genotype in the level and in
                               the full space, objectives F*, constraints G*, scores, failed, failure),
                               population.csv, pareto.csv, pareto.png, hypervolume.{csv,png}, report.json
    fronts.csv                 every level's Pareto set: level, architecture, genotype in the full space, PSNR, SSIM,
                               MACs, parameters (and fd_<extractor>)
    fronts.png, fronts.json    quality vs MACs per level, the bicubic baseline for super-resolution (the Fréchet
                               distance for translation with ``fd``); :mod:`pymoo_gan.report.fronts`
    export/front_<i>.pt        the final front's compact networks with the supernet's weights
    export/retrained.pt        with ``retrain_steps``: the best network retrained on its own (retrain/checkpoint.pt)
    summary.json, report.html  the summary; the run on one page (``pymoo-gan plot RUN_DIR`` redraws both figures and
                               the page from the tables)

Running the same command again resumes where the run stopped (a kill loses at most one generation or one chunk of
training); on CPU with the same seed the results equal an uninterrupted run's. ``fresh=True`` (``--fresh``) discards
the checkpoints of this run and starts over.

Example:
    >>> config = load_c2f_config("problems/c2f_sr_digits.toml")             # doctest: +SKIP
    >>> summary = run_c2f(config, "runs/c2f")                               # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import tomllib

from pymoo_gan.files import atomic_write
from pymoo_gan.models.c2f import extract_c2f
from pymoo_gan.report.fronts import FrontsFigure, write_fronts_figure
from pymoo_gan.report.run_report import write_run_report
from pymoo_gan.report.search_report import write_search_report
from pymoo_gan.runs.coarse_to_fine import (
    C2FSettings,
    bicubic_baseline,
    retrain,
    search_levels,
    train_supernet,
)
from pymoo_gan.runs.config import set_dotted
from pymoo_gan.runs.export import export_model
from pymoo_gan.runs.rundir import RunDirectory
from pymoo_gan.runs.schema import from_dict, to_dict

__all__ = ["KIND", "C2FRunConfig", "is_c2f_file", "load_c2f_config", "run_c2f"]

KIND = "coarse_to_fine"


@dataclass(frozen=True)
class C2FRunConfig:
    """What a coarse-to-fine problem file holds (module docstring)."""

    name: str = "c2f"
    kind: str = KIND
    device: str = "cpu"
    retrain_steps: int = 0
    search: C2FSettings = field(default_factory=C2FSettings)

    def __post_init__(self):
        if self.kind != KIND:
            raise ValueError(f"kind={self.kind!r}; a coarse-to-fine problem file has kind = {KIND!r}")
        if isinstance(self.retrain_steps, bool) or not isinstance(self.retrain_steps, int) or self.retrain_steps < 0:
            raise ValueError(f"retrain_steps={self.retrain_steps!r} must be a non-negative integer")


def _read(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"problem file {path} does not exist")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path} is not valid TOML: {e}") from None


def is_c2f_file(path: str | os.PathLike) -> bool:
    """Whether the problem file at ``path`` says ``kind = "coarse_to_fine"``."""
    return _read(Path(path)).get("kind") == KIND


def load_c2f_config(path: str | os.PathLike, overrides: dict | None = None) -> C2FRunConfig:
    """Read and validate a coarse-to-fine problem file; ``overrides`` maps dotted keys (``search.supernet_steps``)
    to values. A relative ``search.task.root`` is taken relative to the file's folder."""
    path = Path(path)
    data = _read(path)
    for dotted, value in (overrides or {}).items():
        set_dotted(data, dotted, value)
    task = data.get("search", {}).get("task", {}) if isinstance(data.get("search"), dict) else {}
    root = task.get("root") if isinstance(task, dict) else None
    if isinstance(root, str) and not os.path.isabs(os.path.expanduser(root)):
        task["root"] = str((path.parent / root).resolve())
    try:
        return from_dict(C2FRunConfig, data)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def _discard_checkpoints(root: Path) -> None:
    for path in root.glob("*/*.pt"):
        if path.name in ("checkpoint.pt", "finetune.pt"):
            path.unlink()


def _quality(settings: C2FSettings, scores: dict) -> str:
    """The quality a run ranks and plots by: the Fréchet distance for translation with ``fd``, else PSNR."""
    fd_keys = [k for k in scores if k.startswith("fd_") or k == "fid"]
    return fd_keys[0] if fd_keys and "fd" in settings.objectives else "psnr"


def run_c2f(config: C2FRunConfig, directory: str | os.PathLike, fresh: bool = False, progress: bool = False) -> dict:
    """Run (or resume) the pipeline of ``config`` in ``directory`` (module docstring); returns the summary."""
    settings = json.loads(json.dumps(to_dict(config)))
    with RunDirectory(directory, settings, fresh=fresh) as run:
        if fresh:
            _discard_checkpoints(run.path)
        return _run(config, run.path, progress)


def _run(config: C2FRunConfig, root: Path, progress: bool) -> dict:
    s = config.search
    trainer = train_supernet(s, config.device, directory=root / "supernet", progress=progress)
    levels = search_levels(s, trainer, directory=root, progress=progress)
    supernet = trainer.G
    baseline = bicubic_baseline(s)
    rows = []
    for front, problem, res in levels:
        write_search_report(problem, res, str(root / front.level),
                            history=pd.read_csv(root / front.level / "population.csv"))
        full = problem.space.space
        for i, arch in enumerate(front.archs):
            rows.append({"level": front.level, "index": i, "arch": str(arch), "genotype": full.key(full.encode(arch)),
                         **{k: float(v[i]) for k, v in front.scores.items()}})
    atomic_write(root / "fronts.csv", lambda p: pd.DataFrame(rows).to_csv(p, index=False))
    quality = _quality(s, levels[0][0].scores)
    FrontsFigure(series="level", x="macs", y=quality, ylabel="PSNR (dB)" if quality == "psnr" else quality,
                 baseline=baseline.get("psnr") if quality == "psnr" else None, title=config.name).save(root)
    plot = write_fronts_figure(root)[0]
    final = levels[-1][0]
    exports = []
    for i, arch in enumerate(final.archs):
        scores = {k: float(v[i]) for k, v in final.scores.items()}
        exports.append(export_model(extract_c2f(supernet, arch).eval(), root / "export" / f"front_{i}.pt",
                                    metadata={"arch": str(arch), **scores}))
    summary = {"name": config.name, "baseline": baseline, "plot": plot, "exports": exports,
               "levels": [{"level": f.level, "evaluated": f.n_evaluated, "front": len(f.archs),
                           "failed": int(p.results()["failed"].sum()) if len(p.archive) else 0}
                          for f, p, _ in levels],
               "skipped_training_steps": trainer.skipped_steps}
    if config.retrain_steps:
        pick = np.argmin if quality != "psnr" else np.argmax
        best = final.archs[int(pick(final.scores[quality]))]
        (root / "retrain").mkdir(exist_ok=True)
        net, scores = retrain(best, s, config.retrain_steps, config.device, checkpoint=root / "retrain" /
                              "checkpoint.pt")
        summary["retrained"] = {"arch": str(best), **scores,
                                "file": export_model(net, root / "export" / "retrained.pt",
                                                     metadata={"arch": str(best), **scores})}
    atomic_write(root / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2)))
    write_run_report(root)
    return summary
