"""Published architectures scored in the same run appear as labelled markers on the Pareto plot."""

import doctest

import numpy as np
import pandas as pd
import pytest
from report_data import FakeProblem

import pymoo_gan.report.stage as stage_module
from pymoo_gan.report.figures import REFERENCE_MARKERS, hypervolume_history, pareto_figure
from pymoo_gan.report.stage import StageInfo, reference_mask, split_references, write_stage_figures

F = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_doctests():
    assert doctest.testmod(stage_module).failed == 0


def test_without_references_the_figure_is_unchanged():
    ax = pareto_figure(F, F[:3], ["FD", "params"]).axes[0]
    assert _legend(ax) == ["evaluated", "Pareto set"]
    assert len(ax.collections) == 2 and len(ax.texts) == 0


def test_references_are_labelled_markers_in_the_legend_and_on_the_axes():
    refs = np.array([[0.5, 2.5], [2.5, 0.5]])
    ax = pareto_figure(F, F[:3], ["FD", "params"], references=refs, reference_labels=["EAGAN", "AutoGAN"]).axes[0]
    assert _legend(ax) == ["evaluated", "Pareto set", "EAGAN", "AutoGAN"]
    assert [t.get_text() for t in ax.texts] == ["EAGAN", "AutoGAN"]
    assert [t.xy for t in ax.texts] == [(0.5, 2.5), (2.5, 0.5)]
    markers = ax.collections[2:]
    assert [m.get_offsets().tolist() for m in markers] == [[[0.5, 2.5]], [[2.5, 0.5]]]
    assert markers[0].get_paths()[0] != markers[1].get_paths()[0] and len(REFERENCE_MARKERS) > 2


def test_references_on_every_projected_panel():
    F3 = np.random.default_rng(0).random((10, 3))
    fig = pareto_figure(F3, F3[:2], ["a", "b", "c"], references=[[0.1, 0.2, 0.3]], reference_labels=["ref"])
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3
    assert {(t.get_text(), t.xy) for t in panels[2].texts} == {("ref", (0.2, 0.3))}


def test_reference_labels_must_match():
    with pytest.raises(ValueError, match="2 reference points but 1"):
        pareto_figure(F, F[:3], ["a", "b"], references=[[1, 1], [2, 2]], reference_labels=["one"])


def test_split_references_by_kind_or_label():
    by_kind = pd.DataFrame({"kind": ["offspring", "reference", "rescore"], "label": ["", "", "x"],
                            "genotype": ["0-1", "1-1", "2-1"], "F0": [1.0, 2.0, 3.0]})
    search, refs, names = split_references(by_kind)
    assert search["genotype"].tolist() == ["0-1", "2-1"] and names == ["1-1"]  # no label: the genotype key
    by_label = pd.DataFrame({"label": [np.nan, "EAGAN", " "], "F0": [1.0, 2.0, 3.0]})
    assert reference_mask(by_label).tolist() == [False, True, False]
    assert split_references(by_label)[2] == ["EAGAN"]
    assert reference_mask(pd.DataFrame({"F0": [1.0]})).tolist() == [False]


def test_stage_figures_keep_references_out_of_the_search(tmp_path, monkeypatch):
    problem = FakeProblem(references=1)
    results = problem.results()
    search = results[results["kind"] != "reference"]
    front = search[search["genotype"].isin([problem.space.key(i.X) for i in problem.res.opt])]
    drawn = {}


    def spy(evaluated, best, labels, path, **kw):
        drawn.update(evaluated=evaluated, references=kw["references"], names=kw["reference_labels"])
        return path

    monkeypatch.setattr(stage_module, "plot_pareto", spy)
    info = StageInfo(labels=["fd", "-score"], title="t")
    write_stage_figures(results, front, info, str(tmp_path))
    assert len(drawn["evaluated"]) == len(search)
    assert drawn["references"].tolist() == [[50.0, -5.0]] and drawn["names"][0].startswith("EAGAN")
    hv = pd.read_csv(tmp_path / "hypervolume.csv")
    expected = hypervolume_history(search, 2, cumulative=True)
    assert hv["hypervolume"].tolist() == pytest.approx(expected["hypervolume"].tolist())
    with_refs = hypervolume_history(results, 2, cumulative=True)["hypervolume"].tolist()
    assert with_refs != pytest.approx(hv["hypervolume"].tolist())  # the dominating reference would have counted
