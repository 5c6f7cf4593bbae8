"""Weight sharing costs at most 10 % of a training step: a supernet path against its standalone copy
(``extract``, same weights), at the default digits problem's widths (latent 24, G 32 channels, 16x16 grey, D 32
channels, batch 32), measured with ``benchmarks/bench_training.py``'s own functions.

Robust on a shared 2-core machine: one intra-op thread, process CPU time (not elapsed time), the two variants
interleaved (ABBA); the overhead is the smaller of the min-based and the median-based estimate (the minimum of a few
repeats alone is noisy: a run measured +10.1 % on minima with medians at +0.6 %, while a real regression moves both);
when the first estimate is above the limit, more repeats are pooled (at most three rounds), so a burst of contention
does not fail the test while a real regression still does. The
negative control shows the test can fail: a supernet that runs every op of every edge (as a DARTS-style mixed op
would) costs about three times the standalone step.
"""

import pytest
import torch
from benchmark_scripts import load_benchmark
from torch import nn

bt = load_benchmark("bench_training")
harness = load_benchmark("harness")

pytestmark = pytest.mark.usefixtures("single_thread")

LIMIT = 0.10
CPU = torch.device("cpu")


def _overhead(result) -> float:
    return min(bt.overhead(result))


def _pooled(variants, cfg, images, *, repeats=6, rounds=3):
    """Measure; while the min-based overhead is above the limit, pool another set of interleaved repeats."""
    timer = harness.Timer("process", CPU)
    result = bt.measure_steps(variants, cfg, images, timer, repeats=repeats)
    for _ in range(rounds - 1):
        if _overhead(result) <= LIMIT:
            break
        more = bt.measure_steps(variants, cfg, images, timer, repeats=repeats)
        for name in result:
            result[name]["times"] += more[name]["times"]
    return result


def _line(what, result):
    best, median = bt.overhead(result)
    sup, std = (min(result[k]["times"]) * 1e3 for k in ("supernet", "standalone"))
    return (f"\n{what}: supernet {sup:.1f} ms, standalone {std:.1f} ms per step (min of "
            f"{len(result['supernet']['times'])}), overhead {best:+.1%} (medians {median:+.1%})")


@pytest.mark.parametrize("arch_seed", [None, 3], ids=["eagan_best_G", "random_arch"])
def test_generator_weight_sharing_overhead(arch_seed):
    sizes = bt.DIGITS
    arch = bt.generator_arch(sizes.macro(), arch_seed)
    supernet, standalone, discriminator = bt.build_models(sizes, arch, CPU)
    result = _pooled(bt.generator_variants(supernet, standalone, arch, discriminator), sizes.train_config(),
                     bt.synthetic_images(sizes, CPU))
    print(_line(f"G step ({sizes.describe()})", result))
    assert _overhead(result) <= LIMIT


def test_discriminator_weight_sharing_overhead():
    sizes = bt.DIGITS
    _, standalone, _ = bt.build_models(sizes, bt.generator_arch(sizes.macro()), CPU)
    result = _pooled(bt.discriminator_variants(sizes, standalone, CPU), sizes.train_config(),
                     bt.synthetic_images(sizes, CPU))
    print(_line(f"cell-D step ({sizes.describe()})", result))
    assert _overhead(result) <= LIMIT


class _AllOps(nn.Module):
    """A mixed edge that runs every candidate op and returns the chosen one (plus zero times the others, so they
    get gradients too): what a supernet that ignored the path would cost."""

    def __init__(self, ops: nn.ModuleDict):
        super().__init__()
        self.ops = ops

    def __getitem__(self, name):
        def run(x):
            outs = {key: op(x) for key, op in self.ops.items()}
            return outs[name] + 0 * sum(out for key, out in outs.items() if key != name)

        return run


def test_overhead_check_fails_for_a_supernet_running_every_op():
    sizes = bt.DIGITS
    arch = bt.generator_arch(sizes.macro())
    supernet, standalone, discriminator = bt.build_models(sizes, arch, CPU)
    for block in supernet.cells:
        block.up = nn.ModuleList(_AllOps(ops) for ops in block.up)
        block.edges = nn.ModuleList(_AllOps(ops) for ops in block.edges)
    timer = harness.Timer("process", CPU)
    result = bt.measure_steps(bt.generator_variants(supernet, standalone, arch, discriminator),
                              sizes.train_config(), bt.synthetic_images(sizes, CPU), timer, repeats=2)
    print(_line("all-ops G step", result))
    assert _overhead(result) > LIMIT
