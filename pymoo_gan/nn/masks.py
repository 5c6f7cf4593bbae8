"""Unstructured sparsity masks on convolution weights, keyed by parameter name (so they survive ``state_dict`` round
trips and apply to any copy of a network: its EMA, a reloaded checkpoint, an exported generator).

Only convolution weights are masked (``weight``, or ``weight_orig`` under :func:`torch.nn.utils.spectral_norm`, whose
normalised weight then inherits the zeros); linear layers, normalisation layers and biases stay dense, as in STU-GAN.

**ERK densities** (Erdős–Rényi-Kernel, as in RigL and STU-GAN): a layer with weight shape ``(d_1, ..., d_k)`` gets
density ``eps * (d_1 + ... + d_k) / (d_1 * ... * d_k)``, with one ``eps`` for the whole network chosen so that the
parameter-weighted mean density is the requested one: ``eps = density * N / sum_l (d_1 + ... + d_k)_l`` over all
masked weights (``N`` of them). A layer whose density would exceed 1 is made dense and ``eps`` is solved again over the
other layers with the budget left, ``eps = (density * N - N_dense) / sum_{l sparse} (d_1 + ... + d_k)_l``, until no
layer exceeds 1. Making a layer dense frees budget, so ``eps`` only grows and the dense set does not depend on the order
in which layers are made dense.

Example:
    >>> import torch
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(4, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3))
    >>> weights = conv_weights(net)
    >>> list(weights)
    ['0.weight', '2.weight']
    >>> densities = erk_densities({k: w.shape for k, w in weights.items()}, 0.5)
    >>> masks = random_masks(weights, densities, torch.Generator().manual_seed(0))
    >>> apply_masks(weights, masks)
    >>> [int(w.count_nonzero()) == int(m.sum()) for w, m in zip(weights.values(), masks.values())]
    [True, True]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

__all__ = ["MASKED_LAYERS", "apply_masks", "conv_weights", "erk_densities", "prune_and_regrow", "random_masks"]

MASKED_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def conv_weights(module: nn.Module) -> dict[str, nn.Parameter]:
    """``{parameter name: weight}`` of every convolution in ``module``, in registration order (names as in
    ``module.state_dict()``)."""
    out = {}
    for prefix, layer in module.named_modules():
        if isinstance(layer, MASKED_LAYERS):
            for name in ("weight_orig", "weight"):  # under spectral norm, ``weight`` is computed from ``weight_orig``
                param = layer._parameters.get(name)
                if param is not None:
                    out[f"{prefix}.{name}" if prefix else name] = param
                    break
    return out


def erk_densities(shapes: Mapping[str, Sequence[int]], density: float) -> dict[str, float]:
    """Per-layer ERK densities whose parameter-weighted mean is ``density``, each at most 1 (module docstring).

    Example:
        >>> shapes = {"big": (64, 64, 3, 3), "to_rgb": (3, 64, 3, 3)}
        >>> {k: round(v, 4) for k, v in erk_densities(shapes, 0.05).items()}
        {'big': 0.0339, 'to_rgb': 0.3938}
        >>> erk_densities(shapes, 0.2)  # to_rgb would get 1.575: made dense, the rest re-solved
        {'big': 0.1625, 'to_rgb': 1.0}
    """
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density={density!r} must be in (0, 1]")
    sizes = {k: math.prod(s) for k, s in shapes.items()}
    dims = {k: sum(s) for k, s in shapes.items()}  # = raw ERK score * layer size
    total, dense, eps = sum(sizes.values()), set(), 0.0
    while len(dense) < len(sizes):
        sparse = [k for k in sizes if k not in dense]
        eps = (density * total - sum(sizes[k] for k in dense)) / sum(dims[k] for k in sparse)
        over = {k for k in sparse if eps * dims[k] / sizes[k] > 1.0}
        if not over:
            break
        dense |= over
    return {k: 1.0 if k in dense else eps * dims[k] / sizes[k] for k in sizes}


def random_masks(weights: Mapping[str, torch.Tensor], densities: Mapping[str, float],
                 generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Boolean masks with exactly ``round(density * numel)`` (at least one) active entries per layer, drawn uniformly
    with ``generator`` (a CPU generator; masks are then moved to each weight's device)."""
    masks = {}
    for name, w in weights.items():
        n = w.numel()
        k = min(n, max(1, round(densities[name] * n)))
        flat = torch.zeros(n, dtype=torch.bool)
        flat[torch.randperm(n, generator=generator)[:k]] = True
        masks[name] = flat.view(w.shape).to(w.device)
    return masks


@torch.no_grad()
def apply_masks(weights: Mapping[str, torch.Tensor], masks: Mapping[str, torch.Tensor]) -> None:
    """Zero the entries of each weight outside its mask, in place (``weights`` may have more entries than ``masks``)."""
    for name, mask in masks.items():
        weights[name].mul_(mask)


@torch.no_grad()
def prune_and_regrow(weight: torch.Tensor, mask: torch.Tensor, grad: torch.Tensor, n: int) -> torch.Tensor:
    """A new mask with the same number of active entries: the ``n`` active entries of smallest ``|weight|`` pruned,
    then the ``n`` entries inactive after the prune with the largest ``|grad|`` grown (a just-pruned entry may come
    back). Ties go to the lower flat index.

    Example:
        >>> w = torch.tensor([0.1, -0.5, 0.0, 0.0, 2.0]); m = torch.tensor([True, True, False, False, True])
        >>> prune_and_regrow(w, m, torch.tensor([0.0, 0.0, -3.0, 1.0, 0.0]), 1).tolist()
        [False, True, True, False, True]
    """
    if n <= 0:
        return mask.clone()
    flat = mask.reshape(-1).clone()
    inf = torch.tensor(float("inf"), device=weight.device)
    drop_score = torch.where(flat, weight.detach().reshape(-1).abs().float(), inf)
    flat[torch.argsort(drop_score, stable=True)[:n]] = False
    grow_score = torch.where(flat, -inf, grad.reshape(-1).abs().float())
    flat[torch.argsort(grow_score, descending=True, stable=True)[:n]] = True
    return flat.view(mask.shape)
