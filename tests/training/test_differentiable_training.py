"""The weight and architecture steps of AdversarialNAS and AlphaGAN on tiny relaxed networks and random images."""

import math

import numpy as np
import pytest
import torch

from pymoo_gan.models import build_discriminator
from pymoo_gan.models.relaxed import RelaxedCellDiscriminator, RelaxedCellGenerator
from pymoo_gan.space.eagan import DiscriminatorMacro, EAGANDiscriminatorSpace, EAGANGeneratorSpace, GeneratorMacro
from pymoo_gan.space.relaxation import EAGANDiscriminatorRelaxation, EAGANGeneratorRelaxation
from pymoo_gan.training import TrainConfig
from pymoo_gan.training.differentiable import (
    AdversarialNASTrainer,
    AlphaGANTrainer,
    ArchOptimConfig,
    gumbel_temperature,
)

pytestmark = pytest.mark.usefixtures("single_thread")

CPU = torch.device("cpu")
TRAIN = TrainConfig(g_batch_size=8, d_batch_size=8, ema_decay=0.999)
G_MACRO = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)


def _images(n=64):
    return torch.rand(n, 1, 16, 16, generator=torch.Generator().manual_seed(5)) * 2 - 1


def _adversarialnas(seed=0, **kwargs):
    init = torch.Generator().manual_seed(seed)
    g = RelaxedCellGenerator(G_MACRO, generator=init)
    d = RelaxedCellDiscriminator(DiscriminatorMacro(channels=8, in_channels=1, resolution=16), generator=init)
    kwargs = {"iterations": 4, "n_critic": 2, **kwargs}
    return AdversarialNASTrainer(g, d, TRAIN, _images(), CPU, seed, **kwargs)


def _alphagan(seed=0, **kwargs):
    init = torch.Generator().manual_seed(seed)
    g = RelaxedCellGenerator(G_MACRO, generator=init)
    d = build_discriminator("autogan", in_channels=1, channels=8, resolution=16, generator=init)
    kwargs = {"inner_steps": 4, "worst_steps": 2, "outer_steps": 2, "n_critic": 2, **kwargs}
    return AlphaGANTrainer(g, d, TRAIN, _images(), CPU, seed, **kwargs)


