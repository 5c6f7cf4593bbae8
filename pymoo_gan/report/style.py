"""One look for every figure of the report, and saving a figure in several formats.

:data:`STYLE` is a small set of matplotlib rcParams (fonts, sizes, line widths, embeddable vector fonts) applied with
:func:`figure_style`, a context manager around matplotlib's ``rc_context``: every ``*_figure`` / ``plot_*`` function
of :mod:`pymoo_gan.report` draws and saves inside it, and the global rcParams are unchanged afterwards.
:func:`save_figure` writes one figure as ``png``, ``pdf`` and/or ``svg`` (PDF text as TrueType, SVG text as text, so
both stay editable and searchable).

Example:
    >>> import os, tempfile, matplotlib
    >>> plt = pyplot()
    >>> before = dict(matplotlib.rcParams)
    >>> with figure_style():
    ...     fig = plt.figure()
    ...     paths = save_figure(fig, os.path.join(tempfile.mkdtemp(), "empty.png"), formats=("png", "svg"))
    >>> [os.path.basename(p) for p in paths], dict(matplotlib.rcParams) == before
    (['empty.png', 'empty.svg'], True)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence

#: the formats :func:`save_figure` writes (matplotlib infers the writer from the suffix)
FORMATS = ("png", "pdf", "svg")

#: rcParams of every report figure: sizes for a one-column paper figure at 100 %, vector text kept as text
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 10,
    "lines.linewidth": 1.2,
    "axes.linewidth": 0.8,
    "savefig.dpi": 150,
    "pdf.fonttype": 42,  # TrueType in PDF (not Type 3): journals' checkers accept it, text stays selectable
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # SVG text as <text>, not paths
    "svg.hashsalt": "pymoo_gan",  # reproducible SVG ids
}


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend unless a backend was already chosen."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Draw (and save) inside this context to get :data:`STYLE`; rcParams are restored on exit."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def figure_paths(path: str | os.PathLike, formats: Sequence[str] | None = None) -> list[str]:
    """The files :func:`save_figure` writes: ``path`` itself when ``formats`` is ``None``, else ``path`` with its
    suffix replaced by each format.

    Example:
        >>> figure_paths("out/pareto.png", ("pdf", "svg"))
        ['out/pareto.pdf', 'out/pareto.svg']
    """
    path = os.fspath(path)
    if formats is None:
        return [path]
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown figure formats {unknown or list(formats)}; choose from {', '.join(FORMATS)}")
    stem = os.path.splitext(path)[0]
    return [f"{stem}.{fmt}" for fmt in dict.fromkeys(formats)]


def save_figure(fig, path: str | os.PathLike, formats: Sequence[str] | None = None, *, close: bool = True,
                **savefig) -> list[str]:
    """Save ``fig`` to every path of :func:`figure_paths` (in :data:`STYLE`), close it, and return the paths.

    Args:
        fig: a matplotlib Figure.
        path: output file; its suffix is the format when ``formats`` is ``None``.
        formats: e.g. ``("png", "pdf")``: write ``path`` with each of these suffixes instead.
        close: close the figure afterwards.
        **savefig: passed to ``Figure.savefig`` (default ``bbox_inches="tight"``).
    """
    paths = figure_paths(path, formats)
    savefig.setdefault("bbox_inches", "tight")
    try:
        with figure_style():
            for p in paths:
                fig.savefig(p, **savefig)
    finally:
        if close:
            pyplot().close(fig)
    return paths
