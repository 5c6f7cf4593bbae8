"""A tiny cell G and AutoGAN D on 16x16 grey images, and random images for them: what the hook tests train."""

import torch

from pymoo_gan.models import build_discriminator, build_generator
from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro


def pair(seed=0):
    init = torch.Generator().manual_seed(seed)
    G = build_generator(EAGANGeneratorSpace(GeneratorMacro(12, 8, 2, 1)).decode([1, 1, 3, 3, 3, 3, 3] * 3),
                        generator=init)
    D = build_discriminator("autogan", in_channels=1, channels=8, resolution=16, generator=init)
    return G, D


def images():
    return torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
