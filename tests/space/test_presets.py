"""Presets: torch-free, valid in their spaces, equal to the released integer genotypes, paper parameter counts."""

import dataclasses

import pytest

from pymoo_gan.space import EAGANDiscriminatorSpace, EAGANGeneratorSpace
from pymoo_gan.space.eagan import CellDiscriminatorArch, CellGeneratorArch, DownCell, UpCell
from pymoo_gan.space.presets import PRESETS, get_preset

# The released genotypes in the EAGAN / AdversarialNAS code encoding (eagan.md §1, adversarialnas...md §3.2)
_PRIMITIVES = ("none", "skip", "conv_1x1", "conv_3x3", "conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
_UPS = ("nearest", "bilinear", "deconv")
_DOWNS = ("avg_pool", "max_pool", "conv_3x3", "conv_5x5", "dil_conv_3x3", "dil_conv_5x5")  # -1: no downsampling
REF_D = [[3, 0, 3, 0, 2, 0, 0], [3, 0, 3, 0, 1, -1, -1], [3, 0, 3, 0, 1, -1, -1]]
RELEASED = {
    "eagan_g_cifar10": [[1, 1, 1, 0, 2, 3, 1], [1, 1, 0, 1, 3, 0, 5], [0, 1, 0, 3, 0, 0, 3]],
    "eagan_g_stl10": [[1, 1, 1, 0, 2, 3, 1], [1, 1, 0, 1, 3, 0, 5], [0, 1, 0, 3, 0, 0, 3]],
    "adversarialnas_g_cifar10": [[1, 1, 1, 0, 3, 3, 1], [1, 1, 0, 1, 3, 3, 3], [0, 1, 0, 3, 3, 0, 3]],
    "autogan_d": REF_D,
    "eagan_d_cifar10": [REF_D[0], [1, 0, 3, 0, 1, -1, -1], REF_D[2]],  # the middle cell (row 1) is edited
    "eagan_d_stl10": [REF_D[0], [4, 0, 4, 0, 1, -1, -1], REF_D[2]],
}


def from_code(rows, kind):
    if kind == "generator":
        return tuple(UpCell(up=(_UPS[r[0]], _UPS[r[1]]), edges=tuple(_PRIMITIVES[i] for i in r[2:])) for r in rows)
    return tuple(DownCell(edges=tuple(_PRIMITIVES[i] for i in r[:5]),
                          down=("none", "none") if r[5] < 0 else (_DOWNS[r[5]], _DOWNS[r[6]])) for r in rows)


def test_names_and_fields():
    for name, p in PRESETS.items():
        assert p.name == name and p.kind in ("generator", "discriminator") and p.source and p.paper_params > 0
    assert {"eagan_g_cifar10", "eagan_g_stl10", "adversarialnas_g_cifar10", "eagan_d_cifar10", "eagan_d_stl10",
            "autogan_d", "autogan_a_cifar10"} <= set(PRESETS)


def test_get_preset_error_lists_names():
    assert get_preset("eagan_g_cifar10") is PRESETS["eagan_g_cifar10"]
    with pytest.raises(ValueError, match="valid names: .*eagan_g_cifar10"):
        get_preset("eagan")


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_presets_are_the_released_genotypes_and_valid(name):
    p = get_preset(name)
    assert p.arch.cells == from_code(RELEASED[name], p.kind)
    space = (EAGANGeneratorSpace if p.kind == "generator" else EAGANDiscriminatorSpace)(p.arch.macro)
    g = space.encode(p.arch)
    assert space.contains(g) and space.decode(g) == p.arch


@pytest.mark.parametrize("name, edges", [("eagan_d_cifar10", ("skip", "none", "conv_3x3", "none", "skip")),
                                          ("eagan_d_stl10", ("conv_5x5", "none", "conv_5x5", "none", "skip"))])
def test_released_ds_edit_the_middle_cell_of_the_autogan_d(name, edges):
    ref, cells = get_preset("autogan_d").arch.cells, get_preset(name).arch.cells
    assert [k for k in range(3) if cells[k] != ref[k]] == [1]
    assert cells[1].edges == edges and cells[1].down == ref[1].down == ("none", "none")


def test_macros():
    assert get_preset("eagan_g_cifar10").arch.macro.resolution == 32
    assert get_preset("eagan_g_stl10").arch.macro.resolution == 48
    assert get_preset("eagan_g_cifar10").arch.macro.latent_dim == 120
    assert get_preset("eagan_d_stl10").arch.macro.resolution == 48


def _build(arch):
    from pymoo_gan.models import CellDiscriminator, CellGenerator

    if isinstance(arch, CellGeneratorArch):
        return CellGenerator(arch)
    if isinstance(arch, CellDiscriminatorArch):
        return CellDiscriminator(arch)
    try:
        from pymoo_gan.models.autogan import build_autogan_generator
        from pymoo_gan.space.autogan import AutoGANGeneratorArch
    except ImportError:
        pytest.skip(f"no builder for {type(arch).__name__}")
    if isinstance(arch, AutoGANGeneratorArch):
        return build_autogan_generator(arch)
    from pymoo_gan import registry

    return registry.space_of(arch).build(arch)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_paper_parameter_counts(name):
    """Each preset at the paper's sizes has the paper's parameter count, to the precision the paper reports."""
    torch = pytest.importorskip("torch")
    p = get_preset(name)
    with torch.device("meta"):  # only shapes are needed
        net = _build(p.arch)
    millions = sum(t.numel() for t in net.parameters()) / 1e6
    decimals = len(f"{p.paper_params}".split(".")[1])
    assert abs(millions - p.paper_params) <= 0.5 * 10**-decimals, f"{name}: {millions:.6f}M vs {p.paper_params}M"


def test_paper_counts_do_not_depend_on_the_resolution():
    torch = pytest.importorskip("torch")
    from pymoo_gan.models import CellDiscriminator

    arch = get_preset("eagan_d_stl10").arch
    with torch.device("meta"):
        a = CellDiscriminator(arch)
        b = CellDiscriminator(dataclasses.replace(arch, macro=dataclasses.replace(arch.macro, resolution=32)))
    assert sum(t.numel() for t in a.parameters()) == sum(t.numel() for t in b.parameters()) == 1_578_112
