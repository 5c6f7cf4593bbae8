"""The coarse-to-fine pipeline (tiny budgets): three levels, each handed the previous front (or its knee), the
bicubic baseline on the same pairs, reproducibility, and its quality-vs-MACs figure."""

import numpy as np
import pytest

from pymoo_gan.report.c2f import plot_quality_vs_macs, quality_vs_macs_figure
from pymoo_gan.runs.coarse_to_fine import C2FSettings, coarse_to_fine

pytestmark = pytest.mark.usefixtures("single_thread")

TINY = dict(channels=8, n_blocks=3, supernet_steps=4, finetune_steps=1, pop_size=4, n_gen=2, n_eval=16)


def fronts_of(result):
    return [(f.level, [str(a) for a in f.archs], f.scores["psnr"].tolist(), f.scores["macs"].tolist())
            for f in result.fronts]


def test_levels_hand_over_their_fronts_and_runs_repeat():
    result = coarse_to_fine(C2FSettings(**TINY))
    assert [f.level for f in result.fronts] == ["path", "op", "width"]
    for before, after in zip(result.fronts, result.fronts[1:], strict=False):
        assert list(after.space.bases) == before.archs  # the whole Pareto set, exactly
    for front in result.fronts:
        assert front.archs and all(front.space.contains(front.space.encode(a)) for a in front.archs)
        assert {k: len(v) for k, v in front.scores.items()} == dict.fromkeys(("psnr", "ssim", "macs", "params"),
                                                                             len(front.archs))
        assert front.n_evaluated >= len(front.archs)
    assert set(result.baseline) == {"psnr", "ssim"} and np.isfinite(result.baseline["psnr"])
    assert fronts_of(coarse_to_fine(C2FSettings(**TINY))) == fronts_of(result)


def test_knee_hands_over_one_architecture():
    result = coarse_to_fine(C2FSettings(**{**TINY, "knee": True, "n_gen": 1}))
    assert all(len(f.space.bases) == 1 for f in result.fronts[1:])
    assert result.fronts[1].space.bases[0] in result.fronts[0].archs


@pytest.mark.parametrize("kwargs, message", [
    (dict(supernet_steps=-1), "supernet_steps=-1 must be a non-negative integer"),
    (dict(pop_size=0), "pop_size=0 must be a positive integer"),
])
def test_settings_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        C2FSettings(**kwargs)


def test_quality_vs_macs_figure(tmp_path):
    fronts = {"path": ([2e4, 1e4], [29.5, 28.0]), "width": ([5e3], [28.5])}
    fig = quality_vs_macs_figure(fronts, baseline=27.8)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["path (2)", "width (1)", "bicubic 27.80"] and ax.get_xscale() == "log"
    assert (tmp_path / "q.pdf").exists() is False
    assert plot_quality_vs_macs(fronts, str(tmp_path / "q.pdf")) == str(tmp_path / "q.pdf")
    assert (tmp_path / "q.pdf").stat().st_size > 0
    with pytest.raises(ValueError, match="front 'path': macs"):
        quality_vs_macs_figure({"path": ([1.0, 2.0], [3.0])})


def test_retrain_the_chosen_network(tmp_path):
    import torch

    from pymoo_gan.runs.coarse_to_fine import retrain
    from pymoo_gan.runs.export import export_model, load_model

    settings = C2FSettings(**TINY)
    result = coarse_to_fine(settings)
    arch = result.final.archs[int(np.argmax(result.final.scores["psnr"]))]
    _, before = retrain(arch, settings, 0)
    net, after = retrain(arch, settings, 40)
    assert net.arch == arch and not net.training and after["psnr"] > before["psnr"]
    assert after["macs"] == before["macs"] == result.final.scores["macs"][result.final.archs.index(arch)]
    _, scores = retrain(arch, settings, 0, supernet=result.supernet)  # the supernet's weights, untrained
    assert scores["psnr"] == pytest.approx(result.final.scores["psnr"][result.final.archs.index(arch)])
    x = torch.rand(2, 1, 8, 8) * 2 - 1
    loaded = load_model(export_model(net, tmp_path / "g.pt", metadata=after))
    with torch.no_grad():
        assert torch.equal(loaded(x), net(x)) and loaded.export_metadata["psnr"] == after["psnr"]


