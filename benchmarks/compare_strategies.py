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

**Retraining** (``--retrain-steps`` > 0, default 100): each run's chosen architecture (the lowest-``fd`` member of
``res.F``) and the published generators of :data:`PUBLISHED` moved to the same sizes (latent, channels, bottom width,
image channels; the cells as published) are trained from scratch with one fixed recipe (:func:`retrain_recipe`:
``--retrain-steps`` G steps, n_critic 2, batches G 64 / D 32, Adam 2e-4 (0, 0.9), hinge, EMA 0.98 with warm-up, the
problem's fixed discriminator and width) by :func:`pymoo_gan.runs.retrain.retrain`, once per seed (the published ones
with the same seeds). The EMA generator at the end (one checkpoint, so nothing is selected) is scored on the held-out
split (``fd_<extractor>_test``) and against the training statistics, with ``--retrain-samples`` fixed latents and the
problem's extractor. ``--table`` (default ``benchmarks/compare_strategies_<data>.md``) gets the table (mean, sample
standard deviation and min-max over seeds, parameters, search cost); ``--retrained-figure`` the held-out score against
parameters with the published points; rows ``compare_<name>_retrained_fd`` go to the CSV.

``--dataset``/``--data-root``/``--resolution`` choose the images (default the embedded digits at 16x16), e.g. CIFAR-10
from the JPEG archive: ``--dataset image_folder --data-root ../shared/data/cifar10-jpeg.tar.gz``.

``--runner ray --actors K`` runs every (strategy, seed) search, then every retraining, as one task on K persistent
single-threaded actors of a local Ray (CPU only; ``harness.Jobs``): the same rows as the local run.

These numbers compare search strategies under a tiny budget on toy problems.

Example:
    python benchmarks/compare_strategies.py --tiny
    python benchmarks/compare_strategies.py --seeds 0 1 2 --g-steps 600 --n-gen 6
    python benchmarks/compare_strategies.py --seeds 0 1 2 --runner ray --actors 4
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
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
from pymoo_gan.data.config import DataConfig  # noqa: E402
from pymoo_gan.metrics import count_params  # noqa: E402
from pymoo_gan.report import plot_median_fronts, plot_retrained  # noqa: E402
from pymoo_gan.runs.export import build_model  # noqa: E402
from pymoo_gan.runs.retrain import RetrainConfig, retrain  # noqa: E402
from pymoo_gan.space.presets import get_preset  # noqa: E402
from pymoo_gan.training import TrainConfig  # noqa: E402

STRATEGIES = ("nsga2", "random_search", "adversarialnas", "alphagan_s")
LABELS = {"nsga2": "NSGA-II", "random_search": "random search", "adversarialnas": "AdversarialNAS",
          "alphagan_s": "AlphaGAN (s)"}
#: published generators retrained as hand-made baselines: label -> preset (every one the issue names exists)
PUBLISHED = {"EAGAN G": "eagan_g_cifar10", "AdversarialNAS G": "adversarialnas_g_cifar10",
             "AutoGAN-A": "autogan_a_cifar10", "alphaGAN (l)": "alphagan_l", "alphaGAN (s)": "alphagan_s"}
TINY = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=128, batch_size=128, bn_batches=2)


def _data(args) -> DataConfig:
    return DataConfig(args.dataset, root=args.data_root, resolution=args.resolution)


def _problem(args, seed: int, device, **schedule) -> GANSearchProblem:
    sizes = TINY if args.tiny else {}
    return GANSearchProblem(progress=False, objectives=("fd", "params"), seed=seed, device=str(device),
                            data=_data(args), **sizes, **schedule)


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
    chosen = None
    if res.X is not None and np.isfinite(F[:, 0]).any():
        x = np.asarray(res.X).reshape(len(F), -1)[int(np.nanargmin(F[:, 0]))]
        chosen = problem.space.decode(problem.space.to_genotype(x))
    return {"strategy": name, "seed": seed, "F": F, "best_fd": float(np.nanmin(F[:, 0])),
            "g_steps": problem.trainer.supernet_step, "extra_g_steps": extra, "evaluated": len(problem.results()),
            "wall_s": wall, "cpu_s": cpu, "peak_mib": peak, "fd_key": problem.objectives[0].key, "arch": chosen,
            "config": problem.config}


