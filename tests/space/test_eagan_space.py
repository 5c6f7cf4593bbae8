import numpy as np
import pytest

from pymoo_gan.space import EAGANDiscriminatorSpace, EAGANGeneratorSpace, GeneratorMacro
from pymoo_gan.space.eagan import DOWN_OPS, NORMAL_OPS, UP_OPS

SPACES = [EAGANGeneratorSpace(), EAGANDiscriminatorSpace(),
          EAGANGeneratorSpace(GeneratorMacro(latent_dim=8, n_cells=4))]


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_round_trip_bounds_and_validity(space):
    X = space.sample(np.random.default_rng(0), 200)
    assert X.dtype.kind == "i" and np.all(X >= space.xl) and np.all(X <= space.xu)
    for x in X:
        assert space.contains(x)
        assert np.array_equal(space.encode(space.decode(x)), x)
        assert space.key(x) == "-".join(map(str, x))


def test_gene_layout_matches_the_paper():
    g, d = EAGANGeneratorSpace(), EAGANDiscriminatorSpace()
    assert g.n_var == d.n_var == 21
    assert g.xu[:7].tolist() == [len(UP_OPS) - 1] * 2 + [len(NORMAL_OPS) - 1] * 5
    n, k = len(NORMAL_OPS), len(DOWN_OPS)
    assert d.xu[:7].tolist() == [n - 2] + [n - 1] * 4 + [k - 1, k - 2]  # c0 has no 'none', down1 neither
    arch = g.decode([2, 0, 3, 0, 0, 0, 1] * 3)
    assert arch.cells[0].up == ("deconv", "nearest") and arch.cells[0].edges == ("conv_3x3", "none", "none", "none",
                                                                               "skip")


def test_constraints_are_repaired_deterministically():
    g = EAGANGeneratorSpace()
    bad = np.zeros(21, dtype=int)  # every edge 'none'
    assert not g.contains(bad) and len(g.violations(bad)) == 6
    fixed = g.to_genotype(bad)
    assert g.contains(fixed) and np.array_equal(fixed, g.to_genotype(bad))
    d = EAGANDiscriminatorSpace()
    x = d.sample(np.random.default_rng(1))
    x[5], x[6] = 0, 3  # down0 none: down1 is inactive, so this is a non-canonical genotype (not a violation)
    assert not d.violations(x) and not d.contains(x) and d.contains(d.to_genotype(x)) and d.to_genotype(x)[6] == 0


def test_real_values_decode_to_the_nearest_option():
    g = EAGANGeneratorSpace()
    x = g.sample(np.random.default_rng(2)).astype(float)
    noisy = x + np.random.default_rng(3).uniform(-0.49, 0.49, size=x.shape)
    noisy = np.clip(noisy, g.xl - 0.5, g.xu + 0.49)
    assert np.array_equal(g.to_genotype(noisy), x.astype(int))


@pytest.mark.parametrize("bad, message", [
    (np.zeros(20), "vector of 21 genes"),
    (np.r_[3, np.zeros(20)], r"gene 0 \(cell0.up0\) = 3.0 is out of range; allowed: 0..2"),
    (np.r_[0, 0, np.nan, np.zeros(18)], r"gene 2 \(cell0.c0\)"),
    (np.r_[0, 0, 1, np.inf, np.zeros(17)], r"gene 3 \(cell0.c1\)"),
])
def test_malformed_genotypes_name_the_gene_and_range(bad, message):
    with pytest.raises(ValueError, match=message):
        EAGANGeneratorSpace().decode(bad)


def test_latent_must_split_evenly():
    with pytest.raises(ValueError, match="divisible by n_cells"):
        EAGANGeneratorSpace(GeneratorMacro(latent_dim=10))
