"""Candidate ops: every name of the space builds, shapes, errors, initialisation."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from pymoo_gan.nn import (
    DOWN_OP_TABLE,
    NORMAL_OP_TABLE,
    UP_OP_TABLE,
    DownCellBlock,
    UpCellBlock,
    build_down_op,
    build_normal_op,
    build_up_op,
)
from pymoo_gan.nn.ops import SCALE_UP_OP_TABLE, SepConv, build_scale_up_op, init_weights_, rng_scope
from pymoo_gan.space import alphagan
from pymoo_gan.space.eagan import DOWN_OPS, NORMAL_OPS, UP_OPS

pytestmark = pytest.mark.usefixtures("single_thread")

C = 8


def test_tables_cover_the_space_names():
    assert set(NORMAL_OP_TABLE) == (set(NORMAL_OPS) | set(alphagan.NORMAL_OPS)) - {"none"}
    assert set(UP_OP_TABLE) == set(UP_OPS)
    assert set(SCALE_UP_OP_TABLE) == set(alphagan.UP_OPS)
    assert set(DOWN_OP_TABLE) == set(DOWN_OPS) - {"none"}


@pytest.mark.parametrize("name", NORMAL_OPS)
@pytest.mark.parametrize("sn", [False, True])
def test_normal_ops(name, sn):
    op = build_normal_op(name, C, sn=sn)
    if name == "none":
        assert op is None
        return
    x = torch.randn(2, C, 6, 6)
    assert op(x).shape == x.shape
    if name == "skip":
        assert op(x) is x
    else:
        assert hasattr(op.conv, "weight_orig") == sn


def test_no_activation_option():
    op = build_normal_op("conv_1x1", C, act=False)
    x = -torch.rand(2, C, 3, 3)  # all negative: a ReLU first would zero the input
    torch.testing.assert_close(op(x), op.conv(x))
    assert not torch.allclose(build_normal_op("conv_1x1", C)(x), op.conv(x))


@pytest.mark.parametrize("name", UP_OPS)
def test_up_ops(name):
    assert build_up_op(name, C)(torch.randn(2, C, 3, 5)).shape == (2, C, 6, 10)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_interpolating_up_ops_interpolate_then_relu_then_conv(mode):
    """Released AdversarialNAS/EAGAN order: interpolate x2 -> ReLU -> Conv1x1, on the op's own weights."""
    op = build_up_op(mode, C)
    x = torch.randn(2, C, 3, 5, generator=torch.Generator().manual_seed(0))  # half the values negative
    w, b = op.conv.weight, op.conv.bias
    expected = F.conv2d(F.relu(F.interpolate(x, scale_factor=2, mode=mode)), w, b)
    torch.testing.assert_close(op(x), expected, rtol=0, atol=1e-6)
    relu_first = F.conv2d(F.interpolate(F.relu(x), scale_factor=2, mode=mode), w, b)
    if mode == "bilinear":  # ReLU and bilinear interpolation do not commute: the old order is another function
        assert (op(x) - relu_first).abs().max() > 1e-2
    else:  # nearest copies pixels, so the order does not matter
        torch.testing.assert_close(op(x), relu_first, rtol=0, atol=1e-6)


def test_deconv_is_relu_then_depthwise_convT_then_conv1x1():
    op = build_up_op("deconv", C)
    x = torch.randn(2, C, 3, 5, generator=torch.Generator().manual_seed(1))
    expected = F.conv2d(F.conv_transpose2d(F.relu(x), op.deconv.weight, stride=2, padding=1, output_padding=1,
                                           groups=C), op.conv.weight)
    torch.testing.assert_close(op(x), expected, rtol=0, atol=1e-6)


def test_deconv_is_depthwise_without_bias():
    op = build_up_op("deconv", C)
    assert op.deconv.groups == C and op.deconv.bias is None and op.conv.bias is None
    assert sum(p.numel() for p in op.parameters()) == C * 9 + C * C


@pytest.mark.parametrize("name", DOWN_OPS)
def test_down_ops(name):
    op = build_down_op(name, C)
    if name == "none":
        assert op is None
        return
    assert op(torch.randn(2, C, 8, 8)).shape == (2, C, 4, 4)


