"""AlphaGAN generators: the cell wiring, mixed ops, and the contracts relaxed(one-hot) == single-path supernet ==
extracted net (bit for bit, eval and train mode); random genotypes build and run at tiny widths; the cost path."""

import doctest

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pymoo_gan import registry
from pymoo_gan.metrics.cost import count_macs, count_params
from pymoo_gan.models import alphagan as alphagan_models
from pymoo_gan.models import extract
from pymoo_gan.models.alphagan import (
    AlphaGANGenerator,
    AlphaGANGeneratorSupernet,
    RelaxedAlphaGANGenerator,
    build_alphagan_generator,
)
from pymoo_gan.models.relaxed import ArchParameters, extract_relaxed, one_hot_weights
from pymoo_gan.nn import MixedOp
from pymoo_gan.nn.ops import build_normal_op, build_scale_up_op
from pymoo_gan.space.alphagan import NORMAL_OPS, UP_OPS, AlphaGANGeneratorSpace
from pymoo_gan.space.eagan import GeneratorMacro
from pymoo_gan.space.presets import get_preset

pytestmark = pytest.mark.usefixtures("single_thread")

MACRO = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _archs(macro=MACRO, n=6, seed=0):
    space = AlphaGANGeneratorSpace(macro)
    return [space.decode(g) for g in space.sample(np.random.default_rng(seed), n)]


def test_registry_entry():
    entry = registry.space("alphagan")
    assert entry.kind == "generator" and entry.space.obj is AlphaGANGeneratorSpace
    assert entry.supernet.obj is AlphaGANGeneratorSupernet and entry.relaxation.supernet.obj is RelaxedAlphaGANGenerator
    assert "alphagan" in registry.space_names("generator")
    assert registry.space_of(get_preset("alphagan_s").arch) is entry


@pytest.mark.parametrize("times", [1, 2])
def test_mixed_ops_with_one_hot_weights_equal_the_single_op(times):
    x = torch.randn(2, 8, 4, 4)
    up = MixedOp.scale_up(8, times)
    normal = MixedOp.normal(8, NORMAL_OPS)
    for op, options in ((up, UP_OPS), (normal, NORMAL_OPS)):
        op.train()
        for k, name in enumerate(options):
            w = torch.zeros(len(options))
            w[k] = 1.0
            assert torch.equal(op(x, w), op[name](x)), name
    # the mixed op's modules are the op tables' (same class, same parameter shapes)
    assert type(up["deconv"]) is type(build_scale_up_op("deconv", 8, times)) and up["deconv"].times == times
    assert [p.shape for p in normal["sep_conv_7x7"].parameters()] == \
        [p.shape for p in build_normal_op("sep_conv_7x7", 8).parameters()]


def test_cell_wiring_matches_the_released_network():
    """out = c1(c0(up0(x))) + c2(up1(x)) + sum_j skip_j(node0 of cell j); node0 = up0(x) is the skip-out; the skip
    from cell 0 into cell 2 up-samples x4 (deconv: one ConvTranspose applied twice)."""
    arch = get_preset("alphagan_s").arch
    arch = type(arch)(cells=arch.cells, macro=MACRO)
    net = build_alphagan_generator(arch, generator=_gen(0)).eval()
    z = torch.randn(3, 12)
    with torch.no_grad():
        h = net.l1(z).view(3, 8, 2, 2)
        node0s = []
        for block, cell in zip(net.cells, arch.cells, strict=True):
            n0, n1 = block.up[0][cell.up[0]](h), block.up[1][cell.up[1]](h)
            out = block.edges[1][cell.edges[1]](block.edges[0][cell.edges[0]](n0)) + block.edges[2][cell.edges[2]](n1)
            for j, op in enumerate(cell.skips):
                out = out + block.skip_in[j][op](node0s[j])
            node0s.append(n0)
            h = out
        expected = net.to_rgb(h)
        assert torch.equal(net(z), expected)
        deconv = net.cells[2].skip_in[0]["deconv"].deconv  # alphaGAN(s) cell 3 takes cell 1's node 0 by deconv x4
        s = node0s[0]
        assert torch.equal(net.cells[2].skip_in[0]["deconv"](s),
                           F.conv_transpose2d(F.conv_transpose2d(s, deconv.weight, deconv.bias, stride=2),
                                              deconv.weight, deconv.bias, stride=2))


