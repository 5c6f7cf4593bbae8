"""Algorithms for architecture search: pymoo algorithms wired with the architecture operators (torch-free)."""

from pymoo_gan.algorithms.factories import ArchNSGA2, BindsProblem, bind_problem, nsga2, random_search

__all__ = ["ArchNSGA2", "BindsProblem", "bind_problem", "nsga2", "random_search"]
