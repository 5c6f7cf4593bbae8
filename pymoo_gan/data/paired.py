"""Paired image-to-image tasks: ``(inputs, targets)`` tensors in [-1, 1] with one input per target, in the same order.

Three sources of pairs:

* **super-resolution** (:func:`super_resolution_pairs`) from any dataset the toolkit loads: the high-resolution
  target ``(N, C, R, R)`` is downsampled by ``scale`` (2 or 4; ``R`` must divide by it) to the input
  ``(N, C, R/scale, R/scale)``. Kernels: ``"bicubic"`` is ``torch.nn.functional.interpolate(mode="bicubic",
  antialias=True, align_corners=False)`` (the antialiased bicubic of PIL/MATLAB ``imresize``, a = -0.5, support
  widened by ``scale``), clamped to [-1, 1]; ``"box"`` is the mean of each ``scale x scale`` block (``avg_pool2d``).
* **edges -> images** (:func:`edge_pairs`): the input is the Sobel gradient magnitude of the target's luminance
  (ITU-R BT.601 weights for colour images), replicate-padded, divided by each image's largest magnitude (a flat image
  gives 0), mapped from [0, 1] to [-1, 1]: one channel. On the embedded digits this is the toolkit's stand-in for
  edges -> shoes.
* **paired folders** (:func:`load_paired_folder`): ``<root>/A/`` holds the inputs, ``<root>/B/`` the targets, with
  the same relative file names (``A/0001.png`` pairs with ``B/0001.png``); each side is read by
  :func:`~pymoo_gan.data.image_folder.load_image_folder` (so the same layouts, train/test split, cache and channel rule
  apply; one name in both sides gives both sides the same split and order). Names present on one side only raise a
  ``ValueError`` naming them.

:class:`PairedConfig` selects one of them by ``task`` and loads a split.

Example:
    >>> from pymoo_gan.data import DataConfig
    >>> lr, hr = PairedConfig(task="sr", data=DataConfig(resolution=16), scale=2).load("test")
    >>> tuple(lr.shape), tuple(hr.shape)
    ((450, 1, 8, 8), (450, 1, 16, 16))
    >>> edges, digits = PairedConfig(task="edges").load("test")
    >>> tuple(edges.shape) == tuple(digits.shape), float(edges.min()), float(edges.max())
    (True, -1.0, 1.0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from pymoo_gan.data._common import check_root, check_split
from pymoo_gan.data.config import DataConfig
from pymoo_gan.data.image_folder import _open_source, image_folder_channels, load_image_folder

__all__ = ["KERNELS", "SCALES", "TASKS", "PairedConfig", "bicubic_upsample", "downsample", "edge_pairs",
           "load_paired_folder", "sobel_edges", "super_resolution_pairs"]

SCALES = (2, 4)
KERNELS = ("bicubic", "box")
TASKS = ("sr", "edges", "folder")
_BT601 = (0.299, 0.587, 0.114)


def downsample(images: torch.Tensor, scale: int, kernel: str = "bicubic") -> torch.Tensor:
    """``images`` (N, C, R, R) in [-1, 1] reduced by ``scale`` with ``kernel`` (module docstring), in [-1, 1].

    Example:
        >>> downsample(torch.ones(1, 1, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2])
    """
    _check_images(images, "images")
    _check_scale(scale)
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r} is unknown; allowed: {', '.join(KERNELS)}")
    h, w = images.shape[-2:]
    if h % scale or w % scale:
        raise ValueError(f"images of {h}x{w} do not divide by scale={scale}; use a resolution that is a multiple of "
                         f"{scale}")
    if kernel == "box":
        return F.avg_pool2d(images, scale)
    size = (h // scale, w // scale)
    return F.interpolate(images, size=size, mode="bicubic", antialias=True, align_corners=False).clamp(-1.0, 1.0)


def bicubic_upsample(images: torch.Tensor, scale: int) -> torch.Tensor:
    """The bicubic baseline of super-resolution: ``images`` enlarged ``scale`` times (``align_corners=False``),
    clamped to [-1, 1].

    Example:
        >>> bicubic_upsample(torch.zeros(2, 3, 4, 4), 4).shape
        torch.Size([2, 3, 16, 16])
    """
    _check_images(images, "images")
    _check_scale(scale)
    return F.interpolate(images, scale_factor=scale, mode="bicubic", align_corners=False).clamp(-1.0, 1.0)


def super_resolution_pairs(images: torch.Tensor, scale: int = 2, kernel: str = "bicubic",
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(low-resolution inputs, images)``: the pairs of ×``scale`` super-resolution (module docstring).

    Example:
        >>> lr, hr = super_resolution_pairs(torch.zeros(3, 1, 16, 16), scale=4, kernel="box")
        >>> tuple(lr.shape), hr.shape == (3, 1, 16, 16)
        ((3, 1, 4, 4), True)
    """
    return downsample(images, scale, kernel), images


