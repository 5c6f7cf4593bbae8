"""Pareto set tables: CSV and hand-written booktabs LaTeX (escaping, number formats, millions, structure)."""

import doctest
import os

import numpy as np
import pandas as pd
import pytest

import pymoo_gan.report.tables as tables
from pymoo_gan.report.tables import COUNT_COLUMN, latex_escape, pareto_latex, write_pareto_tables


@pytest.fixture
def front():
    """Shaped like :func:`pymoo_gan.report.pareto_table`: genotype, arch, objectives, raw scores, counts."""
    return pd.DataFrame({
        "genotype": ["1-1-1-0-2-3-1", "0-1-0-3-0-0-3"],
        "arch": ["bilinear+bilinear: skip,none | x", "nearest+bilinear: none,conv_3x3"],
        "weights_version": [3, 3],
        "F0": [12.34567, 20.0],
        "F1": [-7.5, np.nan],
        "fd_digits_cnn": [12.34567, 20.0],
        "params": [7_140_000.0, 11_550_000.0],
        "macs": [1.5e9, 2.0e9],
    })


def _rows(tex: str) -> list[str]:
    return [line for line in tex.splitlines() if line.endswith(r"\\")]


def test_doctests():
    assert doctest.testmod(tables).failed == 0


def test_latex_escape_every_special_character():
    assert latex_escape("a_b") == r"a\_b"
    assert latex_escape("50% & $5 #1") == r"50\% \& \$5 \#1"
    assert latex_escape("{x}") == r"\{x\}"
    assert latex_escape(r"a\b") == r"a\textbackslash{}b"  # the backslash is not escaped twice
    assert latex_escape("~^<>|") == r"\textasciitilde{}\textasciicircum{}\textless{}\textgreater{}\textbar{}"
    assert latex_escape(3) == "3"


def test_structure_is_booktabs_tabular_inside_table(front):
    tex = pareto_latex(front, caption="Pareto set of 50% run_1", label="tab:pareto_g")
    lines = tex.splitlines()
    assert lines[0] == r"\begin{table}[t]" and lines[1] == r"\centering" and lines[-1] == r"\end{table}"
    order = [r"\caption{Pareto set of 50\% run\_1}", r"\label{tab:pareto_g}", r"\begin{tabular}{llrrrrrr}",
             r"\toprule", r"\midrule", r"\bottomrule", r"\end{tabular}"]
    assert [lines.index(x) for x in order] == sorted(lines.index(x) for x in order)
    assert len(_rows(tex)) == 1 + len(front)
    head, *body = _rows(tex)
    assert lines.index(head) == lines.index(r"\toprule") + 1 and lines.index(body[0]) == lines.index(r"\midrule") + 1
    assert all(row.count("&") == front.shape[1] - 1 for row in _rows(tex))
    assert tex.count(r"\begin{") == tex.count(r"\end{") == 2


def test_cells_are_escaped_and_numbers_formatted(front):
    head, first, second = _rows(pareto_latex(front, precision=2))
    assert head == (r"genotype & arch & weights\_version & F0 & F1 & fd\_digits\_cnn & params (M) & macs (M) \\")
    cells = [c.strip() for c in first.removesuffix(r"\\").split("&")]
    assert cells == ["1-1-1-0-2-3-1", r"bilinear+bilinear: skip,none \textbar{} x", "3", "12.35", "-7.50", "12.35",
                     "7.14", "1500.00"]
    assert r"conv\_3x3" in second and "& -- &" in second  # missing values print as --


def test_columns_subset_order_and_headers(front):
    tex = pareto_latex(front, columns={"fd_digits_cnn": "FD (digits_cnn)", "params": "Params", "arch": "arch"})
    head, *_ = _rows(tex)
    assert head == r"FD (digits\_cnn) & Params (M) & arch \\"
    assert r"\begin{tabular}{rrl}" in tex
    assert _rows(pareto_latex(front, columns=["F0"], precision=1))[1:] == [r"12.3 \\", r"20.0 \\"]
    with pytest.raises(ValueError, match="not in the table"):
        pareto_latex(front, columns=["F9"])


def test_millions_detection_and_override(front):
    assert [c for c in front.columns if COUNT_COLUMN.search(c)] == ["params", "macs"]
    assert all(COUNT_COLUMN.search(c) for c in ("g_params", "n_params", "PARAMS", "flops_d", "param"))
    assert not any(COUNT_COLUMN.search(c) for c in ("parameters_file", "machine", "F2", "fd_digits_cnn"))
    raw = pareto_latex(front, columns=["params"], millions=[])
    assert _rows(raw) == [r"params \\", r"7140000.000 \\", r"11550000.000 \\"]
    ints = pd.DataFrame({"n_evals": [1200, 35], "g_params": [7_140_000, 905_000]})
    assert _rows(pareto_latex(ints)) == [r"n\_evals & g\_params (M) \\", r"1200 & 7.140 \\", r"35 & 0.905 \\"]
    with pytest.raises(ValueError, match="not shown"):
        pareto_latex(front, columns=["F0"], millions=["params"])


def test_no_caption_or_label_and_special_values():
    table = pd.DataFrame({"name": ["a", None], "ok": [True, False], "F0": [np.inf, 1.0]})
    tex = pareto_latex(table)
    assert r"\caption" not in tex and r"\label" not in tex
    assert r"\begin{tabular}{llr}" in tex
    assert _rows(tex)[1:] == [r"a & True & $\infty$ \\", r"-- & False & 1.000 \\"]


def test_write_pareto_tables(front, tmp_path):
    out = tmp_path / "report"
    paths = write_pareto_tables(front, str(out), stem="pareto_g", caption="G", label="tab:g", precision=2)
    assert paths == {"csv": str(out / "pareto_g.csv"), "tex": str(out / "pareto_g.tex")}
    assert all(os.path.getsize(p) > 0 for p in paths.values())
    back = pd.read_csv(paths["csv"])
    assert list(back.columns) == list(front.columns) and back["params"].tolist() == front["params"].tolist()
    with open(paths["tex"], encoding="utf-8") as f:
        assert f.read() == pareto_latex(front, caption="G", label="tab:g", precision=2)
