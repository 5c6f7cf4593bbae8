"""Full-reference image quality of paired tasks: PSNR and SSIM per image, as super-resolution papers report them.

Images come in the toolkit's range [-1, 1], shape (N, C, H, W), and are mapped to [0, 255] (not rounded to integers).
With ``y_channel=True`` (the standard for super-resolution) a colour image is scored on its luminance: the Y of
YCbCr, ITU-R BT.601 studio swing, ``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` for RGB in [0, 1] (MATLAB's
``rgb2ycbcr``; Y in [16, 235]); a one-channel image is already luminance and is scored as it is. ``crop_border``
pixels are removed from each side first (usually the scale factor). Both are computed in float64 with peak value 255:

* PSNR = ``10 log10(255^2 / MSE)`` per image (``inf`` for identical images), averaged over channels' pixels;
* SSIM of Wang et al. (2004): Gaussian window 11x11, sigma 1.5, ``K1 = 0.01``, ``K2 = 0.03``, on the *valid* region
  (no padding), mean of the SSIM map per image (and over channels when ``y_channel=False``).

A dataset's PSNR/SSIM is the mean of the per-image values.

Example:
    >>> import torch
    >>> target = torch.zeros(2, 3, 16, 16)
    >>> scores = image_quality(target + 0.1, target, crop_border=2)
    >>> sorted(scores), round(scores["ssim"], 4) < 1.0
    (['psnr', 'ssim'], True)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["image_quality", "psnr", "rgb_to_y", "ssim", "to_255"]

_PEAK = 255.0
_WINDOW, _SIGMA, _K1, _K2 = 11, 1.5, 0.01, 0.03


def to_255(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] -> float64 in [0, 255] (values outside [-1, 1] are clamped).

    Example:
        >>> to_255(torch.tensor([-1.0, 0.0, 1.0])).tolist()
        [0.0, 127.5, 255.0]
    """
    return (images.detach().double().clamp(-1.0, 1.0) + 1.0) * 127.5


def rgb_to_y(images: torch.Tensor) -> torch.Tensor:
    """Luminance (BT.601 studio swing, [16, 235]) of RGB images in [0, 255], shape (N, 3, H, W) -> (N, 1, H, W).

    Example:
        >>> rgb_to_y(torch.tensor([0.0, 255.0], dtype=torch.float64).view(2, 1, 1, 1).expand(2, 3, 1, 1)).flatten()
        tensor([ 16., 235.], dtype=torch.float64)
    """
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"rgb_to_y needs images of shape (N, 3, H, W); got {tuple(images.shape)}")
    weights = torch.tensor([65.481, 128.553, 24.966], dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return 16.0 + (images / 255.0 * weights).sum(1, keepdim=True)


def _prepare(pred: torch.Tensor, target: torch.Tensor, crop_border: int, y_channel: bool) -> tuple:
    for name, x in (("pred", pred), ("target", target)):
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{name} must be a tensor of shape (N, C, H, W); got {shape}")
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must have the same shape")
    if isinstance(crop_border, bool) or not isinstance(crop_border, int) or crop_border < 0:
        raise ValueError(f"crop_border={crop_border!r} must be a non-negative integer")
    h, w = pred.shape[-2:]
    if 2 * crop_border >= min(h, w):
        raise ValueError(f"crop_border={crop_border} leaves nothing of {h}x{w} images")
    if pred.shape[1] not in (1, 3):
        raise ValueError(f"images have {pred.shape[1]} channels; allowed: 1 or 3")
    a, b = to_255(pred), to_255(target.to(pred.device))
    if y_channel and a.shape[1] == 3:
        a, b = rgb_to_y(a), rgb_to_y(b)
    if crop_border:
        a = a[..., crop_border:h - crop_border, crop_border:w - crop_border]
        b = b[..., crop_border:h - crop_border, crop_border:w - crop_border]
    return a, b


def psnr(pred: torch.Tensor, target: torch.Tensor, *, crop_border: int = 0, y_channel: bool = True) -> torch.Tensor:
    """PSNR in dB of each image of ``pred`` against ``target`` (module docstring): float64, shape (N,).

    Example:
        >>> target = torch.zeros(1, 1, 4, 4); pred = target.clone(); pred[0, 0, 0, 0] = 1.0  # 127.5 off at one pixel
        >>> round(psnr(pred, target).item(), 4)  # 10 log10(255^2 / (127.5^2 / 16))
        18.0618
    """
    a, b = _prepare(pred, target, crop_border, y_channel)
    mse = (a - b).pow(2).mean(dim=(1, 2, 3))
    return 10.0 * torch.log10(_PEAK ** 2 / mse)


def _gaussian(dtype, device) -> torch.Tensor:
    x = torch.arange(_WINDOW, dtype=dtype, device=device) - (_WINDOW - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * _SIGMA ** 2))
    return g / g.sum()


def _filter(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian filter of each channel, valid region only."""
    c = x.shape[1]
    x = F.conv2d(x, g.view(1, 1, 1, -1).expand(c, 1, 1, _WINDOW), groups=c)
    return F.conv2d(x, g.view(1, 1, -1, 1).expand(c, 1, _WINDOW, 1), groups=c)


def ssim(pred: torch.Tensor, target: torch.Tensor, *, crop_border: int = 0, y_channel: bool = True) -> torch.Tensor:
    """SSIM of each image of ``pred`` against ``target`` (module docstring): float64, shape (N,). Images (after the
    crop) must be at least 11x11.

    Example:
        >>> x = torch.rand(2, 1, 16, 16) * 2 - 1
        >>> ssim(x, x).tolist()
        [1.0, 1.0]
    """
    a, b = _prepare(pred, target, crop_border, y_channel)
    if min(a.shape[-2:]) < _WINDOW:
        raise ValueError(f"SSIM needs images of at least {_WINDOW}x{_WINDOW} after the crop; got "
                         f"{a.shape[-2]}x{a.shape[-1]}")
    g = _gaussian(a.dtype, a.device)
    c1, c2 = (_K1 * _PEAK) ** 2, (_K2 * _PEAK) ** 2
    mu_a, mu_b = _filter(a, g), _filter(b, g)
    var_a = _filter(a * a, g) - mu_a ** 2
    var_b = _filter(b * b, g) - mu_b ** 2
    cov = _filter(a * b, g) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return ssim_map.mean(dim=(1, 2, 3))


def image_quality(pred: torch.Tensor, target: torch.Tensor, *, crop_border: int = 0, y_channel: bool = True,
                  metrics: tuple[str, ...] = ("psnr", "ssim")) -> dict[str, float]:
    """Dataset PSNR and/or SSIM: the means over images of :func:`psnr` and :func:`ssim` (``inf`` PSNR when any image
    is reproduced exactly).

    Example:
        >>> x = torch.zeros(3, 1, 12, 12)
        >>> image_quality(x, x, metrics=("ssim",))
        {'ssim': 1.0}
    """
    allowed = {"psnr": psnr, "ssim": ssim}
    unknown = [m for m in metrics if m not in allowed]
    if unknown or not metrics:
        raise ValueError(f"metrics={tuple(metrics)!r} must name at least one of: {', '.join(allowed)}")
    out = {}
    for m in metrics:
        value = allowed[m](pred, target, crop_border=crop_border, y_channel=y_channel).mean().item()
        out[m] = value if math.isfinite(value) else math.inf
    return out
