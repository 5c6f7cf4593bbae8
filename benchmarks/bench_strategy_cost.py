"""Cost of one search generation of each strategy at the same widths: an EAGAN round (NSGA-II, stage 1), an
AdversarialNAS epoch and an AlphaGAN (s) epoch, side by side in one run.

Each strategy runs in **its own subprocess** (``--worker NAME``, started by this script), so that its peak memory is
its own: the problem (``GANSearchProblem`` with the sizes of ``compare_strategies.py``; ``--tiny`` its tiny widths)
and the algorithm are set up and run for one generation (NSGA-II: a short warm-up and the first population's scores;
the differentiable ones: their first epoch), then the **second generation** is measured: process CPU time, wall time,
the generator weight steps it took, and memory. On the CPU memory is the peak resident set size
of the subprocess during that generation: ``/proc/self/clear_refs`` resets the kernel's high-water mark (``VmHWM``)
before it and ``VmHWM`` is read after it (Linux; elsewhere the process's ``ru_maxrss`` over its whole life, which
also covers the set-up and the first generation; the ``memory`` column says which). ``rss_before_mib`` is the
resident size when the generation starts (torch, data, models: the part no strategy adds). On CUDA the script also
records ``torch.cuda.max_memory_allocated`` over the generation (reset before it).

What a generation is, as each method defines it (``--round-epochs``, ``--pop-size``): EAGAN: ``round_epochs`` passes
over the training images in D batches on the population's paths (n_critic 1), then ``pop_size`` offspring scored;
AdversarialNAS: one pass over the training images (each iteration a D-architecture and a D-weight step on half a
batch; a G-architecture and a G-weight step every ``n_critic``); AlphaGAN (s): 20 inner steps, 20 steps of each of
the two worst-case copies, 20 architecture steps (the (s) preset). Each then scores its derived architecture.
``--adversarialnas-epochs`` and ``--alphagan-steps`` shorten them (for tests).

Rows ``strategy_cost_<name>`` (seconds: the generation's time by ``--timer``; value: peak MiB) go to the CSV.

Example:
    python benchmarks/bench_strategy_cost.py --tiny
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

STRATEGIES = ("eagan_round", "adversarialnas", "alphagan_s")
TINY = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=128, batch_size=128, bn_batches=2)
MARK = "STRATEGY_COST "  # the line a worker prints its JSON result on


def _status_kib(field: str) -> int | None:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``), or None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's resident high-water mark of this process (Linux >= 4.0); False where that is impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def _algorithm(name: str, args):
    from pymoo_gan.algorithms import AdversarialNAS, AlphaGAN, nsga2

    if name == "eagan_round":
        return nsga2(pop_size=args.pop_size), dict(warmup_epochs=args.warmup_epochs, round_epochs=args.round_epochs)
    if name == "adversarialnas":
        return AdversarialNAS(epochs_per_gen=args.adversarialnas_epochs, n_critic=args.n_critic), {}
    if name == "alphagan_s":
        steps = args.alphagan_steps
        return AlphaGAN("s", n_critic=args.n_critic, inner_steps=steps, worst_steps=steps, outer_steps=steps), {}
    raise ValueError(f"strategy {name!r} is unknown; allowed: {', '.join(STRATEGIES)}")


def measure(name: str, args) -> dict:
    """Set up strategy ``name``, run its first generation, measure its second (see the module docstring)."""
    import torch

    from pymoo_gan import GANSearchProblem

    device, timer = harness.setup(args)
    algorithm, schedule = _algorithm(name, args)
    problem = GANSearchProblem(progress=False, objectives=("fd", "params"), seed=args.seed, device=str(device),
                               **(TINY if args.tiny else {}), **schedule)
    algorithm.setup(problem, termination=("n_gen", 2), seed=args.seed)
    algorithm.next()
    g_before, scored_before = problem.trainer.supernet_step, len(problem.results())
    rss_before = _status_kib("VmRSS")
    hwm = _reset_peak_rss()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    wall, cpu = time.perf_counter(), time.process_time()
    algorithm.next()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kib = _status_kib("VmHWM") if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    out = {"strategy": name, "cpu_s": cpu, "wall_s": wall, "seconds": cpu if str(timer) == "process" else wall,
           "g_steps": problem.trainer.supernet_step - g_before, "peak_rss_mib": peak_kib / 1024,
           "rss_before_mib": (rss_before or 0) / 1024, "memory": "VmHWM of the generation" if hwm else
           "ru_maxrss of the process", "evaluated": len(problem.results()) - scored_before,
           "device": harness.device_name(device), "timer": str(timer)}
    if device.type == "cuda":
        out["cuda_peak_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    return out


def _worker_argv(name: str, args) -> list[str]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--seed", str(args.seed),
            "--pop-size", str(args.pop_size), "--round-epochs", str(args.round_epochs),
            "--warmup-epochs", str(args.warmup_epochs), "--n-critic", str(args.n_critic), "--timer", args.timer,
            "--adversarialnas-epochs", str(args.adversarialnas_epochs), "--alphagan-steps", str(args.alphagan_steps)]
    if args.tiny:
        argv.append("--tiny")
    if args.device:
        argv += ["--device", args.device]
    if args.threads is not None:
        argv += ["--threads", str(args.threads)]
    return argv


def run_worker(name: str, args) -> dict:
    """``measure(name)`` in a fresh Python process (its peak memory is its own)."""
    done = subprocess.run(_worker_argv(name, args), capture_output=True, text=True, env={**os.environ})
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode or not lines:
        raise RuntimeError(f"worker {name} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(lines[-1][len(MARK):])


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure every strategy in its own subprocess, print the table and append one row per strategy to ``--out``."""
    p = harness.parser(__doc__)
    p.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    p.add_argument("--worker", choices=STRATEGIES, default=None, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pop-size", type=int, default=None, help="EAGAN population scored per round (8; --tiny 4)")
    p.add_argument("--round-epochs", type=float, default=None,
                   help="EAGAN round length in epochs of D batches (default 4, the problem's; --tiny 1)")
    p.add_argument("--warmup-epochs", type=float, default=None, help="EAGAN warm-up before the measured round "
                                                                      "(not measured; default 1; --tiny 0.25)")
    p.add_argument("--n-critic", type=int, default=5, help="D iterations per G step of the differentiable ones (5)")
    p.add_argument("--adversarialnas-epochs", type=float, default=1.0,
                   help="passes over the images per AdversarialNAS generation (1: its epoch; less for tests)")
    p.add_argument("--alphagan-steps", type=int, default=20,
                   help="inner, worst-case and outer steps of an AlphaGAN generation (20: the (s) preset)")
    args = p.parse_args(argv)
    args.pop_size = args.pop_size or (4 if args.tiny else 8)
    args.round_epochs = args.round_epochs if args.round_epochs is not None else (1.0 if args.tiny else 4.0)
    args.warmup_epochs = args.warmup_epochs if args.warmup_epochs is not None else (0.25 if args.tiny else 1.0)
    if args.worker:
        print(MARK + json.dumps(measure(args.worker, args)), flush=True)
        return []
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    results = []
    for name in args.strategies:
        results.append(run_worker(name, args))
        r = results[-1]
        print(f"{name}: {r['seconds']:.2f} s, {r['g_steps']} G steps, peak {r['peak_rss_mib']:.0f} MiB "
              f"({r['memory']})", flush=True)
    base = next((r for r in results if r["strategy"] == "eagan_round"), None)
    rows = []
    for r in results:
        ratio = f"; {r['seconds'] / base['seconds']:.2f}x the EAGAN round's time" if base else ""
        cuda = f"; CUDA peak {r['cuda_peak_mib']:.1f} MiB" if "cuda_peak_mib" in r else ""
        rows.append({"benchmark": f"strategy_cost_{r['strategy']}", "seconds": r["seconds"],
                     "value": r["peak_rss_mib"], "unit": f"MiB peak ({r['memory']})",
                     "settings": f"one generation (the second) at {'tiny ' if args.tiny else ''}widths; "
                                 f"{r['g_steps']} G steps; cpu {r['cpu_s']:.3g} s, "
                                 f"wall {r['wall_s']:.3g} s; RSS before {r['rss_before_mib']:.0f} MiB{cuda}{ratio}; "
                                 f"EAGAN round {args.round_epochs:g} epochs + {args.pop_size} scored; "
                                 f"AdversarialNAS {args.adversarialnas_epochs:g} epoch; AlphaGAN (s) "
                                 f"{args.alphagan_steps} steps each; n_critic {args.n_critic}"})
    harness.print_table(results, ["strategy", "seconds", "cpu_s", "wall_s", "g_steps", "evaluated",
                                  "rss_before_mib", "peak_rss_mib", "cuda_peak_mib"], title="one generation each")
    return harness.finish(args, device, timer, load_before, rows, ["benchmark", "value", "unit", "seconds"],
                          "search cost per generation")


if __name__ == "__main__":
    main()
