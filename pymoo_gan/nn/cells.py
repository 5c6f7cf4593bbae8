"""Cell blocks shared by supernets and standalone nets, and the fixed SNGAN discriminator blocks.

A cell block holds, per edge, an ``nn.ModuleDict`` keyed by op name: every candidate op in a supernet, only the chosen
op in a standalone net (nothing for ``none``). Both run the same ``forward(..., cell)``, which looks up the ops that
the cell dataclass names, so a standalone net is the supernet restricted to one path, parameter names included
(``extract`` is a ``load_state_dict`` of the shared names). There is no "active path" state.

Example:
    >>> import torch
    >>> from pymoo_gan.space.eagan import UpCell
    >>> cell = UpCell(up=("bilinear", "deconv"), edges=("skip", "none", "conv_1x1", "none", "conv_3x3"))
    >>> block = UpCellBlock.for_cell(8, cell)
    >>> skip_out, out = block(torch.randn(2, 8, 4, 4), [], cell)
    >>> tuple(out.shape), sorted(block.edges[0])
    ((2, 8, 8, 8), ['skip'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from pymoo_gan.nn.ops import build_down_op, build_normal_op, build_scale_up_op, build_up_op, conv2d
from pymoo_gan.space import alphagan
from pymoo_gan.space.alphagan import AlphaGANCell
from pymoo_gan.space.eagan import DOWN_OPS, NORMAL_OPS, UP_OPS, DownCell, UpCell


def _op_dict(names: Iterable[str], build) -> nn.ModuleDict:
    """ModuleDict of the ops named in ``names`` (``none`` is skipped: it has no module)."""
    return nn.ModuleDict({name: build(name) for name in names if name != "none"})


def _add(acc: Tensor | None, y: Tensor) -> Tensor:
    return y if acc is None else acc + y


class UpCellBlock(nn.Module):
    """Generator up-cell (see :mod:`pymoo_gan.space.eagan`) holding the ops named per edge.

    ``forward(x, skips, cell)`` returns ``(node2, node3)``: node2 (with the fixed skip-ins from ``skips``, the node2
    outputs of the earlier cells, added) is the skip-out for later cells and node3 the cell output. Up-edges whose node
    feeds no live edge are not run (their modules still exist, as in the released code, so parameter counts match).

    Args:
        channels: feature channels (in = out).
        up_ops: per up-edge (2), the op names to hold.
        edge_ops: per normal edge (5: c0 n0->n2, c1 n1->n2, c2 n0->n3, c3 n1->n3, c4 n2->n3), the op names to hold.
        n_skip_in: number of earlier cells whose node2 is added to node2 (each through its own Conv1x1).
        skip_mode: interpolation mode of the skip-ins.
    """

    def __init__(self, channels: int, up_ops: Sequence[Iterable[str]], edge_ops: Sequence[Iterable[str]],
                 n_skip_in: int = 0, skip_mode: str = "nearest"):
        super().__init__()
        self.up = nn.ModuleList(_op_dict(names, lambda n: build_up_op(n, channels)) for names in up_ops)
        self.edges = nn.ModuleList(_op_dict(names, lambda n: build_normal_op(n, channels)) for names in edge_ops)
        self.skip_in = nn.ModuleList(conv2d(channels, channels, 1) for _ in range(n_skip_in))
        self.skip_mode = skip_mode

    @classmethod
    def supernet(cls, channels: int, n_skip_in: int = 0, skip_mode: str = "nearest") -> UpCellBlock:
        """A block holding every candidate op on every edge."""
        return cls(channels, [UP_OPS] * 2, [NORMAL_OPS] * 5, n_skip_in, skip_mode)

    @classmethod
    def for_cell(cls, channels: int, cell: UpCell, n_skip_in: int = 0, skip_mode: str = "nearest") -> UpCellBlock:
        """A block holding only the ops of ``cell``."""
        return cls(channels, [(u,) for u in cell.up], [(e,) for e in cell.edges], n_skip_in, skip_mode)

    def forward(self, x: Tensor, skips: Sequence[Tensor], cell: UpCell) -> tuple[Tensor, Tensor]:
        c0, c1, c2, c3, c4 = cell.edges
        e = self.edges
        n0 = self.up[0][cell.up[0]](x) if (c0 != "none" or c2 != "none") else None
        n1 = self.up[1][cell.up[1]](x) if (c1 != "none" or c3 != "none") else None
        n2 = None
        if c0 != "none":
            n2 = e[0][c0](n0)
        if c1 != "none":
            n2 = _add(n2, e[1][c1](n1))
        if n2 is None:
            raise ValueError(f"node 2 of cell {cell} has only 'none' inputs")
        size = n2.shape[-2:]
        for conv, s in zip(self.skip_in, skips, strict=True):
            n2 = n2 + conv(F.interpolate(s, size=size, mode=self.skip_mode))
        n3 = None
        if c2 != "none":
            n3 = e[2][c2](n0)
        if c3 != "none":
            n3 = _add(n3, e[3][c3](n1))
        if c4 != "none":
            n3 = _add(n3, e[4][c4](n2))
        if n3 is None:
            raise ValueError(f"node 3 of cell {cell} has only 'none' inputs")
        return n2, n3


def alphagan_cell_forward(block: nn.Module, run: Callable, x: Tensor, skips: Sequence[Tensor], up: Sequence,
                          edges: Sequence, skip_choices: Sequence) -> tuple[Tensor, Tensor]:
    """The wiring of an AlphaGAN up-cell (see :mod:`pymoo_gan.space.alphagan`), shared by the single-path and the
    relaxed block: ``run(ops, choice, input)`` applies one edge (an op name for a single path, a weight row for a
    mixed op). Returns ``(node0, out)``: node 0 is the skip-out for later cells."""
    n0 = run(block.up[0], up[0], x)
    n1 = run(block.up[1], up[1], x)
    n2 = run(block.edges[0], edges[0], n0)
    out = run(block.edges[1], edges[1], n2) + run(block.edges[2], edges[2], n1)
    for ops, choice, s in zip(block.skip_in, skip_choices, skips, strict=True):
        out = out + run(ops, choice, s)
    return n0, out


class AlphaGANCellBlock(nn.Module):
    """AlphaGAN up-cell ``index`` (see :mod:`pymoo_gan.space.alphagan`) holding the ops named per edge.

    ``forward(x, skips, cell)`` with ``skips`` the node-0 outputs of the earlier cells returns ``(node0, out)``.

    Args:
        channels: feature channels (in = out).
        index: the cell's position; its skip edge from cell ``j`` up-samples by ``2 ** (index - j)``.
        up_ops: per up-edge (2), the op names to hold; edge_ops: per normal edge (3: c0, c1, c2); skip_ops: per
            earlier cell (``index``), the skip op names to hold.
    """

    def __init__(self, channels: int, index: int, up_ops: Sequence[Iterable[str]], edge_ops: Sequence[Iterable[str]],
                 skip_ops: Sequence[Iterable[str]]):
        super().__init__()
        if len(skip_ops) != index:
            raise ValueError(f"cell {index} needs {index} skip edges, got {len(skip_ops)}")
        self.up = nn.ModuleList(_op_dict(names, lambda n: build_scale_up_op(n, channels)) for names in up_ops)
        self.edges = nn.ModuleList(_op_dict(names, lambda n: build_normal_op(n, channels)) for names in edge_ops)
        self.skip_in = nn.ModuleList(_op_dict(names, lambda n, j=j: build_scale_up_op(n, channels, index - j))
                                     for j, names in enumerate(skip_ops))

    @classmethod
    def supernet(cls, channels: int, index: int) -> AlphaGANCellBlock:
        """A block holding every candidate op on every edge."""
        return cls(channels, index, [alphagan.UP_OPS] * 2, [alphagan.NORMAL_OPS] * 3, [alphagan.UP_OPS] * index)

    @classmethod
    def for_cell(cls, channels: int, index: int, cell: AlphaGANCell) -> AlphaGANCellBlock:
        """A block holding only the ops of ``cell``."""
        return cls(channels, index, [(u,) for u in cell.up], [(e,) for e in cell.edges], [(s,) for s in cell.skips])

    def forward(self, x: Tensor, skips: Sequence[Tensor], cell: AlphaGANCell) -> tuple[Tensor, Tensor]:
        return alphagan_cell_forward(self, _run_named, x, skips, cell.up, cell.edges, cell.skips)


def _run_named(ops: nn.ModuleDict, name: str, x: Tensor) -> Tensor:
    return ops[name](x)


class DownCellBlock(nn.Module):
    """Discriminator down-cell (see :mod:`pymoo_gan.space.eagan`) holding the ops named per edge.

    node1 = c0(x); node2 = c1(x) + c2(node1); node3 = c3(node1) + c4(x) (c4 has no ReLU: the shortcut); output =
    down0(node2) + down1(node3), or node2 + node3 when the down pair is ``none``. All convs are spectral-normalised.

    Args:
        channels: feature channels (in = out).
        edge_ops: per normal edge (5: c0 n0->n1, c1 n0->n2, c2 n1->n2, c3 n1->n3, c4 n0->n3), the op names to hold.
        down_ops: per down-edge (2: node2, node3), the op names to hold.
    """

    def __init__(self, channels: int, edge_ops: Sequence[Iterable[str]], down_ops: Sequence[Iterable[str]]):
        super().__init__()
        self.edges = nn.ModuleList(
            _op_dict(names, lambda n, i=i: build_normal_op(n, channels, sn=True, act=i != 4))
            for i, names in enumerate(edge_ops))
        self.down = nn.ModuleList(_op_dict(names, lambda n: build_down_op(n, channels, sn=True)) for names in down_ops)

    @classmethod
    def supernet(cls, channels: int) -> DownCellBlock:
        """A block holding every candidate op on every edge (``c0`` has no ``none``)."""
        return cls(channels, [NORMAL_OPS[1:]] + [NORMAL_OPS] * 4, [DOWN_OPS] * 2)

    @classmethod
    def for_cell(cls, channels: int, cell: DownCell) -> DownCellBlock:
        """A block holding only the ops of ``cell``."""
        return cls(channels, [(e,) for e in cell.edges], [(d,) for d in cell.down])

    def forward(self, x: Tensor, cell: DownCell) -> Tensor:
        c0, c1, c2, c3, c4 = cell.edges
        e = self.edges
        n1 = e[0][c0](x) if (c2 != "none" or c3 != "none") else None
        n2 = None
        if c1 != "none":
            n2 = e[1][c1](x)
        if c2 != "none":
            n2 = _add(n2, e[2][c2](n1))
        n3 = None
        if c3 != "none":
            n3 = e[3][c3](n1)
        if c4 != "none":
            n3 = _add(n3, e[4][c4](x))
        if n2 is None or n3 is None:
            raise ValueError(f"down-cell {cell} has a node with only 'none' inputs")
        d0, d1 = cell.down
        if d0 == "none" and d1 == "none":
            return n2 + n3
        if d0 == "none" or d1 == "none":
            raise ValueError(f"down-cell {cell}: down0 and down1 must both be 'none' or both downsample")
        return self.down[0][d0](n2) + self.down[1][d1](n3)


class OptimizedDisBlock(nn.Module):
    """SNGAN first discriminator block: SN conv3 -> ReLU -> SN conv3 -> avgpool, plus avgpool -> SN conv1x1."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.c1 = conv2d(in_channels, out_channels, 3, padding=1, sn=True)
        self.c2 = conv2d(out_channels, out_channels, 3, padding=1, sn=True)
        self.c_sc = conv2d(in_channels, out_channels, 1, sn=True)

    def forward(self, x: Tensor) -> Tensor:
        h = F.avg_pool2d(self.c2(F.relu(self.c1(x))), 2)
        return h + self.c_sc(F.avg_pool2d(x, 2))


class DisBlock(nn.Module):
    """SNGAN residual discriminator block: ReLU -> SN conv3 -> ReLU -> SN conv3 (-> avgpool), plus a shortcut
    (SN conv1x1 -> avgpool when the shape changes, else identity)."""

    def __init__(self, in_channels: int, out_channels: int, downsample: bool):
        super().__init__()
        self.downsample = downsample
        self.c1 = conv2d(in_channels, out_channels, 3, padding=1, sn=True)
        self.c2 = conv2d(out_channels, out_channels, 3, padding=1, sn=True)
        learnable = downsample or in_channels != out_channels
        self.c_sc = conv2d(in_channels, out_channels, 1, sn=True) if learnable else None

    def forward(self, x: Tensor) -> Tensor:
        h = self.c2(F.relu(self.c1(F.relu(x))))
        sc = x if self.c_sc is None else self.c_sc(x)
        if self.downsample:
            h, sc = F.avg_pool2d(h, 2), F.avg_pool2d(sc, 2)
        return h + sc
