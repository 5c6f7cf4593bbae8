"""Supernets with ``forward(x, arch)`` (no hidden active-path state), standalone nets built from an arch, and
``extract(supernet, arch)`` returning a standalone net with copied weights; relaxed (mixed-op) supernets with
``forward(x, weights)`` and their architecture parameters."""

from pymoo_gan.models.alphagan import (
    AlphaGANGenerator,
    AlphaGANGeneratorSupernet,
    RelaxedAlphaGANGenerator,
    build_alphagan_generator,
)
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
from pymoo_gan.models.relaxed import (
    ArchParameters,
    RelaxedCellDiscriminator,
    RelaxedCellGenerator,
    extract_relaxed,
    one_hot_weights,
)

__all__ = [
    "AlphaGANGenerator", "AlphaGANGeneratorSupernet", "RelaxedAlphaGANGenerator", "build_alphagan_generator",
    "ArchParameters", "AutoGANDiscriminator", "CellDiscriminator", "CellDiscriminatorSupernet", "CellGenerator",
    "CellGeneratorSupernet", "PathModule", "RelaxedCellDiscriminator", "RelaxedCellGenerator", "SimpleDiscriminator",
    "build_discriminator", "build_generator", "extract", "extract_discriminator", "extract_relaxed", "one_hot_weights",
]
