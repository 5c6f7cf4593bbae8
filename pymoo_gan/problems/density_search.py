"""Stage 1 with G's density as a gene: the genotype is ``architecture x density``, so a pymoo search trades
sparsity against quality.

:class:`DensityGANSearchProblem` is :class:`~pymoo_gan.problems.GANSearchProblem` over ``ProductSpace(arch=<the
generator space>, density=Ordinal("density", densities))``. The supernet trains exactly as in stage 1 (on the
architecture part of the population's genotypes; the density gene does not change training). A candidate is scored as
its extracted sub-network **pruned once by magnitude** to its density: per layer, the ERK density of
:func:`~pymoo_gan.nn.masks.erk_densities` (the allocation STU-GAN trains with), keeping the largest-magnitude
convolution weights of the extracted copy (linear layers, normalisation and biases dense), then BN recalibrated and
scored. Its raw scores add ``density``, ``nnz_params`` and ``sparse_macs`` (objectives or constraints like any other).

This is one-shot magnitude pruning of shared weights, not STU-GAN training per candidate: it ranks how well each
architecture's inherited weights survive pruning, a proxy that favours architectures whose weights happen to be
prunable now. Retrain the chosen candidate sparse (``[retrain.sparse]`` with its density, or ``pymoo-gan compress
--density``) before reporting its quality. The supernet may itself train sparse (``config.sparse``); candidates then
inherit those masks and are pruned further only below the supernet's density.

Example:
    >>> problem = DensityGANSearchProblem(densities=(0.1, 0.3, 1.0), objectives=("fd", "nnz_params"))
    >>> problem.n_var, problem.space.names[-1], problem.xu[-1].item()
    (22, 'density', 2)
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from pymoo_gan.metrics import sparse_cost
from pymoo_gan.nn.masks import conv_weights, erk_densities
from pymoo_gan.problems.generator_search import GANSearchProblem
from pymoo_gan.space import Ordinal, ProductSpace

__all__ = ["DensityGANSearchProblem", "magnitude_prune"]


@torch.no_grad()
def magnitude_prune(net: nn.Module, density: float) -> None:
    """Zero all but the largest-magnitude convolution weights of ``net``, in place: per layer ``round(d_l *
    numel)`` (at least one) kept, ``d_l`` the ERK density of that layer for overall ``density``; ties go to the lower
    index. ``density == 1`` changes nothing.

    Example:
        >>> conv = nn.Conv2d(1, 1, 2, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.copy_(torch.tensor([[[[0.1, -3.0], [2.0, 0.5]]]]))
        >>> magnitude_prune(nn.Sequential(conv), 0.5)
        >>> conv.weight.flatten().tolist()
        [0.0, -3.0, 2.0, 0.0]
    """
    if density >= 1.0:
        return
    weights = conv_weights(net)
    targets = erk_densities({k: w.shape for k, w in weights.items()}, density)
    for name, w in weights.items():
        keep = min(w.numel(), max(1, round(targets[name] * w.numel())))
        order = torch.argsort(w.detach().abs().reshape(-1), descending=True, stable=True)
        mask = torch.zeros(w.numel(), dtype=torch.bool, device=w.device)
        mask[order[:keep]] = True
        w.mul_(mask.view(w.shape))


class DensityGANSearchProblem(GANSearchProblem):
    """Stage-1 generator search whose genotype ends with a density gene (module docstring).

    Args:
        config, progress, hooks, warmup_sampler, round_sampler, overrides: as :class:`GANSearchProblem`.
        densities: the density gene's options, ascending in (0, 1] (an ordinal gene: mutation steps to neighbours).
    """

    def __init__(self, config=None, densities=(0.1, 0.2, 0.5, 1.0), **kwargs):
        densities = tuple(float(d) for d in densities)
        if not densities or any(not 0.0 < d <= 1.0 for d in densities) or list(densities) != sorted(set(densities)):
            raise ValueError(f"densities={densities!r} must be distinct values in (0, 1], ascending")
        super().__init__(config, **kwargs)
        self.arch_space, self.densities = self.space, densities
        self.space = ProductSpace(arch=self.arch_space, density=Ordinal("density", densities))
        self.n_var, self.xl, self.xu = self.space.n_var, self.space.xl, self.space.xu

    def _build(self):
        space, self.space = self.space, self.arch_space  # the supernet and scorer are the architecture space's
        try:
            return super()._build()
        finally:
            self.space = space

    def _arch_genotypes(self, genotypes) -> list[np.ndarray]:
        return [np.asarray(self.space.to_genotype(g))[:self.arch_space.n_var] for g in genotypes]

    def warmup(self) -> None:
        self.trainer.warmup(self.warmup_sampler(self.arch_space, self.trainer.path_rng))

    def train_round(self, genotypes) -> None:
        self.trainer.train_round(self.round_sampler(self.arch_space, self._arch_genotypes(genotypes),
                                                    self.trainer.path_rng))

    def score(self, genotype) -> dict[str, float]:
        """Raw scores of the candidate's extracted path pruned to its density (module docstring)."""
        arch = self.space.decode(self.space.to_genotype(genotype))
        net = self.extract_path(arch["arch"])
        magnitude_prune(net, arch["density"])
        scores = self.scorer.score_generator(net)
        key = self.arch_space.key(self.arch_space.encode(arch["arch"]))
        if key not in self._costs:
            self._costs[key] = self.scorer.cost(self.entry.build(arch["arch"]), arch["arch"].macro.latent_dim)
        z = torch.zeros(1, arch["arch"].macro.latent_dim, device=next(net.parameters()).device)
        sparse = {k: float(v) for k, v in sparse_cost(net, z).items()}
        return {**scores, **self._costs[key], **sparse, "density": arch["density"]}

    def extract(self, x):
        """The candidate's standalone generator: extracted, pruned to its density, BN recalibrated."""
        arch = self.space.decode(self.space.to_genotype(x))
        net = self.extract_path(arch["arch"])
        magnitude_prune(net, arch["density"])
        self.scorer.recalibrate(net)
        return net.eval()
