"""Dataset factories. Every loader returns ``(images, labels)`` with images a float32 tensor in [-1, 1] of shape
``(N, C, H, W)`` and labels an int64 tensor (``-1`` where a dataset has none)."""

from pymoo_gan.data.embedded import DIGITS_SPLITS, load_digits

__all__ = ["DIGITS_SPLITS", "load_digits"]
