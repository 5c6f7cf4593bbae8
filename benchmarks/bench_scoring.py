"""Candidate scoring throughput: candidates per minute at N generated images (default 5,000, EAGAN's stage-1 number),
for the domain classifier and for Inception v3 at 299.

One candidate is scored the way a search scores it (on its sub-network; a search extracts a copy first, which
this does not time): recalibrate the BN
statistics of the G supernet for the path (``--bn-batches`` x G batch latents), generate N images from the fixed
latents in eval mode, extract features, accumulate float64 statistics and compute FD and IS/CS against precomputed
real statistics (nothing written to disk); plus the candidate's cost (build the standalone G, count parameters and
MACs, as ``CandidateScorer.cost``; a search caches it per genotype). The candidate is EAGAN's released ``best_G``
genotype on the G supernet at EAGAN's CIFAR-10 sizes (latent 120, 256 channels, 32x32 RGB).

Rows:

* ``score_classifier``: the domain classifier (pymoo_gan's ``SmallCNN``, 128-d features). There is no CIFAR-10 here
  to train it, so its weights are random: the speed is that of the trained network, the scores mean nothing.
* ``score_inception_299``: Inception v3 (torch-fidelity's TF-compatible module, resize to 299) with random weights
  written to a temporary file by ``save_random_inception_weights``: the speed is that of the real network, but the
  numbers are **not** FID/IS and are never reported as such. It is run in float32 on CUDA (``autocast=False``), as
  ``score`` runs the standard Inception, so the timing is that of real FID scoring.
* ``frechet_<d>``: the Fréchet step alone (factor-SVD, float64) on ``d``-dimensional statistics (2048 as Inception).

``--measure-n`` / ``--inception-measure-n`` generate fewer images than N and extrapolate: per candidate at N =
cost + BN + Fréchet step + (measured scoring time - Fréchet step) x N / measured n (generation and extraction are
linear in N; the Fréchet step does not depend on N). With the defaults (measure n = N) nothing is extrapolated.

Example:
    python benchmarks/bench_scoring.py --tiny
    python benchmarks/bench_scoring.py --device cuda                               # N=5000, paper sizes
    python benchmarks/bench_scoring.py --device cpu --measure-n 500 --inception-measure-n 200
"""

from __future__ import annotations

import functools
import sys
import tempfile
from pathlib import Path

import torch

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness (and other scripts) beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_training  # noqa: E402
import harness  # noqa: E402

from pymoo_gan.evaluation.scorer import CandidateScorer  # noqa: E402
from pymoo_gan.metrics import (  # noqa: E402
    ClassifierExtractor,
    FeatureStats,
    InceptionV3Extractor,
    compute_statistics,
    fixed_latents,
    frechet_distance,
    save_random_inception_weights,
    score,
    small_cnn,
)
from pymoo_gan.models import CellGeneratorSupernet, build_generator  # noqa: E402
from pymoo_gan.training import recalibrate_bn  # noqa: E402

EAGAN_N = 5000  # images per candidate in EAGAN's search


def time_frechet(dim: int, device: torch.device, timer: harness.Timer, repeats: int = 1) -> float:
    """Seconds of one Fréchet distance between two random ``dim``-dimensional Gaussians (statistics of 2*dim rows)."""
    g = torch.Generator().manual_seed(0)
    stats = [FeatureStats.from_features(torch.randn(2 * dim, dim, generator=g, dtype=torch.float64).relu().to(device))
             for _ in range(2)]
    args = (stats[0].mean(), stats[0].covariance(), stats[1].mean(), stats[1].covariance())
    frechet_distance(*args)  # warm-up (linear-algebra libraries load lazily)
    return min(timer(lambda: frechet_distance(*args)) for _ in range(repeats))


class Candidate:
    """A path of the G supernet, scored as a search scores its extracted copy."""

    def __init__(self, sizes: bench_training.Sizes, device: torch.device, bn_batches: int = 4, seed: int = 0):
        self.sizes, self.device = sizes, device
        self.arch = bench_training.generator_arch(sizes.macro())
        self.supernet = CellGeneratorSupernet(sizes.macro(), generator=torch.Generator().manual_seed(seed)).to(device)
        self.bn_latents = fixed_latents(bn_batches * sizes.g_batch, sizes.latent_dim, seed=2, device=device)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.supernet(z, self.arch)

    def cost(self) -> dict:
        return CandidateScorer.cost(build_generator(self.arch), self.sizes.latent_dim)

    def recalibrate(self) -> None:
        recalibrate_bn(self.supernet, self.generate, self.bn_latents.split(self.sizes.g_batch))
        self.supernet.eval()

    @torch.no_grad()
    def generate_only(self, latents: torch.Tensor, batch_size: int) -> None:
        for z in latents.split(batch_size):
            self.generate(z)


