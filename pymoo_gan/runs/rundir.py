"""A run directory: one run's settings, an exclusive lock, atomic checkpoints that fail loudly when damaged.

* ``run.json`` records the settings a directory belongs to; opening it with different settings is refused (a run
  never overwrites another run's directory).
* ``.lock`` is held with ``flock`` while a process works in the directory; a second process is refused, not
  interleaved. The kernel drops the lock when its holder dies (even by SIGKILL), so re-running resumes.
* Checkpoints are written to a temporary file and renamed into place, so a kill leaves the old or the new one, never
  half a file. A checkpoint that cannot be read raises :class:`CorruptCheckpointError` naming the file; only an
  explicit ``fresh=True`` (``--fresh``) discards it.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from pymoo_gan.files import atomic_write


class RunDirectoryError(ValueError):
    """The directory belongs to another run or is in use."""


class RunDirectory:
    """Open ``path`` for the run described by ``settings`` (a JSON-able dict); use as a context manager.

    Example:
        >>> import tempfile
        >>> with RunDirectory(tempfile.mkdtemp() + "/run", {"seed": 1}) as run:
        ...     run.path.joinpath("run.json").is_file()
        True
    """

    def __init__(self, path: str | os.PathLike, settings: dict, fresh: bool = False):
        self.path, self.settings, self.fresh = Path(path), settings, fresh
        self._lock = None

    def __enter__(self) -> RunDirectory:
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path / ".lock", "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise RunDirectoryError(f"run directory {self.path} is in use by another process; wait for it or "
                                    "choose another --out") from None
        self._check_settings()
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def _check_settings(self) -> None:
        record = self.path / "run.json"
        work = [p for p in self.path.rglob("*") if p.is_file() and p.name not in (".lock", "run.json")]
        if record.is_file():
            try:
                old = json.loads(record.read_text())
            except json.JSONDecodeError:
                old = None
            # even with fresh=True: fresh discards this run's checkpoints, never another run's work; a directory
            # without work yet (e.g. a run that stopped at a bad setting) takes the new settings
            if old != self.settings and work:
                changed = sorted(_diff(old, self.settings)) if isinstance(old, dict) else ["run.json unreadable"]
                raise RunDirectoryError(f"{self.path} holds a different run (settings differ: {', '.join(changed)}); "
                                        "choose another --out")
        elif work:
            raise RunDirectoryError(f"{self.path} is not empty and holds no pymoo-gan run; choose another --out")
        atomic_write(record, lambda tmp: tmp.write_text(json.dumps(self.settings, indent=2, sort_keys=True)))

    def stage(self, name: str) -> Path:
        path = self.path / name
        path.mkdir(parents=True, exist_ok=True)
        return path


def _diff(a, b, prefix: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = set()
        for k in set(a) | set(b):
            out |= _diff(a.get(k), b.get(k), f"{prefix}{k}.")
        return out
    return set() if a == b else {prefix.rstrip(".")}
