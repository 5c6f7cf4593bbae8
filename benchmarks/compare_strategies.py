"""Search strategies side by side: EAGAN's NSGA-II (stage 1), random search, AdversarialNAS and AlphaGAN (s) on one
space, one metric and one budget, over several seeds.

Every strategy searches the EAGAN generator space of the embedded digits problem (``GANSearchProblem``, objectives
Fréchet distance with the digits classifier and parameters) under **the same budget of generator weight steps**
(``--g-steps``) spread over ``--n-gen`` generations:

* ``nsga2`` / ``random_search`` (population ``--pop-size``): the problem's own schedule, half of the budget as the
  warm-up on uniform random paths, the other half as ``n_gen - 1`` equal rounds on the population's paths (``n_critic``
  1, as EAGAN's stage 1);
* ``adversarialnas``: ``g_steps / n_gen`` G steps per generation, i.e. ``n_critic`` times as many D iterations (each a
  D-architecture and a D-weight step on half a batch);
* ``alphagan_s``: ``g_steps * n_critic / n_gen`` inner D steps per generation (so the same G steps), the (s) preset's
  equal ``worst_steps`` for each worst-case copy (reported apart, as ``extra_g_steps``: they do not train the searched
  weights) and ``--outer-steps`` architecture steps.

The differentiable strategies score one derived architecture per generation; the others their population. Reported
per run: the final best Fréchet distance (lowest ``fd`` of the final result set ``res.F``, scored on the final
weights), the hypervolume of ``res.F`` in (fd, params) normalised by a reference point 1.1 x the worst value over all
runs' final sets, G steps, candidates scored, wall and process time (and peak CUDA memory on a GPU); per strategy
the median and the min-max spread over seeds. Rows ``compare_<strategy>_best_fd`` and ``compare_<strategy>_hv``
(value: the median; seconds: the median search time by ``--timer``, process CPU time on the CPU; settings: the spread,
wall time and budget) are appended to ``benchmarks/results.csv`` with the device name. ``--figure`` (default
``benchmarks/figures/compare_strategies.png``, also as PDF) draws each strategy's median final front over its seeds
(the attainment surface reached by half of them, dotted quartile surfaces from three seeds on).

These numbers compare search strategies under a tiny budget on a toy problem; the derived architectures are not
retrained from scratch here.

Example:
    python benchmarks/compare_strategies.py --tiny
    python benchmarks/compare_strategies.py --seeds 0 1 2 --g-steps 600 --n-gen 6
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

from pymoo_gan import GANSearchProblem  # noqa: E402
from pymoo_gan.algorithms import AdversarialNAS, AlphaGAN, nsga2, random_search  # noqa: E402
from pymoo_gan.report import plot_median_fronts  # noqa: E402

STRATEGIES = ("nsga2", "random_search", "adversarialnas", "alphagan_s")
TINY = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=128, batch_size=128, bn_batches=2)


def _problem(args, seed: int, device, **schedule) -> GANSearchProblem:
    sizes = TINY if args.tiny else {}
    return GANSearchProblem(progress=False, objectives=("fd", "params"), seed=seed, device=str(device),
                            **sizes, **schedule)


def _algorithm(name: str, args, n_images: int, d_batch: int):
    """The algorithm of strategy ``name`` and the problem schedule it needs, for the budget of ``args``."""
    per_gen = args.g_steps / args.n_gen  # G steps per generation of the differentiable strategies
    if name in ("nsga2", "random_search"):
        steps_per_epoch = n_images / d_batch  # n_critic 1
        total = args.g_steps / steps_per_epoch
        rounds = max(args.n_gen - 1, 0)
        schedule = dict(warmup_epochs=total / 2 if rounds else total, round_epochs=total / 2 / rounds if rounds else 0)
        factory = nsga2 if name == "nsga2" else random_search
        return factory(pop_size=args.pop_size), schedule, 0
    if name == "adversarialnas":
        epochs = per_gen * args.n_critic * d_batch / n_images
        return AdversarialNAS(epochs_per_gen=epochs, n_critic=args.n_critic), {}, 0
    if name == "alphagan_s":
        inner = max(1, round(per_gen * args.n_critic))
        worst = inner  # (s): inner_steps = worst_steps
        algo = AlphaGAN("s", inner_steps=inner, worst_steps=worst, outer_steps=args.outer_steps, n_critic=args.n_critic)
        return algo, {}, 2 * worst * args.n_gen
    raise ValueError(f"strategy {name!r} is unknown; allowed: {', '.join(STRATEGIES)}")


def run_one(name: str, seed: int, args, device) -> dict:
    """One search; returns its final front and costs."""
    probe = _problem(args, seed, device)
    n_images, d_batch = len(probe.config.data.load("train")[0]), probe.config.train.d_batch_size
    algorithm, schedule, extra = _algorithm(name, args, n_images, d_batch)
    problem = _problem(args, seed, device, **schedule)
    if device.type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats(device)
    wall, cpu = time.perf_counter(), time.process_time()
    res = minimize(problem, algorithm, ("n_gen", args.n_gen), seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    F = np.atleast_2d(res.F) if res.F is not None else np.full((1, 2), np.nan)
    peak = ""
    if device.type == "cuda":
        import torch

        peak = torch.cuda.max_memory_allocated(device) / 2**20
    return {"strategy": name, "seed": seed, "F": F, "best_fd": float(np.nanmin(F[:, 0])),
            "g_steps": problem.trainer.supernet_step, "extra_g_steps": extra, "evaluated": len(problem.results()),
            "wall_s": wall, "cpu_s": cpu, "peak_mib": peak, "fd_key": problem.objectives[0].key}


def hypervolumes(runs: list[dict]) -> None:
    """Set ``hv`` of every run: HV of its final set in objectives normalised by 1.1 x the worst over all runs."""
    finite = np.vstack([r["F"] for r in runs if np.isfinite(r["F"]).all()])
    ref = 1.1 * finite.max(axis=0)
    indicator = HV(ref_point=np.ones(finite.shape[1]))
    for r in runs:
        r["hv"] = float(indicator(r["F"] / ref)) if np.isfinite(r["F"]).all() else 0.0


def summarise(runs: list[dict], strategies) -> list[dict]:
    out = []
    for name in strategies:
        mine = [r for r in runs if r["strategy"] == name]
        row = {"strategy": name, "seeds": len(mine)}
        for key in ("best_fd", "hv", "g_steps", "extra_g_steps", "evaluated", "wall_s", "cpu_s"):
            values = [r[key] for r in mine]
            row[key] = statistics.median(values)
            row[f"{key}_min"], row[f"{key}_max"] = min(values), max(values)
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    """Run every strategy for every seed, print the tables, append the summary rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    p.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    p.add_argument("--seeds", nargs="+", type=int, default=None, help="default 0 1 2 (--tiny: 0 1)")
    p.add_argument("--g-steps", type=int, default=None, help="G weight steps per search (default 600; --tiny 6)")
    p.add_argument("--n-gen", type=int, default=None, help="generations (default 6; --tiny 2)")
    p.add_argument("--pop-size", type=int, default=None, help="NSGA-II / random search population (8; --tiny 4)")
    p.add_argument("--n-critic", type=int, default=None,
                   help="D iterations per G step of AdversarialNAS / AlphaGAN (default 5 as both papers; --tiny 1)")
    p.add_argument("--outer-steps", type=int, default=None, help="AlphaGAN architecture steps (20; --tiny 2)")
    p.add_argument("--figure", type=Path, default=harness.HERE / "figures" / "compare_strategies.png",
                   help="median final fronts per strategy (png and pdf beside it)")
    args = p.parse_args(argv)
    tiny = args.tiny
    args.seeds = args.seeds or ([0, 1] if tiny else [0, 1, 2])
    args.g_steps = args.g_steps or (6 if tiny else 600)
    args.n_gen = args.n_gen or (2 if tiny else 6)
    args.pop_size = args.pop_size or (4 if tiny else 8)
    args.n_critic = args.n_critic or (1 if tiny else 5)
    args.outer_steps = args.outer_steps or (2 if tiny else 20)
    device, timer = harness.setup(args)
    load_before = harness.load_average()

    runs = []
    for name in args.strategies:
        for seed in args.seeds:
            runs.append(run_one(name, seed, args, device))
            r = runs[-1]
            print(f"{name} seed {seed}: best fd {r['best_fd']:.4g}, {r['g_steps']} G steps, {r['evaluated']} scored, "
                  f"{r['wall_s']:.1f} s", flush=True)
    hypervolumes(runs)
    harness.print_table(runs, ["strategy", "seed", "best_fd", "hv", "g_steps", "extra_g_steps", "evaluated", "wall_s",
                               "cpu_s", "peak_mib"], title="runs")
    summary = summarise(runs, args.strategies)
    fd_key = runs[0]["fd_key"]
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    groups = {name: [r["F"] for r in runs if r["strategy"] == name and np.isfinite(r["F"]).all()]
              for name in args.strategies}
    print("wrote", plot_median_fronts({k: v for k, v in groups.items() if v}, [fd_key, "parameters"],
                                      str(args.figure), title="final fronts, median over seeds",
                                      formats=(args.figure.suffix.lstrip("."), "pdf")), flush=True)
    budget = (f"{'tiny ' if tiny else ''}digits 16x16, objectives ({fd_key}, params); budget {args.g_steps} G steps "
              f"over {args.n_gen} generations; NSGA-II/random pop {args.pop_size}; n_critic {args.n_critic} "
              f"(differentiable); AlphaGAN outer {args.outer_steps}; seeds {' '.join(map(str, args.seeds))}")
    rows = []
    time_key = "cpu_s" if str(timer) == "process" else "wall_s"
    for s in summary:
        spread = (f"median of {s['seeds']} seeds; min {s['best_fd_min']:.4g} max {s['best_fd_max']:.4g}; "
                  f"hv min {s['hv_min']:.3g} max {s['hv_max']:.3g}; G steps {s['g_steps']:g} (+{s['extra_g_steps']:g} "
                  f"worst-case); scored {s['evaluated']:g}; cpu {s['cpu_s']:.3g} s, wall {s['wall_s']:.3g} s; {budget}")
        rows.append({"benchmark": f"compare_{s['strategy']}_best_fd", "seconds": s[time_key], "value": s["best_fd"],
                     "unit": fd_key, "settings": spread})
        rows.append({"benchmark": f"compare_{s['strategy']}_hv", "seconds": s[time_key], "value": s["hv"],
                     "unit": "hypervolume (fd, params) / 1.1 x worst", "settings": spread})
    return harness.finish(args, device, timer, load_before, rows, ["benchmark", "value", "unit", "seconds"],
                          "search strategies, median over seeds")


if __name__ == "__main__":
    main()
