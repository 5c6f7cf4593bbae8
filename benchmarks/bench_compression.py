"""DGL-GAN and STU-GAN on the embedded digits: held-out Fréchet distance of compressed generators over several seeds,
and the training-time overhead of the teacher term and of the masks.

Per seed, every arm trains the same cell generator (a fixed genotype, ``GENOTYPE``) against an AutoGAN D for the same
number of G steps (``--steps``, hinge loss, Adam 2e-4 (0, 0.9), n_critic 1, G and D batch ``--batch``), from the
same initial weights and the same batch order (the seed fixes both), and is scored the same way: BN recalibrated,
``--n-samples`` images from one fixed latent batch, features of the digits classifier, Fréchet distance (float64)
against the statistics of the **test** split (``fd_digits_cnn``, held out: training uses the train split). No EMA:
the last G is scored (an EMA with a 0.999 horizon would still hold the initialisation at these lengths).

(a) DGL-GAN: the teacher is a full-width pair (G ``--g-channels``, D ``--d-channels``) trained first by this script,
    once per seed; its D, frozen, is the teacher of a half-width student (G and D at ``--student-width``; DGL-GAN's
    BigGAN student halves both). Arms: ``dense`` (the student trained plainly) and ``dgl`` (the same student, with
    ``lambda * hinge(D_T(G(z)))`` added to its G loss from G step ``--dgl-start`` on; lambda ``--dgl-weight``, 0.1).
(b) STU-GAN at G densities ``--densities`` (0.1 / 0.2 / 0.5), D density ``--density-d`` (0.5, STU-GAN's main runs;
    the ``dense`` arm has both dense), the same half-width student: ``static`` (ERK masks fixed) and ``dynamic``
    (prune-and-regrow on G every ``--update-every`` G steps, prune rate cosine 0.5 -> 0.005 over the run).
(c) Per-step training time of the student with the teacher term (on from the first step), with static masks and with
    dynamic masks (each timed sample is ``--update-every`` steps, so it holds exactly one prune-and-regrow), against
    plain training, measured interleaved (ABBA) in the same process; the minimum over ``--repeats`` samples, as ratios.

Every FD row holds the mean over seeds in ``value`` and the sample std, min, max and per-seed values in ``settings``;
the ``*_minus_*`` rows are paired differences (same seed, same initial weights and batches), so their spread is the
one that tells whether an arm beats another.

Example:
    python benchmarks/bench_compression.py --tiny
    python benchmarks/bench_compression.py --device cpu --seeds 0 1 2 --steps 300      # ~30 min on one loaded core
    python benchmarks/bench_compression.py --device cuda --seeds 0 1 2 3 4 --steps 5000
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from pathlib import Path

import torch

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness beside this script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

from pymoo_gan.data import DataConfig  # noqa: E402
from pymoo_gan.evaluation import MetricsConfig  # noqa: E402
from pymoo_gan.evaluation.scorer import CandidateScorer  # noqa: E402
from pymoo_gan.metrics import fixed_latents, metric_key, reference_statistics, score, sparse_cost  # noqa: E402
from pymoo_gan.models import build_discriminator, build_generator  # noqa: E402
from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro  # noqa: E402
from pymoo_gan.training import GANTrainer, SparseTraining, TeacherDiscriminatorLoss, TrainConfig  # noqa: E402

GENOTYPE = [1, 1, 3, 3, 3, 3, 3] * 3  # the cell G of the trainer-hook tests (tests/training/tiny_pair.py)


def build_pair(g_channels: int, d_channels: int, latent_dim: int, seed: int, device: torch.device):
    """A fresh (G, D) for 16x16 grey digits, initialised from ``seed``."""
    init = torch.Generator().manual_seed(seed)
    arch = EAGANGeneratorSpace(GeneratorMacro(latent_dim, g_channels, 2, 1)).decode(GENOTYPE)
    G = build_generator(arch, generator=init)
    D = build_discriminator("autogan", in_channels=1, channels=d_channels, resolution=16, generator=init)
    return G.to(device), D.to(device)


class HeldOut:
    """The held-out Fréchet distance every arm is scored with (test-split statistics, one fixed latent batch)."""

    def __init__(self, data: DataConfig, n_samples: int, latent_dim: int, device: torch.device):
        metrics = MetricsConfig(n_samples=n_samples, batch_size=min(500, n_samples), bn_batches=4, bn_batch_size=32)
        self.scorer = CandidateScorer(data, metrics, latent_dim=latent_dim, device=device, seed=0)
        self.stats = reference_statistics(data.load("test")[0], self.scorer.extractor, dataset=data.dataset,
                                          split="test", cache_dir=data.cache_dir)
        self.latents = fixed_latents(n_samples, latent_dim, seed=3, device=device)
        self.key, self.batch = metric_key("fd", self.scorer.extractor), metrics.batch_size

    def __call__(self, G) -> float:
        self.scorer.recalibrate(G)
        with torch.no_grad():
            fd = score(G.eval(), self.latents, self.scorer.extractor, self.stats, metrics=("fd",),
                       batch_size=self.batch)[self.key]
        G.train()
        return float(fd)


def train_arm(pair, cfg: TrainConfig, hooks, steps: int, images: torch.Tensor, seed: int, latent_dim: int):
    """Train ``pair`` for ``steps`` G steps with ``hooks``; the trainer and the process seconds it took."""
    trainer = GANTrainer(*pair, cfg, latent_dim=latent_dim, hooks=hooks)
    start = time.process_time()
    trainer.train_steps(steps, images, torch.Generator(device=images.device).manual_seed(1000 + seed))
    return trainer, time.process_time() - start


def spread(values: list[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values)}


def main(argv: list[str] | None = None) -> list[dict]:
    """Train and score every arm for every seed, time the overheads, print the tables, append the rows."""
    p = harness.parser(__doc__)
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default 0 1 2; --tiny: 0 1)")
    p.add_argument("--steps", type=int, default=None, help="G steps of every arm (default 300; --tiny: 4)")
    p.add_argument("--batch", type=int, default=None, help="G and D batch (default 32; --tiny: 8)")
    p.add_argument("--latent-dim", type=int, default=None, help="default 24 (the digits problem); --tiny: 12")
    p.add_argument("--g-channels", type=int, default=None, help="the teacher G's channels (default 32; --tiny: 8)")
    p.add_argument("--d-channels", type=int, default=None, help="the teacher D's channels (default 32; --tiny: 8)")
    p.add_argument("--student-width", type=float, default=0.5, help="student channels / teacher channels (G and D)")
    p.add_argument("--dgl-weight", type=float, default=0.1, help="lambda of the teacher term (DGL-GAN, hinge: 0.1)")
    p.add_argument("--dgl-start", type=int, default=None, help="G step the teacher term starts at (default steps/2)")
    p.add_argument("--densities", type=float, nargs="+", default=[0.1, 0.2, 0.5], help="G densities of (b)")
    p.add_argument("--density-d", type=float, default=0.5, help="D density of the sparse arms (STU-GAN: 0.5)")
    p.add_argument("--update-every", type=int, default=None, help="G steps between prune-and-regrow (default "
                                                                       "steps/10; --tiny: 2)")
    p.add_argument("--n-samples", type=int, default=None, help="images per FD (default 1000; --tiny: 64)")
    p.add_argument("--overhead-density", type=float, default=0.2, help="G density of the timed sparse steps")
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    tiny = args.tiny
    seeds = args.seeds or ([0, 1] if tiny else [0, 1, 2])
    steps = args.steps or (4 if tiny else 300)
    batch = args.batch or (8 if tiny else 32)
    latent = args.latent_dim or (12 if tiny else 24)
    g_ch, d_ch = args.g_channels or (8 if tiny else 32), args.d_channels or (8 if tiny else 32)
    sg, sd = (max(1, round(c * args.student_width)) for c in (g_ch, d_ch))
    dgl_start = args.dgl_start if args.dgl_start is not None else steps // 2
    every = args.update_every or (2 if tiny else max(1, steps // 10))
    n_samples = args.n_samples or (64 if tiny else 1000)
    repeats = args.repeats or (2 if tiny else 5)
    cfg = TrainConfig(g_batch_size=batch, d_batch_size=batch, n_critic=1)

    data = DataConfig()
    images = data.load("train")[0].to(device)
    held_out = HeldOut(data, n_samples, latent, device)
    z1 = torch.zeros(1, latent, device=device)
    arms = ["teacher", "dense", "dgl"] + [f"{m}_d{d:g}" for d in args.densities for m in ("static", "dynamic")]
    fds: dict[str, list[float]] = {a: [] for a in arms}
    nnz: dict[str, float] = {}
    cpu: dict[str, float] = dict.fromkeys(arms, 0.0)
    description = (f"digits 16x16 (train split), test-split FD with {n_samples} samples; {steps} G steps, batch "
                   f"{batch}, n_critic 1, hinge, no EMA; teacher G{g_ch}/D{d_ch}, student G{sg}/D{sd}, latent "
                   f"{latent}; DGL lambda {args.dgl_weight} from G step {dgl_start}; sparse D density "
                   f"{args.density_d}, update every {every}")
    print(description)
    teacher_d = None
    for seed in seeds:
        def run(arm, pair, hooks=(), seed=seed):
            trainer, seconds = train_arm(pair, cfg, list(hooks), steps, images, seed, latent)
            fds[arm].append(held_out(trainer.G))
            nnz[arm] = sparse_cost(trainer.G, z1)["nnz_params"]
            cpu[arm] += seconds
            print(f"seed {seed} {arm:>12}: {held_out.key} {fds[arm][-1]:8.3f}  G nnz {nnz[arm]:>7.0f}  "
                  f"{seconds:6.1f} s", flush=True)
            return trainer

        teacher = run("teacher", build_pair(g_ch, d_ch, latent, seed, device))
        teacher_d = teacher.D
        run("dense", build_pair(sg, sd, latent, seed, device))
        run("dgl", build_pair(sg, sd, latent, seed, device),
            [TeacherDiscriminatorLoss(teacher.D, args.dgl_weight, dgl_start, image_shape=(1, 16, 16))])
        for density in args.densities:
            for mode in ("static", "dynamic"):
                hook = SparseTraining(density, args.density_d, mode=mode, total_steps=steps, update_every=every,
                                      seed=seed)
                run(f"{mode}_d{density:g}", build_pair(sg, sd, latent, seed, device), [hook])

    # ---- (c) overheads: plain vs teacher term vs static / dynamic masks, interleaved ----
    def timed(hooks):
        trainer = GANTrainer(*build_pair(sg, sd, latent, 0, device), cfg, latent_dim=latent, hooks=hooks)
        gen = torch.Generator(device=device).manual_seed(7)
        return lambda: trainer.train_steps(every, images, gen)

    variants = {
        "plain": timed([]),
        "teacher": timed([TeacherDiscriminatorLoss(copy.deepcopy(teacher_d), args.dgl_weight, 0)]),
        "static": timed([SparseTraining(args.overhead_density, args.density_d, mode="static")]),
        "dynamic": timed([SparseTraining(args.overhead_density, args.density_d, total_steps=10 ** 9,
                                         update_every=every)]),
    }
    times = harness.interleaved(variants, timer, repeats)
    per_step = {k: min(v) / every for k, v in times.items()}
    median = {k: statistics.median(v) / every for k, v in times.items()}

    # ---- tables and rows ----
    def row_of(name, values):
        s = spread(values)
        return {"arm": name, **s, "seeds": len(values), "per_seed": " ".join(f"{v:.2f}" for v in values)}

    table = [{**row_of(a, fds[a]), "g_nnz": nnz[a], "cpu_s": cpu[a] / len(seeds)} for a in arms]
    diffs = [("dgl_minus_dense", "dgl", "dense")] + [
        (f"dynamic_minus_static_d{d:g}", f"dynamic_d{d:g}", f"static_d{d:g}") for d in args.densities]
    diff_table = [row_of(name, [x - y for x, y in zip(fds[a], fds[b], strict=True)]) for name, a, b in diffs]
    columns = ["arm", "mean", "std", "min", "max", "seeds", "g_nnz", "cpu_s", "per_seed"]
    print()
    harness.print_table(table, columns, title=f"{held_out.key} on the test split (lower is better), mean / sample "
                                               f"std / min / max over seeds {seeds}")
    print()
    harness.print_table(diff_table, columns[:6] + ["per_seed"],
                        title="paired differences (same seed, init and batches; negative: the first arm is better)")
    print()
    overhead_rows = [{"variant": k, "ms_per_step_min": per_step[k] * 1e3, "ms_per_step_median": median[k] * 1e3,
                      "ratio_to_plain": per_step[k] / per_step["plain"],
                      "median_ratio": median[k] / median["plain"]} for k in variants]
    harness.print_table(overhead_rows, list(overhead_rows[0]),
                        title=f"per-step training time, student G{sg}/D{sd}, {repeats} interleaved samples of "
                              f"{every} steps (timer {timer})")

    unit = f"{held_out.key} (test split), mean over seeds"
    rows = []
    for r in table + diff_table:
        extra = f"; G nnz {r['g_nnz']:.0f}" if "g_nnz" in r else ""
        rows.append({"benchmark": f"compress_fd_{r['arm']}", "n_samples": n_samples, "batch_size": batch,
                     "value": r["mean"], "unit": unit,
                     "settings": f"std {r['std']:.4g} min {r['min']:.4g} max {r['max']:.4g} seeds {seeds} per-seed "
                                 f"[{r['per_seed']}]{extra}; {description}"})
    timing = (f"student G{sg}/D{sd} latent {latent} batch {batch}; min of {repeats} interleaved samples of {every} "
              f"steps; static/dynamic G density {args.overhead_density}, D {args.density_d}; teacher G{g_ch}/D{d_ch}")
    for k in variants:
        rows.append({"benchmark": f"compress_step_{k}", "batch_size": batch, "seconds": per_step[k],
                     "images_per_s": batch / per_step[k], "settings": timing})
    for k in ("teacher", "static", "dynamic"):
        rows.append({"benchmark": f"compress_overhead_{k}", "batch_size": batch,
                     "value": 100 * (per_step[k] / per_step["plain"] - 1), "unit": "% per step vs plain",
                     "settings": f"median ratio {median[k] / median['plain']:.4g}; {timing}"})
    return harness.finish(args, device, timer, load_before, rows, ["benchmark", "seconds", "value", "unit"],
                          "Compression (DGL-GAN, STU-GAN) on the digits")


if __name__ == "__main__":
    main()
