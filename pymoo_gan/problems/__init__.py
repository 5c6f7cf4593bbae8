"""The pymoo Problems of pymoo_gan (each search stage is one Problem) and their settings."""

from pymoo_gan.problems.c2f import C2FProblem, next_level
from pymoo_gan.problems.config import DiscriminatorSearchConfig, ModelConfig, SearchConfig
from pymoo_gan.problems.discriminator_search import DiscriminatorSearchProblem
from pymoo_gan.problems.generator_search import GANSearchProblem
from pymoo_gan.problems.objectives import Constraint, Objective

__all__ = ["C2FProblem", "Constraint", "DiscriminatorSearchConfig", "DiscriminatorSearchProblem", "GANSearchProblem",
           "ModelConfig", "Objective", "SearchConfig", "next_level"]
