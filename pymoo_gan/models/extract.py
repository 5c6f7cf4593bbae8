"""``extract(supernet, arch)``: the standalone network of one path, with weights and buffers copied (not shared)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch
from torch import nn


def extract(supernet: nn.Module, arch: Any) -> nn.Module:
    """Return the standalone network of ``arch`` holding copies of the supernet's weights on that path.

    Works for any supernet with ``check_arch(arch)`` whose standalone class (``supernet.standalone_cls(arch)``) uses
    the same parameter names as the supernet (every supernet of :mod:`pymoo_gan.registry` does). Everything in the
    standalone's ``state_dict`` is copied: parameters, BatchNorm running statistics and spectral-norm power-iteration
    vectors (``weight_u``/``weight_v``), so the copy gives the same output as ``supernet(x, arch)`` in train and eval
    mode. The copy is on the supernet's device and dtype (standard memory layout) and in its train/eval mode; changing
    one never changes the other. torch's global random state is left as it was.

    Example:
        >>> import numpy as np, torch
        >>> from pymoo_gan.models import CellGeneratorSupernet
        >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
        >>> space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1))
        >>> supernet = CellGeneratorSupernet(space.macro).eval()
        >>> arch = space.decode(space.sample(np.random.default_rng(0)))
        >>> z = torch.randn(4, 12)
        >>> torch.equal(extract(supernet, arch)(z), supernet(z, arch))
        True
    """
    arch = supernet.check_arch(arch)
    ref = next(supernet.parameters())
    with torch.random.fork_rng(devices=[]):  # building draws initial weights; they are overwritten below
        net = supernet.standalone_cls(arch).to(device=ref.device, dtype=ref.dtype)
    source = supernet.state_dict()
    wanted = OrderedDict((k, source[k]) for k in net.state_dict())
    wanted._metadata = getattr(source, "_metadata", None)  # keeps spectral norm's state-dict version
    net.load_state_dict(wanted, strict=True)
    return net.train(supernet.training)


def check_supernet_arch(arch: Any, arch_type: type, macro: Any, space_name: str) -> Any:
    """``arch`` if a supernet of ``macro`` can run it: a ``TypeError`` for another arch type, a ``ValueError`` for
    other sizes (shared by the supernets' ``check_arch``)."""
    if not isinstance(arch, arch_type):
        raise TypeError(f"expected a {arch_type.__name__}, got {type(arch).__name__}")
    if arch.macro is not macro and arch.macro != macro:
        raise ValueError(f"arch.macro {arch.macro} differs from the supernet's {macro}; decode with "
                         f"{space_name}(supernet.macro) or dataclasses.replace(arch, macro=supernet.macro)")
    return arch
