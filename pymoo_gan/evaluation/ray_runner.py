"""Work on persistent Ray actors: one per GPU (or per ``cpus_per_actor`` cores without GPUs), each building its
worker state once from a picklable job: stage 1's scorer (extractor, cached real statistics, fixed latents), or stage
2's pair worker (training images, a D supernet, a G; :mod:`pymoo_gan.evaluation.pair_training`, trained through
:meth:`RayRunner.map`).

Per round the driver puts the weight snapshot into Ray's object store once; a task carries a genotype and a
reference to the snapshot, an actor fetches the snapshot once per round, and a task returns a score dict (stage 2:
a task carries a pair, the snapshot is the D supernet's, a trained pair comes back). An actor
that dies (a crash, a killed process, a lost node) is restarted by Ray (``max_restarts``, then replaced by a new
one) while its candidate is scored again on the next free actor, at most ``max_retries`` times more; a candidate that
still kills its actor is marked failed (``"worker died while scoring ..."``) and the search goes on. Out-of-memory
and floating-point errors while scoring are failures as in the local runner; any other exception is a bug and
propagates.

Only one actor pool runs per process (starting one closes the previous), so pools never wait for each other's
resources. Ray is imported on first use; the driver never touches a device for scoring.

Example:
    >>> runner = RayRunner(ParallelConfig(runner="ray", actors=2, gpus_per_actor=0))              # doctest: +SKIP
    >>> runner.score(job, "w1", lambda: weights_snapshot(supernet), genotypes)                   # doctest: +SKIP
    [({'fd_digits_cnn': 301.2, ...}, '', 0.41), ...]
"""

from __future__ import annotations

import os
import pickle
import time
import warnings
from collections import deque

import numpy as np
import torch

from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.training.failures import failure_reason, release_memory


def to_object_store(state: dict) -> dict:
    """A weight snapshot as Ray stores it best: tensors as numpy arrays, which actors on the node read in place from
    shared memory (torch tensors would be unpickled, i.e. copied, by every reader); dtypes numpy lacks stay tensors."""
    return {k: _numpy(v) for k, v in state.items()}


def _numpy(tensor: torch.Tensor):
    try:
        return tensor.numpy()
    except TypeError:  # bfloat16, float8
        return tensor


def from_object_store(state: dict) -> dict:
    """The state dict of a snapshot stored by :func:`to_object_store` (views: ``load_state_dict`` copies them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # read-only shared memory; nothing writes to these views
        return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in state.items()}


class ActorWorker:
    """The body of an actor: builds ``job``'s worker state (``job.build()``: scorer and caches, or a stage-2 pair
    worker) once, then runs a method of it on the snapshot of the current round, fetched once per round. ``fault``
    (tests only: a picklable ``fault(item)`` run before each item) injects crashes."""

    def __init__(self, job, threads: int, fault=None):
        torch.set_num_threads(max(1, threads))
        self.fault = fault
        self.worker = job.build()
        self.token = None

    def ready(self) -> int:
        """The actor's process id, once its worker state is built."""
        return os.getpid()

    def call(self, method: str, item, weights: list, token: str, doing: str) -> tuple[object, str, float]:
        """``(result, failure, seconds)`` of the worker's ``method(item)`` on the snapshot that ``weights[0]`` (an
        object reference, in a list so that Ray does not fetch it per task) holds; an out-of-memory or
        floating-point error while ``doing`` it is a failure (``(None, why, seconds)``)."""
        import ray

        if token != self.token:
            self.worker.load(from_object_store(ray.get(weights[0])))
            self.token = token
        if self.fault is not None:
            self.fault(item)
        t0 = time.perf_counter()
        try:
            return getattr(self.worker, method)(item), "", time.perf_counter() - t0
        except Exception as exc:
            failure = failure_reason(exc, doing)
            if failure is None:
                raise
        release_memory()
        return None, failure, time.perf_counter() - t0


def _session() -> str | None:
    """The current Ray session (None without one): actors of an ended session are gone."""
    import ray

    return ray.get_runtime_context().get_job_id() + "@" + ray.get_runtime_context().gcs_address \
        if ray.is_initialized() else None


_ACTIVE: list[RayRunner] = []  # the runner whose actors are alive in this process


