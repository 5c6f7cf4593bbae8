"""One static HTML page per run: ``report.html`` in the run directory (no JavaScript, no external assets).

:func:`write_run_report` reads what a run directory holds and skips what it does not: a two-stage run
(:mod:`pymoo_gan.runs.two_stage`: ``run.json``, ``stage1/``, ``stage2/``, ``final.csv``, ``summary.json``) or a single
stage folder written by :func:`~pymoo_gan.report.write_search_report` (``pymoo-gan demo``: ``results.csv``,
``pareto.csv``, figures, ``config.json``). The page shows the settings, the package versions, the summary, the final
table, the fronts of a run with several levels (``fronts.csv`` and its figure, :mod:`pymoo_gan.report.fronts`) and per
stage its hypervolume, Pareto table, figures and files. Figures are ``<img>`` links relative to the
page (PNG, else SVG); every other existing format of a figure (PDF, SVG) is linked beside it. Every value is
HTML-escaped and only existing files are linked.

Example:
    >>> import os, tempfile, pandas as pd
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"genotype": ["0-1"], "F0": [1.5], "F1": [2.0]}).to_csv(os.path.join(d, "pareto.csv"))
    >>> page = open(write_run_report(d), encoding="utf-8").read()
    >>> "<h2" in page and "1.5" in page and "<script" not in page
    True
"""

from __future__ import annotations

import glob
import html
import importlib.metadata
import json
import math
import numbers
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from pymoo_gan.files import atomic_write
from pymoo_gan.report.style import FORMATS

#: the page's file name inside the run directory
REPORT_FILE = "report.html"
#: the packages whose versions the page lists (read from the installed distributions; torch is not imported)
PACKAGES = ("pymoo_gan", "torch", "pymoo", "numpy", "pandas", "matplotlib")
#: the figures of a stage, in page order, with their captions (``arch_<i>`` are found by name)
STAGE_FIGURES = {"pareto": "Pareto front (all evaluations and the Pareto set)", "pareto_3d": "Pareto set in 3-D",
                 "hypervolume": "hypervolume over generations", "samples": "samples of the Pareto generators"}