def sobel_edges(images: torch.Tensor) -> torch.Tensor:
    """One-channel edge maps in [-1, 1] of ``images`` (N, C, H, W) in [-1, 1] (module docstring).

    Example:
        >>> x = -torch.ones(1, 1, 6, 6); x[..., 3:] = 1.0   # a vertical step
        >>> e = sobel_edges(x)
        >>> float(e[0, 0, 2, 0]), float(e[0, 0, 2, 2]), float(e[0, 0, 2, 3])
        (-1.0, 1.0, 1.0)
    """
    _check_images(images, "images")
    unit = (images.float() + 1.0) / 2.0
    if unit.shape[1] == 3:
        weights = torch.tensor(_BT601, dtype=unit.dtype, device=unit.device).view(1, 3, 1, 1)
        unit = (unit * weights).sum(1, keepdim=True)
    elif unit.shape[1] != 1:
        raise ValueError(f"images have {unit.shape[1]} channels; allowed: 1 or 3")
    gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], dtype=unit.dtype, device=unit.device)
    kernels = torch.stack([gx, gx.t()]).unsqueeze(1)
    grad = F.conv2d(F.pad(unit, (1, 1, 1, 1), mode="replicate"), kernels)
    magnitude = grad.pow(2).sum(1, keepdim=True).sqrt()
    peak = magnitude.amax(dim=(1, 2, 3), keepdim=True)
    scaled = torch.where(peak > 0, magnitude / peak.clamp_min(1e-12), torch.zeros_like(magnitude))
    return (scaled * 2.0 - 1.0).to(images.dtype)


