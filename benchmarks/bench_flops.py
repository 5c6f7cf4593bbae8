"""Achieved FLOP/s of a supernet training step against the device's measured matmul peak, as a fraction.

FLOP convention (documented here and in the README):

* MACs per image from ``pymoo_gan.metrics.count_macs`` on the standalone G of the path and on D: convolutions,
  transposed convolutions and linear layers only (no normalisation, activation, interpolation, pooling or
  element-wise work, no spectral-norm power iteration, no optimizer);
* 1 MAC = 2 FLOPs; a backward pass = 2 x its forward (input and weight gradients), so a forward + backward = 3 x
  forward; forwards under ``no_grad`` count once;
* one step with ``n_critic`` D steps (as ``GANTrainer``): per D step G forward on ``d_batch`` latents (no grad) and D
  forward + backward on ``d_batch`` real + ``d_batch`` fake images; then the G step: G and D forward + backward on
  ``g_batch`` latents. MACs/step = G x (n_critic d_batch + 3 g_batch) + D x (6 n_critic d_batch + 3 g_batch),
  FLOPs = 2 x that. (In the G step D's weights are frozen, so D's backward really costs about 1 x forward, not 2:
  the convention overstates the step by 2 x D x g_batch MACs, under 10 % at the paper sizes.)

The step time is that of the G supernet on the path (what a search runs; see ``bench_training.py``), minimum over
repeats. The peak is the best of timed square matmuls (``--matmul-size``; FLOPs = 2 n^3): bf16 on CUDA (the trainer
runs G and D under bf16 autocast there), float32 on the CPU, with the same timer and thread count as the step.

Example:
    python benchmarks/bench_flops.py --tiny
    python benchmarks/bench_flops.py --device cuda
    python benchmarks/bench_flops.py --device cpu            # paper sizes, 1 thread, ~1 minute
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness (and other scripts) beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_training  # noqa: E402
import harness  # noqa: E402

from pymoo_gan.metrics import count_macs  # noqa: E402


def step_macs(g_macs: int, d_macs: int, g_batch: int, d_batch: int, n_critic: int = 1) -> int:
    """Multiply-accumulates of one training step under the convention of the module docstring."""
    return g_macs * (n_critic * d_batch + 3 * g_batch) + d_macs * (6 * n_critic * d_batch + 3 * g_batch)


def network_macs(sizes: bench_training.Sizes, standalone, discriminator, device: torch.device) -> tuple[int, int]:
    """Per-image MACs of the standalone G and of D."""
    g = count_macs(standalone, torch.zeros(2, sizes.latent_dim, device=device))
    d = count_macs(discriminator, torch.zeros(2, sizes.out_channels, sizes.resolution, sizes.resolution,
                                              device=device))
    return g, d


def matmul_peak(device: torch.device, timer: harness.Timer, size: int, repeats: int = 5,
                inner: int | None = None) -> tuple[float, torch.dtype]:
    """Best FLOP/s of ``inner`` back-to-back ``size`` x ``size`` matmuls (bf16 on CUDA, float32 on the CPU)."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=g).to(device=device, dtype=dtype) for _ in range(2))
    c = torch.empty_like(a)
    inner = inner or (20 if device.type == "cuda" else 2)

    def run():
        for _ in range(inner):
            torch.mm(a, b, out=c)

    run()  # warm-up
    best = min(timer(run) for _ in range(repeats))
    return 2 * size**3 * inner / best, dtype


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, print the table, append the rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    p.add_argument("--steps", type=int, default=None,
                   help="training steps per timed sample (default: 1 on the CPU, 2 with --tiny, 20 on CUDA)")
    p.add_argument("--n-critic", type=int, default=1, help="D steps per G step (stage 1: 1)")
    p.add_argument("--matmul-size", type=int, default=None,
                   help="side of the square matmul (default: 8192 on CUDA, 2048 on the CPU, 256 with --tiny)")
    bench_training.add_size_args(p)
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    sizes = bench_training.sizes_from_args(args)
    steps = args.steps or (20 if device.type == "cuda" else 2 if args.tiny else 1)
    repeats = args.repeats or (3 if device.type == "cpu" and not args.tiny else 5)
    size = args.matmul_size or (256 if args.tiny else 8192 if device.type == "cuda" else 2048)

    arch = bench_training.generator_arch(sizes.macro(), args.arch_seed)
    supernet, standalone, discriminator = bench_training.build_models(sizes, arch, device)
    g_macs, d_macs = network_macs(sizes, standalone, discriminator, device)
    cfg = sizes.train_config(args.n_critic)
    flops = 2 * step_macs(g_macs, d_macs, sizes.g_batch, sizes.d_batch, cfg.n_critic)
    print(f"sizes: {sizes.describe()}, n_critic {cfg.n_critic}; G {g_macs / 1e9:.4g} GMAC/image, "
          f"D {d_macs / 1e9:.4g} GMAC/image -> {flops / 1e12:.4g} TFLOP per training step (2 FLOP/MAC, "
          f"backward = 2 x forward)")

    variants = {"supernet": (supernet, discriminator, arch)}
    step = bench_training.measure_steps(variants, cfg, bench_training.synthetic_images(sizes, device), timer,
                                        repeats=repeats, steps=steps)["supernet"]
    achieved = flops / step["seconds"]
    peak, dtype = matmul_peak(device, timer, size, repeats=repeats)
    dtype_name = str(dtype).removeprefix("torch.")
    print(f"training step {step['seconds'] * 1e3:.1f} ms (min of {repeats} x {steps} steps) -> "
          f"{achieved / 1e12:.4g} TFLOP/s; {dtype_name} matmul {size}^2 peak {peak / 1e12:.4g} TFLOP/s -> "
          f"{achieved / peak:.1%} of the measured peak")

    settings = (f"{sizes.describe()} n_critic {cfg.n_critic}; G {g_macs / 1e9:.4g} + D {d_macs / 1e9:.4g} "
                f"GMAC/image; {flops / 1e12:.4g} TFLOP/step; 2 FLOP/MAC, bwd = 2x fwd")
    batch = f"G{sizes.g_batch}/D{sizes.d_batch}"
    rows = [
        {"benchmark": "flops_train_step", "batch_size": batch, "seconds": step["seconds"],
         "images_per_s": step["images_per_s"], "value": achieved / 1e12, "unit": "TFLOP/s", "settings": settings},
        {"benchmark": f"flops_matmul_peak_{dtype_name}", "n_samples": size, "value": peak / 1e12,
         "unit": "TFLOP/s", "settings": f"{size}x{size} {dtype_name} matmul"},
        {"benchmark": "flops_fraction_of_peak", "batch_size": batch, "value": achieved / peak, "unit": "fraction",
         "settings": settings},
    ]
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "batch_size", "n_samples", "seconds", "value", "unit"],
                          "Achieved FLOP/s of a training step vs measured matmul peak")


if __name__ == "__main__":
    main()