_BROWSER_IMAGES = ("png", "svg")
_STYLE = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f2f2f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}img{max-width:100%;border:1px solid #eee}
figcaption{font-size:12px;color:#555}
.warning{background:#fff3cd;border:1px solid #e0c060;padding:.5em}
.files{font-size:13px}h2{border-bottom:1px solid #ccc}"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _href(run_dir: Path, path: Path) -> str:
    return _e(quote(path.relative_to(run_dir).as_posix()))


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{_e(value)}</td>"
    if isinstance(value, numbers.Integral):
        return f'<td class="num">{_e(int(value))}</td>'
    if isinstance(value, numbers.Real):
        return f'<td class="num">{_e(f"{float(value):.6g}")}</td>'
    if isinstance(value, (dict, list)):
        return f"<td>{_e(json.dumps(value))}</td>"
    return f"<td>{_e(value)}</td>"


def html_table(table: pd.DataFrame, max_rows: int = 200) -> str:
    """``table`` as an HTML table: escaped text, numbers with 6 significant digits, all-empty columns dropped.

    Example:
        >>> print(html_table(pd.DataFrame({"arch": ["<a&b>"], "fd": [12.3456789], "gap": [float("nan")]})))
        <table><tr><th>arch</th><th>fd</th></tr>
        <tr><td>&lt;a&amp;b&gt;</td><td class="num">12.3457</td></tr></table>
    """
    keep = [c for c in table.columns if not table[c].isna().all() and not (table[c].astype(str) == "").all()]
    shown = table[keep].head(max_rows)
    head = "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in keep) + "</tr>"
    rows = ["<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in shown.itertuples(index=False)]
    more = f"\n<p>... {len(table) - max_rows} more rows</p>" if len(table) > max_rows else ""
    return "<table>" + "\n".join([head, *rows]) + "</table>" + more


def _flatten(data, prefix: str = "") -> dict:
    if isinstance(data, dict):
        out: dict = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): data}


def _key_values(data: dict) -> str:
    rows = [f"<tr><th>{_e(k)}</th>{_cell(v)}</tr>" for k, v in _flatten(data).items()]
    return "<table>" + "\n".join(rows) + "</table>"


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _read_csv(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path, keep_default_na=True) if path.is_file() else None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` and Python (``"not installed"`` for a missing one)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def stage_dirs(run_dir: str | os.PathLike) -> list[Path]:
    """The stage folders of a run: the run directory itself when it holds a results or Pareto table (a demo
    output), then its sub-folders that do (``stage1``, ``stage2``, ...), sorted by name."""
    root = Path(run_dir)
    found = [root] if any((root / f).is_file() for f in ("results.csv", "pareto.csv")) else []
    subs = [p for p in sorted(root.iterdir()) if p.is_dir() and any((p / f).is_file()
                                                                   for f in ("results.csv", "pareto.csv"))]
    return found + subs


def _figure(run_dir: Path, folder: Path, stem: str, caption: str, formats: Sequence[str]) -> str:
    files = {fmt: folder / f"{stem}.{fmt}" for fmt in FORMATS if (folder / f"{stem}.{fmt}").is_file()}
    if not files:
        return ""
    shown = next((f for f in [*formats, *_BROWSER_IMAGES] if f in _BROWSER_IMAGES and f in files), None)
    img = f'<img src="{_href(run_dir, files[shown])}" alt="{_e(caption)}">' if shown else ""
    links = " ".join(f'<a href="{_href(run_dir, p)}">{_e(fmt)}</a>' for fmt, p in files.items())
    return f"<figure>{img}<figcaption>{_e(caption)} [{links}]</figcaption></figure>"


def _files(run_dir: Path, paths: Sequence[Path]) -> str:
    links = [f'<a href="{_href(run_dir, p)}">{_e(p.relative_to(run_dir).as_posix())}</a>' for p in paths
             if p.is_file()]
    return f'<p class="files">files: {" · ".join(links)}</p>' if links else ""


def _stage_section(run_dir: Path, folder: Path, formats: Sequence[str]) -> str:
    name = folder.relative_to(run_dir).as_posix() if folder != run_dir else "search"
    parts = [f'<section id="stage-{_e(name)}"><h2>Stage: {_e(name)}</h2>']
    results = _read_csv(folder / "results.csv")
    hv = _read_csv(folder / "hypervolume.csv")
    facts = {}
    if results is not None:
        facts["evaluations"] = len(results)
        if "generation" in results and len(results):
            facts["generations"] = int(results["generation"].max())
    if hv is not None and len(hv):
        facts["final hypervolume (normalised)"] = float(hv["hypervolume"].iloc[-1])
        facts["final front size"] = int(hv["n_front"].iloc[-1]) if "n_front" in hv else None
    if facts:
        parts.append(_key_values(facts))
    selection = _read_json(folder / "selection.json")
    if isinstance(selection, dict):
        parts += ["<h3>Selected architecture</h3>", _key_values(selection)]
    front = _read_csv(folder / "pareto.csv")
    if front is not None:
        parts += [f"<h3>Pareto set ({len(front)})</h3>", html_table(front)]
    figures = [(stem, caption) for stem, caption in STAGE_FIGURES.items()]
    arch_stems = sorted({Path(p).stem for p in glob.glob(str(folder / "arch_*.*"))},
                        key=lambda s: int(s[5:]) if s[5:].isdigit() else 1 << 30)
    figures += [(stem, f"architecture of Pareto #{stem[5:]}") for stem in arch_stems]
    shown = [_figure(run_dir, folder, stem, caption, formats) for stem, caption in figures]
    if any(shown):
        parts += ["<h3>Figures</h3>", "<div>" + "\n".join(s for s in shown if s) + "</div>"]
    names = ("results.csv", "population.csv", "pareto.csv", "pareto.tex", "hypervolume.csv", "report.json",
             "config.json")
    parts += [_files(run_dir, [folder / n for n in names]), "</section>"]
    return "\n".join(p for p in parts if p)


def _summary_section(run_dir: Path, summary: dict) -> str:
    parts = ['<section id="summary"><h2>Summary</h2>']
    extractor = summary.get("extractor")
    if isinstance(extractor, dict) and extractor.get("warning"):
        parts.append(f'<p class="warning"><strong>Warning:</strong> {_e(extractor["warning"])}</p>')
    top = {k: v for k, v in summary.items() if k not in ("generator", "final", "discriminators")}
    if top:
        parts.append(_key_values(top))
    if isinstance(summary.get("generator"), dict):
        parts += ["<h3>Chosen generator (G*)</h3>", _key_values(summary["generator"])]
    if summary.get("discriminators"):
        parts += ["<h3>Chosen discriminators</h3>",
                  "<ol>" + "".join(f"<li>{_e(d)}</li>" for d in summary["discriminators"]) + "</ol>"]
    parts.append("</section>")
    return "\n".join(parts)


def _final_section(run_dir: Path, formats: Sequence[str]) -> str:
    final = _read_csv(run_dir / "final.csv")
    if final is None:
        return ""
    parts = ['<section id="final"><h2>Final: retrained pairs</h2>', html_table(final)]
    grid = _figure(run_dir, run_dir / "export" / "final", "samples", "samples of the retrained generators", formats)
    parts.append(grid)
    pairs = sorted((run_dir / "retrain").glob("pair*/")) if (run_dir / "retrain").is_dir() else []
    extra = [p / n for p in pairs for n in ("scores.json", "history.csv")]
    parts += [_files(run_dir, [run_dir / "final.csv", run_dir / "final.tex", *extra]), "</section>"]
    return "\n".join(p for p in parts if p)


def _fronts_section(run_dir: Path, formats: Sequence[str]) -> str:
    fronts = _read_csv(run_dir / "fronts.csv")
    if fronts is None:
        return ""
    parts = ['<section id="fronts"><h2>Fronts</h2>',
             _figure(run_dir, run_dir, "fronts", "quality against MACs of every front (dashed: the baseline)",
                     formats), html_table(fronts)]
    parts += [_files(run_dir, [run_dir / "fronts.csv", run_dir / "fronts.json"]), "</section>"]
    return "\n".join(p for p in parts if p)


def write_run_report(run_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> str:
    """Write ``report.html`` into ``run_dir`` (a two-stage run or a single stage folder); returns its path.

    Args:
        run_dir: the run directory (or a ``pymoo-gan demo`` output folder).
        formats: preferred figure formats, in order: the first one a browser shows (``png``, ``svg``) that exists is
            the inline image; every existing format of a figure is linked.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"run directory {root} does not exist")
    settings_file = next((root / n for n in ("run.json", "config.json") if (root / n).is_file()), None)
    settings = _read_json(settings_file) if settings_file else None
    summary = _read_json(root / "summary.json")
    name = (settings or {}).get("name") if isinstance(settings, dict) else None
    title = f"pymoo-gan run: {name or root.resolve().name}"
    stages = stage_dirs(root)
    body = [f"<h1>{_e(title)}</h1>", f"<p>run directory: <code>{_e(root.resolve())}</code></p>"]
    sections = []
    if isinstance(summary, dict):
        sections.append(("summary", "Summary", _summary_section(root, summary)))
    final = _final_section(root, formats)
    if final:
        sections.append(("final", "Final", final))
    fronts = _fronts_section(root, formats)
    if fronts:
        sections.append(("fronts", "Fronts", fronts))
    for folder in stages:
        sname = folder.relative_to(root).as_posix() if folder != root else "search"
        sections.append((f"stage-{sname}", f"Stage {sname}", _stage_section(root, folder, formats)))
    if settings is not None:
        html_settings = (_key_values(settings) if isinstance(settings, dict) else f"<pre>{_e(settings)}</pre>")
        sections.append(("settings", "Settings", f'<section id="settings"><h2>Settings ({_e(settings_file.name)})'
                                                 f"</h2>{html_settings}</section>"))
    versions = ('<section id="versions"><h2>Package versions</h2>'
                "<p>installed when this page was written (the run itself may have used others)</p>"
                f"{_key_values(package_versions())}</section>")
    sections.append(("versions", "Package versions", versions))
    nav = "<nav><ul>" + "".join(f'<li><a href="#{_e(i)}">{_e(t)}</a></li>' for i, t, _ in sections) + "</ul></nav>"
    page = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{_e(title)}</title>",
            f"<style>{_STYLE}</style></head><body>", *body, nav, *(s for *_, s in sections), "</body></html>"]
    path = root / REPORT_FILE
    atomic_write(path, lambda tmp: tmp.write_text("\n".join(page) + "\n", encoding="utf-8"))
    return str(path)
