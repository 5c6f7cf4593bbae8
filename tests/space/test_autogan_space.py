"""AutoGAN generator space: gene layout, encoding, AutoGAN-A, presets, torch-free import."""

import subprocess
import sys

import numpy as np
import pytest

from pymoo_gan.space.autogan import (
    AUTOGAN_A_GENOTYPE,
    AUTOGAN_MACRO,
    PRESETS,
    AutoGANCell,
    AutoGANGeneratorArch,
    AutoGANGeneratorSpace,
    skip_options,
)
from pymoo_gan.space.eagan import GeneratorMacro

TINY = GeneratorMacro(latent_dim=16, channels=8, bottom_width=2)


def test_gene_layout_follows_autogan():
    space = AutoGANGeneratorSpace()
    assert space.macro == AUTOGAN_MACRO
    assert space.n_var == 14
    assert space.names[:5] == ["cell0.conv", "cell0.norm", "cell0.up", "cell0.shortcut", "cell1.conv"]
    assert space.names[8] == "cell1.skip" and space.names[13] == "cell2.skip"
    assert space.xl.tolist() == [0] * 14
    assert space.xu.tolist() == [1, 2, 2, 1] + [1, 2, 2, 1, 1] + [1, 2, 2, 1, 3]
    assert space.size == 36 * 72 * 144 == 373_248


def test_skip_encoding_is_binary_with_earliest_cell_most_significant():
    assert skip_options(0) == ((),)
    assert skip_options(1) == ((), (0,))
    assert skip_options(2) == ((), (1,), (0,), (0, 1))
    assert skip_options(3)[4] == (0,) and skip_options(3)[1] == (2,) and skip_options(3)[7] == (0, 1, 2)


def test_autogan_a_decodes_as_published():
    arch = AutoGANGeneratorSpace().decode(AUTOGAN_A_GENOTYPE)
    assert [c.conv for c in arch.cells] == ["pre"] * 3
    assert [c.norm for c in arch.cells] == ["none"] * 3
    assert [c.up for c in arch.cells] == ["nearest", "bilinear", "nearest"]
    assert [c.shortcut for c in arch.cells] == [True, True, False]
    assert [c.skips for c in arch.cells] == [(), (0,), (0, 1)]
    assert str(arch) == "pre none nearest sc | pre none bilinear sc skip<0 | pre none nearest skip<0,1"


@pytest.mark.parametrize("seed", range(5))
def test_round_trip_and_bounds(seed):
    space = AutoGANGeneratorSpace(TINY)
    X = space.sample(np.random.default_rng(seed), 64)
    assert X.shape == (64, 14) and X.dtype.kind == "i"
    assert np.all(X >= space.xl) and np.all(X <= space.xu)
    for g in X:
        assert space.contains(g)
        arch = space.decode(g)
        assert isinstance(arch, AutoGANGeneratorArch) and arch.macro == TINY
        assert space.encode(arch).tolist() == g.tolist()
        assert space.decode(space.encode(arch)) == arch


def test_sampling_covers_every_option():
    space = AutoGANGeneratorSpace(TINY)
    X = space.sample(np.random.default_rng(0), 400)
    for i, gene in enumerate(space.genes):
        assert set(X[:, i].tolist()) == set(range(gene.size)), gene.name


@pytest.mark.parametrize("seed", range(3))
def test_real_values_inside_bounds_decode_by_nearest_index(seed):
    space = AutoGANGeneratorSpace(TINY)
    rng = np.random.default_rng(seed)
    for _ in range(50):
        x = rng.uniform(space.xl, space.xu)
        assert space.decode(x) == space.decode(np.floor(x + 0.5).astype(int))
        assert space.to_genotype(x).tolist() == np.floor(x + 0.5).astype(int).tolist()


def test_out_of_range_names_the_gene():
    space = AutoGANGeneratorSpace()
    g = np.array(AUTOGAN_A_GENOTYPE)
    g[13] = 4
    with pytest.raises(ValueError, match=r"cell2\.skip.*0\.\.3"):
        space.decode(g)
    with pytest.raises(ValueError, match="14 genes"):
        space.decode(g[:13])


def test_arch_dataclasses_validate():
    with pytest.raises(ValueError, match="norm"):
        AutoGANCell(norm="group")
    with pytest.raises(ValueError, match="earlier cells"):
        AutoGANGeneratorArch(cells=(AutoGANCell(), AutoGANCell(skips=(1,)), AutoGANCell()), macro=TINY)
    with pytest.raises(ValueError, match="n_cells"):
        AutoGANGeneratorArch(cells=(AutoGANCell(),), macro=TINY)
    cell = AutoGANCell(conv="post", norm="batch", up="deconv", shortcut=False)
    assert str(cell) == "post batch deconv"
    with pytest.raises(AttributeError):
        cell.conv = "pre"  # frozen


def test_other_cell_counts():
    space = AutoGANGeneratorSpace(GeneratorMacro(latent_dim=16, channels=8, bottom_width=2, n_cells=4))
    assert space.n_var == 4 + 5 * 3 and space.xu[-1] == 7
    for g in space.sample(np.random.default_rng(1), 20):
        assert space.encode(space.decode(g)).tolist() == g.tolist()


def test_presets():
    assert set(PRESETS) >= {"autogan_a_cifar10", "autogan_a_stl10"}
    cifar, stl = PRESETS["autogan_a_cifar10"], PRESETS["autogan_a_stl10"]
    assert (cifar.kind, cifar.paper_params, stl.paper_params) == ("generator", 4.41, 5.07)
    for preset, width, res in ((cifar, 4, 32), (stl, 6, 48)):
        m = preset.arch.macro
        assert (m.latent_dim, m.channels, m.bottom_width, m.out_channels, m.resolution) == (128, 256, width, 3, res)
        assert AutoGANGeneratorSpace(m).encode(preset.arch).tolist() == list(AUTOGAN_A_GENOTYPE)
        assert preset.name in PRESETS and "AutoGAN" in preset.source


def test_imports_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "from pymoo_gan.space.autogan import AutoGANGeneratorSpace, PRESETS\n"
            "import numpy as np; s = AutoGANGeneratorSpace(); s.decode(s.sample(np.random.default_rng(0)))\n")
    subprocess.run([sys.executable, "-c", code], check=True)
