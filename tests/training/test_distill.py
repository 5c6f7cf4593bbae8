"""DGL-GAN's teacher discriminator term: frozen teacher, gradient through it into G, two stages, shape checks."""

import copy
import doctest

import pytest
import torch
from tiny_pair import images, pair

from pymoo_gan.models import SimpleDiscriminator, build_discriminator
from pymoo_gan.training import GANTrainer, TeacherDiscriminatorLoss, TrainConfig, TrainerHook, check_teacher, distill
from pymoo_gan.training.losses import g_hinge, g_non_saturating

CFG = TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=1)


def teacher(seed=7):
    return build_discriminator("autogan", in_channels=1, channels=16, resolution=16,
                               generator=torch.Generator().manual_seed(seed))


def trained(hooks=(), steps=3, cfg=CFG):
    G, D = pair()
    trainer = GANTrainer(G, D, cfg, latent_dim=12, hooks=hooks)
    trainer.train_steps(steps, images(), torch.Generator().manual_seed(2))
    return trainer


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class Capture(TrainerHook):
    """Records D's state after each D step and G's gradients after each G step."""

    def __init__(self):
        self.d_states, self.g_grads = [], []

    def after_d_step(self, trainer):
        self.d_states.append(copy.deepcopy(trainer.D.state_dict()))

    def after_g_step(self, trainer):
        self.g_grads.append([None if p.grad is None else p.grad.clone() for p in trainer.G.parameters()])


def test_doctests():
    assert doctest.testmod(distill).failed == 0


def test_the_teacher_is_frozen_and_never_updated():
    t = teacher()
    before = copy.deepcopy(t.state_dict())  # weights and the spectral-norm vectors
    trainer = trained([TeacherDiscriminatorLoss(t, weight=0.5)], steps=3)
    assert same(before, t.state_dict())
    assert all(not p.requires_grad and p.grad is None for p in t.parameters())
    assert not t.training
    in_opt_d = {id(p) for group in trainer.opt_d.param_groups for p in group["params"]}
    assert not in_opt_d & {id(p) for p in t.parameters()}


@pytest.mark.parametrize("loss,g_loss_fn", [("hinge", g_hinge), ("non_saturating", g_non_saturating)])
def test_the_generator_gradient_is_main_plus_lambda_teacher_term(loss, g_loss_fn):
    """The trainer's G gradient equals the gradient of ``g_loss(D(G(z))) + 0.3 * g_loss(T(G(z)))`` computed here."""
    cfg = TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=1, loss=loss)
    G0, _ = pair()
    t = teacher()
    capture = Capture()
    trained([TeacherDiscriminatorLoss(t, weight=0.3), capture], steps=1, cfg=cfg)

    G, D = pair()  # G as before its first step; D as after its first step
    D.load_state_dict(capture.d_states[0])
    G.load_state_dict(G0.state_dict())
    gen = torch.Generator().manual_seed(2)  # replay the trainer's draws: batch indices, D's latents, G's latents
    torch.randint(64, (8,), generator=gen)
    torch.randn(8, 12, generator=gen)
    z = torch.randn(8, 12, generator=gen)
    G.train(), D.train()
    D.requires_grad_(False)
    fake = G(z)
    (g_loss_fn(D(fake).float()) + 0.3 * g_loss_fn(t(fake).float())).backward()
    expected = [p.grad for p in G.parameters()]
    got = capture.g_grads[0]
    assert len(got) == len(expected) and any(g is not None and bool(g.abs().sum() > 0) for g in got)
    for g, e in zip(got, expected, strict=True):
        assert (g is None) == (e is None)
        if g is not None:
            torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-7)
    # and the teacher term matters: without it the gradient differs
    plain = Capture()
    trained([plain], steps=1, cfg=cfg)
    assert not all(torch.equal(a, b) for a, b in zip(plain.g_grads[0], got, strict=True) if a is not None)


