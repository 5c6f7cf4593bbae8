"""pymoo_gan: multi-objective architecture search of GANs on pymoo.

Example:
    >>> from pymoo.optimize import minimize
    >>> from pymoo_gan import GANSearchProblem, nsga2
    >>> res = minimize(GANSearchProblem(), nsga2(pop_size=8), ("n_gen", 4), seed=1)  # doctest: +SKIP

Public names are imported lazily, so ``pymoo_gan.space`` and ``pymoo_gan.operators`` stay importable without torch.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "GANSearchProblem": "pymoo_gan.problems",
    "SearchConfig": "pymoo_gan.problems",
    "DiscriminatorSearchProblem": "pymoo_gan.problems",
    "DiscriminatorSearchConfig": "pymoo_gan.problems",
    "TrainConfig": "pymoo_gan.training",
    "DataConfig": "pymoo_gan.data",
    "MetricsConfig": "pymoo_gan.evaluation",
    "ModelConfig": "pymoo_gan.problems",
    "ScheduleConfig": "pymoo_gan.training",
    "nsga2": "pymoo_gan.algorithms",
    "AdversarialNAS": "pymoo_gan.algorithms",
    "AlphaGAN": "pymoo_gan.algorithms",
    "load_generator": "pymoo_gan.runs.export",
    "export_model": "pymoo_gan.runs.export",
    "EAGANGeneratorSpace": "pymoo_gan.space",
    "EAGANDiscriminatorSpace": "pymoo_gan.space",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pymoo_gan' has no attribute {name!r}")
