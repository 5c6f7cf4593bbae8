"""A label-free extractor: a small CNN trained on the user's own images with pseudo-labels, cached on disk.

For image folders without class labels there is no domain classifier, and Inception weights may be missing (or
miss the domain). :func:`ssl_extractor` makes its own classes, as DeepCluster does (Caron et al. 2018): k-means
(``clusters``, 20 by default) on the pixels of the training images gives pseudo-labels, the
:class:`~pymoo_gan.metrics.classifier.SmallCNN` learns to predict them from augmented images (half blurred with σ
up to 1.0, shifted by up to a pixel, so that a pseudo-class is a shape, not a blur level), then k-means on its
features gives refined pseudo-labels and a fresh CNN learns those (``rounds``). Its penultimate features (128-d)
give ``fd_<dataset>_ssl`` and its logits over the clusters ``cs_<dataset>_ssl``, an Inception-style score over
clusters (at most ``clusters``). (A SimCLR-trained CNN of the same size was tried first: its Fréchet distance rose
with noise and blur but scored a one-mode set only 1.2-1.7x a blurred one, like random features.)

**Quality check, stored beside the weights** (``info["check"]``): the Fréchet distance of the held-out split against
the training split, of that split with Gaussian noise (σ 0.1, 0.3) and blur (σ 0.7, 1.5), and of a one-mode set (the
held-out images of the largest of 10 k-means clusters in pixel space: a label-free stand-in for one class) against a
blurred set (σ 1.0) of the same size.
``passed`` requires both series to rise monotonically and the one-mode set to score at least
:data:`COLLAPSE_FACTOR` times the blurred one; a failed check makes every run summary warn.

Cache layout (as the classifiers'): ``<cache>/classifiers/<dataset>_ssl-<key>.pt`` and ``.json`` (settings, hashes,
the check), where ``key`` hashes the architecture version, the settings and the bytes of the images. Training runs
on the CPU with explicit ``torch.Generator`` objects; the global RNG is never touched.
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

from pymoo_gan.files import atomic_write, resolve_cache_dir, sha256_file
from pymoo_gan.metrics.classifier import ClassifierExtractor, SmallCNN, _sha256_bytes, classifier_accuracy, small_cnn
from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.frechet import frechet_distance
from pymoo_gan.metrics.reference import compute_statistics

__all__ = ["COLLAPSE_FACTOR", "SSLExtractor", "SSLSettings", "gaussian_blur", "kmeans", "quality_check",
           "ssl_extractor"]

_ARCHITECTURE = "SmallCNN-DeepCluster-v3"
#: the one-mode set must score at least this many times the blurred set of the same size
COLLAPSE_FACTOR = 3.0


@dataclass(frozen=True)
class SSLSettings:
    """Architecture and training settings of the label-free extractor; all of them enter the cache key."""

    width: int = 32
    feature_dim: int = 128
    clusters: int = 20  # pseudo-classes
    rounds: int = 2  # 1: pixel clusters only; 2: then clusters of the first CNN's features
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    seed: int = 0


class SSLExtractor(ClassifierExtractor):
    """The penultimate features and pseudo-class logits of a :class:`SmallCNN` trained on cluster labels (read like a
    classifier's; only its training differs)."""


@torch.no_grad()
def kmeans(features: torch.Tensor, k: int, generator: torch.Generator, iterations: int = 30) -> torch.Tensor:
    """``k`` cluster centres of ``features`` (k-means++ start, Lloyd iterations; empty clusters keep their centre)."""
    x = features.double()
    centres = x[torch.randint(len(x), (1,), generator=generator)]
    for _ in range(1, k):
        d = torch.cdist(x, centres).square().min(1).values
        centres = torch.cat([centres, x[torch.multinomial(d / d.sum(), 1, generator=generator)]])
    for _ in range(iterations):
        assign = torch.cdist(x, centres).argmin(1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                centres[j] = members.mean(0)
    return centres.float()


def _pseudo_labels(features: torch.Tensor, k: int, generator: torch.Generator, standardise: bool) -> torch.Tensor:
    x = features.double()
    if standardise:  # CNN features: every dimension counts alike (pixels are clustered as they are)
        x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
    centres = kmeans(x, k, generator).double()
    return torch.cdist(x, centres).argmin(1)


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Half the images blurred (σ from 0.3 to 1.0, so a pseudo-class is not a blur level) and every image shifted
    by up to one pixel."""
    n = len(x)
    blurred = torch.rand(n, generator=generator) < 0.5
    if bool(blurred.any()):
        x = x.clone()
        x[blurred] = gaussian_blur(x[blurred], float(torch.empty(()).uniform_(0.3, 1.0, generator=generator)))
    dy, dx = (int(v) for v in torch.randint(-1, 2, (2,), generator=generator))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def _train(net: SmallCNN, images: torch.Tensor, labels: torch.Tensor, settings: SSLSettings,
           generator: torch.Generator) -> None:
    """:func:`~pymoo_gan.metrics.classifier.train_classifier` on augmented batches (Adam, cosine schedule)."""
    optimizer = torch.optim.Adam(net.parameters(), lr=settings.lr)
    steps = settings.epochs * -(-len(images) // settings.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    net.train()
    for _ in range(settings.epochs):
        for index in torch.randperm(len(images), generator=generator).split(settings.batch_size):
            loss = F.cross_entropy(net(_augment(images[index], generator))[1], labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    net.eval()


def train_ssl(images: torch.Tensor, settings: SSLSettings) -> tuple[SmallCNN, torch.Tensor]:
    """The CNN of the last round and its pseudo-labels (see the module docstring); CPU, explicit generators."""
    generator = torch.Generator().manual_seed(settings.seed)
    features = images.flatten(1)
    net = labels = None
    for round_ in range(settings.rounds):
        labels = _pseudo_labels(features, settings.clusters, generator, standardise=round_ > 0)
        net = small_cnn(images.shape[1], settings.clusters, width=settings.width, feature_dim=settings.feature_dim,
                        generator=generator)
        _train(net, images, labels, settings, generator)
        with torch.no_grad():
            features = torch.cat([net(x)[0] for x in images.split(512)])
    return net, labels


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """``x`` blurred with a separable 7-tap Gaussian of standard deviation ``sigma`` (replicate padding)."""
    r = torch.arange(-3, 4, dtype=x.dtype)
    k = torch.exp(-(r**2) / (2 * sigma**2))
    k = (k / k.sum()).to(x.device)
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (3, 3, 0, 0), mode="replicate"), k.view(1, 1, 1, 7).expand(c, 1, 1, 7), groups=c)
    return F.conv2d(F.pad(x, (0, 0, 3, 3), mode="replicate"), k.view(1, 1, 7, 1).expand(c, 1, 7, 1), groups=c)


@torch.no_grad()
def quality_check(extractor: FeatureExtractor, train: torch.Tensor, held_out: torch.Tensor, seed: int = 0) -> dict:
    """The corruption test of the module docstring: Fréchet distances against the training split's statistics and
    ``passed`` with a ``reason`` when it did not."""
    g = torch.Generator().manual_seed(seed)
    reference = compute_statistics(train, extractor)

    def fd(images: torch.Tensor) -> float:
        stats = compute_statistics(images, extractor)
        return float(frechet_distance(stats.mean(), stats.covariance(), reference.mean(), reference.covariance()))

    out = {"fd_held_out": fd(held_out)}
    for s in (0.1, 0.3):
        out[f"fd_noise_{s}"] = fd((held_out + s * torch.randn(held_out.shape, generator=g)).clamp(-1, 1))
    for s in (0.7, 1.5):
        out[f"fd_blur_{s}"] = fd(gaussian_blur(held_out, s))
    flat = held_out.flatten(1).double()
    assign = torch.cdist(flat, kmeans(flat, 10, g).double()).argmin(1)
    mode = held_out[assign == torch.bincount(assign).argmax()]  # the largest of 10 pixel-space clusters
    n_mode = len(mode)
    subset = torch.randperm(len(held_out), generator=g)[:n_mode]
    out["fd_one_mode"] = fd(mode)
    out["fd_blur_1.0_same_n"] = fd(gaussian_blur(held_out[subset], 1.0))
    out["n_mode"] = int(n_mode)
    reasons = []
    if not out["fd_held_out"] < out["fd_noise_0.1"] < out["fd_noise_0.3"]:
        reasons.append("the distance does not rise with noise")
    if not out["fd_held_out"] < out["fd_blur_0.7"] < out["fd_blur_1.5"]:
        reasons.append("the distance does not rise with blur")
    if not out["fd_one_mode"] >= COLLAPSE_FACTOR * out["fd_blur_1.0_same_n"]:
        reasons.append(f"a one-mode set scores less than {COLLAPSE_FACTOR:g}x a blurred set")
    out["passed"] = not reasons
    if reasons:
        out["reason"] = "; ".join(reasons)
    return out


def ssl_extractor(dataset: str, train: torch.Tensor, held_out: torch.Tensor, *, settings: SSLSettings | None = None,
                  cache_dir: str | os.PathLike | None = None) -> SSLExtractor:
    """Return the ``<dataset>_ssl`` extractor for ``train`` images (labels are not used), training and caching it
    (with its quality check on ``held_out``) on the first call for these images and settings.

    Example:
        >>> from pymoo_gan.data import load_digits
        >>> train, test = load_digits(16, "train")[0], load_digits(16, "test")[0]
        >>> extractor = ssl_extractor("digits", train, test)                                 # doctest: +SKIP
        >>> extractor.name, extractor.info["check"]["passed"]                                # doctest: +SKIP
        ('digits_ssl', True)
    """
    settings = settings or SSLSettings()
    x_train, x_test = (t.detach().cpu().float().contiguous() for t in (train, held_out))
    name = f"{dataset}_ssl"
    spec = {"architecture": _ARCHITECTURE, "settings": dataclasses.asdict(settings), "in_channels": x_train.shape[1],
            "resolution": list(x_train.shape[2:]), "data_sha256": _sha256_bytes(x_train, x_test)}
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    weights = resolve_cache_dir(cache_dir) / "classifiers" / f"{name}-{key}.pt"
    meta_path = weights.with_suffix(".json")
    if weights.is_file() and meta_path.is_file():
        net = small_cnn(x_train.shape[1], settings.clusters, width=settings.width, feature_dim=settings.feature_dim,
                        generator=torch.Generator().manual_seed(settings.seed))
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        meta = json.loads(meta_path.read_text())
    else:
        start = time.perf_counter()
        net, labels = train_ssl(x_train, settings)
        seconds = time.perf_counter() - start
        atomic_write(weights, lambda tmp: torch.save(net.state_dict(), tmp))
        check = quality_check(SSLExtractor(net, name), x_train, x_test, seed=settings.seed)
        meta = {**spec, "check": check, "sha256": sha256_file(weights), "n_train": len(x_train),
                "n_test": len(x_test), "pseudo_label_accuracy": classifier_accuracy(net, x_train, labels),
                "cluster_sizes": torch.bincount(labels, minlength=settings.clusters).tolist(),
                "train_seconds": round(seconds, 2), "torch": torch.__version__}
        atomic_write(meta_path, lambda tmp: tmp.write_text(json.dumps(meta, indent=2, sort_keys=True)))
    info = {"sha256": meta["sha256"], "weights": str(weights), "check": meta["check"], "n_train": meta["n_train"],
            "n_test": meta["n_test"], **spec}
    return SSLExtractor(net, name, info=info)
