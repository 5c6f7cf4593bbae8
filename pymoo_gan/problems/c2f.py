"""The coarse-to-fine search's problems: one level (path, op or width) of an image-to-image generator as a pymoo
Problem, and the hand-over of a level's Pareto set (or its knee) to the next level.

:class:`C2FProblem` scores the genotypes of a :class:`~pymoo_gan.space.c2f.C2FLevelSpace` (a level) or of the whole
:class:`~pymoo_gan.space.c2f.C2FSpace` (the flat search, for comparison) on a trained supernet whose weights stay fixed
while it runs (:func:`~pymoo_gan.evaluation.paired.score_paired`: PSNR, SSIM, MACs, parameters, and with an
``extractor`` the Fréchet distance ``fd_<extractor>`` for translation); objectives default to ``("psnr", "macs")``,
all minimised through :mod:`pymoo_gan.problems.objectives` (PSNR negated), and ``macs_budget`` adds the constraint
``macs <= budget``. Raw scores go to ``out`` as ``psnr``, ``ssim``, ``macs``, ``params`` (and ``fd_<extractor>``). Each
genotype is scored once (``archive``, an :class:`~pymoo_gan.problems.archive.EvaluationArchive`: one row per
evaluation with the level, the genotype in the level and in the full space, the objectives, the raw scores and
``failure``/``failed``; :meth:`C2FProblem.results` is it as a table), so any pymoo algorithm, and the toolkit's
:func:`~pymoo_gan.algorithms.nsga2` with its duplicate elimination, can run it. The problem pickles without its
supernet, data and trainer.

**Failing candidates** never stop a level (as in :mod:`pymoo_gan.problems.failures`): a candidate whose scoring runs
out of memory or whose objective/constraint scores are not finite (e.g. its path produces NaN) gets
:data:`~pymoo_gan.problems.failures.FAILED_VALUE` for every objective and constraint, NaN raw scores where it has none,
and the reason in ``failure``.

**Where candidates are scored.** Here, one after another, by default; with a remote ``runner`` (a
:class:`~pymoo_gan.evaluation.ray_runner.RayRunner`) and its ``job`` (e.g.
:class:`~pymoo_gan.runs.coarse_to_fine.C2FScoring`, whose actors build the pairs, extractor and reference statistics
once and call :meth:`C2FProblem.score_arch` as this process does) the genotypes of a batch that are not archived yet
go to the actors at once, each as its genotype in the full space, with the supernet's weights put into the object
store once per problem (a level's weights stay fixed); the rows are archived in the batch's order, as here.

**Checkpointing.** With ``trainer`` (the :class:`~pymoo_gan.training.paired.PairedSupernetTrainer` that owns the
supernet) the problem speaks :func:`pymoo_gan.runs.search.run_search`'s protocol (``trainer``, ``settings()``,
``results()``, ``progress``, ``external_weights``), so a level checkpoints after every generation and resumes.

The chain: ``C2FProblem(C2FLevelSpace(space, "path"), ...)`` -> ``minimize`` -> :func:`next_level` of the result's
Pareto set (``knee=True``: its knee only) -> the ``op`` level -> the ``width`` level. :func:`next_level` hands over
exactly the previous level's choices: the next level's bases are the decoded Pareto architectures, each of which the
next level contains, and :func:`seeded_population` starts the next level's search from them. Fine-tuning the
supernet between levels (a few fair steps) is the caller's choice.

Example:
    >>> import torch
    >>> from pymoo.algorithms.moo.nsga2 import NSGA2
    >>> from pymoo.optimize import minimize
    >>> from pymoo_gan.models.c2f import C2FSupernet
    >>> from pymoo_gan.space.c2f import C2FLevelSpace, C2FMacro, C2FSpace
    >>> space = C2FSpace(C2FMacro(channels=8, n_blocks=3))
    >>> supernet = C2FSupernet(space.macro, generator=torch.Generator().manual_seed(0))
    >>> x = torch.rand(8, 1, 8, 8) * 2 - 1; y = torch.rand(8, 1, 16, 16) * 2 - 1
    >>> paths = C2FProblem(C2FLevelSpace(space, "path"), supernet, x, y)
    >>> res = minimize(paths, NSGA2(pop_size=4), ("n_gen", 2), seed=1)
    >>> ops = next_level(paths, res.opt.get("X"))
    >>> ops.level, set(ops.bases) <= {paths.space.decode(g) for g in res.opt.get("X")}
    ('op', True)
"""

