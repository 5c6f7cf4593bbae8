"""Torch-free search spaces: categorical and ordinal genes, genotypes, frozen architecture dataclasses, labelled
products of spaces and published presets."""

from pymoo_gan.space.alphagan import AlphaGANCell, AlphaGANGeneratorArch, AlphaGANGeneratorSpace
from pymoo_gan.space.base import Choice, Gene, Ordinal, Preset, SearchSpace
from pymoo_gan.space.c2f import C2FArch, C2FBlock, C2FLevelSpace, C2FMacro, C2FSpace
from pymoo_gan.space.eagan import (
    CellDiscriminatorArch,
    CellGeneratorArch,
    DiscriminatorMacro,
    DownCell,
    EAGANDiscriminatorSpace,
    EAGANGeneratorSpace,
    GeneratorMacro,
    UpCell,
)
from pymoo_gan.space.product import GeneSpace, ProductArch, ProductSpace
from pymoo_gan.space.relaxation import (
    AlphaGANGeneratorRelaxation,
    EAGANDiscriminatorRelaxation,
    EAGANGeneratorRelaxation,
    Relaxation,
)

__all__ = [
    "AlphaGANCell", "AlphaGANGeneratorArch", "AlphaGANGeneratorRelaxation", "AlphaGANGeneratorSpace",
    "C2FArch", "C2FBlock", "C2FLevelSpace", "C2FMacro", "C2FSpace",
    "CellDiscriminatorArch", "CellGeneratorArch", "Choice", "DiscriminatorMacro", "DownCell",
    "EAGANDiscriminatorRelaxation", "EAGANDiscriminatorSpace", "EAGANGeneratorRelaxation", "EAGANGeneratorSpace",
    "Gene", "GeneSpace", "GeneratorMacro", "Ordinal", "Preset", "ProductArch", "ProductSpace", "Relaxation",
    "SearchSpace", "UpCell",
]
