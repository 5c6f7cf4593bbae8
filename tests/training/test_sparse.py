"""STU-GAN's sparse training: ERK masks, masks held after every step (G, D, EMA), prune-and-regrow at a fixed
per-layer budget by gradient, a monotone prune-rate schedule, static mode, bit-identical resume, sparse cost."""

import copy
import doctest
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tiny_pair import images, pair
from torch import nn

from pymoo_gan.metrics import cost, count_macs, count_params, sparse_cost
from pymoo_gan.nn import masks as masks_module
from pymoo_gan.nn.masks import conv_weights, erk_densities, prune_and_regrow
from pymoo_gan.training import GANTrainer, SparseTraining, TrainConfig, TrainerHook, cosine_prune_rate, sparse
from pymoo_gan.training.loop import clone_state

CFG = TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=1, ema_decay=0.9)


def trainer_with(hooks, seed=0, cfg=CFG):
    return GANTrainer(*pair(seed), cfg, latent_dim=12, hooks=hooks)


def dynamic(**kwargs):
    return SparseTraining(**{"density_g": 0.2, "density_d": 0.5, "total_steps": 8, "update_every": 2, **kwargs})


def outside_is_zero(net, masks):
    weights = conv_weights(net)
    return all(bool((weights[k][~m] == 0).all()) for k, m in masks.items())


def counts(masks):
    return {k: int(m.sum()) for k, m in masks.items()}


class Watch(TrainerHook):
    """Placed after the sparse hook: records G's masks, grads, weights and Adam state after each G step."""

    def __init__(self, hook):
        self.hook, self.records = hook, []

    def after_g_step(self, trainer):
        weights = conv_weights(trainer.G)
        self.records.append({
            "masks": clone_state(self.hook.masks_g),
            "grads": {k: w.grad.clone() for k, w in weights.items() if w.grad is not None},
            "exp_avg": {k: trainer.opt_g.state[w]["exp_avg"].clone() for k, w in weights.items()},
        })


@pytest.mark.parametrize("module", [masks_module, sparse, cost])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("density", [0.02, 0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("which", [0, 1])
def test_erk_densities_average_to_the_request_and_stay_at_most_one(density, which):
    shapes = {k: tuple(w.shape) for k, w in conv_weights(pair()[which]).items()}
    d = erk_densities(shapes, density)
    sizes = {k: math.prod(s) for k, s in shapes.items()}
    assert sum(d[k] * sizes[k] for k in d) / sum(sizes.values()) == pytest.approx(density, rel=1e-12)
    assert all(0 < v <= 1 for v in d.values())
    # below 1 the densities are proportional to the ERK score (sum of dims / product of dims)
    ratios = [d[k] * sizes[k] / sum(shapes[k]) for k in d if d[k] < 1]
    assert ratios == pytest.approx([ratios[0]] * len(ratios), rel=1e-12) if ratios else density == 1.0
    if density == 0.9:
        assert 1.0 in d.values()  # the redistribution was exercised


def test_erk_rejects_bad_densities():
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"density=.* must be in \(0, 1\]"):
            erk_densities({"w": (4, 4, 3, 3)}, bad)


def test_masks_hold_in_g_d_and_the_ema_after_training():
    hook = dynamic()
    trainer = trainer_with([hook])
    trainer.train_steps(6, images(), torch.Generator().manual_seed(2))
    assert outside_is_zero(trainer.G, hook.masks_g) and outside_is_zero(trainer.ema.shadow, hook.masks_g)
    assert outside_is_zero(trainer.D, hook.masks_d)
    # under spectral norm the mask is on weight_orig, and the normalised weight the forward used inherits the zeros
    assert bool((trainer.D.blocks[0].c2.weight[~hook.masks_d["blocks.0.c2.weight_orig"]] == 0).all())
    densities = hook.densities()
    assert densities["G"] == pytest.approx(0.2, abs=0.01) and densities["D"] == pytest.approx(0.5, abs=0.01)
    # linear layers, normalisation and biases stay dense; masks are keyed like the state dict
    assert set(hook.masks_g) <= set(trainer.G.state_dict()) and set(hook.masks_d) <= set(trainer.D.state_dict())
    assert all(k.endswith((".weight", ".weight_orig")) for k in [*hook.masks_g, *hook.masks_d])
    assert not any(isinstance(m, nn.Linear) and f"{n}.weight" in hook.masks_g for n, m in trainer.G.named_modules())


def test_prune_and_regrow_keeps_per_layer_counts_and_grows_by_gradient():
    hook = dynamic(update_every=1)
    watch = Watch(hook)
    trainer = trainer_with([hook, watch])
    fresh = dynamic()
    fresh.attach(*pair())
    before = clone_state(fresh.masks_g)
    trainer.train_steps(4, images(), torch.Generator().manual_seed(2))
    changed_layers = 0
    for step, record in enumerate(watch.records):
        now = record["masks"]
        assert counts(now) == counts(before)
        rate = hook.prune_rate_at(step + 1)
        for k, new in now.items():
            old = before[k]
            grown, pruned = new & ~old, old & ~new
            assert int(grown.sum()) == int(pruned.sum()) <= math.ceil(rate * int(old.sum()))
            changed_layers += bool(grown.any())
            if grown.any():  # every grown position has at least the |grad| of every position left inactive
                g = record["grads"][k].abs()
                assert float(g[grown].min()) >= float(g[~new].max())
        before = now
    assert changed_layers > 0


def test_prune_and_regrow_on_a_hand_made_case():
    w = torch.tensor([[0.9, -0.1, 0.0, 0.0], [0.5, 0.0, -0.3, 0.0]])
    m = torch.tensor([[True, True, False, False], [True, False, True, False]])
    g = torch.tensor([[0.0, 0.0, 0.2, -4.0], [0.0, 0.1, 1.0, 3.0]])
    new = prune_and_regrow(w, m, g, 2)  # prune -0.1 and -0.3; grow the inactive of largest |g|: -4.0 and 3.0
    assert new.tolist() == [[True, False, False, True], [True, False, False, True]]
    g[0, 1] = 9.0  # a just-pruned position competes for regrowth (its weight restarts at zero)
    assert prune_and_regrow(w, m, g, 1).tolist() == m.tolist()
    assert torch.equal(prune_and_regrow(w, m, g, 0), m)


def test_the_prune_rate_is_a_monotone_cosine_from_half_to_0_005():
    rates = [cosine_prune_rate(t, 100) for t in range(0, 131)]
    assert rates[0] == 0.5 and rates[100] == pytest.approx(0.005) and rates[130] == pytest.approx(0.005)
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))
    assert rates[50] == pytest.approx(0.2525)
    assert dynamic(total_steps=100).prune_rate_at(50) == pytest.approx(0.2525)


