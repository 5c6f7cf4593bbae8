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

The run directory gets ``config.json`` (the resolved settings), ``fronts.csv`` (every level's Pareto set: level,
architecture, genotype in the full space, PSNR, SSIM, MACs, parameters), ``fronts.png`` (PSNR vs MACs per level, the
bicubic baseline for super-resolution; the Fréchet distance for translation with ``fd``), ``export/front_<i>.pt`` (the
final front's compact networks with the supernet's weights, :func:`~pymoo_gan.runs.export.load_model`), with
``retrain_steps`` ``export/retrained.pt``, and ``summary.json``. A directory that already holds a finished run of other
settings is refused (``fresh=True`` overwrites); there is no mid-run resume yet.

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
from pymoo_gan.report.c2f import plot_quality_vs_macs
from pymoo_gan.runs.coarse_to_fine import (
    C2FSettings,
    bicubic_baseline,
    retrain,
    search_levels,
    train_supernet,
)
from pymoo_gan.runs.config import set_dotted
from pymoo_gan.runs.export import export_model
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


def run_c2f(config: C2FRunConfig, directory: str | os.PathLike, fresh: bool = False) -> dict:
    """Run the pipeline of ``config`` into ``directory`` (module docstring); returns the summary."""
    directory = Path(directory)
    resolved = to_dict(config)
    saved = directory / "config.json"
    if saved.is_file() and not fresh and json.loads(saved.read_text()) != json.loads(json.dumps(resolved)):
        raise ValueError(f"{directory} holds a run of other settings; use another directory or --fresh")
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write(saved, lambda p: p.write_text(json.dumps(resolved, indent=2)))
    s = config.search
    trainer = train_supernet(s, config.device)
    levels = search_levels(s, trainer)
    supernet = trainer.G
    baseline = bicubic_baseline(s)
    rows = []
    for front, problem, _ in levels:
        full = problem.space.space
        for i, arch in enumerate(front.archs):
            rows.append({"level": front.level, "index": i, "arch": str(arch), "genotype": full.key(full.encode(arch)),
                         **{k: float(v[i]) for k, v in front.scores.items()}})
    atomic_write(directory / "fronts.csv", lambda p: pd.DataFrame(rows).to_csv(p, index=False))
    fd_keys = [k for k in levels[0][0].scores if k.startswith("fd_") or k == "fid"]
    quality = fd_keys[0] if fd_keys and "fd" in s.objectives else "psnr"  # translation: the Fréchet distance
    plot = plot_quality_vs_macs({f.level: (f.scores["macs"], f.scores[quality]) for f, _, _ in levels},
                                str(directory / "fronts.png"), baseline=baseline.get("psnr"), title=config.name,
                                quality="PSNR (dB)" if quality == "psnr" else quality)
    final = levels[-1][0]
    exports = []
    for i, arch in enumerate(final.archs):
        scores = {k: float(v[i]) for k, v in final.scores.items()}
        exports.append(export_model(extract_c2f(supernet, arch).eval(), directory / "export" / f"front_{i}.pt",
                                    metadata={"arch": str(arch), **scores}))
    summary = {"name": config.name, "baseline": baseline, "plot": plot, "exports": exports,
               "levels": [{"level": f.level, "evaluated": f.n_evaluated, "front": len(f.archs)} for f, _, _ in levels]}
    if config.retrain_steps:
        best = final.archs[int(np.argmax(final.scores["psnr"]))]
        net, scores = retrain(best, s, config.retrain_steps, config.device)
        summary["retrained"] = {"arch": str(best), **scores,
                                "file": export_model(net, directory / "export" / "retrained.pt",
                                                     metadata={"arch": str(best), **scores})}
    atomic_write(directory / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2)))
    return summary
