"""Compress a searched GAN: a half-width, 30%-dense student of a finished run's pair, trained against its own D plus
the pair's retrained D as a frozen teacher (DGL-GAN), with dynamic sparse masks (STU-GAN).

The same as two commands:
    pymoo-gan search problems/small_cpu.toml --out runs/small
    pymoo-gan compress runs/small --student-width 0.5 --density 0.3 --out runs/small_half
"""

import os
import pathlib
import tempfile

import pandas as pd
import torch

from pymoo_gan import load_generator
from pymoo_gan.runs import load_run_config, run_two_stage
from pymoo_gan.runs.compress import compress

tiny = os.environ.get("PYMOO_GAN_TINY")
out = pathlib.Path(os.environ.get("PYMOO_GAN_EXAMPLE_OUT") or tempfile.mkdtemp())
problem = pathlib.Path(__file__).resolve().parents[1] / "problems" / "small_cpu.toml"
# the tests' budget: a few minutes of work shrunk to about a minute
shrink = {"stage1.problem.model.latent_dim": 12, "stage1.problem.model.g_channels": 8,
          "stage1.problem.model.d_channels": 8, "stage1.problem.schedule.warmup_epochs": 0.5,
          "stage1.problem.schedule.round_epochs": 0.25, "stage1.problem.metrics.n_samples": 128,
          "stage1.problem.metrics.bn_batches": 2, "stage1.algorithm.pop_size": 4, "stage1.algorithm.n_gen": 2,
          "stage2.problem.channels": 8, "stage2.problem.schedule.warmup_epochs": 0.25,
          "stage2.problem.schedule.round_epochs": 0.5, "stage2.algorithm.pop_size": 4, "stage2.algorithm.n_gen": 2,
          "retrain.epochs": 2.0, "retrain.eval_every": 1.0, "retrain.eval_start": 0.0, "retrain.select_samples": 128,
          "retrain.n_samples": 256, "retrain.train.ema_decay": 0.5} if tiny else {}

# 1. a finished run: search G, search D for it, retrain the chosen pair (its D becomes the teacher)
run_two_stage(load_run_config(problem, shrink), out / "run", progress=not tiny)

# 2. the student: G and D at half width, G's convolutions 30% dense (D's 50%), teacher term from half-way on
summary = compress(out / "run", out / "half", student_width=0.5, density=0.3, weight=0.1, progress=not tiny,
                   overrides={"retrain.epochs": 1.0, "retrain.eval_every": 0.5} if tiny else None)
print(pd.DataFrame(summary["comparison"]).to_string(index=False))

G = load_generator(out / "half" / "generator.pt")  # the student, plain PyTorch; its pruned weights are zeros
meta = G.export_metadata
print(f"student: {meta['nnz_params']:.0f} non-zero parameters, G density {meta['g_density']:.2f}")
with torch.no_grad():
    print(G(torch.randn(4, G.latent_dim)).shape)
