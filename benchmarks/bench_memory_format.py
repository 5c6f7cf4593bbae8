"""Training step time with NCHW against channels_last (NHWC) tensors: what ``TrainConfig.channels_last`` buys.

``channels_last=None`` (the default) uses NHWC on CUDA only. This measures the layouts side by side on one device:
the G supernet on a path and its standalone copy (``extract``), each trained by :class:`GANTrainer` against its own
copy of the fixed D, once per layout, all four timed interleaved (ABBA) on the same batches and latents. A row per
variant and layout (seconds per step, minimum over repeats) and the speed-up of channels_last per variant
(NCHW time / channels_last time; above 1: channels_last is faster).

Default sizes: the default digits problem (latent 24, G 32 channels, 16x16 grey, AutoGAN D 32 channels, batches
32/32), the search the demo runs on a CPU; ``--paper`` for EAGAN's CIFAR-10 sizes; the size options of
``bench_training.py`` change either.

Example:
    python benchmarks/bench_memory_format.py --tiny
    python benchmarks/bench_memory_format.py --device cpu --threads 2 --timer wall   # a quiet machine
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness and bench_training beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_training  # noqa: E402
import harness  # noqa: E402

LAYOUTS = {"nchw": False, "channels_last": True}


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, print the table, append the rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    p.add_argument("--paper", action="store_true", help="EAGAN's CIFAR-10 sizes instead of the digits problem's")
    p.add_argument("--steps", type=int, default=None, help="training steps per timed sample (default 2; 20 on CUDA)")
    bench_training.add_size_args(p)
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    base = bench_training.TINY if args.tiny else bench_training.PAPER if args.paper else bench_training.DIGITS
    changes = {f.name: getattr(args, f.name) for f in dataclasses.fields(base) if getattr(args, f.name, None)}
    sizes = dataclasses.replace(base, **changes)
    steps = args.steps or (20 if device.type == "cuda" else 2)
    repeats = args.repeats or 5
    images = bench_training.synthetic_images(sizes, device)
    arch = bench_training.generator_arch(sizes.macro(), args.arch_seed)
    supernet, standalone, discriminator = bench_training.build_models(sizes, arch, device)
    print(f"sizes: {sizes.describe()}; G arch: {arch}; {repeats} repeats x {steps} steps, timer {timer}")

    fns = {}
    for layout, nhwc in LAYOUTS.items():  # every variant its own copies: the trainer converts modules in place
        cfg = dataclasses.replace(sizes.train_config(), channels_last=nhwc)
        for name, (g, a) in {"supernet": (supernet, arch), "standalone": (standalone, None)}.items():
            fns[f"{name}_{layout}"] = bench_training.step_function(copy.deepcopy(g), copy.deepcopy(discriminator),
                                                                   cfg, images, steps, a)
    times = harness.interleaved(fns, timer, repeats)
    batch = f"G{sizes.g_batch}/D{sizes.d_batch}"
    settings = f"{sizes.describe()} n_critic 1"
    rows = []
    for name in ("supernet", "standalone"):
        best = {layout: min(times[f"{name}_{layout}"]) / steps for layout in LAYOUTS}
        rows.extend({"benchmark": f"layout_{name}_{layout}", "batch_size": batch, "seconds": best[layout],
                     "images_per_s": sizes.d_batch / best[layout], "settings": settings} for layout in LAYOUTS)
        rows.append({"benchmark": f"layout_{name}_channels_last_speedup", "batch_size": batch,
                     "value": best["nchw"] / best["channels_last"], "unit": "x", "settings": settings})
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "batch_size", "seconds", "images_per_s", "value", "unit"],
                          "Training step: NCHW vs channels_last (seconds per step, min over repeats)")


if __name__ == "__main__":
    main()
