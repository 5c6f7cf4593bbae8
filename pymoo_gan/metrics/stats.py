"""Streaming float64 feature statistics: mean and unbiased covariance, accumulated batch by batch.

The sums are taken over features shifted by the first feature vector seen (the shifted-data algorithm), which avoids
the cancellation of ``sum(x x^T) - n mu mu^T`` when the mean is large against the spread; because the shift is one
sample, not a batch statistic, the result does not depend on how the features were batched.
"""

from __future__ import annotations

import torch

__all__ = ["FeatureStats"]


class FeatureStats:
    """Accumulates count, sum and sum of outer products of features in float64, on the features' device.

    Args:
        keep_features: Also keep every feature row (float64), as KID and precision/recall need them.

    Example:
        >>> stats = FeatureStats()
        >>> for batch in torch.arange(12.0).reshape(6, 2).split(4):
        ...     stats.update(batch)
        >>> stats.count, stats.mean().tolist(), stats.covariance()[0, 0].item()
        (6, [5.0, 6.0], 14.0)
    """

    def __init__(self, keep_features: bool = False):
        self.keep_features = keep_features
        self.count = 0
        self._shift: torch.Tensor | None = None
        self._sum: torch.Tensor | None = None
        self._outer: torch.Tensor | None = None
        self._kept: list[torch.Tensor] = []

    @classmethod
    def from_features(cls, features: torch.Tensor, keep_features: bool = False) -> FeatureStats:
        """Return the statistics of one ``(n, d)`` feature matrix."""
        stats = cls(keep_features=keep_features)
        stats.update(features)
        return stats

    @property
    def dim(self) -> int | None:
        """Feature dimension, ``None`` before the first update."""
        return None if self._shift is None else self._shift.shape[0]

    @property
    def device(self) -> torch.device | None:
        """Device the sums live on, ``None`` before the first update."""
        return None if self._shift is None else self._shift.device

    def update(self, features: torch.Tensor) -> None:
        """Add a ``(batch, d)`` batch of features (any float dtype; accumulated in float64)."""
        x = torch.as_tensor(features).detach()
        if x.ndim != 2 or x.shape[0] == 0:
            raise ValueError(f"features must be a non-empty (batch, d) matrix; got shape {tuple(x.shape)}")
        x = x.to(torch.float64)
        if self._shift is None:
            self._shift = x[0].clone()
            self._sum = torch.zeros_like(self._shift)
            self._outer = torch.zeros(x.shape[1], x.shape[1], dtype=torch.float64, device=x.device)
        elif x.shape[1] != self.dim:
            raise ValueError(f"features have dimension {x.shape[1]}; earlier batches had {self.dim}")
        x = x.to(self._shift.device)
        centred = x - self._shift
        self._sum += centred.sum(dim=0)
        self._outer.addmm_(centred.T, centred)
        self.count += x.shape[0]
        if self.keep_features:
            self._kept.append(x)

    def mean(self) -> torch.Tensor:
        """Mean feature vector, float64, shape ``(d,)``."""
        self._require(1)
        return self._shift + self._sum / self.count

    def covariance(self) -> torch.Tensor:
        """Unbiased covariance (divided by ``n - 1``), float64, shape ``(d, d)``."""
        self._require(2)
        return (self._outer - torch.outer(self._sum, self._sum) / self.count) / (self.count - 1)

    def features(self) -> torch.Tensor:
        """Every feature row seen, float64, shape ``(n, d)``; needs ``keep_features=True``."""
        self._require(1)
        if not self.keep_features:
            raise ValueError("these statistics were accumulated with keep_features=False, so no features are kept")
        if len(self._kept) > 1:
            self._kept = [torch.cat(self._kept)]
        return self._kept[0]

    def is_finite(self) -> bool:
        """Whether every feature seen was finite (NaN and infinity propagate into the sums)."""
        self._require(1)
        return bool(torch.isfinite(self._sum).all() and torch.isfinite(self._outer).all())

    def to(self, device: torch.device | str) -> FeatureStats:
        """Return a copy on ``device``."""
        return FeatureStats.from_state_dict(self.state_dict(), device=device)

    def state_dict(self) -> dict:
        """Plain tensors and ints, loadable with ``torch.load(..., weights_only=True)``."""
        self._require(1)
        state = {"count": self.count, "shift": self._shift, "sum": self._sum, "outer": self._outer}
        if self.keep_features:
            state["features"] = self.features()
        return state

    @classmethod
    def from_state_dict(cls, state: dict, device: torch.device | str | None = None) -> FeatureStats:
        """Inverse of :meth:`state_dict`."""
        stats = cls(keep_features="features" in state)
        stats.count = int(state["count"])
        stats._shift, stats._sum, stats._outer = (state[k].to(device) for k in ("shift", "sum", "outer"))
        if stats.keep_features:
            stats._kept = [state["features"].to(device)]
        return stats

    def _require(self, n: int) -> None:
        if self.count < n:
            raise ValueError(f"need at least {n} feature rows; got {self.count}")
