"""Named presets of published architectures (torch-free): ``PRESETS[name]`` and ``get_preset(name)``.

Every preset is built from op names at the paper's sizes; ``paper_params`` (millions) is what the paper or its released
code gives for the standalone network (``tests/space/test_presets.py`` builds each one and checks the count).

==========================  =============  ======================================================================
name                        params (M)     what
==========================  =============  ======================================================================
eagan_g_cifar10             7.14           EAGAN ``best_G``, latent 120, 256 ch, 4x4 -> 32x32
eagan_g_stl10               11.55          the same genotype, 6x6 -> 48x48 (only the latent Linears grow)
adversarialnas_g_cifar10    8.85           AdversarialNAS ``latest_G`` (paper: 8.8M), latent 120, 256 ch, 32x32
eagan_d_cifar10             0.906          AutoGAN D with the middle cell's c0 = skip (paper: 0.91M)
eagan_d_stl10               1.578          AutoGAN D with the middle cell's c0 and c2 = conv_5x5, 48x48 (paper 1.58M)
autogan_d                   1.05           AutoGAN/SNGAN D written as an EAGAN cell D (EAGAN's reference D)
==========================  =============  ======================================================================

plus the AutoGAN presets of :mod:`pymoo_gan.space.autogan` and the AlphaGAN ones of :mod:`pymoo_gan.space.alphagan`
(merged at the bottom of this module):

==========================  =============  ======================================================================
alphagan_l                  8.618          alphaGAN(l) (``alphaGAN_l``), latent 128, 256 ch, 4x4 -> 32x32
alphagan_s                  2.953          alphaGAN(s) (``alphaGAN_s``), same sizes
alphagan_l_stl10            9.28           alphaGAN(l) at 6x6 -> 48x48 (only ``l1`` grows)
alphagan_s_stl10            3.61           alphaGAN(s) at 6x6 -> 48x48
==========================  =============  ======================================================================

Notes: EAGAN's integer encoding differs from ours (its D ``c0`` counts ``none`` as 0 although it cannot take it, and
its ``down`` uses -1 for "no downsampling"), so presets are written with names. The released ``cifar10_D``/``stl10_D``
edit row 1 (0-based: the middle cell) of the reference D; cells 1 and 2 have identical shapes, so the parameter count
does not tell them apart. AdversarialNAS's STL-10 generator (gf 270, 8.88M) splits its latent in two
chunks for three cells, which :class:`GeneratorMacro` cannot express, so it is not a preset.

Example:
    >>> p = get_preset("eagan_g_cifar10")
    >>> p.kind, p.paper_params, p.arch.cells[0].edges
    ('generator', 7.14, ('skip', 'none', 'conv_1x1', 'conv_3x3', 'skip'))
"""

from __future__ import annotations

from pymoo_gan.space.base import Preset
from pymoo_gan.space.eagan import (
    CellDiscriminatorArch,
    CellGeneratorArch,
    DiscriminatorMacro,
    DownCell,
    GeneratorMacro,
    UpCell,
)

_EAGAN = "Ying et al., EAGAN, ECCV 2022; marsggbo/EAGAN"
_ADVNAS = "Gao et al., AdversarialNAS, CVPR 2020; chengaopro/AdversarialNAS"

CIFAR10_G_MACRO = GeneratorMacro(latent_dim=120, channels=256, bottom_width=4, out_channels=3, n_cells=3)
STL10_G_MACRO = GeneratorMacro(latent_dim=120, channels=256, bottom_width=6, out_channels=3, n_cells=3)
CIFAR10_D_MACRO = DiscriminatorMacro(channels=128, in_channels=3, resolution=32, n_cells=3)
STL10_D_MACRO = DiscriminatorMacro(channels=128, in_channels=3, resolution=48, n_cells=3)

# EAGAN exps/best_G.npy = [[1,1,1,0,2,3,1],[1,1,0,1,3,0,5],[0,1,0,3,0,0,3]]
EAGAN_G_CELLS = (
    UpCell(up=("bilinear", "bilinear"), edges=("skip", "none", "conv_1x1", "conv_3x3", "skip")),
    UpCell(up=("bilinear", "bilinear"), edges=("none", "skip", "conv_3x3", "none", "dil_conv_3x3")),
    UpCell(up=("nearest", "bilinear"), edges=("none", "conv_3x3", "none", "none", "conv_3x3")),
)

