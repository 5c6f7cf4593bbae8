"""Variation operators for architecture genotypes of categorical and ordinal genes, following pymoo's ``_do``
contract (torch-free).

All operators read ``problem.space`` (a :class:`~pymoo_gan.space.SearchSpace`) and draw only from pymoo's injected
``random_state``; :class:`ArchDuplicateElimination` also reads ``problem.archive``. Wire them all at once with
:func:`pymoo_gan.algorithms.nsga2`.
"""

from pymoo_gan.operators.base import archive_of, as_genotypes, space_of
from pymoo_gan.operators.crossover import ArchCrossover
from pymoo_gan.operators.duplicate import ArchDuplicateElimination
from pymoo_gan.operators.mutation import ArchMutation
from pymoo_gan.operators.repair import ArchRepair
from pymoo_gan.operators.sampling import ArchSampling

__all__ = [
    "ArchCrossover", "ArchDuplicateElimination", "ArchMutation", "ArchRepair", "ArchSampling",
    "archive_of", "as_genotypes", "space_of",
]
