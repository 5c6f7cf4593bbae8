"""What every benchmark script shares: command-line options, device name, git commit, timers, the printed table and
the rows appended to ``benchmarks/results.csv``.

A script imports it as ``harness`` (the scripts put their own folder on ``sys.path``, so this works whether they run
as ``python benchmarks/bench_x.py`` or are loaded by the tests).

Every row of ``results.csv`` has the same columns (:data:`COLUMNS`); a column that means nothing for a row is left
empty. ``benchmark`` names the measurement, ``value``/``unit`` carry the figure of rows that are not a plain
throughput (overhead %, hours, FLOP/s, a fraction), and ``settings`` the sizes it was measured at. When the file has
an older header (fewer columns), it is rewritten once with the new header, the old rows keeping their values.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.csv"
COLUMNS = [
    "date",
    "device",
    "commit",
    "benchmark",
    "n_samples",
    "batch_size",
    "seconds",
    "images_per_s",
    "candidates_per_min",
    "value",
    "unit",
    "settings",
    "torch",
    "threads",
    "timer",
    "load_before",
]


# ---- environment -----------------------------------------------------------------------------------------------------
def device_name(device: torch.device | str) -> str:
    """The GPU's name, or the CPU model from /proc/cpuinfo with the number of cores this process may use."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = platform.processor() or platform.machine() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model} ({cores} cores)"


def git_commit(repo: Path = HERE.parent) -> str:
    """Short hash of HEAD, with ``+dirty`` when tracked files differ from it; ``unknown`` without git.

    Read-only: ``--no-optional-locks`` keeps ``git status`` from refreshing the index (so it never takes the
    index lock while someone else commits).
    """

    def git(*args: str) -> str:
        return subprocess.run(["git", "--no-optional-locks", "-C", str(repo), *args], capture_output=True,
                              text=True, timeout=30, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit


def load_average() -> float | str:
    """1-minute load average (other work on a shared host slows CPU runs), or '' where there is none."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else ""



def local_ray(num_cpus: int = 2):
    """``(ray, started_here)``: Ray with ``num_cpus`` logical CPUs and no GPU, started here unless the caller already
    connected (then ``started_here`` is False and the caller's session is left running)."""
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(num_cpus=num_cpus, num_gpus=0, include_dashboard=False, log_to_driver=False)
    return ray, started_here


class _Calls:
    """The :class:`~pymoo_gan.evaluation.ray_runner.RayRunner` job of :class:`Jobs`: its worker calls ``fn(*args)``
    for a task ``(fn, args)`` (no shared weights: ``load`` does nothing)."""

    def build(self) -> _Calls:
        return self

    def load(self, state: dict) -> None:
        """Nothing: a task carries everything it needs."""

    def call(self, task: tuple):
        fn, args = task
        return fn(*args)


class Jobs:
    """Where a script's independent jobs run: here, one after another (``runner="local"``), or one task per job on
    ``actors`` persistent Ray actors of ``threads`` CPU threads each (``runner="ray"``: ``RayRunner.map`` on
    :func:`local_ray`; the actors serve every :meth:`map` until the ``with`` block ends, and a Ray started for them
    stops then). The scripts' modules travel to the actors by value, so they need not find ``benchmarks/``.

    Example:
        >>> with Jobs("ray", actors=2) as jobs:                                                     # doctest: +SKIP
        ...     runs = jobs.map(run_one, [(name, seed, args) for name in names for seed in seeds])
    """

    def __init__(self, runner: str = "local", actors: int = 2, threads: int = 1):
        if runner not in ("local", "ray"):
            raise ValueError(f"runner={runner!r} is unknown; allowed: local, ray")
        self.runner, self.actors, self.threads = runner, actors, threads
        self._pool, self._ray = None, None

    def __enter__(self) -> Jobs:
        if self.runner == "ray":
            from pymoo_gan.evaluation.parallel import ParallelConfig
            from pymoo_gan.evaluation.ray_runner import RayRunner

            ray, started_here = local_ray(self.actors * self.threads)
            self._ray = ray if started_here else None
            self._pool = RayRunner(ParallelConfig(runner="ray", actors=self.actors, cpus_per_actor=self.threads,
                                                  gpus_per_actor=0))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._ray is not None:
            self._ray.shutdown()
        self._pool = self._ray = None

    def map(self, fn: Callable, items: Iterable[tuple], report: Callable[[object], None] | None = None) -> list:
        """``[fn(*item) for item in items]``, in order, where the jobs run; ``report(result)`` is called for each in
        order (here as each ends). A job that keeps killing its actor, or runs out of memory, raises here as it
        would in this process."""
        items = list(items)
        if self._pool is None:
            out = []
            for item in items:
                out.append(fn(*item))
                if report is not None:
                    report(out[-1])
            return out
        from ray import cloudpickle

        for name in {__name__, fn.__module__} - {"__main__"}:  # __main__ travels by value anyway
            cloudpickle.register_pickle_by_value(sys.modules[name])
        done = self._pool.map(_Calls(), "jobs", dict, [(fn, item) for item in items], "call", "running a job")
        failed = [(item, why) for item, (_, why, _) in zip(items, done, strict=True) if why]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(items)} jobs failed on the Ray actors, e.g. "
                               f"{fn.__name__}{failed[0][0][:2]}: {failed[0][1]}")
        out = [result for result, _, _ in done]
        for result in out if report is not None else ():
            report(result)
        return out


