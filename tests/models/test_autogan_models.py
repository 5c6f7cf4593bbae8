"""AutoGAN generator supernet, standalone nets and extraction (CPU, tiny widths)."""

import numpy as np
import pytest
import torch
from torch import nn

from pymoo_gan.models import extract
from pymoo_gan.models.autogan import AutoGANGenerator, AutoGANGeneratorSupernet, build_autogan_generator
from pymoo_gan.space.autogan import AUTOGAN_A_GENOTYPE, PRESETS, AutoGANGeneratorSpace
from pymoo_gan.space.eagan import GeneratorMacro

TINY = GeneratorMacro(latent_dim=16, channels=8, bottom_width=2)
SPACE = AutoGANGeneratorSpace(TINY)


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _randomize_bn(net: nn.Module, seed: int = 0) -> None:
    """Non-trivial BN affine weights and running statistics, so eval-mode equality means something."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


@pytest.fixture(scope="module")
def supernet():
    net = AutoGANGeneratorSupernet(TINY, generator=torch.Generator().manual_seed(0))
    _randomize_bn(net)
    return net


def _expected_params(arch) -> int:
    """Parameters of a standalone net, counted by hand from the cell description."""
    m = arch.macro
    C = m.channels
    conv3, conv1, deconv = 9 * C**2 + C, C**2 + C, 4 * C**2 + C
    n = m.latent_dim * C * m.bottom_width**2 + C * m.bottom_width**2  # l1
    for c, cell in enumerate(arch.cells):
        up = cell.up == "deconv"
        n += 2 * conv3 + (2 * 2 * C if cell.norm == "batch" else 0) + (deconv if up else 0)
        n += (conv1 + (deconv if up else 0)) if cell.shortcut else 0
        n += sum(conv1 + ((c - j) * deconv if up else 0) for j in cell.skips)
    return n + 2 * C + 9 * C * m.out_channels + m.out_channels  # to_rgb: BN + conv3x3


@pytest.mark.parametrize("name, exact", [("autogan_a_cifar10", 4_405_251), ("autogan_a_stl10", 5_065_731)])
def test_preset_parameter_counts_at_paper_widths(name, exact):
    preset = PRESETS[name]
    with torch.device("meta"):
        net = build_autogan_generator(preset.arch)
    assert _n_params(net) == exact == _expected_params(preset.arch)
    assert abs(exact / 1e6 - preset.paper_params) <= 0.01


@pytest.mark.parametrize("train", [True, False])
def test_supernet_matches_extracted(supernet, train):
    supernet.train(train)
    z = torch.randn(6, TINY.latent_dim, generator=torch.Generator().manual_seed(1))
    archs = [SPACE.decode(g) for g in SPACE.sample(np.random.default_rng(int(train)), 40)]
    archs.append(SPACE.decode(AUTOGAN_A_GENOTYPE))
    with torch.no_grad():
        for arch in archs:
            sub = extract(supernet, arch)
            assert sub.training == train and sub.arch == arch and sub.latent_dim == TINY.latent_dim
            x = supernet(z, arch)
            assert x.shape == (6, TINY.out_channels, TINY.resolution, TINY.resolution)
            assert torch.isfinite(x).all() and x.abs().max() <= 1
            torch.testing.assert_close(sub(z), x, rtol=0, atol=1e-6, msg=str(arch))
    supernet.eval()


def test_forward_touches_exactly_the_chosen_path(supernet):
    z = torch.randn(4, TINY.latent_dim)
    for g in SPACE.sample(np.random.default_rng(7), 10):
        arch = SPACE.decode(g)
        supernet.zero_grad(set_to_none=True)
        supernet.train()(z, arch).square().mean().backward()
        used = {k for k, p in supernet.named_parameters() if p.grad is not None}
        sub = extract(supernet, arch)
        assert used == {k for k, _ in sub.named_parameters()}, str(arch)
        assert _n_params(sub) == _expected_params(arch) == _n_params(build_autogan_generator(arch))
    supernet.zero_grad(set_to_none=True)
    supernet.eval()


def test_extracted_copies_are_independent(supernet):
    arch = SPACE.decode(SPACE.sample(np.random.default_rng(3)))
    z = torch.randn(3, TINY.latent_dim)
    with torch.no_grad():
        ref = supernet(z, arch).clone()
        a, b = extract(supernet, arch), extract(supernet, arch)
        for p in a.parameters():
            p.add_(1.0)
        for buf in a.buffers():
            buf.add_(1)
        torch.testing.assert_close(supernet(z, arch), ref, rtol=0, atol=0)
        torch.testing.assert_close(b(z), ref, rtol=0, atol=1e-6)
    supernet_ptrs = {t.data_ptr() for t in supernet.state_dict().values()}
    assert not supernet_ptrs & {t.data_ptr() for t in b.state_dict().values()}


def test_extract_keeps_dtype_and_leaves_global_rng_alone():
    net = AutoGANGeneratorSupernet(TINY).double()
    arch = SPACE.decode(SPACE.sample(np.random.default_rng(4)))
    state = torch.random.get_rng_state()
    sub = extract(net, arch)
    assert torch.equal(state, torch.random.get_rng_state())
    assert all(p.dtype == torch.float64 and p.device.type == "cpu" for p in sub.parameters())
    z = torch.randn(2, TINY.latent_dim, dtype=torch.float64)
    torch.testing.assert_close(sub(z), net(z, arch))


def test_released_skip_out_variant():
    arch = SPACE.decode(AUTOGAN_A_GENOTYPE)  # cell 1 takes a skip from cell 0 and hands its skip-out to cell 2
    paper = AutoGANGeneratorSupernet(TINY).eval()
    code = AutoGANGeneratorSupernet(TINY, skip_out_includes_skip_in=True).eval()
    code.load_state_dict(paper.state_dict())
    z = torch.randn(4, TINY.latent_dim)
    with torch.no_grad():
        assert not torch.allclose(paper(z, arch), code(z, arch))
        sub = extract(code, arch)
        assert sub.skip_out_includes_skip_in
        torch.testing.assert_close(sub(z), code(z, arch), rtol=0, atol=1e-6)


def test_init_is_xavier_and_seeded():
    a = AutoGANGeneratorSupernet(TINY, generator=torch.Generator().manual_seed(5))
    b = AutoGANGeneratorSupernet(TINY, generator=torch.Generator().manual_seed(5))
    for (k, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(x, y), k
    w = a.cells[0].conv1["pre"].conv.weight
    bound = (6 / (2 * 9 * TINY.channels)) ** 0.5
    assert w.abs().max() <= bound and w.abs().max() > 0.5 * bound
    assert torch.all(a.cells[0].conv1["pre"].conv.bias == 0)


def test_arch_for_other_sizes_is_rejected(supernet):
    with pytest.raises(ValueError, match="decoded for"):
        supernet(torch.randn(2, TINY.latent_dim), PRESETS["autogan_a_cifar10"].arch)
    with pytest.raises(ValueError, match="decoded for"):
        extract(supernet, PRESETS["autogan_a_cifar10"].arch)


def test_standalone_surface():
    arch = SPACE.decode(AUTOGAN_A_GENOTYPE)
    net = build_autogan_generator(arch, generator=torch.Generator().manual_seed(0))
    assert isinstance(net, AutoGANGenerator) and net.arch == arch and net.latent_dim == 16
    x = net.eval()(torch.randn(2, 16))
    assert x.shape == (2, 3, 16, 16) and x.abs().max() <= 1
