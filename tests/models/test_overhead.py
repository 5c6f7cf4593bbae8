"""Training-step overhead of a supernet path against its standalone copy (the project allows at most 10 %).

Measured as process CPU time with one intra-op thread, so the number is not swayed by other processes on a shared
machine; the printed line (``pytest -s``) gives the medians.
"""

import statistics
import time

import numpy as np
import pytest
import torch

from pymoo_gan.models import CellDiscriminatorSupernet, CellGeneratorSupernet, extract
from pymoo_gan.space import DiscriminatorMacro, EAGANDiscriminatorSpace, EAGANGeneratorSpace, GeneratorMacro

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("single_thread")]


def _stepper(model, forward, x):
    """A function that runs one training step and returns its CPU time."""
    opt = torch.optim.Adam(model.parameters(), 2e-4, betas=(0.0, 0.9))

    def step():
        t = time.process_time()
        opt.zero_grad(set_to_none=True)
        forward(x).square().mean().backward()
        opt.step()
        return time.process_time() - t

    return step


def _overhead(supernet, space, x, n_archs=3, reps=10):
    rows = []
    for g in space.sample(np.random.default_rng(0), n_archs):
        arch = space.decode(g)
        net = extract(supernet, arch)
        s = _stepper(supernet, lambda v, a=arch: supernet(v, a), x)
        n = _stepper(net, net, x)
        for _ in range(2):
            s(), n()
        ts, tn = [], []
        for _ in range(reps):  # interleaved, so slow drifts hit both alike
            ts.append(s())
            tn.append(n())
        rows.append((statistics.median(ts), statistics.median(tn)))
    sup, std = sum(r[0] for r in rows), sum(r[1] for r in rows)
    return sup / std - 1.0, sup / n_archs, std / n_archs


def test_generator_step_overhead():
    macro = GeneratorMacro(latent_dim=48, channels=32, bottom_width=4, out_channels=3)
    gen = torch.Generator().manual_seed(0)
    overhead, sup, std = _overhead(CellGeneratorSupernet(macro, generator=gen), EAGANGeneratorSpace(macro),
                                   torch.randn(16, 48, generator=gen))
    print(f"\nG step (ch 32, 32x32, batch 16): supernet {sup * 1e3:.1f} ms, standalone {std * 1e3:.1f} ms, "
          f"overhead {overhead:+.1%}")
    assert overhead < 0.10


def test_discriminator_step_overhead():
    macro = DiscriminatorMacro(channels=32, in_channels=3, resolution=32)
    gen = torch.Generator().manual_seed(0)
    overhead, sup, std = _overhead(CellDiscriminatorSupernet(macro, generator=gen), EAGANDiscriminatorSpace(macro),
                                   torch.randn(16, 3, 32, 32, generator=gen))
    print(f"\nD step (ch 32, 32x32, batch 16): supernet {sup * 1e3:.1f} ms, standalone {std * 1e3:.1f} ms, "
          f"overhead {overhead:+.1%}")
    assert overhead < 0.10
