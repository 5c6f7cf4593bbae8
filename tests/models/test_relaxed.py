"""Mixed ops and relaxed supernets: weighted sums of the single-path ops, one-hot == extracted standalone (eval and
train mode), architecture parameters kept apart from the weights, Gumbel-softmax, weight checks."""

import doctest
import pickle

import numpy as np
import pytest
import torch

from pymoo_gan.models import (
    ArchParameters,
    CellDiscriminatorSupernet,
    CellGeneratorSupernet,
    RelaxedCellDiscriminator,
    RelaxedCellGenerator,
    extract,
    extract_relaxed,
    one_hot_weights,
)
from pymoo_gan.models import relaxed as relaxed_module
from pymoo_gan.nn import DownCellBlock, MixedOp, UpCellBlock, mixed
from pymoo_gan.space import DiscriminatorMacro, GeneratorMacro
from pymoo_gan.space.eagan import DOWN_OPS, NORMAL_OPS, UP_OPS

pytestmark = pytest.mark.usefixtures("single_thread")

G_MACRO = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)
D_MACRO = DiscriminatorMacro(channels=8, in_channels=1, resolution=16)


def seeded(seed):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(params=["generator", "discriminator"])
def case(request):
    """(relaxed net, single-path supernet of the same seed, input batch)."""
    if request.param == "generator":
        return (RelaxedCellGenerator(G_MACRO, generator=seeded(0)), CellGeneratorSupernet(G_MACRO, generator=seeded(0)),
                torch.randn(3, 12, generator=seeded(5)))
    x = torch.rand(3, 1, 16, 16, generator=seeded(5)) * 2 - 1
    return (RelaxedCellDiscriminator(D_MACRO, generator=seeded(0)),
            CellDiscriminatorSupernet(D_MACRO, generator=seeded(0)), x)


def derived_archs(layout, n, seed=0):
    """Archs derived from random op weights (all representable by the relaxation)."""
    rng = np.random.default_rng(seed)
    return [layout.derive({k: rng.dirichlet(np.ones(s[-1]) * 0.3, size=s[:-1]) for k, s in layout.shapes().items()})
            for _ in range(n)]


# ---- mixed ops -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make,options,ref", [
    (lambda: MixedOp.normal(4), NORMAL_OPS, lambda: UpCellBlock.supernet(4).edges[0]),
    (lambda: MixedOp.up(4), UP_OPS, lambda: UpCellBlock.supernet(4).up[0]),
    (lambda: MixedOp.normal(4, NORMAL_OPS, sn=True, act=False), NORMAL_OPS, lambda: DownCellBlock.supernet(4).edges[4]),
    (lambda: MixedOp.down(4), DOWN_OPS[1:], lambda: DownCellBlock.supernet(4).down[0]),
], ids=["normal", "up", "d_shortcut", "down"])
def test_mixed_op_is_the_weighted_sum_of_the_single_path_ops(make, options, ref):
    op, single = make(), ref()
    assert op.options == tuple(options) and list(op) == list(single) == [o for o in options if o != "none"]
    assert [(k, type(v), v.shape) for k, v in op.state_dict().items()] == \
        [(k, type(v), v.shape) for k, v in single.state_dict().items()]
    op.eval()
    x = torch.randn(2, 4, 8, 8, generator=seeded(1))
    w = torch.rand(len(options), generator=seeded(2))
    expected = sum(w[k] * op[name](x) for k, name in enumerate(options) if name != "none")
    torch.testing.assert_close(op(x, w), expected, rtol=1e-6, atol=1e-6)
    for k, name in enumerate(options):
        one_hot = torch.nn.functional.one_hot(torch.tensor(k), len(options)).float()
        y = op(x, one_hot)
        assert torch.equal(y, torch.zeros_like(y) if name == "none" else op[name](x)), name
    with pytest.raises(ValueError, match="weights of shape"):
        op(x, w[:-1])


def test_mixed_op_needs_a_real_option():
    with pytest.raises(ValueError, match="other than 'none'"):
        MixedOp(("none",), lambda n: None)


# ---- relaxed supernets ---------------------------------------------------------------------------------------------
def test_same_names_and_initial_weights_as_the_single_path_supernet(case):
    relaxed, supernet, _ = case
    a, b = relaxed.state_dict(), supernet.state_dict()
    assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    supernet.load_state_dict(relaxed.state_dict())  # warm start either way


