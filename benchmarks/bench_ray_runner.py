"""Scoring throughput of the local runner against 1 and 2 single-threaded Ray actors, side by side in one run, and a
projection for an 8-GPU machine from the measured per-task costs and transfer sizes.

A round is what a search does between two trainings: score ``--candidates`` genotypes on one set of shared weights.
``local`` scores them in this process (``problem.score``, one thread); ``ray_1`` / ``ray_2`` put the weight snapshot
into Ray's object store and score them on 1 / 2 persistent actors (1 CPU and 1 thread each; actors started and their
scorers built before timing). Every round of a Ray runner puts a new snapshot (a new round's weights), so the put
and each actor's fetch are timed. Time is elapsed (wall) time: the work runs in other processes. Variants run in
blocks (local, 1 actor, 2 actors, local again; only one actor pool runs at a time) and the minimum over
``--repeats`` rounds is reported.

Rows: ``ray_round_<variant>`` (seconds per round, candidates/min), ``ray_overhead_1_actor`` (%: 1 actor against
local), ``ray_efficiency_2_actors`` (%: local time / (2 x 2-actor time)), ``ray_task_overhead`` (s per task: the
1-actor round minus the actor's own scoring time, per candidate), ``ray_snapshot_bytes`` (the digits snapshot),
``ray_transfer_paper`` (s: put + one actor's fetch of a snapshot of the paper-size supernet, 72.8M parameters) and
``ray_projection_8gpu_<t>s`` (%: parallel efficiency of 8 actors scoring EAGAN's round of ``--round`` candidates
when one candidate takes ``t`` seconds on a GPU: P*t / (8 * (transfer + ceil(P/8) * (t + task overhead)))).

Example:
    python benchmarks/bench_ray_runner.py --tiny
    python benchmarks/bench_ray_runner.py --candidates 16 --repeats 3           # digits defaults, ~4 min on 2 cores
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness (and other scripts) beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_training  # noqa: E402
import harness  # noqa: E402

from pymoo_gan import GANSearchProblem  # noqa: E402
from pymoo_gan.evaluation import ParallelConfig, weights_snapshot  # noqa: E402
from pymoo_gan.evaluation.ray_runner import RayRunner, from_object_store, to_object_store  # noqa: E402
from pymoo_gan.models import CellGeneratorSupernet  # noqa: E402

TINY = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=128, batch_size=128, bn_batches=2)
GPU_SECONDS = (0.5, 2.0, 8.0)  # per-candidate scoring times on a GPU that the projection is given for


def snapshot_bytes(state: dict) -> int:
    return sum(v.numel() * v.element_size() for v in state.values())


def paper_snapshot() -> dict:
    """The state of the G supernet at EAGAN's CIFAR-10 sizes (what a real search broadcasts per round)."""
    with torch.random.fork_rng(devices=[]):
        return weights_snapshot(CellGeneratorSupernet(bench_training.PAPER.macro()))


class Fetcher:
    """An actor that fetches a snapshot (the first call of a round in a scoring actor)."""

    def fetch(self, refs: list) -> int:
        import ray

        return len(from_object_store(ray.get(refs[0])))


