"""The standard Inception v3 of the FID/IS literature (TF-ported 2015-12-05 weights), through torch-fidelity.

torch-fidelity's ``FeatureExtractorInceptionV3`` reproduces the TF graph: the TF1-compatible bilinear resize to 299,
2048-d pool features for FID/KID and logits without bias (``logits_unbiased``) for IS. Weights are read from a local
file only, never downloaded: the path the user names, else the torch hub cache
(``$TORCH_HOME/hub/checkpoints/weights-inception-2015-12-05-6726825d.pth``, or pytorch-fid's
``pt_inception-2015-12-05-6726825d.pth`` there, whose layout is the same). Only a file whose SHA-256 equals the
published one makes the extractor :attr:`~pymoo_gan.metrics.FeatureExtractor.standard` (named ``inception_v3``,
scores named FID / IS); other weights give ``inception_v3_<sha256[:8]>`` and ``fd_...`` keys.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import torch
from torch import nn

from pymoo_gan.files import atomic_write, sha256_file
from pymoo_gan.metrics.extractors import FeatureExtractor

__all__ = [
    "INCEPTION_WEIGHTS_FILE",
    "INCEPTION_WEIGHTS_SHA256",
    "InceptionV3Extractor",
    "InceptionWeightsNotFoundError",
    "find_inception_weights",
    "save_random_inception_weights",
]

INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
PYTORCH_FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
INCEPTION_WEIGHTS_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
INCEPTION_WEIGHTS_URL = f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{INCEPTION_WEIGHTS_FILE}"


class InceptionWeightsNotFoundError(FileNotFoundError):
    """The Inception weights file is not where it was looked for; the message says which file to put where."""


def find_inception_weights(weights_path: str | os.PathLike | None = None) -> Path:
    """Return the path of the Inception weights file, or raise :class:`InceptionWeightsNotFoundError`.

    Looks at ``weights_path`` when given (and nowhere else), else in ``torch.hub.get_dir()/checkpoints`` for
    ``weights-inception-2015-12-05-6726825d.pth`` then ``pt_inception-2015-12-05-6726825d.pth``.
    """
    if weights_path is not None:
        path = Path(weights_path).expanduser()
        if not path.is_file():
            raise InceptionWeightsNotFoundError(
                f"Inception weights not found at {path}. Put {INCEPTION_WEIGHTS_FILE} (sha256 "
                f"{INCEPTION_WEIGHTS_SHA256}) there, or leave the path unset (inception_weights / weights_path) "
                f"to use the torch hub cache."
            )
        return path
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    for name in (INCEPTION_WEIGHTS_FILE, PYTORCH_FID_WEIGHTS_FILE):
        if (checkpoints / name).is_file():
            return checkpoints / name
    raise InceptionWeightsNotFoundError(
        f"Inception weights not found: put {INCEPTION_WEIGHTS_FILE} (sha256 {INCEPTION_WEIGHTS_SHA256}, from "
        f"{INCEPTION_WEIGHTS_URL}) into the directory {checkpoints} (the torch hub cache, "
        f"$TORCH_HOME/hub/checkpoints), or give its path (inception_weights in a search config, weights_path= in "
        f"Python). pymoo_gan never downloads them and never falls back to other weights."
    )


def inception_name(sha256: str) -> tuple[str, bool]:
    """``(extractor name, standard?)`` for Inception weights with this SHA-256: only the published weights are
    ``inception_v3`` (and so report ``fid``/``is``); any other file is ``inception_v3_<sha8>``."""
    standard = sha256 == INCEPTION_WEIGHTS_SHA256
    return ("inception_v3" if standard else f"inception_v3_{sha256[:8]}"), standard


class InceptionV3Extractor(FeatureExtractor):
    """Inception v3 features (2048-d pool) and logits without bias, as in FID/IS papers.

    Images in [-1, 1] are converted to uint8 as AutoGAN/EAGAN do before scoring
    (``clamp(x * 127.5 + 127.5, 0, 255)`` truncated), single-channel images are repeated to RGB, and torch-fidelity's
    module resizes to 299 with the TF1-compatible bilinear interpolation.

    Args:
        weights_path: A local weights file in torch-fidelity's state-dict layout; ``None`` looks in the torch hub
            cache (see :func:`find_inception_weights`).

    Raises:
        InceptionWeightsNotFoundError: No weights file where it was looked for.
        ValueError: The file does not hold the Inception v3 state dict.

    Example:
        >>> extractor = InceptionV3Extractor()  # doctest: +SKIP
        >>> extractor(torch.zeros(4, 3, 32, 32))["features"].shape  # doctest: +SKIP
        torch.Size([4, 2048])
    """

    def __init__(self, weights_path: str | os.PathLike | None = None):
        path = find_inception_weights(weights_path)
        sha256 = sha256_file(path)
        name, standard = inception_name(sha256)
        info = {"weights": str(path), "sha256": sha256, "resize": "tf1_bilinear_299", "logits": "logits_unbiased"}
        super().__init__(name, layer="2048", info=info)
        self.standard = standard
        try:
            state_dict = torch.load(path, map_location="cpu", weights_only=True)
            with torch.device("meta"):
                net = _unloaded_inception()
            nn.Module.load_state_dict(net, state_dict, assign=True)
        except Exception as error:
            raise ValueError(
                f"{path} does not hold the Inception v3 state dict torch-fidelity expects: {error}"
            ) from error
        self.net = net
        self.eval()

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected (N, 1 or 3, H, W) images in [-1, 1]; got shape {tuple(images.shape)}")
        x = images.float().mul(127.5).add(127.5).clamp(0.0, 255.0).to(torch.uint8).expand(-1, 3, -1, -1)
        features, logits = self.net(x)
        return {"features": features, "logits": logits}


def save_random_inception_weights(path: str | os.PathLike, *, seed: int = 0) -> Path:
    """Write randomly initialised Inception v3 weights in torch-fidelity's layout to ``path`` (atomically).

    For tests and timing only: the file's SHA-256 is not the published one, so its scores are never named FID/IS.
    Convolution and linear weights are He-normal from a ``torch.Generator`` seeded with ``seed``; batch norms are
    identities.

    Example:
        >>> import tempfile
        >>> path = save_random_inception_weights(Path(tempfile.mkdtemp()) / "random.pth")  # doctest: +SKIP
        >>> InceptionV3Extractor(path).name  # doctest: +SKIP
        'inception_v3_...'
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.device("meta"):
        net = _unloaded_inception()
    net.to_empty(device="cpu")
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu", generator=generator)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            module.reset_parameters()
    return atomic_write(path, lambda tmp: torch.save(net.state_dict(), tmp))


def _unloaded_inception() -> nn.Module:
    """torch-fidelity's module without its weights: its constructor always loads a state dict (downloading one when
    given no path), so it is handed an empty one, skipped here; the caller then loads the real one explicitly.
    (torch-fidelity is imported here: importing it pulls in torchvision and torch._dynamo, ~2.5 s that every process
    merely importing pymoo_gan would pay otherwise.)"""
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    class _UnloadedInceptionV3(FeatureExtractorInceptionV3):
        def load_state_dict(self, state_dict, strict=True, assign=False):
            if not state_dict:
                return None
            return super().load_state_dict(state_dict, strict=strict, assign=assign)

    empty = io.BytesIO()
    torch.save({}, empty)
    empty.seek(0)
    return _UnloadedInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=empty
    )
