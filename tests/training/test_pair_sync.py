"""Synchronous stage-2 rounds (pairs="synchronous"): the combine rule on a hand-built case, the steps each pair gets,
what a pair reports as changed, and a round of the pair trainer."""

import numpy as np
import pytest
import tiny_pair
import torch

from pymoo_gan import registry
from pymoo_gan.data import DataConfig
from pymoo_gan.models.path import PathModule
from pymoo_gan.problems.config import DiscriminatorSearchConfig
from pymoo_gan.problems.discriminator_search import make_discriminator_space
from pymoo_gan.training import PairTrainer, ScheduleConfig, TrainConfig
from pymoo_gan.training.pair_sync import PairResult, PairTask, PairWorker, combine, round_snapshot, turn_shares


def test_combine_averages_the_updates_of_the_pairs_that_touched_each_entry():
    start = {"w": torch.tensor([1.0, 2.0, 3.0]), "u": torch.tensor([0.5]), "n": torch.tensor(4),
             "idle": torch.tensor([7.0])}
    opt_start = {"0.step": torch.tensor(3.0), "0.exp_avg": torch.tensor([0.0, 1.0, 0.0]),
                 "0.exp_avg_sq": torch.tensor([1.0, 1.0, 1.0])}
    a = PairResult("a", supernet={"w": torch.tensor([2.0, 2.0, 3.0]), "n": torch.tensor(5)},
                   opt_d={"0.step": torch.tensor(5.0), "0.exp_avg": torch.tensor([1.0, 1.0, 0.0]),
                          "0.exp_avg_sq": torch.tensor([3.0, 1.0, 1.0])})
    b = PairResult("b", supernet={"w": torch.tensor([1.0, 6.0, 3.0]), "u": torch.tensor([1.5]), "n": torch.tensor(9)},
                   opt_d={"0.step": torch.tensor(4.0), "0.exp_avg": torch.tensor([0.0, 3.0, 0.0]),
                          "0.exp_avg_sq": torch.tensor([1.0, 5.0, 1.0]),
                          "1.step": torch.tensor(1.0), "1.exp_avg": torch.tensor([2.0])})
    failed = PairResult("c", supernet={"w": torch.tensor([100.0, 100.0, 100.0])},
                        opt_d={"0.step": torch.tensor(99.0)}, failure="training produced non-finite loss")
    state, opt = combine(start, opt_start, [a, b, failed])
    assert torch.equal(state["w"], torch.tensor([1.5, 4.0, 3.0]))  # start + (update_a + update_b) / 2
    assert torch.equal(state["u"], torch.tensor([1.5]))  # only b touched it: its whole update
    assert torch.equal(state["n"], torch.tensor(9))  # an integer buffer: the last touching pair's value
    assert torch.equal(state["idle"], torch.tensor([7.0]))  # untouched: unchanged
    assert opt["0.step"].item() == 5.0  # the largest step count
    assert torch.equal(opt["0.exp_avg"], torch.tensor([0.5, 2.0, 0.0]))
    assert torch.equal(opt["0.exp_avg_sq"], torch.tensor([2.0, 3.0, 1.0]))
    assert opt["1.step"].item() == 1.0 and torch.equal(opt["1.exp_avg"], torch.tensor([2.0]))  # new: from 0
    assert torch.equal(start["w"], torch.tensor([1.0, 2.0, 3.0]))  # the start is not changed in place


def test_each_pair_gets_the_steps_of_its_sequential_turns():
    assert turn_shares(7, 3, 2) == [3, 2, 2]  # turns of 2: a b c a (1 step left) ...
    assert turn_shares(6, 3, 1) == [2, 2, 2]
    assert turn_shares(2, 3, 1) == [1, 1, 0]


@pytest.fixture
def stage2():
    """A synchronous pair trainer of a tiny G and D supernet on random images (no scorer: nothing is scored)."""
    G, _ = tiny_pair.pair()
    space = make_discriminator_space(DiscriminatorSearchConfig(channels=8), DataConfig())
    supernet = registry.space("eagan_discriminator").supernet(space.macro, generator=torch.Generator().manual_seed(0))
    trainer = PairTrainer(G, supernet, TrainConfig(g_batch_size=16, d_batch_size=16, n_critic=1),
                          ScheduleConfig(0.0, 0.5), tiny_pair.images(), torch.device("cpu"), seed=0, progress=False,
                          pairs="synchronous")
    return space, trainer


def test_a_pair_reports_exactly_the_supernet_entries_on_its_path(stage2):
    space, trainer = stage2
    arch = space.decode(space.sample(np.random.default_rng(1)))
    worker = PairWorker(trainer.base.G, trainer.supernet.__class__(space.macro), trainer.images,
                        trainer.train_config, trainer.device)
    worker.load(round_snapshot(trainer.supernet, trainer.opt_d))
    base = trainer.base
    result = worker.train(PairTask("k", arch, 2, 0, base.G.state_dict(), base.opt.state_dict()))
    assert result.failure == "" and np.isfinite(result.losses).all()
    net = trainer.supernet
    PathModule(net, arch)(trainer.images[:2]).sum().backward()
    on_path = {n for n, p in net.named_parameters() if p.grad is not None}
    params = dict(net.named_parameters())
    assert {k for k in result.supernet if k in params} == on_path
    assert len(result.opt_d) == 3 * len(on_path)  # step, exp_avg, exp_avg_sq of each
    modules = {n.rsplit(".", 1)[0] for n in on_path}
    buffers = [k for k in result.supernet if k not in params]  # spectral-norm vectors advanced by the path
    assert buffers and all(k.rsplit(".", 1)[0] in modules for k in buffers)


def test_a_synchronous_round_trains_every_pair_from_one_snapshot(stage2):
    space, trainer = stage2
    genotypes = space.sample(np.random.default_rng(0), 3)
    keys = [space.key(g) for g in genotypes]
    before = round_snapshot(trainer.supernet, trainer.opt_d)
    trainer.train_round({k: space.decode(g) for k, g in zip(keys, genotypes, strict=True)}, best=None)
    assert trainer.weights_version == 1 and not trainer.failures
    shares = turn_shares(trainer._round_steps(3), 3, trainer.turn_steps)
    assert trainer.supernet_step == sum(shares)
    g_states = [trainer.copies[k].G.state_dict() for k in keys]
    assert not any(all(torch.equal(a[n], b[n]) for n in a) for a, b in [(g_states[0], g_states[1]),
                                                                       (g_states[1], g_states[2])])
    after = round_snapshot(trainer.supernet, trainer.opt_d)
    steps = [v.item() for k, v in after.items() if k.endswith(".step")]
    assert max(steps) == max(shares)  # each pair's Adam counted its own steps from the snapshot, not the sum
    assert any(not torch.equal(after[k], before[k]) for k in before)


def test_pair_modes_and_ray_are_checked():
    assert DiscriminatorSearchConfig().pairs == "sequential"
    with pytest.raises(ValueError, match="allowed: sequential, synchronous"):
        DiscriminatorSearchConfig(pairs="async")
    with pytest.raises(ValueError, match="pairs='synchronous'"):
        DiscriminatorSearchConfig().replace(runner="ray")
    assert DiscriminatorSearchConfig().replace(runner="ray", pairs="synchronous").parallel.runner == "ray"
