"""Stage-2 round time: the paper's sequential turns and synchronous rounds in this process against synchronous rounds
on 1 and 2 single-threaded Ray actors, side by side in one run.

A round trains ``--pairs`` one-to-one pairs (each its own copy of G against its path of the D supernet) for
``--steps`` generator steps each (``n_critic`` = 5 D steps before each), as ``PairTrainer.train_round`` does:
``sequential`` visits the pairs in turn on the live supernet (the paper's order), ``synchronous`` trains each pair
from the round's supernet snapshot in this process and averages the D updates, ``ray_1`` / ``ray_2`` send the same
synchronous round's pairs to 1 / 2 persistent actors (1 CPU and 1 thread each; started, data loaded and a first round
run before timing). Each round of a Ray runner puts the new D snapshot into the object store once; each task carries
its pair's G copy. Time is elapsed (wall) time: the work runs in other processes. Variants run in blocks
(sequential, synchronous, 1 actor, 2 actors, synchronous and sequential again) and the minimum over ``--repeats``
rounds is reported.

Rows: ``pairs_round_<variant>`` (seconds per round), ``pairs_synchronous_vs_sequential`` (%: synchronous / sequential
in this process - 1), ``pairs_ray_overhead_1_actor`` (%: 1 actor / synchronous local - 1),
``pairs_ray_efficiency_2_actors`` (%: synchronous local / (2 x 2 actors)), ``pairs_snapshot_bytes`` (D supernet and
its Adam state, once per round) and ``pairs_task_bytes`` (one pair's G and its Adam state, per task).

Example:
    python benchmarks/bench_ray_pairs.py --tiny
    python benchmarks/bench_ray_pairs.py --pairs 8 --steps 4 --repeats 2          # digits defaults
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

from pymoo_gan import registry  # noqa: E402
from pymoo_gan.data import DataConfig  # noqa: E402
from pymoo_gan.evaluation import ParallelConfig  # noqa: E402
from pymoo_gan.evaluation.pair_training import PairTraining, RemotePairs  # noqa: E402
from pymoo_gan.evaluation.ray_runner import RayRunner  # noqa: E402
from pymoo_gan.models import build_generator  # noqa: E402
from pymoo_gan.problems.config import DiscriminatorSearchConfig  # noqa: E402
from pymoo_gan.problems.discriminator_search import make_discriminator_space  # noqa: E402
from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro  # noqa: E402
from pymoo_gan.training import PairTrainer, ScheduleConfig, TrainConfig  # noqa: E402
from pymoo_gan.training.pair_sync import cpu_state, round_snapshot  # noqa: E402


def nbytes(state: dict) -> int:
    return sum(v.numel() * v.element_size() for v in state.values() if isinstance(v, torch.Tensor))


def g_bytes(state: dict) -> int:
    """Bytes of a nested state dict's tensors."""
    if isinstance(state, torch.Tensor):
        return state.numel() * state.element_size()
    if isinstance(state, dict):
        return sum(g_bytes(v) for v in state.values())
    return sum(g_bytes(v) for v in state) if isinstance(state, list | tuple) else 0


