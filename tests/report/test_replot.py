"""replot_run redraws a run's figures and tables from its CSV files alone, in a fresh copy of the folder."""

import doctest
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from report_data import FakeProblem, make_two_stage_run

import pymoo_gan.report.replot as replot_module
from pymoo_gan.report.replot import infer_stage_info, replot_run
from pymoo_gan.report.search_report import write_search_report

FIGURES = (".png", ".pdf", ".svg")


def _copy_tables_only(src: Path, dst: Path) -> None:
    """Every file of ``src`` but the figures and the LaTeX/hypervolume tables that replot must redraw."""
    for path in src.rglob("*"):
        if path.is_file() and path.suffix not in (*FIGURES, ".tex") and path.name != "hypervolume.csv":
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


def _files(root: Path, suffixes=FIGURES) -> set:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in suffixes}


def test_doctests():
    assert doctest.testmod(replot_module).failed == 0


def test_replot_reproduces_figures_and_tables_from_csv(tmp_path):
    original, fresh = tmp_path / "run", tmp_path / "fresh"
    make_two_stage_run(original, formats=("png", "pdf"))
    _copy_tables_only(original, fresh)
    assert not _files(fresh)
    csv_before = {p: (fresh / p).read_bytes() for p in _files(fresh, (".csv", ".json"))}
    written = replot_run(fresh, formats=("png", "pdf"))
    # every figure but the sample grid (it needs the generators) is back, in both formats
    model_free = {f for f in _files(original) if "samples" not in f}
    assert _files(fresh) == model_free
    assert set(written) >= model_free | {"stage1/pareto.tex", "stage1/hypervolume.csv", "final.tex", "report.html"}
    for name in sorted(f for f in model_free if f.endswith(".png")):  # same code path: the same pixels
        assert (fresh / name).read_bytes() == (original / name).read_bytes(), name
    for name in ("stage1/pareto.tex", "stage1/hypervolume.csv"):
        assert (fresh / name).read_text() == (original / name).read_text(), name
    assert (fresh / "final.tex").read_text().count("tiny \\& \\textless{}run\\textgreater{}: retrained pairs") == 1
    assert {p: (fresh / p).read_bytes() for p in csv_before} == csv_before  # the data files are inputs only
    assert (fresh / "report.html").is_file()


def test_replot_in_other_formats_and_the_page_links_them(tmp_path):
    root = tmp_path / "run"
    make_two_stage_run(root, formats=("png",))
    replot_run(root, formats=("svg",))
    assert {"stage1/pareto.svg", "stage1/hypervolume.svg", "stage1/arch_0.svg"} <= _files(root)
    text = (root / "report.html").read_text()
    assert 'src="stage1/pareto.svg"' in text and 'href="stage1/pareto.png"' in text


def test_folder_without_report_json_is_inferred(tmp_path):
    problem = FakeProblem(references=0)
    out = tmp_path / "demo"
    write_search_report(problem, problem.res, str(out), n_grid=1, n_images=1, n_drawings=2)
    (out / "report.json").unlink()
    for p in out.glob("*.png"):
        p.unlink()
    (out / "config.json").write_text(json.dumps({"config": "SearchConfig(dataset='digits', space='eagan')"}))
    info = infer_stage_info(out, pd.read_csv(out / "results.csv"), pd.read_csv(out / "pareto.csv"))
    assert info.labels == ["fd", "-score"]
    assert info.space == {"name": "eagan", "macro": {}}
    assert info.table_columns == {"arch": "architecture", "fd": "fd", "score": "score", "params": "params"}
    replot_run(out)
    assert {"pareto.png", "hypervolume.png", "arch_0.png", "arch_1.png"} <= {p.name for p in out.glob("*.png")}
    (out / "config.json").write_text(json.dumps({"config": "no space named"}))
    for p in out.glob("arch_*.png"):
        p.unlink()
    replot_run(out)
    assert not list(out.glob("arch_*.png"))  # the space is unknown: no drawings, no error


def test_replot_refuses_a_folder_that_is_no_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a pymoo-gan run"):
        replot_run(tmp_path)
