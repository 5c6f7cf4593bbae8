"""How candidates are scored: one settings dataclass (sample counts, the feature extractor, extra metrics)."""

from __future__ import annotations

from dataclasses import dataclass

from pymoo_gan import registry
from pymoo_gan.metrics.scoring import METRICS


@dataclass(frozen=True)
class MetricsConfig:
    """Scoring settings; defaults are the embedded CPU problem's.

    ``n_samples`` generated images per score, ``batch_size`` latents per generator call; BN statistics of a
    sub-network are recomputed from ``bn_batches`` batches of ``bn_batch_size`` fixed latents (the size of G's
    training batch suits them); ``extractor`` is a :data:`pymoo_gan.registry.EXTRACTORS` name
    (``inception`` needs ``inception_weights``, the standard file; ``clip`` a CLIP file, ``clip_weights``);
    ``extra`` adds metrics of :data:`pymoo_gan.metrics.scoring.METRICS` (e.g. ``["kid", "pr"]``) to the Fréchet
    distance and the classifier / Inception score every candidate gets (none with an extractor without class
    logits, such as ``clip``).

    Example:
        >>> MetricsConfig(n_samples=200).extractor
        'classifier'
    """

    n_samples: int = 1000
    # latents per call: small batches keep a small generator's activations in the CPU's cache (scoring the default
    # search's candidates 1.3x faster than 500 on a 2-core EPYC, same scores: bench_score_batch.py); GPU problem
    # files set larger ones
    batch_size: int = 50
    bn_batches: int = 4
    bn_batch_size: int = 32
    extractor: str = "classifier"
    inception_weights: str | None = None
    clip_weights: str | None = None
    extra: tuple = ()

    def __post_init__(self):
        registry.extractor(self.extractor)  # one-line error listing the names
        for name in ("n_samples", "batch_size", "bn_batches", "bn_batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        object.__setattr__(self, "extra", tuple(self.extra))
        unknown = [m for m in self.extra if m not in METRICS]
        if unknown:
            raise ValueError(f"extra={list(self.extra)}: {', '.join(map(repr, unknown))} unknown; allowed: "
                             f"{', '.join(METRICS)}")

    @property
    def names(self) -> tuple[str, ...]:
        """Every metric a candidate gets: ``fd``, ``is`` and the ``extra`` ones."""
        return ("fd", "is", *(m for m in self.extra if m not in ("fd", "is")))
