"""Algorithms for architecture search: pymoo algorithms wired with the architecture operators, and the
differentiable searches AdversarialNAS and AlphaGAN (torch-free at import)."""

from pymoo_gan.algorithms.adversarialnas import AdversarialNAS
from pymoo_gan.algorithms.alphagan import AlphaGAN
from pymoo_gan.algorithms.differentiable import DifferentiableSearch
from pymoo_gan.algorithms.factories import ArchNSGA2, BindsProblem, bind_problem, nsga2, random_search

__all__ = ["AdversarialNAS", "AlphaGAN", "ArchNSGA2", "BindsProblem", "DifferentiableSearch", "bind_problem", "nsga2",
           "random_search"]