def main(argv: list[str] | None = None) -> list[dict]:
    p = harness.parser(__doc__)
    p.add_argument("--pairs", type=int, default=8, help="pairs per round (default 8)")
    p.add_argument("--steps", type=int, default=4, help="generator steps per pair and round (default 4)")
    args = p.parse_args(argv)
    args.timer = "wall"
    repeats = args.repeats or (1 if args.tiny else 2)
    pairs, steps = (4, 1) if args.tiny and (args.pairs, args.steps) == (8, 4) else (args.pairs, args.steps)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    ray, started_here = harness.local_ray()

    latent, g_ch, d_ch = (12, 8, 8) if args.tiny else (24, 32, 32)  # problems/small_cpu.toml's widths otherwise
    data = DataConfig()
    images, _ = data.load("train")
    g_space = EAGANGeneratorSpace(GeneratorMacro(latent, g_ch, data.resolution // 8, data.channels))
    G = build_generator(g_space.decode(g_space.sample(np.random.default_rng(0))),
                        generator=torch.Generator().manual_seed(0))
    d_config = DiscriminatorSearchConfig(channels=d_ch)
    d_space = make_discriminator_space(d_config, data)
    train = TrainConfig(n_critic=5)
    epochs = pairs * steps * train.d_batch_size * train.n_critic / len(images)
    trainer = PairTrainer(G, registry.space(d_config.space).supernet(d_space.macro,
                                                                     generator=torch.Generator().manual_seed(0)),
                          train, ScheduleConfig(0.0, epochs), images, device, seed=0, progress=False,
                          pairs="synchronous")
    genotypes = d_space.sample(np.random.default_rng(1), pairs)
    archs = {d_space.key(g): d_space.decode(g) for g in genotypes}
    job = PairTraining(G, d_config.space, d_space.macro, train, data, device=str(device))

    def round_of(mode, runner=None):
        def go():
            trainer.pairs, trainer.pair_runner = mode, runner
            trainer.train_round(archs, best=None)
            assert not trainer.failures, trainer.failures
        return go

    times: dict[str, list[float]] = {"sequential": [], "synchronous": []}
    startup: dict[str, float] = {}
    round_of("synchronous")()  # lazy library loading and the local worker, outside the timing
    loads = [harness.load_average()]
    times["sequential"] += [timer(round_of("sequential")) for _ in range(repeats)]
    times["synchronous"] += [timer(round_of("synchronous")) for _ in range(repeats)]
    for k in (1, 2):
        loads.append(harness.load_average())
        runner = RayRunner(ParallelConfig(runner="ray", actors=k, cpus_per_actor=1.0, gpus_per_actor=0.0))
        t0 = time.perf_counter()
        runner.start(job)
        startup[f"ray_{k}"] = time.perf_counter() - t0
        go = round_of("synchronous", RemotePairs(runner, job))
        go()  # the actors' first round (lazy library loading) outside the timing
        times[f"ray_{k}"] = [timer(go) for _ in range(repeats)]
        runner.close()
    loads.append(harness.load_average())
    times["synchronous"] += [timer(round_of("synchronous")) for _ in range(repeats)]
    times["sequential"] += [timer(round_of("sequential")) for _ in range(repeats)]
    if started_here:
        ray.shutdown()

    best = {k: min(v) for k, v in times.items()}
    snapshot = round_snapshot(trainer.supernet, trainer.opt_d)
    pair = next(iter(trainer.copies.values()))
    task = g_bytes(cpu_state(pair.G.state_dict())) + g_bytes(cpu_state(pair.opt.state_dict()))
    settings = (f"{pairs} pairs x {steps} G steps (n_critic 5, D batch 32), digits {'tiny' if args.tiny else 'G/D 32'}"
                f", actors 1 CPU 1 thread, startup 1 actor {startup['ray_1']:.1f} s / 2 actors "
                f"{startup['ray_2']:.1f} s; rounds " + "; ".join(f"{k} {' '.join(f'{t:.2f}' for t in v)}"
                                                         for k, v in times.items())
                + f"; load seq+sync/1/2/sync+seq {'/'.join(map(str, loads))}")
    rows = [{"benchmark": f"pairs_round_{k}", "seconds": v, "settings": settings} for k, v in best.items()]
    rows += [
        {"benchmark": "pairs_synchronous_vs_sequential", "value": 100 * (best["synchronous"] / best["sequential"] - 1),
         "unit": "%", "settings": settings},
        {"benchmark": "pairs_ray_overhead_1_actor", "value": 100 * (best["ray_1"] / best["synchronous"] - 1),
         "unit": "%", "settings": settings},
        {"benchmark": "pairs_ray_efficiency_2_actors", "value": 100 * best["synchronous"] / (2 * best["ray_2"]),
         "unit": "%", "settings": settings},
        {"benchmark": "pairs_snapshot_bytes", "value": float(nbytes(snapshot)), "unit": "B", "settings": settings},
        {"benchmark": "pairs_task_bytes", "value": float(task), "unit": "B", "settings": settings},
    ]
    return harness.finish(args, device, timer, load_before, rows, ["benchmark", "seconds", "value", "unit"],
                          "Ray stage-2 pairs")


if __name__ == "__main__":
    main()