def test_dynamic_mode_needs_total_steps_and_bad_settings_are_refused():
    with pytest.raises(ValueError, match="dynamic mode needs the run's G steps"):
        SparseTraining(0.2, 0.5)
    with pytest.raises(ValueError, match="mode='gmp' is not one of"):
        SparseTraining(0.2, 0.5, mode="gmp")
    with pytest.raises(ValueError, match="density_d=0 must be in"):
        SparseTraining(0.2, 0, mode="static")


def test_static_masks_never_change():
    hook = SparseTraining(0.2, 0.5, mode="static", update_every=1)
    watch = Watch(hook)
    trainer = trainer_with([hook, watch])
    fresh = SparseTraining(0.2, 0.5, mode="static")
    fresh.attach(*pair())
    trainer.train_steps(4, images(), torch.Generator().manual_seed(2))
    assert all(all(torch.equal(r["masks"][k], fresh.masks_g[k]) for k in fresh.masks_g) for r in watch.records)
    assert all(torch.equal(hook.masks_d[k], m) for k, m in fresh.masks_d.items())
    assert outside_is_zero(trainer.G, hook.masks_g) and outside_is_zero(trainer.D, hook.masks_d)


def test_resume_from_the_state_is_bit_identical():
    data = images()
    whole = trainer_with([dynamic()])
    gen = torch.Generator().manual_seed(2)
    whole.train_steps(3, data, gen)
    state, gen_state = clone_state(whole.state_dict()), gen.get_state()
    whole.train_steps(4, data, gen)  # crosses updates at G steps 4 and 6

    resumed = trainer_with([dynamic(seed=9)], seed=5)  # other initial weights and masks: all replaced by the state
    resumed.load_state_dict(state)
    gen = torch.Generator().manual_seed(0)
    gen.set_state(gen_state)
    resumed.train_steps(4, data, gen)

    a, b = whole.state_dict(), resumed.state_dict()
    for key in ("G", "D", "ema", "opt_g", "opt_d", "hooks"):
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert whole.hooks[0].g_steps == 7 and any(not torch.equal(a["hooks"][0]["masks_g"][k], m)
                                               for k, m in state["hooks"][0]["masks_g"].items())


