"""CLIP image features for Fréchet distances (``fd_clip``), through torch-fidelity, from a local weights file only.

Stein et al. (NeurIPS 2023) find modern self-supervised or language-supervised features track human judgement better
than Inception's. torch-fidelity's ``FeatureExtractorCLIP`` reads OpenAI's published TorchScript files (``ViT-B-32.pt``
...) with ``torch.jit.load``; its resize (TF1-compatible bilinear to the model's input size) and normalisation are
used as they are. pymoo_gan never downloads: the file is the path the user names, else torch-fidelity's file name in
the torch hub cache (``$TORCH_HOME/hub/checkpoints/clip-vit-b-32-<sha256>.pt``).

Names: a file whose SHA-256 is the published one of a CLIP model (the hash is part of OpenAI's URL) gives ``clip``
for ViT-B/32 (torch-fidelity's default) and ``clip_<model>`` for the others (``clip_vit_l_14``); any other file gives
``clip_<sha256[:8]>``. The features carry no class logits, so there is no classifier score with them (use objectives
such as ``["fd", "params"]``).

**DINOv2** is not offered: torch-fidelity 0.4.0 loads it only through ``torch.hub.load("facebookresearch/dinov2")``
(code and weights from the network) and raises ``NotImplementedError`` for a local weights file.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch
from torch import nn

from pymoo_gan.files import atomic_write, sha256_file
from pymoo_gan.metrics.extractors import FeatureExtractor

__all__ = ["CLIP_DEFAULT_MODEL", "CLIPExtractor", "CLIPWeightsNotFoundError", "clip_name", "find_clip_weights",
           "save_random_clip_weights"]

CLIP_DEFAULT_MODEL = "clip-vit-b-32"
# torch-fidelity is imported where it is used: importing it pulls in torchvision and torch._dynamo (~2.5 s), which every
# process that merely imports pymoo_gan (Ray actors, CLI runs) would pay otherwise


def _published() -> dict[str, dict[str, str]]:
    from torch_fidelity.feature_extractor_clip import MODEL_METADATA

    return MODEL_METADATA


class CLIPWeightsNotFoundError(FileNotFoundError):
    """The CLIP weights file is not where it was looked for; the message says which file to put where."""


def find_clip_weights(weights_path: str | os.PathLike | None = None) -> Path:
    """The path of the CLIP weights file (``weights_path`` when given, and nowhere else; otherwise torch-fidelity's
    file of ViT-B/32 in the torch hub cache), or :class:`CLIPWeightsNotFoundError`."""
    meta = _published()[CLIP_DEFAULT_MODEL]
    url = f"https://openaipublic.azureedge.net/clip/models/{meta['hash']}/{meta['filename']}.pt"
    if weights_path is not None:
        path = Path(weights_path).expanduser()
        if path.is_file():
            return path
        raise CLIPWeightsNotFoundError(
            f"CLIP weights not found at {path}. Put {meta['filename']}.pt (sha256 {meta['hash']}, from {url}) "
            "there, or leave the path unset (clip_weights) to use the torch hub cache.")
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    path = checkpoints / f"{CLIP_DEFAULT_MODEL}-{meta['hash']}.pt"
    if path.is_file():
        return path
    raise CLIPWeightsNotFoundError(
        f"CLIP weights not found: put {meta['filename']}.pt (sha256 {meta['hash']}, from {url}) into {path} (the "
        "torch hub cache, $TORCH_HOME/hub/checkpoints), or give its path (clip_weights in a search config). "
        "pymoo_gan never downloads them and never falls back to other weights.")


def clip_name(sha256: str) -> str:
    """The extractor name of CLIP weights with this SHA-256 (see the module docstring)."""
    for model, meta in _published().items():
        if meta["hash"] == sha256:
            return "clip" if model == CLIP_DEFAULT_MODEL else model.replace("-", "_")
    return f"clip_{sha256[:8]}"


class CLIPExtractor(FeatureExtractor):
    """CLIP image embeddings (torch-fidelity's ``FeatureExtractorCLIP``) of images in [-1, 1].

    Images are converted to uint8 as for Inception (``clamp(x * 127.5 + 127.5, 0, 255)`` truncated) and single-channel
    images are repeated to RGB.

    Raises:
        CLIPWeightsNotFoundError: No weights file where it was looked for.
        ValueError: The file is not a CLIP TorchScript archive torch-fidelity can read.
    """

    has_logits = False

    def __init__(self, weights_path: str | os.PathLike | None = None):
        path = find_clip_weights(weights_path)
        sha256 = sha256_file(path)
        name = clip_name(sha256)
        published = any(meta["hash"] == sha256 for meta in _published().values())
        super().__init__(name, layer="clip", info={"weights": str(path), "sha256": sha256, "published": published,
                                                   "resize": "tf1_bilinear"})
        from torch_fidelity.feature_extractor_clip import FeatureExtractorCLIP

        try:
            self.net = FeatureExtractorCLIP(CLIP_DEFAULT_MODEL, ["clip"], feature_extractor_weights_path=str(path),
                                            verbose=False)
        except Exception as error:
            raise ValueError(f"{path} is not a CLIP TorchScript file torch-fidelity can read: {error}") from error
        self.eval()

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected (N, 1 or 3, H, W) images in [-1, 1]; got shape {tuple(images.shape)}")
        x = images.float().mul(127.5).add(127.5).clamp(0.0, 255.0).to(torch.uint8).expand(-1, 3, -1, -1)
        return {"features": self.net(x)[0]}


def save_random_clip_weights(path: str | os.PathLike, *, seed: int = 0, width: int = 64, resolution: int = 32,
                             patch_size: int = 16, embed_dim: int = 32) -> Path:
    """Write a tiny randomly initialised CLIP vision transformer as a TorchScript file in OpenAI's layout (what
    torch-fidelity reads) to ``path``. For tests only: its SHA-256 is no published one, so it is never ``clip``.

    Example:
        >>> import tempfile
        >>> path = save_random_clip_weights(Path(tempfile.mkdtemp()) / "tiny_clip.pt")      # doctest: +SKIP
        >>> CLIPExtractor(path).name                                                     # doctest: +SKIP
        'clip_...'
    """
    from torch_fidelity.feature_extractor_clip import VisionTransformer

    class _TinyCLIP(nn.Module):
        def __init__(self):
            super().__init__()
            self.visual = VisionTransformer(input_resolution=resolution, patch_size=patch_size, width=width,
                                            layers=1, heads=max(1, width // 64), output_dim=embed_dim)
            self.text_projection = nn.Parameter(torch.zeros(width, embed_dim))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.visual(x)

    generator = torch.Generator().manual_seed(seed)
    model = _TinyCLIP()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.05)
    with warnings.catch_warnings():  # tracing attention warns about Python booleans; the shapes are fixed here
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(model.eval(), torch.zeros(1, 3, resolution, resolution))
        return atomic_write(path, lambda tmp: torch.jit.save(traced, str(tmp)))
