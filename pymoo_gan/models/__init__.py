"""Supernets with ``forward(x, arch)`` (no hidden active-path state), standalone nets built from an arch, and
``extract(supernet, arch)`` returning a standalone net with copied weights."""

from pymoo_gan.models.cell_generator import CellGenerator, CellGeneratorSupernet, build_generator
from pymoo_gan.models.discriminators import (
    AutoGANDiscriminator,
    CellDiscriminator,
    CellDiscriminatorSupernet,
    SimpleDiscriminator,
    build_discriminator,
    extract_discriminator,
)
from pymoo_gan.models.extract import extract
from pymoo_gan.models.path import PathModule

__all__ = [
    "AutoGANDiscriminator", "CellDiscriminator", "CellDiscriminatorSupernet", "CellGenerator",
    "CellGeneratorSupernet", "PathModule", "SimpleDiscriminator", "build_discriminator", "build_generator", "extract",
    "extract_discriminator",
]
