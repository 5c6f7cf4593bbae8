"""Stage 2 of EAGAN: search the discriminator for one fixed generator ("one-to-one" with weight-resetting).

Every candidate D is paired with its *own* copy of the generator: a separate module and a separate Adam state, never
an alias (EAGAN's released code stores ``state_dict()`` references, so its copies collapse into one G). The D
candidates share weights through a :class:`~pymoo_gan.models.CellDiscriminatorSupernet` and one D optimizer. A round
visits the pairs in turn; a D candidate is scored through the Fréchet distance / classifier score of the G copy it
trained, plus its own size. Weight-resetting (the paper's rule, lost from the released code): before each round every
copy becomes a real copy of the G of the best pair of the latest scores. G enters stage 2 with its stage-1 weights.

Example (after a stage-1 search ``res1`` of ``problem1``):
    >>> G = problem1.extract(res1.opt[0].X)                                                     # doctest: +SKIP
    >>> c = problem1.config
    >>> problem2 = DiscriminatorSearchProblem(G, data=c.data, metrics=c.metrics, seed=c.seed)    # doctest: +SKIP
    >>> res2 = minimize(problem2, nsga2(pop_size=8), ("n_gen", 3), seed=1)                       # doctest: +SKIP
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from pymoo_gan import registry
from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.scorer import score_aliases
from pymoo_gan.metrics import count_macs, count_params
from pymoo_gan.models import PathModule
from pymoo_gan.problems.config import DiscriminatorSearchConfig
from pymoo_gan.problems.engine import RoundOver, SupernetEngine, Unit
from pymoo_gan.problems.failures import Snapshot
from pymoo_gan.problems.objectives import Objective, resolve_objectives
from pymoo_gan.problems.supernet_problem import SupernetSearchProblem
from pymoo_gan.training import GANTrainer, UniformPathSampler
from pymoo_gan.training.loop import adam


@dataclass
class GeneratorCopy:
    """One generator of a pair: its own module and its own optimizer."""

    G: nn.Module
    opt: torch.optim.Optimizer

    def clone(self, cfg) -> GeneratorCopy:
        """A real copy: new parameter tensors and a deep copy of the Adam moments."""
        G = copy.deepcopy(self.G)
        opt = adam(G.parameters(), cfg.g_lr, cfg, next(G.parameters()).device)
        opt.load_state_dict(copy.deepcopy(self.opt.state_dict()))
        return GeneratorCopy(G, opt)


class DiscriminatorSupernetEngine(SupernetEngine):
    """The torch side of stage 2: D supernet + its optimizer, one :class:`GeneratorCopy` per candidate, the scorer.

    ``rank_rule(scores) -> float`` ranks pairs (lower is better): the best pair's G is what every copy is reset to
    when ``reset`` is true, and what a new candidate's copy starts from either way.
    """

    def __init__(self, generator: nn.Module, config: DiscriminatorSearchConfig, space, data: DataConfig,
                 metrics: MetricsConfig, device: str, seed: int, rank_rule, reset: bool = True,
                 progress: bool = True):

        super().__init__(data, metrics, device, seed, latent_dim=generator.latent_dim, progress=progress)
        self.stage, self.space, self.rank_rule, self.reset = config, space, rank_rule, reset
        init = torch.Generator().manual_seed(seed)
        self.entry = registry.space(config.space)
        self.supernet = self.entry.supernet(space.macro, generator=init).to(self.device)
        self.opt_d = adam(self.supernet.parameters(), config.train.d_lr, config.train, self.device)
        G = copy.deepcopy(generator).to(self.device).train()
        self.base = GeneratorCopy(G, adam(G.parameters(), config.train.g_lr, config.train, self.device))
        self.copies: dict[str, GeneratorCopy] = {}
        self.latest: dict[str, dict[str, float]] = {}  # key -> scores on the current weights version
        self.reset_source: str | None = None  # the pair every copy was reset to in the latest round
        self.supernet_step = 0  # discriminator-supernet turns' G steps, summed over pairs
        self._training: list[GeneratorCopy] = []  # the pairs the current warm-up / round trains
        self._position = 0  # turns taken in the current round
        self._cost_cache: dict[str, dict[str, float]] = {}

    # ---- training -------------------------------------------------------------------------------------------------
    def _trainer(self, pair: GeneratorCopy, arch) -> GANTrainer:

        return GANTrainer(pair.G, PathModule(self.supernet, arch), self.stage.train, latent_dim=self.base.G.latent_dim,
                          opt_g=pair.opt, opt_d=self.opt_d)

    def _turn(self, trainer: GANTrainer, n: int):
        """``n`` generator steps of a pair's ``trainer``, as a unit's ``run``."""
        def run():
            d, g = trainer.train_steps(n, self.images, self.torch_gen)
            self.supernet_step += n
            return torch.stack([d / self.stage.train.n_critic, g])
        return run

    def warmup(self) -> None:
        """Train the stage-1 G (one copy) against uniformly random D paths, as EAGAN's stage-2 warm-up does."""
        sampler = UniformPathSampler(self.space, self.path_rng)
        self._training = [self.base]

        def units(k):
            for _ in range(k):
                yield Unit(None, 1, self._turn(self._trainer(self.base, sampler()), 1))

        self.run_units(self.steps_per(self.stage.schedule.warmup_epochs, self.stage.train), units, "stage-2 warm-up")

    def best_pair(self) -> str | None:
        """The key of the best pair on the latest scores by ``rank_rule`` (non-finite ranks and failed pairs never
        win)."""
        ranked = [(self.rank_rule(s), k) for k, s in self.latest.items() if k in self.copies]
        ranked = [(r, k) for r, k in ranked if np.isfinite(r) and k not in self.failures]
        return min(ranked)[1] if ranked else None

    def assign_copies(self, keys: list[str]) -> None:
        """Give each key its G copy for the next round: with weight-resetting every copy is a real copy of the best
        pair's G; otherwise a pair keeps its own copy and a new candidate starts from the best (else the base) G."""
        best = self.best_pair()
        source = self.copies[best] if best is not None else self.base
        reset = self.reset and best is not None
        self.copies = {k: source.clone(self.stage.train) if reset or k not in self.copies else self.copies[k]
                       for k in keys}
        self.reset_source = best if reset else None
        self.latest = {}

    def train_round(self, genotypes) -> None:
        """Visit the pairs in turn; a pair whose turn fails is undone and skipped for the rest of the round."""
        keys = list(dict.fromkeys(self.space.key(g) for g in genotypes))
        self.assign_copies(keys)
        archs = {self.space.key(g): self.space.decode(g) for g in genotypes}
        trainers = {k: self._trainer(self.copies[k], archs[k]) for k in keys}
        self._training = [self.copies[k] for k in keys]
        self._position = 0  # pairs are visited in turn across chunks
        turn = self.stage.turn_steps

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
                    yield Unit(key, n, self._turn(trainers[key], n))

        n = max(self.steps_per(self.stage.schedule.round_epochs, self.stage.train), len(keys) * turn)
        self.run_units(n, units, f"stage-2 round {self.weights_version}")

    def _snapshot(self, unit) -> Snapshot:
        pairs = self._training if unit is None else [self._pair_of(unit)]
        objects = [self.supernet, self.opt_d, *(o for p in pairs for o in (p.G, p.opt))]
        return Snapshot(objects, owner=self, names=("supernet_step", "_position"))

    def _parameters(self, unit) -> list[torch.Tensor]:
        pairs = self._training if unit is None else [self._pair_of(unit)]
        return [*self.supernet.parameters(), *(q for p in pairs for q in p.G.parameters())]

    def _pair_of(self, unit) -> GeneratorCopy:
        return self.base if unit.key is None else self.copies[unit.key]

    # ---- scoring --------------------------------------------------------------------------------------------------
    def pair(self, genotype: np.ndarray) -> GeneratorCopy:
        """The G copy of a candidate; one never trained gets a copy of the best (else base) G."""
        key = self.space.key(genotype)
        if key not in self.copies:
            best = self.best_pair()
            self.copies[key] = (self.copies[best] if best is not None else self.base).clone(self.stage.train)
        return self.copies[key]

    def score(self, genotype: np.ndarray) -> dict[str, float]:
        """Raw scores of a pair on a copy of its G (the pair's own G, BN statistics included, is not touched)."""
        scores = self.scorer.score_generator(copy.deepcopy(self.pair(genotype).G))
        scores.update(self._cost(genotype))
        self.latest[self.space.key(genotype)] = scores
        return scores

    def extract(self, genotype: np.ndarray) -> tuple[nn.Module, nn.Module]:
        """``(G, D)`` of a pair as standalone modules: a copy of its generator and the extracted discriminator."""

        G = copy.deepcopy(self.pair(genotype).G)
        self.scorer.recalibrate(G)
        return G.eval(), self.entry.extract(self.supernet, self.space.decode(genotype)).eval()

    def _cost(self, genotype) -> dict[str, float]:

        key = self.space.key(genotype)
        if key not in self._cost_cache:
            D = self.entry.build(self.space.decode(genotype)).eval()
            x = torch.zeros(1, self.space.macro.in_channels, self.space.macro.resolution, self.space.macro.resolution)
            self._cost_cache[key] = {"d_params": float(count_params(D)), "d_macs": float(count_macs(D, x))}
        return self._cost_cache[key]

    # ---- state for checkpoints ----------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        def pair_state(p):
            return {"G": p.G.state_dict(), "opt": p.opt.state_dict()}

        return {"supernet": self.supernet.state_dict(), "opt_d": self.opt_d.state_dict(),
                "base": pair_state(self.base), "copies": {k: pair_state(p) for k, p in self.copies.items()},
                "latest": self.latest, "reset_source": self.reset_source, "supernet_step": self.supernet_step,
                "random": self.random_state(), **self.failure_state()}

    def load_state_dict(self, state: dict) -> None:
        self.supernet.load_state_dict(state["supernet"])
        self.opt_d.load_state_dict(copy.deepcopy(state["opt_d"]))

        def load_pair(s):
            G = copy.deepcopy(self.base.G)
            G.load_state_dict(s["G"])
            opt = adam(G.parameters(), self.stage.train.g_lr, self.stage.train, self.device)
            opt.load_state_dict(copy.deepcopy(s["opt"]))
            return GeneratorCopy(G, opt)

        self.copies = {k: load_pair(s) for k, s in state["copies"].items()}
        self.base = load_pair(state["base"])
        self.latest, self.reset_source = dict(state["latest"]), state["reset_source"]
        self.supernet_step = state["supernet_step"]
        self.load_random_state(state["random"])
        self.load_failure_state(state)


