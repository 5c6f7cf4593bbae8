"""The same problem under other pymoo algorithms: SMS-EMOA with our categorical operators, and NSDE (a
differential-evolution MOEA) with pymoo's own real-valued operators, whose vectors decode by the documented rule."""

import os

from pymoo.algorithms.moo.nsde import NSDE
from pymoo.algorithms.moo.sms import SMSEMOA
from pymoo.optimize import minimize

from pymoo_gan import GANSearchProblem
from pymoo_gan.operators import ArchCrossover, ArchMutation, ArchSampling

tiny = dict(warmup_epochs=1, round_epochs=0.5, n_samples=200) if os.environ.get("PYMOO_GAN_TINY") else {}

sms = SMSEMOA(pop_size=8, sampling=ArchSampling(), crossover=ArchCrossover(), mutation=ArchMutation())
res = minimize(GANSearchProblem(**tiny), sms, ("n_evals", 24), seed=1)
print("SMS-EMOA front:\n", res.F)

res = minimize(GANSearchProblem(objectives=("fd", "params"), **tiny), NSDE(pop_size=8), ("n_gen", 2), seed=1)
print("NSDE front:\n", res.F)
