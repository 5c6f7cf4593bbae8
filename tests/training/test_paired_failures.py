"""Fair supernet training survives failing steps (issue 14), as stage 1's rounds do: NaN is injected for real by a
forward hook on one candidate op of the supernet at one width (``block 0: conv3x3 at width 0.5``), while training
only. A fair step through it (random paths, no candidate) is rolled back and skipped with a warning; a step on a
candidate's path records the candidate in ``failures`` and drops it for the rest of the call; training goes on."""

import numpy as np
import pytest
import torch

from pymoo_gan.models.c2f import C2FSupernet
from pymoo_gan.models.conditional import ConditionalDiscriminator
from pymoo_gan.space.c2f import C2FBlock, C2FMacro, C2FSpace
from pymoo_gan.training.loop import TrainConfig
from pymoo_gan.training.paired import PairedLossConfig, PairedSupernetTrainer
from pymoo_gan.training.samplers import FairPathSampler, PopulationPathSampler

pytestmark = pytest.mark.usefixtures("single_thread")

MACRO = C2FMacro(channels=8, n_blocks=3, scale=2, ops=("conv3x3", "dwsep3x3", "dilated3x3"))
TRAIN = TrainConfig(g_batch_size=8, d_batch_size=8)
BAD = C2FBlock("conv3x3", 0.5)


def trainer_of(seed=0):
    gen = torch.Generator().manual_seed(seed)
    y = torch.rand(40, 1, 16, 16, generator=gen) * 2 - 1
    supernet = C2FSupernet(MACRO, generator=torch.Generator().manual_seed(seed))
    d = ConditionalDiscriminator(1, 1, 8, generator=torch.Generator().manual_seed(1))
    return PairedSupernetTrainer(supernet, d, TRAIN, PairedLossConfig(), torch.nn.functional.avg_pool2d(y, 2), y,
                                 torch.device("cpu"), seed)


def poison(trainer):
    """NaN out of block 0's conv3x3 at width 0.5 while training (scoring, without gradients, stays finite)."""
    def hook(module, args, output):
        if torch.is_grad_enabled() and args[1] == MACRO.inner(BAD.width):
            return output * float("nan")
        return None
    return trainer.G.blocks["0"][BAD.op].register_forward_hook(hook)


def finite(trainer):
    return all(bool(torch.isfinite(p).all()) for m in (trainer.G, trainer.D) for p in m.parameters())


def test_a_failing_fair_step_is_rolled_back_and_training_goes_on():
    trainer, n = trainer_of(), 12
    # the sampler draws from path_rng alone, and a failed step's draws are replayed identically: the same draws from a
    # fresh generator of the same seed tell which steps run the poisoned op
    twin = FairPathSampler(C2FSpace(MACRO), np.random.default_rng(0))
    expected = sum(any(arch.blocks[0] == BAD for _, arch in twin()) for _ in range(n))
    assert 0 < expected < n
    poison(trainer)
    with pytest.warns(RuntimeWarning, match="skipped a fair training step on a random path: training produced "
                                            "non-finite loss"):
        losses = trainer.train(n, FairPathSampler(C2FSpace(MACRO), trainer.path_rng))
    assert trainer.skipped_steps == expected and trainer.steps == n - expected and not trainer.failures
    assert finite(trainer) and np.isfinite(losses["g_loss"])
    assert {int(s["step"]) for s in trainer.opt_g.state.values()} == {n - expected}  # optimizer steps undone too
    state = trainer.state_dict()  # failures and skipped steps are checkpointed with the weights
    fresh = trainer_of()
    fresh.load_state_dict(state)
    assert fresh.skipped_steps == expected and fresh.steps == trainer.steps


def test_a_candidate_whose_training_fails_is_recorded_and_dropped():
    space = C2FSpace(MACRO)
    bad = space.encode(space.decode([0, 0, 1, 0, 1, 3, 1, 0, 0]))  # block 0 conv3x3@0.5
    good = [space.encode(space.decode(g)) for g in ([0, 1, 1, 0, 0, 3, 1, 0, 0], [0, 2, 3, 1, 0, 0, 0, 2, 2])]
    assert space.decode(bad).blocks[0] == BAD and all(space.decode(g).blocks[0].op != BAD.op for g in good)
    trainer = trainer_of()
    before = {k: v.clone() for k, v in trainer.G.blocks["0"][BAD.op].state_dict().items()}
    poison(trainer)
    trainer.train(10, PopulationPathSampler(space, [bad, *good], trainer.path_rng))
    assert trainer.failures == {space.key(bad): "training produced non-finite loss"}
    assert trainer.steps == 9 and finite(trainer)  # one step undone; the other candidates trained on
    after = trainer.G.blocks["0"][BAD.op].state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # only the failed candidate ran that op


def test_an_unknown_error_is_a_bug_and_propagates():
    trainer = trainer_of()

    def hook(module, args, output):
        raise KeyError("a bug")
    trainer.G.blocks["0"]["conv3x3"].register_forward_hook(hook)
    with pytest.raises(KeyError, match="a bug"):
        trainer.train(2, FairPathSampler(C2FSpace(MACRO), trainer.path_rng))
