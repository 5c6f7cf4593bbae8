"""Drawings of searched cell architectures (matplotlib, torch-free): nodes as circles, edges as labelled arrows.

Every space of :data:`pymoo_gan.registry.SPACES` names the :class:`Drawing` of its architecture type; what is drawn:

* :class:`~pymoo_gan.space.eagan.CellGeneratorArch` (EAGAN / AdversarialNAS generator): per up-cell the input, nodes
  0-3 (node 3 is the output); ``in -> n0, n1`` carry the up ops, the five normal edges their op names. The fixed
  cross-scale skip-ins (node 2 of every earlier cell -> node 2, interpolated with ``SKIP_MODES[c]`` then a 1x1 conv)
  are dashed arcs; the latent chunk added between cells is written on the arrow between them.
* :class:`~pymoo_gan.space.eagan.CellDiscriminatorArch`: per down-cell nodes 0 (input) to 3 and the output;
  ``c4`` is the shortcut; ``down0/down1`` label the edges into the output (``identity`` when the cell keeps its
  resolution).
* :class:`~pymoo_gan.space.autogan.AutoGANGeneratorArch`: per cell the input, ``h`` (output of the first conv, the
  skip-out) and the output; the optional shortcut and the chosen skip-ins (dashed).
* :class:`~pymoo_gan.space.alphagan.AlphaGANGeneratorArch`: per up-cell the input, nodes 0-2 and the output; the up
  ops on ``in -> 0, 1``, the normal ops on ``0 -> 2``, ``2 -> out``, ``1 -> out``, and the searched skip edges (node 0
  of an earlier cell -> the output, dashed, labelled with their op).
* :class:`~pymoo_gan.space.c2f.C2FArch` (coarse-to-fine image-to-image generator): per residual block the input,
  ``h`` (the op's output at its width) and the sum; a skipped block is one ``skip`` arrow.

``none`` edges are omitted. Each edge label is one text artist of the Axes, so ``[t.get_text() for t in ax.texts]``
lists the ops drawn.

Example:
    >>> import os, tempfile
    >>> from pymoo_gan.space.presets import get_preset
    >>> path = draw_architecture(get_preset("eagan_g_cifar10").arch, os.path.join(tempfile.mkdtemp(), "g.png"))
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pymoo_gan import registry
from pymoo_gan.report.figures import styled
from pymoo_gan.report.style import pyplot, save_figure
from pymoo_gan.space.alphagan import AlphaGANCell
from pymoo_gan.space.autogan import AutoGANCell
from pymoo_gan.space.c2f import C2FSlot
from pymoo_gan.space.eagan import SKIP_MODES, DownCell, UpCell

_RADIUS = 0.3
_CELL_PITCH = 7.0  # horizontal distance between the origins of consecutive cells
_COLORS = {"in": "#e6e6e6", "mid": "#d6e6f5", "out": "#fde2c4"}
_EDGE_FONT = 7


@dataclass
class _Graph:
    nodes: dict = field(default_factory=dict)  # name -> (x, y, text, kind)
    edges: list = field(default_factory=list)  # (src, dst, label, rad)


def _up_cell_graph(cell: UpCell) -> _Graph:
    g = _Graph(nodes={"in": (0.0, 1.5, "in", "in"), "n0": (1.5, 2.8, "0", "mid"), "n1": (1.5, 0.2, "1", "mid"),
                      "n2": (3.1, 1.5, "2", "mid"), "n3": (5.0, 1.5, "3", "out")})
    g.edges += [("in", "n0", cell.up[0], 0.0), ("in", "n1", cell.up[1], 0.0)]
    wiring = (("n0", "n2", 0.0), ("n1", "n2", 0.0), ("n0", "n3", -0.3), ("n1", "n3", 0.3), ("n2", "n3", 0.0))
    g.edges += [(a, b, op, rad) for (a, b, rad), op in zip(wiring, cell.edges, strict=True) if op != "none"]
    return g


def _down_cell_graph(cell: DownCell) -> _Graph:
    g = _Graph(nodes={"n0": (0.0, 1.5, "0", "in"), "n1": (1.7, 1.5, "1", "mid"), "n2": (3.2, 2.8, "2", "mid"),
                      "n3": (3.2, 0.2, "3", "mid"), "out": (4.8, 1.5, "out", "out")})
    wiring = (("n0", "n1", 0.0), ("n0", "n2", -0.35), ("n1", "n2", 0.0), ("n1", "n3", 0.0), ("n0", "n3", 0.35))
    g.edges += [(a, b, op, rad) for (a, b, rad), op in zip(wiring, cell.edges, strict=True) if op != "none"]
    g.edges += [(n, "out", "identity" if d == "none" else d, 0.0) for n, d in zip(("n2", "n3"), cell.down, strict=True)]
    return g


def _autogan_cell_graph(cell: AutoGANCell) -> _Graph:
    g = _Graph(nodes={"in": (0.0, 1.5, "in", "in"), "n2": (2.4, 1.5, "h", "mid"), "n3": (4.8, 1.5, "out", "out")})
    g.edges += [("in", "n2", f"{cell.up}\nconv_3x3", 0.0), ("n2", "n3", "conv_3x3", 0.0)]
    if cell.shortcut:
        g.edges.append(("in", "n3", f"{cell.up}\nconv_1x1", -0.45))
    return g


def _alphagan_cell_graph(cell: AlphaGANCell) -> _Graph:
    g = _Graph(nodes={"in": (0.0, 1.5, "in", "in"), "n0": (1.5, 0.2, "0", "mid"), "n1": (1.5, 2.8, "1", "mid"),
                      "n2": (3.1, 0.2, "2", "mid"), "out": (5.0, 1.5, "out", "out")})
    g.edges += [("in", "n0", cell.up[0], 0.0), ("in", "n1", cell.up[1], 0.0)]
    g.edges += [("n0", "n2", cell.edges[0], 0.0), ("n2", "out", cell.edges[1], 0.0), ("n1", "out", cell.edges[2], 0.0)]
    return g


def _c2f_block_graph(slot: C2FSlot) -> _Graph:
    if slot.block is None:
        return _Graph(nodes={"in": (0.0, 1.5, "in", "in"), "out": (4.8, 1.5, "out", "out")},
                      edges=[("in", "out", "skip", 0.0)])
    g = _Graph(nodes={"in": (0.0, 1.5, "in", "in"), "n2": (2.4, 1.5, "h", "mid"), "out": (4.8, 1.5, "+", "out")})
    g.edges += [("in", "n2", f"{slot.block.op}\nwidth {slot.block.width:g}", 0.0), ("n2", "out", "", 0.0),
                ("in", "out", "identity", -0.45)]
    return g


@dataclass(frozen=True)
class Drawing:
    """How the architectures of one space are drawn (the ``drawing`` of its :mod:`pymoo_gan.registry` entry).

    Attributes:
        cell_type: the type of the architecture's cells (:func:`draw_cell` finds the drawing by it).
        graph: ``cell -> _Graph``, the nodes and op-labelled edges of a cell.
        title: ``(cell, index) -> str``, the default title of cell ``index``.
        cell_skips: ``(cell, index) -> str | None``, the skip-in label :func:`draw_cell` puts under node ``n2``.
        skips: ``arch -> [(from cell, to cell, label)]``, the cross-cell skip-ins drawn between node-2s.
        head: the labels before the first cell's input and after the last cell's output.
        link: ``c -> str``, the label of the arrow from cell ``c`` to cell ``c + 1``.
        skip_from, skip_to: the nodes a cross-cell skip leaves (in the earlier cell) and enters.
    """

    cell_type: type
    graph: Callable
    title: Callable
    head: tuple[str, str]
    cell_skips: Callable = lambda cell, index: None
    skips: Callable = lambda arch: []
    link: Callable = lambda c: ""
    skip_from: str = "n2"
    skip_to: str = "n2"


def _up_cell_skips(cell: UpCell, index: int) -> str | None:
    if index < 1:
        return None
    sources = "cell 0" if index == 1 else f"cells 0-{index - 1}"
    return f"skip-in from {sources}\n{SKIP_MODES[index % len(SKIP_MODES)]} + conv_1x1"


def _up_cell_arch_skips(arch) -> list:
    """Fixed: node 2 of every earlier cell -> node 2."""
    return [(j, c, f"{SKIP_MODES[c % len(SKIP_MODES)]} + conv_1x1") for c in range(len(arch.cells)) for j in range(c)]


def _alphagan_cell_skips(cell: AlphaGANCell, index: int) -> str | None:
    return "\n".join(f"skip from cell {j}: {op}" for j, op in enumerate(cell.skips)) or None


def _alphagan_arch_skips(arch) -> list:
    """Searched: node 0 of every earlier cell -> the output, through its skip op."""
    return [(j, c, op) for c, cell in enumerate(arch.cells) for j, op in enumerate(cell.skips)]


def _autogan_cell_skips(cell: AutoGANCell, index: int) -> str | None:
    return "skip-in from cell " + ",".join(map(str, cell.skips)) + f"\n{cell.up} conv_1x1" if cell.skips else None


def _autogan_arch_skips(arch) -> list:
    """Searched: the chosen earlier cells' h -> h."""
    return [(j, c, f"{cell.up} conv_1x1") for c, cell in enumerate(arch.cells) for j in cell.skips]