# ---- retraining the chosen and the published architectures from scratch -------------------------------------------
def retrain_recipe(steps: int, samples: int, n_images: int) -> RetrainConfig:
    """The one short recipe every architecture is retrained with: ``steps`` G steps, one held-out evaluation at the
    end (so no checkpoint is selected), ``samples`` samples per score."""
    train = TrainConfig(g_batch_size=64, d_batch_size=32, n_critic=2, ema_decay=0.98, ema_warmup=True)
    # retrain() runs ceil(epochs * n_images / (d_batch * n_critic)) G steps: a hair under ``steps`` epochs' worth
    epochs = (steps - 1e-6) * train.d_batch_size * train.n_critic / n_images
    return RetrainConfig(train=train, epochs=epochs, eval_every=epochs, eval_start=epochs, select_samples=samples,
                         n_samples=samples)


def published_arch(preset: str, macro):
    """The cells of published generator ``preset`` at the sizes of ``macro`` (a GeneratorMacro)."""
    return dataclasses.replace(get_preset(preset).arch, macro=macro)


def retrain_one(name: str, arch, seed: int, config, recipe: RetrainConfig, directory: Path, device) -> dict:
    """Retrain ``arch`` with ``recipe`` against the problem's fixed D (``config``: the search's SearchConfig); a
    failure is a row with nan scores, never the end of the comparison."""
    row = {"name": name, "seed": seed, "params": float(count_params(build_model(arch))), "arch": str(arch)}
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        out = retrain(arch, recipe, directory, data=config.data, metrics=config.metrics, model=config.model,
                      device=str(device), seed=seed, progress=False, fresh=True)
    except Exception as error:  # noqa: BLE001  (reported in the table)
        print(f"retraining {name} seed {seed} failed: {type(error).__name__}: {error}", flush=True)
        return {**row, "fd_test": float("nan"), "fd_train": float("nan"), "retrain_cpu_s": float("nan"),
                "error": f"{type(error).__name__}: {error}"}
    held_out = next(k for k in out if k.startswith("fd_") and k.endswith(f"_{recipe.select_split}"))
    fd_key = held_out[: -len(f"_{recipe.select_split}")]
    return {**row, "fd_test": float(out[held_out]), "fd_train": float(out[fd_key]), "fd_key": fd_key,
            "retrain_steps": int(out["selected_step"]), "retrain_cpu_s": time.process_time() - cpu,
            "retrain_wall_s": time.perf_counter() - wall}


def retrain_all(runs: list[dict], args, device, jobs=None) -> list[dict]:
    """Retrain every run's chosen architecture and every published one (once per seed) with one recipe, one job per
    architecture and seed on ``jobs`` (a ``harness.Jobs``; here, one after another, by default)."""
    config = next(r["config"] for r in runs)
    macro = next(r["arch"] for r in runs if r["arch"] is not None).macro
    recipe = retrain_recipe(args.retrain_steps, args.retrain_samples, len(config.data.load("train")[0]))
    todo = [(LABELS[r["strategy"]], r["arch"], r["seed"]) for r in runs if r["arch"] is not None]
    todo += [(label, published_arch(preset, macro), seed) for label, preset in PUBLISHED.items()
             for seed in args.seeds]
    with tempfile.TemporaryDirectory(prefix="compare_retrain_") as work:
        return (jobs or harness.Jobs()).map(
            retrain_one, [(label, arch, seed, config, recipe, Path(work) / str(i), device)
                          for i, (label, arch, seed) in enumerate(todo)],
            report=lambda r: print(f"retrained {r['name']} seed {r['seed']}: held-out fd {r['fd_test']:.4g}, "
                                   f"{r['params']:.0f} params, {r['retrain_cpu_s']:.1f} s", flush=True))


def _stats(values) -> dict:
    v = [x for x in values if np.isfinite(x)]
    if not v:
        return {"mean": float("nan"), "sd": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0}
    return {"mean": statistics.fmean(v), "sd": statistics.stdev(v) if len(v) > 1 else 0.0, "min": min(v),
            "max": max(v), "n": len(v)}


