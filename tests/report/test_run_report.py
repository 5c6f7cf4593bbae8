"""report.html: the expected sections, escaped values, and links only to files that exist."""

import doctest
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from report_data import TRICKY, FakeProblem, make_two_stage_run

import pymoo_gan.report.run_report as run_report_module
from pymoo_gan.report.run_report import package_versions, write_run_report
from pymoo_gan.report.search_report import write_search_report


class Page(HTMLParser):
    """Collects ids, links, image sources and the tag nesting of a page (raises on a mismatched end tag)."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self, text):
        super().__init__()
        self.ids, self.links, self.images, self.stack, self.scripts = set(), [], [], [], 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.ids.add(attrs.get("id"))
        self.scripts += tag == "script"
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs["src"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"</{tag}> does not close the open tag"


def _check_links(root: Path, page: Page):
    files = [unquote(h) for h in page.links + page.images if not h.startswith("#")]
    assert files, "the page links no file"
    for f in files:
        assert not f.startswith(("/", "http")), f
        assert (root / f).is_file(), f"{f} is linked but does not exist"
    anchors = [h[1:] for h in page.links if h.startswith("#")]
    assert set(anchors) <= page.ids
    return files


def test_doctests():
    assert doctest.testmod(run_report_module).failed == 0


def test_two_stage_run_page(tmp_path):
    root = tmp_path / "run"
    make_two_stage_run(root, formats=("png", "pdf"))
    text = Path(write_run_report(root)).read_text(encoding="utf-8")
    page = Page(text)
    assert not page.stack and page.scripts == 0
    assert {"summary", "final", "stage-stage1", "settings", "versions"} <= page.ids
    files = _check_links(root, page)
    assert {"stage1/pareto.png", "stage1/pareto.pdf", "stage1/hypervolume.png", "stage1/samples.png",
            "stage1/arch_0.png", "stage1/arch_1.pdf", "stage1/pareto.csv", "stage1/pareto.tex", "final.csv",
            } <= set(files)
    assert "stage1/pareto_3d.png" not in files  # two objectives: never written, never linked
    assert page.images[0] == "stage1/pareto.png"
    # every value escaped: the tricky text from run.json, selection.json, results (label) and final.csv
    assert TRICKY not in text and "<script" not in text
    assert text.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;") >= 3
    assert "<title>pymoo-gan run: tiny &amp; &lt;run&gt;</title>" in text
    # the Pareto table, the hypervolume and the versions are on the page
    front = pd.read_csv(root / "stage1" / "pareto.csv")
    assert f"Pareto set ({len(front)})" in text and front["genotype"].iloc[0] in text
    hv = pd.read_csv(root / "stage1" / "hypervolume.csv")["hypervolume"].iloc[-1]
    assert f"{hv:.6g}" in text
    for name, version in package_versions().items():
        assert f"<th>{name}</th><td>{version}</td>" in text
    assert {"python", "pymoo_gan", "torch", "pymoo"} <= set(package_versions())


def test_demo_folder_page_skips_what_is_missing(tmp_path):
    problem = FakeProblem(references=0)
    out = tmp_path / "demo"
    write_search_report(problem, problem.res, str(out), n_grid=2, n_images=2, n_drawings=1, formats=("svg",))
    (out / "config.json").write_text(json.dumps({"pop_size": 4, "config": "SearchConfig(space='eagan')"}))
    (out / "hypervolume.csv").unlink()
    page = Page(Path(write_run_report(out, formats=("svg",))).read_text(encoding="utf-8"))
    files = _check_links(out, page)
    assert "stage-search" in page.ids and "settings" in page.ids
    assert "summary" not in page.ids and "final" not in page.ids
    assert page.images and all(src.endswith(".svg") for src in page.images)
    assert "hypervolume.csv" not in files and "samples.svg" in files


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_run_report(tmp_path / "nothing")
