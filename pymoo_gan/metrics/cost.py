"""Cost of a network: parameter count and multiply-accumulates (MACs) per sample.

MACs are counted with forward hooks during one forward pass, at the resolutions the layers actually see, for
``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d/2d/3d`` and ``Linear`` layers (biases, normalisation,
activations and element-wise ops are not counted, following the usual MACs convention). A convolution costs
``output elements x in_channels / groups x kernel elements``; a transposed convolution costs
``input elements x out_channels / groups x kernel elements`` (no work on the zeros a stride would insert); a linear
layer ``output elements x in_features``. Layers called several times are counted every time. A channel-sliced
convolution (:class:`pymoo_gan.nn.sliced.SlicedConv2d`, a supernet running a narrower sub-network) is counted at the
channels it actually reads and writes, so it costs what the extracted compact layer costs (dense counts only:
:func:`sparse_cost` is for unsliced networks).

Sparse networks (unstructured masks, e.g. STU-GAN's): :func:`sparse_cost` counts only the non-zero entries of
convolution and linear weights, in the parameter count and in each layer's MACs (``dense MACs x nnz / numel``: every
output position meets the layer's non-zero weights once); every other parameter (biases, normalisation) is counted in
full. These are theoretical counts: dense kernels run no faster on sparse weights.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["count_macs", "count_nonzero_params", "count_params", "sparse_cost"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def count_params(module: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of parameters (shared parameters counted once).

    Example:
        >>> count_params(nn.Linear(3, 2))
        8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def _weight_param(layer: nn.Module) -> torch.Tensor | None:
    """The stored weight of a conv/linear layer (``weight_orig`` under spectral norm, whose ``weight`` is computed)."""
    return layer._parameters.get("weight_orig", layer._parameters.get("weight"))


def count_nonzero_params(module: nn.Module) -> int:
    """Number of parameters, counting only the non-zero entries of convolution and linear weights (shared parameters
    counted once).

    Example:
        >>> lin = nn.Linear(3, 2)
        >>> with torch.no_grad():
        ...     _ = lin.weight[0].zero_()
        >>> count_nonzero_params(lin)  # 3 of 6 weights, 2 biases
        5
    """
    weights = {id(_weight_param(m)) for m in module.modules() if isinstance(m, (*_CONV, *_CONV_T, nn.Linear))}
    return sum(int(p.count_nonzero()) if id(p) in weights else p.numel() for p in module.parameters())


def count_macs(module: nn.Module, *example_inputs: torch.Tensor) -> int:
    """Multiply-accumulates per sample of one forward pass of ``module(*example_inputs)``.

    The first input's leading dimension is the batch size; the total is divided by it. The module is run in eval mode
    (so batch-norm statistics are not updated) and its training flags are restored afterwards.

    Example:
        >>> count_macs(nn.Conv2d(2, 4, 3, padding=1, bias=False), torch.zeros(1, 2, 8, 8))  # 8*8*4 * 2*9
        4608
    """
    return _macs(module, example_inputs, sparse=False)


def sparse_cost(module: nn.Module, *example_inputs: torch.Tensor) -> dict[str, int]:
    """``{"nnz_params", "sparse_macs"}`` of a network with exactly-zero (pruned) weights: the parameters and MACs per
    sample that its non-zero weights account for (module docstring). Equal to ``count_params`` / ``count_macs`` for a
    dense network.

    Example:
        >>> conv = nn.Conv2d(2, 4, 3, padding=1, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight[:3].zero_()  # 3 of 4 output channels pruned
        >>> sparse_cost(conv, torch.zeros(1, 2, 8, 8))  # 18 weights, 8*8 positions
        {'nnz_params': 18, 'sparse_macs': 1152}
    """
    return {"nnz_params": count_nonzero_params(module), "sparse_macs": _macs(module, example_inputs, sparse=True)}


@torch.no_grad()
def _macs(module: nn.Module, example_inputs: tuple, sparse: bool) -> int:
    if not example_inputs:
        raise ValueError("count_macs needs at least one example input")
    batch = example_inputs[0].shape[0]
    total = 0

    def hook(layer: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, _CONV):
            # the channels each output reads: an ungrouped conv reads its input's channels, which are fewer than
            # in_channels for a channel-sliced conv (pymoo_gan.nn.sliced); a (depthwise) grouped conv in_channels/groups
            fan_in = inputs[0].shape[1] if layer.groups == 1 else layer.in_channels // layer.groups
            macs = output.numel() * fan_in * math.prod(layer.kernel_size)
        elif isinstance(layer, _CONV_T):
            macs = inputs[0].numel() * (layer.out_channels // layer.groups) * math.prod(layer.kernel_size)
        else:
            macs = output.numel() * layer.in_features
        if sparse:  # dense MACs = positions x weight.numel(); each position meets the non-zero weights once
            weight = layer.weight  # the weight used by this forward (spectral norm's normalised one included)
            macs = macs // weight.numel() * int(weight.count_nonzero())
        total += macs

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
