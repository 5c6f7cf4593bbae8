"""AlphaGAN's generator space and its relaxation (torch-free), the published alphaGAN(l)/(s) presets and their
parameter counts at the paper's sizes."""

import doctest

import numpy as np
import pytest

from pymoo_gan.space import alphagan
from pymoo_gan.space.alphagan import (
    ALPHAGAN_MACRO,
    NORMAL_OPS,
    UP_OPS,
    AlphaGANCell,
    AlphaGANGeneratorArch,
    AlphaGANGeneratorSpace,
)
from pymoo_gan.space.eagan import GeneratorMacro
from pymoo_gan.space.presets import get_preset
from pymoo_gan.space.relaxation import AlphaGANGeneratorRelaxation

# yuesongtian/AlphaGAN models/genotypes.py, verbatim (cells '1'..'3', skip_3[0] from cell 1, skip_3[1] from cell 2)
RELEASED = {
    "alphagan_l": dict(
        normal={"1": [("conv_5x5", 0), ("conv_5x5", 1), ("sep_conv_5x5", 2)],
                "2": [("conv_5x5", 0), ("conv_1x1", 1), ("conv_3x3", 2)],
                "3": [("conv_1x1", 0), ("conv_5x5", 1), ("sep_conv_3x3", 2)]},
        up={"1": [("deconv", 0), ("bilinear", 1)], "2": [("deconv", 0), ("bilinear", 1)],
            "3": [("nearest", 0), ("bilinear", 1)]},
        skip_2=[("nearest", 0)], skip_3=[("bilinear", 0), ("nearest", 1)]),
    "alphagan_s": dict(
        normal={"1": [("conv_1x1", 0), ("sep_conv_3x3", 1), ("conv_1x1", 2)],
                "2": [("sep_conv_5x5", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 2)],
                "3": [("sep_conv_5x5", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 2)]},
        up={"1": [("bilinear", 0), ("deconv", 1)], "2": [("deconv", 0), ("deconv", 1)],
            "3": [("deconv", 0), ("nearest", 1)]},
        skip_2=[("nearest", 0)], skip_3=[("deconv", 0), ("bilinear", 1)]),
}
# PRIMITIVES_UP and PRIMITIVES_NORMAL_GEN_wo_skip_none_sep of the released code (the README's search commands)
PRIMITIVES_UP = ["deconv", "nearest", "bilinear"]
PRIMITIVES_NORMAL = ["conv_1x1", "conv_3x3", "conv_5x5", "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7"]

# Published generator sizes (millions): the paper's 8.618M / 2.953M (reference doc §4.2, recalled from the paper and
# equal to the count of the released Network_gen_Auto at gf 256, latent 128, 32x32); STL-10 (48x48) only from the
# released code (§4.2: 9.28M / 3.61M). Measured here: exact parameter counts of our standalone networks.
PUBLISHED_M = {"alphagan_l": 8.618, "alphagan_s": 2.953, "alphagan_l_stl10": 9.28, "alphagan_s_stl10": 3.61}
MEASURED = {"alphagan_l": 8_618_499, "alphagan_s": 2_952_707, "alphagan_l_stl10": 9_278_979,
            "alphagan_s_stl10": 3_613_187}


def from_released(g):
    """The released Genotype_gen dict -> our arch, written independently of the space's decoder."""
    cells = []
    for c, key in enumerate("123"):
        skips = {0: [], 1: g["skip_2"], 2: g["skip_3"]}[c]
        assert [i for _, i in g["up"][key]] == [0, 1] and [i for _, i in g["normal"][key]] == [0, 1, 2]
        cells.append(AlphaGANCell(up=tuple(n for n, _ in g["up"][key]), edges=tuple(n for n, _ in g["normal"][key]),
                                  skips=tuple(n for n, _ in skips)))
    return tuple(cells)


