"""The pymoo side of a weight-sharing search: the round schedule, same-weights scoring, the archive.

A concrete stage is a space, objectives and constraints plus two components built on first use: a *trainer*
(:class:`~pymoo_gan.training.rounds.RoundTrainer`: the shared weights, ``weights_version``, ``supernet_step``,
``failures``, ``state_dict``) and a *scorer* (:class:`~pymoo_gan.evaluation.CandidateScorer`). It implements::

    problem.warmup()                 # first training of the shared weights (its warm-up sampler's paths)
    problem.train_round(genotypes)   # one round of training on these candidates (its round sampler's paths)
    problem.score(genotype) -> dict  # raw scores of one candidate on the current weights; changes no state

**Weights trained by an algorithm** (:meth:`SupernetSearchProblem.weights_from`). A search algorithm that trains the
shared weights itself (AdversarialNAS, AlphaGAN: a relaxed supernet and its architecture parameters) hands the problem
a *weights provider* instead of letting it train::

    problem.weights_from(provider)   # provider: weights_version, supernet_step, failures, scored_supernet
    problem.evaluate(X, algorithm=algorithm)   # or pymoo's evaluator: scores on provider.scored_supernet
    problem.weights_from(None)       # back to the problem's own trainer

While a provider is attached, ``problem.trainer`` is the provider, the problem runs no warm-up, rounds or re-scoring
of the population (the provider's owner decides when weights change and bumps ``weights_version``), and every
candidate is scored exactly as otherwise: its sub-network is extracted from ``provider.scored_supernet`` (a relaxed
supernet has the single-path supernet's parameter names, so the registry's ``extract`` copies the inherited weights),
BN statistics are recalibrated on the copy, the same fixed latents and real statistics are used, and the row goes to
the archive with the same objectives, constraints and failure handling (``provider.failures``: genotype key -> why its
training failed; usually empty), ``kind="derived"``. Rows are cached by genotype, weights version and provider: the
rows of the n-th provider attached to the problem have ``weights_source == n`` (told apart by the provider's
``weights_id`` when it has one, which survives pickling, else by object identity). The provider is not pickled with
the problem; its owner re-attaches it (the differentiable algorithms do so before every generation).

**Same weights in one survival.** pymoo calls ``_evaluate`` with the offspring of a generation while
``algorithm.pop`` still holds their parents. When a training round is due (once per generation of the algorithm,
however many offspring it makes; or after every ``round_size`` new evaluations when that is set; or, for
``problem.evaluate`` calls without an algorithm, after as many evaluations as the first batch had), the round runs
first, then the parents are re-scored on the new weights (their ``F``/``G`` and extra
keys are replaced in place) and only then the offspring are scored. So whatever pymoo algorithm compares parents and
offspring next sees scores from one set of weights. Nothing is scored twice on the same weights: scores are cached
in the archive by (genotype, weights version).

**Where candidates are scored** (``runner``, from the settings' ``parallel`` section): the local runner scores them
in this process, one after another; a remote runner (Ray actors) gets each batch that is scored on one set of weights
(the offspring of a generation, the re-scored parents) at once, with the weights sent once per round, and the rows are
made in the same order from the scores that come back. Scores are the same either way (the workers score exactly as
:meth:`score` does, on a snapshot of ``trainer.scored_supernet``). So are the candidates scored on an attached weights
provider (a differentiable search's relaxed supernet, whose ``state_dict`` the workers' single-path supernet loads).

**Failing candidates** (see :mod:`pymoo_gan.problems.failures`) never stop a search. A candidate whose training failed
in the latest round (``trainer.failures``), whose scoring ran out of memory, or whose objective/constraint scores are
not finite gets a row with ``FAILED_VALUE`` for every ``F`` and ``G``, the raw scores it has (NaN otherwise) and the
reason in the ``failure`` column; successful rows have ``failure == ""``. The column reaches the population too
(``res.pop.get("failure")``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

import numpy as np
from pymoo.core.problem import Problem

from pymoo_gan import registry
from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.evaluation.runners import make_runner
from pymoo_gan.evaluation.snapshot import weights_snapshot
from pymoo_gan.problems.archive import EvaluationArchive
from pymoo_gan.problems.failures import FAILED_VALUE, nonfinite_scores
from pymoo_gan.problems.objectives import resolve_constraints, resolve_objectives
from pymoo_gan.space.base import SearchSpace
from pymoo_gan.training.failures import failure_reason, release_memory


class SupernetSearchProblem(Problem):
    """Base class of the search stages; see the module docstring. Subclasses implement ``_build()`` (returning the
    trainer and the scorer), ``warmup``, ``train_round`` and ``score``.

    ``trains_offspring``: whether a candidate must be trained before it can be scored. Stage 1 scores new paths on
    the shared weights as they are (False); stage 2 scores a discriminator through the generator copy it trained, so
    every round trains the population *and* the offspring, and the initial population gets a round too (True).
    """

    trains_offspring = False

    def __init__(self, space: SearchSpace, objectives, constraints: Mapping[str, float] | None,
                 aliases: Mapping[str, str], round_size: int | None = None, progress: bool = True,
                 exclude_from_serialization: tuple[str, ...] = ()):
        self.space = space
        self.objectives = resolve_objectives(objectives, aliases)
        self.constraints = resolve_constraints(constraints, aliases)
        self.archive = EvaluationArchive()
        self.round_size = round_size
        self.progress = progress
        self._trainer = self._scorer = self._runner = None
        self._weights_key = None  # names this problem's weights to a remote runner; new in every process
        self._weights = None  # an external weights provider (weights_from); None: the problem trains its own
        self._sources: list = []  # tokens of the providers attached so far (their weights_id, else their id())
        self._source = 0  # 0: own weights; n: the n-th provider
        self._evals_since_round = 0
        self._round_generation = 0  # the algorithm's generation of the latest warm-up or round
        self._first_batch = 0  # evaluations per round for calls without an algorithm
        self._score_keys: tuple[str, ...] = ()  # raw score names seen so far (NaN in the rows of failed candidates)
        super().__init__(n_var=space.n_var, n_obj=len(self.objectives), n_ieq_constr=len(self.constraints),
                         xl=space.xl, xu=space.xu, vtype=int, requires_kwargs=True,
                         exclude_from_serialization=["_trainer", "_scorer", "_runner", "_weights", "_weights_key",
                                                     *exclude_from_serialization])

    # ---- components -----------------------------------------------------------------------------------------------
    @property
    def trainer(self):
        """The shared weights and their training, built on first use (so a fresh problem is cheap, picklable and
        initialises no device); the attached weights provider instead while there is one (:meth:`weights_from`)."""
        if self._weights is not None:
            return self._weights
        if self._trainer is None:
            self._trainer, self._scorer = self._build()
            self._check_scorer(self._scorer)
        return self._trainer

    @property
    def scorer(self):
        """The candidate scorer (extractor, real statistics, fixed latents), built with the trainer (alone while a
        weights provider is attached)."""
        if self._scorer is None:
            if self._weights is not None:
                self._scorer = self._build_scorer()
            else:
                self._trainer, self._scorer = self._build()
            self._check_scorer(self._scorer)
        return self._scorer

    def _check_scorer(self, scorer) -> None:
        """Refuse objectives and constraints the scorer's extractor cannot give (class scores need logits)."""
        self._check_class_scores("is" in scorer.metrics, scorer.extractor.name)

    def _check_class_scores(self, has_logits: bool, extractor: str) -> None:
        """Refuse class-score objectives and constraints (``cs_*``, ``is*``) when ``extractor`` has no logits."""
        if has_logits:
            return
        needs = [o.key for o in (*self.objectives, *self.constraints) if o.key.startswith(("cs_", "is"))]
        if needs:
            raise ValueError(f"objective or constraint {needs[0]!r} needs class logits, but extractor "
                             f"{extractor!r} gives features only; use e.g. objectives=['fd', 'params']")

    @property
    def parallel(self) -> ParallelConfig:
        """Where candidates are scored: the ``parallel`` section of the settings (local when they have none)."""
        return getattr(getattr(self, "config", None), "parallel", None) or ParallelConfig()

    @property
    def runner(self):
        """The runner that scores batches of candidates (see the module docstring), made on first use from
        :attr:`parallel`; not pickled. Assign one to use it instead (e.g. a ``RayRunner`` with a fault hook)."""
        if self._runner is None:
            self._runner = make_runner(self.parallel)
        return self._runner

    @runner.setter
    def runner(self, runner) -> None:
        self._runner = runner

    def remote_scoring(self):
        """The picklable job a remote runner scores this problem's candidates with
        (:class:`~pymoo_gan.evaluation.SnapshotScoring`), or None when they can only be scored here."""
        return None

    def weights_from(self, provider) -> None:
        """Score candidates on the weights of ``provider`` from now on (``None``: on the problem's own trainer again).

        ``provider`` is any object with ``weights_version`` (int, bumped whenever its weights change),
        ``supernet_step`` (generator steps so far), ``failures`` (dict: genotype key -> why its training failed) and
        ``scored_supernet`` (the network candidates are extracted from: this problem's supernet or a relaxed network
        with the same parameter names). See the module docstring.
        """
        if provider is not None:
            missing = [a for a in ("weights_version", "supernet_step", "failures", "scored_supernet")
                       if not hasattr(provider, a)]
            if missing:
                raise TypeError(f"{type(provider).__name__} is no weights provider: it lacks {', '.join(missing)}")
            token = getattr(provider, "weights_id", None) or id(provider)  # weights_id survives pickling
            if token not in self._sources:
                self._sources.append(token)
            self._source = self._sources.index(token) + 1
        else:
            self._source = 0
        self._weights = provider

    @property
    def external_weights(self) -> bool:
        """Whether candidates are scored on an attached weights provider (:meth:`weights_from`)."""
        return self._weights is not None

    def _build(self):
        raise NotImplementedError

    def _build_scorer(self):
        """The scorer alone (for scoring on an attached provider); subclasses may avoid building their trainer."""
        return self._build()[1]

    def warmup(self) -> None:
        raise NotImplementedError

    def train_round(self, genotypes: list[np.ndarray]) -> None:
        raise NotImplementedError

    def score(self, genotype: np.ndarray) -> dict[str, float]:
        raise NotImplementedError

    def settings(self):
        """Everything that defines this problem's search (a checkpoint resumes only under equal settings)."""
        return self.config

    # ---- pymoo entry point ------------------------------------------------------------------------------------------
    def evaluate(self, X, *args, **kwargs):
        """pymoo's ``Problem.evaluate``, with a wrongly shaped genotype array reported as a ``ValueError``."""
        if isinstance(X, (np.ndarray, list, tuple)) and np.asarray(X, dtype=object).ndim in (1, 2):
            shape = np.shape(X)
            if shape[-1] != self.n_var:
                raise ValueError(f"genotypes have shape {shape}; this problem needs {self.n_var} genes per row "
                                 f"(a vector of {self.n_var} or an array of shape (n, {self.n_var}))")
        return super().evaluate(X, *args, **kwargs)

    def _evaluate(self, X, out, *args, algorithm=None, **kwargs):
        genotypes = [self.space.to_genotype(x) for x in X]
        generation = int(getattr(algorithm, "n_gen", 0) or 0)
        job = self.remote_scoring() if self.runner.remote else None
        if job is not None:  # the workers build the scorer: refuse what it cannot give before they start
            self._check_class_scores(registry.extractor(job.metrics.extractor).has_logits, job.metrics.extractor)
            self.runner.start(job)  # worker processes start before this one builds its trainer (and device)
        if self._weights is not None:  # the provider's owner trains; score on its current weights
            self._write_out(self._scored_batch(genotypes, generation, "derived"), out)
            return
        if self.trainer.weights_version == 0:
            self.warmup()
            self._new_round(generation, len(X))
            if self.trains_offspring:
                self.train_round(genotypes)
        elif self._round_due(generation):
            population = self._population_genotypes(algorithm)
            self.train_round(population + genotypes if self.trains_offspring else population or genotypes)
            self._new_round(generation, len(X))
            self._rescore_population(algorithm, generation)
        rows = self._scored_batch(genotypes, generation, "offspring")
        self._evals_since_round += len(X)
        self._write_out(rows, out)

    def _round_due(self, generation: int) -> bool:
        """Whether the shared weights train before this batch is scored (see the module docstring)."""
        if self.round_size is not None:
            return self._evals_since_round >= self.round_size
        if generation:
            return generation > self._round_generation
        return self._evals_since_round >= self._first_batch

    def _new_round(self, generation: int, batch: int) -> None:
        self._evals_since_round = 0
        self._round_generation = generation
        self._first_batch = self._first_batch or batch

    # ---- helpers ----------------------------------------------------------------------------------------------------
    def _scored_batch(self, genotypes: list[np.ndarray], generation: int, kind: str) -> list[dict]:
        """The archived rows of ``genotypes`` on the current weights, in order, scoring those that are not there yet
        (all at once on a remote runner, one after another here)."""
        remote = self._remote_scores(genotypes)
        return [self._scored(g, generation, kind, remote.get(self.space.key(g))) for g in genotypes]

    def _remote_scores(self, genotypes: list[np.ndarray]) -> dict[str, tuple[dict, str, float]]:
        """``(scores, failure, seconds)`` by genotype key of the candidates of ``genotypes`` that need scoring, from
        the remote runner ({} for the local runner, or when this problem cannot be scored remotely)."""
        job = self.remote_scoring() if self.runner.remote else None
        if job is None:
            return {}
        trainer = self.trainer
        version = trainer.weights_version
        todo = {}
        for g in genotypes:
            key = self.space.key(g)
            scored = self.archive.lookup(key, version, self._source) is not None
            if key not in todo and key not in trainer.failures and not scored:
                todo[key] = g
        if not todo:
            return {}
        if self._weights_key is None:
            self._weights_key = uuid.uuid4().hex  # names, never seeds: results do not depend on it
        snapshot = lambda: weights_snapshot(trainer.scored_supernet)  # noqa: E731
        token = f"{self._weights_key}/{self._source}/{version}"  # which weights: their provider and version
        results = self.runner.score(job, token, snapshot, list(todo.values()))
        return dict(zip(todo, results, strict=True))

    def _scored(self, genotype: np.ndarray, generation: int, kind: str, remote: tuple | None = None) -> dict:
        """The archived row of ``genotype`` on the current weights, scoring it if it is not there yet (with the
        ``(scores, failure, seconds)`` a remote runner returned for it, when given)."""
        key = self.space.key(genotype)
        trainer = self.trainer
        version = trainer.weights_version
        row = self.archive.lookup(key, version, self._source)
        if row is not None:
            return row
        t0, seconds = time.perf_counter(), None
        failure = trainer.failures.get(key, "")
        if failure:
            scores = {}
        elif remote is not None:
            scores, failure, seconds = remote
        else:
            scores, failure = self._checked_score(genotype)
        if not failure:
            values = [o.minimised(scores) for o in self.objectives] + [c.violation(scores) for c in self.constraints]
            failure = nonfinite_scores(scores, values)
        if failure:
            values = [FAILED_VALUE] * (self.n_obj + self.n_ieq_constr)
            known = [*self._score_keys, *(o.key for o in self.objectives if o.fn is None),
                     *(c.key for c in self.constraints)]
            scores = {**dict.fromkeys(known, np.nan), **scores}
        else:
            self._score_keys = tuple(dict.fromkeys([*self._score_keys, *scores]))
        row = {"genotype": key, "arch": self.space.describe(genotype), "generation": generation, "kind": kind,
               "weights_version": version, "supernet_step": trainer.supernet_step}
        if self._source:
            row["weights_source"] = self._source
        row.update({f"F{i}": v for i, v in enumerate(values[:self.n_obj])})
        row.update({f"G{i}": v for i, v in enumerate(values[self.n_obj:])})
        row.update(scores)
        row["failure"] = failure
        row["score_time_s"] = time.perf_counter() - t0 if seconds is None else seconds
        return self.archive.add(row)

    def _checked_score(self, genotype: np.ndarray) -> tuple[dict, str]:
        """``(raw scores, "")`` of one candidate on the current weights, or ``({}, why scoring failed)``."""
        try:
            return self.score(genotype), ""
        except Exception as exc:
            failure = failure_reason(exc, "scoring")
            if failure is None:
                raise
        release_memory()  # only now: the except block still held the failed call's tensors
        return {}, failure

    def _raw_keys(self, rows: list[dict]) -> list[str]:
        skip = {"genotype", "arch", "generation", "kind", "eval_id", "score_time_s", "failure"}
        keys = dict.fromkeys(k for r in rows for k in r)
        return [k for k in keys if k not in skip and not (k[0] in "FG" and k[1:].isdigit())]

    def _write_out(self, rows: list[dict], out: dict) -> None:
        out["F"] = np.array([[r[f"F{i}"] for i in range(self.n_obj)] for r in rows], dtype=float)
        if self.n_ieq_constr:
            out["G"] = np.array([[r[f"G{i}"] for i in range(self.n_ieq_constr)] for r in rows], dtype=float)
        for k in self._raw_keys(rows):
            out[k] = np.array([r.get(k, np.nan) for r in rows], dtype=float)
        out["failure"] = np.array([r.get("failure", "") for r in rows], dtype=object)

    @staticmethod
    def _population_individuals(algorithm) -> list:
        seen, inds = set(), []
        for pop in (getattr(algorithm, "pop", None), getattr(algorithm, "opt", None)):
            for ind in pop if pop is not None else ():
                if id(ind) not in seen and ind.X is not None and ind.F is not None:
                    seen.add(id(ind))
                    inds.append(ind)
        return inds

    def _population_genotypes(self, algorithm) -> list[np.ndarray]:
        return [self.space.to_genotype(ind.X) for ind in self._population_individuals(algorithm)]

    def _rescore_population(self, algorithm, generation: int) -> None:
        """Replace the scores of the algorithm's current population with scores on the current weights."""
        inds = self._population_individuals(algorithm)
        if not inds:
            return
        rows = self._scored_batch([self.space.to_genotype(ind.X) for ind in inds], generation, "rescore")
        out: dict = {}
        self._write_out(rows, out)
        for i, ind in enumerate(inds):
            for key, values in out.items():
                ind.set(key, values[i])
            ind.CV = None  # recomputed from the new G on next access

    # ---- results ----------------------------------------------------------------------------------------------------
    def current_row(self, genotype) -> dict | None:
        """The archived row of ``genotype`` scored on the current weights (of the attached provider, if any), or
        None when it was not scored on them."""
        key = self.space.key(self.space.to_genotype(genotype))
        return self.archive.lookup(key, self.trainer.weights_version, self._source)

    def results(self):
        """Every evaluation as a pandas DataFrame: genotype, readable arch, objectives, raw scores, generation,
        weights version, supernet step and ``failure`` (why a candidate failed; ``""`` when it did not)."""
        return self.archive.table()
