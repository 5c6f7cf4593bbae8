"""Training throughput of a supernet path versus the same architecture as a standalone module: the price of weight
sharing.

Both variants are trained by :class:`pymoo_gan.training.GANTrainer` with the same :class:`TrainConfig`, against
copies of the same discriminator, on the same (synthetic) real batches and latents: the supernet variant calls
``supernet(z, arch)`` on the full :class:`CellGeneratorSupernet` (its Adam holds every op of every edge), the
standalone one is ``extract(supernet, arch)``, i.e. the same weights in a :class:`CellGenerator` that holds only the
chosen ops. A step is ``n_critic`` discriminator steps and one generator step, exactly as in a search. The two are
timed interleaved (ABBA) over ``--repeats`` samples of ``--steps`` steps; the figure is the minimum over repeats (the
median is printed too). On CUDA the trainer runs as is (bf16 autocast, fused Adam).

``--networks d`` (in the default ``both``) measures stage 2 the same way: a path of the
:class:`CellDiscriminatorSupernet` (EAGAN's CIFAR-10 D genotype, through ``PathModule``) against
``extract_discriminator`` of it, each trained with its own copy of the standalone G, ``--d-n-critic`` 5.

``images_per_s`` counts the real training images drawn per second (``d_batch_size`` per discriminator step), so
``epochs/hour = images_per_s * 3600 / 50,000`` on CIFAR-10; the generator makes ``d_batch + g_batch`` images per step.

Defaults are EAGAN's CIFAR-10 sizes (latent 120, G 256 channels, bottom width 4 -> 32x32, the released ``best_G``
genotype, AutoGAN D with 128 channels) and the released code's batch sizes G 80 / D 40 (``TrainConfig``'s own
defaults are the paper's G 40 / D 80: pass ``--g-batch 40 --d-batch 80``).

Example:
    python benchmarks/bench_training.py --tiny                   # seconds on a CPU
    python benchmarks/bench_training.py --device cuda            # paper sizes
    python benchmarks/bench_training.py --device cpu             # paper sizes, 1 thread: ~12 s (G), ~23 s (D) per step
"""

from __future__ import annotations

import copy
import dataclasses
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

if str(Path(__file__).resolve().parent) not in sys.path:  # the shared harness (and other scripts) beside this one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