def test_genes_options_and_size():
    space = AlphaGANGeneratorSpace()
    assert space.macro == ALPHAGAN_MACRO and (ALPHAGAN_MACRO.latent_dim, ALPHAGAN_MACRO.channels) == (128, 256)
    assert list(UP_OPS) == PRIMITIVES_UP and list(NORMAL_OPS) == PRIMITIVES_NORMAL  # gene values = released indices
    assert "none" not in UP_OPS + NORMAL_OPS
    assert space.n_var == 18 and space.names[:5] == ["cell0.up0", "cell0.up1", "cell0.c0", "cell0.c1", "cell0.c2"]
    assert space.names[11:] == ["cell2.up0", "cell2.up1", "cell2.c0", "cell2.c1", "cell2.c2", "cell2.skip0",
                                "cell2.skip1"]
    assert space.xu.tolist() == [2, 2, 5, 5, 5] + [2, 2, 5, 5, 5, 2] + [2, 2, 5, 5, 5, 2, 2]
    assert space.size == (6**3 * 3**2) ** 3 * 3**3 == 198_359_290_368  # the paper: about 2e11
    assert [g.tolist() for g in space.gene_groups()] == [list(range(5)), list(range(5, 11)), list(range(11, 18))]
    assert all(not g.ordinal for g in space.genes)


def test_every_genotype_is_valid_and_round_trips():
    space = AlphaGANGeneratorSpace()
    rng = np.random.default_rng(0)
    for _ in range(200):
        g = np.array([rng.integers(0, gene.size) for gene in space.genes])
        assert not space.violations(g) and space.contains(g)
        arch = space.decode(g)
        assert np.array_equal(space.encode(arch), g) and [len(c.skips) for c in arch.cells] == [0, 1, 2]
    assert np.array_equal(space.to_genotype(space.xu + 0.4), space.xu)  # the real-value rule


@pytest.mark.parametrize("n_cells", [1, 2, 4])
def test_other_cell_counts_skip_from_every_earlier_cell(n_cells):
    space = AlphaGANGeneratorSpace(GeneratorMacro(latent_dim=8, channels=4, bottom_width=2, n_cells=n_cells))
    assert space.n_var == sum(5 + c for c in range(n_cells))
    arch = space.decode(space.sample(np.random.default_rng(1)))
    assert [len(c.skips) for c in arch.cells] == list(range(n_cells))


def test_bad_archs_are_rejected():
    with pytest.raises(ValueError, match="unknown op.*allowed"):
        AlphaGANCell(up=("deconv", "pixelshuffle"), edges=("conv_1x1",) * 3)
    with pytest.raises(ValueError, match="needs 3 ops"):
        AlphaGANCell(up=("deconv", "deconv"), edges=("conv_1x1",) * 2)
    cell = AlphaGANCell(up=("deconv", "deconv"), edges=("conv_1x1",) * 3)
    with pytest.raises(ValueError, match="cell 1 has 0 skip ops"):
        AlphaGANGeneratorArch(cells=(cell, cell, cell))
    with pytest.raises(ValueError, match="2 cells given"):
        AlphaGANGeneratorArch(cells=(cell, cell))
    with pytest.raises(ValueError, match=r"gene 2 \(cell0.c0\) = 6 is out of range; allowed: 0..5"):
        AlphaGANGeneratorSpace().to_genotype([0, 0, 6] + [0] * 15)


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_presets_are_the_released_genotypes(name):
    p = get_preset(name)
    assert p.kind == "generator" and p.arch.macro == ALPHAGAN_MACRO and p.arch.cells == from_released(RELEASED[name])
    space = AlphaGANGeneratorSpace(p.arch.macro)
    assert space.contains(space.encode(p.arch)) and space.decode(space.encode(p.arch)) == p.arch
    stl = get_preset(f"{name}_stl10").arch
    assert stl.cells == p.arch.cells and stl.macro.resolution == 48


