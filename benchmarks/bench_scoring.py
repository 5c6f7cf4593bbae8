"""Time scoring one candidate generator on the current device and append the figures to ``benchmarks/results.csv``.

Measures, after a short warm-up:

* ``digits_cnn_16``: a small DCGAN-style generator (16x16 grey) scored with the digits domain classifier (FD,
  classifier score, KID, precision/recall) against cached digits train statistics;
* ``inception_299``: the same kind of generator at 32x32 RGB scored with Inception v3 at 299 (FD and IS), with random
  weights written to a temporary file (the timing is that of the real weights; the numbers are not FID);
* ``frechet_<d>``: the Fréchet step alone on ``d``-dimensional statistics (2048 as for Inception).

Example:
    python benchmarks/bench_scoring.py                      # N=5000, all three
    python benchmarks/bench_scoring.py --n-samples 1000 --inception-n-samples 200 --device cuda
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from pymoo_gan.data import load_digits
from pymoo_gan.metrics import (
    FeatureStats,
    InceptionV3Extractor,
    compute_statistics,
    digits_classifier,
    fixed_latents,
    frechet_distance,
    reference_statistics,
    save_random_inception_weights,
    score,
)

RESULTS = Path(__file__).with_name("results.csv")
COLUMNS = [
    "date",
    "device",
    "benchmark",
    "n_samples",
    "batch_size",
    "seconds",
    "images_per_s",
    "torch",
    "threads",
    "load_before",
]
LATENT_DIM = 64


class SmallGenerator(nn.Module):
    """DCGAN-style generator: linear to ``resolution/4`` squared, two stride-2 transposed convolutions, a 3x3 conv."""

    def __init__(self, channels: int, resolution: int, width: int = 64):
        super().__init__()
        start = resolution // 4
        self.net = nn.Sequential(
            nn.Linear(LATENT_DIM, 2 * width * start * start),
            nn.Unflatten(1, (2 * width, start, start)),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, width // 2, 4, stride=2, padding=1),
            nn.BatchNorm2d(width // 2),
            nn.ReLU(),
            nn.Conv2d(width // 2, channels, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def device_name(device: torch.device) -> str:
    """GPU name, or the CPU model from /proc/cpuinfo with the core count."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = platform.processor() or "unknown CPU"
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model} ({os.cpu_count()} cores)"


def _timed(device: torch.device, fn) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def _bench_generator(name, generator, extractor, reference, n, batch_size, metrics, device) -> dict:
    z = fixed_latents(n, LATENT_DIM, seed=0, device=device)
    options = dict(metrics=metrics, batch_size=batch_size, is_splits=min(10, n))
    warm = min(n, batch_size)
    score(generator, z[:warm], extractor, reference, **{**options, "is_splits": min(10, warm)})
    result = {}
    seconds = _timed(device, lambda: result.update(score(generator, z, extractor, reference, **options)))
    print(
        f"{name}: {n} images scored ({', '.join(metrics)}) in {seconds:.2f} s = {n / seconds:.1f} images/s; "
        f"{', '.join(f'{k}={v:.4g}' for k, v in result.items())}"
    )
    return {
        "benchmark": name,
        "n_samples": n,
        "batch_size": batch_size,
        "seconds": seconds,
        "images_per_s": n / seconds,
    }


def bench_digits(n: int, batch_size: int, device: torch.device, cache_dir) -> dict:
    extractor = digits_classifier(16, cache_dir=cache_dir).to(device)
    real = reference_statistics(
        load_digits(16, "train")[0], extractor, dataset="digits", split="train", keep_features=True, cache_dir=cache_dir
    )
    generator = SmallGenerator(channels=1, resolution=16).to(device).eval()
    return _bench_generator(
        "digits_cnn_16", generator, extractor, real, n, batch_size, ("fd", "is", "kid", "pr"), device
    )


def bench_inception(n: int, batch_size: int, device: torch.device) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        extractor = InceptionV3Extractor(save_random_inception_weights(Path(tmp) / "random-inception.pth")).to(device)
    real_images = load_digits(32, "train")[0][: min(n, 100)].repeat(1, 3, 1, 1)  # the reference is not timed
    real = compute_statistics(real_images, extractor, batch_size=batch_size)
    generator = SmallGenerator(channels=3, resolution=32).to(device).eval()
    return _bench_generator("inception_299", generator, extractor, real, n, batch_size, ("fd", "is"), device)


def bench_frechet(dim: int, device: torch.device) -> dict:
    g = torch.Generator().manual_seed(0)
    stats = [
        FeatureStats.from_features(torch.randn(2 * dim, dim, generator=g, dtype=torch.float64).relu().to(device))
        for _ in range(2)
    ]
    args = (stats[0].mean(), stats[0].covariance(), stats[1].mean(), stats[1].covariance())
    seconds = _timed(device, lambda: frechet_distance(*args))
    print(f"frechet_{dim}: Fréchet distance of {dim}-d statistics in {seconds:.2f} s")
    return {
        "benchmark": f"frechet_{dim}",
        "n_samples": 2 * dim,
        "batch_size": "",
        "seconds": seconds,
        "images_per_s": "",
    }


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the benchmarks, print them, append them to the results CSV and return the rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=5000, help="generated images per candidate (default 5000)")
    parser.add_argument(
        "--inception-n-samples",
        type=int,
        default=None,
        help="images for the Inception benchmark (default: --n-samples)",
    )
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument(
        "--inception-batch-size", type=int, default=None, help="default: 16 on CPU (faster there), 100 on CUDA"
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda if available)")
    parser.add_argument("--skip-inception", action="store_true", help="skip Inception v3 at 299")
    parser.add_argument("--fd-dim", type=int, default=2048, help="feature dimension of the Fréchet timing")
    parser.add_argument("--results", type=Path, default=RESULTS, help="CSV to append to")
    parser.add_argument("--cache-dir", default=None, help="classifier/statistics cache (default: pymoo_gan's)")
    args = parser.parse_args(argv)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else ""  # other work on a shared host slows CPU runs

    rows = [bench_digits(args.n_samples, args.batch_size, device, args.cache_dir)]
    if not args.skip_inception:
        batch_size = args.inception_batch_size or (100 if device.type == "cuda" else 16)
        rows.append(bench_inception(args.inception_n_samples or args.n_samples, batch_size, device))
    rows.append(bench_frechet(args.fd_dim, device))

    common = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "device": device_name(device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "load_before": load_before,
    }
    rows = [{**common, **row} for row in rows]
    new = not args.results.is_file()
    args.results.parent.mkdir(parents=True, exist_ok=True)
    with open(args.results, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        for row in rows:
            writer.writerow({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()})
    print(f"appended {len(rows)} rows to {args.results}")
    return rows


if __name__ == "__main__":
    main()
