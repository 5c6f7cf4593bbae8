"""Stage 1 of EAGAN: search the generator against one fixed discriminator ("many-to-one").

Example (the embedded default: digits at 16x16, tiny widths, a digits-classifier Fréchet distance; ~2 min on 2 CPU
cores):
    >>> from pymoo.optimize import minimize
    >>> from pymoo_gan import GANSearchProblem, nsga2
    >>> res = minimize(GANSearchProblem(), nsga2(pop_size=8), ("n_gen", 4), seed=1, verbose=True)  # doctest: +SKIP
    >>> res.problem.results()                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import torch

from pymoo_gan import registry
from pymoo_gan.evaluation.scorer import score_aliases
from pymoo_gan.models import build_discriminator
from pymoo_gan.problems.config import SearchConfig
from pymoo_gan.problems.engine import RoundOver, SupernetEngine, Unit
from pymoo_gan.problems.failures import Snapshot
from pymoo_gan.problems.supernet_problem import SupernetSearchProblem
from pymoo_gan.training import GANTrainer, PopulationPathSampler, UniformPathSampler


class GeneratorSupernetEngine(SupernetEngine):
    """The torch side of stage 1: G supernet + fixed D + their trainer, the data, and the candidate scorer."""

    def __init__(self, config: SearchConfig, space, registry_entry, progress: bool = True, hooks=()):

        super().__init__(config.data, config.metrics, config.device, config.seed, latent_dim=space.macro.latent_dim,
                         progress=progress)
        self.config, self.space = config, space
        supernet_cls, self._extract, self._build = registry_entry
        init = torch.Generator().manual_seed(config.seed)  # weight init never touches torch's global RNG
        self.supernet = supernet_cls(space.macro, generator=init).to(self.device)
        self.discriminator = build_discriminator(config.model.discriminator, in_channels=self.images.shape[1],
                                                 channels=config.model.d_channels, resolution=config.data.resolution,
                                                 generator=init).to(self.device)
        self.trainer = GANTrainer(self.supernet, self.discriminator, config.train, latent_dim=space.macro.latent_dim,
                                  hooks=hooks)
        self._cost_cache: dict[str, dict[str, float]] = {}

    @property
    def scored_supernet(self):
        """The weights candidates are scored and extracted with: the EMA of the supernet when ``train.ema_decay`` is
        set (smoother than the raw weights of an oscillating GAN), else the supernet itself."""
        return self.trainer.ema.shadow if self.trainer.ema is not None else self.supernet

    @property
    def supernet_step(self) -> int:
        return self.trainer.steps

    def _step(self, arch):
        """One generator step (after ``n_critic`` D steps) on the path ``arch``, as a unit's ``run``."""
        def run():
            d, g = self.trainer.train_steps(1, self.images, self.torch_gen, sample_arch=lambda: arch)
            return torch.stack([d / self.config.train.n_critic, g])
        return run

    def warmup(self) -> None:
        sampler = UniformPathSampler(self.space, self.path_rng)

        def units(k):
            for _ in range(k):
                yield Unit(None, 1, self._step(sampler()))

        self.run_units(self.steps_per(self.config.schedule.warmup_epochs, self.config.train), units, "warm-up")

    def train_round(self, genotypes) -> None:
        """Train with a path drawn from ``genotypes`` per step; a path whose step fails is dropped for the round."""
        samplers = {}  # number of failures so far -> (sampler of the other paths, arch -> key)

        def units(k):
            for _ in range(k):
                n_failed = len(self.failures)
                if n_failed not in samplers:
                    live = [g for g in genotypes if self.space.key(g) not in self.failures]
                    if not live:
                        raise RoundOver
                    sampler = PopulationPathSampler(self.space, live, self.path_rng)
                    keys = {a: self.space.key(g) for a, g in zip(sampler.archs, live, strict=True)}
                    samplers[n_failed] = sampler, keys
                sampler, keys = samplers[n_failed]
                arch = sampler()
                yield Unit(keys[arch], 1, self._step(arch))

        self.run_units(self.steps_per(self.config.schedule.round_epochs, self.config.train), units,
                       f"round {self.weights_version}")

    def _snapshot(self, unit) -> Snapshot:
        return Snapshot([self.trainer])

    def _parameters(self, unit) -> list[torch.Tensor]:
        return [*self.supernet.parameters(), *self.discriminator.parameters()]

    def score(self, genotype: np.ndarray) -> dict[str, float]:
        """Raw scores of a candidate on the current weights, computed on its extracted copy: the shared weights and
        their BN statistics are not touched."""
        arch = self.space.decode(genotype)
        scores = self.scorer.score_generator(self._extract(self.scored_supernet, arch))
        scores.update(self._cost(arch))
        return scores

    def extract(self, genotype: np.ndarray):
        net = self._extract(self.scored_supernet, self.space.decode(genotype))
        self.scorer.recalibrate(net)
        return net.eval()

    def _cost(self, arch) -> dict[str, float]:
        key = self.space.key(self.space.encode(arch))
        if key not in self._cost_cache:
            self._cost_cache[key] = self.scorer.cost(self._build(arch), arch.macro.latent_dim)
        return self._cost_cache[key]

    def state_dict(self) -> dict:
        return {"trainer": self.trainer.state_dict(), "random": self.random_state(), **self.failure_state()}

    def load_state_dict(self, state: dict) -> None:
        self.trainer.load_state_dict(state["trainer"])
        self.load_random_state(state["random"])
        self.load_failure_state(state)


