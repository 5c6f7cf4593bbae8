"""Run a pymoo algorithm on a search problem generation by generation, checkpointing after each, resuming after a
crash.

After every generation ``<dir>/checkpoint.pt`` holds the pickled algorithm (population, random generator, the
problem with its evaluation archive; pymoo pickles the problem without its trainer) and the trainer's state
(supernet, discriminator, optimizers, generator copies, torch/numpy random states); an algorithm that trains the
weights itself (AdversarialNAS, AlphaGAN: the problem scores on its weights provider) pickles them with itself and
re-attaches them to the problem before its next generation. ``results.csv`` and
``population.csv`` (each generation's population, for hypervolume plots) are rewritten from it. Calling
:func:`run_search` again with the same problem settings continues from the checkpoint; with a fixed seed on CPU the
final results equal those of an uninterrupted run.

Example:
    >>> from pymoo_gan import GANSearchProblem, nsga2
    >>> res = run_search(GANSearchProblem(), nsga2(pop_size=8), 4, "runs/example/stage1", seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pandas as pd
from pymoo.termination.max_gen import MaximumGenerationTermination

from pymoo_gan.files import atomic_write
from pymoo_gan.progress import SearchEstimate, report_line
from pymoo_gan.runs.checkpoint import load_checkpoint, save_checkpoint

CHECKPOINT_FORMAT = "pymoo_gan.search/2"


def _restore(problem, directory: Path):
    """The algorithm of the checkpoint in ``directory`` with ``problem``'s trainer restored to the saved state, or
    None when there is no checkpoint."""
    path = directory / "checkpoint.pt"
    if not path.is_file():
        return None
    state = load_checkpoint(path)
    if state["format"] != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is a {state['format']} checkpoint; this version resumes {CHECKPOINT_FORMAT} "
                         "(use another directory, or fresh=True / --fresh to start over)")
    algorithm = pickle.loads(state["algorithm"])
    restored = algorithm.problem
    settings = [(type(p).__name__, p.settings()) for p in (restored, problem)]
    if settings[0] != settings[1]:
        raise ValueError(f"{path} was written by a search with other settings than this problem's; use another "
                         "directory, or fresh=True (--fresh) to discard it")
    for name in problem.exclude_from_serialization:  # what pickling left out (hooks, generator) comes from problem
        setattr(restored, name, getattr(problem, name))
    restored._trainer = restored._scorer = None
    restored.progress = problem.progress
    if state["trainer"] is not None:
        restored.trainer.load_state_dict(state["trainer"])
    else:  # the algorithm owns the weights (pickled with it): it hands them to the restored problem
        algorithm.attach_weights()
    return algorithm


def _population_rows(algorithm) -> list[dict]:
    problem = algorithm.problem
    rows = []
    for ind in algorithm.pop:
        row = {"generation": int(algorithm.n_gen) - 1, "genotype": problem.space.key(problem.space.to_genotype(ind.X))}
        row.update({f"F{i}": float(v) for i, v in enumerate(ind.F)})
        rows.append(row)
    return rows


def _write_tables(problem, history: list[dict], directory: Path) -> None:
    atomic_write(directory / "results.csv", lambda tmp: problem.results().to_csv(tmp, index=False))
    atomic_write(directory / "population.csv", lambda tmp: pd.DataFrame(history).to_csv(tmp, index=False))


def _estimate(problem, n_gen: int, done: int) -> SearchEstimate:
    """The whole-search estimate (see :class:`~pymoo_gan.progress.SearchEstimate`) for ``problem``'s schedule."""
    schedule = getattr(getattr(problem, "config", None), "schedule", None)
    if schedule is None:  # a problem without a round schedule: every generation counts the same
        return SearchEstimate(n_gen, 1.0, 1.0, done=done)
    return SearchEstimate(n_gen, schedule.warmup_epochs, schedule.round_epochs, done=done)


def run_search(problem, algorithm, n_gen: int, directory: str | os.PathLike, seed: int = 1, fresh: bool = False,
               verbose: bool = False):
    """Minimise ``problem`` with ``algorithm`` for ``n_gen`` generations, checkpointing into ``directory``; returns
    pymoo's ``Result``. ``fresh=True`` discards an existing checkpoint (e.g. a damaged one) and starts over. With
    ``problem.progress`` a line after each generation tells the time spent and an estimate of the time left for the
    whole search (training and scoring rates measured on the generations done so far)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    restored = None if fresh else _restore(problem, directory)
    if restored is None:
        algorithm.setup(problem, termination=("n_gen", n_gen), seed=seed, verbose=verbose)
        history: list[dict] = []
    else:
        algorithm = restored
        if getattr(algorithm.termination, "n_max_gen", None) != n_gen:  # extend (or shorten) the search
            algorithm.termination = MaximumGenerationTermination(n_gen)
            algorithm.termination.perc = (algorithm.n_gen - 1) / n_gen  # pymoo updates it before counting n_gen up
        history = algorithm.data.get("pymoo_gan_history", [])
    problem = algorithm.problem
    estimate = _estimate(problem, n_gen, done=int(algorithm.n_gen) - 1 if restored is not None else 0)
    while algorithm.has_next():
        start, evaluations = time.perf_counter(), len(problem.archive)
        algorithm.next()
        new = problem.archive.rows[evaluations:]
        estimate.add(time.perf_counter() - start, sum(r.get("score_time_s", 0.0) for r in new), len(new))
        report_line(estimate.line(directory.name, 2 * len(algorithm.pop)), enabled=problem.progress)
        history = history + _population_rows(algorithm)
        algorithm.data["pymoo_gan_history"] = history
        save_checkpoint({"format": CHECKPOINT_FORMAT, "generation": int(algorithm.n_gen) - 1,
                         "algorithm": pickle.dumps(algorithm),
                         "trainer": None if problem.external_weights else problem.trainer.state_dict()},
                        directory / "checkpoint.pt")
        _write_tables(problem, history, directory)
    return algorithm.result()
