"""DGL-GAN's teacher discriminators: the ``[retrain.dgl]`` settings and where a teacher D comes from.

A teacher is any trained discriminator that scores the student's images (same channels and resolution; checked by
:func:`~pymoo_gan.training.check_teacher`, a one-line error otherwise):

- ``teacher = "runs/big"``: a finished run directory of ``pymoo-gan search``; the D of its retrained pair ``pair``
  (``retrain/pair<i>/state.pt``, the trainer's D, the one the pair's generator was selected against);
- ``teacher = "d.pt"``: a discriminator written by :func:`~pymoo_gan.runs.export.export_model` (a searched cell
  discriminator), or a retraining's ``state.pt`` when the pair's D is a fixed one (the D is rebuilt from the run
  directory the file sits in);
- ``teacher = "train"``: "no teacher available" is the field's most common complaint, so the toolkit trains one on the
  spot: the pair being retrained, widened by ``teacher_width`` (G and D channels), retrained with the same settings
  for ``teacher_epochs`` into ``<retrain directory>/teacher``, and its D is the teacher.

Example:
    >>> DistillConfig(teacher="runs/big", weight=0.1, start_epoch=10).start_step(per_epoch=7.2)
    72
    >>> DistillConfig(weight=-1)
    Traceback (most recent call last):
    ...
    ValueError: weight=-1 must be >= 0 (DGL-GAN: 0.1 with the hinge loss, 0.5 non-saturating)
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from pymoo_gan.models import build_discriminator
from pymoo_gan.problems.config import DiscriminatorSearchConfig, ModelConfig, SearchConfig
from pymoo_gan.problems.discriminator_search import make_discriminator_space
from pymoo_gan.runs.checkpoint import load_checkpoint
from pymoo_gan.runs.export import build_model, load_discriminator, load_generator
from pymoo_gan.runs.schema import from_dict
from pymoo_gan.space.base import genotype_from_key

__all__ = ["DistillConfig", "build_pair_discriminator", "check_declared_size", "discriminator_from_state",
           "load_teacher", "run_pair", "scale_width"]


@dataclass(frozen=True)
class DistillConfig:
    """DGL-GAN settings of a retraining (``[retrain.dgl]``): the teacher D (module docstring), the weight ``lambda``
    of its term in G's loss, and when the term starts (DGL-GAN trains the student plainly first)."""

    teacher: str = "train"  # "train", a run directory, an exported discriminator file or a retraining's state.pt
    pair: int = 0  # which retrained pair of a run directory
    weight: float = 0.1  # lambda (DGL-GAN: 0.1 with the hinge loss)
    start_epoch: float = 0.0  # epochs of plain training before the teacher term is switched on
    teacher_width: float = 1.0  # "train": the teacher pair's channels relative to the retrained pair's
    teacher_epochs: float | None = None  # "train": epochs of the teacher's retraining (None: the same as the student)

    def __post_init__(self):
        if not isinstance(self.teacher, str) or not self.teacher.strip():
            raise ValueError(f"teacher={self.teacher!r} must be 'train', a run directory or a discriminator file")
        if not self.weight >= 0:
            raise ValueError(f"weight={self.weight!r} must be >= 0 (DGL-GAN: 0.1 with the hinge loss, 0.5 "
                             "non-saturating)")
        if not self.start_epoch >= 0:
            raise ValueError(f"start_epoch={self.start_epoch!r} must be >= 0")
        if isinstance(self.pair, bool) or not isinstance(self.pair, int) or self.pair < 0:
            raise ValueError(f"pair={self.pair!r} must be a non-negative integer")
        if not self.teacher_width > 0:
            raise ValueError(f"teacher_width={self.teacher_width!r} must be > 0")
        if self.teacher_epochs is not None and not self.teacher_epochs > 0:
            raise ValueError(f"teacher_epochs={self.teacher_epochs!r} must be > 0 (or unset)")

    def start_step(self, per_epoch: float) -> int:
        """The G step at which the teacher term starts, for ``per_epoch`` G steps per epoch."""
        return int(round(self.start_epoch * per_epoch))


def scale_width(arch, factor: float):
    """``arch`` (a generator or discriminator architecture of the registry's spaces) with ``round(factor *
    channels)`` channels (at least 1); the cells are unchanged.

    Example:
        >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
        >>> arch = EAGANGeneratorSpace(GeneratorMacro(channels=32)).decode([1] * 21)
        >>> scale_width(arch, 0.5).macro.channels
        16
    """
    if not factor > 0:
        raise ValueError(f"width factor {factor!r} must be > 0")
    channels = max(1, int(round(arch.macro.channels * factor)))
    return dataclasses.replace(arch, macro=dataclasses.replace(arch.macro, channels=channels))


