"""Fair supernet training on paired data: every candidate op of every block gets exactly one gradient per step
(counted), the sampler's rules, the conditional D, the loss weights and reproducibility."""

import copy
from collections import Counter

import numpy as np
import pytest
import torch

from pymoo_gan.data.paired import PairedConfig
from pymoo_gan.metrics.image_quality import psnr
from pymoo_gan.models.c2f import C2FSupernet, build_c2f
from pymoo_gan.models.conditional import ConditionalDiscriminator
from pymoo_gan.space.c2f import C2FMacro, C2FSpace
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.paired import PairedLossConfig, PairedSupernetTrainer
from pymoo_gan.training.samplers import FairPathSampler, UniformPathSampler

pytestmark = pytest.mark.usefixtures("single_thread")

MACRO = C2FMacro(channels=8, n_blocks=3, scale=2, ops=("conv3x3", "dwsep3x3", "dilated3x3"))
TRAIN = TrainConfig(g_batch_size=8, d_batch_size=8)


def pairs(n=40, seed=0):
    gen = torch.Generator().manual_seed(seed)
    hr = torch.rand(n, 1, 16, 16, generator=gen) * 2 - 1
    return torch.nn.functional.avg_pool2d(hr, 2), hr


def trainer_of(seed=0, losses=None, macro=MACRO):
    supernet = C2FSupernet(macro, generator=torch.Generator().manual_seed(seed))
    d = ConditionalDiscriminator(macro.in_channels, macro.out_channels, 8, generator=torch.Generator().manual_seed(1))
    x, y = pairs()
    return PairedSupernetTrainer(supernet, d, TRAIN, losses or PairedLossConfig(), x, y, torch.device("cpu"), seed)


def gradient_counts(trainer, sampler, n_steps):
    counts = Counter()
    for name, p in trainer.G.named_parameters():
        p.register_hook(lambda grad, name=name: counts.update([name]))
    trainer.train(n_steps, sampler)
    return counts


def test_every_op_of_every_block_gets_exactly_one_gradient_per_step():
    trainer = trainer_of()
    m, n_steps = len(MACRO.ops), 3
    counts = gradient_counts(trainer, FairPathSampler(C2FSpace(MACRO), trainer.path_rng, widths="sandwich"), n_steps)
    op_params = [n for n, _ in trainer.G.named_parameters() if n.startswith("blocks.")]
    assert len({n.split(".")[1] + n.split(".")[2] for n in op_params}) == MACRO.n_blocks * m  # all 9 ops counted
    assert {n: counts[n] for n in op_params} == dict.fromkeys(op_params, n_steps)
    shared = [n for n, _ in trainer.G.named_parameters() if not n.startswith("blocks.")]
    assert {n: counts[n] for n in shared} == dict.fromkeys(shared, n_steps * m)  # head, upsampler, tail: every path
    # accumulated: one optimizer step per training step, for every parameter
    assert trainer.steps == n_steps
    assert {int(s["step"]) for s in trainer.opt_g.state.values()} == {n_steps}
    assert len(trainer.opt_g.state) == len(list(trainer.G.parameters()))
    # D got no gradient in the generator steps: one optimizer step per D step
    assert {int(s["step"]) for s in trainer.opt_d.state.values()} == {n_steps * TRAIN.n_critic}


def test_uniform_paths_are_not_fair():
    """Negative control: m uniformly random paths per step leave some ops untrained and train others twice."""
    trainer = trainer_of()
    m = len(MACRO.ops)
    uniform = UniformPathSampler(C2FSpace(MACRO), trainer.path_rng)
    counts = gradient_counts(trainer, lambda: [uniform() for _ in range(m)], 3)
    per_op = {n: counts[n] for n, _ in trainer.G.named_parameters() if n.endswith(".second.weight")}
    assert len(per_op) == MACRO.n_blocks * m and set(per_op.values()) != {3}, per_op


@pytest.mark.parametrize("rule", ["uniform", "sandwich"])
def test_fair_sampler_rules(rule):
    macro = C2FMacro(n_blocks=4, ops=("conv3x3", "dwsep3x3", "dilated3x3", "conv5x5"))
    sampler = FairPathSampler(C2FSpace(macro), np.random.default_rng(0), widths=rule)
    seen_widths = Counter()
    for _ in range(50):
        paths = sampler()
        assert len(paths) == 4 and all(key is None for key, _ in paths)
        archs = [arch for _, arch in paths]
        assert all(arch.kept == (0, 1, 2, 3) for arch in archs)
        for i in range(4):
            assert sorted(a.blocks[i].op for a in archs) == sorted(macro.ops)
        if rule == "sandwich":
            assert {b.width for b in archs[0].blocks} == {1.0} and {b.width for b in archs[1].blocks} == {0.25}
        seen_widths.update(b.width for a in archs[2 if rule == "sandwich" else 0:] for b in a.blocks)
    assert set(seen_widths) == set(macro.widths)  # the random ones cover every width
    again = FairPathSampler(C2FSpace(macro), np.random.default_rng(0), widths=rule)
    assert [str(a) for _, a in again()] == [str(a) for _, a in FairPathSampler(
        C2FSpace(macro), np.random.default_rng(0), widths=rule)()]
    with pytest.raises(ValueError, match="widths='largest' is unknown; allowed: uniform, sandwich"):
        FairPathSampler(C2FSpace(macro), np.random.default_rng(0), widths="largest")


