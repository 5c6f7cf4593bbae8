"""Ordinal genes, one-gene spaces and labelled products of spaces: names, bounds, round trips, delegation of
constraints, repair and canonical forms to the parts (with shifted indices), per-part sampling, pickling."""

import pickle

import numpy as np
import pytest

from pymoo_gan.space import (
    Choice,
    EAGANDiscriminatorSpace,
    EAGANGeneratorSpace,
    GeneSpace,
    Ordinal,
    ProductArch,
    ProductSpace,
)
from pymoo_gan.space.presets import get_preset

G, D = EAGANGeneratorSpace(), EAGANDiscriminatorSpace()
DENSITY = Ordinal("density", (0.1, 0.2, 0.5, 1.0))
GD = ProductSpace(g=G, d=D)
ARCH = ProductSpace(arch=G, density=DENSITY)


def test_genes_share_a_base_and_only_ordinal_genes_are_ordinal():
    assert DENSITY.ordinal and DENSITY.size == 4 and DENSITY.name == "density"
    assert not Choice("op", ("a", "b")).ordinal
    assert not any(gene.ordinal for space in (G, D) for gene in space.genes)  # categorical genes stay categorical
    assert Choice("w", (1, 2)) != Ordinal("w", (1, 2))
    assert Ordinal("w", [1, 2]).options == (1, 2) and hash(Ordinal("w", [1, 2])) == hash(Ordinal("w", (1, 2)))
    assert Ordinal("size", ("small", "medium", "large")).size == 3  # any distinct values, in the order given
    assert Ordinal("keep", (1.0, 0.5, 0.25)).size == 3  # decreasing numbers are ordered too
    assert pickle.loads(pickle.dumps(DENSITY)) == DENSITY


@pytest.mark.parametrize("options, match", [((0.1, 0.1, 0.5), "repeated"), ((0.1, 0.5, 0.2), "not monotonic"),
                                            ((), "at least one option")])
def test_bad_ordinal_options_are_rejected(options, match):
    with pytest.raises(ValueError, match=match):
        Ordinal("density", options)


def test_gene_space_decodes_to_the_option():
    space = GeneSpace(DENSITY)
    assert space.n_var == 1 and space.names == ["density"] and space.xu.tolist() == [3]
    assert [space.decode([i]) for i in range(4)] == [0.1, 0.2, 0.5, 1.0]
    assert space.decode([1.4]) == 0.2  # nearest index
    assert space.encode(0.5).tolist() == [2] and space.key([3]) == "3" and space.contains([3])
    assert not space.contains([4]) and not space.contains([1.5])
    with pytest.raises(ValueError, match=r"0.3 is not an option of gene 'density'; allowed: \[0.1, 0.2, 0.5, 1.0\]"):
        space.encode(0.3)
    with pytest.raises(TypeError, match="needs a Gene"):
        GeneSpace(G)


# ---- products: layout -------------------------------------------------------------------------------------------
def test_names_bounds_and_slices_are_the_parts_concatenated():
    assert GD.n_var == 42 and GD.names == [f"g.{n}" for n in G.names] + [f"d.{n}" for n in D.names]
    assert np.array_equal(GD.xl, np.zeros(42)) and np.array_equal(GD.xu, np.r_[G.xu, D.xu])
    assert GD.slices == {"g": slice(0, 21), "d": slice(21, 42)} and GD.parts == {"g": G, "d": D}
    assert [type(a) for a in GD.genes] == [type(b) for b in G.genes + D.genes]
    assert ARCH.names[-1] == "density" and ARCH.genes[-1] == DENSITY and ARCH.xu[-1] == 3  # a one-gene part
    assert isinstance(ARCH.parts["density"], GeneSpace)
    # a mapping and keywords give the same space, in the order given
    assert ProductSpace({"d": D}, g=G).names == [f"d.{n}" for n in D.names] + [f"g.{n}" for n in G.names]
    nested = ProductSpace(gd=GD, width=Ordinal("w", (0.5, 1.0)))
    assert nested.names[0] == "gd.g.cell0.up0" and nested.names[-1] == "width"


