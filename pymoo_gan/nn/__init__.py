"""Candidate ops (name -> constructor tables), the cell blocks shared by supernets and standalone nets, and mixed ops
with the relaxed cells built from them."""

from pymoo_gan.nn.cells import DisBlock, DownCellBlock, OptimizedDisBlock, UpCellBlock
from pymoo_gan.nn.mixed import MixedDownCellBlock, MixedOp, MixedUpCellBlock
from pymoo_gan.nn.ops import (
    DOWN_OP_TABLE,
    NORMAL_OP_TABLE,
    UP_OP_TABLE,
    build_down_op,
    build_normal_op,
    build_up_op,
    init_weights_,
)

__all__ = [
    "DOWN_OP_TABLE", "DisBlock", "DownCellBlock", "MixedDownCellBlock", "MixedOp", "MixedUpCellBlock",
    "NORMAL_OP_TABLE", "OptimizedDisBlock", "UP_OP_TABLE", "UpCellBlock",
    "build_down_op", "build_normal_op", "build_up_op", "init_weights_",
]