def time_candidate(candidate: Candidate, extractor, reference, *, n: int, n_target: int, batch_size: int,
                   metrics: tuple[str, ...], timer: harness.Timer, repeats: int, autocast: bool | None) -> dict:
    """Time one candidate's parts; return them and the per-candidate seconds at ``n_target`` images."""
    latents = fixed_latents(n, candidate.sizes.latent_dim, seed=1, device=candidate.device)
    result = {}

    def scoring():
        result.update(score(candidate.generate, latents, extractor, reference, metrics=metrics,
                            batch_size=batch_size, is_splits=min(10, n), autocast=autocast))

    candidate.recalibrate()
    warm = min(batch_size, n)
    score(candidate.generate, latents[:warm], extractor, reference, metrics=[m for m in metrics if m == "is"],
          batch_size=batch_size, is_splits=min(10, warm), autocast=autocast)  # warm-up: allocations, cuDNN
    # the Fréchet step does not grow with N: timed apart only when the rest is extrapolated
    fd = time_frechet(extractor_dim(extractor, reference), candidate.device, timer) \
        if "fd" in metrics and n < n_target else 0.0
    parts = {
        "cost": min(timer(candidate.cost) for _ in range(repeats)),
        "bn": min(timer(candidate.recalibrate) for _ in range(repeats)),
        "generate": min(timer(lambda: candidate.generate_only(latents, batch_size)) for _ in range(repeats)),
        "score": min(timer(scoring) for _ in range(repeats)),
    }
    fd = min(fd, parts["score"])
    seconds = parts["cost"] + parts["bn"] + fd + (parts["score"] - fd) * n_target / n
    return {"parts": parts, "fd": fd, "seconds": seconds, "scores": result, "n": n, "n_target": n_target,
            "batch_size": batch_size, "metrics": metrics}


def extractor_dim(extractor, reference: FeatureStats | None) -> int:
    return reference.dim if reference is not None else 2048


def classifier_extractor(sizes: bench_training.Sizes, device: torch.device) -> ClassifierExtractor:
    """pymoo_gan's domain classifier architecture for the images' shape, with random weights (timing only)."""
    net = small_cnn(sizes.out_channels, 10, generator=torch.Generator().manual_seed(0))
    return ClassifierExtractor(net, "random_cnn", info={"weights": "random (timing only)"}).to(device).eval()


_TMP: list[tempfile.TemporaryDirectory] = []


@functools.cache
def random_inception_weights() -> Path:
    """Random Inception v3 weights in torch-fidelity's layout, written once per process to a temporary folder."""
    _TMP.append(tempfile.TemporaryDirectory(prefix="bench-inception-"))  # removed when the process ends
    return save_random_inception_weights(Path(_TMP[-1].name) / "random-inception.pth")


def inception_extractor(device: torch.device) -> InceptionV3Extractor:
    return InceptionV3Extractor(random_inception_weights()).to(device).eval()


def measure_scoring(sizes: bench_training.Sizes, device: torch.device, timer: harness.Timer, *, n_target: int,
                    classifier_n: int | None = None, inception_n: int | None = None, batch_size: int = 100,
                    inception_batch_size: int | None = None, bn_batches: int = 4,
                    metrics: tuple[str, ...] = ("fd", "is"), inception_metrics: tuple[str, ...] | None = None,
                    repeats: int = 1, skip_inception: bool = False, reference_n: int = 100) -> dict[str, dict]:
    """Per-candidate scoring times of the candidate (EAGAN's ``best_G`` path at ``sizes``) with the domain
    classifier and with Inception v3 at 299: ``{"score_classifier": ..., "score_inception_299": ...}``."""
    candidate = Candidate(sizes, device, bn_batches)
    jobs = [("score_classifier", lambda: classifier_extractor(sizes, device), classifier_n, batch_size, None,
             metrics)]
    if not skip_inception:
        batch = inception_batch_size or (100 if device.type == "cuda" else 16)
        jobs.append(("score_inception_299", lambda: inception_extractor(device), inception_n, batch, False,
                     inception_metrics or metrics))
    out = {}
    for name, make, n, batch, autocast, job_metrics in jobs:
        extractor = make()
        n = min(n or n_target, n_target)
        reference = None
        if {"fd", "kid", "pr"} & set(job_metrics):  # a search loads cached real statistics: untimed here
            reference = compute_statistics(bench_training.synthetic_images(sizes, device, n=reference_n),
                                           extractor, batch_size=batch,
                                           keep_features=bool({"kid", "pr"} & set(job_metrics)))
        out[name] = time_candidate(candidate, extractor, reference, n=n, n_target=n_target, batch_size=batch,
                                   metrics=job_metrics, timer=timer, repeats=repeats, autocast=autocast)
    return out