def test_same_seed_same_weights():
    def run(seed):
        trainer = trainer_of(seed)
        losses = trainer.train(2, FairPathSampler(C2FSpace(MACRO), trainer.path_rng))
        return trainer.G.state_dict(), losses

    (a, la), (b, lb), (c, _) = run(0), run(0), run(1)
    assert la == lb and all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_loss_weights_and_l1_training_improves_psnr():
    """adv_weight=0 is pure L1 regression (no D needed); a standalone ×2 net on the digits beats its start."""
    data = PairedConfig(task="sr", scale=2)
    x, y = data.load("train")
    test_x, test_y = data.load("test")
    arch = C2FSpace(MACRO).decode([0, 0, 3] * 3)
    net = build_c2f(arch, generator=torch.Generator().manual_seed(0))
    trainer = PairedSupernetTrainer(net, None, TrainConfig(g_batch_size=32, g_lr=2e-3, beta1=0.9, beta2=0.99),
                                    PairedLossConfig(l1_weight=1.0, adv_weight=0.0), x, y, torch.device("cpu"), 0)
    assert trainer.D is None and trainer.opt_d is None
    with torch.no_grad():
        before = psnr(net.eval()(test_x), test_y).mean().item()
    losses = trainer.train(150)
    with torch.no_grad():
        after = psnr(net.eval()(test_x), test_y).mean().item()
    assert losses["d_loss"] == 0.0 and after > before + 5, (before, after)


@pytest.mark.parametrize("kwargs, message", [
    (dict(l1_weight=-1.0), "l1_weight=-1.0 must be a number >= 0"),
    (dict(l1_weight=0.0, adv_weight=0.0), "both 0"),
    (dict(adv_weight="1"), "adv_weight='1' must be a number"),
])
def test_loss_config_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PairedLossConfig(**kwargs)


def test_trainer_and_discriminator_errors():
    x, y = pairs()
    net = build_c2f(C2FSpace(MACRO).decode([0] * 9))
    with pytest.raises(ValueError, match="adv_weight=1.0 needs a discriminator"):
        PairedSupernetTrainer(net, None, TRAIN, PairedLossConfig(), x, y, torch.device("cpu"), 0)
    with pytest.raises(ValueError, match=r"inputs \(40\) and targets \(39\)"):
        PairedSupernetTrainer(net, None, TRAIN, PairedLossConfig(adv_weight=0.0), x, y[:39], torch.device("cpu"), 0)
    d = ConditionalDiscriminator(1, 1, 8)
    with pytest.raises(ValueError, match=r"expected \(N, 1, h, w\) inputs and \(N, 1, H, W\) outputs"):
        d(torch.zeros(2, 3, 8, 8), torch.zeros(2, 1, 16, 16))


def test_state_dict_resumes_exactly():
    """Interrupt after 2 steps, restore the state into a fresh trainer: the next 2 steps give the same weights."""
    space = C2FSpace(MACRO)
    straight = trainer_of(0)
    sampler = FairPathSampler(space, straight.path_rng)
    straight.train(2, sampler)
    saved = copy.deepcopy(straight.state_dict())
    straight.train(2, sampler)
    resumed = trainer_of(7)  # other initial weights and seeds: everything must come from the state
    resumed.load_state_dict(saved)
    resumed.train(2, FairPathSampler(space, resumed.path_rng))
    a, b = straight.G.state_dict(), resumed.G.state_dict()
    assert resumed.steps == straight.steps == 4 and all(torch.equal(a[k], b[k]) for k in a)
    assert all(torch.equal(straight.D.state_dict()[k], v) for k, v in resumed.D.state_dict().items())


@pytest.mark.parametrize("level", ["path", "op", "width"])
def test_fair_sampler_over_a_level_draws_only_its_sub_networks(level):
    """Fine-tuning between levels: every path is in the level (a base with only that level's genes changed), and each
    choice of each searched block runs exactly once per call."""
    from pymoo_gan.space.c2f import C2FLevelSpace

    space = C2FSpace(MACRO)
    bases = [space.decode([0, 1, 3, 1, 0, 0, 0, 2, 1]), space.decode([0, 0, 0, 0, 2, 3, 1, 0, 0])]
    sub = C2FLevelSpace(space, level, bases=bases)
    sampler = FairPathSampler(sub, np.random.default_rng(0), widths="sandwich")
    choices = {"path": 2, "op": len(MACRO.ops), "width": len(MACRO.widths)}[level]
    for _ in range(6):
        paths = [arch for _, arch in sampler()]
        assert len(paths) == choices and all(sub.contains(sub.encode(a)) for a in paths)
        # op and width: the bases skip different blocks, so each path names its base; all paths share one
        searched = range(MACRO.n_blocks) if level == "path" else bases[sub.encode(paths[0])[0]].kept
        assert level == "path" or len({sub.encode(a)[0] for a in paths}) == 1
        for i in searched:
            seen = [a.blocks[i] is None if level == "path" else getattr(a.blocks[i], level) for a in paths]
            assert len(set(seen)) == choices  # every choice of block i exactly once
        for i in set(range(MACRO.n_blocks)) - set(searched):
            assert all(a.blocks[i] is None for a in paths)  # a block the base skips stays skipped
