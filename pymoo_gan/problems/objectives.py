"""Objectives and constraints: the one place where scores become minimised values.

An objective names a raw score and a sense. Raw scores keep their natural sign in the results table and in the extra
``out`` keys; ``F`` holds ``sign * value`` so every objective is minimised (e.g. the classifier/inception score,
where higher is better, enters ``F`` negated). ``"fd"`` and ``"score"`` are resolved to the extractor's honest key
(``fid``/``is`` only for the standard Inception, else ``fd_<extractor>`` / ``cs_<extractor>``).

Example:
    >>> obj = Objective("score", maximize=True)
    >>> obj.minimised({"score": 8.5})
    -8.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# name -> (maximize?, description); "fd"/"score"/"kid" are aliases resolved per extractor
BUILTIN_OBJECTIVES = {
    "fd": (False, "Fréchet distance in the extractor's feature space (FID for the standard Inception)"),
    "score": (True, "classifier score (IS for the standard Inception)"),
    "kid": (False, "kernel inception-style distance in the extractor's feature space"),
    "params": (False, "parameter count of the standalone generator"),
    "macs": (False, "multiply-accumulates of one generator forward pass"),
    "nnz_params": (False, "non-zero parameters of the generator (sparse training: masked weights do not count)"),
    "sparse_macs": (False, "multiply-accumulates of the generator's non-zero weights (theoretical, sparse training)"),
    "d_params": (False, "parameter count of the standalone discriminator (stage 2)"),
    "d_macs": (False, "multiply-accumulates of one discriminator forward pass (stage 2)"),
}

# the objectives of paired image-to-image tasks (coarse-to-fine search), scored by pymoo_gan.evaluation.paired
PAIRED_OBJECTIVES = {
    "psnr": (True, "peak signal-to-noise ratio to the targets, dB (luminance for super-resolution)"),
    "ssim": (True, "structural similarity to the targets"),
    "fd": (False, "Fréchet distance of the outputs' features to the targets' (translation; needs an extractor)"),
    "macs": BUILTIN_OBJECTIVES["macs"],
    "params": BUILTIN_OBJECTIVES["params"],
}


@dataclass(frozen=True)
class Objective:
    """A minimised quantity: ``key`` is the raw score it reads (or ``fn`` computes from all raw scores)."""

    key: str
    maximize: bool = False
    fn: Callable[[Mapping[str, float]], float] | None = field(default=None, compare=False)

    def value(self, scores: Mapping[str, float]) -> float:
        return float(self.fn(scores)) if self.fn is not None else float(scores[self.key])

    def minimised(self, scores: Mapping[str, float]) -> float:
        v = self.value(scores)
        return -v if self.maximize else v


@dataclass(frozen=True)
class Constraint:
    """``value(key) <= upper``; reported to pymoo as the normalised ``(value - upper) / |upper|``
    (feasible iff <= 0)."""

    key: str
    upper: float

    def violation(self, scores: Mapping[str, float]) -> float:
        v = float(scores[self.key])
        return (v - self.upper) / (abs(self.upper) or 1.0)


def resolve_objectives(objectives, aliases: Mapping[str, str],
                       builtins: Mapping[str, tuple[bool, str]] = BUILTIN_OBJECTIVES) -> tuple[Objective, ...]:
    """Turn names or ``Objective`` objects into Objectives with concrete score keys.

    A name is a built-in objective (``"fd"``, ``"score"``, ``"params"``, ...; ``builtins``: :data:`PAIRED_OBJECTIVES`
    for paired tasks) or the concrete score key an alias resolves to (``"fid"``, ``"is"``, ``"cs_digits_cnn"``); both
    spellings get the built-in's sense.
    """
    sense = {name: maximize for name, (maximize, _) in builtins.items()}
    sense.update({key: sense[alias] for alias, key in aliases.items()})
    out = []
    for obj in objectives:
        if isinstance(obj, Objective):
            out.append(obj)
        elif isinstance(obj, str):
            if obj not in sense:
                for_extractor = f" ({', '.join(aliases.values())} for this extractor)" if aliases else ""
                raise ValueError(f"objective {obj!r} is unknown; allowed: {', '.join(builtins)}{for_extractor} "
                                 "or an Objective(key=..., maximize=..., fn=...)")
            out.append(Objective(aliases.get(obj, obj), maximize=sense[obj]))
        else:
            raise ValueError(f"objective {obj!r} must be a name ({', '.join(builtins)}) or an Objective")
    if not out:
        raise ValueError("at least one objective is needed")
    return tuple(out)


def resolve_constraints(constraints: Mapping[str, float] | None, aliases: Mapping[str, str]) -> tuple[Constraint, ...]:
    """``{"params": 2e5}`` -> ``(Constraint("params", 2e5),)``."""
    out = []
    for key, upper in (constraints or {}).items():
        if not isinstance(upper, (int, float)) or not math.isfinite(upper):
            raise ValueError(f"constraint {key!r} needs a finite numeric upper bound, got {upper!r}")
        out.append(Constraint(aliases.get(key, key), float(upper)))
    return tuple(out)