def add_runner_options(p: argparse.ArgumentParser, jobs: str) -> None:
    """``--runner`` and ``--actors``: where a script's independent ``jobs`` run (see :class:`Jobs`)."""
    p.add_argument("--runner", choices=("local", "ray"), default="local",
                   help=f"local: the {jobs} one after another here; ray: one Ray task per job on --actors persistent "
                        "single-threaded CPU actors of a local Ray (the same rows)")
    p.add_argument("--actors", type=int, default=2, help="Ray actors with --runner ray (default 2)")


def jobs(args: argparse.Namespace, device: torch.device) -> Jobs:
    """The :class:`Jobs` of ``--runner`` / ``--actors`` (threads as ``--threads``); ``--runner ray`` on another device
    than the CPU, or without actors, is refused."""
    if args.runner == "ray" and (device.type != "cpu" or args.actors < 1):
        raise SystemExit(f"--runner ray runs jobs on CPU actors (--device cpu, --actors >= 1); got device {device}, "
                         f"{args.actors} actors")
    return Jobs(args.runner, args.actors, args.threads or 1)

# ---- command line ----------------------------------------------------------------------------------------------------
def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser with the options every script has: ``--tiny``, ``--device``, ``--out``, ``--threads``,
    ``--timer``, ``--repeats``."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="tiny widths, batches and N: runs in seconds on a CPU")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda if available)")
    p.add_argument("--out", "--results", dest="out", type=Path, default=RESULTS,
                   help=f"CSV to append the rows to (default {RESULTS.relative_to(HERE.parent)})")
    p.add_argument("--threads", type=int, default=None,
                   help="torch intra-op threads (default: 1 on the CPU, so process CPU time is a fair timer on a "
                        "shared host; torch's default on CUDA)")
    p.add_argument("--timer", choices=("auto", "process", "wall"), default="auto",
                   help="process: CPU time of this process (insensitive to other processes; CPU only); wall: "
                        "elapsed time, synchronising CUDA; auto: process on the CPU, wall on CUDA")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats of each measurement")
    return p


def setup(args: argparse.Namespace) -> tuple[torch.device, Timer]:
    """Resolve the device, set the thread count and cuDNN autotuning (fixed shapes), return the device and timer."""
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    threads = args.threads if args.threads is not None else (1 if device.type == "cpu" else None)
    if threads is not None:
        torch.set_num_threads(threads)
    kind = args.timer if args.timer != "auto" else ("process" if device.type == "cpu" else "wall")
    if kind == "process" and device.type == "cuda":
        raise SystemExit("--timer process measures host CPU time only; use --timer wall on CUDA")
    return device, Timer(kind, device)


