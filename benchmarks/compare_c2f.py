"""Coarse-to-fine search vs one flat search over path, op and width at once, under the same budget, over seeds.

Per seed one supernet is trained fairly (``runs.coarse_to_fine.train_supernet``, ×2 super-resolution of the embedded
digits by default) and both strategies search it, so they see the same weights (no fine-tuning between levels):

* ``c2f``: the path, op and width levels (NSGA-II, ``--pop-size``, ``--n-gen`` generations each, each level started
  from the previous level's Pareto set);
* ``flat``: NSGA-II with the same population over the whole space, stopped after **as many scored candidates** as
  ``c2f`` scored in its three levels (``("n_evals", n)``).

Reported per run: the hypervolume of everything the strategy scored, in (-PSNR, MACs), normalised per seed by the
ideal and nadir of both strategies' points with the reference point 1.1 (so the two are comparable within a seed),
and the best PSNR among candidates with at most ``--macs-fraction`` of the way from the cheapest (all blocks skipped)
to the default network's MACs (every block kept, default op, full width). Per strategy: median and min-max over seeds,
appended to ``benchmarks/results.csv`` as ``c2f_vs_flat_<strategy>_hv`` and ``..._best_psnr``, and the bicubic
baseline's PSNR for reference. ``--runner ray --actors K`` runs each seed (its supernet and both searches) as one
task on K persistent single-threaded Ray actors of a local Ray (CPU only), with the same rows.

Example:
    python benchmarks/compare_c2f.py --tiny
    python benchmarks/compare_c2f.py --seeds 0 1 2
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import numpy as np  # noqa: E402
from pymoo.indicators.hv import HV  # noqa: E402
from pymoo.optimize import minimize  # noqa: E402

from pymoo_gan.algorithms import nsga2  # noqa: E402
from pymoo_gan.problems.c2f import C2FProblem  # noqa: E402
from pymoo_gan.runs.coarse_to_fine import (  # noqa: E402
    C2FSettings,
    bicubic_baseline,
    evaluation_pairs,
    search_levels,
    train_supernet,
)
from pymoo_gan.space.c2f import C2FArch, C2FSpace  # noqa: E402

STRATEGIES = ("c2f", "flat")


def _points(problem: C2FProblem) -> np.ndarray:
    """(-PSNR, MACs) of every candidate the problem scored."""
    return np.array([[-r["psnr"], r["macs"]] for r in problem.archive.rows if not r["failed"]], dtype=float)


def run_seed(seed: int, args, device) -> list[dict]:
    settings = C2FSettings(seed=seed, supernet_steps=args.supernet_steps, pop_size=args.pop_size, n_gen=args.n_gen,
                           n_eval=args.n_eval, **(dict(channels=8, n_blocks=3) if args.tiny else {}))
    start = time.perf_counter()
    trainer = train_supernet(settings, device)
    train_s = time.perf_counter() - start
    supernet = trainer.G
    space = C2FSpace(supernet.macro)
    x, y = evaluation_pairs(settings)
    probe = C2FProblem(space, supernet, x, y)
    cheapest = probe.scores(space.encode(C2FArch((None,) * space.macro.n_blocks, space.macro)))["macs"]
    default = probe.scores(space.encode(space.default_arch()))["macs"]
    budget = cheapest + args.macs_fraction * (default - cheapest)

    start = time.perf_counter()
    levels = search_levels(settings, trainer)
    c2f_points = np.concatenate([_points(problem) for _, problem, _ in levels])
    c2f_s = time.perf_counter() - start
    n_evals = len(c2f_points)
    start = time.perf_counter()
    flat = C2FProblem(space, supernet, x, y)
    minimize(flat, nsga2(pop_size=args.pop_size), ("n_evals", n_evals), seed=seed)
    flat_s = time.perf_counter() - start
    points = {"c2f": c2f_points, "flat": _points(flat)}

    both = np.concatenate(list(points.values()))
    ideal, nadir = both.min(axis=0), both.max(axis=0)
    hv = HV(ref_point=np.full(2, 1.1))
    rows = []
    for name, F in points.items():
        scaled = (F - ideal) / np.where(nadir > ideal, nadir - ideal, 1.0)
        within = F[F[:, 1] <= budget]
        rows.append({"strategy": name, "seed": seed, "hv": float(hv(scaled)), "evaluated": len(F),
                     "best_psnr": float(-within[:, 0].min()) if len(within) else float("nan"), "macs_budget": budget,
                     "search_s": c2f_s if name == "c2f" else flat_s, "train_s": train_s})
    rows[0]["bicubic_psnr"] = rows[1]["bicubic_psnr"] = bicubic_baseline(settings).get("psnr", float("nan"))
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    """Run both strategies for every seed, print the tables, append the summary rows to ``--out``, return them."""
    p = harness.parser(__doc__)
    p.add_argument("--seeds", nargs="+", type=int, default=None, help="default 0 1 2 (--tiny: 0)")
    p.add_argument("--supernet-steps", type=int, default=None, help="fair supernet steps (300; --tiny 4)")
    p.add_argument("--pop-size", type=int, default=None, help="NSGA-II population (8; --tiny 4)")
    p.add_argument("--n-gen", type=int, default=None, help="generations per level (4; --tiny 2)")
    p.add_argument("--n-eval", type=int, default=None, help="test pairs per candidate (256; --tiny 16)")
    p.add_argument("--macs-fraction", type=float, default=0.5,
                   help="MACs budget: this fraction of the way from the cheapest to the default network")
    harness.add_runner_options(p, "seeds (each: its supernet and both searches)")
    args = p.parse_args(argv)
    tiny = args.tiny
    args.seeds = args.seeds or ([0] if tiny else [0, 1, 2])
    args.supernet_steps = args.supernet_steps if args.supernet_steps is not None else (4 if tiny else 300)
    args.pop_size = args.pop_size or (4 if tiny else 8)
    args.n_gen = args.n_gen or (2 if tiny else 4)
    args.n_eval = args.n_eval or (16 if tiny else 256)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    with harness.jobs(args, device) as jobs:
        per_seed = jobs.map(run_seed, [(seed, args, device) for seed in args.seeds], report=lambda rows: print(
            f"seed {rows[0]['seed']}: " + "; ".join(f"{r['strategy']} hv {r['hv']:.3f} best psnr {r['best_psnr']:.2f}"
                                                    for r in rows), flush=True))
    runs = [r for rows in per_seed for r in rows]
    harness.print_table(runs, ["strategy", "seed", "hv", "best_psnr", "macs_budget", "evaluated", "bicubic_psnr",
                               "search_s", "train_s"], title="runs")
    rows = []
    budget = (f"{'tiny ' if tiny else ''}x2 SR digits; {args.supernet_steps} fair supernet steps; NSGA-II pop "
              f"{args.pop_size}, c2f {args.n_gen} generations per level, flat the same number of scored candidates; "
              f"{args.n_eval} test pairs; MACs budget {args.macs_fraction:g} of cheapest->default; seeds "
              f"{' '.join(map(str, args.seeds))}; bicubic PSNR {runs[0]['bicubic_psnr']:.3f}")
    for name in STRATEGIES:
        mine = [r for r in runs if r["strategy"] == name]
        for key, unit in (("hv", "hypervolume (-psnr, macs), per-seed normalised"), ("best_psnr", "dB")):
            values = [r[key] for r in mine]
            spread = f"median of {len(values)} seeds; min {min(values):.4g} max {max(values):.4g}; {budget}"
            rows.append({"benchmark": f"c2f_vs_flat_{name}_{key}", "value": statistics.median(values), "unit": unit,
                         "seconds": statistics.median(r["search_s"] for r in mine), "settings": spread})
    return harness.finish(args, device, timer, load_before, rows, ["benchmark", "value", "unit", "seconds"],
                          "coarse-to-fine vs flat search, median over seeds")


if __name__ == "__main__":
    main()
