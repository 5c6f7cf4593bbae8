"""A conditional (paired) discriminator for image-to-image tasks: it judges (input, output) pairs, as pix2pix's D.

The input is resized to the output's size (bilinear, ``align_corners=False``; a no-op for translation) and
concatenated with the output on the channels; a PatchGAN-style stack scores it: SN-Conv4x4 stride 2 -> LeakyReLU(0.2)
-> SN-Conv4x4 stride 2 -> LeakyReLU(0.2) -> SN-Conv3x3 -> one logit per patch. Outputs are logits of shape
``(N, patches)``, which the toolkit's GAN losses average.

Example:
    >>> import torch
    >>> d = ConditionalDiscriminator(in_channels=1, out_channels=3, channels=8)
    >>> d(torch.zeros(2, 1, 8, 8), torch.zeros(2, 3, 16, 16)).shape  # 16 -> 8 -> 4: 16 patches
    torch.Size([2, 16])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pymoo_gan.nn.ops import conv2d, init_weights_, rng_scope

__all__ = ["ConditionalDiscriminator"]


class ConditionalDiscriminator(nn.Module):
    """Discriminator of (input, output) pairs (module docstring).

    Args:
        in_channels: channels of the task's inputs (the condition).
        out_channels: channels of the task's outputs (real targets or generated images).
        channels: feature channels of the first conv (the second has twice as many).
        generator: draws the initial weights (``None``: torch's global random state).
    """

    def __init__(self, in_channels: int, out_channels: int, channels: int = 32, *,
                 generator: torch.Generator | None = None):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("channels", channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        self.in_channels, self.out_channels = in_channels, out_channels
        with rng_scope(generator):
            self.features = nn.Sequential(
                conv2d(in_channels + out_channels, channels, 4, stride=2, padding=1, sn=True), nn.LeakyReLU(0.2),
                conv2d(channels, 2 * channels, 4, stride=2, padding=1, sn=True), nn.LeakyReLU(0.2),
                conv2d(2 * channels, 1, 3, padding=1, sn=True))
        init_weights_(self, generator)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Logits ``(N, patches)`` of the pairs ``(x[i], y[i])``."""
        if x.dim() != 4 or y.dim() != 4 or x.shape[0] != y.shape[0] or x.shape[1] != self.in_channels \
                or y.shape[1] != self.out_channels:
            raise ValueError(f"pairs of shapes {tuple(x.shape)} and {tuple(y.shape)} do not fit: expected (N, "
                             f"{self.in_channels}, h, w) inputs and (N, {self.out_channels}, H, W) outputs")
        if x.shape[-2:] != y.shape[-2:]:
            x = F.interpolate(x, size=y.shape[-2:], mode="bilinear", align_corners=False)
        return self.features(torch.cat([x, y.to(x.dtype)], dim=1)).flatten(1)
