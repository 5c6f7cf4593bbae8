"""The coarse-to-fine supernet: sliced sub-networks equal their extracted compact networks, in output and in MACs."""

import itertools
import pickle

import numpy as np
import pytest
import torch

from pymoo_gan.metrics.cost import count_macs, count_params
from pymoo_gan.models.c2f import C2FSupernet, build_c2f, extract_c2f
from pymoo_gan.models.path import PathModule
from pymoo_gan.nn.sliced import SlicedConv2d
from pymoo_gan.space.c2f import OPS, C2FArch, C2FBlock, C2FMacro, C2FSpace

pytestmark = pytest.mark.usefixtures("single_thread")


def supernet_of(macro, seed=0):
    return C2FSupernet(macro, generator=torch.Generator().manual_seed(seed))


def inputs(macro, n=2, size=6, seed=1):
    return torch.rand(n, macro.in_channels, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_sliced_equals_extracted_for_every_op_and_width(scale):
    macro = C2FMacro(in_channels=1, out_channels=3, channels=8, n_blocks=2, scale=scale, ops=OPS)
    supernet, x = supernet_of(macro), inputs(macro)
    space = C2FSpace(macro)
    archs = [C2FArch((C2FBlock(op, w), C2FBlock(OPS[-1 - k % len(OPS)], macro.widths[-1 - j])), macro)
             for k, (op, (j, w)) in enumerate(itertools.product(OPS, enumerate(macro.widths)))]
    archs += [space.decode(g) for g in space.sample(np.random.default_rng(scale), 6)]
    for mode in ("eval", "train"):  # no batch statistics: both modes compute the same
        getattr(supernet, mode)()
        for arch in archs:
            net = extract_c2f(supernet, arch)
            y = supernet(x, arch)
            assert y.shape == (2, 3, 6 * scale, 6 * scale) and net.training == supernet.training
            assert torch.equal(net(x), y), str(arch)
            assert count_macs(PathModule(supernet, arch), x) == count_macs(net, x), str(arch)
    # weights are copies: training the compact net leaves the supernet as it was
    with torch.no_grad():
        next(net.parameters()).add_(1.0)
    assert torch.equal(extract_c2f(supernet, arch)(x), supernet(x, arch))


def test_macs_and_params_by_hand():
    macro = C2FMacro(in_channels=1, out_channels=1, channels=4, n_blocks=3, scale=2, ops=("conv3x3", "dwsep3x3"),
                     widths=(0.25, 0.5, 1.0))
    arch = C2FArch((C2FBlock("conv3x3", 0.5), None, C2FBlock("dwsep3x3", 0.25)), macro)
    x = torch.zeros(1, 1, 4, 4)  # 16 positions in the trunk, 64 after x2
    head = 16 * 4 * 1 * 9
    block0 = 16 * 2 * 4 * 9 + 16 * 4 * 2 * 9  # conv3x3, inner 2: 4 -> 2 -> 4
    block2 = 16 * 4 * 1 * 9 + 16 * 1 * 4 + 16 * 1 * 1 * 9 + 16 * 4 * 1  # dw 4, pw 4->1, dw 1, pw 1->4
    up = 16 * 16 * 4 * 9
    tail = 64 * 1 * 4 * 9
    hand = head + block0 + block2 + up + tail
    assert hand == 15248
    supernet = supernet_of(macro)
    assert count_macs(PathModule(supernet, arch), x) == count_macs(extract_c2f(supernet, arch), x) == hand
    params = (4 * 9 + 4) + (2 * 4 * 9 + 2 + 4 * 2 * 9 + 4) + (4 * 9 + 1 * 4 + 1 + 1 * 9 + 4 * 1 + 4) \
        + (16 * 4 * 9 + 16) + (4 * 9 + 1)
    assert count_params(build_c2f(arch)) == count_params(extract_c2f(supernet, arch)) == params == 877


def test_gradients_reach_exactly_the_sliced_weights():
    macro = C2FMacro(channels=8, n_blocks=2, ops=("conv3x3", "dwsep3x3"), widths=(0.25, 0.5, 1.0))
    supernet = supernet_of(macro)
    arch = C2FArch((C2FBlock("dwsep3x3", 0.25), None), macro)
    supernet(inputs(macro), arch).square().mean().backward()
    grads = {name: p.grad for name, p in supernet.named_parameters()}
    assert all(g is None for n, g in grads.items() if n.startswith(("blocks.1.", "blocks.0.conv3x3.")))
    first, second_dw = grads["blocks.0.dwsep3x3.first.weight"], grads["blocks.0.dwsep3x3.second_dw.weight"]
    assert first[:2].abs().sum() > 0 and not first[2:].any()  # inner width 2 of 8
    assert second_dw[:2].abs().sum() > 0 and not second_dw[2:].any()
    assert not grads["blocks.0.dwsep3x3.second.weight"][:, 2:].any()


def test_same_seed_same_output_and_pickle():
    macro = C2FMacro(channels=8, n_blocks=2)
    arch = C2FSpace(macro).decode([0, 1, 2, 0, 2, 1])
    x = inputs(macro)
    a, b = supernet_of(macro, 5), supernet_of(macro, 5)
    assert torch.equal(a(x, arch), b(x, arch)) and not torch.equal(a(x, arch), supernet_of(macro, 6)(x, arch))
    net = extract_c2f(a, arch).eval()
    assert torch.equal(pickle.loads(pickle.dumps(net))(x), net(x))


def test_bad_input():
    macro = C2FMacro(channels=8, n_blocks=2)
    supernet = supernet_of(macro)
    arch = C2FSpace(macro).decode([0] * 6)
    with pytest.raises(ValueError, match=r"input has shape \(2, 3, 6, 6\); expected \(batch, 1, H, W\)"):
        supernet(torch.zeros(2, 3, 6, 6), arch)
    other = C2FSpace(C2FMacro(channels=16, n_blocks=2)).decode([0] * 6)
    with pytest.raises(ValueError, match="differs from the supernet's"):
        supernet(torch.zeros(2, 1, 6, 6), other)
    with pytest.raises(TypeError, match="expected a C2FArch"):
        extract_c2f(supernet, "conv3x3")
    with pytest.raises(ValueError, match="do not fit a 4 -> 8 conv"):
        SlicedConv2d(4, 8, 3)(torch.zeros(1, 5, 4, 4))
