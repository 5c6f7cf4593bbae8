"""G's density as a gene: arch x density genotypes scored as magnitude-pruned extracted paths."""

import doctest

import numpy as np
import pytest
import torch

from pymoo_gan.nn.masks import conv_weights, erk_densities
from pymoo_gan.problems import density_search
from pymoo_gan.problems.density_search import DensityGANSearchProblem, magnitude_prune

TINY = dict(latent_dim=12, g_channels=8, d_channels=8, warmup_epochs=0.1, n_samples=64, batch_size=64, bn_batches=1,
            device="cpu", progress=False)


def test_doctests():
    assert doctest.testmod(density_search).failed == 0


def test_bad_densities_are_one_line_errors():
    with pytest.raises(ValueError, match=r"must be distinct values in \(0, 1\], ascending"):
        DensityGANSearchProblem(densities=(0.5, 0.2))
    with pytest.raises(ValueError, match="must be distinct"):
        DensityGANSearchProblem(densities=(0.0, 1.0))


def test_pruned_layers_keep_their_erk_counts_of_largest_weights():
    problem = DensityGANSearchProblem(densities=(0.3, 1.0), **TINY)
    arch = problem.arch_space.decode(problem.arch_space.sample(np.random.default_rng(0), 1)[0])
    net = problem.entry.build(arch, generator=torch.Generator().manual_seed(0))
    dense = {k: w.detach().clone() for k, w in conv_weights(net).items()}
    magnitude_prune(net, 0.3)
    targets = erk_densities({k: w.shape for k, w in dense.items()}, 0.3)
    for name, w in conv_weights(net).items():
        kept = int(w.count_nonzero())
        assert kept == min(w.numel(), max(1, round(targets[name] * w.numel())))
        if kept < w.numel():  # every kept weight is at least as large as every pruned one
            assert dense[name].abs()[w != 0].min() >= dense[name].abs()[w == 0].max()


def test_density_gene_scores_sparse_costs_on_the_same_weights():
    problem = DensityGANSearchProblem(densities=(0.2, 1.0), objectives=("fd", "nnz_params"), **TINY)
    arch = problem.arch_space.sample(np.random.default_rng(1), 1)[0]
    problem.evaluate(np.array([[*arch, 0], [*arch, 1]]))
    sparse, dense = problem.results().to_dict("records")
    assert (sparse["density"], dense["density"]) == (0.2, 1.0) and sparse["weights_version"] == dense["weights_version"]
    assert dense["nnz_params"] == dense["params"] and sparse["nnz_params"] < dense["nnz_params"]
    assert sparse["sparse_macs"] < dense["macs"] == dense["sparse_macs"]
    assert [o.key for o in problem.objectives] == ["fd_digits_cnn", "nnz_params"]
