"""Trainer hooks: an extra loss term and an after-step weight edit, carried by checkpoints, resume and the failure
replay (issue 11)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from tiny_pair import images, pair

from pymoo_gan.training import GANTrainer, TrainConfig, TrainerHook
from pymoo_gan.training.loop import clone_state

sys.path.insert(0, str(Path(__file__).parent))
from hooks_for_tests import HalfMask, ScheduledL2  # noqa: E402

SCRIPT = Path(__file__).with_name("hooks_for_tests.py")
CFG = TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=1)


def trained(hooks=(), steps=3):
    G, D = pair()
    trainer = GANTrainer(G, D, CFG, latent_dim=12, hooks=hooks)
    trainer.train_steps(steps, images(), torch.Generator().manual_seed(2))
    return trainer


def same(a, b):
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


class Constant(TrainerHook):
    def __init__(self, value):
        self.value = value

    def g_loss(self, trainer, fake, arch):
        return torch.tensor(self.value, device=fake.device)


def test_a_hook_that_adds_nothing_leaves_training_bit_identical():
    plain, hooked = trained(), trained([TrainerHook(), Constant(3.0)])  # a constant adds no gradient
    assert same(plain.G.state_dict(), hooked.G.state_dict()) and same(plain.D.state_dict(), hooked.D.state_dict())


def test_the_extra_loss_term_changes_only_the_generator_update():
    warm = ScheduledL2(weight=0.5, ramp=1)
    warm.calls = 1  # the schedule at full weight from the first step
    plain, hooked = trained(steps=1), trained([warm], steps=1)
    assert same(plain.D.state_dict(), hooked.D.state_dict())  # the D step came first and is untouched
    assert not same(plain.G.state_dict(), hooked.G.state_dict())
    zero = ScheduledL2(weight=0.0)
    assert same(trained(steps=2).G.state_dict(), trained([zero], steps=2).G.state_dict())


def test_after_step_edits_hold_and_hook_state_travels_with_the_trainer():
    mask, l2 = HalfMask(), ScheduledL2()
    trainer = trained([l2, mask], steps=3)
    assert l2.calls == 3 and mask.applied == 3
    convs = [m.weight for m in trainer.G.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    assert all(bool((w[~m] == 0).all()) for w, m in zip(convs, mask.masks, strict=True))
    state = clone_state(trainer.state_dict())
    assert state["hooks"][0] == {"calls": 3} and same(state["hooks"][1]["masks"], mask.masks)
    fresh = GANTrainer(*pair(seed=5), CFG, latent_dim=12, hooks=[ScheduledL2(), HalfMask()])
    fresh.load_state_dict(state)
    assert fresh.hooks[0].calls == 3 and same(fresh.hooks[1].masks, mask.masks)
    with pytest.raises(ValueError, match="1 hook states; this trainer has 2 hooks"):
        fresh.load_state_dict({**state, "hooks": state["hooks"][:1]})


def test_a_killed_retraining_with_hooks_resumes_bit_identically(tmp_path):
    def run(out, kill_at):
        return subprocess.run([sys.executable, str(SCRIPT), str(out), str(kill_at)], capture_output=True, text=True,
                              timeout=600)

    assert run(tmp_path / "whole", 0).returncode == 0
    killed = run(tmp_path / "killed", 2)
    assert killed.returncode == -9, killed.stderr
    assert (tmp_path / "killed" / "state.pt").is_file() and not (tmp_path / "killed" / "scores.json").exists()
    resumed = run(tmp_path / "killed", 0)
    assert resumed.returncode == 0, resumed.stderr
    whole = torch.load(tmp_path / "whole" / "state.pt", weights_only=False)["trainer"]
    again = torch.load(tmp_path / "killed" / "state.pt", weights_only=False)["trainer"]
    assert whole["hooks"][0]["calls"] == whole["steps"] > 0
    assert same(whole, again)


def test_the_failure_replay_restores_hook_state(tiny):
    """A NaN on one path: its steps are undone, and so are the hooks' (calls == steps the trainer kept)."""
    from pymoo_gan import GANSearchProblem

    l2, mask = ScheduledL2(), HalfMask()
    problem = GANSearchProblem(progress=False, hooks=[l2, mask], **tiny)
    trainer = problem.trainer
    problem.warmup()
    assert l2.calls == trainer.gan.steps == mask.applied
    bad = [g for g in problem.space.sample(np.random.default_rng(0), 200)
           if problem.space.decode(g).cells[0].edges[0] == "conv_5x5"][:1]
    good = [g for g in problem.space.sample(np.random.default_rng(1), 200)
            if problem.space.decode(g).cells[0].edges[0] != "conv_5x5"][:2]
    op = trainer.supernet.cells[0].edges[0]["conv_5x5"]
    handle = op.register_forward_hook(lambda module, args, output: output * float("nan"))
    try:
        problem.train_round(bad + good)
    finally:
        handle.remove()
    assert problem.space.key(bad[0]) in trainer.failures
    assert l2.calls == trainer.gan.steps == mask.applied
    assert all(bool(torch.isfinite(p).all()) for p in trainer.supernet.parameters())
