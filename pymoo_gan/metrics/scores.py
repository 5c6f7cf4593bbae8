"""Scores computed from features or class logits, in float64: Inception-style score, KID, precision/recall.

With a classifier other than the standard Inception the Inception-style score is a "classifier score", bounded by the
number of classes; see :func:`pymoo_gan.metrics.metric_key` for how results are named.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["inception_score", "kid", "precision_recall"]


def inception_score(logits: torch.Tensor | np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Return the mean and standard deviation (ddof=0) of ``exp(E_x KL(p(y|x) || p(y)))`` over ``splits`` splits.

    The rows are split in order, split ``i`` holding rows ``i*n//splits`` to ``(i+1)*n//splits``, as in the original
    TF implementation (Salimans et al. 2016); the softmax is taken in float64.

    Args:
        logits: Class logits, shape ``(n, classes)``; for the standard Inception, its logits without bias.
        splits: Number of splits; ``n >= splits`` is required.

    Example:
        >>> logits = 20.0 * torch.eye(4).repeat(4, 1)  # confident and evenly spread over 4 classes
        >>> [round(v, 3) for v in inception_score(logits, splits=2)]
        [4.0, 0.0]
    """
    log_p = torch.as_tensor(logits).detach().to(torch.float64)
    if log_p.ndim != 2 or log_p.shape[0] < splits or splits < 1:
        raise ValueError(f"need (n, classes) logits with n >= splits >= 1; got shape {tuple(log_p.shape)}, {splits=}")
    log_p = torch.log_softmax(log_p, dim=1)
    n = log_p.shape[0]
    scores = []
    for i in range(splits):
        part = log_p[i * n // splits : (i + 1) * n // splits]
        log_marginal = torch.logsumexp(part, dim=0) - np.log(part.shape[0])
        kl = (part.exp() * (part - log_marginal)).sum(dim=1).mean()
        scores.append(kl.exp())
    scores = torch.stack(scores)
    return float(scores.mean()), float(scores.std(correction=0))


def kid(
    real: torch.Tensor | np.ndarray,
    fake: torch.Tensor | np.ndarray,
    *,
    rng: np.random.Generator,
    n_subsets: int = 100,
    subset_size: int = 1000,
) -> tuple[float, float]:
    """Return the mean and standard deviation (ddof=0) of the unbiased MMD² over random subsets (Bińkowski et al.).

    The kernel is the cubic polynomial ``k(x, y) = (x·y / d + 1)^3``. Each subset draws ``subset_size`` rows of
    ``real`` then of ``fake`` without replacement from ``rng``; ``subset_size`` is capped at the smaller set size.
    Computed in float64 on the features' device.

    Args:
        real: Features of the reference set, shape ``(n, d)``.
        fake: Features of the compared set, shape ``(m, d)``.
        rng: The generator that draws the subsets (pass ``np.random.default_rng(seed)``).
        n_subsets: Number of subsets.
        subset_size: Rows per subset.

    Example:
        >>> x = torch.randn(200, 8, generator=torch.Generator().manual_seed(0))
        >>> mean, std = kid(x, x + 1.0, rng=np.random.default_rng(0), n_subsets=10, subset_size=100)
        >>> mean > 0.1
        True
    """
    x, y = (torch.as_tensor(a).detach().to(torch.float64) for a in (real, fake))
    y = y.to(x.device)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"need (n, d) and (m, d) features; got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    m = min(subset_size, x.shape[0], y.shape[0])
    if m < 2 or n_subsets < 1:
        raise ValueError(f"KID needs subsets of at least 2 rows and n_subsets >= 1; got {m=}, {n_subsets=}")
    d = x.shape[1]
    mmds = []
    for _ in range(n_subsets):
        a = x[torch.from_numpy(rng.choice(x.shape[0], m, replace=False)).to(x.device)]
        b = y[torch.from_numpy(rng.choice(y.shape[0], m, replace=False)).to(x.device)]
        k_aa, k_bb, k_ab = ((u @ v.T / d + 1.0) ** 3 for u, v in ((a, a), (b, b), (a, b)))
        within = (k_aa.sum() - k_aa.diagonal().sum() + k_bb.sum() - k_bb.diagonal().sum()) / (m * (m - 1))
        mmds.append(within - 2.0 * k_ab.mean())
    mmds = torch.stack(mmds)
    return float(mmds.mean()), float(mmds.std(correction=0))


def precision_recall(
    real: torch.Tensor | np.ndarray, fake: torch.Tensor | np.ndarray, *, k: int = 3, batch_size: int = 1024
) -> tuple[float, float]:
    """Return improved precision and recall with k-nearest-neighbour balls (Kynkäänniemi et al. 2019).

    Each sample's ball reaches its k-th nearest neighbour within its own set (itself excluded). Precision is the
    fraction of ``fake`` rows inside at least one ball of a ``real`` row; recall is the fraction of ``real`` rows inside
    at least one ball of a ``fake`` row (boundary included). Distances are float64, computed ``batch_size`` rows at a
    time so memory stays ``O(batch_size * n)``.

    Args:
        real: Features of the reference set, shape ``(n, d)``, ``n > k``.
        fake: Features of the compared set, shape ``(m, d)``, ``m > k``.
        k: Neighbourhood size (3 in the paper and in torch-fidelity).
        batch_size: Rows per distance block.

    Example:
        >>> x = torch.randn(100, 4, generator=torch.Generator().manual_seed(0))
        >>> precision_recall(x, x)
        (1.0, 1.0)
    """
    x, y = (torch.as_tensor(a).detach().to(torch.float64) for a in (real, fake))
    y = y.to(x.device)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"need (n, d) and (m, d) features; got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    if min(x.shape[0], y.shape[0]) <= k:
        raise ValueError(f"both sets need more than k={k} rows; got {x.shape[0]} and {y.shape[0]}")
    precision = _inside_any_ball(y, x, _kth_neighbour_radii(x, k, batch_size), batch_size)
    recall = _inside_any_ball(x, y, _kth_neighbour_radii(y, k, batch_size), batch_size)
    return precision, recall


def _kth_neighbour_radii(x: torch.Tensor, k: int, batch_size: int) -> torch.Tensor:
    # k + 1 because each row's nearest neighbour in its own set is itself, at distance 0.
    return torch.cat([torch.cdist(block, x).kthvalue(k + 1, dim=1).values for block in x.split(batch_size)])


def _inside_any_ball(queries: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int) -> float:
    inside = [(torch.cdist(block, centres) <= radii).any(dim=1) for block in queries.split(batch_size)]
    return float(torch.cat(inside).to(torch.float64).mean())
