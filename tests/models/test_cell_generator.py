"""Cell generator: the supernet runs exactly one path; extract copies it; standalone nets and their sizes."""

import copy
import dataclasses
import pickle

import numpy as np
import pytest
import torch

from pymoo_gan.models import CellGenerator, CellGeneratorSupernet, build_generator, extract
from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro

pytestmark = pytest.mark.usefixtures("single_thread")

MACRO = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)


def close(a, b):
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


@pytest.fixture(scope="module")
def space():
    return EAGANGeneratorSpace(MACRO)


@pytest.fixture
def supernet():
    return CellGeneratorSupernet(MACRO, generator=torch.Generator().manual_seed(0))


def archs(space, n, seed=0):
    return [space.decode(g) for g in space.sample(np.random.default_rng(seed), n)]


def z(n=4, seed=1, dim=12):
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_supernet_equals_extracted(space, supernet, mode):
    for arch in archs(space, 25):
        supernet.train(mode == "train")
        net = extract(supernet, arch)
        assert isinstance(net, CellGenerator) and net.training == supernet.training
        for step in range(2):  # train mode: BN running stats advance identically in both
            close(supernet(z(seed=step), arch), net(z(seed=step)))
        shared = supernet.state_dict()
        for k, v in net.state_dict().items():
            close(v, shared[k])


@pytest.mark.parametrize("macro", [
    MACRO,
    GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=3),
    GeneratorMacro(latent_dim=8, channels=4, bottom_width=3, out_channels=3, n_cells=4),
    GeneratorMacro(latent_dim=5, channels=4, bottom_width=2, out_channels=1, n_cells=1),
])
def test_shapes_and_range(macro):
    space = EAGANGeneratorSpace(macro)
    supernet = CellGeneratorSupernet(macro)
    for arch in archs(space, 3):
        for out in (supernet(z(dim=macro.latent_dim), arch), build_generator(arch)(z(dim=macro.latent_dim))):
            assert out.shape == (4, macro.out_channels, macro.resolution, macro.resolution)
            assert out.abs().max() <= 1.0 and torch.isfinite(out).all()


def test_only_the_chosen_path_gets_gradients(space, supernet):
    for arch in archs(space, 10, seed=3):
        supernet.zero_grad(set_to_none=True)
        supernet(z(), arch).square().mean().backward()
        on_path = set(extract(supernet, arch).state_dict())
        for name, p in supernet.named_parameters():
            if name not in on_path:
                assert p.grad is None, name
        cell = arch.cells[0]
        live = [k for k, e in enumerate(cell.edges) if e not in ("none", "skip")]
        for k in live:  # every live conv edge of cell 0 is trained
            (p, *_) = supernet.cells[0].edges[k][cell.edges[k]].parameters()
            assert p.grad is not None and p.grad.abs().sum() > 0


def test_dead_up_edge_is_kept_but_not_run(space):
    arch = space.decode([0, 2, 0, 1, 0, 3, 1] * 3)  # c0 = c2 = none: node 0 feeds nothing
    net = build_generator(arch)
    assert "nearest" in net.cells[0].up[0]  # kept (parameter counts match the released code)
    net(z()).mean().backward()
    assert all(p.grad is None for p in net.cells[0].up[0].parameters())


def test_extract_copies_are_independent(space, supernet):
    arch = archs(space, 1)[0]
    net = extract(supernet, arch)
    before = {k: v.clone() for k, v in supernet.state_dict().items()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    net.train()(z())  # BN running stats of the copy move
    for k, v in supernet.state_dict().items():
        assert torch.equal(v, before[k]), k
    pointers = {t.data_ptr() for t in supernet.state_dict().values()}
    assert not any(v.data_ptr() in pointers for v in net.state_dict().values())


def test_extract_leaves_global_rng(space, supernet):
    state = torch.random.get_rng_state()
    extract(supernet, archs(space, 1)[0])
    assert torch.equal(state, torch.random.get_rng_state())


def test_standalone_holds_only_the_chosen_ops(space):
    arch = archs(space, 1, seed=5)[0]
    net = build_generator(arch)
    assert net.arch == arch and net.latent_dim == 12
    for block, cell in zip(net.cells, arch.cells, strict=True):
        assert [list(d) for d in block.up] == [[u] for u in cell.up]
        assert [list(d) for d in block.edges] == [[] if e == "none" else [e] for e in cell.edges]


def test_generator_argument_makes_init_reproducible(space):
    arch = archs(space, 1)[0]
    a, b = (build_generator(arch, generator=torch.Generator().manual_seed(7)) for _ in range(2))
    for va, vb in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
        assert torch.equal(va, vb)


def test_channels_last(space, supernet):
    arch = archs(space, 1, seed=2)[0]
    ref = supernet.eval()(z(), arch)
    cl = copy.deepcopy(supernet).to(memory_format=torch.channels_last)
    close(cl(z(), arch), ref)
    close(extract(cl, arch).to(memory_format=torch.channels_last)(z()), ref)


def test_pickles(space, supernet):
    arch = archs(space, 1)[0]
    clone = pickle.loads(pickle.dumps(supernet.eval()))
    close(clone(z(), arch), supernet(z(), arch))


def test_errors(space, supernet):
    arch = archs(space, 1)[0]
    with pytest.raises(ValueError, match="macro"):
        supernet(z(), dataclasses.replace(arch, macro=GeneratorMacro()))
    with pytest.raises(ValueError, match=r"expected \(batch, 12\)"):
        supernet(torch.randn(2, 10), arch)
    with pytest.raises(TypeError):
        supernet(z(), "not an arch")
    bad_cell = dataclasses.replace(arch.cells[0], edges=("none",) * 5)
    with pytest.raises(ValueError, match="only 'none' inputs"):
        build_generator(dataclasses.replace(arch, cells=(bad_cell,) + arch.cells[1:]))
    unknown = dataclasses.replace(arch.cells[0], up=("bicubic", "nearest"))
    with pytest.raises(ValueError, match="invalid arch"):
        build_generator(dataclasses.replace(arch, cells=(unknown,) + arch.cells[1:]))
    with pytest.raises(ValueError, match="divisible"):
        CellGeneratorSupernet(GeneratorMacro(latent_dim=10, channels=4, bottom_width=2))
