"""Candidate operations of the EAGAN / AdversarialNAS cell spaces as small modules, plus name -> constructor tables.

Names are those of :mod:`pymoo_gan.space.eagan` (``UP_OPS``, ``NORMAL_OPS``, ``DOWN_OPS``); ``"none"`` is never built
(an edge with ``none`` has no module and contributes nothing), so the tables hold every other name.

* normal ops (``channels -> channels``, stride 1): ``skip`` = identity; ``conv_1x1/3x3/5x5`` and ``dil_conv_3x3/5x5``
  (dilation 2) = ReLU -> Conv. ``act=False`` drops the ReLU (the discriminator's shortcut edge), ``sn=True`` wraps
  the conv in spectral norm (discriminator). No normalisation layers.
* up ops (x2), in the order of the released AdversarialNAS/EAGAN code: ``nearest``/``bilinear`` = interpolate ->
  ReLU -> Conv1x1 (for ``bilinear`` the order matters: ReLU does not commute with the interpolation); ``deconv`` =
  ReLU -> depthwise ConvTranspose3x3 stride 2 (no bias) -> Conv1x1 (no bias).
* AlphaGAN (:mod:`pymoo_gan.space.alphagan`): the normal table also holds ``sep_conv_3x3/5x5/7x7`` (DARTS SepConv
  with BN, :class:`SepConv`); its up and skip ops are ``SCALE_UP_OP_TABLE`` (``deconv`` = ConvTranspose2x2 stride 2,
  ``nearest``/``bilinear`` = parameter-free interpolation, each repeated for larger scales).
* down ops (x1/2, discriminator): ``avg_pool``/``max_pool`` (2x2) and ReLU -> SN Conv stride 2 for the conv names.

Initialisation (:func:`init_weights_`, applied by the EAGAN cell networks and fixed discriminators) follows the
AutoGAN/AdversarialNAS ``weights_init(xavier_uniform)``, which matches class names containing ``Conv2d``: ``Conv2d``
weights are Xavier-uniform (gain 1), BatchNorm weights ~ N(1, 0.02) with zero bias; ``Linear``, ``ConvTranspose2d``
and all biases get PyTorch's default init. Spectral norm is :func:`torch.nn.utils.spectral_norm` (one power iteration
per training forward, state in the ``weight_u``/``weight_v`` buffers), chosen over the parametrization version because
modules that use it still pickle; ``init_weights_`` runs 15 power iterations so sigma is sane from the start.

Example:
    >>> import torch
    >>> op = build_normal_op("dil_conv_3x3", 8)
    >>> tuple(op(torch.randn(2, 8, 4, 4)).shape)
    (2, 8, 4, 4)
    >>> build_normal_op("none", 8) is None
    True
    >>> tuple(build_up_op("deconv", 8)(torch.randn(2, 8, 4, 4)).shape)
    (2, 8, 8, 8)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.spectral_norm import SpectralNorm


def spectral_norm(module: nn.Module) -> nn.Module:
    """Wrap ``module``'s weight in spectral normalisation (the one place that picks the implementation)."""
    return nn.utils.spectral_norm(module)


def conv2d(in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1, padding: int | str = 0,
           dilation: int = 1, groups: int = 1, bias: bool = True, sn: bool = False) -> nn.Module:
    """A ``Conv2d``, optionally spectral-normalised."""
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation,
                     groups=groups, bias=bias)
    return spectral_norm(conv) if sn else conv


def linear(in_features: int, out_features: int, *, bias: bool = True, sn: bool = False) -> nn.Module:
    """A ``Linear``, optionally spectral-normalised."""
    layer = nn.Linear(in_features, out_features, bias=bias)
    return spectral_norm(layer) if sn else layer


def _default_(weight: Tensor, bias: Tensor | None, fan_in: int, generator: torch.Generator | None) -> None:
    """PyTorch's default init of Linear / ConvTranspose2d, drawn from ``generator``."""
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    _default_bias_(bias, fan_in, generator)


def _default_bias_(bias: Tensor | None, fan_in: int, generator: torch.Generator | None) -> None:
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        nn.init.uniform_(bias, -bound, bound, generator=generator)


