"""Training of a discriminator supernet in pairs: one generator copy per candidate D (EAGAN's "one-to-one").

Every candidate D is paired with its *own* copy of the generator: a separate module and a separate Adam state, never
an alias (EAGAN's released code stores ``state_dict()`` references, so its copies collapse into one G). The D
candidates share weights through a discriminator supernet (``forward(x, arch)``) and one D optimizer. A round visits
the pairs in turn, ``turn_steps`` generator steps per visit. Before a round, :meth:`PairTrainer.assign_copies` gives
each pair its copy: with weight-resetting (the paper's rule, lost from the released code) every copy becomes a real
copy of the best pair's G; without, a pair keeps its copy and a new candidate starts from the best pair's G. Which pair
is best is the caller's call (it holds the scores); the trainer holds weights only.

``pairs="synchronous"`` turns the visits into one synchronous step per round (see
:mod:`~pymoo_gan.training.pair_sync`): every pair trains its share of the round's generator steps (the steps the
sequential turns would give it) from the same snapshot of the D supernet and its Adam state, with its own random
stream (a seed drawn per pair, in pair order, from ``torch_gen``), and the supernet updates of the pairs are then
averaged. The pairs are independent, so a
:data:`~pymoo_gan.training.pair_sync.PairRunner` may train them anywhere (``pair_runner``: in this process by default,
Ray actors when the problem says so) with the same result.

Example:
    >>> trainer = PairTrainer(G, d_supernet, TrainConfig(n_critic=5), ScheduleConfig(2.0, 4.0), images,
    ...                       torch.device("cpu"), seed=0)                                          # doctest: +SKIP
    >>> trainer.warmup(UniformPathSampler(d_space, trainer.path_rng))                               # doctest: +SKIP
    >>> trainer.train_round({key: arch}, best=None)                                                 # doctest: +SKIP
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass

import torch
from torch import nn

from pymoo_gan.models.path import PathModule
from pymoo_gan.progress import progress_bar
from pymoo_gan.training.failures import Snapshot
from pymoo_gan.training.loop import GANTrainer, TrainConfig, adam, clone_state
from pymoo_gan.training.pair_sync import (
    PAIR_MODES,
    LocalPairs,
    PairRunner,
    PairTask,
    PairWorker,
    combine,
    cpu_state,
    load_flat_adam,
    round_snapshot,
    split_snapshot,
    turn_shares,
)
from pymoo_gan.training.rounds import RoundTrainer, ScheduleConfig, Unit
from pymoo_gan.training.samplers import RoundOver


@dataclass
class GeneratorCopy:
    """One generator of a pair: its own module and its own optimizer."""

    G: nn.Module
    opt: torch.optim.Optimizer

    def clone(self, cfg: TrainConfig) -> GeneratorCopy:
        """A real copy: new parameter tensors and a deep copy of the Adam moments."""
        G = copy.deepcopy(self.G)
        opt = adam(G.parameters(), cfg.g_lr, cfg, next(G.parameters()).device)
        opt.load_state_dict(copy.deepcopy(self.opt.state_dict()))
        return GeneratorCopy(G, opt)


class PairTrainer(RoundTrainer):
    """A discriminator supernet trained in pairs with copies of ``generator`` (see the module docstring).

    ``generator`` (a standalone module with ``.latent_dim``) is copied: the caller's module is never trained. ``reset``
    chooses weight-resetting before each round; ``turn_steps`` generator steps (each after ``train.n_critic`` D steps)
    make one visit of a pair. ``pairs``: ``"sequential"`` (visits in turn on the live supernet) or ``"synchronous"``
    (see the module docstring; ``pair_runner`` trains the pairs, in this process unless set).
    """

    def __init__(self, generator: nn.Module, d_supernet: nn.Module, train: TrainConfig, schedule: ScheduleConfig,
                 images: torch.Tensor, device: torch.device, seed: int, turn_steps: int = 1, reset: bool = True,
                 progress: bool = True, pairs: str = "sequential"):
        super().__init__(images, train, schedule, device, seed, progress)
        if pairs not in PAIR_MODES:
            raise ValueError(f"pairs={pairs!r} is unknown; allowed: {', '.join(PAIR_MODES)}")
        self.turn_steps, self.reset, self.latent_dim, self.pairs = turn_steps, reset, generator.latent_dim, pairs
        self.pair_runner: PairRunner | None = None  # synchronous rounds: None trains the pairs in this process
        self._worker: PairWorker | None = None  # the in-process worker of synchronous rounds
        self._sync_key = uuid.uuid4().hex  # names this trainer's round snapshots to a pair runner; never seeds
        self.supernet = d_supernet.to(device)
        self.opt_d = adam(self.supernet.parameters(), train.d_lr, train, device)
        G = copy.deepcopy(generator).to(device).train()
        self.base = GeneratorCopy(G, adam(G.parameters(), train.g_lr, train, device))
        self.copies: dict[str, GeneratorCopy] = {}
        self.reset_source: str | None = None  # the pair every copy was reset to in the latest round
        self.supernet_step = 0  # discriminator-supernet turns' G steps, summed over pairs
        self._training: list[GeneratorCopy] = []  # the pairs the current warm-up / round trains
        self._position = 0  # turns taken in the current round

    # ---- training -------------------------------------------------------------------------------------------------
    def _gan(self, pair: GeneratorCopy, arch) -> GANTrainer:
        return GANTrainer(pair.G, PathModule(self.supernet, arch), self.train_config, latent_dim=self.latent_dim,
                          opt_g=pair.opt, opt_d=self.opt_d)

    def _turn(self, gan: GANTrainer, n: int):
        """``n`` generator steps of a pair's ``gan``, as a unit's ``run``."""
        def run():
            d, g = gan.train_steps(n, self.images, self.torch_gen)
            self.supernet_step += n
            return torch.stack([d / self.train_config.n_critic, g])
        return run

    def warmup(self, sampler) -> None:
        """Train the entering G (one copy) against the D paths ``sampler`` draws, as EAGAN's stage-2 warm-up does."""
        self._training = [self.base]

        def units(k):
            for _ in range(k):
                _, arch = sampler()
                yield Unit(None, 1, self._turn(self._gan(self.base, arch), 1))

        self.run_units(self.steps_per(self.schedule.warmup_epochs), units, "stage-2 warm-up")

    def generator_of(self, key: str, best: str | None) -> nn.Module:
        """The G of pair ``key``; a candidate without a pair gets (without keeping it) the G it would start from: the
        best pair's, else the entering one."""
        pair = self.copies.get(key) or self.copies.get(best) or self.base
        return pair.G

    def assign_copies(self, keys: list[str], best: str | None) -> None:
        """Give each key its G copy for the next round (see the module docstring); ``best`` is the key of the best
        pair on the latest scores (None: none is known yet)."""
        best = best if best in self.copies else None
        source = self.copies[best] if best is not None else self.base
        reset = self.reset and best is not None
        self.copies = {k: source.clone(self.train_config) if reset or k not in self.copies else self.copies[k]
                       for k in keys}
        self.reset_source = best if reset else None

    def train_round(self, archs: dict, best: str | None) -> None:
        """Assign the copies, then visit the pairs ``archs`` (key -> D architecture) in turn for
        ``schedule.round_epochs`` (at least one turn each); a pair whose turn fails is undone and skipped for the rest
        of the round."""
        keys = list(archs)
        self.assign_copies(keys, best)
        if self.pairs == "synchronous":
            self._synchronous_round(keys, archs)
            return
        gans = {k: self._gan(self.copies[k], archs[k]) for k in keys}
        self._training = [self.copies[k] for k in keys]
        self._position = 0  # pairs are visited in turn across chunks
        turn = self.turn_steps

        def units(k):
            left = k
            while left > 0:
                if all(key in self.failures for key in keys):
                    raise RoundOver
                key = keys[self._position % len(keys)]
                self._position += 1
                if key not in self.failures:
                    n = min(turn, left)
                    left -= n
                    yield Unit(key, n, self._turn(gans[key], n))

        self.run_units(self._round_steps(len(keys)), units, f"stage-2 round {self.weights_version}")

    def _round_steps(self, pairs: int) -> int:
        """Generator steps of a round of ``pairs`` pairs: ``schedule.round_epochs``, at least one turn each."""
        return max(self.steps_per(self.schedule.round_epochs), pairs * self.turn_steps)

    def _synchronous_round(self, keys: list[str], archs: dict) -> None:
        """One synchronous round (see :mod:`~pymoo_gan.training.pair_sync`): tasks from the live copies, trained by
        ``pair_runner``, then the copies updated and the supernet updates combined, in pair order."""
        shares = turn_shares(self._round_steps(len(keys)), len(keys), self.turn_steps)
        seeds = torch.randint(2**62, (len(keys),), generator=self.torch_gen, device=self.device).tolist()
        tasks = [PairTask(k, archs[k], n, seed, cpu_state(self.copies[k].G.state_dict()),
                          cpu_state(self.copies[k].opt.state_dict()))
                 for k, n, seed in zip(keys, shares, seeds, strict=True)]
        snapshot = round_snapshot(self.supernet, self.opt_d)
        runner = self.pair_runner or LocalPairs(self._local_worker())
        with progress_bar(total=len(tasks), desc=f"stage-2 round {self.weights_version} (synchronous)",
                          enabled=self.progress) as bar:
            results = runner(f"{self._sync_key}/{self.weights_version}", lambda: snapshot, tasks)
            bar.update(len(tasks))
        if [r.key for r in results] != keys:
            raise RuntimeError("the pair runner returned results of other pairs than it was given")
        self.failures = {r.key: r.failure for r in results if r.failure}
        state, opt = combine(*split_snapshot(snapshot), results)
        self.supernet.load_state_dict(state)
        load_flat_adam(self.opt_d, opt)
        for task, result in zip(tasks, results, strict=True):
            if not result.failure:
                pair = self.copies[task.key]
                pair.G.load_state_dict(result.G)
                pair.opt.load_state_dict(clone_state(result.opt_g))
                self.supernet_step += task.steps
        self.weights_version += 1

    def _local_worker(self) -> PairWorker:
        """The in-process worker of synchronous rounds: its own modules, built once."""
        if self._worker is None:
            self._worker = PairWorker(self.base.G, copy.deepcopy(self.supernet), self.images, self.train_config,
                                      self.device)
        return self._worker

    def _snapshot(self, unit) -> Snapshot:
        pairs = self._training if unit is None else [self._pair_of(unit)]
        objects = [self.supernet, self.opt_d, *(o for p in pairs for o in (p.G, p.opt))]
        return Snapshot(objects, owner=self, names=("supernet_step", "_position"))

    def _parameters(self, unit) -> list[torch.Tensor]:
        pairs = self._training if unit is None else [self._pair_of(unit)]
        return [*self.supernet.parameters(), *(q for p in pairs for q in p.G.parameters())]

    def _pair_of(self, unit) -> GeneratorCopy:
        return self.base if unit.key is None else self.copies[unit.key]

    # ---- state for checkpoints ----------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        def pair_state(p):
            return {"G": p.G.state_dict(), "opt": p.opt.state_dict()}

        return {"supernet": self.supernet.state_dict(), "opt_d": self.opt_d.state_dict(),
                "base": pair_state(self.base), "copies": {k: pair_state(p) for k, p in self.copies.items()},
                "reset_source": self.reset_source, "supernet_step": self.supernet_step,
                "random": self.random_state(), **self.failure_state()}

    def load_state_dict(self, state: dict) -> None:
        self.supernet.load_state_dict(state["supernet"])
        self.opt_d.load_state_dict(copy.deepcopy(state["opt_d"]))

        def load_pair(s):
            G = copy.deepcopy(self.base.G)
            G.load_state_dict(s["G"])
            opt = adam(G.parameters(), self.train_config.g_lr, self.train_config, self.device)
            opt.load_state_dict(copy.deepcopy(s["opt"]))
            return GeneratorCopy(G, opt)

        self.copies = {k: load_pair(s) for k, s in state["copies"].items()}
        self.base = load_pair(state["base"])
        self.reset_source = state["reset_source"]
        self.supernet_step = state["supernet_step"]
        self.load_random_state(state["random"])
        self.load_failure_state(state)