@pytest.mark.parametrize("build", [build_normal_op, build_up_op, build_down_op])
def test_unknown_name_lists_allowed(build):
    with pytest.raises(ValueError, match="allowed: .*conv_3x3|allowed: .*bilinear"):
        build("sep_conv_9x9", C)


def test_cell_blocks_hold_every_candidate():
    up = UpCellBlock.supernet(C, n_skip_in=2)
    assert [sorted(d) for d in up.up] == [sorted(UP_OPS)] * 2
    assert [sorted(d) for d in up.edges] == [sorted(set(NORMAL_OPS) - {"none"})] * 5
    assert len(up.skip_in) == 2
    down = DownCellBlock.supernet(C)
    assert [sorted(d) for d in down.down] == [sorted(set(DOWN_OPS) - {"none"})] * 2
    assert not down.edges[4]["conv_3x3"].act and down.edges[0]["conv_3x3"].act  # c4 is the shortcut: no ReLU


def test_init_is_deterministic_with_a_generator_and_leaves_global_state():
    def make(seed):
        with rng_scope(torch.Generator().manual_seed(seed)):
            m = nn.Sequential(build_normal_op("conv_3x3", C, sn=True), nn.BatchNorm2d(C), nn.Linear(C, 3))
        init_weights_(m, torch.Generator().manual_seed(seed))
        return m

    state = torch.random.get_rng_state()
    a, b, c = make(1), make(1), make(2)
    assert torch.equal(state, torch.random.get_rng_state())
    sa, sb, sc = (m.state_dict() for m in (a, b, c))
    for (k, va), vb, vc in zip(sa.items(), sb.values(), sc.values(), strict=True):
        assert torch.equal(va, vb), k
        if va.is_floating_point() and va.numel() > 1 and "running" not in k and k != "1.bias":
            assert not torch.equal(va, vc), k


def test_spectral_norm_is_warmed_up():
    op = build_normal_op("conv_3x3", 16, sn=True)
    init_weights_(op, torch.Generator().manual_seed(0))
    w = op.conv.weight_orig.reshape(16, -1)
    sigma = torch.dot(op.conv.weight_u, w @ op.conv.weight_v)
    torch.testing.assert_close(sigma, torch.linalg.matrix_norm(w, ord=2), rtol=0.05, atol=0.0)


@pytest.mark.parametrize("k", [3, 5, 7])
def test_sep_conv_is_the_darts_sep_conv(k):
    op = build_normal_op(f"sep_conv_{k}x{k}", C)
    assert isinstance(op, SepConv)
    # twice: depthwise kxk + pointwise 1x1 without bias, BN with affine weights (AlphaGAN's derived network)
    assert sum(p.numel() for p in op.parameters()) == 2 * (C * k * k + C * C + 2 * C)
    assert [m.groups for m in (op.dw1, op.pw1, op.dw2, op.pw2)] == [C, 1, C, 1]
    x = torch.randn(2, C, 6, 6)
    op.eval()
    ref = op.bn2(F.conv2d(F.conv2d(F.relu(op.bn1(F.conv2d(F.conv2d(F.relu(x), op.dw1.weight, padding=k // 2, groups=C),
                                                           op.pw1.weight))),
                                   op.dw2.weight, padding=k // 2, groups=C), op.pw2.weight))
    assert torch.allclose(op(x), ref, atol=1e-6)


@pytest.mark.parametrize("times", [1, 2])
def test_scale_up_ops(times):
    x = torch.randn(2, C, 3, 3)
    size = 3 * 2**times
    deconv = build_scale_up_op("deconv", C, times)
    assert sum(p.numel() for p in deconv.parameters()) == C * C * 4 + C  # one ConvTranspose2x2, reused `times` times
    y = x
    for _ in range(times):
        y = F.conv_transpose2d(y, deconv.deconv.weight, deconv.deconv.bias, stride=2)
    assert torch.equal(deconv(x), y) and y.shape == (2, C, size, size)
    for mode in ("nearest", "bilinear"):
        op = build_scale_up_op(mode, C, times)
        assert not list(op.parameters())
        y = x
        for _ in range(times):
            y = F.interpolate(y, scale_factor=2, mode=mode)
        assert torch.equal(op(x), y)
    with pytest.raises(ValueError, match="allowed: deconv, nearest, bilinear"):
        build_scale_up_op("conv", C)