@torch.no_grad()
def init_weights_(module: nn.Module, generator: torch.Generator | None = None, n_power_iterations: int = 15) -> None:
    """(Re-)initialise ``module`` in place as described in the module docstring, drawing from ``generator``.

    Spectral-norm vectors ``u``, ``v`` are redrawn and refined by ``n_power_iterations`` power iterations.
    """
    for m in module.modules():
        sn = next((h for h in m._forward_pre_hooks.values() if isinstance(h, SpectralNorm)), None)
        weight = getattr(m, sn.name + "_orig") if sn is not None else getattr(m, "weight", None)
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(weight, generator=generator)
            _default_bias_(m.bias, weight[0].numel(), generator)
        elif isinstance(m, nn.ConvTranspose2d):
            _default_(weight, m.bias, weight[0].numel(), generator)
        elif isinstance(m, nn.Linear):
            _default_(weight, m.bias, weight.shape[1], generator)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02, generator=generator)
            nn.init.zeros_(m.bias)
        if sn is not None:
            w = sn.reshape_weight_to_matrix(weight)
            u = F.normalize(torch.randn(w.shape[0], generator=generator, dtype=w.dtype).to(w.device), dim=0,
                            eps=sn.eps)
            v = F.normalize(torch.randn(w.shape[1], generator=generator, dtype=w.dtype).to(w.device), dim=0,
                            eps=sn.eps)
            for _ in range(n_power_iterations):
                v = F.normalize(w.t() @ u, dim=0, eps=sn.eps)
                u = F.normalize(w @ v, dim=0, eps=sn.eps)
            getattr(m, sn.name + "_u").copy_(u)
            getattr(m, sn.name + "_v").copy_(v)
            setattr(m, sn.name, weight / torch.dot(u, w @ v))  # what the next forward would compute


@contextlib.contextmanager
def rng_scope(generator: torch.Generator | None) -> Iterator[None]:
    """Run module construction on a forked CPU random state when ``generator`` is given (the global state is left
    as it was), else on the global state as usual."""
    if generator is None:
        yield
    else:
        with torch.random.fork_rng(devices=[]):
            yield


def batch_norm(channels: int) -> nn.BatchNorm2d:
    """``BatchNorm2d`` (``init_weights_`` draws its weight from N(1, 0.02), as AutoGAN)."""
    return nn.BatchNorm2d(channels)


class ReLUConv(nn.Module):
    """(ReLU ->) Conv with 'same'-style padding for stride 1 (``channels -> channels``): the conv ops."""

    def __init__(self, channels: int, kernel_size: int, *, stride: int = 1, dilation: int = 1, sn: bool = False,
                 act: bool = True):
        super().__init__()
        self.act = act
        self.conv = conv2d(channels, channels, kernel_size, stride=stride, padding=dilation * (kernel_size - 1) // 2,
                           dilation=dilation, sn=sn)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.relu(x) if self.act else x)


class InterpUp(nn.Module):
    """Interpolate x2 (``nearest`` or ``bilinear``) -> ReLU -> Conv1x1."""

    def __init__(self, channels: int, mode: str):
        super().__init__()
        self.mode = mode
        self.conv = conv2d(channels, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.relu(F.interpolate(x, scale_factor=2, mode=self.mode)))


class DeconvUp(nn.Module):
    """ReLU -> depthwise ConvTranspose3x3 stride 2 (no bias) -> Conv1x1 (no bias)."""

    def __init__(self, channels: int):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(channels, channels, 3, stride=2, padding=1, output_padding=1,
                                         groups=channels, bias=False)
        self.conv = conv2d(channels, channels, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.deconv(F.relu(x)))


class SepConv(nn.Module):
    """DARTS separable conv (AlphaGAN's ``sep_conv_kxk``), ``channels -> channels``, stride 1: twice
    ReLU -> depthwise Conv kxk (no bias) -> pointwise Conv1x1 (no bias) -> BN (affine). ``act=False`` drops the first
    ReLU, ``sn=True`` spectral-normalises the four convs."""

    def __init__(self, channels: int, kernel_size: int, *, sn: bool = False, act: bool = True):
        super().__init__()
        self.act = act
        pad = (kernel_size - 1) // 2

        self.dw1 = conv2d(channels, channels, kernel_size, padding=pad, groups=channels, bias=False, sn=sn)
        self.pw1 = conv2d(channels, channels, 1, bias=False, sn=sn)
        self.bn1 = batch_norm(channels)
        self.dw2 = conv2d(channels, channels, kernel_size, padding=pad, groups=channels, bias=False, sn=sn)
        self.pw2 = conv2d(channels, channels, 1, bias=False, sn=sn)
        self.bn2 = batch_norm(channels)

    def forward(self, x: Tensor) -> Tensor:
        h = self.bn1(self.pw1(self.dw1(F.relu(x) if self.act else x)))
        return self.bn2(self.pw2(self.dw2(F.relu(h))))


