"""Every figure function writes png, pdf and svg from one style, and leaves matplotlib's rcParams as they were."""

import doctest
import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pandas as pd
import pytest

import pymoo_gan.report.style as style_module
from pymoo_gan.report.arch_drawings import draw_architecture
from pymoo_gan.report.attainment import plot_attainment
from pymoo_gan.report.figures import (
    pareto_figure,
    pareto_mask,
    plot_hypervolume,
    plot_pareto,
    plot_pareto_3d,
    plot_sample_grid,
)
from pymoo_gan.report.style import STYLE, figure_paths, pyplot
from pymoo_gan.space.presets import get_preset

F2 = np.random.default_rng(0).random((20, 2))
F3 = np.random.default_rng(1).random((20, 3))
HV = pd.DataFrame({"generation": [1, 2, 3], "hypervolume": [0.2, 0.5, 0.6], "n_front": [1, 2, 2]})

PLOTS = {
    "pareto": lambda path, **kw: plot_pareto(F2, F2[pareto_mask(F2)], ["FD", "params"], path, title="FD front",
                                             **kw),
    "pareto_3d": lambda path, **kw: plot_pareto_3d(F3, F3[pareto_mask(F3)], ["FD", "IS", "params"], path,
                                                   title="FD front", **kw),
    "hypervolume": lambda path, **kw: plot_hypervolume(HV, path, title="FD front", **kw),
    "samples": lambda path, **kw: plot_sample_grid([np.zeros((2, 1, 8, 8))], ["FD front"], path, **kw),
    "architecture": lambda path, **kw: draw_architecture(get_preset("eagan_g_cifar10"), path, title="FD front",
                                                         **kw),
    "attainment": lambda path, **kw: plot_attainment([F2, F2 + 0.1, F2 + 0.2], ["FD", "params"], path,
                                                     title="FD front", **kw),
}


def test_doctests():
    assert doctest.testmod(style_module).failed == 0


@pytest.mark.parametrize("name", PLOTS)
def test_every_format_is_written_and_parses(name, tmp_path):
    first = PLOTS[name](str(tmp_path / f"{name}.png"), formats=("png", "pdf", "svg"))
    assert first == str(tmp_path / f"{name}.png")
    png, pdf, svg = (tmp_path / f"{name}.{fmt}" for fmt in ("png", "pdf", "svg"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and b"%%EOF" in data[-32:]
    root = ET.fromstring(svg.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    if name != "samples":  # text stays text (svg.fonttype none): the title is searchable in the file
        assert "FD front" in svg.read_text()
        assert b"/FontFile2" in data and b"/Subtype /Type3" not in data  # TrueType, not Type 3 fonts
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (png, pdf, svg))


@pytest.mark.parametrize("name", PLOTS)
def test_path_suffix_is_the_format_without_formats(name, tmp_path):
    path = PLOTS[name](str(tmp_path / "f.svg"))
    assert path.endswith("f.svg") and [p.name for p in tmp_path.iterdir()] == ["f.svg"]
    ET.parse(path)


@pytest.mark.parametrize("name", PLOTS)
def test_rcparams_unchanged_after_a_figure(name, tmp_path):
    pyplot()
    before = dict(matplotlib.rcParams)
    PLOTS[name](str(tmp_path / "f.png"), formats=("png", "pdf"))
    assert dict(matplotlib.rcParams) == before


def test_the_style_applies_whatever_the_global_rcparams():
    with matplotlib.rc_context({"axes.labelsize": 21, "font.size": 17, "legend.fontsize": 15}):
        fig = pareto_figure(F2, F2[pareto_mask(F2)], ["FD", "params"], title="t")
        assert matplotlib.rcParams["axes.labelsize"] == 21  # the caller's setting survives the call
    ax = fig.axes[0]
    assert ax.xaxis.label.get_fontsize() == STYLE["axes.labelsize"]
    assert ax.get_legend().get_texts()[0].get_fontsize() == STYLE["legend.fontsize"]
    assert fig._suptitle.get_fontsize() == STYLE["figure.titlesize"]


def test_figure_paths():
    assert figure_paths("a/b.png") == ["a/b.png"]
    assert figure_paths("a/b.png", "pdf") == ["a/b.pdf"]
    assert figure_paths("a/b", ("svg", "png", "svg")) == ["a/b.svg", "a/b.png"]
    with pytest.raises(ValueError, match="jpg"):
        figure_paths("a/b.png", ("png", "jpg"))
    with pytest.raises(ValueError, match="choose from"):
        figure_paths("a/b.png", ())
