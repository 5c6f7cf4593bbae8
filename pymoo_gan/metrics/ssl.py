"""A label-free extractor: a small CNN trained on the user's own images by contrastive learning, cached on disk.

For image folders without class labels there is no domain classifier, and Inception weights may be missing (or
miss the domain). :func:`ssl_extractor` trains the :class:`~pymoo_gan.metrics.classifier.SmallCNN` body with SimCLR's
NT-Xent loss (Chen et al. 2020): two augmented views of each image (random affine views, a mild blur, random
contrast and brightness; no noise, and blur only up to σ 0.6, so the features stay sensitive to both) must find each
other among the batch. Its penultimate features (128-d) give ``fd_<dataset>_ssl``. Having no classes, it makes its
own: k-means (``clusters``, 10 by default) on the training images' features; the logits are the negative squared
distances to the cluster centres over twice the mean within-cluster squared distance, so ``cs_<dataset>_ssl`` is an
Inception-style score over clusters (at most ``clusters``): high when samples spread over the clusters and each
sits clearly in one.

**Quality check, stored beside the weights** (``info["check"]``): the Fréchet distance of the held-out split against
the training split, of that split with Gaussian noise (σ 0.1, 0.3) and blur (σ 0.7, 1.5), and of a one-mode set (the
held-out images nearest to one of them in pixel space, a tenth of the split) against a blurred set of the same size.
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
from pymoo_gan.metrics.classifier import SmallCNN, _sha256_bytes, small_cnn
from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.frechet import frechet_distance
from pymoo_gan.metrics.reference import compute_statistics

__all__ = ["COLLAPSE_FACTOR", "SSLExtractor", "SSLSettings", "gaussian_blur", "kmeans", "quality_check",
           "ssl_extractor"]

_ARCHITECTURE = "SmallCNN-SimCLR-v3"
#: the one-mode set must score at least this many times the blurred set of the same size
COLLAPSE_FACTOR = 3.0


@dataclass(frozen=True)
class SSLSettings:
    """Architecture and training settings of the label-free extractor; all of them enter the cache key."""

    width: int = 32
    feature_dim: int = 128
    projection_dim: int = 64  # the linear projection head the loss sees (features are before it)
    epochs: int = 20
    batch_size: int = 128
    lr: float = 2e-3
    temperature: float = 0.3
    clusters: int = 10  # k-means pseudo-classes for the cluster score
    seed: int = 0


class SSLExtractor(FeatureExtractor):
    """The penultimate features of a contrastively trained :class:`SmallCNN` and logits over k-means clusters of the
    training features (``centres``, ``scale``; see the module docstring)."""

    def __init__(self, net: SmallCNN, name: str, *, centres: torch.Tensor | None = None, scale: float = 1.0,
                 info: dict | None = None):
        super().__init__(name, layer="penultimate", info=info)
        self.net = net.requires_grad_(False)
        self.register_buffer("centres", centres if centres is not None else torch.zeros(1, net.head.in_features))
        self.scale = scale
        self.eval()

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.net.body(images)
        logits = -torch.cdist(features.float(), self.centres.float()).square() / self.scale
        return {"features": features, "logits": logits}


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


def _clusters(net: SmallCNN, images: torch.Tensor, k: int, seed: int) -> tuple[torch.Tensor, float]:
    with torch.no_grad():
        features = torch.cat([net.body(x) for x in images.split(512)])
    centres = kmeans(features, k, torch.Generator().manual_seed(seed))
    spread = torch.cdist(features, centres).square().min(1).values.mean()
    return centres, float(2 * spread.clamp_min(1e-8))


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random affine view (shift up to 1/4 of the side, scale 0.8-1.2, rotation up to 15 degrees), a mild blur of
    half the images (σ up to 0.6, so features keep rising with stronger blur) and a random contrast and brightness."""
    n = len(x)
    angle = torch.empty(n).uniform_(-0.26, 0.26, generator=generator)
    scale = torch.empty(n).uniform_(0.8, 1.2, generator=generator)
    shift = torch.empty(n, 2).uniform_(-0.5, 0.5, generator=generator)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    views = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    blurred = torch.rand(n, generator=generator) < 0.5
    if bool(blurred.any()):
        sigma = float(torch.empty(()).uniform_(0.3, 0.6, generator=generator))
        views[blurred] = gaussian_blur(views[blurred], sigma)
    contrast = torch.empty(n, 1, 1, 1).uniform_(0.7, 1.3, generator=generator)
    brightness = torch.empty(n, 1, 1, 1).uniform_(-0.2, 0.2, generator=generator)
    return (views * contrast + brightness).clamp(-1.0, 1.0)


def _nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    n = len(z1)
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(logits, targets)


def train_ssl(net: SmallCNN, images: torch.Tensor, settings: SSLSettings, generator: torch.Generator) -> None:
    """Train ``net`` in place with NT-Xent on two augmented views per image (Adam, cosine-decayed learning rate)."""
    optimizer = torch.optim.Adam(net.parameters(), lr=settings.lr)
    batch = min(settings.batch_size, len(images))
    steps = settings.epochs * max(1, len(images) // batch)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    net.train()
    for _ in range(settings.epochs):
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(images) - batch + 1, batch):  # full batches: the loss needs negatives
            x = images[order[start:start + batch]]
            z1 = net(_augment(x, generator))[1]
            z2 = net(_augment(x, generator))[1]
            loss = _nt_xent(z1, z2, settings.temperature)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    net.eval()


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
    n_mode = max(10, len(held_out) // 10)
    flat = held_out.flatten(1)
    centre = int(torch.randint(len(held_out), (1,), generator=g))
    nearest = torch.cdist(flat[centre:centre + 1], flat)[0].argsort()[:n_mode]
    subset = torch.randperm(len(held_out), generator=g)[:n_mode]
    out["fd_one_mode"] = fd(held_out[nearest])
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
    net = small_cnn(x_train.shape[1], settings.projection_dim, width=settings.width,
                    feature_dim=settings.feature_dim, generator=torch.Generator().manual_seed(settings.seed))
    if weights.is_file() and meta_path.is_file():
        state = torch.load(weights, map_location="cpu", weights_only=True)
        net.load_state_dict(state["net"])
        centres, scale = state["centres"], float(state["scale"])
        meta = json.loads(meta_path.read_text())
    else:
        start = time.perf_counter()
        train_ssl(net, x_train, settings, torch.Generator().manual_seed(settings.seed))
        centres, scale = _clusters(net, x_train, settings.clusters, settings.seed)
        seconds = time.perf_counter() - start
        state = {"net": net.state_dict(), "centres": centres, "scale": torch.tensor(scale)}
        atomic_write(weights, lambda tmp: torch.save(state, tmp))
        check = quality_check(SSLExtractor(net, name, centres=centres, scale=scale), x_train, x_test,
                              seed=settings.seed)
        meta = {**spec, "check": check, "sha256": sha256_file(weights), "n_train": len(x_train),
                "n_test": len(x_test), "train_seconds": round(seconds, 2), "torch": torch.__version__}
        atomic_write(meta_path, lambda tmp: tmp.write_text(json.dumps(meta, indent=2, sort_keys=True)))
    info = {"sha256": meta["sha256"], "weights": str(weights), "check": meta["check"], "n_train": meta["n_train"],
            "n_test": meta["n_test"], **spec}
    return SSLExtractor(net, name, centres=centres, scale=scale, info=info)