CELL_GENERATOR_DRAWING = Drawing(
    UpCell, _up_cell_graph, title=lambda cell, index: f"up-cell {index}", head=("z[0]\nLinear", "to_rgb"),
    cell_skips=_up_cell_skips, skips=_up_cell_arch_skips, link=lambda c: f"+ z[{c + 1}]")
CELL_DISCRIMINATOR_DRAWING = Drawing(
    DownCell, _down_cell_graph, title=lambda cell, index: f"down-cell {index}",
    head=("image\nstem block", "ReLU, sum\nSN-Linear"))
AUTOGAN_GENERATOR_DRAWING = Drawing(
    AutoGANCell, _autogan_cell_graph, head=("z\nLinear", "to_rgb"), cell_skips=_autogan_cell_skips,
    skips=_autogan_arch_skips, title=lambda cell, index: f"cell {index}: {cell.conv}-activation, norm {cell.norm}")
ALPHAGAN_GENERATOR_DRAWING = Drawing(
    AlphaGANCell, _alphagan_cell_graph, title=lambda cell, index: f"up-cell {index}", head=("z\nLinear", "to_rgb"),
    cell_skips=_alphagan_cell_skips, skips=_alphagan_arch_skips, skip_from="n0", skip_to="out")


C2F_DRAWING = Drawing(
    C2FSlot, _c2f_block_graph, title=lambda slot, index: f"block {slot.index}",
    head=("image\nhead conv", "upsampler\ntail conv"))