# AdversarialNAS exps/arch_cifar10/Genotypes/latest_G.npy = [[1,1,1,0,3,3,1],[1,1,0,1,3,3,3],[0,1,0,3,3,0,3]]
ADVERSARIALNAS_G_CELLS = (
    UpCell(up=("bilinear", "bilinear"), edges=("skip", "none", "conv_3x3", "conv_3x3", "skip")),
    UpCell(up=("bilinear", "bilinear"), edges=("none", "skip", "conv_3x3", "conv_3x3", "conv_3x3")),
    UpCell(up=("nearest", "bilinear"), edges=("none", "conv_3x3", "conv_3x3", "none", "conv_3x3")),
)

# EAGAN search_algs.py reference D [[3,0,3,0,2,0,0],[3,0,3,0,1,-1,-1],[3,0,3,0,1,-1,-1]]: the SNGAN DisBlocks
# (down, plain, plain) after the OptimizedDisBlock stem, i.e. AutoGAN's discriminator.
_DOWN_BLOCK = DownCell(edges=("conv_3x3", "none", "conv_3x3", "none", "conv_1x1"), down=("avg_pool", "avg_pool"))
_PLAIN_BLOCK = DownCell(edges=("conv_3x3", "none", "conv_3x3", "none", "skip"), down=("none", "none"))
AUTOGAN_D_CELLS = (_DOWN_BLOCK, _PLAIN_BLOCK, _PLAIN_BLOCK)
# EAGAN exps/cifar10_D.npy, stl10_D.npy: the reference D with row 1 (the middle cell) edited
EAGAN_D_CIFAR10_CELLS = (_DOWN_BLOCK,
                         DownCell(edges=("skip", "none", "conv_3x3", "none", "skip"), down=("none", "none")),
                         _PLAIN_BLOCK)
EAGAN_D_STL10_CELLS = (_DOWN_BLOCK,
                       DownCell(edges=("conv_5x5", "none", "conv_5x5", "none", "skip"), down=("none", "none")),
                       _PLAIN_BLOCK)


def _g(name: str, cells, macro, params: float, source: str) -> Preset:
    return Preset(name=name, kind="generator", arch=CellGeneratorArch(cells=cells, macro=macro),
                  paper_params=params, source=source)


def _d(name: str, cells, macro, params: float, source: str) -> Preset:
    return Preset(name=name, kind="discriminator", arch=CellDiscriminatorArch(cells=cells, macro=macro),
                  paper_params=params, source=source)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _g("eagan_g_cifar10", EAGAN_G_CELLS, CIFAR10_G_MACRO, 7.14, f"{_EAGAN} exps/best_G.npy; paper Table 2"),
        _g("eagan_g_stl10", EAGAN_G_CELLS, STL10_G_MACRO, 11.55, f"{_EAGAN} exps/best_G.npy at bottom width 6"),
        _g("adversarialnas_g_cifar10", ADVERSARIALNAS_G_CELLS, CIFAR10_G_MACRO, 8.85,
           f"{_ADVNAS} exps/arch_cifar10/Genotypes/latest_G.npy; paper 8.8M"),
        _d("eagan_d_cifar10", EAGAN_D_CIFAR10_CELLS, CIFAR10_D_MACRO, 0.906,
           f"{_EAGAN} exps/cifar10_D.npy (reference D, middle cell c0 = skip); paper 0.91M"),
        _d("eagan_d_stl10", EAGAN_D_STL10_CELLS, STL10_D_MACRO, 1.578,
           f"{_EAGAN} exps/stl10_D.npy (reference D, middle cell c0 = c2 = conv_5x5); paper 1.58M"),
        _d("autogan_d", AUTOGAN_D_CELLS, CIFAR10_D_MACRO, 1.05,
           f"{_EAGAN} algorithms/search_algs.py reference D = AutoGAN/SNGAN discriminator (VITA-Group/AutoGAN)"),
    )
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``ValueError`` lists the valid names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; valid names: {', '.join(sorted(PRESETS))}") from None


from pymoo_gan.space.autogan import PRESETS as _AUTOGAN_PRESETS  # noqa: E402  (AutoGAN-A generators)

PRESETS.update(_AUTOGAN_PRESETS)

from pymoo_gan.space.alphagan import PRESETS as _ALPHAGAN_PRESETS  # noqa: E402  (alphaGAN(l)/(s) generators)

PRESETS.update(_ALPHAGAN_PRESETS)