def make_discriminator_space(config: DiscriminatorSearchConfig, data: DataConfig):
    """The discriminator space ``config.space`` names (the registry's), at the data's channels and resolution."""
    entry = registry.space(config.space)
    return entry.space(entry.macro(channels=config.channels, in_channels=data.channels, resolution=data.resolution))


class DiscriminatorSearchProblem(SupernetSearchProblem):
    """EAGAN stage 2 as a pymoo Problem: search the discriminator for a fixed, pre-trained generator.

    Args:
        generator: the generator G* (a standalone module with ``.latent_dim``, e.g. ``problem1.extract(x)``); it
            enters stage 2 with its weights as they are.
        config: stage-2 settings (:class:`DiscriminatorSearchConfig`) and/or keyword ``overrides``.
        data, metrics: what the pairs train on and how they are scored: stage 1's (``problem1.config.data``,
            ``problem1.config.metrics``), so the scores of both stages compare.
        device, seed: as stage 1's.

    Objectives (all minimised; default Fréchet distance, negative classifier score, D parameters) read the scores of
    the pair's G copy and the candidate D's size (``d_params``, ``d_macs``).

    Example:
        >>> import torch
        >>> from pymoo_gan.models import build_generator
        >>> from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
        >>> g_space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=24, channels=32, bottom_width=2, out_channels=1))
        >>> G = build_generator(g_space.decode([1] * 21))
        >>> problem = DiscriminatorSearchProblem(G, channels=16)
        >>> problem.n_var, [o.key for o in problem.objectives]
        (21, ['fd_digits_cnn', 'cs_digits_cnn', 'd_params'])
    """

    trains_offspring = True

    def __init__(self, generator: nn.Module, config: DiscriminatorSearchConfig | None = None, *,
                 data: DataConfig | None = None, metrics: MetricsConfig | None = None, device: str = "auto",
                 seed: int = 0, progress: bool = True, **overrides):

        data, metrics = data or DataConfig(), metrics or MetricsConfig()
        self.data_config, self.metrics_config, self.device_name, self.seed = data, metrics, device, seed
        config = config or DiscriminatorSearchConfig()
        self.config = config.replace(**overrides) if overrides else config
        if not hasattr(generator, "latent_dim"):
            raise TypeError(f"generator {type(generator).__name__} needs a .latent_dim (pymoo_gan's generators have "
                            "one)")
        self._generator = generator
        aliases = score_aliases(data, metrics)
        super().__init__(make_discriminator_space(self.config, data), self.config.objectives,
                         self.config.constraints, aliases=aliases, round_size=self.config.schedule.round_size,
                         progress=progress, exclude_from_serialization=("_generator",))
        self.rank_objective: Objective = resolve_objectives([self.config.reset_objective], aliases)[0]

    def settings(self):
        return self.config, self.data_config, self.metrics_config, self.device_name, self.seed

    def extract(self, x) -> tuple[nn.Module, nn.Module]:
        """``(G, D)`` of genotype ``x``: its G copy and the standalone discriminator with copied weights."""
        return self.engine.extract(self.space.to_genotype(x))

    def sample(self, x, n: int = 16) -> np.ndarray:
        """``n`` images (numpy, (n, C, H, W), in [-1, 1]) from the G copy paired with discriminator ``x``."""
        G, _ = self.extract(x)
        with torch.no_grad():
            return G(self.engine.scorer.latents[:n]).float().cpu().numpy()

    def _make_engine(self):
        if getattr(self, "_generator", None) is None:
            raise RuntimeError("this stage-2 problem was unpickled without its generator; restore it from a "
                               "checkpoint with the engine state")
        return DiscriminatorSupernetEngine(self._generator, self.config, self.space, self.data_config,
                                           self.metrics_config, self.device_name, self.seed,
                                           rank_rule=self.rank_objective.minimised, reset=self.config.reset == "best",
                                           progress=self.progress)
