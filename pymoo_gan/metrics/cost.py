"""Cost of a network: parameter count and multiply-accumulates (MACs) per sample.

MACs are counted with forward hooks during one forward pass, at the resolutions the layers actually see, for
``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d/2d/3d`` and ``Linear`` layers (biases, normalisation,
activations and element-wise ops are not counted, following the usual MACs convention). A convolution costs
``output elements x in_channels / groups x kernel elements``; a transposed convolution costs
``input elements x out_channels / groups x kernel elements`` (no work on the zeros a stride would insert); a linear
layer ``output elements x in_features``. Layers called several times are counted every time.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["count_macs", "count_params"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def count_params(module: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of parameters (shared parameters counted once).

    Example:
        >>> count_params(nn.Linear(3, 2))
        8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


@torch.no_grad()
def count_macs(module: nn.Module, *example_inputs: torch.Tensor) -> int:
    """Multiply-accumulates per sample of one forward pass of ``module(*example_inputs)``.

    The first input's leading dimension is the batch size; the total is divided by it. The module is run in eval mode
    (so batch-norm statistics are not updated) and its training flags are restored afterwards.

    Example:
        >>> count_macs(nn.Conv2d(2, 4, 3, padding=1, bias=False), torch.zeros(1, 2, 8, 8))  # 8*8*4 * 2*9
        4608
    """
    if not example_inputs:
        raise ValueError("count_macs needs at least one example input")
    batch = example_inputs[0].shape[0]
    total = 0

    def hook(layer: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, _CONV):
            total += output.numel() * (layer.in_channels // layer.groups) * math.prod(layer.kernel_size)
        elif isinstance(layer, _CONV_T):
            total += inputs[0].numel() * (layer.out_channels // layer.groups) * math.prod(layer.kernel_size)
        else:
            total += output.numel() * layer.in_features

    modes = {m: m.training for m in module.modules()}
    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (*_CONV, *_CONV_T, nn.Linear))]
    try:
        module.eval()
        module(*example_inputs)
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes.items():
            m.training = training
    if total % batch:
        raise ValueError(f"{total} MACs do not divide by the batch size {batch}; is dimension 0 the batch?")
    return total // batch
