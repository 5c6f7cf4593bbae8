"""Which device a run uses: ``"auto"`` or a device this machine has, else one line naming the ones it has."""

from __future__ import annotations

import torch


def available_devices() -> list[str]:
    """The devices this machine can run on, e.g. ``["cpu", "cuda:0", "cuda:1"]``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    return names


def resolve_device(name: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else must be a device this machine has (else one
    ``ValueError`` naming the devices that exist).

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    if isinstance(name, torch.device):
        name = str(name)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device={name!r} is not a device name; allowed: auto, cpu, cuda, cuda:N, mps") from None
    index = 0 if device.index is None else device.index
    usable = {"cpu": True, "cuda": torch.cuda.is_available() and index < torch.cuda.device_count(),
              "mps": torch.backends.mps.is_available()}.get(device.type, False)
    if not usable:
        raise ValueError(f"device={name!r} is not usable on this machine; available: "
                         f"{', '.join(['auto', *available_devices()])}")
    return device