@pytest.mark.parametrize("name", sorted(PUBLISHED_M))
def test_published_parameter_counts(name):
    """The standalone nets at the paper's sizes have the published parameter counts (exact counts in MEASURED; they
    agree with the published ones to every digit published)."""
    torch = pytest.importorskip("torch")
    from pymoo_gan.models.alphagan import build_alphagan_generator

    p = get_preset(name)
    assert p.paper_params == PUBLISHED_M[name]
    with torch.device("meta"):
        net = build_alphagan_generator(p.arch)
    n = sum(t.numel() for t in net.parameters())
    assert n == MEASURED[name]
    assert round(n / 1e6, len(str(p.paper_params).split(".")[1])) == p.paper_params


def test_parameter_count_by_hand():
    """alphaGAN(s) summed op by op at gf 256 (conv kxk: 256*256*k*k + 256; sep kxk: 2 * (256*k*k + 256*256 + 2*256);
    deconv: 256*256*4 + 256, one layer for the stride-4 skip; interpolations: 0)."""
    ch = 256
    conv = {k: ch * ch * k * k + ch for k in (1, 3, 5)}
    sep = {k: 2 * (ch * k * k + ch * ch + 2 * ch) for k in (3, 5, 7)}
    deconv = ch * ch * 4 + ch
    l1, to_rgb = 128 * 16 * ch + 16 * ch, 2 * ch + ch * 3 * 9 + 3
    cells = [deconv + conv[1] + sep[3] + conv[1],  # bilinear/deconv
             2 * deconv + sep[5] + 2 * sep[3],  # deconv/deconv, skip nearest
             deconv + sep[5] + 2 * sep[3] + deconv]  # deconv/nearest, skips deconv (x4: one layer twice), bilinear
    assert l1 + to_rgb + sum(cells) == MEASURED["alphagan_s"]


# ---- relaxation ----------------------------------------------------------------------------------------------------
def _relax(n_cells=3):
    return AlphaGANGeneratorRelaxation(
        AlphaGANGeneratorSpace(GeneratorMacro(latent_dim=8, channels=4, bottom_width=2, n_cells=n_cells)))


def test_relaxation_layout():
    relax = _relax()
    assert relax.shapes() == {"up": (3, 2, 3), "normal": (3, 3, 6), "skip": (3, 2, 3)}
    assert _relax(1).shapes() == {"up": (1, 2, 3), "normal": (1, 3, 6)}
    assert _relax(4).shapes()["skip"] == (4, 3, 3)
    assert relax.nodes == ()  # no 'none' op: no node rules


@pytest.mark.parametrize("n_cells", [1, 3, 4])
def test_one_hot_derives_its_arch(n_cells):
    relax = _relax(n_cells)
    for g in relax.space.sample(np.random.default_rng(2), 50):
        arch = relax.space.decode(g)
        w = relax.one_hot(arch)
        assert all(np.array_equal(v.sum(-1), np.ones(v.shape[:-1])) for v in w.values())
        assert np.array_equal(relax.derive_genotype(w), g) and relax.derive(w) == arch


def test_derivation_is_the_argmax_of_every_edge_and_ignores_the_padding_rows():
    relax, rng = _relax(), np.random.default_rng(3)
    for _ in range(100):
        w = {k: rng.dirichlet(np.ones(s[-1]), size=s[:-1]) for k, s in relax.shapes().items()}
        arch = relax.derive(w)
        a = {k: v.argmax(-1) for k, v in w.items()}
        for c, cell in enumerate(arch.cells):
            assert cell.up == tuple(UP_OPS[i] for i in a["up"][c])
            assert cell.edges == tuple(NORMAL_OPS[i] for i in a["normal"][c])
            assert cell.skips == tuple(UP_OPS[i] for i in a["skip"][c, :c])
        padded = {**w, "skip": w["skip"].copy()}
        padded["skip"][0] = rng.dirichlet(np.ones(3), size=2)  # cell 0 has no skip edge
        padded["skip"][1, 1] = rng.dirichlet(np.ones(3))  # cell 1 has one (from cell 0)
        assert relax.derive(padded) == arch and relax.space.contains(relax.derive_genotype(padded))


def test_doctests():
    result = doctest.testmod(alphagan)
    assert result.attempted and not result.failed