class RepeatedDeconv(nn.Module):
    """One ``ConvTranspose2d`` 2x2 stride 2 (with bias) applied ``times`` times: up-sampling by ``2**times`` (AlphaGAN's
    ``deconv``; its stride-4 skip edge applies the same layer twice)."""

    def __init__(self, channels: int, times: int = 1):
        super().__init__()
        self.times = times
        self.deconv = nn.ConvTranspose2d(channels, channels, 2, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        for _ in range(self.times):
            x = self.deconv(x)
        return x


class RepeatedInterp(nn.Module):
    """Parameter-free interpolation x2 (``nearest`` or ``bilinear``, ``align_corners=False``) repeated ``times``
    times (AlphaGAN's ``nearest`` / ``bilinear``)."""

    def __init__(self, channels: int, times: int = 1, *, mode: str):
        super().__init__()
        self.times, self.mode = times, mode

    def forward(self, x: Tensor) -> Tensor:
        align = False if self.mode == "bilinear" else None
        for _ in range(self.times):
            x = F.interpolate(x, scale_factor=2, mode=self.mode, align_corners=align)
        return x

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, times={self.times}"


def _identity(channels: int, *, sn: bool = False, act: bool = True) -> nn.Module:
    return nn.Identity()


def _avg_pool(channels: int, *, sn: bool = True) -> nn.Module:
    return nn.AvgPool2d(2)


def _max_pool(channels: int, *, sn: bool = True) -> nn.Module:
    return nn.MaxPool2d(2)


#: normal op name -> ``ctor(channels, *, sn=False, act=True)`` (``"none"`` is not built)
NORMAL_OP_TABLE: dict[str, Callable[..., nn.Module]] = {
    "skip": _identity,
    "conv_1x1": partial(ReLUConv, kernel_size=1),
    "conv_3x3": partial(ReLUConv, kernel_size=3),
    "conv_5x5": partial(ReLUConv, kernel_size=5),
    "dil_conv_3x3": partial(ReLUConv, kernel_size=3, dilation=2),
    "dil_conv_5x5": partial(ReLUConv, kernel_size=5, dilation=2),
    "sep_conv_3x3": partial(SepConv, kernel_size=3),
    "sep_conv_5x5": partial(SepConv, kernel_size=5),
    "sep_conv_7x7": partial(SepConv, kernel_size=7),
}

#: up op name -> ``ctor(channels)``
UP_OP_TABLE: dict[str, Callable[..., nn.Module]] = {
    "nearest": partial(InterpUp, mode="nearest"),
    "bilinear": partial(InterpUp, mode="bilinear"),
    "deconv": DeconvUp,
}

#: AlphaGAN's up / skip op name -> ``ctor(channels, times=1)``: up-sampling by ``2**times`` (``space.alphagan.UP_OPS``;
#: not the EAGAN ops of the same names in ``UP_OP_TABLE``, which end in a 1x1 conv)
SCALE_UP_OP_TABLE: dict[str, Callable[..., nn.Module]] = {
    "deconv": RepeatedDeconv,
    "nearest": partial(RepeatedInterp, mode="nearest"),
    "bilinear": partial(RepeatedInterp, mode="bilinear"),
}

#: down op name -> ``ctor(channels, *, sn=True)`` (``"none"``, i.e. no downsampling, is not built)
DOWN_OP_TABLE: dict[str, Callable[..., nn.Module]] = {
    "avg_pool": _avg_pool,
    "max_pool": _max_pool,
    "conv_3x3": partial(ReLUConv, kernel_size=3, stride=2),
    "conv_5x5": partial(ReLUConv, kernel_size=5, stride=2),
    "dil_conv_3x3": partial(ReLUConv, kernel_size=3, stride=2, dilation=2),
    "dil_conv_5x5": partial(ReLUConv, kernel_size=5, stride=2, dilation=2),
}


def _lookup(table: dict[str, Callable[..., nn.Module]], kind: str, name: str, none_ok: bool):
    if name in table:
        return table[name]
    if none_ok and name == "none":
        return None
    allowed = (["none"] if none_ok else []) + list(table)
    raise ValueError(f"unknown {kind} op {name!r}; allowed: {', '.join(allowed)}")


def build_normal_op(name: str, channels: int, *, sn: bool = False, act: bool = True) -> nn.Module | None:
    """Build a normal op by name (``None`` for ``"none"``)."""
    ctor = _lookup(NORMAL_OP_TABLE, "normal", name, none_ok=True)
    return None if ctor is None else ctor(channels, sn=sn, act=act)


def build_up_op(name: str, channels: int) -> nn.Module:
    """Build an up op by name."""
    return _lookup(UP_OP_TABLE, "up", name, none_ok=False)(channels)


def build_scale_up_op(name: str, channels: int, times: int = 1) -> nn.Module:
    """Build an AlphaGAN up / skip op by name (up-sampling by ``2**times``)."""
    return _lookup(SCALE_UP_OP_TABLE, "up", name, none_ok=False)(channels, times)


def build_down_op(name: str, channels: int, *, sn: bool = True) -> nn.Module | None:
    """Build a down op by name (``None`` for ``"none"``, i.e. no downsampling)."""
    ctor = _lookup(DOWN_OP_TABLE, "down", name, none_ok=True)
    return None if ctor is None else ctor(channels, sn=sn)
