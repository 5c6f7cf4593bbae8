"""Projected wall time of EAGAN's full search protocol on this device, from measured per-step and per-candidate times.

Measured here (see ``bench_training.py`` and ``bench_scoring.py`` for how):

* the stage-1 step: the G supernet on a path (EAGAN's released ``best_G`` genotype) with the fixed D, one D step and
  one G step (``n_critic`` 1);
* the stage-2 step: a path of the cell-D supernet (EAGAN's CIFAR-10 D genotype) with the best G, 5 D steps and one
  G step (``n_critic_search_dis`` 5);
* scoring one candidate at N = 5,000 images: BN recalibration, generation, features, FD and IS/CS, with the domain
  classifier and with Inception v3 at 299 (random weights: timing only).

Protocol (``../shared/reference/eagan.md`` sections 2-3), defaults from EAGAN's released code:

* stage 1: 40 warm-up epochs + 16 rounds x 10 epochs = 200 epochs of CIFAR-10 (50,000 images), one step = one D
  batch + one G step, so 50,000 / D batch = 1,250 steps per epoch; population 32, 64 candidates (32 parents + 32
  offspring) scored per round at N = 5,000. The paper says 50 warm-up epochs and 18 rounds
  (``problems/eagan_cifar10.toml``): ``--warmup-epochs 50 --rounds 18``;
* stage 2: 40 warm-up epochs + 15 rounds x 10 epochs (evolution at epochs 50..190), ``n_critic`` 5, so a step is 5 D
  batches + one G step and an epoch 250 steps; 64 candidates scored per round as in stage 1 (pymoo_gan re-scores the
  32 parents on the new weights and scores 32 offspring; the released code scores the 32 individuals:
  ``--stage2-scored-per-round 32``); a D candidate is scored through its paired G, i.e. one G scored;
* batch sizes: the released code's G 80 / D 40 (``TrainConfig``'s defaults and ``problems/eagan_cifar10.toml`` are
  the paper's G 40 / D 80: pass ``--g-batch 40 --d-batch 80``, which halves the steps per epoch).

Not counted: data loading (the real images live on the device), checkpointing, parameter counting of new
architectures beyond one build per scored candidate, stage 2's weight copies between the G copies, the final
training. Stage-1 paths change every step; the projection uses the cost of the ``best_G`` path (7.1M parameters at
the paper sizes; the space ranges over about 4-29M).

Example:
    python benchmarks/bench_protocol.py --tiny
    python benchmarks/bench_protocol.py --device cuda
    python benchmarks/bench_protocol.py --device cpu --measure-n 200 --inception-measure-n 50
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness (and other scripts) beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scoring  # noqa: E402
import bench_training  # noqa: E402
import harness  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Protocol:
    """Budget of EAGAN's two search stages (see the module docstring)."""

    dataset_size: int = 50_000
    warmup_epochs: int = 40
    rounds: int = 16
    round_epochs: int = 10
    scored_per_round: int = 64
    stage2_warmup_epochs: int = 40
    stage2_rounds: int = 15
    stage2_round_epochs: int = 10
    stage2_scored_per_round: int = 64
    stage2_n_critic: int = 5

    def steps_per_epoch(self, d_batch: int, n_critic: int = 1) -> int:
        """Training steps (``n_critic`` D batches + one G step each) per pass over the training set."""
        return math.ceil(self.dataset_size / (d_batch * n_critic))

    def stage1_steps(self, d_batch: int) -> int:
        return (self.warmup_epochs + self.rounds * self.round_epochs) * self.steps_per_epoch(d_batch)

    def stage2_steps(self, d_batch: int) -> int:
        epochs = self.stage2_warmup_epochs + self.stage2_rounds * self.stage2_round_epochs
        return epochs * self.steps_per_epoch(d_batch, self.stage2_n_critic)

    def stage1_candidates(self) -> int:
        return self.rounds * self.scored_per_round

    def stage2_candidates(self) -> int:
        return self.stage2_rounds * self.stage2_scored_per_round


def project(protocol: Protocol, d_batch: int, step1: float, step2: float, candidate: dict[str, float]) -> list[dict]:
    """Projected seconds per stage and part: rows of (stage, part, count, seconds each, total seconds)."""
    rows = [
        {"stage": 1, "part": "train", "count": protocol.stage1_steps(d_batch), "each": step1},
        {"stage": 2, "part": "train", "count": protocol.stage2_steps(d_batch), "each": step2},
    ]
    for name, seconds in candidate.items():
        rows.append({"stage": 1, "part": name, "count": protocol.stage1_candidates(), "each": seconds})
        rows.append({"stage": 2, "part": name, "count": protocol.stage2_candidates(), "each": seconds})
    for row in rows:
        row["total"] = row["count"] * row["each"]
    return sorted(rows, key=lambda r: (r["stage"], r["part"] != "train"))


def hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h ({seconds / 86400:,.2f} d)"


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, project, print the breakdown, append the rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    bench_scoring.add_scoring_args(p)
    bench_training.add_size_args(p)
    p.add_argument("--steps", type=int, default=None,
                   help="training steps per timed sample (default: 1 on the CPU, 2 with --tiny, 20 on CUDA)")
    for field in dataclasses.fields(Protocol):
        p.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, type=int, default=field.default,
                       help=f"protocol (default {field.default})")
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    sizes = bench_training.sizes_from_args(args)
    protocol = Protocol(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Protocol)})
    steps = args.steps or (20 if device.type == "cuda" else 2 if args.tiny else 1)
    repeats = args.repeats or (3 if device.type == "cpu" and not args.tiny else 5)
    options = bench_scoring.scoring_options(args, device)
    if args.tiny:  # tiny networks, but the protocol's N: the scoring time is measured on a few images, extrapolated
        options.update(n_target=args.n_samples or bench_scoring.EAGAN_N, classifier_n=args.measure_n or 64)
    print(f"sizes: {sizes.describe()}; protocol: {protocol}; timer {timer}")

    images = bench_training.synthetic_images(sizes, device)
    arch = bench_training.generator_arch(sizes.macro(), args.arch_seed)
    supernet, standalone, discriminator = bench_training.build_models(sizes, arch, device)
    stage1 = bench_training.measure_steps({"supernet": (supernet, discriminator, arch)}, sizes.train_config(1),
                                          images, timer, repeats=repeats, steps=steps)["supernet"]
    d_variant = bench_training.discriminator_variants(sizes, standalone, device)["supernet"]
    stage2 = bench_training.measure_steps({"supernet": d_variant}, sizes.train_config(protocol.stage2_n_critic),
                                          images, timer, repeats=repeats, steps=steps)["supernet"]
    del supernet, standalone, discriminator, d_variant
    scoring = bench_scoring.measure_scoring(sizes, device, timer, **options)
    for name, t in scoring.items():
        print(bench_scoring.describe(name, t))
    print(f"stage-1 step {stage1['seconds']:.4g} s, stage-2 step ({protocol.stage2_n_critic} D + 1 G) "
          f"{stage2['seconds']:.4g} s (min of {repeats} x {steps} steps)")

    candidate = {name: t["seconds"] for name, t in scoring.items()}
    parts = project(protocol, sizes.d_batch, stage1["seconds"], stage2["seconds"], candidate)
    print(f"\nProjected EAGAN search on this device ({sizes.describe()}, N={options['n_target']}):")
    print(f"{'stage':>5} {'part':<22} {'count':>9} {'seconds each':>13}   total")
    for r in parts:
        print(f"{r['stage']:>5} {r['part']:<22} {r['count']:>9,} {r['each']:>13.4g}   {hours(r['total'])}")

    rows, summary = [], []
    batch = f"G{sizes.g_batch}/D{sizes.d_batch}"
    settings = f"{sizes.describe()} N={options['n_target']}"
    for r in parts:
        rows.append({"benchmark": f"protocol_stage{r['stage']}_{r['part']}", "batch_size": batch, "seconds": r["each"],
                     "n_samples": r["count"], "value": r["total"] / 3600, "unit": "h",
                     "settings": f"{settings} {r['count']} x {r['each']:.4g} s"})
    for scorer in candidate:
        label = scorer.removeprefix("score_")
        by_stage = {}
        for stage in (1, 2):
            train = next(r["total"] for r in parts if r["stage"] == stage and r["part"] == "train")
            score = next(r["total"] for r in parts if r["stage"] == stage and r["part"] == scorer)
            by_stage[stage] = (train, score)
            rows.append({"benchmark": f"protocol_stage{stage}_total_{label}", "batch_size": batch,
                         "value": (train + score) / 3600, "unit": "h",
                         "settings": f"{settings} training {train / (train + score):.0%}"})
        total = sum(t + s for t, s in by_stage.values())
        train_share = sum(t for t, _ in by_stage.values()) / total
        rows.append({"benchmark": f"protocol_total_{label}", "batch_size": batch, "value": total / 3600,
                     "unit": "h", "settings": f"{settings} training {train_share:.0%}"})
        summary.append(f"with {label} scoring: stage 1 {hours(sum(by_stage[1]))}, stage 2 {hours(sum(by_stage[2]))}, "
                       f"total {hours(total)}; {'training' if train_share >= 0.5 else 'scoring'} dominates "
                       f"({max(train_share, 1 - train_share):.0%} of the time)")
    print()
    for line in summary:
        print(line)
    print("EAGAN paper: 0.8 GPU-days for stage 1 + 0.4 for stage 2 (GPU model not stated)")
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "n_samples", "seconds", "value", "unit"],
                          "Projected EAGAN search (value = hours; n_samples = steps or candidates; seconds = each)")


if __name__ == "__main__":
    main()
