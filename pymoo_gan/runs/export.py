"""Export a searched network as one file (architecture + weights) and load it back with plain PyTorch.

The file is a ``torch.save`` dictionary of plain values and tensors, so ``torch.load(path, weights_only=True)`` reads
it without running any code: the space name (a name of :data:`pymoo_gan.registry.SPACES`; the names older files
hold are aliases there), its macro sizes, the genotype, the weights and free-form metadata (scores, training step).
:func:`load_generator` rebuilds the standalone module from them.

Example:
    >>> import tempfile, torch
    >>> from pymoo_gan.models import build_generator
    >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
    >>> space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1))
    >>> G = build_generator(space.decode([1] * 21)).eval()
    >>> path = export_model(G, tempfile.mkdtemp() + "/g.pt", metadata={"fd": 12.5})
    >>> G2 = load_generator(path)
    >>> z = torch.randn(2, 12)
    >>> torch.equal(G(z), G2(z)), G2.export_metadata["fd"]
    (True, 12.5)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.files import atomic_write

FORMAT = "pymoo_gan.model"
VERSION = 2  # 2: interpolating up-ops apply ReLU after the interpolation; EAGAN D genes down1 over the 6 ops only


def _supported() -> str:
    return ", ".join(t.__name__ for t in registry.arch_types())


def build_model(arch, generator: torch.Generator | None = None) -> nn.Module:
    """A freshly initialised standalone network of ``arch`` (the architecture of any space of the registry)."""
    try:
        entry = registry.space_of(arch)
    except TypeError:
        raise TypeError(f"no standalone network for {type(arch).__name__}; supported: {_supported()}") from None
    return entry.build(arch, generator=generator)


def export_model(module: nn.Module, path: str | os.PathLike, metadata: dict | None = None) -> str:
    """Write ``module`` (a standalone network of a space of the registry, which carries ``.arch``) with its
    architecture and weights to ``path`` atomically; ``metadata`` must hold plain values (numbers, strings)."""
    try:
        entry = registry.space_of(getattr(module, "arch", None))
    except TypeError:
        raise TypeError(f"cannot export {type(module).__name__}: only modules with an .arch of {_supported()} are "
                        "exportable") from None
    arch = module.arch
    space = entry.space(arch.macro)
    payload = {"format": FORMAT, "version": VERSION, "kind": entry.kind, "space": entry.name,
               "macro": dataclasses.asdict(arch.macro), "genotype": [int(v) for v in space.encode(arch)],
               "arch": space.describe(space.encode(arch)), "metadata": dict(metadata or {}),
               "state_dict": {k: v.detach().cpu() for k, v in module.state_dict().items()}}
    atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return str(path)


def load_model(path: str | os.PathLike, map_location: str | torch.device = "cpu", kind: str | None = None
               ) -> nn.Module:
    """Rebuild the module written by :func:`export_model` (in eval mode); ``.export_metadata`` holds its metadata."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no exported model at {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated or foreign file
        raise ValueError(f"{path} is not a readable pymoo_gan model file ({type(exc).__name__}: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a pymoo_gan model file (format {FORMAT!r} expected)")
    if payload["version"] != VERSION:
        raise ValueError(f"{path} has format version {payload['version']}; this pymoo_gan reads version {VERSION} "
                         "(version 1 networks computed their up-ops and D genes differently: re-export them)")
    if kind is not None and payload["kind"] != kind:
        raise ValueError(f"{path} holds a {payload['kind']}, not a {kind}")
    entry = registry.space(payload["space"])
    net = entry.build(entry.space(entry.macro(**payload["macro"])).decode(payload["genotype"])).to(map_location)
    net.load_state_dict(payload["state_dict"])
    net.export_metadata = payload["metadata"]
    return net.eval()


def load_generator(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> nn.Module:
    """The generator exported to ``path``, ready to sample: ``load_generator(p)(torch.randn(n, G.latent_dim))``."""
    return load_model(path, map_location, kind="generator")


def load_discriminator(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> nn.Module:
    """The cell discriminator exported to ``path``."""
    return load_model(path, map_location, kind="discriminator")