@pytest.mark.parametrize("train", [False, True])
def test_one_hot_equals_extracted_standalone(case, train):
    relaxed, _, x = case
    relaxed.train(train)
    for arch in derived_archs(relaxed.layout, 4):
        net = extract_relaxed(relaxed, arch)  # before the forward: train-mode SN updates its vectors
        assert net.training == train and net.arch == arch
        with torch.no_grad():
            y = relaxed(x, one_hot_weights(relaxed, arch))
            assert torch.equal(y, net(x)), str(arch)
    # soft weights are something else
    with torch.no_grad():
        soft = {k: torch.full(s, 1.0 / s[-1]) for k, s in relaxed.layout.shapes().items()}
        assert not torch.allclose(relaxed(x, soft), y)


def test_extract_relaxed_checks_its_input():
    relaxed = RelaxedCellDiscriminator(D_MACRO, generator=seeded(0)).eval()
    keeps = relaxed.layout.space.decode([0, 1, 0, 1, 0, 0, 0] * 3)  # no cell downsamples: not a relaxed arch ...
    with pytest.raises(ValueError, match="keeps its resolution"):
        one_hot_weights(relaxed, keeps)
    assert extract_relaxed(relaxed, keeps).arch == keeps  # ... but still extractable
    with pytest.raises(TypeError, match="relaxed network"):
        extract_relaxed(CellDiscriminatorSupernet(D_MACRO), keeps)
    with pytest.raises(TypeError, match="CellDiscriminatorArch"):
        extract(relaxed, derived_archs(RelaxedCellGenerator(G_MACRO).layout, 1)[0])


def test_bad_weights_are_rejected(case):
    relaxed, _, x = case
    w = one_hot_weights(relaxed, derived_archs(relaxed.layout, 1)[0])
    name = next(iter(w))
    with pytest.raises(ValueError, match="groups"):
        relaxed(x, {k: v for k, v in w.items() if k != name})
    with pytest.raises(ValueError, match=f"weights\\['{name}'\\] must be a tensor of shape"):
        relaxed(x, {**w, name: w[name][1:]})
    with pytest.raises(ValueError, match="must be a tensor"):
        relaxed(x, {**w, name: w[name].numpy()})


def test_arch_parameters_are_separate_and_get_gradients(case):
    relaxed, _, x = case
    alphas = ArchParameters(relaxed.layout, generator=seeded(3))
    assert {k: tuple(v.shape) for k, v in alphas.alphas.items()} == relaxed.layout.shapes()
    assert not {id(p) for p in relaxed.parameters()} & {id(p) for p in alphas.parameters()}
    assert all(v.abs().max() < 0.01 for v in alphas.parameters())  # 1e-3 * N(0, 1)
    relaxed(x, alphas.softmax()).square().mean().backward()
    for name, a in alphas.alphas.items():
        assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0, name
    grads = [p.grad for n, p in relaxed.named_parameters() if ".edges." in n]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    ref = {k: v.detach().double().numpy() for k, v in alphas.softmax().items()}
    assert alphas.derive() == relaxed.layout.derive(ref)


def test_gumbel_softmax():
    layout = RelaxedCellGenerator(G_MACRO).layout
    alphas = ArchParameters(layout, scale=1.0, generator=seeded(0))
    a, b = (alphas.gumbel_softmax(0.5, generator=seeded(7)) for _ in range(2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = alphas.gumbel_softmax(0.5, generator=seeded(8))
    assert not all(torch.equal(a[k], c[k]) for k in a)
    for k, w in a.items():
        torch.testing.assert_close(w.sum(-1), torch.ones(layout.shapes()[k][:-1]))
    hard = alphas.gumbel_softmax(0.5, hard=True, generator=seeded(7))
    for k, w in hard.items():
        assert torch.equal(w.detach(), torch.nn.functional.one_hot(a[k].argmax(-1), w.shape[-1]).float())
    sum((w * torch.arange(w.shape[-1])).sum() for w in hard.values()).backward()  # straight-through
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in alphas.parameters())
    # noise scaled out: a low temperature and large logits give the argmax of the logits
    big = ArchParameters(layout, scale=100.0, generator=seeded(1))
    low = big.gumbel_softmax(1e-3, generator=seeded(2))
    assert all(torch.equal(low[k].argmax(-1), v.argmax(-1)) for k, v in big.alphas.items())


def test_pickle_round_trip(case):
    relaxed, _, x = case
    relaxed.eval()
    alphas = ArchParameters(relaxed.layout, generator=seeded(3))
    again, alphas_again = pickle.loads(pickle.dumps((relaxed, alphas)))
    with torch.no_grad():
        assert torch.equal(again(x, alphas_again.softmax()), relaxed(x, alphas.softmax()))
    assert alphas_again.derive() == alphas.derive()


@pytest.mark.parametrize("module", [mixed, relaxed_module], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted and not result.failed