class RayRunner:
    """Scores batches of candidates on persistent Ray actors (see the module docstring). ``fault`` is for tests
    (see :class:`ActorWorker`)."""

    remote = True

    def __init__(self, parallel: ParallelConfig, fault=None):
        self.parallel, self.fault = parallel, fault
        self.actors: list = []
        self.crashes: list[int] = []
        self._probes: dict = {}  # readiness probe -> (slot of a restarting actor, probes sent)
        self._job: bytes | None = None
        self._session = None  # the Ray session the actors live in
        self._token, self._ref = None, None

    # ---- actors -----------------------------------------------------------------------------------------------------
    def connect(self):
        """Ray, initialised: joined (``address``) or started here with the machine's resources."""
        import ray

        if not ray.is_initialized():
            ray.init(address=self.parallel.address or None, include_dashboard=False, log_to_driver=False)
        return ray

    def gpus_per_actor(self) -> float:
        ray = self.connect()
        gpus = self.parallel.gpus_per_actor
        return (1.0 if ray.cluster_resources().get("GPU", 0) else 0.0) if gpus < 0 else gpus

    def n_actors(self) -> int:
        """``actors``, or as many as the cluster's GPUs (CPUs without GPUs) allow."""
        if self.parallel.actors:
            return self.parallel.actors
        resources, gpus = self.connect().cluster_resources(), self.gpus_per_actor()
        if gpus > 0:
            return max(1, int(resources.get("GPU", 0) // gpus))
        return max(1, int(resources.get("CPU", 1) // self.parallel.cpus_per_actor))

    def _new_actor(self, job):
        ray = self.connect()
        p = self.parallel
        cls = ray.remote(ActorWorker).options(num_cpus=p.cpus_per_actor, num_gpus=self.gpus_per_actor(),
                                                max_restarts=p.max_restarts, max_task_retries=0)
        return cls.remote(job, int(p.cpus_per_actor), self.fault)

    def start(self, job) -> None:
        """Start the actors for ``job`` (a no-op when they run it already); the previous pool of this process
        closes first. Waits until every actor has built its scorer, so a broken setting raises here."""
        blob = pickle.dumps(job)
        if self.actors and blob == self._job and self._session == _session():
            return
        for runner in list(_ACTIVE):
            runner.close()
        ray = self.connect()
        self.actors = [self._new_actor(job) for _ in range(self.n_actors())]
        self.crashes, self._probes = [0] * len(self.actors), {}
        self._job, self._token, self._ref, self._session = blob, None, None, _session()
        _ACTIVE.append(self)
        ray.get([a.ready.remote() for a in self.actors])

    def close(self) -> None:
        """Stop the actors (the Ray connection stays; actors of a Ray session that has ended are only forgotten)."""
        if self.actors and self._session == _session():
            import ray

            for actor in self.actors:
                ray.kill(actor)
        self.actors, self.crashes, self._probes, self._job, self._token, self._ref = [], [], {}, None, None, None
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    # ---- scoring ----------------------------------------------------------------------------------------------------
    def score(self, job, token: str, snapshot, genotypes: list) -> list[tuple[dict, str, float]]:
        """``(scores, failure, seconds)`` of each genotype, in order, on the weights named ``token``
        (``snapshot()`` makes them; it is called and put into the object store only when ``token`` is new)."""
        return [({} if r is None else r, f, s)
                for r, f, s in self.map(job, token, snapshot, genotypes, "score", "scoring")]

    def map(self, job, token: str, snapshot, items: list, method: str, doing: str) -> list[tuple[object, str, float]]:
        """``(result, failure, seconds)`` of the actors' ``method(item)`` (a method of ``job.build()``'s worker) for
        each item, in order, on the snapshot named ``token`` (``snapshot()`` makes it; it is called and put into the
        object store only when ``token`` is new). An item whose actor keeps dying gets ``(None, "worker died while
        <doing> (N tries)", 0.0)``."""
        self.start(job)
        ray = self.connect()
        if token != self._token:
            self._ref, self._token = ray.put(to_object_store(snapshot())), token
        restarting = {slot for slot, _ in self._probes.values()}
        pending, idle = deque(range(len(items))), deque(s for s in range(len(self.actors)) if s not in restarting)
        tries, results, tasks = [0] * len(items), [None] * len(items), {}
        while pending or tasks:
            while pending and idle:
                i, slot = pending.popleft(), idle.popleft()
                tasks[self.actors[slot].call.remote(method, items[i], [self._ref], token, doing)] = (i, slot)
            (ref,), _ = ray.wait([*tasks, *self._probes], num_returns=1)
            if ref in self._probes:
                idle.extend(self._probed(ref, job))
                continue
            i, slot = tasks.pop(ref)
            try:
                results[i] = ray.get(ref)
            except ray.exceptions.RayActorError:
                tries[i] += 1
                if tries[i] > self.parallel.max_retries:
                    results[i] = (None, f"worker died while {doing} ({tries[i]} tries)", 0.0)
                else:
                    pending.appendleft(i)  # on the next free actor
                idle.extend(self._crashed(slot, job))
                continue
            idle.append(slot)
        return results

    def _crashed(self, slot: int, job) -> list[int]:
        """Actor ``slot`` died: for its first ``max_restarts`` deaths Ray restarts it, and a readiness probe tells
        when it is back (``[]`` now: the slot is busy until then); after that it is replaced (``[slot]``)."""
        self.crashes[slot] += 1
        if self.crashes[slot] <= self.parallel.max_restarts:
            self._probes[self.actors[slot].ready.remote()] = (slot, 1)
            return []
        return self._replace(slot, job)

    def _probed(self, ref, job) -> list[int]:
        """The slot whose probe ``ref`` answered, once it is usable. A probe sent before Ray noticed the death fails
        too, so a failed probe is sent again (at most :data:`_PROBES` times, then the actor is replaced)."""
        import ray

        slot, sent = self._probes.pop(ref)
        try:
            ray.get(ref)
            return [slot]
        except ray.exceptions.RayActorError:
            if sent >= _PROBES:
                return self._replace(slot, job)
        time.sleep(0.25)
        self._probes[self.actors[slot].ready.remote()] = (slot, sent + 1)
        return []

    def _replace(self, slot: int, job) -> list[int]:
        import ray

        ray.kill(self.actors[slot], no_restart=True)
        self.actors[slot], self.crashes[slot] = self._new_actor(job), 0
        return [slot]


_PROBES = 40  # readiness probes of a restarting actor before it is given up and replaced