from __future__ import annotations

import time
import uuid

import numpy as np
from pymoo.core.problem import Problem
from torch import Tensor, nn

from pymoo_gan.evaluation.paired import score_paired
from pymoo_gan.evaluation.snapshot import weights_snapshot
from pymoo_gan.metrics.extractors import FeatureExtractor
from pymoo_gan.metrics.reference import compute_statistics
from pymoo_gan.metrics.scoring import metric_key
from pymoo_gan.problems.archive import EvaluationArchive
from pymoo_gan.problems.failures import FAILED_VALUE, nonfinite_scores
from pymoo_gan.problems.objectives import PAIRED_OBJECTIVES, resolve_constraints, resolve_objectives
from pymoo_gan.space.c2f import LEVELS, C2FArch, C2FLevelSpace, C2FSpace
from pymoo_gan.training.failures import failure_reason, release_memory

__all__ = ["RAW_SCORES", "C2FProblem", "knee_index", "next_level", "pareto_archs", "seeded_population"]

RAW_SCORES = ("psnr", "ssim", "macs", "params")


class C2FProblem(Problem):
    """One level of the coarse-to-fine search, or the flat search (module docstring).

    Args:
        space: a :class:`~pymoo_gan.space.c2f.C2FLevelSpace` or a :class:`~pymoo_gan.space.c2f.C2FSpace`.
        supernet: the trained supernet (``supernet(x, arch)``), not changed here.
        inputs, targets: the evaluation pairs (every candidate is scored on the same ones).
        objectives: names of :data:`pymoo_gan.problems.objectives.PAIRED_OBJECTIVES` (``psnr``, ``ssim``, ``macs``,
            ``params``) or ``Objective`` objects reading those keys.
        macs_budget: if given, the constraint ``macs <= macs_budget``.
        crop_border, y_channel, batch_size: see :func:`~pymoo_gan.evaluation.paired.score_paired`.
        extractor: a feature extractor for the ``fd`` objective (translation tasks), scored as ``fd_<name>``
            against the targets' statistics (computed once).
        trainer: the owner of the supernet's weights (``state_dict``/``load_state_dict``), for checkpoints
            (module docstring); scoring never uses it.
        progress: print a line per generation under :func:`~pymoo_gan.runs.search.run_search`.
        runner, job: score on a remote runner's actors (module docstring), whose workers are ``job.build()`` with
            ``load(weights)`` and ``score(full_genotype) -> scores``; None (or a local runner): in this process.
    """

    external_weights = False  # the weights are the trainer's (run_search checkpoints trainer.state_dict())

    def __init__(self, space: C2FLevelSpace | C2FSpace, supernet: nn.Module, inputs: Tensor, targets: Tensor, *,
                 objectives=("psnr", "macs"), macs_budget: float | None = None, crop_border: int | None = None,
                 y_channel: bool = True, batch_size: int = 256, extractor: FeatureExtractor | None = None,
                 trainer=None, progress: bool = False, runner=None, job=None):
        if not isinstance(space, C2FLevelSpace | C2FSpace):
            raise TypeError(f"space must be a C2FLevelSpace or C2FSpace, got {type(space).__name__}")
        self.space, self.supernet, self.inputs, self.targets = space, supernet, inputs, targets
        aliases = {} if extractor is None else {"fd": metric_key("fd", extractor)}
        builtins = {k: v for k, v in PAIRED_OBJECTIVES.items() if k != "fd" or extractor is not None}
        self.objectives = resolve_objectives(objectives, aliases, builtins=builtins)
        self.raw_scores = RAW_SCORES + tuple(aliases.values())
        self.extractor, self._reference = extractor, None
        self.constraints = resolve_constraints(None if macs_budget is None else {"macs": macs_budget}, {})
        self.score_options = dict(crop_border=crop_border, y_channel=y_channel, batch_size=batch_size)
        self.archive = EvaluationArchive()  # one row per genotype scored on this problem's (fixed) weights
        self.trainer, self.progress, self._n_eval = trainer, progress, len(inputs)
        self.runner, self.job = runner, job
        self._weights_key = None  # names this problem's (fixed) weights to a remote runner; new in every process
        super().__init__(n_var=space.n_var, n_obj=len(self.objectives), n_ieq_constr=len(self.constraints),
                         xl=space.xl, xu=space.xu, vtype=int, requires_kwargs=True,
                         exclude_from_serialization=["supernet", "inputs", "targets", "extractor", "_reference",
                                                     "trainer", "runner", "job", "_weights_key"])

    @property
    def level(self) -> str:
        """The level's name (``"flat"`` for the whole space)."""
        return self.space.level if isinstance(self.space, C2FLevelSpace) else "flat"

    def settings(self) -> dict:
        """What defines this problem's search (a checkpoint resumes only under equal settings): the level with its
        bases, objectives, constraints, scoring options and number of evaluation pairs."""
        return {"space": repr(self.space), "objectives": [(o.key, o.maximize) for o in self.objectives],
                "constraints": [(c.key, c.upper) for c in self.constraints], "score_options": self.score_options,
                "n_eval": self._n_eval, "extractor": None if self.extractor is None else self.raw_scores[-1]}

    def scores(self, x) -> dict[str, float]:
        """Raw scores of one genotype (scored once, then read from ``archive``; NaN where a failed one has none)."""
        row = self.row(x)
        return {k: row[k] for k in self.raw_scores}

    def current_row(self, x) -> dict | None:
        """The archived row of a genotype, or None when it was not scored."""
        return self.archive.lookup(self.space.key(self.space.to_genotype(x)), 0)

    def row(self, x, generation: int = 0, remote: tuple | None = None) -> dict:
        """The archived row of one genotype, scoring it first if needed (module docstring: failing candidates), or
        taking the ``(scores, failure, seconds)`` a remote runner returned for it."""
        g = self.space.to_genotype(x)
        key = self.space.key(g)
        row = self.archive.lookup(key, 0)
        if row is not None:
            return row
        t0 = time.perf_counter()
        if remote is None:
            scores, failure = self._checked_score(g)
            seconds = None
        else:
            scores, failure, seconds = remote
            scores = scores or {}
        values = []
        if not failure:
            values = [o.minimised(scores) for o in self.objectives] + [c.violation(scores) for c in self.constraints]
            failure = nonfinite_scores(scores, values)
        if failure:
            values = [FAILED_VALUE] * (self.n_obj + self.n_ieq_constr)
        scores = {k: float(scores.get(k, np.nan)) for k in self.raw_scores}
        arch = self.space.decode(g)
        full = self.space.space if isinstance(self.space, C2FLevelSpace) else self.space
        row = {"level": self.level, "genotype": key, "full_genotype": full.key(full.encode(arch)), "arch": str(arch),
               "generation": generation, "weights_version": 0,
               **{f"F{i}": v for i, v in enumerate(values[:self.n_obj])},
               **{f"G{i}": v for i, v in enumerate(values[self.n_obj:])},
               **scores, "failed": bool(failure), "failure": failure,
               "score_time_s": time.perf_counter() - t0 if seconds is None else seconds}
        return self.archive.add(row)

    def score_arch(self, arch: C2FArch) -> dict[str, float]:
        """Raw scores of the sub-network ``arch`` on the supernet and the evaluation pairs (the targets' reference
        statistics computed on first use); errors propagate. Local and remote scoring both call this."""
        if self.extractor is not None and self._reference is None:
            self._reference = compute_statistics(self.targets, self.extractor,
                                                 batch_size=self.score_options["batch_size"])
        return score_paired(self.supernet, arch, self.inputs, self.targets, extractor=self.extractor,
                            reference=self._reference, **self.score_options)

    def _checked_score(self, g) -> tuple[dict, str]:
        try:
            return self.score_arch(self.space.decode(g)), ""
        except Exception as exc:
            failure = failure_reason(exc, "scoring")
            if failure is None:
                raise
        release_memory()
        return {}, failure

    def results(self):
        """Every evaluation as a pandas DataFrame (one row each; see the module docstring)."""
        return self.archive.table()

    def _evaluate(self, X, out, *args, algorithm=None, **kwargs):
        generation = int(getattr(algorithm, "n_gen", 0) or 0)
        X = np.atleast_2d(X)
        remote = self._remote_scores(X)
        rows = [self.row(x, generation, remote.get(self.space.key(self.space.to_genotype(x)))) for x in X]
        out["F"] = np.array([[r[f"F{i}"] for i in range(self.n_obj)] for r in rows], dtype=float)
        if self.constraints:
            out["G"] = np.array([[r[f"G{i}"] for i in range(self.n_ieq_constr)] for r in rows], dtype=float)
        for key in self.raw_scores:
            out[key] = np.array([r[key] for r in rows], dtype=float)
        out["failure"] = np.array([r["failure"] for r in rows], dtype=object)

    def _remote_scores(self, X) -> dict[str, tuple[dict, str, float]]:
        """``(scores, failure, seconds)`` by genotype key of the genotypes of ``X`` that are not archived yet, from
        the remote runner ({} without one)."""
        if self.job is None or not getattr(self.runner, "remote", False):
            return {}
        full = self.space.space if isinstance(self.space, C2FLevelSpace) else self.space
        todo = {}
        for x in X:
            g = self.space.to_genotype(x)
            key = self.space.key(g)
            if key not in todo and self.archive.lookup(key, 0) is None:
                todo[key] = full.encode(self.space.decode(g))
        if not todo:
            return {}
        if self._weights_key is None:
            self._weights_key = uuid.uuid4().hex  # names, never seeds: results do not depend on it
        results = self.runner.map(self.job, self._weights_key, lambda: weights_snapshot(self.supernet),
                                  list(todo.values()), "score", "scoring")
        return dict(zip(todo, results, strict=True))


