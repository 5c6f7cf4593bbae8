"""Dataset factories. Every loader returns ``(images, labels)`` with images a float32 tensor in [-1, 1] of shape
``(N, C, H, W)`` and labels an int64 tensor (``-1`` where a dataset has none).

Example:
    >>> from pymoo_gan.data import dataset_channels, load_dataset
    >>> x, y = load_dataset("digits", resolution=16, split="train")
    >>> x.shape[1] == dataset_channels("digits")
    True
"""

from pymoo_gan.data.config import DataConfig
from pymoo_gan.data.embedded import DIGITS_SPLITS, load_digits
from pymoo_gan.data.image_folder import load_image_folder
from pymoo_gan.data.paired import PairedConfig, load_paired_folder
from pymoo_gan.data.registry import dataset_channels, dataset_names, load_dataset
from pymoo_gan.data.torchvision_sets import load_cifar10, load_fashion_mnist, load_mnist, load_stl10

__all__ = ["DIGITS_SPLITS", "DataConfig", "PairedConfig", "dataset_channels", "dataset_names", "load_cifar10",
           "load_dataset", "load_digits", "load_fashion_mnist", "load_image_folder", "load_mnist", "load_paired_folder",
           "load_stl10"]
