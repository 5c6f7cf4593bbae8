"""EAGAN's two stages from Python: search G, pick G*, search D for it (one-to-one, weight-resetting), export.

The same pipeline with retraining and reports is one command: ``pymoo-gan search problems/small_cpu.toml --out DIR``.
"""

import os
import tempfile

import torch

from pymoo_gan import DiscriminatorSearchProblem, GANSearchProblem, export_model, load_generator, nsga2
from pymoo_gan.runs import run_search

tiny = os.environ.get("PYMOO_GAN_TINY")
out = os.environ.get("PYMOO_GAN_EXAMPLE_OUT") or tempfile.mkdtemp()
stage1 = dict(warmup_epochs=1, round_epochs=0.5, n_samples=200) if tiny else {}
stage2 = dict(warmup_epochs=0.25, round_epochs=0.5) if tiny else {}

# stage 1: checkpointed after every generation; running this script again resumes instead of starting over
problem1 = GANSearchProblem(**stage1)
res1 = run_search(problem1, nsga2(pop_size=6), 3, f"{out}/stage1", seed=1)
problem1 = res1.problem  # the problem that ran (restored from the checkpoint when resuming)
g_star = problem1.extract(res1.opt[0].X)  # a Pareto generator with its stage-1 weights

# stage 2: every candidate D trains its own copy of G*; after each round all copies become the best pair's G
c = problem1.config  # stage 2 trains on stage 1's data and scores with its metrics, so their scores compare
problem2 = DiscriminatorSearchProblem(g_star, data=c.data, metrics=c.metrics, device=c.device, seed=c.seed, **stage2)
res2 = run_search(problem2, nsga2(pop_size=4), 2, f"{out}/stage2", seed=1)
print(res2.problem.results()[["genotype", "weights_version", "fd_digits_cnn", "d_params"]].tail())

G, D = res2.problem.extract(res2.opt[0].X)  # the best pair's generator copy and its discriminator
path = export_model(G, f"{out}/generator.pt", metadata={"stage": 2})
G = load_generator(path)  # architecture + weights, plain PyTorch
with torch.no_grad():
    print(G(torch.randn(4, G.latent_dim)).shape)
