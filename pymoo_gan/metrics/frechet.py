"""Fréchet distance between two Gaussians, computed in float64 with the factor-SVD method.

``FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1 S2)``. With ``S_i = F_i F_i^T``, ``F_i = V_i diag(sqrt(w_i))``
from ``eigh`` (eigenvalues below the numerical-rank tolerance, negative ones included, set to 0),
``tr sqrt(S1 S2)`` is the sum of the singular values of ``F1^T F2``. Unlike ``scipy.linalg.sqrtm`` (pytorch-fid, TF)
or ``eigvals(S1 S2)`` (torch-fidelity, torchmetrics) it needs no ``eps`` regulariser, stays exact when a covariance
is singular (fewer samples than dimensions) and is faster.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["frechet_distance"]


def frechet_distance(
    mu1: np.ndarray | torch.Tensor,
    sigma1: np.ndarray | torch.Tensor,
    mu2: np.ndarray | torch.Tensor,
    sigma2: np.ndarray | torch.Tensor,
) -> float:
    """Return the Fréchet distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``.

    Same argument order as pytorch-fid's ``calculate_frechet_distance``. Inputs may be numpy arrays or torch tensors
    (on any device); everything is computed in float64 on the device of the first tensor argument (CPU for numpy).
    The result can be slightly negative through rounding when both Gaussians coincide; clamp it only for display.

    Args:
        mu1: Mean of the first Gaussian, shape ``(d,)``.
        sigma1: Covariance of the first Gaussian, shape ``(d, d)``, symmetric positive semi-definite.
        mu2: Mean of the second Gaussian, shape ``(d,)``.
        sigma2: Covariance of the second Gaussian, shape ``(d, d)``.

    Returns:
        The distance as a Python float.

    Raises:
        ValueError: If the shapes do not match or an input holds NaN or infinite values.

    Example:
        >>> import numpy as np
        >>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)), 6)  # 2 + 2 + 8 - 2 * 4
        4.0
    """
    device = next((a.device for a in (mu1, sigma1, mu2, sigma2) if isinstance(a, torch.Tensor)), torch.device("cpu"))
    args = [torch.as_tensor(a).to(device=device, dtype=torch.float64) for a in (mu1, sigma1, mu2, sigma2)]
    mu1, sigma1, mu2, sigma2 = args
    if mu1.ndim != 1:
        raise ValueError(f"mu1 has shape {tuple(mu1.shape)}; expected (d,)")
    d = mu1.shape[0]
    for name, a, shape in zip(("mu1", "sigma1", "mu2", "sigma2"), args, ((d,), (d, d), (d,), (d, d)), strict=True):
        if tuple(a.shape) != shape:
            raise ValueError(f"{name} has shape {tuple(a.shape)}; expected {shape} with d={d} from mu1")
        if not bool(torch.isfinite(a).all()):
            raise ValueError(f"{name} holds NaN or infinite values")
    diff = mu1 - mu2
    tr_sqrt = torch.linalg.svdvals(_psd_factor(sigma1).T @ _psd_factor(sigma2)).sum()
    return float(diff @ diff + torch.trace(sigma1) + torch.trace(sigma2) - 2.0 * tr_sqrt)


def _psd_factor(sigma: torch.Tensor) -> torch.Tensor:
    """Return ``F`` with ``F F^T = sigma``.

    Eigenvalues below the numerical-rank tolerance ``d * eps * max|w|`` (rounding noise, negative ones included) are
    set to zero: their square roots would otherwise add ``sqrt(eps)``-sized errors when ``sigma`` is singular.
    """
    w, v = torch.linalg.eigh((sigma + sigma.T) / 2)
    tolerance = w.shape[0] * torch.finfo(w.dtype).eps * w.abs().max()
    return v * torch.where(w > tolerance, w, torch.zeros_like(w)).sqrt()
