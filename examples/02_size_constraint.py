"""A custom objective and a size constraint: trade the Fréchet distance for multiply-accumulates, and keep only
generators with at most 150k parameters (``out["G"]``: params <= 150,000)."""

import math
import os

from pymoo.optimize import minimize

from pymoo_gan import GANSearchProblem, nsga2
from pymoo_gan.problems import Objective

tiny = dict(warmup_epochs=1, round_epochs=0.5, n_samples=200) if os.environ.get("PYMOO_GAN_TINY") else {}

# any function of the raw scores can be an objective; here FD weighted by the log of the compute cost
fd_per_flop = Objective("fd_log_macs", fn=lambda s: s["fd_digits_cnn"] * (1 + 0.1 * math.log(s["macs"])))
problem = GANSearchProblem(objectives=("fd", fd_per_flop, "macs"), constraints={"params": 150_000}, **tiny)
res = minimize(problem, nsga2(pop_size=8), ("n_gen", 3 if not tiny else 2), seed=2)

table = problem.results()
print(f"{(table['G0'] <= 0).mean():.0%} of evaluated generators meet the size budget")
print(table.loc[table["G0"] <= 0, ["arch", "fd_digits_cnn", "macs", "params"]].head())