from pymoo_gan import registry  # noqa: E402
from pymoo_gan.metrics import count_params  # noqa: E402
from pymoo_gan.models import (  # noqa: E402
    CellDiscriminatorSupernet,
    CellGeneratorSupernet,
    PathModule,
    build_discriminator,
    extract,
    extract_discriminator,
)
from pymoo_gan.space import DiscriminatorMacro, EAGANGeneratorSpace, GeneratorMacro  # noqa: E402
from pymoo_gan.space.eagan import CellDiscriminatorArch, CellGeneratorArch  # noqa: E402
from pymoo_gan.space.presets import get_preset  # noqa: E402
from pymoo_gan.training import GANTrainer, TrainConfig  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Widths and batch sizes of one benchmark setting."""

    latent_dim: int
    g_channels: int
    bottom_width: int
    d_channels: int
    out_channels: int
    g_batch: int
    d_batch: int
    discriminator: str = "autogan"

    @property
    def resolution(self) -> int:
        return self.bottom_width * 8

    def macro(self) -> GeneratorMacro:
        return GeneratorMacro(latent_dim=self.latent_dim, channels=self.g_channels, bottom_width=self.bottom_width,
                              out_channels=self.out_channels)

    def train_config(self, n_critic: int = 1) -> TrainConfig:
        return TrainConfig(g_batch_size=self.g_batch, d_batch_size=self.d_batch, n_critic=n_critic)

    def describe(self) -> str:
        return (f"z{self.latent_dim} G{self.g_channels}ch {self.resolution}x{self.resolution}x{self.out_channels} "
                f"D-{self.discriminator}{self.d_channels}ch bs G{self.g_batch}/D{self.d_batch}")


#: EAGAN's CIFAR-10 sizes with the released code's batch sizes (G 80 / D 40)
PAPER = Sizes(latent_dim=120, g_channels=256, bottom_width=4, d_channels=128, out_channels=3, g_batch=80, d_batch=40)
#: the default digits problem (SearchConfig defaults): latent 24, G 32 ch, 16x16 grey, D 32 ch, batch 32
DIGITS = Sizes(latent_dim=24, g_channels=32, bottom_width=2, d_channels=32, out_channels=1, g_batch=32, d_batch=32)
#: seconds on a CPU
TINY = Sizes(latent_dim=12, g_channels=8, bottom_width=2, d_channels=8, out_channels=3, g_batch=8, d_batch=8)


def sizes_from_args(args) -> Sizes:
    """``--tiny`` or the paper sizes, with any of ``--latent-dim ... --d-batch`` overriding."""
    base = TINY if args.tiny else PAPER
    changes = {f.name: getattr(args, f.name) for f in dataclasses.fields(Sizes) if getattr(args, f.name, None)}
    return dataclasses.replace(base, **changes)


def add_size_args(p) -> None:
    for name, help_ in (("latent_dim", "latent size"), ("g_channels", "generator channels"),
                        ("bottom_width", "generator bottom width (resolution = 8x)"),
                        ("d_channels", "discriminator channels"), ("out_channels", "image channels"),
                        ("g_batch", "generator batch"), ("d_batch", "discriminator batch")):
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=None, help=help_)
    p.add_argument("--discriminator", choices=tuple(registry.DISCRIMINATORS), default=None,
                   help="fixed D (default autogan, as SearchConfig; EAGAN's released stage 1 uses simple)")
    p.add_argument("--arch-seed", type=int, default=None,
                   help="time a random architecture drawn with this seed (default: EAGAN's released best_G genotype)")


def generator_arch(macro: GeneratorMacro, seed: int | None = None) -> CellGeneratorArch:
    """EAGAN's released ``best_G`` genotype at ``macro``'s sizes, or a random architecture for ``seed``."""
    if seed is None:
        return dataclasses.replace(get_preset("eagan_g_cifar10").arch, macro=macro)
    space = EAGANGeneratorSpace(macro)
    return space.decode(space.sample(np.random.default_rng(seed)))


def build_models(sizes: Sizes, arch: CellGeneratorArch, device: torch.device, seed: int = 0):
    """``(supernet, standalone, discriminator)``: the standalone is ``extract(supernet, arch)`` (same weights)."""
    init = torch.Generator().manual_seed(seed)
    supernet = CellGeneratorSupernet(sizes.macro(), generator=init).to(device)
    standalone = extract(supernet, arch)
    discriminator = build_discriminator(sizes.discriminator, in_channels=sizes.out_channels,
                                        channels=sizes.d_channels, resolution=sizes.resolution,
                                        generator=init).to(device)
    return supernet, standalone, discriminator


def synthetic_images(sizes: Sizes, device: torch.device, n: int | None = None, seed: int = 0) -> torch.Tensor:
    """Uniform images in [-1, 1] of the training shape (the content does not change the timing)."""
    n = n or max(1024, 4 * sizes.d_batch)
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, sizes.out_channels, sizes.resolution, sizes.resolution, generator=g) * 2 - 1).to(device)


def step_function(generator: nn.Module, discriminator: nn.Module, cfg: TrainConfig, images: torch.Tensor,
                  steps: int, arch=None, seed: int = 0):
    """A function that takes ``steps`` training steps (``n_critic`` D steps + one G step each) with its own trainer
    and random stream; ``arch`` is passed to ``generator`` (a supernet) when given."""
    trainer = GANTrainer(generator, discriminator, cfg, latent_dim=generator.latent_dim)
    gen = torch.Generator(device=images.device).manual_seed(seed)
    sample = None if arch is None else (lambda: arch)
    return lambda: trainer.train(steps, images, gen, sample_arch=sample)


def summarise(times: list[float], steps: int, real_per_step: int) -> dict:
    """Seconds per step (min and median over repeats) and real images per second at the minimum."""
    best, median = min(times) / steps, statistics.median(times) / steps
    return {"seconds": best, "median_seconds": median, "images_per_s": real_per_step / best}


def measure_steps(variants: dict, cfg: TrainConfig, images: torch.Tensor, timer: harness.Timer, *,
                  repeats: int = 5, steps: int = 1, warmup: int = 1) -> dict:
    """Time training steps of each variant ``name -> (generator, discriminator, arch or None)``, interleaved.

    Every variant gets its own trainer and the same random stream (same batches and latents). Returns per name the
    :func:`summarise` figures plus the raw ``times`` (seconds per sample of ``steps`` steps)."""
    fns = {name: step_function(g, d, cfg, images, steps, arch) for name, (g, d, arch) in variants.items()}
    times = harness.interleaved(fns, timer, repeats, warmup=warmup)
    real = cfg.d_batch_size * cfg.n_critic
    return {name: {**summarise(t, steps, real), "times": t} for name, t in times.items()}


def overhead(result: dict, steps: int = 1) -> tuple[float, float]:
    """Weight-sharing overhead ``(min-based, median-based)`` of ``result['supernet']`` over ``['standalone']``;
    ``times`` lists may have been extended (pooled) since :func:`measure_steps`."""
    sup, std = result["supernet"]["times"], result["standalone"]["times"]
    return min(sup) / min(std) - 1, statistics.median(sup) / statistics.median(std) - 1


def generator_variants(supernet, standalone, arch, discriminator) -> dict:
    """Stage 1: the G supernet on ``arch`` vs its standalone copy, each against its own copy of the fixed D."""
    return {"supernet": (supernet, copy.deepcopy(discriminator), arch),
            "standalone": (standalone, copy.deepcopy(discriminator), None)}


def discriminator_arch(macro: DiscriminatorMacro) -> CellDiscriminatorArch:
    """EAGAN's released CIFAR-10 discriminator genotype at ``macro``'s sizes."""
    return dataclasses.replace(get_preset("eagan_d_cifar10").arch, macro=macro)


def discriminator_variants(sizes: Sizes, generator: nn.Module, device: torch.device, seed: int = 0) -> dict:
    """Stage 2: a path of the cell-D supernet (EAGAN's CIFAR-10 D genotype) vs its standalone copy, each trained
    with its own copy of ``generator`` (the best G)."""
    macro = DiscriminatorMacro(channels=sizes.d_channels, in_channels=sizes.out_channels,
                               resolution=sizes.resolution)
    arch = discriminator_arch(macro)
    supernet = CellDiscriminatorSupernet(macro, generator=torch.Generator().manual_seed(seed)).to(device)
    standalone = extract_discriminator(supernet, arch)
    return {"supernet": (copy.deepcopy(generator), PathModule(supernet, arch), None),
            "standalone": (copy.deepcopy(generator), standalone, None)}


def _report(label: str, result: dict) -> float:
    for name in ("supernet", "standalone"):
        r = result[name]
        print(f"{label} {name:>10}: {r['seconds'] * 1e3:9.1f} ms/step min, {r['median_seconds'] * 1e3:9.1f} ms "
              f"median, {r['images_per_s']:9.1f} real images/s")
    best, median = overhead(result)
    print(f"{label} weight-sharing overhead: {best:+.1%} (min over repeats), {median:+.1%} (medians)")
    return best


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, print the table, append the rows to ``--out`` and return them."""
    p = harness.parser(__doc__)
    p.add_argument("--steps", type=int, default=None,
                   help="training steps per timed sample (default: 1 on the CPU, 2 with --tiny, 20 on CUDA)")
    p.add_argument("--n-critic", type=int, default=1, help="D steps per G step of the G benchmark (stage 1: 1)")
    p.add_argument("--d-n-critic", type=int, default=5, help="D steps per G step of the D benchmark (stage 2: 5)")
    p.add_argument("--networks", choices=("g", "d", "both"), default="both",
                   help="g: G supernet path vs standalone (stage 1); d: cell-D supernet path vs standalone, "
                        "trained with the standalone best G (stage 2); both (default)")
    add_size_args(p)
    args = p.parse_args(argv)
    device, timer = harness.setup(args)
    load_before = harness.load_average()
    sizes = sizes_from_args(args)
    steps = args.steps or (20 if device.type == "cuda" else 2 if args.tiny else 1)
    repeats = args.repeats or (3 if device.type == "cpu" and not args.tiny else 5)
    images = synthetic_images(sizes, device)

    arch = generator_arch(sizes.macro(), args.arch_seed)
    supernet, standalone, discriminator = build_models(sizes, arch, device)
    print(f"sizes: {sizes.describe()}; G arch: {arch}")
    print(f"parameters: G supernet {count_params(supernet):,}, standalone {count_params(standalone):,}; "
          f"D {count_params(discriminator):,}; {repeats} repeats x {steps} steps, timer {timer}")
    batch = f"G{sizes.g_batch}/D{sizes.d_batch}"
    arch_name = "eagan_best_G" if args.arch_seed is None else f"random seed {args.arch_seed}"
    rows = []

    def add(prefix: str, result: dict, best: float, settings: str) -> None:
        rows.extend({"benchmark": f"{prefix}_{name}", "batch_size": batch, "seconds": result[name]["seconds"],
                     "images_per_s": result[name]["images_per_s"], "settings": settings}
                    for name in ("supernet", "standalone"))
        rows.append({"benchmark": f"{prefix}_weight_sharing_overhead", "batch_size": batch, "value": 100 * best,
                     "unit": "%", "settings": settings})

    if args.networks in ("g", "both"):
        cfg = sizes.train_config(args.n_critic)
        result = measure_steps(generator_variants(supernet, standalone, arch, discriminator), cfg, images, timer,
                               repeats=repeats, steps=steps)
        add("train", result, _report("G", result), f"{sizes.describe()} n_critic {cfg.n_critic} G {arch_name}")
    if args.networks in ("d", "both"):
        cfg = sizes.train_config(args.d_n_critic)
        result = measure_steps(discriminator_variants(sizes, standalone, device), cfg, images, timer,
                               repeats=repeats, steps=steps)
        add("train_d", result, _report("D", result),
            f"{sizes.describe().replace('autogan', 'cell')} n_critic {cfg.n_critic} D eagan_d_cifar10")
    return harness.finish(args, device, timer, load_before, rows,
                          ["benchmark", "batch_size", "seconds", "images_per_s", "value", "unit"],
                          "Training step: supernet path vs standalone (seconds per step, min over repeats)")


if __name__ == "__main__":
    main()
