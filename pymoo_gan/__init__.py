"""pymoo_gan: multi-objective architecture search of GANs on pymoo."""

__version__ = "0.1.0"