def build_pair_discriminator(d_arch, model: ModelConfig, in_channels: int, resolution: int,
                             init: torch.Generator | None = None, d_width: float = 1.0) -> nn.Module:
    """A fresh D of a pair for ``in_channels`` x ``resolution`` images: the searched ``d_arch`` (moved to that image
    size), else the fixed discriminator ``model`` names; at ``d_width`` x its channels."""
    if d_arch is not None:
        d_arch = dataclasses.replace(d_arch, macro=dataclasses.replace(d_arch.macro, in_channels=in_channels,
                                                                       resolution=resolution))
        return build_model(scale_width(d_arch, d_width) if d_width != 1.0 else d_arch, generator=init)
    channels = max(1, int(round(model.d_channels * d_width)))
    return build_discriminator(model.discriminator, in_channels=in_channels, channels=channels,
                               resolution=resolution, generator=init)


def run_pair(run_dir: str | os.PathLike, pair: int = 0) -> dict:
    """The retrained pair ``pair`` of a finished run directory of ``pymoo-gan search``: ``g_arch`` (as retrained, so
    after any ``[retrain.transfer]``), ``d_arch`` (the searched D; None: the fixed D of ``model``), ``model`` and the
    paths of its ``generator`` and ``state``."""
    run_dir = Path(run_dir)
    if not (run_dir / "run.json").is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory of pymoo-gan search (no run.json)")
    settings = json.loads((run_dir / "run.json").read_text())
    pair_dir = run_dir / "retrain" / f"pair{pair}"
    generator, state = pair_dir / "generator.pt", pair_dir / "state.pt"
    if not generator.is_file() or not state.is_file():
        have = sorted(p.name for p in (run_dir / "retrain").glob("pair*") if (p / "generator.pt").is_file())
        raise FileNotFoundError(f"{run_dir} has no finished retrained pair {pair} ({pair_dir}/generator.pt and "
                                f"state.pt); finished pairs: {', '.join(have) or 'none (run its retrain stage)'}")
    c1 = from_dict(SearchConfig, settings.get("stage1", {}).get("problem", {}))
    d_arch = None
    if "stage2" in settings.get("stages", ()):
        keys = json.loads((run_dir / "summary.json").read_text()).get("discriminators", [])
        if pair >= len(keys):
            raise ValueError(f"{run_dir}/summary.json lists {len(keys)} retrained discriminators; no pair {pair}")
        c2 = from_dict(DiscriminatorSearchConfig, settings["stage2"].get("problem", {}))
        d_arch = make_discriminator_space(c2, c1.data).decode(genotype_from_key(keys[pair]))
    return {"g_arch": load_generator(generator).arch, "d_arch": d_arch, "model": c1.model, "generator": generator,
            "state": state}


def discriminator_from_state(state_path: str | os.PathLike, d_arch, model: ModelConfig, g_arch) -> nn.Module:
    """The trained D of a retraining's ``state.pt``, rebuilt for the images of generator architecture ``g_arch``."""
    D = build_pair_discriminator(d_arch, model, g_arch.macro.out_channels, g_arch.macro.resolution)
    state = load_checkpoint(state_path)
    try:
        D.load_state_dict(state["trainer"]["D"])
    except (KeyError, RuntimeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"{state_path} holds no discriminator of this pair: {first}") from None
    return D.eval()


def check_declared_size(teacher: nn.Module, in_channels: int, resolution: int) -> None:
    """One-line ``ValueError`` when a searched D declares (``.arch.macro``) other images than the student's: a cell D
    pools globally, so it would score them anyway, but it was trained on images of its own size."""
    macro = getattr(getattr(teacher, "arch", None), "macro", None)
    size = (getattr(macro, "in_channels", in_channels), getattr(macro, "resolution", resolution))
    if size != (in_channels, resolution):
        raise ValueError(f"the teacher discriminator is built for {size[0]}x{size[1]}x{size[1]} images; the student's "
                         f"are {in_channels}x{resolution}x{resolution} images")


def load_teacher(source: str | os.PathLike, pair: int = 0) -> nn.Module:
    """The teacher D of ``source``: a run directory (its retrained pair ``pair``'s D), an exported discriminator file,
    or a retraining's ``state.pt`` inside a run directory (module docstring); on the CPU, in eval mode."""
    path = Path(source)
    if path.is_dir():
        info = run_pair(path, pair)
        return discriminator_from_state(info["state"], info["d_arch"], info["model"], info["g_arch"])
    if not path.is_file():
        raise FileNotFoundError(f"teacher {str(source)!r} is neither 'train', a run directory nor a file")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(payload, dict) and "trainer" in payload:  # a retraining's state.pt: rebuild D from its run
        run_dir = path.parent.parent.parent
        number = path.parent.name.removeprefix("pair")
        if not (run_dir / "run.json").is_file() or not number.isdigit():
            raise ValueError(f"{path} is a retraining state outside a run directory's retrain/pair<i>/; pass the run "
                             "directory or an exported discriminator")
        info = run_pair(run_dir, int(number))
        return discriminator_from_state(path, info["d_arch"], info["model"], info["g_arch"])
    return load_discriminator(path)