def _params(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("make", [_adversarialnas, _alphagan], ids=["adversarialnas", "alphagan"])
def test_architecture_parameters_have_their_own_optimizer_and_change(make):
    t = make()
    alphas = {id(p) for p in t.alphas_g.parameters()}
    weights = {id(p) for p in t.G.parameters()}
    assert {id(p) for g in t.opt_alpha_g.param_groups for p in g["params"]} == alphas
    assert not alphas & {id(p) for g in t.opt_g.param_groups for p in g["params"]}
    assert not alphas & weights  # net.parameters() are weights only
    assert t.opt_alpha_g.param_groups[0]["lr"] == 3e-4 and t.opt_alpha_g.param_groups[0]["betas"] == (0.5, 0.999)
    before_a, before_w = _params(t.alphas_g), _params(t.G)
    genotypes = t.search_epoch(n_snapshots=2)
    assert len(genotypes) == 2 and t.weights_version == 1 and t.supernet_step > 0
    assert not _same(before_a, _params(t.alphas_g)) and not _same(before_w, _params(t.G))
    for g in genotypes:
        assert np.array_equal(t.G.layout.space.repair(g), g)  # a valid member of the space
    if t.alphas_d is not None:  # AdversarialNAS searches D too, with its own optimizer
        assert {id(p) for g in t.opt_alpha_d.param_groups for p in g["params"]} == {id(p) for p in
                                                                                   t.alphas_d.parameters()}
        assert t.derive_discriminator() is not None


@pytest.mark.parametrize("make", [_adversarialnas, _alphagan], ids=["adversarialnas", "alphagan"])
def test_same_seed_same_search(make):
    a, b, c = make(seed=3), make(seed=3), make(seed=4)
    for t in (a, b, c):
        t.search_epoch()
    sa, sb, sc = _params(a.alphas_g), _params(b.alphas_g), _params(c.alphas_g)
    assert _same(sa, sb) and _same(_params(a.G), _params(b.G)) and a.history == b.history
    assert not _same(sa, sc)


def test_gumbel_temperature_schedule():
    assert gumbel_temperature(0) == 5.0
    assert gumbel_temperature(12.5) == pytest.approx(5.0 / math.sqrt(50))
    assert gumbel_temperature(25) == pytest.approx(0.1) and gumbel_temperature(100) == 0.1
    assert gumbel_temperature(1, start=2.0, end=0.5, epochs=2) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        gumbel_temperature(0, start=0)
    t = _adversarialnas(gumbel=True, iterations=1, tau=(2.0, 0.5, 2))
    taus = []
    for _ in range(3):
        taus.append(t.temperature())
        t.search_epoch()
    assert taus == pytest.approx([2.0, 1.0, 0.5])
    assert [h["tau"] for h in t.history] == pytest.approx(taus)
    assert _adversarialnas().temperature() is None


def test_gumbel_is_fed_logits_not_probabilities():
    t = _adversarialnas(gumbel=True, tau=(1.0, 1.0, 1))
    with torch.no_grad():
        for a in t.alphas_g.alphas.values():
            a.zero_()
            a[..., 1] = 20.0  # option 1 dominates the logits
    w = t.op_weights(t.alphas_g)
    # softmax((alpha + g) / 1) puts ~all weight on option 1; the released softmax-as-logits would give ~e/(e+n-1)
    assert all(float(v[..., 1].min().detach()) > 0.99 for v in w.values())
    again = t.op_weights(t.alphas_g)
    assert not all(torch.equal(w[k], again[k]) for k in w)  # fresh noise per call, from the trainer's stream


def test_alphagan_worst_case_copies_leave_main_networks_and_ema_alone():
    t = _alphagan(worst_steps=3)
    t.search_epoch()  # the EMA has updates
    main = [_params(m) for m in (t.G, t.D, t.alphas_g, t.ema.shadow)]
    updates = t.ema.updates
    g_worst, g_worst_weights, d_worst = t.find_worst()
    assert all(_same(a, _params(m)) for a, m in zip(main, (t.G, t.D, t.alphas_g, t.ema.shadow), strict=True))
    assert t.ema.updates == updates  # the released code updates the main EMA with G_worst's weights
    assert not _same(_params(g_worst), _params(t.G)) and not _same(_params(d_worst), _params(t.D))
    # one architecture step changes the logits only; neither copy nor the main weights move
    worst = (_params(g_worst), _params(d_worst))
    gap = t.arch_step(g_worst, g_worst_weights, d_worst)
    assert torch.isfinite(gap)
    assert not _same(main[2], _params(t.alphas_g))
    assert _same(main[0], _params(t.G)) and _same(main[1], _params(t.D))
    assert _same(worst[0], _params(g_worst)) and _same(worst[1], _params(d_worst))


def test_alphagan_duality_gap_is_zero_without_worst_case_training():
    t = _alphagan(worst_steps=0)  # G_worst = G and D_worst = D: the gap is V(G, D) - V(G, D)
    g_worst, weights, d_worst = t.find_worst()
    assert float(t.arch_step(g_worst, weights, d_worst)) == pytest.approx(0.0, abs=1e-6)


def test_alphagan_splits_the_images_and_checks_settings():
    t = _alphagan(train_portion=0.25)
    assert len(t.weight_images) == 16 and len(t.arch_images) == 48
    with pytest.raises(ValueError, match="inner_steps"):
        _alphagan(inner_steps=-1)
    with pytest.raises(ValueError, match="train_portion"):
        _alphagan(train_portion=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        ArchOptimConfig(weight_decay=-1)


def test_state_dict_round_trip_resumes_identically():
    a = _adversarialnas(seed=2, iterations=2)
    a.search_epoch()
    b = _adversarialnas(seed=9, iterations=2)
    b.load_state_dict(a.state_dict())
    ga, gb = a.search_epoch(), b.search_epoch()
    assert all(np.array_equal(x, y) for x, y in zip(ga, gb, strict=True))
    assert _same(_params(a.alphas_g), _params(b.alphas_g)) and _same(_params(a.G), _params(b.G))


class _ToyG(torch.nn.Module):
    """A 'generator' whose images are as bright as the op weight on option ``best`` of the normal edges."""

    def __init__(self, best=3):
        super().__init__()
        self.macro, self.best = G_MACRO, best
        self.layout = EAGANGeneratorRelaxation(EAGANGeneratorSpace(G_MACRO))
        self.bias = torch.nn.Parameter(torch.zeros(()))

    def forward(self, z, weights):
        brightness = weights["normal"][..., self.best].sum() + weights["up"].sum() * 0 + self.bias
        return brightness * torch.ones(len(z), 1, 16, 16) * 0.01


class _ToyD(torch.nn.Module):
    """A 'discriminator' that scores brightness (relaxed: ignores its op weights)."""

    def __init__(self):
        super().__init__()
        self.layout = EAGANDiscriminatorRelaxation(EAGANDiscriminatorSpace(DiscriminatorMacro(channels=8, in_channels=1,
                                                                                               resolution=16)))
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, x, weights=None):
        return self.scale * x.mean(dim=(1, 2, 3))[:, None]


@pytest.mark.parametrize("method", ["adversarialnas", "alphagan"])
def test_architecture_steps_raise_the_op_that_fools_the_discriminator(method):
    """D rewards brightness and only op 3 of the normal edges makes images brighter: G's architecture step (the
    generator loss through D for AdversarialNAS; the duality gap, through D_worst, for AlphaGAN) raises its logit on
    every normal edge and lowers the others."""
    if method == "adversarialnas":
        t = AdversarialNASTrainer(_ToyG(), _ToyD(), TRAIN, _images(), CPU, 0, iterations=1)
        step = t.g_arch_step
    else:
        t = AlphaGANTrainer(_ToyG(), _ToyD(), TRAIN, _images(), CPU, 0, inner_steps=0, worst_steps=0, outer_steps=1)
        copies = t.find_worst()
        step = lambda: t.arch_step(*copies)  # noqa: E731
    before = t.alphas_g.alphas["normal"].detach().clone()
    step()
    delta = t.alphas_g.alphas["normal"].detach() - before
    assert (delta[..., 3] > 0).all() and (np.delete(delta.numpy(), 3, axis=-1) < 0).all()


@pytest.mark.parametrize("seed", range(4))
def test_alphagan_duality_gap_is_not_negative_beyond_noise(seed):
    # D_worst ascends V against G and G_worst descends it against D, so V(G, D_worst) - V(G_worst, D) >= 0 on a common
    # batch, up to the noise of evaluating on a batch the copies were not trained on
    t = _alphagan(seed=seed, worst_steps=5)
    t.search_epoch()
    g_worst, weights, d_worst = t.find_worst()
    assert float(t.arch_step(g_worst, weights, d_worst)) > -0.05
