"""The final Pareto set as tables for papers: CSV (every column, raw values) and a booktabs LaTeX table.

The LaTeX is written here (no jinja2, which pandas' ``Styler.to_latex`` needs): a ``tabular`` inside a ``table``
float with ``\\toprule / \\midrule / \\bottomrule`` (``\\usepackage{booktabs}``). Text is escaped (``\\ & % $ # _ { } ~
^ < > |``), numbers get ``precision`` decimals, text columns are left- and numeric columns right-aligned, missing values
print as ``--``. Count columns (by default those named ``params``, ``macs`` or ``flops``, alone or joined to other
words by ``_``, e.g. ``g_params``) are shown in millions, with ``(M)`` in the header.

Example:
    >>> import pandas as pd
    >>> t = pd.DataFrame({"arch": ["a_1", "b_2"], "fd_cnn": [12.3456, 20.0], "params": [7_140_000, 1_050_000]})
    >>> print(pareto_latex(t, caption="Pareto set", label="tab:pareto"))  # doctest: +NORMALIZE_WHITESPACE
    \\begin{table}[t]
    \\centering
    \\caption{Pareto set}
    \\label{tab:pareto}
    \\begin{tabular}{lrr}
    \\toprule
    arch & fd\\_cnn & params (M) \\\\
    \\midrule
    a\\_1 & 12.346 & 7.140 \\\\
    b\\_2 & 20.000 & 1.050 \\\\
    \\bottomrule
    \\end{tabular}
    \\end{table}
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: a column name that counts something in the millions (parameters, multiply-accumulates, FLOPs)
COUNT_COLUMN = re.compile(r"(^|_)(n_?)?(params?|macs|flops)($|_)", re.IGNORECASE)

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))


def latex_escape(text) -> str:
    r"""``text`` as LaTeX text: ``\ & % $ # _ { } ~ ^ < > |`` are escaped.

    Example:
        >>> print(latex_escape("fd_cnn 50% & $1 #2 {x} ~y^z"))
        fd\_cnn 50\% \& \$1 \#2 \{x\} \textasciitilde{}y\textasciicircum{}z
    """
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], str(text))


def _format(v, precision: int, scale: float = 1.0) -> str:
    """One cell: integers as integers, other numbers with ``precision`` decimals (after ``/ scale``), text escaped."""
    if v is None or v is pd.NA:
        return "--"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Real):
        x = float(v) / scale
        if math.isnan(x):
            return "--"
        if math.isinf(x):
            return r"$\infty$" if x > 0 else r"$-\infty$"
        if isinstance(v, numbers.Integral) and scale == 1.0:
            return f"{int(v):d}"
        return f"{x:.{precision}f}"
    return latex_escape(v)


def pareto_latex(table, columns: Sequence[str] | Mapping[str, str] | None = None, caption: str | None = None,
                 label: str | None = None, precision: int = 3, *, millions: Sequence[str] | None = None,
                 placement: str = "t") -> str:
    r"""A booktabs LaTeX table (``table`` float around a ``tabular``) of ``table``'s rows.

    Args:
        table: a pandas DataFrame, e.g. :func:`pymoo_gan.report.pareto_table`.
        columns: the columns to show, in order: a list of names, or a ``{column: header}`` mapping to rename them
            (headers are escaped too). ``None`` shows every column.
        caption: ``\caption`` text (escaped); none when ``None``.
        label: ``\label`` key (not escaped; keys may contain ``_``); none when ``None``.
        precision: decimals of floating-point values (integers print as integers).
        millions: columns to divide by 10^6 with ``(M)`` appended to the header; ``None`` picks the count columns
            whose name matches ``COUNT_COLUMN`` (``params``, ``macs``, ``flops``, ``g_params``, ``n_params``...).
        placement: float placement of the ``table`` environment.

    Example:
        >>> import pandas as pd
        >>> tex = pareto_latex(pd.DataFrame({"F0": [1.0], "macs": [2.5e8]}), columns={"F0": "FD", "macs": "MACs"})
        >>> [line for line in tex.splitlines() if "&" in line]
        ['FD & MACs (M) \\\\', '1.000 & 250.000 \\\\']
    """
    if columns is None:
        headers = {str(c): str(c) for c in table.columns}
    elif isinstance(columns, Mapping):
        headers = {str(k): str(v) for k, v in columns.items()}
    else:
        headers = {str(c): str(c) for c in columns}
    missing = [c for c in headers if c not in table.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the table; available: {list(map(str, table.columns))}")
    if millions is None:
        millions = [c for c in headers if COUNT_COLUMN.search(c) and _numeric_column(table[c])]
    unknown = [c for c in millions if c not in headers]
    if unknown:
        raise ValueError(f"millions names columns {unknown} that are not shown; shown: {list(headers)}")
    align = "".join("r" if _numeric_column(table[c]) else "l" for c in headers)
    head = [latex_escape(h) + (" (M)" if c in millions else "") for c, h in headers.items()]
    lines = [rf"\begin{{table}}[{placement}]", r"\centering"]
    if caption is not None:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    if label is not None:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{align}}}", r"\toprule", " & ".join(head) + r" \\", r"\midrule"]
    body = [[_format(v, precision, 1e6 if c in millions else 1.0) for v in table[c].tolist()] for c in headers]
    lines += [" & ".join(cells) + r" \\" for cells in zip(*body, strict=True)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _numeric_column(series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def write_pareto_tables(table, out_dir: str, stem: str = "pareto", **latex) -> dict[str, str]:
    """Write ``<stem>.csv`` (every column, raw values) and ``<stem>.tex`` (:func:`pareto_latex`) into ``out_dir``.

    Args:
        table: the Pareto set as a pandas DataFrame.
        out_dir: folder, created if missing.
        stem: file name without suffix.
        **latex: keyword arguments of :func:`pareto_latex` (``columns``, ``caption``, ``label``, ``precision``,
            ``millions``).

    Returns:
        ``{"csv": path, "tex": path}``.

    Example:
        >>> import os, tempfile, pandas as pd
        >>> paths = write_pareto_tables(pd.DataFrame({"F0": [1.0, 2.0]}), tempfile.mkdtemp())
        >>> sorted(paths), all(os.path.getsize(p) > 0 for p in paths.values())
        (['csv', 'tex'], True)
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {"csv": os.path.join(out_dir, f"{stem}.csv"), "tex": os.path.join(out_dir, f"{stem}.tex")}
    table.to_csv(paths["csv"], index=False)
    write_latex(table, paths["tex"], **latex)
    return paths


def write_latex(table, path: str, **latex) -> str:
    """Write :func:`pareto_latex` of ``table`` to ``path``; returns ``path``.

    Example:
        >>> import os, tempfile, pandas as pd
        >>> p = write_latex(pd.DataFrame({"F0": [1.0]}), os.path.join(tempfile.mkdtemp(), "t.tex"))
        >>> open(p).read().rstrip().endswith("end{table}")
        True
    """
    with open(path, "w", encoding="utf-8") as f:
        f.write(pareto_latex(table, **latex))
    return path