def retrained_summary(retrained: list[dict], summary: list[dict]) -> list[dict]:
    """One row per strategy and published architecture: held-out fd, fd against the training statistics and
    parameters over seeds, with the strategy's search cost."""
    search = {LABELS[s["strategy"]]: s for s in summary}
    rows = []
    for name in dict.fromkeys(r["name"] for r in retrained):
        mine = [r for r in retrained if r["name"] == name]
        cost = search.get(name)
        rows.append({"name": name, "kind": "searched" if cost else "published",
                     "fd_test": _stats([r["fd_test"] for r in mine]), "fd_train": _stats([r["fd_train"] for r in mine]),
                     "params": _stats([r["params"] for r in mine]), "failed": sum("error" in r for r in mine),
                     "g_steps": cost and cost["g_steps"], "extra_g_steps": cost and cost["extra_g_steps"],
                     "search_cpu_s": cost and cost["cpu_s"], "search_wall_s": cost and cost["wall_s"],
                     "retrain_cpu_s": statistics.fmean(r["retrain_cpu_s"] for r in mine)})
    return rows


def _pm(s: dict, digits: int = 4) -> str:
    if not s["n"]:
        return "failed"
    return f"{s['mean']:.{digits}g} ± {s['sd']:.2g} [{s['min']:.{digits}g}, {s['max']:.{digits}g}]"