@pytest.mark.parametrize("n_cells", [2, 3, 4])
def test_random_genotypes_build_and_run(n_cells):
    macro = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=3, n_cells=n_cells)
    z = torch.randn(2, 12)
    for arch in _archs(macro, n=4, seed=n_cells):
        net = build_alphagan_generator(arch, generator=_gen(1))
        y = net(z)
        assert y.shape == (2, 3, 2 << n_cells, 2 << n_cells) and y.abs().max() <= 1 and net.arch == arch
        y.mean().backward()
        assert all(p.grad is not None for p in net.parameters())


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_relaxed_one_hot_equals_single_path_supernet_and_extracted(mode):
    relaxed = RelaxedAlphaGANGenerator(MACRO, generator=_gen(0))
    supernet = AlphaGANGeneratorSupernet(MACRO, generator=_gen(0))
    sd_r, sd_s = relaxed.state_dict(), supernet.state_dict()
    assert list(sd_r) == list(sd_s) and all(torch.equal(sd_r[k], sd_s[k]) for k in sd_r)  # same names and init
    z = torch.randn(4, 12)
    for arch in _archs(n=8, seed=5):
        for net in (relaxed, supernet):
            getattr(net, mode)()
        with torch.no_grad():
            extracted = extract_relaxed(relaxed, arch)  # before the forwards: train mode moves BN statistics
            from_supernet = extract(supernet, arch)
            y_relaxed = relaxed(z, one_hot_weights(relaxed, arch))
            y_supernet = supernet(z, arch)
            assert torch.equal(y_relaxed, y_supernet), str(arch)
            assert torch.equal(extracted(z), y_relaxed) and torch.equal(from_supernet(z), y_supernet), str(arch)
        assert type(extracted) is AlphaGANGenerator and extracted.training == (mode == "train")


def test_soft_weights_reach_every_active_edge():
    relaxed = RelaxedAlphaGANGenerator(MACRO, generator=_gen(0))
    alphas = ArchParameters(relaxed.layout, generator=_gen(1))
    relaxed(torch.randn(4, 12), alphas.softmax()).square().mean().backward()
    grads = {k: p.grad for k, p in alphas.alphas.items()}
    assert grads["up"].abs().sum(-1).gt(0).all() and grads["normal"].abs().sum(-1).gt(0).all()
    active = torch.tensor([[False, False], [True, False], [True, True]])  # [c, j]: edge from cell j into cell c
    assert grads["skip"].abs().sum(-1).gt(0).eq(active).all()  # the padding rows get no gradient
    arch = alphas.derive()
    assert AlphaGANGeneratorSpace(MACRO).contains(AlphaGANGeneratorSpace(MACRO).encode(arch))


def test_cost_path_counts_the_presets():
    """params and MACs per sample through :mod:`pymoo_gan.metrics.cost` (the stride-4 deconv skip counts its layer
    once in params and twice in MACs). No MACs are published for alphaGAN; these are our counts."""
    macs = {"alphagan_l": 2_718_466_048, "alphagan_s": 744_914_944}
    for name, expected in macs.items():
        net = build_alphagan_generator(get_preset(name).arch, generator=_gen(0))
        assert count_params(net) == {"alphagan_l": 8_618_499, "alphagan_s": 2_952_707}[name]
        assert count_macs(net, torch.randn(1, 128)) == expected


def test_wrong_arch_types_and_sizes_are_refused():
    supernet = AlphaGANGeneratorSupernet(MACRO)
    with pytest.raises(TypeError, match="AlphaGANGeneratorArch"):
        supernet(torch.randn(2, 12), get_preset("eagan_g_cifar10").arch)
    with pytest.raises(ValueError, match="differs from the supernet"):
        supernet(torch.randn(2, 128), get_preset("alphagan_s").arch)
    with pytest.raises(ValueError, match=r"expected \(batch, 12\)"):
        supernet(torch.randn(2, 13), _archs(n=1)[0])
    with pytest.raises(TypeError, match="relaxed network"):
        extract_relaxed(supernet, _archs(n=1)[0])


def test_doctests():
    result = doctest.testmod(alphagan_models)
    assert result.attempted and not result.failed