# ---- timing ----------------------------------------------------------------------------------------------------------
class Timer:
    """Seconds taken by a call: process CPU time (``process``) or elapsed time with CUDA synchronised (``wall``)."""

    def __init__(self, kind: str, device: torch.device):
        if kind not in ("process", "wall"):
            raise ValueError(f"timer kind {kind!r}; expected 'process' or 'wall'")
        self.kind, self.device = kind, torch.device(device)
        self._clock = time.process_time if kind == "process" else time.perf_counter

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def __call__(self, fn: Callable[[], object]) -> float:
        self._sync()
        start = self._clock()
        fn()
        self._sync()
        return self._clock() - start

    def __str__(self) -> str:
        return self.kind


def interleaved(fns: Mapping[str, Callable[[], object]], timer: Timer, repeats: int,
                warmup: int = 1) -> dict[str, list[float]]:
    """Time every function ``repeats`` times, interleaved (ABBA order: slow drifts and cache effects hit all alike),
    after ``warmup`` untimed calls of each. Returns the times per name."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    order = list(fns.items())
    for r in range(repeats):
        for name, fn in order if r % 2 == 0 else reversed(order):
            times[name].append(timer(fn))
    return times


# ---- output ----------------------------------------------------------------------------------------------------------
def common_fields(device: torch.device, timer: Timer | str, load_before) -> dict:
    """The columns every row of one run shares."""
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "device": device_name(device),
        "commit": git_commit(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads() if torch.device(device).type == "cpu" else "",
        "timer": str(timer),
        "load_before": load_before,
    }


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.4e}"
    return "" if value is None else str(value)


def print_table(rows: Iterable[Mapping], columns: Iterable[str], title: str | None = None) -> str:
    """Print ``rows`` as a plain-text table of ``columns`` (missing cells blank) and return the text."""
    rows, columns = list(rows), list(columns)
    cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "-+-".join("-" * w for w in widths),
             *(" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells)]
    text = "\n".join(([title] if title else []) + lines)
    print(text)
    return text


def append_rows(path: Path, rows: Iterable[Mapping], columns: list[str] = COLUMNS) -> Path:
    """Append ``rows`` to the CSV at ``path`` (created with a header when missing). Floats are rounded to 4
    significant digits. A file whose header lacks some of ``columns`` is rewritten first with the header
    ``columns`` (plus any other columns it had, last), so older rows keep their values."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    unknown = sorted({k for row in rows for k in row} - set(columns))
    if unknown:
        raise ValueError(f"unknown result columns {unknown}; add them to harness.COLUMNS")
    header = list(columns)
    if path.is_file() and path.stat().st_size:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            old_header, old_rows = list(reader.fieldnames or []), list(reader)
        header = old_header
        if set(columns) - set(old_header):  # an older format: rewrite in today's column order, extras kept last
            header = list(columns) + [c for c in old_header if c not in columns]
            tmp = path.with_suffix(path.suffix + ".tmp")
            with open(tmp, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=header)
                writer.writeheader()
                writer.writerows(old_rows)
            os.replace(tmp, path)
        mode = "a"
    else:
        mode = "w"
    with open(path, mode, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        if mode == "w":
            writer.writeheader()
        for row in rows:
            writer.writerow({k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in row.items()})
    return path


def finish(args: argparse.Namespace, device: torch.device, timer: Timer, load_before, rows: list[dict],
           columns: list[str], title: str) -> list[dict]:
    """Add the shared columns to ``rows``, print the table of ``columns``, append the rows to ``args.out``."""
    common = common_fields(device, timer, load_before)
    rows = [{**common, **row} for row in rows]
    print()
    print_table(rows, columns, title=f"{title} -- {common['device']}, commit {common['commit']}, torch "
                                      f"{common['torch']}, timer {timer}, threads {common['threads'] or '-'}, "
                                      f"load {load_before}")
    append_rows(args.out, rows)
    print(f"appended {len(rows)} rows to {args.out}")
    return rows
