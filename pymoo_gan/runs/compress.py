"""Compress a finished run's chosen pair: a narrower and/or sparser student G trained with the pair's D as teacher.

``compress(run_dir, out, student_width=0.5, density=0.3)`` (``pymoo-gan compress RUN_DIR --student-width 0.5
--density 0.3 --out DIR``) takes retrained pair ``pair`` of a finished ``pymoo-gan search`` run as the teacher:

- **student**: the pair's G architecture with ``student_width`` x its channels, against its own D, the pair's D at
  ``d_width`` x its channels (DGL-GAN halves both), trained from scratch by :func:`~pymoo_gan.runs.retrain.retrain`
  with the run's ``[retrain]`` settings (``overrides`` change them, e.g. ``{"retrain.epochs": 50}``);
- **DGL-GAN** (``weight`` > 0): the frozen teacher D (the pair's retrained D; or ``teacher``: an exported D file, or
  ``"train"`` to train a teacher pair on the spot, the student's pair widened back by ``1 / student_width``) adds
  ``weight * L_adv(D_T(G_S(z)))`` to G's loss from ``start_epoch`` on (default: half the epochs, DGL-GAN's two
  stages: plain training first);
- **STU-GAN** (``density`` set): G's convolutions at that density and D's at ``density_d``, ``sparse_mode``
  ``"dynamic"`` (prune-and-regrow every ``update_every`` G steps) or ``"static"``.

The teacher's files are only read. Output folder ``out``::

    run.json                 the settings (a folder never holds two different compressions)
    student/                 the student's retraining: state.pt, history.csv, generator.pt, scores.json (+ teacher/)
    generator.pt             the student's export (``load_generator``), with its scores and cost in the metadata
    comparison.{csv,tex}     teacher vs student: params, nnz params, MACs, sparse MACs, D params, fd, score
    summary.json

Teacher and student are scored with the same metrics, latents and sample count (the run's ``retrain.n_samples``).

Example:
    >>> summary = compress("runs/small", "runs/small_half", student_width=0.5, density=0.3)   # doctest: +SKIP
    >>> summary["comparison"][1]["nnz_params"] < summary["comparison"][0]["nnz_params"]        # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pandas as pd
import torch

from pymoo_gan.evaluation.scorer import CandidateScorer, score_aliases
from pymoo_gan.files import atomic_write
from pymoo_gan.metrics import count_macs, count_params, sparse_cost
from pymoo_gan.report.tables import write_pareto_tables
from pymoo_gan.runs.config import run_config_from_dict
from pymoo_gan.runs.export import export_model, load_generator
from pymoo_gan.runs.retrain import retrain
from pymoo_gan.runs.rundir import RunDirectory
from pymoo_gan.runs.teachers import DistillConfig, discriminator_from_state, run_pair
from pymoo_gan.runs.teachers import scale_width as _scale
from pymoo_gan.training import SparseConfig
from pymoo_gan.training.device import resolve_device

__all__ = ["compress"]


def _cost(G, D) -> dict[str, float]:
    z = torch.zeros(1, G.latent_dim, device=next(G.parameters()).device)
    return {"params": float(count_params(G)), "macs": float(count_macs(G, z)),
            **{k: float(v) for k, v in sparse_cost(G, z).items()},
            "d_params": float(count_params(D)), "d_nnz_params": float(sparse_cost(D, G.eval()(z))["nnz_params"])}


def compress(run_dir: str | os.PathLike, out: str | os.PathLike, *, student_width: float = 0.5,
             d_width: float | None = None, density: float | None = None, density_d: float | None = None,
             sparse_mode: str = "dynamic", update_every: int | None = None, weight: float = 0.1,
             start_epoch: float | None = None, teacher: str | None = None, pair: int = 0,
             overrides: dict | None = None, device: str | None = None, progress: bool = True,
             fresh: bool = False) -> dict:
    """Train a compressed student of ``run_dir``'s retrained pair ``pair`` into ``out``; returns the summary (module
    docstring). ``update_every`` (G steps between prune-and-regrow updates) defaults to a tenth of the run."""
    if not student_width > 0 or (d_width is not None and not d_width > 0):
        raise ValueError(f"student_width={student_width!r} and d_width={d_width!r} must be > 0")
    info = run_pair(run_dir, pair)
    settings = json.loads((Path(run_dir) / "run.json").read_text())
    config = run_config_from_dict(settings, overrides)
    c1, d_width = config.stage1.problem, student_width if d_width is None else d_width
    device = resolve_device(device or c1.device)
    per_epoch = len(c1.data.load("train")[0]) / (config.retrain.train.d_batch_size * config.retrain.train.n_critic)
    epochs = config.retrain.epochs
    dgl = None
    if weight > 0:
        dgl = DistillConfig(teacher="train" if teacher == "train" else str(teacher or run_dir), pair=pair,
                            weight=weight, start_epoch=epochs / 2 if start_epoch is None else start_epoch,
                            teacher_width=1.0 / student_width)
    sparse = None
    if density is not None:
        every = update_every or max(1, int(epochs * per_epoch) // 10)
        sparse = SparseConfig(mode=sparse_mode, density_g=density, update_every=every,
                              **({} if density_d is None else {"density_d": density_d}))
    retrain_config = dataclasses.replace(config.retrain, dgl=dgl, sparse=sparse)
    s_g = _scale(info["g_arch"], student_width)
    s_d = info["d_arch"] and _scale(info["d_arch"], d_width)
    s_model = dataclasses.replace(info["model"], d_channels=max(1, int(round(info["model"].d_channels * d_width))))
    record = {"run_dir": str(Path(run_dir).resolve()), "pair": pair, "student_width": student_width,
              "d_width": d_width, "retrain": dataclasses.asdict(retrain_config)}

    with RunDirectory(out, json.loads(json.dumps(record, default=str)), fresh=fresh) as run:
        result = retrain(s_g, retrain_config, run.stage("student"), data=c1.data, metrics=c1.metrics, d_arch=s_d,
                         model=s_model, device=str(device), seed=c1.seed, progress=progress, fresh=fresh)
        student = load_generator(run.path / "student" / "generator.pt", map_location=device)
        teacher_g = load_generator(info["generator"], map_location=device)
        data = c1.data if config.retrain.transfer is None else config.retrain.transfer.apply(
            info["g_arch"], None, c1.data)[2]
        metrics = dataclasses.replace(c1.metrics, n_samples=config.retrain.n_samples)
        scorer = CandidateScorer(data, metrics, latent_dim=teacher_g.latent_dim, device=device, seed=c1.seed)
        teacher_scores = scorer.score_generator(teacher_g)
        aliases = score_aliases(data, metrics)
        d_teacher = discriminator_from_state(info["state"], info["d_arch"], info["model"], info["g_arch"]).to(device)
        d_student = discriminator_from_state(run.path / "student" / "state.pt", s_d, s_model, info["g_arch"])
        rows = []
        for role, G, D, scores in (("teacher", teacher_g, d_teacher, teacher_scores),
                                   ("student", student, d_student.to(device), result)):
            rows.append({"role": role, "g_channels": G.arch.macro.channels, **_cost(G, D),
                         "fd": scores[aliases["fd"]], "score": scores[aliases["score"]]})
        summary = {"run_dir": record["run_dir"], "pair": pair, "student_width": student_width, "d_width": d_width,
                   "dgl": dataclasses.asdict(dgl) if dgl else None,
                   "sparse": dataclasses.asdict(sparse) if sparse else None,
                   "metrics": {"fd": aliases["fd"], "score": aliases["score"], "n_samples": metrics.n_samples},
                   "comparison": rows}
        export_model(student, run.path / "generator.pt",
                     metadata={**result, **{k: v for k, v in rows[1].items() if k != "role"}})
        write_pareto_tables(pd.DataFrame(rows), str(run.path), stem="comparison",
                            caption=f"teacher (pair {pair} of {Path(run_dir).name}) vs compressed student")
        atomic_write(run.path / "summary.json", lambda tmp: tmp.write_text(json.dumps(summary, indent=2,
                                                                                        default=float)))
        return summary
