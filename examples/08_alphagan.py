"""AlphaGAN under plain pymoo ``minimize``: the generator's architecture follows the duality gap measured with
worst-case copies of G and D. Preset "s" is alphaGAN(s)'s step counts per epoch ("l": alphaGAN(l)); the search runs on
the relaxation of the space the problem names, here AlphaGAN's own (every up, normal and skip edge searched; without
``space=`` the default EAGAN cells), against the problem's fixed D. The published alphaGAN(s) generator at the same
sizes is printed for comparison."""

import os

from pymoo.optimize import minimize

from pymoo_gan import AlphaGAN, GANSearchProblem
from pymoo_gan.space.presets import get_preset

TINY = os.environ.get("PYMOO_GAN_TINY")
tiny = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=128, batch_size=128, bn_batches=2) if TINY else {}
steps = dict(inner_steps=4, worst_steps=4, outer_steps=2) if TINY else {}

problem = GANSearchProblem(objectives=("fd", "params"), space="alphagan", **tiny)
res = minimize(problem, AlphaGAN("s", **steps), ("n_gen", 2 if TINY else 4), seed=1, verbose=True)

print("derived generator:", problem.space.describe(res.X[0]), "-> (fd, params) =", res.F[0])
published = problem.space.encode(get_preset("alphagan_s").arch)  # alphaGAN(s)'s genotype at this problem's sizes
print("alphaGAN(s), scored on the same weights:", problem.space.describe(published), "->", problem.score(published))
print(problem.results()[["generation", "kind", "weights_version", "supernet_step", "F0", "F1"]])
for epoch in res.algorithm.search_history:  # mean losses and the duality gap of each search epoch
    print(epoch)