def seeded_population(space: C2FLevelSpace, pop_size: int, rng: np.random.Generator) -> np.ndarray:
    """An initial population of a level that starts from the previous level's choices: the genotypes of its bases
    (at most ``pop_size``, in order), then distinct random genotypes of the level (fewer when the level has fewer).

    Example:
        >>> from pymoo_gan.space.c2f import C2FMacro, C2FSpace
        >>> seeded_population(C2FLevelSpace(C2FSpace(C2FMacro(n_blocks=3)), "path"), 4, np.random.default_rng(0))[0]
        array([0, 0, 0])
    """
    rows = {space.key(g): g for g in (space.encode(b) for b in space.bases[:pop_size])}
    size = int(np.prod(space.xu.astype(float) + 1))  # an upper bound on the level's distinct genotypes
    for _ in range(50 * pop_size):
        if len(rows) >= min(pop_size, size):
            break
        g = space.sample(rng)
        rows.setdefault(space.key(g), g)
    return np.stack(list(rows.values()))


def pareto_archs(problem: C2FProblem, X) -> list[C2FArch]:
    """The architectures of the genotypes ``X`` (e.g. ``res.opt.get("X")``), repeats dropped, in order."""
    return list(dict.fromkeys(problem.space.decode(x) for x in np.atleast_2d(X)))


