"""Discriminators: fixed D factories and sizes, the cell-D supernet, extract (spectral-norm state included)."""

import dataclasses
import pickle

import numpy as np
import pytest
import torch

from pymoo_gan.models import (
    AutoGANDiscriminator,
    CellDiscriminator,
    CellDiscriminatorSupernet,
    SimpleDiscriminator,
    build_discriminator,
    extract,
    extract_discriminator,
)
from pymoo_gan.space import DiscriminatorMacro, EAGANDiscriminatorSpace

pytestmark = pytest.mark.usefixtures("single_thread")

MACRO = DiscriminatorMacro(channels=8, in_channels=1, resolution=16)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def close(a, b):
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def images(n=4, c=1, r=16, seed=1):
    return torch.randn(n, c, r, r, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def space():
    return EAGANDiscriminatorSpace(MACRO)


@pytest.fixture
def supernet():
    return CellDiscriminatorSupernet(MACRO, generator=torch.Generator().manual_seed(0))


def archs(space, n, seed=0):
    return [space.decode(g) for g in space.sample(np.random.default_rng(seed), n)]


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_supernet_equals_extracted(space, supernet, mode):
    for arch in archs(space, 25):
        supernet.train(mode == "train")
        net = extract_discriminator(supernet, arch)
        assert isinstance(net, CellDiscriminator) and net.arch == arch
        for step in range(3):  # train mode: every forward advances the spectral-norm vectors in both copies
            close(supernet(images(seed=step), arch), net(images(seed=step)))
        shared = supernet.state_dict()
        for k, v in net.state_dict().items():
            close(v, shared[k])


def test_extract_copies_spectral_norm_state(space, supernet):
    arch = archs(space, 1)[0]
    supernet.train()
    for s in range(3):
        supernet(images(seed=s), arch)  # move u, v away from their initial values
    net = extract(supernet, arch)
    u = net.stem.c1.weight_u
    assert torch.equal(u, supernet.stem.c1.weight_u) and u.data_ptr() != supernet.stem.c1.weight_u.data_ptr()
    net(images())  # the copy's power iteration does not touch the supernet
    assert not torch.equal(net.stem.c1.weight_u, supernet.stem.c1.weight_u)


def test_only_the_chosen_path_gets_gradients(space, supernet):
    for arch in archs(space, 10, seed=3):
        supernet.zero_grad(set_to_none=True)
        supernet(images(), arch).sum().backward()
        on_path = set(extract(supernet, arch).state_dict())
        for name, p in supernet.named_parameters():
            if name not in on_path:
                assert p.grad is None, name


def test_output_shapes(space, supernet):
    for arch in archs(space, 5):
        assert supernet(images(), arch).shape == (4, 1)
        assert CellDiscriminator(arch)(images()).shape == (4, 1)
    macro = DiscriminatorMacro(channels=8, in_channels=3, resolution=48)
    s = EAGANDiscriminatorSpace(macro)
    assert CellDiscriminatorSupernet(macro)(images(2, 3, 48), archs(s, 1)[0]).shape == (2, 1)


@pytest.mark.parametrize("name,cls", [("autogan", AutoGANDiscriminator), ("simple", SimpleDiscriminator)])
@pytest.mark.parametrize("in_channels,resolution", [(1, 16), (3, 32), (3, 48), (1, 28)])
def test_factory(name, cls, in_channels, resolution):
    d = build_discriminator(name, in_channels=in_channels, channels=16, resolution=resolution)
    assert isinstance(d, cls)
    assert d(images(2, in_channels, resolution)).shape == (2, 1)


def test_factory_rejects_unknown_names():
    with pytest.raises(ValueError, match="allowed: autogan, simple"):
        build_discriminator("stylegan")


def test_paper_sizes():
    assert n_params(build_discriminator("autogan")) == 1_053_824  # AutoGAN-D: 1.05M
    assert n_params(build_discriminator("simple")) == 921_920  # EAGAN simple D: 0.92M
    assert n_params(SimpleDiscriminator(spectral_norm=True)) == 921_920


def test_autogan_d_equals_its_cell_form():
    """The AutoGAN D and the EAGAN reference cell D compute the same function (same weights mapped over)."""
    from pymoo_gan.space.presets import get_preset

    macro = DiscriminatorMacro(channels=8, in_channels=1, resolution=16)
    cell_d = CellDiscriminator(dataclasses.replace(get_preset("autogan_d").arch, macro=macro)).eval()
    d = AutoGANDiscriminator(in_channels=1, channels=8, resolution=16).eval()
    assert n_params(d) == n_params(cell_d)
    src = cell_d.state_dict()
    mapping = {"blocks.0": "stem", "blocks.1.c1": "cells.0.edges.0.conv_3x3.conv",
               "blocks.1.c2": "cells.0.edges.2.conv_3x3.conv", "blocks.1.c_sc": "cells.0.edges.4.conv_1x1.conv",
               "blocks.2.c1": "cells.1.edges.0.conv_3x3.conv", "blocks.2.c2": "cells.1.edges.2.conv_3x3.conv",
               "blocks.3.c1": "cells.2.edges.0.conv_3x3.conv", "blocks.3.c2": "cells.2.edges.2.conv_3x3.conv",
               "fc": "fc"}
    new = {}
    for k in d.state_dict():
        prefix = max((p for p in mapping if k.startswith(p + ".")), key=len)
        new[k] = src[mapping[prefix] + k[len(prefix):]]
    d.load_state_dict(new)
    close(d(images()), cell_d(images()))


def test_pickles_and_generator_init(space):
    a = CellDiscriminatorSupernet(MACRO, generator=torch.Generator().manual_seed(3)).eval()
    b = CellDiscriminatorSupernet(MACRO, generator=torch.Generator().manual_seed(3)).eval()
    arch = archs(space, 1)[0]
    close(a(images(), arch), b(images(), arch))
    close(pickle.loads(pickle.dumps(a))(images(), arch), a(images(), arch))


def test_channels_last(space, supernet):
    arch = archs(space, 1, seed=4)[0]
    ref = supernet.eval()(images(), arch)
    cl = supernet.to(memory_format=torch.channels_last)
    close(cl(images().to(memory_format=torch.channels_last), arch), ref)


def test_errors(space, supernet):
    arch = archs(space, 1)[0]
    with pytest.raises(ValueError, match="macro"):
        supernet(images(), dataclasses.replace(arch, macro=DiscriminatorMacro()))
    with pytest.raises(TypeError):
        extract_discriminator(torch.nn.Linear(2, 2), arch)
    with pytest.raises(ValueError, match="resolution"):
        CellDiscriminatorSupernet(DiscriminatorMacro(channels=8, resolution=28))
    bad = dataclasses.replace(arch.cells[0], down=("avg_pool", "none"))
    with pytest.raises(ValueError, match="invalid discriminator arch"):
        CellDiscriminator(dataclasses.replace(arch, cells=(bad,) + arch.cells[1:]))
