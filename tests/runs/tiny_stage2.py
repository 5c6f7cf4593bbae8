"""A tiny stage-2 search with synchronous pairs (an untrained tiny G: speed and identity do not need G*) for the Ray
tests; run as a script (``python tiny_stage2.py OUT [ADDRESS]``, or through ``killed_run.py``) so that a test can kill
it."""

import sys
from pathlib import Path

import numpy as np
import torch

from pymoo_gan import DiscriminatorSearchProblem, GANSearchProblem, nsga2
from pymoo_gan.models import build_generator
from pymoo_gan.problems.generator_search import make_generator_space
from pymoo_gan.runs.search import run_search
from pymoo_gan.training import TrainConfig

RAY = dict(runner="ray", actors=2, cpus_per_actor=1.0, gpus_per_actor=0.0)
SEARCH = dict(latent_dim=12, g_channels=8, d_channels=8, n_samples=64, batch_size=64, bn_batches=2)


def stage2_problem(**settings) -> DiscriminatorSearchProblem:
    """The tiny stage-2 problem, with ``settings`` (the runner's) on top."""
    search = GANSearchProblem(progress=False, **SEARCH).config
    g_space = make_generator_space(search)
    G = build_generator(g_space.decode(g_space.sample(np.random.default_rng(3))),
                        generator=torch.Generator().manual_seed(0))
    return DiscriminatorSearchProblem(G, data=search.data, metrics=search.metrics, device=search.device,
                                      seed=search.seed, progress=False, channels=8, warmup_epochs=0.0,
                                      round_epochs=0.05, pairs="synchronous",  # one or two G steps a pair
                                      train=TrainConfig(g_batch_size=16, d_batch_size=16, n_critic=1), **settings)


def stage2_search(problem: DiscriminatorSearchProblem, out: Path):
    """Two generations of 4 into ``out`` (checkpointed, resumed from there)."""
    return run_search(problem, nsga2(pop_size=4), 2, out, seed=1)


def main(argv: list[str]) -> int:
    """``OUT [ADDRESS]``: the search into OUT, on 2 actors of the Ray at ADDRESS (locally without)."""
    parallel = dict(RAY, address=argv[1]) if len(argv) > 1 else {}
    stage2_search(stage2_problem(**parallel), Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
