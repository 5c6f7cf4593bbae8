"""Quickstart: EAGAN stage 1 (generator search) on the embedded digits dataset with NSGA-II.

Runs in about two minutes on a 2-core CPU. The test suite runs it with PYMOO_GAN_TINY=1 (smaller budgets).
"""

import os

from pymoo.optimize import minimize

from pymoo_gan import GANSearchProblem, nsga2

tiny = dict(warmup_epochs=1, round_epochs=0.5, n_samples=200) if os.environ.get("PYMOO_GAN_TINY") else {}

problem = GANSearchProblem(**tiny)  # digits 16x16, EAGAN generator space, objectives: FD, -classifier score, params
res = minimize(problem, nsga2(pop_size=8), ("n_gen", 4 if not tiny else 2), seed=1, verbose=True)

print(problem.results()[["generation", "kind", "fd_digits_cnn", "cs_digits_cnn", "params"]].tail().to_string())
for x, f in zip(res.X, res.F, strict=True):
    print(problem.space.describe(x), "->", f)