def erk_counts(net, density):
    """The exact active count per masked layer that ERK asks for: ``round(density_l * numel)``, at least 1."""
    weights = conv_weights(net)
    densities = erk_densities({k: tuple(w.shape) for k, w in weights.items()}, density)
    return {k: min(w.numel(), max(1, round(densities[k] * w.numel()))) for k, w in weights.items()}


class NonZero(TrainerHook):
    """Placed after the sparse hook: the non-zero counts of G's and D's masked weights and masks after each step."""

    def __init__(self, hook):
        self.hook, self.g, self.d = hook, [], []

    def record(self, net, masks, into):
        weights = conv_weights(net)
        into.append({"mask": counts(masks), "nonzero": {k: int(torch.count_nonzero(w)) for k, w in weights.items()},
                     "outside": sum(int(torch.count_nonzero(w[~masks[k]])) for k, w in weights.items())})

    def after_d_step(self, trainer):
        self.record(trainer.D, self.hook.masks_d, self.d)

    def after_g_step(self, trainer):
        self.record(trainer.G, self.hook.masks_g, self.g)


def test_every_masked_layer_holds_its_erk_count_at_init_after_every_update_and_after_resume():
    """Exact non-zero counts: each layer's mask has its ERK count at initialisation, after every step and every
    prune-and-regrow (update_every=1), and after a resume; no weight outside a mask is non-zero (weights inside may
    be zero: a grown weight starts at zero)."""
    G, D = pair()
    target_g, target_d = erk_counts(G, 0.2), erk_counts(D, 0.5)
    assert any(c < w.numel() for c, w in zip(target_g.values(), conv_weights(G).values(), strict=True))
    hook = dynamic(update_every=1)
    hook.attach(G, D)
    assert counts(hook.masks_g) == target_g and counts(hook.masks_d) == target_d
    assert all(int(torch.count_nonzero(w)) <= target_g[k] for k, w in conv_weights(G).items())

    def check(record, target):
        assert record["mask"] == target and record["outside"] == 0
        assert all(record["nonzero"][k] <= n for k, n in target.items())

    hook = dynamic(update_every=1)
    watch = NonZero(hook)
    trainer = trainer_with([hook, watch], cfg=TrainConfig(g_batch_size=8, d_batch_size=8, n_critic=2, ema_decay=0.9))
    data, gen = images(), torch.Generator().manual_seed(2)
    trainer.train_steps(3, data, gen)
    state, first = clone_state(trainer.state_dict()), clone_state(hook.masks_g)
    trainer.train_steps(2, data, gen)
    assert len(watch.g) == 5 and len(watch.d) == 10
    for record in watch.g:
        check(record, target_g)
    for record in watch.d:
        check(record, target_d)
    assert any(not torch.equal(first[k], m) for k, m in hook.masks_g.items())  # the masks did move

    resumed_hook = dynamic(update_every=1, seed=9)
    resumed_watch = NonZero(resumed_hook)
    resumed = trainer_with([resumed_hook, resumed_watch], seed=5)
    resumed.load_state_dict(state)
    assert counts(resumed_hook.masks_g) == target_g and counts(resumed_hook.masks_d) == target_d
    resumed.train_steps(2, data, torch.Generator().manual_seed(3))
    assert len(resumed_watch.g) == 2
    for record in resumed_watch.g:
        check(record, target_g)
    for record in resumed_watch.d:
        check(record, target_d)


SCRIPT = Path(__file__).with_name("hooks_for_tests.py")


