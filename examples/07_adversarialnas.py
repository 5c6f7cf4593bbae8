"""AdversarialNAS under plain pymoo ``minimize``: G and D architectures searched together by gradient on a relaxed
supernet; one generation is one search epoch, after which the derived generator is scored by the problem like any
candidate (weights inherited from the relaxed supernet's EMA, BN recalibrated, the same latents and statistics)."""

import os

from pymoo.optimize import minimize

from pymoo_gan import AdversarialNAS, GANSearchProblem

TINY = os.environ.get("PYMOO_GAN_TINY")
tiny = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=128, batch_size=128, bn_batches=2) if TINY else {}

problem = GANSearchProblem(objectives=("fd", "params"), **tiny)
# gumbel=True: the released search script's Gumbel-softmax temperature schedule (on the logits)
algorithm = AdversarialNAS(epochs_per_gen=0.12 if TINY else 1.0, gumbel=True)
res = minimize(problem, algorithm, ("n_gen", 1 if TINY else 3), seed=1, verbose=True)

print("derived generator:", problem.space.describe(res.X[0]), "-> (fd, params) =", res.F[0])
print("derived discriminator:", res.algorithm.trainer.derive_discriminator())
print(problem.results()[["generation", "kind", "weights_version", "supernet_step", "F0", "F1"]])
for epoch in res.algorithm.search_history:
    print(epoch)
generator = problem.extract(res.X[0])  # a standalone nn.Module with the inherited weights
print(type(generator).__name__, sum(p.numel() for p in generator.parameters()), "parameters")
