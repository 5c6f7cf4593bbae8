"""Scoring time per candidate against the generation batch (``MetricsConfig.batch_size``): what the default of 50 buys.

Scores the same architectures of the default digits search (its supernet, extractor, statistics and fixed latents) once
per batch size, interleaved (ABBA), and checks that every batch size gives the same scores: in eval mode a sample
does not depend on its batch, only the memory a generator call touches does. A row per batch size (seconds per
candidate, minimum over repeats, summed over the architectures) and the speed-up of each against the first size.

Example:
    python benchmarks/bench_score_batch.py --tiny
    python benchmarks/bench_score_batch.py --device cpu --threads 2 --timer wall   # a quiet machine
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

from pymoo_gan.problems import GANSearchProblem, SearchConfig  # noqa: E402

TINY = {"model.latent_dim": 12, "model.g_channels": 8, "model.d_channels": 8, "metrics.n_samples": 64}


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, print the table, append the rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    p.add_argument("--batch-sizes", default="500,100,50", help="comma-separated; the first is the reference")
    p.add_argument("--n-archs", type=int, default=3, help="random architectures of the default space")
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    base = SearchConfig().replace(device=str(device), **(TINY if args.tiny else {}))
    problems = {b: GANSearchProblem(base.replace(**{"metrics.batch_size": b}), progress=False) for b in sizes}
    archs = next(iter(problems.values())).space.sample(np.random.default_rng(0), args.n_archs)
    scores = {b: [problem.score(a) for a in archs] for b, problem in problems.items()}
    for b in sizes[1:]:
        for got, ref in zip(scores[b], scores[sizes[0]], strict=True):
            for key, value in ref.items():
                if not np.isclose(got[key], value, rtol=1e-4, atol=1e-6):
                    raise SystemExit(f"batch {b} scores {key}={got[key]} against {value} at batch {sizes[0]}")
    times = harness.interleaved({b: (lambda problem=problem: [problem.score(a) for a in archs])
                                 for b, problem in problems.items()}, timer, args.repeats or 3)
    metrics = base.metrics
    settings = (f"digits {base.data.resolution}x{base.data.resolution}, latent {base.model.latent_dim}, "
                f"G {base.model.g_channels} channels, N {metrics.n_samples}, {args.n_archs} archs")
    best = {b: min(times[b]) / len(archs) for b in sizes}
    rows = [{"benchmark": f"score_batch_{b}", "batch_size": b, "seconds": best[b],
             "images_per_s": metrics.n_samples / best[b], "settings": settings} for b in sizes]
    rows += [{"benchmark": f"score_batch_{b}_speedup", "batch_size": b, "value": best[sizes[0]] / best[b],
              "unit": "x", "settings": settings} for b in sizes[1:]]
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "batch_size", "seconds", "images_per_s", "value", "unit"],
                          f"Scoring a candidate by generation batch (seconds per candidate; speed-up against "
                          f"{sizes[0]})")


if __name__ == "__main__":
    main()