def describe(name: str, t: dict) -> str:
    """One line: the measured parts and the per-candidate time at N."""
    parts = t["parts"]
    extrapolated = t["n"] < t["n_target"]
    fd = f", Fréchet step {t['fd']:.2f} s" if extrapolated and t["fd"] else ""
    scores = ", ".join(f"{k}={v:.4g}" for k, v in t["scores"].items())
    return (f"{name}: measured on {t['n']} images (batch {t['batch_size']}, {'+'.join(t['metrics'])}): cost "
            f"{parts['cost']:.2f} s, BN recalibration {parts['bn']:.2f} s, scoring {parts['score']:.2f} s "
            f"(generation alone {parts['generate']:.2f} s{fd}) -> {t['seconds']:.2f} s per candidate at "
            f"N={t['n_target']}{' (extrapolated)' if extrapolated else ''}; scores (meaningless, random weights): "
            f"{scores}")


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, print the table, append the rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    add_scoring_args(p)
    p.add_argument("--fd-dim", type=int, default=None, help="dimension of the Fréchet-step row (default 2048)")
    bench_training.add_size_args(p)
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    sizes = bench_training.sizes_from_args(args)
    options = scoring_options(args, device)
    print(f"candidate: {sizes.describe()}, EAGAN best_G path; N = {options['n_target']}; timer {timer}, "
          f"{options['repeats']} repeat(s), minimum taken")
    results = measure_scoring(sizes, device, timer, **options)
    rows = []
    for name, t in results.items():
        print(describe(name, t))
        rows.append({"benchmark": name, "n_samples": t["n_target"], "batch_size": t["batch_size"],
                     "seconds": t["seconds"], "images_per_s": t["n_target"] / t["seconds"],
                     "candidates_per_min": 60 / t["seconds"],
                     "settings": f"{sizes.describe()} {'+'.join(t['metrics'])} measured n={t['n']}"
                                 f"{' extrapolated' if t['n'] < t['n_target'] else ''} random weights"})
    dim = args.fd_dim or (64 if args.tiny else 2048)
    rows.append({"benchmark": f"frechet_{dim}", "n_samples": 2 * dim, "seconds": time_frechet(dim, device, timer),
                 "settings": "float64 factor-SVD"})
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "n_samples", "batch_size", "seconds", "images_per_s", "candidates_per_min"],
                          "Candidate scoring (seconds per candidate)")


def add_scoring_args(p) -> None:
    p.add_argument("--n-samples", type=int, default=None, help=f"images per candidate (default {EAGAN_N}; tiny 64)")
    p.add_argument("--measure-n", type=int, default=None,
                   help="images actually generated for the classifier timing (default: --n-samples)")
    p.add_argument("--inception-measure-n", type=int, default=None,
                   help="images actually generated for the Inception timing (default: --n-samples; tiny 8)")
    p.add_argument("--batch-size", type=int, default=None, help="generation/extraction batch (EAGAN: 100; tiny 32)")
    p.add_argument("--inception-batch-size", type=int, default=None,
                   help="Inception batch (default: 16 on the CPU, faster there; 100 on CUDA; tiny 8)")
    p.add_argument("--bn-batches", type=int, default=4, help="BN recalibration batches of G-batch latents")
    p.add_argument("--metrics", default="fd,is", help="comma-separated, of fd, is, kid, pr (search default fd,is)")
    p.add_argument("--inception-metrics", default=None,
                   help="metrics of the Inception row (default: --metrics; tiny: is, which skips the 2048-d "
                        "Fréchet step of ~5 s on one CPU thread)")
    p.add_argument("--skip-inception", action="store_true", help="skip Inception v3 at 299")


def scoring_options(args, device: torch.device) -> dict:
    """Keyword arguments of :func:`measure_scoring` from the command line (``--tiny`` shrinks the defaults)."""
    def split(text):
        return tuple(m.strip() for m in text.split(",") if m.strip())

    tiny = args.tiny
    return {
        "n_target": args.n_samples or (64 if tiny else EAGAN_N),
        "classifier_n": args.measure_n,
        "inception_n": args.inception_measure_n or (8 if tiny else None),
        "batch_size": args.batch_size or (32 if tiny else 100),
        "inception_batch_size": args.inception_batch_size or (8 if tiny else None),
        "bn_batches": args.bn_batches,
        "metrics": split(args.metrics),
        "inception_metrics": split(args.inception_metrics or ("is" if tiny else args.metrics)),
        "repeats": args.repeats or (3 if device.type == "cuda" else 1),
        "skip_inception": args.skip_inception,
        "reference_n": 16 if tiny else 100,
    }


if __name__ == "__main__":
    main()
