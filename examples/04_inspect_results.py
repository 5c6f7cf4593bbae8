"""Inspect and plot a search: the results table, the Pareto set, a Pareto plot, samples and a standalone export."""

import os
import tempfile

import torch
from pymoo.optimize import minimize

from pymoo_gan import GANSearchProblem, nsga2
from pymoo_gan.report.search_report import pareto_table, write_search_report

tiny = dict(warmup_epochs=1, round_epochs=0.5, n_samples=200) if os.environ.get("PYMOO_GAN_TINY") else {}

problem = GANSearchProblem(**tiny)
res = minimize(problem, nsga2(pop_size=8), ("n_gen", 2), seed=3)

table = problem.results()  # every evaluation, with the supernet step and weights version it was scored on
print(table.groupby("weights_version")[["fd_digits_cnn", "cs_digits_cnn"]].median())
print(pareto_table(problem, res)[["arch", "F0", "F1", "F2"]])

out = os.environ.get("PYMOO_GAN_EXAMPLE_OUT") or tempfile.mkdtemp()
print(write_search_report(problem, res, out))  # results.csv, pareto.csv, pareto.png, samples.png

generator = problem.extract(res.X[0])  # a plain nn.Module with the supernet's weights for this architecture
with torch.no_grad():
    print(generator(torch.randn(4, generator.latent_dim)).shape)