def test_translation_searches_the_frechet_distance_of_the_digits_classifier():
    """The search scores fd_digits_cnn, and the retrained network reports it too (with the problem's extractor)."""
    from pymoo_gan.data.paired import PairedConfig
    from pymoo_gan.runs.coarse_to_fine import retrain

    settings = C2FSettings(**{**TINY, "n_gen": 1, "n_eval": 64}, task=PairedConfig(task="edges"),
                           objectives=("fd", "macs"), extractor="classifier")
    result = coarse_to_fine(settings)
    assert result.baseline == {} and result.supernet.macro.scale == 1
    for front in result.fronts:
        assert np.all(front.scores["fd_digits_cnn"] > 0) and len(front.scores["fd_digits_cnn"]) == len(front.archs)
    _, scores = retrain(result.final.archs[0], settings, 1)
    assert {"psnr", "ssim", "macs", "params", "fd_digits_cnn"} <= set(scores) and scores["fd_digits_cnn"] > 0


def test_fine_tuning_trains_only_the_coming_levels_sub_networks():
    """fair_sampler(settings, trainer, level) (what search_levels fine-tunes with) draws only sub-networks of the
    level, every choice of every searched block exactly once per step; the weights of ops no base keeps stay as
    they were, those of the bases' ops change."""
    import torch

    from pymoo_gan.runs.coarse_to_fine import fair_sampler, train_checkpointed, train_supernet
    from pymoo_gan.space.c2f import C2FLevelSpace, C2FSpace

    settings = C2FSettings(**{**TINY, "supernet_steps": 0})
    trainer = train_supernet(settings)
    space = C2FSpace(settings.macro())
    bases = [space.decode([0, 1, 3, 1, 0, 0, 0, 1, 1]), space.decode([0, 1, 2, 1, 0, 0, 0, 1, 3])]  # block 1 skipped
    level = C2FLevelSpace(space, "width", bases=bases)
    sampler = fair_sampler(settings, trainer, level)
    for _ in range(5):
        paths = [arch for _, arch in sampler()]
        assert all(level.contains(level.encode(a)) for a in paths)
        assert len({a.blocks[0].width for a in paths}) == len(settings.widths)  # every width of block 0 once
        assert paths[0].blocks[0].width == max(settings.widths) and paths[1].blocks[0].width == min(settings.widths)
    used = {(i, b.op) for a in bases for i, b in enumerate(a.blocks) if b is not None}
    before = {k: v.clone() for k, v in trainer.G.state_dict().items()}
    train_checkpointed(trainer, 3, fair_sampler(settings, trainer, level), None)
    after = trainer.G.state_dict()
    for i in range(settings.n_blocks):
        for op in settings.ops:
            prefix = f"blocks.{i}.{op}."
            changed = any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix))
            assert changed == ((i, op) in used), (i, op)


def test_a_failing_training_step_never_stops_the_search():
    """NaN injected for real into the supernet's training (block 0's conv3x3 at its smallest width, with
    gradients): those fair steps are rolled back and skipped, and the three levels still run on finite weights."""
    import torch

    from pymoo_gan.runs.coarse_to_fine import fair_sampler, search_levels, train_checkpointed, train_supernet

    settings = C2FSettings(**{**TINY, "supernet_steps": 0, "width_rule": "sandwich"})
    trainer = train_supernet(settings)
    smallest = settings.macro().inner(min(settings.widths))
    handle = trainer.G.blocks["0"]["conv3x3"].register_forward_hook(
        lambda module, args, output: output * float("nan") if torch.is_grad_enabled() and args[1] == smallest
        else None)
    with pytest.warns(RuntimeWarning, match="skipped a supernet step on a random path: training produced non-finite"):
        train_checkpointed(trainer, 6, fair_sampler(settings, trainer), None, "supernet")
    handle.remove()
    assert 0 < trainer.skipped_steps < 6 and trainer.steps == 6 - trainer.skipped_steps
    assert all(bool(torch.isfinite(p).all()) for p in trainer.G.parameters())
    levels = search_levels(settings, trainer)
    assert [f.level for f, _, _ in levels] == ["path", "op", "width"]
    assert all(np.isfinite(f.scores["psnr"]).all() for f, _, _ in levels)