def test_a_killed_sparse_retraining_resumes_bit_identically_with_its_masks(tmp_path):
    """``retrain`` with ``[retrain.sparse]`` (dynamic, an update every 3 G steps), SIGKILLed in a subprocess at its
    second checkpoint, then rerun: the final state equals an uninterrupted run's bit for bit on the CPU, and the masks
    travel in ``state.pt``."""

    def run(out, kill_at):
        return subprocess.run([sys.executable, str(SCRIPT), str(out), str(kill_at), "sparse"], capture_output=True,
                              text=True, timeout=600)

    assert run(tmp_path / "whole", 0).returncode == 0
    killed = run(tmp_path / "killed", 2)
    assert killed.returncode == -9, killed.stderr
    assert (tmp_path / "killed" / "state.pt").is_file() and not (tmp_path / "killed" / "scores.json").exists()
    at_kill = torch.load(tmp_path / "killed" / "state.pt", weights_only=False)["trainer"]
    (masks_at_kill,) = [h for h in at_kill["hooks"] if "masks_g" in h]
    assert 0 < masks_at_kill["g_steps"] == at_kill["steps"] and masks_at_kill["masks_g"]
    resumed = run(tmp_path / "killed", 0)
    assert resumed.returncode == 0, resumed.stderr
    whole = torch.load(tmp_path / "whole" / "state.pt", weights_only=False)["trainer"]
    again = torch.load(tmp_path / "killed" / "state.pt", weights_only=False)["trainer"]
    assert whole["steps"] == again["steps"] > at_kill["steps"]
    for key in ("G", "D", "ema", "opt_g", "opt_d", "hooks"):
        torch.testing.assert_close(whole[key], again[key], rtol=0, atol=0)
    masks = whole["hooks"][0]["masks_g"]
    assert any(not torch.equal(masks_at_kill["masks_g"][k], m) for k, m in masks.items())  # updates after the kill
    scores = (tmp_path / "killed" / "scores.json").read_text()
    assert '"g_density"' in scores and '"g_nnz_params"' in scores


def test_masks_that_do_not_fit_the_nets_are_refused():
    hook = dynamic()
    hook.attach(*pair())
    other = dynamic()
    state = hook.state_dict()
    key = next(iter(state["masks_g"]))
    other.load_state_dict({**state, "masks_g": {**state["masks_g"], key: state["masks_g"][key][:1]}})
    with pytest.raises(ValueError, match=f"the mask of G's {key} has shape"):
        other.attach(*pair())
    other.load_state_dict({**state, "masks_g": {}})
    with pytest.raises(ValueError, match="the sparse masks do not match G's convolutions: no mask for"):
        other.attach(*pair())


@pytest.mark.parametrize("reset", [False, True])
def test_adam_moments_of_changed_entries(reset):
    hook = dynamic(update_every=2, reset_moments=reset)
    watch = Watch(hook)
    trainer_with([hook, watch]).train_steps(2, images(), torch.Generator().manual_seed(2))
    before, after = watch.records[0]["masks"], watch.records[1]["masks"]
    changed = {k: before[k] != after[k] for k in after}
    assert any(c.any() for c in changed.values())
    moments = watch.records[1]["exp_avg"]
    zero = all(bool((moments[k][c] == 0).all()) for k, c in changed.items())
    assert zero == reset  # with Adam's dense updates, kept moments are non-zero


def test_sparse_cost_counts_the_masked_weights():
    G, D = pair()
    z = torch.zeros(2, 12)
    dense = {"nnz_params": count_params(G), "sparse_macs": count_macs(G, z)}
    assert sparse_cost(G, z) == dense
    no_convs = copy.deepcopy(G)
    for w in conv_weights(no_convs).values():
        w.data.zero_()
    conv_macs = dense["sparse_macs"] - sparse_cost(no_convs, z)["sparse_macs"]
    hook = SparseTraining(0.2, 1.0, mode="static")
    hook.attach(G, D)
    conv_params = sum(w.numel() for w in conv_weights(G).values())
    got = sparse_cost(G, z)
    assert got["nnz_params"] == dense["nnz_params"] - conv_params + sum(counts(hook.masks_g).values())
    sparse_conv_macs = got["sparse_macs"] - (dense["sparse_macs"] - conv_macs)
    assert 0.1 < sparse_conv_macs / conv_macs < 0.4  # about the density (ERK spreads it unevenly across layers)
    assert sparse_cost(D, torch.zeros(2, 1, 16, 16)) == {"nnz_params": count_params(D),
                                                          "sparse_macs": count_macs(D, torch.zeros(2, 1, 16, 16))}


def test_sparse_macs_on_hand_made_layers():
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1),
                        nn.Flatten(), nn.Linear(2 * 16 * 16, 3))
    with torch.no_grad():
        net[0].weight[:, :, 0, 0] = 0  # 8 of 72 zero
        net[1].weight[0] = 0  # 32 of 128 zero
        net[3].weight[:, :100] = 0  # 300 of 1536 zero
    x = torch.zeros(1, 2, 8, 8)
    # conv: 8x8 output positions; transposed conv: 8x8 input positions; linear: one position
    expected_macs = 64 * (72 - 8) + 64 * (128 - 32) + 1 * (1536 - 300)
    expected_params = (72 - 8) + (128 - 32) + 2 + (1536 - 300) + 3
    assert sparse_cost(net, x) == {"nnz_params": expected_params, "sparse_macs": expected_macs}