def test_gene_groups_keep_the_parts_cells():
    groups = [g.tolist() for g in GD.gene_groups()]
    assert groups == [list(range(7 * c, 7 * c + 7)) for c in range(6)]  # g.cell0..2, d.cell0..2
    assert [g.tolist() for g in ARCH.gene_groups()][-1] == [21]
    wd = ProductSpace(width=Ordinal("w", (0.5, 1.0)), density=DENSITY)
    assert [g.tolist() for g in wd.gene_groups()] == [[0], [1]]


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((), {}, ValueError, "at least one part"),
    (({"g": G},), {"g": D}, ValueError, "given twice"),
    ((), {"keys": G}, ValueError, "label 'keys'"),
    (({"a.b": G},), {}, ValueError, "label 'a.b'"),
    (({"_g": G},), {}, ValueError, "label '_g'"),
    (({"class": G},), {}, ValueError, "label 'class'"),
    ((), {"g": "EAGAN"}, TypeError, "part 'g' is a str"),
])
def test_bad_parts_are_rejected(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        ProductSpace(*args, **kwargs)


# ---- products: conversion ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("space", [GD, ARCH], ids=["g_d", "arch_density"])
def test_round_trip_of_sampled_genotypes(space):
    X = space.sample(np.random.default_rng(0), 100)
    assert X.shape == (100, space.n_var) and X.dtype.kind == "i"
    for x in X:
        assert space.contains(x)
        arch = space.decode(x)
        assert isinstance(arch, ProductArch) and list(arch) == list(space.parts)
        for label, sub in space.split(x).items():
            assert arch[label] == getattr(arch, label) == space.parts[label].decode(sub)
        assert np.array_equal(space.encode(arch), x)
        assert space.key(x) == "-".join(map(str, x))


def test_decode_encode_describe_with_presets():
    g, d = get_preset("eagan_g_cifar10").arch, get_preset("eagan_d_cifar10").arch
    x = GD.encode(ProductArch(g=g, d=d))
    assert np.array_equal(x, np.r_[G.encode(g), D.encode(d)]) and GD.contains(x)
    assert GD.decode(x) == ProductArch(g=g, d=d) == {"g": g, "d": d}
    assert GD.describe(x) == f"g: {G.describe(x[:21])}; d: {D.describe(x[21:])}"
    assert hash(GD.decode(x)) == hash(ProductArch(d=d, g=g))
    assert ARCH.decode(np.r_[G.encode(g), 1]).density == 0.2
    with pytest.raises(ValueError, match=r"parts \['g', 'd'\]"):
        GD.encode(ProductArch(g=g))
    with pytest.raises(ValueError, match=r"gene 21 \(density\) = 4 is out of range; allowed: 0..3"):
        ARCH.decode(np.r_[G.encode(g), 4])


def test_product_arch_is_frozen_and_pickles():
    arch = ProductArch(g="G", density=0.5)
    with pytest.raises(AttributeError):
        arch.density = 0.1
    with pytest.raises(AttributeError, match="no part 'd'"):
        _ = arch.d
    assert pickle.loads(pickle.dumps(arch)) == arch and repr(arch) == "ProductArch(g='G', density=0.5)"


# ---- products: constraints, repair, canonical forms -------------------------------------------------------------
def test_violations_and_repair_delegate_with_shifted_indices():
    x = GD.sample(np.random.default_rng(1))
    x[2:4] = 0  # g part, cell 0: node 2 has only 'none' inputs
    x[21 + 8], x[21 + 9] = 0, 0  # d part, cell 1: node 2 has only 'none' inputs
    assert GD.violations(x) == [((2, 3), "g: cell 0: node 2 has only 'none' inputs"),
                                ((29, 30), "d: cell 1: node 2 has only 'none' inputs")]
    assert not GD.contains(x)
    fixed = GD.repair(x)
    assert GD.contains(fixed) and np.array_equal(fixed, np.r_[G.repair(x[:21]), D.repair(x[21:])])
    assert np.array_equal(fixed, GD.to_genotype(x))
    rng_fixed = GD.repair(x, rng=np.random.default_rng(2))
    assert GD.contains(rng_fixed) and np.array_equal(rng_fixed[np.r_[0:2, 4:29, 31:42]], x[np.r_[0:2, 4:29, 31:42]])
    # the base repair loop over the product's _violations/_fix gives the same
    assert np.array_equal(super(ProductSpace, GD).repair(x), fixed)


def test_a_d_part_non_canonical_gene_is_canonicalised_at_its_shifted_index():
    x = GD.encode(ProductArch(g=get_preset("eagan_g_cifar10").arch, d=get_preset("autogan_d").arch))
    assert x[21 + 12] == 0  # d cell 1 keeps its resolution: its down0 is none ...
    y = x.copy()
    y[21 + 13] = 4  # ... so its down1 (product index 34) is inactive
    assert not GD.violations(y) and not GD.contains(y)
    assert np.array_equal(GD.to_genotype(y), x) and np.array_equal(GD.repair(y), x)
    assert np.array_equal(GD._canonical(y), x) and GD._canonical(x) is x
    assert GD.key(y) == GD.key(x) and GD.decode(y) == GD.decode(x)


# ---- products: sampling -----------------------------------------------------------------------------------------
def test_each_part_is_sampled_by_its_own_sampler():
    X = ProductSpace(d=D, density=DENSITY).sample(np.random.default_rng(0), 50)
    assert np.array_equal(X[:, :21], D.sample(np.random.default_rng(0), 50))  # the first part: the same draws
    x = GD.sample(np.random.default_rng(3))
    assert x.shape == (42,) and GD.contains(x)
    # the D part keeps EAGAN's non-downsampling frequency 1/7 (its own sampler, not uniform over product genotypes)
    X = GD.sample(np.random.default_rng(4), 3000)
    no_down = X[:, 21 + np.arange(5, 21, 7)] == 0
    assert abs(no_down.mean() - 1 / 7) < 0.01
    assert np.all(X[:, 21 + np.arange(6, 21, 7)][no_down] == 0)  # canonical
    counts = np.bincount(ARCH.sample(np.random.default_rng(5), 2000)[:, -1], minlength=4)
    assert np.all(np.abs(counts - 500) < 75)  # the density gene: uniform


def test_products_pickle():
    for space in (GD, ARCH, ProductSpace(outer=ARCH, d=D)):
        copy = pickle.loads(pickle.dumps(space))
        x = space.sample(np.random.default_rng(6))
        assert copy.names == space.names and copy.decode(x) == space.decode(x) and repr(copy) == repr(space)
