"""Synchronous stage-2 rounds: every pair trains from the same snapshot of the discriminator supernet and its Adam
state, in any order or process, and the supernet updates of the pairs are combined in a fixed pair order.

A round's *snapshot* (:func:`round_snapshot`) is one flat dict of CPU tensors: the supernet's state (``d.<name>``)
and its Adam state (``opt.<index>.<field>``). A :class:`PairTask` names one pair's D path, its generator steps, its
random seed and its G copy (weights and Adam state). A :class:`PairWorker` trains a task on the snapshot and returns
a :class:`PairResult`: the trained G copy and only the supernet entries the pair changed. The local runner and a Ray
actor run the very same worker, so their results are equal bit for bit on the CPU.

**Combine rule** (:func:`combine`). A pair *touched* a supernet parameter when its Adam step count for it grew (Adam
skips parameters without a gradient, i.e. off the pair's path), and a buffer (spectral-norm vectors) when its value
changed. For every entry the pairs that touched it, in pair order, give ``new = start + (sum of (value_i - start)) / k``
(the average update of the k pairs; an entry no pair touched keeps its value). Adam's moments (``exp_avg``,
``exp_avg_sq``) are combined by the same rule (a moment a pair created starts from 0); the step count becomes the
largest of the touching pairs'. Integer buffers take the value of the last touching pair. A pair whose training
failed contributes nothing: its G copy and its updates are dropped for the round.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from pymoo_gan.models.path import PathModule
from pymoo_gan.training.failures import all_finite, failure_reason, release_memory
from pymoo_gan.training.loop import GANTrainer, TrainConfig, adam, clone_state

PAIR_MODES = ("sequential", "synchronous")


@dataclass(frozen=True)
class PairTask:
    """One pair's share of a synchronous round: D path ``arch``, ``steps`` generator steps (each after ``n_critic``
    D steps) drawing batches and latents from ``seed``, starting from G weights ``G`` and G Adam state ``opt_g``."""

    key: str
    arch: object
    steps: int
    seed: int
    G: dict
    opt_g: dict


@dataclass
class PairResult:
    """What a pair's training gives back: its trained G (``G``, ``opt_g``), the supernet entries it changed
    (``supernet``: state name -> tensor; ``opt_d``: flat Adam entries, see :func:`flat_adam`), its summed losses and
    ``failure`` (``""``, or why its training failed: then everything else is empty)."""

    key: str
    G: dict = field(default_factory=dict)
    opt_g: dict = field(default_factory=dict)
    supernet: dict = field(default_factory=dict)
    opt_d: dict = field(default_factory=dict)
    losses: tuple[float, float] = (0.0, 0.0)
    failure: str = ""


def cpu_state(state) -> dict:
    """A nested state dict with every tensor copied to the CPU (what travels)."""
    if isinstance(state, torch.Tensor):
        return state.detach().to("cpu", copy=True)
    if isinstance(state, dict):
        return {k: cpu_state(v) for k, v in state.items()}
    if isinstance(state, list | tuple):
        return type(state)(cpu_state(v) for v in state)
    return state


def flat_adam(opt: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """The per-parameter state of Adam ``opt`` as a flat dict ``"<index>.<field>" -> CPU tensor``."""
    return {f"{i}.{name}": v.detach().to("cpu", copy=True) for i, s in opt.state_dict()["state"].items()
            for name, v in s.items()}


def load_flat_adam(opt: torch.optim.Optimizer, flat: dict[str, torch.Tensor]) -> None:
    """Load the per-parameter state ``flat`` (:func:`flat_adam`) into ``opt`` (its settings stay), copying tensors."""
    state: dict[int, dict] = {}
    for name, value in flat.items():
        i, _, field_name = name.partition(".")
        state.setdefault(int(i), {})[field_name] = value.clone()
    opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})


def round_snapshot(supernet: nn.Module, opt_d: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """The flat snapshot every pair of a synchronous round starts from (see the module docstring)."""
    out = {f"d.{k}": v.detach().to("cpu", copy=True) for k, v in supernet.state_dict().items()}
    out.update({f"opt.{k}": v for k, v in flat_adam(opt_d).items()})
    return out


def split_snapshot(snapshot: dict) -> tuple[dict, dict]:
    """``(supernet state, flat Adam state)`` of a :func:`round_snapshot`."""
    d = {k[2:]: v for k, v in snapshot.items() if k.startswith("d.")}
    return d, {k[4:]: v for k, v in snapshot.items() if k.startswith("opt.")}


def turn_shares(n: int, pairs: int, turn: int) -> list[int]:
    """Generator steps of each of ``pairs`` pairs when ``n`` steps are dealt in turns of ``turn`` steps, in pair
    order (as a sequential round visits them)."""
    shares, left, i = [0] * pairs, n, 0
    while left > 0:
        k = min(turn, left)
        shares[i % pairs] += k
        left -= k
        i += 1
    return shares


class PairWorker:
    """Trains pair tasks on round snapshots (see the module docstring) with its own modules: a G of the pairs'
    architecture, a discriminator supernet and the training images on ``device``."""

    def __init__(self, generator: nn.Module, supernet: nn.Module, images: torch.Tensor, train: TrainConfig,
                 device: torch.device):
        self.train_config, self.device = train, device
        self.G = copy.deepcopy(generator).to(device)
        self.supernet = supernet.to(device)
        self.images = images.to(device)
        self.latent_dim = generator.latent_dim
        self.start: tuple[dict, dict] | None = None

    def load(self, snapshot: dict) -> None:
        """Train the next tasks from ``snapshot`` (:func:`round_snapshot`)."""
        self.start = split_snapshot(snapshot)

    def train(self, task: PairTask) -> PairResult:
        """Train ``task`` from the loaded snapshot; a failing pair (non-finite losses or weights, out of memory)
        gives a result with ``failure`` set. Any other exception is a bug and propagates."""
        cfg = self.train_config
        d_start, opt_start = self.start
        self.supernet.load_state_dict(d_start)
        opt_d = adam(self.supernet.parameters(), cfg.d_lr, cfg, self.device)
        load_flat_adam(opt_d, opt_start)
        self.G.load_state_dict(task.G)
        opt_g = adam(self.G.parameters(), cfg.g_lr, cfg, self.device)
        opt_g.load_state_dict(clone_state(task.opt_g))
        gan = GANTrainer(self.G, PathModule(self.supernet, task.arch), cfg, latent_dim=self.latent_dim,
                         opt_g=opt_g, opt_d=opt_d)
        gen = torch.Generator(device=self.device).manual_seed(task.seed)
        try:
            d, g = gan.train_steps(task.steps, self.images, gen)
            ok = torch.stack([torch.isfinite(torch.stack([d, g])).all(),
                              all_finite([*self.supernet.parameters(), *self.G.parameters()])])
            loss_ok, weights_ok = ok.tolist()
            if not (loss_ok and weights_ok):
                return PairResult(task.key, failure="training produced non-finite "
                                                    + ("weights" if loss_ok else "loss"))
        except Exception as exc:
            reason = failure_reason(exc, "training")
            if reason is None:
                raise
            release_memory()
            return PairResult(task.key, failure=reason)
        opt_after = flat_adam(opt_d)
        changed_params = {int(k.partition(".")[0]) for k, v in opt_after.items()
                          if k.endswith(".step") and (k not in opt_start or not torch.equal(v, opt_start[k]))}
        params = [n for n, _ in self.supernet.named_parameters()]  # in the optimizer's order
        touched = {params[i] for i in changed_params}
        state = self.supernet.state_dict()
        supernet = {k: v.detach().to("cpu", copy=True) for k, v in state.items()
                    if k in touched or (k not in params and not torch.equal(v.cpu(), d_start[k]))}
        opt_d_out = {k: v for k, v in opt_after.items() if int(k.partition(".")[0]) in changed_params}
        return PairResult(task.key, G=cpu_state(self.G.state_dict()), opt_g=cpu_state(opt_g.state_dict()),
                          supernet=supernet, opt_d=opt_d_out, losses=(float(d), float(g)))


def combine(start: dict, opt_start: dict, results: list[PairResult]) -> tuple[dict, dict]:
    """``(supernet state, flat Adam state)`` after a synchronous round that began at ``start`` / ``opt_start``:
    the combine rule of the module docstring over the successful ``results``, in their order."""
    done = [r for r in results if not r.failure]
    state = {k: _combined(v, [r.supernet[k] for r in done if k in r.supernet]) for k, v in start.items()}
    opt = dict(opt_start)
    for name in dict.fromkeys(k for r in done for k in r.opt_d):
        values = [r.opt_d[name] for r in done if name in r.opt_d]
        if name.endswith(".step"):
            opt[name] = max(values, key=float).clone()
        else:
            opt[name] = _combined(opt_start.get(name, torch.zeros_like(values[0])), values)
    return state, opt


def _combined(start: torch.Tensor, values: list[torch.Tensor]) -> torch.Tensor:
    """``start`` plus the average of ``values - start`` (summed in order); the last value for integer tensors."""
    if not values:
        return start
    if not start.is_floating_point():
        return values[-1].clone()
    total = torch.zeros_like(start)
    for v in values:
        total += v - start
    return start + total / len(values)


PairRunner = Callable[[str, Callable[[], dict], list[PairTask]], list[PairResult]]
"""Trains a round's tasks: ``runner(token, snapshot, tasks)``, with ``snapshot()`` the round's
:func:`round_snapshot` (called once per ``token``), returns one :class:`PairResult` per task, in order."""


class LocalPairs:
    """A :data:`PairRunner` in this process: one :class:`PairWorker`, the tasks one after another."""

    def __init__(self, worker: PairWorker):
        self.worker = worker

    def __call__(self, token: str, snapshot: Callable[[], dict], tasks: list[PairTask]) -> list[PairResult]:
        self.worker.load(snapshot())
        return [self.worker.train(t) for t in tasks]