def knee_index(F) -> int:
    """Index of the knee of a front ``F`` (rows of minimised objectives): after scaling each objective to [0, 1], the
    point farthest from the line through the two extreme points of the first two objectives (the first point when the
    front has fewer than three points).

    Example:
        >>> knee_index([[0.0, 1.0], [0.2, 0.2], [1.0, 0.0], [0.6, 0.5]])
        1
    """
    F = np.asarray(F, dtype=float)
    if len(F) < 3:
        return 0
    span = np.ptp(F, axis=0)
    f = (F - F.min(axis=0)) / np.where(span > 0, span, 1.0)
    a, b = f[np.argmin(f[:, 0]), :2], f[np.argmin(f[:, 1]), :2]
    d = b - a
    if not np.any(d):
        return 0
    distance = np.abs(d[0] * (f[:, 1] - a[1]) - d[1] * (f[:, 0] - a[0])) / np.hypot(*d)
    return int(np.argmax(distance))


def next_level(problem: C2FProblem, X, F=None, *, knee: bool = False, level: str | None = None) -> C2FLevelSpace:
    """The next level's space (``path`` -> ``op`` -> ``width``, or ``level``) with the architectures of ``X`` as its
    bases; ``knee=True`` keeps only the knee of ``F`` (:func:`knee_index`)."""
    space = problem.space
    if not isinstance(space, C2FLevelSpace):
        raise ValueError("next_level needs a problem over a C2FLevelSpace (the flat C2FSpace has no next level)")
    if level is None:
        if space.level == LEVELS[-1]:
            raise ValueError(f"the {space.level} level is the last; pass level=... to search a level again")
        level = LEVELS[LEVELS.index(space.level) + 1]
    X = np.atleast_2d(X)
    if knee:
        if F is None:
            raise ValueError("knee=True needs the front F (e.g. res.opt.get('F'))")
        X = X[[knee_index(F)]]
    return C2FLevelSpace(space.space, level, bases=pareto_archs(problem, X))
