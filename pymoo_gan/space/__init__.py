"""Torch-free search spaces: categorical and ordinal genes, genotypes, frozen architecture dataclasses, labelled
products of spaces and published presets."""

from pymoo_gan.space.base import Choice, Gene, Ordinal, Preset, SearchSpace
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

__all__ = [
    "CellDiscriminatorArch", "CellGeneratorArch", "Choice", "DiscriminatorMacro", "DownCell",
    "EAGANDiscriminatorSpace", "EAGANGeneratorSpace", "Gene", "GeneSpace", "GeneratorMacro", "Ordinal", "Preset",
    "ProductArch", "ProductSpace", "SearchSpace", "UpCell",
]
