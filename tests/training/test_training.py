import math

import numpy as np
import pytest
import torch
from torch import nn

from pymoo_gan.training import EMA, GANTrainer, TrainConfig, get_loss, recalibrate_bn
from pymoo_gan.training.losses import d_hinge, d_non_saturating, g_hinge, g_non_saturating


def test_hinge_and_non_saturating_values():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    assert d_hinge(real, fake).item() == pytest.approx((0 + 0.5) / 2 + (0 + 1) / 2)
    assert g_hinge(fake).item() == pytest.approx(1.0)
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    assert d_non_saturating(real, fake).item() == pytest.approx((sp(-2) + sp(-0.5)) / 2 + (sp(-2) + sp(0)) / 2)
    assert g_non_saturating(fake).item() == pytest.approx((sp(2) + sp(0)) / 2)


def test_unknown_loss_and_bad_config_name_the_allowed_values():
    with pytest.raises(ValueError, match="hinge"):
        get_loss("wasserstein")
    with pytest.raises(ValueError, match="n_critic"):
        TrainConfig(n_critic=0)


def test_ema_warm_up_keeps_a_short_run_from_being_its_initial_weights():
    net = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(1.0)  # the initial weights
    plain, warm = EMA(net, 0.999, warmup=False), EMA(net, 0.999)
    with torch.no_grad():
        net.weight.fill_(0.0)  # the trained weights
    for _ in range(1000):
        plain.update(net)
        warm.update(net)
    assert abs(plain.shadow.weight.item() - 0.999**1000) < 1e-6  # 37 % of the initial weights left
    assert warm.shadow.weight.item() == 0.0  # the mean of the trained weights: none of the initial ones
    assert warm.current_decay() == 0.999  # 1000 / 1001 has reached the horizon
    state = warm.state_dict()
    again = EMA(net, 0.5, warmup=False)
    again.load_state_dict(state)
    assert (again.decay, again.warmup, again.updates) == (0.999, True, 1000)


def test_ema_follows_decay():
    net = nn.Linear(2, 1)
    ema = EMA(net, decay=0.5, warmup=False)
    before = ema.shadow.weight.clone()
    with torch.no_grad():
        net.weight.add_(1.0)
    ema.update(net)
    assert torch.allclose(ema.shadow.weight, 0.5 * before + 0.5 * net.weight)


class _G(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh())

    def forward(self, z):
        return self.net(z)


def _pair(seed):
    torch.manual_seed(seed)
    return _G(), nn.Sequential(nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))


def test_trainer_is_reproducible_and_moves_the_weights():
    images = torch.randn(64, 8).tanh()
    runs = []
    for _ in range(2):
        G, D = _pair(0)
        w0 = G.net[0].weight.clone()
        trainer = GANTrainer(G, D, TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=2, ema_decay=0.9),
                             latent_dim=4)
        losses = trainer.train(5, images, torch.Generator().manual_seed(3))
        assert trainer.steps == 5 and set(losses) == {"d_loss", "g_loss"}
        assert not torch.equal(w0, G.net[0].weight)
        runs.append((losses, G.net[0].weight.clone(), trainer.ema.shadow.net[0].weight.clone()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1]) and torch.equal(runs[0][2], runs[1][2])


def test_trainer_state_dict_round_trip_continues_identically():
    images = torch.randn(64, 8).tanh()
    G, D = _pair(1)
    a = GANTrainer(G, D, TrainConfig(g_batch_size=8, d_batch_size=8), latent_dim=4)
    a.train(3, images, torch.Generator().manual_seed(0))
    G2, D2 = _pair(2)
    b = GANTrainer(G2, D2, TrainConfig(g_batch_size=8, d_batch_size=8), latent_dim=4)
    b.load_state_dict(a.state_dict())
    a.train(2, images, torch.Generator().manual_seed(5))
    b.train(2, images, torch.Generator().manual_seed(5))
    assert torch.equal(G.net[0].weight, G2.net[0].weight)


def test_recalibrate_bn_is_the_exact_mean_over_batches():
    G, _ = _pair(0)
    batches = [torch.randn(16, 4, generator=torch.Generator().manual_seed(i)) for i in range(3)]
    G.eval()
    recalibrate_bn(G, G, batches)
    assert not G.training  # the caller's mode is restored
    with torch.no_grad():
        h = torch.cat([G.net[0](b) for b in batches])
    assert torch.allclose(G.net[1].running_mean, h.mean(0), atol=1e-6)
    assert recalibrate_bn(nn.Linear(2, 2), lambda z: z, batches) is False


def test_population_sampler_draws_only_population_members():
    from pymoo_gan.space import EAGANGeneratorSpace
    from pymoo_gan.training import PopulationPathSampler

    space = EAGANGeneratorSpace()
    pop = space.sample(np.random.default_rng(0), 3)
    sampler = PopulationPathSampler(space, pop, np.random.default_rng(1))
    allowed = {str(space.decode(g)) for g in pop}
    assert {str(sampler()[1]) for _ in range(30)} == allowed


def test_channels_last_path_trains_a_cell_gan_like_the_default_layout():
    """The CUDA layout (NHWC weights and batches) exercised on the CPU: same losses up to float rounding."""
    import copy

    from pymoo_gan.models import SimpleDiscriminator, build_generator
    from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro

    space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1))
    G = build_generator(space.decode([1] * 21), generator=torch.Generator().manual_seed(0))
    D = SimpleDiscriminator(in_channels=1, channels=8, resolution=16, generator=torch.Generator().manual_seed(0))
    images = torch.rand(32, 1, 16, 16, generator=torch.Generator().manual_seed(3)) * 2 - 1  # not the global RNG
    results = []
    for layout in (False, True):
        g, d = copy.deepcopy(G), copy.deepcopy(D)
        trainer = GANTrainer(g, d, TrainConfig(g_batch_size=8, d_batch_size=8, channels_last=layout), latent_dim=12)
        conv = next(p for p in g.parameters() if p.dim() == 4 and p.shape[-1] == 3 and p.shape[1] > 1)
        assert conv.is_contiguous(memory_format=torch.channels_last) == layout
        results.append(trainer.train(3, images, torch.Generator().manual_seed(1)))
    assert results[0] == pytest.approx(results[1], rel=1e-4, abs=1e-5)
