"""Cell drawings: nodes, op-labelled edges (no 'none'), skip-ins; the figure modules import without torch."""

import doctest
import os
import subprocess
import sys
import textwrap
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import pymoo_gan.report.arch_drawings as plot_arch  # noqa: E402
from pymoo_gan.report.arch_drawings import architecture_figure, draw_architecture, draw_cell  # noqa: E402
from pymoo_gan.space.autogan import AutoGANCell  # noqa: E402
from pymoo_gan.space.eagan import DownCell, UpCell  # noqa: E402
from pymoo_gan.space.presets import PRESETS, get_preset  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _circles(ax) -> int:
    return sum(isinstance(p, Circle) for p in ax.patches)


def test_doctests():
    assert doctest.testmod(plot_arch).failed == 0


def test_draw_cell_up_cell_labels_are_the_ops_of_a_known_arch(tmp_path):
    cell = get_preset("eagan_g_cifar10").arch.cells[0]  # up bilinear x2; skip, none, conv_1x1, conv_3x3, skip
    path = str(tmp_path / "cell.png")
    ax = draw_cell(cell, path)
    assert os.path.getsize(path) > 0
    texts = _texts(ax)
    assert Counter(t for t in texts if t in ("bilinear", "skip", "conv_1x1", "conv_3x3")) == Counter(
        {"bilinear": 2, "skip": 2, "conv_1x1": 1, "conv_3x3": 1})
    assert "none" not in texts and not any("skip-in" in t for t in texts)  # cell 0 has no skip-ins
    assert {"in", "0", "1", "2", "3"} <= set(texts)
    assert _circles(ax) == 5
    assert ax.get_title() == "up-cell 0"


def test_draw_cell_none_edges_are_omitted():
    cell = get_preset("eagan_g_cifar10").arch.cells[2]  # c0, c2, c3 are none
    ax = draw_cell(cell)
    arrows = [p for p in ax.patches if not isinstance(p, Circle)]
    assert len(arrows) == 2 + 2  # two up edges and the two non-none normal edges
    assert sorted(t for t in _texts(ax) if t.startswith("conv")) == ["conv_3x3", "conv_3x3"]


def test_draw_cell_skip_in_of_later_generator_cells():
    cell = get_preset("eagan_g_cifar10").arch.cells[1]
    (skip,) = [t for t in _texts(draw_cell(cell, index=1)) if "skip-in" in t]
    assert "cell 0" in skip and "bilinear" in skip and "conv_1x1" in skip
    (skip,) = [t for t in _texts(draw_cell(cell, index=2)) if "skip-in" in t]
    assert "cells 0-1" in skip and "nearest" in skip


def test_draw_cell_down_cell():
    cell = DownCell(edges=("conv_3x3", "none", "dil_conv_5x5", "skip", "conv_1x1"), down=("max_pool", "conv_5x5"))
    fig, ax = plt.subplots()
    assert draw_cell(cell, ax=ax, title="D cell") is ax
    texts = _texts(ax)
    for op in ("conv_3x3", "dil_conv_5x5", "skip", "conv_1x1", "max_pool", "conv_5x5"):
        assert texts.count(op) == 1, op
    assert "none" not in texts and "out" in texts and _circles(ax) == 5
    assert ax.get_title() == "D cell"
    plain = draw_cell(DownCell(edges=("skip", "conv_3x3", "none", "none", "skip"), down=("none", "none")))
    assert _texts(plain).count("identity") == 2 and "none" not in _texts(plain)


def test_draw_cell_autogan_cell():
    ax = draw_cell(AutoGANCell(conv="post", norm="batch", up="deconv", shortcut=True, skips=(0, 1)), index=2)
    texts = _texts(ax)
    assert "deconv\nconv_3x3" in texts and "deconv\nconv_1x1" in texts and "conv_3x3" in texts
    assert any("skip-in from cell 0,1" in t for t in texts)
    assert ax.get_title() == "cell 2: post-activation, norm batch" and _circles(ax) == 3
    no_sc = draw_cell(AutoGANCell(shortcut=False))
    assert not any("conv_1x1" in t for t in _texts(no_sc))


def test_architecture_generator_has_every_op_and_the_skips(tmp_path):
    arch = get_preset("eagan_g_cifar10").arch
    ax = architecture_figure(arch, title="EAGAN G").axes[0]
    texts = Counter(_texts(ax))
    expected = Counter(op for cell in arch.cells for op in (*cell.up, *cell.edges) if op != "none")
    assert all(texts[op] >= n for op, n in expected.items()), (texts, expected)
    assert texts["none"] == 0
    # fixed skip-ins 0->1 (SKIP_MODES[1] = bilinear), 0->2 and 1->2 (SKIP_MODES[2] = nearest)
    assert Counter(t for t in texts.elements() if t.endswith("+ conv_1x1")) == Counter(
        {"bilinear + conv_1x1": 1, "nearest + conv_1x1": 2})
    assert texts["+ z[1]"] == texts["+ z[2]"] == 1
    assert _circles(ax) == 5 * len(arch.cells)
    assert [t for t in texts if t.startswith("up-cell")] == ["up-cell 0", "up-cell 1", "up-cell 2"]
    path = draw_architecture(arch, str(tmp_path / "g.svg"))
    assert os.path.getsize(path) > 0


def test_architecture_discriminator():
    ax = architecture_figure(get_preset("autogan_d").arch).axes[0]
    texts = _texts(ax)
    assert texts.count("avg_pool") == 2 and texts.count("identity") == 4
    assert texts.count("conv_3x3") == 6 and texts.count("conv_1x1") == 1 and "none" not in texts
    assert _circles(ax) == 15 and not any("skip-in" in t or "z[" in t for t in texts)


def test_architecture_autogan_generator():
    arch = get_preset("autogan_a_cifar10").arch
    texts = _texts(architecture_figure(arch).axes[0])
    n_skips = sum(len(c.skips) for c in arch.cells)  # AutoGAN-A: cell 1 <- 0, cell 2 <- 0, 1
    assert n_skips == 3
    assert sum(t.endswith(" conv_1x1") for t in texts) == n_skips
    assert sum(t.endswith("\nconv_1x1") for t in texts) == sum(c.shortcut for c in arch.cells)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_draws(name, tmp_path):
    path = draw_architecture(PRESETS[name], str(tmp_path / f"{name}.png"))  # a Preset is unwrapped
    assert os.path.getsize(path) > 0


def test_unsupported_types_raise_type_error():
    with pytest.raises(TypeError, match="CellGeneratorArch, CellDiscriminatorArch, AutoGANGeneratorArch"):
        draw_architecture("not an arch", "x.png")
    with pytest.raises(TypeError, match="UpCell, DownCell, AutoGANCell"):
        draw_cell(get_preset("eagan_g_cifar10").arch)
    with pytest.raises(TypeError, match="supported"):
        architecture_figure(UpCell(up=("nearest", "nearest"), edges=("skip",) * 5))


TORCH_GUARD = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    class ForbidTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "torchvision", "torch_fidelity", "torchmetrics"):
                raise ModuleNotFoundError(f"import of {name!r} is forbidden in this test", name=name)
            return None

    sys.meta_path.insert(0, ForbidTorch())
    for module in sys.argv[1:]:
        importlib.import_module(module)
    print("ok")
    """
)


def test_figure_and_table_modules_import_without_torch():
    modules = ["pymoo_gan.report.figures", "pymoo_gan.report.arch_drawings", "pymoo_gan.report.tables"]
    proc = subprocess.run([sys.executable, "-c", TORCH_GUARD, *modules], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
