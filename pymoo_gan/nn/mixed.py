"""Mixed ops (a weighted sum of every candidate op on an edge) and the relaxed EAGAN cells built from them.

A :class:`MixedOp` is an ``nn.ModuleDict`` of the candidate ops of one edge, keyed by op name and built from the op
tables of :mod:`pymoo_gan.nn.ops` exactly as :meth:`UpCellBlock.supernet <pymoo_gan.nn.cells.UpCellBlock.supernet>`
builds them; ``forward(x, w)`` returns ``sum_k w[k] * op_k(x)`` with ``w`` indexed like its ``options`` (``"none"``
contributes zero and has no module). The relaxed cells use the attribute names of the single-path cell blocks
(``up``, ``edges``, ``skip_in``, ``down``) and build their modules in the same order, so a relaxed network has the
single-path supernet's ``state_dict`` keys (either loads the other's weights) and the same initial weights for the
same seed.

With one-hot weights the output equals the single path's bit for bit: the other ops add ``0 * y`` (the mixed op runs
every op, so the unchosen ones still cost their compute and must give finite outputs).

BatchNorm: none of the EAGAN / AdversarialNAS candidate ops has one (convs are plain or spectral-normalised). An op
table with BN inside ops (AlphaGAN's sep-convs) works unchanged: each op's BN normalises that op's own output, so with
one-hot weights train-mode outputs still equal the single path's. Its running statistics, however, are those of the
inputs the mixed network fed it, which differ from the derived network's, so recalibrate them after extraction
(:func:`pymoo_gan.training.bn.recalibrate_bn`) before scoring, as for the generator's ``to_rgb`` BN.

Example:
    >>> import torch
    >>> op = MixedOp.normal(8)
    >>> x, w = torch.randn(2, 8, 4, 4), torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    >>> torch.equal(op(x, w), op["conv_3x3"](x))
    True
    >>> op.options[0], "none" in op
    ('none', False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from pymoo_gan.nn.cells import alphagan_cell_forward
from pymoo_gan.nn.ops import build_down_op, build_normal_op, build_scale_up_op, build_up_op, conv2d
from pymoo_gan.space import alphagan
from pymoo_gan.space.eagan import DOWN_OPS, NORMAL_OPS, UP_OPS


class MixedOp(nn.ModuleDict):
    """The candidate ops of one edge, keyed by name; ``forward(x, w)`` is their ``w``-weighted sum.

    Args:
        options: op names in weight order (``"none"`` is allowed and has no module).
        build: ``build(name)`` -> the op module.
    """

    def __init__(self, options: Sequence[str], build: Callable[[str], nn.Module]):
        super().__init__({name: build(name) for name in options if name != "none"})
        if not len(self):
            raise ValueError(f"a mixed op needs an option other than 'none'; got {list(options)}")
        self.options = tuple(options)

    @classmethod
    def normal(cls, channels: int, options: Sequence[str] = NORMAL_OPS, *, sn: bool = False,
               act: bool = True) -> MixedOp:
        """Mixed normal op (``channels -> channels``, stride 1) over ``options``."""
        return cls(options, lambda n: build_normal_op(n, channels, sn=sn, act=act))

    @classmethod
    def up(cls, channels: int, options: Sequence[str] = UP_OPS) -> MixedOp:
        """Mixed x2 upsampling op over ``options``."""
        return cls(options, lambda n: build_up_op(n, channels))

    @classmethod
    def scale_up(cls, channels: int, times: int = 1, options: Sequence[str] = alphagan.UP_OPS) -> MixedOp:
        """Mixed AlphaGAN up / skip op (up-sampling by ``2**times``) over ``options``."""
        return cls(options, lambda n: build_scale_up_op(n, channels, times))

    @classmethod
    def down(cls, channels: int, options: Sequence[str] = DOWN_OPS[1:], *, sn: bool = True) -> MixedOp:
        """Mixed x1/2 downsampling op over ``options`` (by default the 6 downsampling ops, no ``none``)."""
        return cls(options, lambda n: build_down_op(n, channels, sn=sn))

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        """``sum_k w[k] * op_k(x)`` over the ops that are not ``none``; ``w`` has shape ``(len(options),)``."""
        if w.shape != (len(self.options),):
            raise ValueError(f"mixed op over {self.options} got weights of shape {tuple(w.shape)}")
        out = None
        for k, name in enumerate(self.options):
            if name != "none":
                y = w[k] * self[name](x)
                out = y if out is None else out + y
        return out


class MixedUpCellBlock(nn.Module):
    """Relaxed generator up-cell: :class:`~pymoo_gan.nn.cells.UpCellBlock` with a :class:`MixedOp` on every edge.

    ``forward(x, skips, w)`` takes this cell's weights ``w = {"up": (2, 3), "normal": (5, 7)}`` (see
    :class:`pymoo_gan.space.relaxation.EAGANGeneratorRelaxation`) and returns ``(node2, node3)`` as the single-path
    block does.
    """

    def __init__(self, channels: int, n_skip_in: int = 0, skip_mode: str = "nearest"):
        super().__init__()
        self.up = nn.ModuleList(MixedOp.up(channels) for _ in range(2))
        self.edges = nn.ModuleList(MixedOp.normal(channels) for _ in range(5))
        self.skip_in = nn.ModuleList(conv2d(channels, channels, 1) for _ in range(n_skip_in))
        self.skip_mode = skip_mode

    def forward(self, x: Tensor, skips: Sequence[Tensor], w: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
        up, e = w["up"], w["normal"]
        n0 = self.up[0](x, up[0])
        n1 = self.up[1](x, up[1])
        n2 = self.edges[0](n0, e[0]) + self.edges[1](n1, e[1])
        size = n2.shape[-2:]
        for conv, s in zip(self.skip_in, skips, strict=True):
            n2 = n2 + conv(F.interpolate(s, size=size, mode=self.skip_mode))
        n3 = self.edges[2](n0, e[2]) + self.edges[3](n1, e[3]) + self.edges[4](n2, e[4])
        return n2, n3


class MixedDownCellBlock(nn.Module):
    """Relaxed discriminator down-cell: :class:`~pymoo_gan.nn.cells.DownCellBlock` with a :class:`MixedOp` on every
    edge; it always downsamples (``down0(node2) + down1(node3)``).

    ``forward(x, w)`` takes this cell's weights ``w = {"c0": (1, 6), "normal": (4, 7), "down": (2, 6)}`` (see
    :class:`pymoo_gan.space.relaxation.EAGANDiscriminatorRelaxation`).
    """

    def __init__(self, channels: int):
        super().__init__()
        self.edges = nn.ModuleList(
            [MixedOp.normal(channels, NORMAL_OPS[1:], sn=True)]
            + [MixedOp.normal(channels, sn=True, act=i != 4) for i in range(1, 5)])
        self.down = nn.ModuleList(MixedOp.down(channels, sn=True) for _ in range(2))

    def forward(self, x: Tensor, w: Mapping[str, Tensor]) -> Tensor:
        e = w["normal"]
        n1 = self.edges[0](x, w["c0"][0])
        n2 = self.edges[1](x, e[0]) + self.edges[2](n1, e[1])
        n3 = self.edges[3](n1, e[2]) + self.edges[4](x, e[3])
        return self.down[0](n2, w["down"][0]) + self.down[1](n3, w["down"][1])


class MixedAlphaGANCellBlock(nn.Module):
    """Relaxed AlphaGAN up-cell: :class:`~pymoo_gan.nn.cells.AlphaGANCellBlock` with a :class:`MixedOp` on every edge
    (up, normal and skip edges), same attribute names and module order.

    ``forward(x, skips, w)`` takes this cell's weights ``w = {"up": (2, 3), "normal": (3, 6), "skip": (n_cells - 1,
    3)}`` (see :class:`pymoo_gan.space.relaxation.AlphaGANGeneratorRelaxation`; only the first ``index`` skip rows are
    edges of this cell, ``"skip"`` is absent for a 1-cell network) and returns ``(node0, out)``.
    """

    def __init__(self, channels: int, index: int):
        super().__init__()
        self.up = nn.ModuleList(MixedOp.scale_up(channels) for _ in range(2))
        self.edges = nn.ModuleList(MixedOp.normal(channels, alphagan.NORMAL_OPS) for _ in range(3))
        self.skip_in = nn.ModuleList(MixedOp.scale_up(channels, index - j) for j in range(index))

    def forward(self, x: Tensor, skips: Sequence[Tensor], w: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
        skip_w = w["skip"][: len(self.skip_in)] if len(self.skip_in) else ()
        return alphagan_cell_forward(self, _run_mixed, x, skips, w["up"], w["normal"], skip_w)


def _run_mixed(op: MixedOp, w: Tensor, x: Tensor) -> Tensor:
    return op(x, w)
