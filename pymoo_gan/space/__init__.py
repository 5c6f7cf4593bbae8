"""Torch-free search spaces: genes, genotypes, frozen architecture dataclasses and published presets."""

from pymoo_gan.space.base import Choice, Preset, SearchSpace
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

__all__ = [
    "CellDiscriminatorArch", "CellGeneratorArch", "Choice", "DiscriminatorMacro", "DownCell",
    "EAGANDiscriminatorSpace", "EAGANGeneratorSpace", "GeneratorMacro", "Preset", "SearchSpace", "UpCell",
]
