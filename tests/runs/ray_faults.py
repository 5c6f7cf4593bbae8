"""A fault hook for the Ray runner's tests, in a module of its own so that an actor imports nothing else with it."""

import os
from pathlib import Path


class Crash:
    """The actor scoring a genotype of ``once`` dies the first time (a marker file in ``folder`` remembers it across
    restarts); one scoring a genotype of ``always`` dies every time."""

    def __init__(self, folder, once=(), always=()):
        self.folder = str(folder)
        self.once, self.always = ({tuple(int(v) for v in g) for g in gs} for gs in (once, always))

    def __call__(self, genotype):
        key = tuple(int(v) for v in genotype)
        marker = Path(self.folder, "-".join(map(str, key)))
        if key in self.always or (key in self.once and not marker.exists()):
            marker.touch()
            os._exit(1)


class CrashOnPair:
    """The actor training a pair named in ``once`` dies the first time (a marker file ``died-<name>`` in ``folder``
    remembers it across restarts and tells the test it did); one training a pair named in ``always`` dies every time.
    A stage-2 pair (a ``PairTask``) is named by its key, a retrained pair by its directory."""

    def __init__(self, folder, once=(), always=()):
        self.folder, self.once, self.always = str(folder), set(once), set(always)

    def __call__(self, task):
        name = task.key if hasattr(task, "key") else Path(task[2]).name
        marker = Path(self.folder, f"died-{name}")
        if name in self.always or (name in self.once and not marker.exists()):
            marker.touch()
            os._exit(1)