def markdown_table(rows: list[dict], fd_key: str) -> str:
    """The retraining table in Markdown (mean ± sample sd [min, max] over seeds)."""
    lines = [f"| architecture | seeds | {fd_key} held-out (test split) | {fd_key} vs train statistics | "
             "parameters of G | search G steps (+ worst-case) | search CPU s / wall s | retrain CPU s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        params = (f"{r['params']['mean']:,.0f}" if r["params"]["min"] == r["params"]["max"]
                  else f"{r['params']['mean']:,.0f} [{r['params']['min']:,.0f}, {r['params']['max']:,.0f}]")
        if r["kind"] == "searched":
            cost = f"{r['g_steps']:g} (+{r['extra_g_steps']:g})", f"{r['search_cpu_s']:.1f} / {r['search_wall_s']:.1f}"
        else:
            cost = "published", "-"
        failed = f" ({r['failed']} failed)" if r["failed"] else ""
        lines.append(f"| {r['name']}{failed} | {r['fd_test']['n']} | {_pm(r['fd_test'])} | {_pm(r['fd_train'])} | "
                     f"{params} | {cost[0]} | {cost[1]} | {r['retrain_cpu_s']:.1f} |")
    return "\n".join(lines)


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
    p.add_argument("--dataset", default="digits", help="a pymoo_gan.data dataset name (default digits)")
    p.add_argument("--data-root", default=None, help="its root, e.g. ../shared/data/cifar10-jpeg.tar.gz for "
                                                     "--dataset image_folder")
    p.add_argument("--resolution", type=int, default=16, help="image size (default 16)")
    p.add_argument("--retrain-steps", type=int, default=None,
                   help="G steps of the retraining recipe (default 100; --tiny 4; 0: no retraining)")
    p.add_argument("--retrain-samples", type=int, default=None,
                   help="samples per retrained score (default 500; --tiny 64)")
    p.add_argument("--figure", type=Path, default=None,
                   help="median final fronts per strategy (png and pdf beside it; default "
                        "benchmarks/figures/compare_strategies[_<data>].png)")
    p.add_argument("--retrained-figure", type=Path, default=None,
                   help="held-out score vs parameters after retraining (default "
                        "benchmarks/figures/compare_strategies[_<data>]_retrained.png)")
    p.add_argument("--table", type=Path, default=None,
                   help="the retraining table in Markdown (default benchmarks/compare_strategies_<data>.md)")
    harness.add_runner_options(p, "searches and retrainings")
    args = p.parse_args(argv)
    tiny = args.tiny
    args.seeds = args.seeds or ([0, 1] if tiny else [0, 1, 2])
    args.g_steps = args.g_steps or (6 if tiny else 600)
    args.n_gen = args.n_gen or (2 if tiny else 6)
    args.pop_size = args.pop_size or (4 if tiny else 8)
    args.n_critic = args.n_critic or (1 if tiny else 5)
    args.outer_steps = args.outer_steps or (2 if tiny else 20)
    args.retrain_steps = args.retrain_steps if args.retrain_steps is not None else (4 if tiny else 100)
    args.retrain_samples = args.retrain_samples or (64 if tiny else 500)
    data_tag = args.dataset if args.data_root is None else Path(args.data_root).name.split(".")[0]
    suffix = "" if data_tag == "digits" else f"_{data_tag}"
    figures = harness.HERE / "figures"
    args.figure = args.figure or figures / f"compare_strategies{suffix}.png"
    args.retrained_figure = args.retrained_figure or figures / f"compare_strategies{suffix}_retrained.png"
    args.table = args.table or harness.HERE / f"compare_strategies_{data_tag}.md"
    device, timer = harness.setup(args)
    load_before = harness.load_average()

    with harness.jobs(args, device) as jobs:
        runs = jobs.map(run_one, [(name, seed, args, device) for name in args.strategies for seed in args.seeds],
                        report=lambda r: print(f"{r['strategy']} seed {r['seed']}: best fd {r['best_fd']:.4g}, "
                                               f"{r['g_steps']} G steps, {r['evaluated']} scored, {r['wall_s']:.1f} s",
                                               flush=True))
        retrained = retrain_all(runs, args, device, jobs) if args.retrain_steps else []
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
    budget = (f"{'tiny ' if tiny else ''}{data_tag} {args.resolution}x{args.resolution}, "
              f"objectives ({fd_key}, params); budget {args.g_steps} G steps "
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
    if args.retrain_steps:
        rows += retraining_part(retrained, summary, args, device, budget)
    return harness.finish(args, device, timer, load_before, rows, ["benchmark", "value", "unit", "seconds"],
                          "search strategies, median over seeds")


def retraining_part(retrained: list[dict], summary: list[dict], args, device, budget: str) -> list[dict]:
    """Print and write the table and figure of the ``retrained`` architectures (:func:`retrain_all`); the CSV rows of
    the retrained scores."""
    harness.print_table(retrained, ["name", "seed", "fd_test", "fd_train", "params", "retrain_steps",
                                    "retrain_cpu_s"], title="retrained from scratch")
    table = retrained_summary(retrained, summary)
    fd_key = next((r["fd_key"] for r in retrained if "fd_key" in r), "fd")
    recipe = (f"retrained {args.retrain_steps} G steps (n_critic 2, G 64 / D 32, EMA 0.98), scored on "
              f"{args.retrain_samples} samples; search: {budget}")
    text = markdown_table(table, fd_key)
    args.table.parent.mkdir(parents=True, exist_ok=True)
    args.table.write_text(f"<!-- written by benchmarks/compare_strategies.py; {recipe}; "
                          f"{harness.device_name(device)}, commit {harness.git_commit()} -->\n{text}\n")
    print(text, f"\nwrote {args.table}", flush=True)
    groups = {name: ([r["params"] for r in retrained if r["name"] == name],
                     [r["fd_test"] for r in retrained if r["name"] == name]) for name in dict.fromkeys(
        r["name"] for r in retrained)}
    searched = {k: v for k, v in groups.items() if k in LABELS.values()}
    published = {k: v for k, v in groups.items() if k not in searched}
    print("wrote", plot_retrained(searched, str(args.retrained_figure), published=published,
                                  score=f"{fd_key} (held-out, after retraining)",
                                  title="retrained from scratch, mean and min-max over seeds",
                                  formats=(args.retrained_figure.suffix.lstrip("."), "pdf")), flush=True)
    rows = []
    for r in table:
        key = {**{v: k for k, v in LABELS.items()}, **PUBLISHED}[r["name"]]  # strategy or preset name
        s = r["fd_test"]
        rows.append({"benchmark": f"compare_{key}_retrained_fd", "seconds": r["retrain_cpu_s"], "value": s["mean"],
                     "unit": f"{fd_key} held-out, mean over seeds",
                     "settings": f"{r['kind']}; sd {s['sd']:.3g}, min {s['min']:.4g}, max {s['max']:.4g} over "
                                 f"{s['n']} seeds; params {r['params']['mean']:.0f}; seconds = retrain CPU s; "
                                 f"{recipe}"})
    return rows


if __name__ == "__main__":
    main()