def make_generator_space(config: SearchConfig):
    """The generator space named by ``config.model.space`` (see :data:`pymoo_gan.registry.SPACES`) with the config's
    sizes (torch-free)."""
    entry = registry.space(config.model.space)
    return entry.space(entry.macro(latent_dim=config.model.latent_dim, channels=config.model.g_channels,
                                   bottom_width=config.bottom_width, out_channels=config.data.channels))


class GANSearchProblem(SupernetSearchProblem):
    """EAGAN stage 1 as a pymoo Problem: search the generator on a weight-sharing supernet against one fixed D.

    All objectives are minimised (default: Fréchet distance, negative classifier/inception score, parameters); raw
    scores go to extra ``out`` keys (``res.pop.get("fd_digits_cnn")``) and to ``results()``; ``constraints`` such as
    ``{"params": 2e5}`` go to ``out["G"]``. Settings are a :class:`SearchConfig` and/or keyword overrides (by name,
    e.g. ``n_samples=200``, see :meth:`SearchConfig.replace`).
    ``hooks`` (:class:`~pymoo_gan.training.TrainerHook`) extend the supernet's training step; they are not pickled
    with the problem (a resumed search takes them from the problem it is given), their state is the engine's.

    Example:
        >>> problem = GANSearchProblem(objectives=("fd", "params"), constraints={"params": 2e5})
        >>> problem.n_var, problem.n_obj, problem.n_ieq_constr
        (21, 2, 1)
    """

    def __init__(self, config: SearchConfig | None = None, progress: bool = True, hooks=(), **overrides):
        config = config or SearchConfig()
        self.config = config = config.replace(**overrides) if overrides else config
        self.hooks = tuple(hooks)

        super().__init__(make_generator_space(config), config.objectives, config.constraints,
                         aliases=score_aliases(config.data, config.metrics), round_size=config.schedule.round_size,
                         progress=progress, exclude_from_serialization=("hooks",))

    def extract(self, x):
        """A standalone generator (plain ``nn.Module``) of genotype ``x`` with weights copied from the supernet and
        BN statistics recalibrated for this path."""
        return self.engine.extract(self.space.to_genotype(x))

    def sample(self, x, n: int = 16) -> np.ndarray:
        """``n`` images (numpy, (n, C, H, W), in [-1, 1]) of genotype ``x`` on the current shared weights."""
        net = self.extract(x)
        z = self.engine.scorer.latents[:n].to(self.engine.device)
        with torch.no_grad():
            return net(z).float().cpu().numpy()

    def _make_engine(self):
        entry = registry.space(self.config.model.space)
        return GeneratorSupernetEngine(self.config, self.space, (entry.supernet.obj, entry.extract.obj,
                                                                 entry.build.obj), progress=self.progress,
                                       hooks=getattr(self, "hooks", ()))