def _cell_drawing(cell) -> Drawing:
    drawings = [entry.drawing.obj for entry in registry.SPACES.values()]
    for drawing in drawings:
        if isinstance(cell, drawing.cell_type):
            return drawing
    raise TypeError(f"cannot draw a {type(cell).__name__}; supported cells: "
                    f"{', '.join(d.cell_type.__name__ for d in drawings)}")


class _Canvas:
    """Draws graphs on one Axes in data units and remembers the extent for the final limits."""

    def __init__(self, ax):
        self.ax = ax
        self.xs: list[float] = []
        self.ys: list[float] = []

    def _extend(self, x: float, y: float) -> None:
        self.xs.append(x)
        self.ys.append(y)

    def label(self, x: float, y: float, text: str, **kw) -> None:
        style = dict(ha="center", va="center", fontsize=_EDGE_FONT, zorder=4,
                     bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))
        style.update(kw)
        self.ax.text(x, y, text, **style)
        self._extend(x, y)

    def arrow(self, a, b, text: str = "", rad: float = 0.0, patch_a=None, patch_b=None, dashed: bool = False,
              color: str = "black") -> None:
        from matplotlib.patches import FancyArrowPatch

        (x1, y1), (x2, y2) = a, b
        dx, dy = x2 - x1, y2 - y1
        # start and end on the node circles, leaving towards arc3's control point (mid + rad * (dy, -dx), equal
        # aspect): the same picture as matplotlib's clipping at patchA/patchB, without its costly bisection
        control = np.array([(x1 + x2) / 2 + rad * dy, (y1 + y2) / 2 - rad * dx])
        ends = []
        for point, patch in ((np.array(a, float), patch_a), (np.array(b, float), patch_b)):
            direction = control - point
            radius = getattr(patch, "radius", 0.0) if patch is not None else 0.0
            ends.append(point + radius * direction / max(np.hypot(*direction), 1e-12))
        self.ax.add_patch(FancyArrowPatch(tuple(ends[0]), tuple(ends[1]), arrowstyle="-|>", mutation_scale=9,
                                          connectionstyle=f"arc3,rad={rad}", lw=0.9, color=color, zorder=2,
                                          linestyle=(0, (4, 2)) if dashed else "-"))
        # midpoint of the quadratic Bezier of arc3 between the centres
        mx, my = (x1 + x2) / 2 + 0.5 * rad * dy, (y1 + y2) / 2 - 0.5 * rad * dx
        self._extend(mx, my)
        if text and rad == 0 and dy == 0:  # a short horizontal edge: the label sits above the line
            self.label(mx, my + 0.06, text, color=color, va="bottom", bbox=None)
        elif text:
            self.label(mx, my, text, color=color)

    def route(self, points, text: str = "", label_at: tuple[float, float] | None = None, color: str = "tab:blue"):
        """A dashed polyline arrow through ``points`` (data units), labelled at ``label_at``."""
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        self.ax.add_patch(FancyArrowPatch(path=Path(points), arrowstyle="-|>", mutation_scale=9, lw=0.9, color=color,
                                          zorder=2, linestyle=(0, (4, 2))))
        for x, y in points:
            self._extend(x, y)
        if text:
            self.label(*(label_at or points[len(points) // 2]), text, color=color)

    def graph(self, g: _Graph, origin: tuple[float, float]) -> dict:
        """Draw ``g`` shifted by ``origin``; returns name -> (x, y, circle patch)."""
        from matplotlib.patches import Circle

        ox, oy = origin
        placed = {}
        for name, (x, y, text, kind) in g.nodes.items():
            circle = Circle((ox + x, oy + y), _RADIUS, fc=_COLORS[kind], ec="black", lw=0.9, zorder=3)
            self.ax.add_patch(circle)
            self.ax.text(ox + x, oy + y, text, ha="center", va="center", fontsize=8, zorder=5, fontweight="bold")
            placed[name] = (ox + x, oy + y, circle)
            self._extend(ox + x - _RADIUS, oy + y - _RADIUS)
            self._extend(ox + x + _RADIUS, oy + y + _RADIUS)
        for src, dst, text, rad in g.edges:
            (x1, y1, p1), (x2, y2, p2) = placed[src], placed[dst]
            self.arrow((x1, y1), (x2, y2), text, rad, p1, p2)
        return placed

    def finish(self, margin: float = 0.5) -> None:
        ax = self.ax
        ax.set_xlim(min(self.xs) - margin, max(self.xs) + margin)
        ax.set_ylim(min(self.ys) - margin, max(self.ys) + margin)
        ax.set_aspect("equal")
        ax.axis("off")


@styled
def draw_cell(cell, path: str | None = None, ax=None, title: str | None = None, *, index: int = 0,
              formats: Sequence[str] | None = None):
    """Draw one cell; returns the Axes drawn on (saved to ``path`` too when given).

    Args:
        cell: an :class:`UpCell`, :class:`DownCell` or :class:`AutoGANCell`.
        path: also save the figure there (a figure created here is then closed; the Axes stays inspectable).
        formats: save ``path`` with each of these suffixes (``png``, ``pdf``, ``svg``) instead.
        ax: draw into this Axes instead of a new figure.
        title: Axes title; ``None`` gives e.g. ``"up-cell 1"``, ``""`` none.
        index: the cell's position in its network. An up-cell with ``index >= 1`` gets a dashed skip-in arrow into
            node 2 (from node 2 of cells ``0 .. index-1``, interpolated with ``SKIP_MODES[index]``).

    Example:
        >>> from pymoo_gan.space.presets import get_preset
        >>> ax = draw_cell(get_preset("eagan_g_cifar10").arch.cells[0])
        >>> sorted(t.get_text() for t in ax.texts if "_" in t.get_text())
        ['conv_1x1', 'conv_3x3']
    """
    drawing = _cell_drawing(cell)
    plt = pyplot()
    own = ax is None
    if own:
        _, ax = plt.subplots(figsize=(4.6, 3.8))
    canvas = _Canvas(ax)
    placed = canvas.graph(drawing.graph(cell), (0.0, 0.0))
    skip_text = drawing.cell_skips(cell, index)
    if skip_text:
        x, y, _ = placed[drawing.skip_to]
        canvas.route([(x, y - 2.4), (x, y - _RADIUS)], skip_text, label_at=(x, y - 2.4))
    canvas.finish()
    title = drawing.title(cell, index) if title is None else title
    if title:
        ax.set_title(title, fontsize=9)
    if path is not None:
        save_figure(ax.figure, path, formats, close=own)
    return ax


def _input(placed: dict):
    return placed["in"] if "in" in placed else placed["n0"]


def _output(placed: dict):
    return placed["out"] if "out" in placed else placed["n3"]


def _unwrap(arch):
    """``(arch, its Drawing)``, looked up by the arch's type in the registry."""
    arch = getattr(arch, "arch", arch)  # a Preset
    try:
        return arch, registry.space_of(arch).drawing.obj
    except TypeError:
        raise TypeError(f"cannot draw a {type(arch).__name__}; supported architectures: "
                        f"{', '.join(t.__name__ for t in registry.arch_types())} (or a Preset holding one)") from None


@styled
def architecture_figure(arch, title: str = ""):
    """The figure of :func:`draw_architecture`, left open: all cells side by side on one Axes.

    Example:
        >>> from pymoo_gan.space.presets import get_preset
        >>> fig = architecture_figure(get_preset("autogan_d").arch)
        >>> sum(t.get_text() == "avg_pool" for t in fig.axes[0].texts)
        2
    """
    arch, drawing = _unwrap(arch)
    plt = pyplot()
    n = len(arch.cells)
    fig, ax = plt.subplots(figsize=(4.4 * n + 0.6, 4.4))
    canvas = _Canvas(ax)
    placed = []
    for c, cell in enumerate(arch.cells):
        ox = c * _CELL_PITCH
        placed.append(canvas.graph(drawing.graph(cell), (ox, 0.0)))
        canvas.label(ox + 2.2, 3.75, drawing.title(cell, c), fontsize=9, bbox=None)
    first, last = placed[0], placed[-1]
    x0, y0, _ = _input(first)
    xl, yl, _ = _output(last)
    head_in, head_out = drawing.head
    canvas.label(x0 - _RADIUS - 0.15, y0, head_in, fontsize=7, bbox=None, color="dimgray", ha="right")
    canvas.label(xl + _RADIUS + 0.15, yl, head_out, fontsize=7, bbox=None, color="dimgray", ha="left")
    canvas._extend(x0 - 1.6, y0)
    canvas._extend(xl + 1.6, yl)
    for c in range(n - 1):  # cell c's output is the next cell's input
        a, b = placed[c], placed[c + 1]
        xa, ya, pa = _output(a)
        xb, yb, pb = _input(b)
        canvas.arrow((xa, ya), (xb, yb), drawing.link(c), 0.0, pa, pb, color="dimgray")
    for j, c, text in drawing.skips(arch):  # down from node 2 of cell j, across below the cells, up into node 2 of c
        (xa, ya, _), (xb, yb, _) = placed[j][drawing.skip_from], placed[c][drawing.skip_to]
        k = min(c - j - 1, 1)
        da, db = 0.07 + 0.13 * k, -0.07 - 0.13 * k  # outgoing on the right half, incoming on the left
        level = min(ya, yb) - 2.2 - 0.8 * (c - j - 1)
        ya0, yb0 = ya - (_RADIUS**2 - da**2) ** 0.5, yb - (_RADIUS**2 - db**2) ** 0.5
        points = [(xa + da, ya0), (xa + da, level), (xb + db, level), (xb + db, yb0)]
        canvas.route(points, text, label_at=((xa + xb) / 2, level))
    canvas.finish()
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def draw_architecture(arch, path: str, title: str = "", *, formats: Sequence[str] | None = None) -> str:
    """Draw every cell of ``arch`` side by side and save the figure to ``path``; returns ``path`` (the first of
    ``formats`` when given).

    Args:
        arch: a :class:`CellGeneratorArch`, :class:`CellDiscriminatorArch` or :class:`AutoGANGeneratorArch` (or a
            :class:`~pymoo_gan.space.base.Preset` holding one). Anything else raises ``TypeError``.
        path: output file (``.png``, ``.pdf``, ``.svg``).
        title: figure title.
        formats: write ``path`` with each of these suffixes (``png``, ``pdf``, ``svg``) instead.

    Example:
        >>> import os, tempfile
        >>> from pymoo_gan.space.presets import get_preset
        >>> p = draw_architecture(get_preset("autogan_a_cifar10"), os.path.join(tempfile.mkdtemp(), "a.pdf"))
        >>> os.path.getsize(p) > 0
        True
    """
    return save_figure(architecture_figure(arch, title=title), path, formats)[0]
