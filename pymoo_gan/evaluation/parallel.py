"""Where candidates are scored (and stage-2 pairs trained): in this process (``runner="local"``, the default) or on
persistent Ray actors.

The settings are a section of a search's settings (``[stage1.problem.parallel]`` in a problem file, ``runner="ray"``
as a keyword, ``--set stage1.problem.runner=ray`` on the command line); ``[stage2.problem.parallel]`` trains stage 2's
pairs, ``[retrain.parallel]`` retrains the chosen pairs (one pair per actor task) and a coarse-to-fine problem file's
``[search.parallel]`` scores each level's candidates where they say. Ray is an optional
extra (``pip install -e ".[ray]"``); asking for it without it installed is a one-line error saying so.

Example:
    >>> ParallelConfig(runner="ray", actors=2).runner
    'ray'
    >>> ParallelConfig(runner="dask")
    Traceback (most recent call last):
    ...
    ValueError: runner='dask' is unknown; allowed: local, ray
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

RUNNERS = ("local", "ray")
RAY_MISSING = ('runner="ray" needs Ray, which is not installed; install it with pip install -e ".[ray]" '
               '(or pip install "ray>=2.9"), or use runner="local"')


@dataclass(frozen=True)
class ParallelConfig:
    """How candidates are scored.

    ``runner``: ``"local"`` (in this process, one after another) or ``"ray"`` (persistent Ray actors, each building its
    scorer once; the shared weights go to the object store once per round). ``address``: ``""`` starts a local Ray on
    the spot (or joins the one this process already started); ``"auto"`` or ``"host:port"`` joins a cluster started
    with ``ray start``. ``actors``: how many (0: as many as the cluster's GPUs allow at ``gpus_per_actor`` each, or
    its CPUs at ``cpus_per_actor`` each without GPUs). ``cpus_per_actor``: CPU cores an actor reserves (and its torch
    threads). ``gpus_per_actor``: GPUs an actor reserves (fractions pack several actors on one GPU; -1: one when the
    cluster has GPUs, else none). ``max_restarts``: how often Ray restarts an actor that died; ``max_retries``: how
    often a candidate whose actor died is scored again before it is marked failed.
    """

    runner: str = "local"
    address: str = ""
    actors: int = 0
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = -1.0
    max_restarts: int = 2
    max_retries: int = 2

    def __post_init__(self):
        if self.runner not in RUNNERS:
            raise ValueError(f"runner={self.runner!r} is unknown; allowed: {', '.join(RUNNERS)}")
        for name in ("actors", "max_restarts", "max_retries"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}={value!r} must be an integer >= 0")
        if not self.cpus_per_actor > 0:
            raise ValueError(f"cpus_per_actor={self.cpus_per_actor!r} must be > 0")
        if not (self.gpus_per_actor == -1 or self.gpus_per_actor >= 0):
            raise ValueError(f"gpus_per_actor={self.gpus_per_actor!r} must be >= 0 (or -1: one GPU when there are "
                             "GPUs)")

    def check_available(self) -> None:
        """Raise the one-line error of :data:`RAY_MISSING` when ``runner="ray"`` and Ray is not installed."""
        if self.runner == "ray" and importlib.util.find_spec("ray") is None:
            raise ValueError(RAY_MISSING)