def main(argv: list[str] | None = None) -> list[dict]:
    p = harness.parser(__doc__)
    p.add_argument("--candidates", type=int, default=16, help="candidates per round (default 16)")
    p.add_argument("--round", type=int, default=64,
                   help="candidates per round of the 8-GPU projection (default 64: EAGAN stage 1, parents + offspring)")
    args = p.parse_args(argv)
    args.timer = "wall"
    repeats = args.repeats or (1 if args.tiny else 2)
    n = 4 if args.tiny and args.candidates == 16 else args.candidates
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    ray, started_here = harness.local_ray()

    problem = GANSearchProblem(progress=False, device=str(device), **(TINY if args.tiny else {}))
    genotypes = list(problem.space.sample(np.random.default_rng(0), n))
    weights = weights_snapshot(problem.trainer.scored_supernet)
    job = problem.remote_scoring()
    problem.score(genotypes[0])  # warm-up (lazy library loading) outside the timing

    times: dict[str, list[float]] = {"local": []}
    scoring: dict[str, list[float]] = {}
    startup: dict[str, float] = {}
    rounds = [0]

    def local():
        for g in genotypes:
            problem.score(g)

    def remote(runner, name):
        def go():
            rounds[0] += 1
            results = runner.score(job, f"round{rounds[0]}", lambda: weights, genotypes)
            assert not any(f for _, f, _ in results), [f for _, f, _ in results]
            scoring.setdefault(name, []).append(sum(s for _, _, s in results))
        return go

    loads = [harness.load_average()]
    for _ in range(repeats):
        times["local"].append(timer(local))
    for k in (1, 2):
        loads.append(harness.load_average())
        name = f"ray_{k}"
        runner = RayRunner(ParallelConfig(runner="ray", actors=k, cpus_per_actor=1.0, gpus_per_actor=0.0))
        t0 = time.perf_counter()
        runner.start(job)
        startup[name] = time.perf_counter() - t0
        go = remote(runner, name)
        go()  # the actors' first call (lazy library loading) outside the timing
        scoring[name] = []
        times[name] = [timer(go) for _ in range(repeats)]
        runner.close()
    loads.append(harness.load_average())
    times["local"] += [timer(local) for _ in range(repeats)]

    # transfer of a paper-size snapshot: put + one actor's fetch
    paper = paper_snapshot()
    fetcher = ray.remote(Fetcher).options(num_cpus=1).remote()
    ray.get(fetcher.fetch.remote([ray.put({"x": torch.zeros(1)})]))
    transfer = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ref = ray.put(to_object_store(paper))
        ray.get(fetcher.fetch.remote([ref]))
        transfer.append(time.perf_counter() - t0)
        del ref
    ray.kill(fetcher)
    if started_here:
        ray.shutdown()

    best = {k: min(v) for k, v in times.items()}
    per_task = (best["ray_1"] - min(scoring["ray_1"])) / n  # the 1-actor round minus the actor's own scoring
    overhead = 100 * (best["ray_1"] / best["local"] - 1)
    efficiency = 100 * best["local"] / (2 * best["ray_2"])
    settings = (f"{n} candidates/round, digits {'tiny' if args.tiny else 'defaults'}, actors 1 CPU 1 thread, "
                f"startup 1 actor {startup['ray_1']:.1f} s / 2 actors {startup['ray_2']:.1f} s; "
                f"local rounds {' '.join(f'{t:.1f}' for t in times['local'])} s; actor scoring per round "
                f"1: {min(scoring['ray_1']):.1f} s, 2: {min(scoring['ray_2']):.1f} s (both actors); "
                f"load local/1/2/local {'/'.join(map(str, loads))}")
    rows = [{"benchmark": f"ray_round_{k}", "n_samples": problem.config.metrics.n_samples, "seconds": v,
             "candidates_per_min": 60 * n / v, "settings": settings} for k, v in best.items()]
    rows += [
        {"benchmark": "ray_overhead_1_actor", "value": overhead, "unit": "%", "settings": settings},
        {"benchmark": "ray_efficiency_2_actors", "value": efficiency, "unit": "%", "settings": settings},
        {"benchmark": "ray_task_overhead", "value": per_task, "unit": "s", "settings": settings},
        {"benchmark": "ray_snapshot_bytes", "value": float(snapshot_bytes(weights)), "unit": "B",
         "settings": settings},
        {"benchmark": "ray_transfer_paper", "value": min(transfer), "unit": "s",
         "settings": f"put + fetch of {snapshot_bytes(paper) / 2**20:.0f} MiB (72.8M-parameter G supernet)"},
    ]
    P = args.round
    for t in GPU_SECONDS:
        wall = min(transfer) + math.ceil(P / 8) * (t + max(per_task, 0.0))
        rows.append({"benchmark": f"ray_projection_8gpu_{t:g}s", "value": 100 * P * t / (8 * wall), "unit": "%",
                     "settings": f"{P} candidates/round, {t:g} s each on a GPU, task overhead {per_task:.3f} s, "
                                 f"transfer {min(transfer):.2f} s per round"})
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "seconds", "candidates_per_min", "value", "unit"], "Ray runner")


if __name__ == "__main__":
    main()
