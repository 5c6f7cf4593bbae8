"""Relaxation layouts and derivation (torch-free): one-hot weights derive their arch, any weights derive a valid arch,
and the hard rule keeps each node's best non-none input."""

import doctest
import re

import numpy as np
import pytest

from pymoo_gan.space import (
    DiscriminatorMacro,
    EAGANDiscriminatorRelaxation,
    EAGANDiscriminatorSpace,
    EAGANGeneratorRelaxation,
    EAGANGeneratorSpace,
    GeneratorMacro,
    relaxation,
)
from pymoo_gan.space.eagan import NORMAL_OPS


@pytest.fixture(params=["generator", "discriminator"])
def relax(request):
    if request.param == "generator":
        return EAGANGeneratorRelaxation(EAGANGeneratorSpace(GeneratorMacro(latent_dim=12)))
    return EAGANDiscriminatorRelaxation(EAGANDiscriminatorSpace(DiscriminatorMacro()))


def relaxable_archs(relax, n, seed=0):
    """Sampled archs; a discriminator cell that keeps its resolution is given a random down pair (the relaxed D
    downsamples in every cell)."""
    rng, space = np.random.default_rng(seed), relax.space
    out = []
    for g in space.sample(rng, n):
        if isinstance(space, EAGANDiscriminatorSpace):
            for c in np.flatnonzero(g[5::7] == 0):
                g[7 * c + 5], g[7 * c + 6] = rng.integers(1, 7), rng.integers(0, 6)
        out.append(space.decode(g))
    return out


def random_weights(relax, rng, none_bias=0.0):
    """Softmax of random logits per edge; ``none_bias`` is added to the 'none' logit of every edge that has one."""
    out = {}
    for group in relax.groups:
        logits = rng.normal(size=relax.shapes()[group.name]) * rng.uniform(0.1, 3)
        if "none" in group.options:
            logits[..., group.options.index("none")] += none_bias
        e = np.exp(logits - logits.max(-1, keepdims=True))
        out[group.name] = e / e.sum(-1, keepdims=True)
    return out


def expected_choices(relax, w):
    """Independent reference of the derivation: argmax per edge, then per node with only 'none' inputs the single
    (edge, op) of largest weight among its inputs' non-none ops (first on ties, in input order)."""
    choices = {k: v.argmax(-1) for k, v in w.items()}
    for cell in range(relax.n_cells):
        for node in relax.nodes:
            cands = []
            for group, edge in node.inputs:
                options = next(g.options for g in relax.groups if g.name == group)
                if options[choices[group][cell, edge]] != "none":
                    break
                cands += [(w[group][cell, edge, k], group, edge, k) for k, o in enumerate(options) if o != "none"]
            else:
                best = max(cands, key=lambda t: t[0])  # max keeps the first of equal keys
                choices[best[1]][cell, best[2]] = best[3]
    return choices


def test_shapes_and_one_hot(relax):
    shapes = relax.shapes()
    assert [g.name for g in relax.groups] == list(shapes)
    for arch in relaxable_archs(relax, 5):
        w = relax.one_hot(arch)
        assert {k: v.shape for k, v in w.items()} == shapes
        assert all(np.array_equal(v.sum(-1), np.ones(v.shape[:-1])) and set(np.unique(v)) == {0.0, 1.0}
                   for v in w.values())


def test_one_hot_weights_derive_exactly_their_arch(relax):
    for arch in relaxable_archs(relax, 200):
        g = relax.derive_genotype(relax.one_hot(arch))
        assert np.array_equal(g, relax.space.encode(arch)) and relax.space.contains(g)
        assert relax.derive(relax.one_hot(arch)) == arch


@pytest.mark.parametrize("none_bias", [0.0, 3.0])
def test_random_weights_derive_a_valid_arch_by_the_rules(relax, none_bias):
    rng, fired = np.random.default_rng(1), 0
    for _ in range(300):
        w = random_weights(relax, rng, none_bias)
        g = relax.derive_genotype(w)
        assert relax.space.contains(g), g
        expected = expected_choices(relax, w)
        fired += any(not np.array_equal(expected[k], w[k].argmax(-1)) for k in w)
        assert np.array_equal(g, relax.space.encode(relax._arch(expected)))
        assert relax.derive(w) == relax.space.decode(g)
    assert fired > (100 if none_bias else 0)  # with 'none' favoured the rule must have fired often


def test_node_keeps_its_best_non_none_input():
    relax = EAGANGeneratorRelaxation(EAGANGeneratorSpace(GeneratorMacro(n_cells=1, latent_dim=12)))
    w = relax.uniform()
    w["normal"][0, :, 0] = 0.9  # every normal edge prefers 'none'
    w["normal"][0, 0, NORMAL_OPS.index("conv_5x5")] = 0.2  # node 2: c0's conv_5x5 beats everything else
    w["normal"][0, 4, NORMAL_OPS.index("skip")] = 0.3  # node 3: c4's skip is its best input
    w["normal"][0, 3, NORMAL_OPS.index("conv_1x1")] = 0.25
    assert relax.derive(w).cells[0].edges == ("conv_5x5", "none", "none", "none", "skip")
    w["normal"][0, 3, 0] = 0.0  # c3 no longer prefers 'none': node 3 is fine, no rule fires
    assert relax.derive(w).cells[0].edges == ("conv_5x5", "none", "none", "conv_1x1", "none")


def test_discriminator_rules_and_downsampling():
    relax = EAGANDiscriminatorRelaxation(EAGANDiscriminatorSpace(DiscriminatorMacro(n_cells=2)))
    w = relax.uniform()
    w["normal"][:, :, 0] = 1.0  # c1..c4 all 'none'
    w["normal"][1, 1, NORMAL_OPS.index("dil_conv_3x3")] = 0.5  # cell 1: node 2 keeps c2 (n1 -> n2)
    w["normal"][1, 3, NORMAL_OPS.index("conv_1x1")] = 0.5  # cell 1: node 3 keeps c4 (shortcut)
    w["down"][:, 1, 3] = 0.9
    arch = relax.derive(w)
    assert arch.cells[0].edges == ("skip", "skip", "none", "skip", "none")  # ties: the first input, first op
    assert arch.cells[1].edges == ("skip", "none", "dil_conv_3x3", "none", "conv_1x1")
    assert all(c.down == ("avg_pool", "conv_5x5") for c in arch.cells)
    keeps = relax.space.decode([0, 1, 0, 1, 0, 0, 0] * 2)  # no cell downsamples
    with pytest.raises(ValueError, match="cell 0 .* keeps its resolution"):
        relax.one_hot(keeps)


def test_bad_weights_are_rejected(relax):
    w = relax.uniform()
    name, shape = next(iter(relax.shapes().items()))
    with pytest.raises(ValueError, match="groups"):
        relax.derive({k: v for k, v in w.items() if k != name})
    with pytest.raises(ValueError, match=re.escape(f"weights['{name}'] has shape {shape[:2] + (shape[2] - 1,)}; "
                                                   f"expected {shape}")):
        relax.derive({**w, name: w[name][..., :-1]})
    with pytest.raises(ValueError, match="non-finite"):
        relax.derive({**w, name: np.full(shape, np.nan)})
    with pytest.raises(ValueError, match="groups"):
        relax.derive(list(w.values()))


def test_doctests():
    result = doctest.testmod(relaxation)
    assert result.attempted and not result.failed