def edge_pairs(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(edge maps, images)``: the pairs of the edges -> images translation task.

    Example:
        >>> edges, images = edge_pairs(torch.zeros(2, 3, 8, 8))
        >>> tuple(edges.shape), tuple(images.shape)
        ((2, 1, 8, 8), (2, 3, 8, 8))
    """
    return sobel_edges(images), images


def load_paired_folder(root: str | os.PathLike | None, resolution: int = 32, split: str = "train",
                       input_resolution: int | None = None, cache_dir: str | os.PathLike | None = None,
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(inputs from <root>/A, targets from <root>/B)`` of ``split`` (module docstring); the targets at
    ``resolution``, the inputs at ``input_resolution`` (default: ``resolution``; smaller for your own
    super-resolution pairs).

    Example:
        >>> a, b = load_paired_folder("/data/edges2shoes", resolution=64, split="test")  # doctest: +SKIP
    """
    check_split(split, "paired_folder")
    root = check_root(root, "paired_folder", "a folder holding A/ (inputs) and B/ (targets)")
    sides = [root / "A", root / "B"]
    for side in sides:
        if not side.is_dir():
            raise ValueError(f"paired_folder: {side} is not a folder; {root} must hold A/ (inputs) and B/ (targets) "
                             "with the same file names")
    names = [set(_open_source(side).images()) for side in sides]
    only = [sorted(names[0] - names[1]), sorted(names[1] - names[0])]
    if only[0] or only[1]:
        parts = [f"{len(o)} only in {s.name}/ ({', '.join(o[:3])}{', ...' if len(o) > 3 else ''})"
                 for o, s in zip(only, sides, strict=True) if o]
        raise ValueError(f"paired_folder: unmatched file names in {root}: {'; '.join(parts)}; every image in A/ "
                         "needs one of the same relative name in B/")
    inputs, _ = load_image_folder(sides[0], resolution=resolution if input_resolution is None else input_resolution,
                                  split=split, cache_dir=cache_dir)
    targets, _ = load_image_folder(sides[1], resolution=resolution, split=split, cache_dir=cache_dir)
    return inputs, targets


@dataclass(frozen=True)
class PairedConfig:
    """A paired task: ``"sr"`` (super-resolution of ``data``'s images by ``scale`` with ``kernel``), ``"edges"``
    (Sobel edges of ``data``'s images -> the images) or ``"folder"`` (``root`` with ``A/`` and ``B/``, targets at
    ``resolution``, inputs at ``resolution // scale`` when ``scale`` > 1).

    Example:
        >>> PairedConfig(task="sr", scale=4).input_resolution, PairedConfig(task="edges").factor
        (4, 1)
    """

    task: str = "sr"
    data: DataConfig = field(default_factory=DataConfig)
    scale: int | None = None  # None: 2 for "sr", 1 otherwise
    kernel: str = "bicubic"
    root: str | None = None
    resolution: int = 32  # "folder" only: the targets' resolution (the others take data.resolution)
    cache_dir: str | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task={self.task!r} is unknown; allowed: {', '.join(TASKS)}")
        allowed = SCALES if self.task == "sr" else (1, *SCALES) if self.task == "folder" else (1,)
        if self.scale is not None and self.scale not in allowed:
            raise ValueError(f"scale={self.scale!r} is not allowed for task {self.task!r}; allowed: "
                             f"{', '.join(map(str, allowed))}")
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel={self.kernel!r} is unknown; allowed: {', '.join(KERNELS)}")
        if self.task == "folder" and not self.root:
            raise ValueError("task='folder' needs root=... (a folder holding A/ and B/)")
        if self.task != "folder" and self.root:
            raise ValueError(f"root={self.root!r} is only read by task='folder'; for task={self.task!r} set data=...")
        if self.target_resolution % self.factor:
            raise ValueError(f"resolution {self.target_resolution} does not divide by scale={self.factor}")

    @property
    def factor(self) -> int:
        """The scale in effect: ``scale``, or when that is ``None`` 2 for ``"sr"`` and 1 otherwise. (``scale`` itself
        stays as given, so a problem file's task table that names another task does not inherit the default
        task's scale.)"""
        if self.scale is not None:
            return self.scale
        return 2 if self.task == "sr" else 1

    @property
    def target_resolution(self) -> int:
        return self.resolution if self.task == "folder" else self.data.resolution

    @property
    def input_resolution(self) -> int:
        return self.target_resolution // self.factor

    @property
    def channels(self) -> tuple[int, int]:
        """``(input channels, target channels)`` (a folder's are looked up from its images)."""
        if self.task == "folder":
            root = Path(self.root).expanduser()
            return (image_folder_channels(root / "A", cache_dir=self.cache_dir),
                    image_folder_channels(root / "B", cache_dir=self.cache_dir))
        c = self.data.channels
        return (1, c) if self.task == "edges" else (c, c)

    def load(self, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs, targets)`` of ``split`` (``"train"``, ``"test"`` or ``"all"``), in [-1, 1]."""
        if self.task == "folder":
            return load_paired_folder(self.root, resolution=self.resolution, split=split,
                                      input_resolution=self.input_resolution, cache_dir=self.cache_dir)
        images, _ = self.data.load(split)
        if self.task == "sr":
            return super_resolution_pairs(images, self.factor, self.kernel)
        return edge_pairs(images)


def _check_scale(scale) -> None:
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not allowed; allowed: {', '.join(map(str, SCALES))}")


def _check_images(images, what: str) -> None:
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or not images.is_floating_point():
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"{what} must be a float tensor of shape (N, C, H, W); got {shape}")