def test_weight_zero_reproduces_plain_training_bit_identically():
    """lambda = 0 from the first step: G, D, EMA and both optimizers end bit-identical to training without the hook,
    and the teacher is untouched."""
    cfg = TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=2, ema_decay=0.9)
    t = teacher()
    before = copy.deepcopy(t.state_dict())
    hook = TeacherDiscriminatorLoss(t, weight=0.0, start_step=0)
    plain, hooked = trained(steps=4, cfg=cfg), trained([hook], steps=4, cfg=cfg)
    a, b = plain.state_dict(), hooked.state_dict()
    for key in ("G", "D", "ema", "opt_g", "opt_d"):
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert hook.g_steps == 4 and same(before, t.state_dict())


def test_no_term_before_start_step_then_full_weight():
    hook = TeacherDiscriminatorLoss(teacher(), weight=0.1, start_step=2)
    assert hook.current_weight() == 0.0
    two = trained([hook], steps=2)
    assert same(two.G.state_dict(), trained(steps=2).G.state_dict())  # stage 1: plain training, bit for bit
    assert hook.state_dict() == {"g_steps": 2} and hook.current_weight() == 0.1
    hook = TeacherDiscriminatorLoss(teacher(), weight=0.1, start_step=2)
    three = trained([hook], steps=3)
    assert not same(three.G.state_dict(), trained(steps=3).G.state_dict())  # stage 2 started at the third step


def test_the_discriminator_loss_is_unchanged():
    """With a huge teacher weight, the first D step (before G has seen the teacher) is bit-identical to plain
    training, and the reported D loss too: the hook adds nothing to D's loss."""
    plain, hooked = trained(steps=1), trained([TeacherDiscriminatorLoss(teacher(), weight=100.0)], steps=1)
    assert same(plain.D.state_dict(), hooked.D.state_dict())
    assert not same(plain.G.state_dict(), hooked.G.state_dict())
    assert TeacherDiscriminatorLoss(teacher()).d_loss(hooked, torch.zeros(2, 1), torch.zeros(2, 1), None) is None


def test_the_hook_state_resumes_the_schedule():
    hook = TeacherDiscriminatorLoss(teacher(), start_step=5)
    trainer = trained([hook], steps=3)
    fresh = TeacherDiscriminatorLoss(teacher(), start_step=5)
    GANTrainer(*pair(), CFG, latent_dim=12, hooks=[fresh]).load_state_dict(trainer.state_dict())
    assert fresh.g_steps == 3


@pytest.mark.parametrize("make,shape,message", [
    (lambda: teacher(), (3, 16, 16), "the teacher discriminator takes 1-channel images; the student's are 3x16x16"),
    (lambda: teacher(), (1, 32, 32), "built for 16x16 images; the student's are 1x32x32 images"),
    (lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 1)), (1, 8, 8),
     "cannot score the student's 1x8x8 images: "),
    (lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)), (1, 8, 8),
     r"returns shape \(2, 2\) for 2 1x8x8 images; needed one logit per image"),
])
def test_a_mismatched_teacher_is_a_one_line_value_error(make, shape, message):
    with pytest.raises(ValueError, match=message) as info:
        TeacherDiscriminatorLoss(make(), image_shape=shape)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=message):
        check_teacher(make(), shape[0], shape[1])


def test_a_mismatched_teacher_is_caught_on_the_first_batch_without_image_shape():
    t = SimpleDiscriminator(in_channels=3, channels=8, resolution=16)
    with pytest.raises(ValueError, match="takes 3-channel images; the student's are 1x16x16 images"):
        trained([TeacherDiscriminatorLoss(t)], steps=1)


def test_the_teacher_follows_the_trainer_memory_format():
    t = teacher()
    trainer = trained([TeacherDiscriminatorLoss(t)], steps=1, cfg=TrainConfig(g_batch_size=8, d_batch_size=8,
                                                                                 channels_last=True))
    conv = [m for m in t.modules() if isinstance(m, torch.nn.Conv2d)][-1]  # 16 -> 16 channels
    assert conv.weight_orig.is_contiguous(memory_format=torch.channels_last)
    assert trainer.steps == 1
