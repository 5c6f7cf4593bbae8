"""Domain classifiers: a small CNN trained once on a labelled training split, cached on disk, used as an extractor.

Scores in its embedding are named ``fd_<dataset>_cnn``, ``cs_<dataset>_cnn`` (classifier score), ... and are
comparable only within one set of weights: ``info`` records the weights' SHA-256 and the held-out accuracy.

Cache layout (see :mod:`pymoo_gan.metrics.cache` for the directory): ``<cache>/classifiers/<dataset>_cnn-<key>.pt``
(the state dict) and ``.json`` beside it (accuracy, settings, hashes), where ``key`` hashes the architecture version,
the settings and the bytes of the training and held-out data. Training runs on the CPU with an explicit
``torch.Generator``; the global RNG is never touched. It repeats exactly for one machine and thread count (other
thread counts can change the last digits of the accuracy); the cache keeps the first trained weights.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from pymoo_gan.data import load_digits
from pymoo_gan.files import atomic_write, resolve_cache_dir, sha256_file
from pymoo_gan.metrics.extractors import FeatureExtractor

__all__ = [
    "ClassifierExtractor",
    "ClassifierSettings",
    "SmallCNN",
    "classifier_accuracy",
    "digits_classifier",
    "domain_classifier",
    "small_cnn",
    "train_classifier",
]

_ARCHITECTURE = "SmallCNN-v1"  # bump when SmallCNN changes, so cached weights of the old one are not reused


@dataclass(frozen=True)
class ClassifierSettings:
    """Architecture and training settings of a domain classifier; all of them enter the cache key."""

    width: int = 32  # channels of the first two convolutions; the third has 2 * width
    feature_dim: int = 128  # penultimate layer: the features
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    seed: int = 0  # seeds the torch.Generator for initialisation and batch order


class SmallCNN(nn.Module):
    """Three 3x3 convolutions with ReLU and two 2x2 max-pools, pooled to 4x4, then a ``feature_dim`` ReLU layer
    (the features) and a linear classifier (the logits). Works for any input resolution >= 8.
    """

    def __init__(self, in_channels: int, n_classes: int, *, width: int = 32, feature_dim: int = 128):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(2 * width * 16, feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Linear(feature_dim, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


def small_cnn(
    in_channels: int, n_classes: int, *, width: int = 32, feature_dim: int = 128, generator: torch.Generator
) -> SmallCNN:
    """Return a :class:`SmallCNN` on the CPU, He-initialised from ``generator`` (biases zero).

    Example:
        >>> net = small_cnn(1, 10, generator=torch.Generator().manual_seed(0))
        >>> [t.shape for t in net(torch.zeros(2, 1, 16, 16))]
        [torch.Size([2, 128]), torch.Size([2, 10])]
    """
    with torch.device("meta"):
        net = SmallCNN(in_channels, n_classes, width=width, feature_dim=feature_dim)
    net.to_empty(device="cpu")
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu", generator=generator)
            nn.init.zeros_(module.bias)
    return net


def train_classifier(
    net: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
) -> None:
    """Train ``net`` (returning ``(features, logits)``) in place with Adam and cross-entropy; batch order from
    ``generator``; the learning rate decays by cosine to zero.
    """
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * -(-len(images) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    net.train()
    for _ in range(epochs):
        for index in torch.randperm(len(images), generator=generator).split(batch_size):
            loss = F.cross_entropy(net(images[index])[1], labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    net.eval()


@torch.no_grad()
def classifier_accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 512) -> float:
    """Fraction of ``images`` whose arg-max logit equals the label."""
    net.eval()
    correct = sum(
        int((net(x)[1].argmax(1) == y).sum())
        for x, y in zip(images.split(batch_size), labels.split(batch_size), strict=True)
    )
    return correct / len(images)


class ClassifierExtractor(FeatureExtractor):
    """Penultimate-layer features and class logits of a classifier returning ``(features, logits)``.

    Args:
        net: The classifier, e.g. a :class:`SmallCNN`.
        name: Identifier for result keys (``<dataset>_cnn`` for cached domain classifiers).
        info: Provenance to record (``accuracy``, ``sha256``, ...).
    """

    def __init__(self, net: nn.Module, name: str, *, info: dict | None = None):
        super().__init__(name, layer="penultimate", info=info)
        self.net = net.requires_grad_(False)
        self.eval()

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features, logits = self.net(images)
        return {"features": features, "logits": logits}


def domain_classifier(
    dataset: str,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    settings: ClassifierSettings | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> ClassifierExtractor:
    """Return the ``<dataset>_cnn`` extractor, training and caching it on the first call for this data and settings.

    Args:
        dataset: Dataset name (lower case), part of the extractor's name.
        train: ``(images in [-1, 1] of shape (N, C, H, W), int64 labels 0..classes-1)`` to train on.
        test: Held-out ``(images, labels)``; the accuracy on them is recorded in ``info["accuracy"]``.
        settings: Architecture and training settings (defaults: :class:`ClassifierSettings`).
        cache_dir: Cache directory; ``None`` uses ``$PYMOO_GAN_CACHE`` or ``~/.cache/pymoo_gan``.

    Example:
        >>> from pymoo_gan.data import load_digits
        >>> extractor = domain_classifier("digits", load_digits(16, "train"), load_digits(16, "test"))  # doctest: +SKIP
        >>> extractor.name, extractor.info["accuracy"] > 0.9  # doctest: +SKIP
        ('digits_cnn', True)
    """
    settings = settings or ClassifierSettings()
    (x_train, y_train), (x_test, y_test) = (
        tuple(t.detach().cpu().contiguous() for t in pair) for pair in (train, test)
    )
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    name = f"{dataset}_cnn"
    data_sha256 = _sha256_bytes(x_train, y_train, x_test, y_test)
    spec = {
        "architecture": _ARCHITECTURE,
        "settings": dataclasses.asdict(settings),
        "in_channels": x_train.shape[1],
        "resolution": list(x_train.shape[2:]),
        "n_classes": n_classes,
        "data_sha256": data_sha256,
    }
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    weights = resolve_cache_dir(cache_dir) / "classifiers" / f"{name}-{key}.pt"
    meta_path = weights.with_suffix(".json")
    net = small_cnn(
        x_train.shape[1],
        n_classes,
        width=settings.width,
        feature_dim=settings.feature_dim,
        generator=torch.Generator().manual_seed(settings.seed),
    )
    if weights.is_file() and meta_path.is_file():
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        meta = json.loads(meta_path.read_text())
    else:
        start = time.perf_counter()
        train_classifier(
            net,
            x_train,
            y_train,
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            lr=settings.lr,
            generator=torch.Generator().manual_seed(settings.seed),
        )
        seconds = time.perf_counter() - start
        atomic_write(weights, lambda tmp: torch.save(net.state_dict(), tmp))
        meta = {
            **spec,
            "accuracy": classifier_accuracy(net, x_test, y_test),
            "sha256": sha256_file(weights),
            "n_train": len(x_train),
            "n_test": len(x_test),
            "train_seconds": round(seconds, 2),
            "torch": torch.__version__,
        }
        atomic_write(meta_path, lambda tmp: tmp.write_text(json.dumps(meta, indent=2, sort_keys=True)))
    info = {"accuracy": meta["accuracy"], "sha256": meta["sha256"], "weights": str(weights),
            "n_train": meta.get("n_train", len(x_train)), "n_test": meta.get("n_test", len(x_test)), **spec}
    return ClassifierExtractor(net, name, info=info)


def digits_classifier(
    resolution: int = 16, *, settings: ClassifierSettings | None = None, cache_dir: str | os.PathLike | None = None
) -> ClassifierExtractor:
    """Return the ``digits_cnn`` extractor for the embedded digits at ``resolution`` (trained and cached on first use).

    Example:
        >>> extractor = digits_classifier(16)  # doctest: +SKIP
        >>> extractor.info["accuracy"] > 0.9  # doctest: +SKIP
        True
    """

    return domain_classifier(
        "digits",
        load_digits(resolution, "train"),
        load_digits(resolution, "test"),
        settings=settings,
        cache_dir=cache_dir,
    )


def _sha256_bytes(*tensors: torch.Tensor) -> str:
    digest = hashlib.sha256()
    for t in tensors:
        digest.update(f"{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
