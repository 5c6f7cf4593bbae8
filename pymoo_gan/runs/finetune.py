"""A short standalone fine-tune of one searched generator, so a search ends with images a person recognises.

Supernet weights are shared by every path, so the score of one architecture on them says how it ranks, not how good
it can get. :func:`finetune` takes the chosen architecture (``select``: the Pareto member with the best Fréchet
distance by default, or the knee) out of the supernet with its scored weights (the EMA when the search keeps one),
trains that standalone copy for ``steps`` generator steps against a copy of the search's discriminator (the
supernet and the search's D are not touched) with an EMA of G, and scores the EMA generator exactly as the search
scored the supernet path (same extractor, same real statistics, same fixed latents, same sample count). So the two
numbers compare: ``<fd key>_supernet`` is the path on the shared weights, ``<fd key>`` the fine-tuned standalone.

Writes ``finetune/generator.pt`` (the EMA generator with its scores) and ``finetune/scores.json``; when both exist
with the same settings and genotype, :func:`finetune` loads them instead of training again (a resumed demo).

Example:
    >>> result = finetune(problem, front, FinetuneConfig(finetune_steps=900), "runs/demo/finetune")  # doctest: +SKIP
    >>> result["fd_digits_cnn_supernet"], result["fd_digits_cnn"]                                 # doctest: +SKIP
    (180.4, 31.7)
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from pymoo_gan.files import atomic_write
from pymoo_gan.models import build_discriminator
from pymoo_gan.progress import progress_bar
from pymoo_gan.runs.export import build_model, export_model, load_generator
from pymoo_gan.runs.schema import to_dict
from pymoo_gan.runs.selection import SelectionConfig, rank
from pymoo_gan.space.base import genotype_from_key
from pymoo_gan.training import GANTrainer

__all__ = ["FinetuneConfig", "choose", "finetune"]


@dataclass(frozen=True)
class FinetuneConfig:
    """The fine-tune at the end of a demo: ``finetune_steps`` generator steps (0: none) of the Pareto member chosen by
    ``finetune_rule`` (``best``: smallest Fréchet distance; ``knee``: best trade-off), each after
    ``finetune_n_critic`` discriminator steps, batches of ``finetune_g_batch_size`` / ``finetune_d_batch_size``, an EMA
    of G with decay ``finetune_ema_decay`` (with warm-up), learning rates ``finetune_g_lr`` / ``finetune_d_lr`` (the
    two time-scale rule: D learns faster, so one D step per G step suffices). Batch 16: on the demo's searched
    architectures the number of steps mattered more than the images per step (batch 32 for 400 steps stayed above 50),
    but batch 8 collapsed to one image on one of them (see the README). ``finetune_init``: ``supernet`` starts G from
    its scored supernet weights and D from the search's discriminator; ``scratch`` from new random weights."""

    finetune_steps: int = 900
    finetune_rule: str = "best"
    # measured on searched architectures (batch 32): from the supernet ahead early (400 steps: 54.9 vs 82.9 from
    # scratch), from scratch 28.6 at 800 steps; with EAGAN's recipe, 200 steps: 40.8 scratch, 51.5 supernet
    finetune_init: str = "scratch"
    finetune_n_critic: int = 1
    finetune_g_batch_size: int = 16
    finetune_d_batch_size: int = 16
    finetune_ema_decay: float = 0.99
    finetune_g_lr: float = 4e-4
    finetune_d_lr: float = 8e-4
    finetune_n_samples: int = 10  # images per row of the figure

    def __post_init__(self):
        SelectionConfig(self.finetune_rule)  # one-line error listing the rules
        if self.finetune_init not in ("supernet", "scratch"):
            raise ValueError(f"finetune_init={self.finetune_init!r} is unknown; allowed: supernet, scratch")
        if isinstance(self.finetune_steps, bool) or not isinstance(self.finetune_steps, int) or self.finetune_steps < 0:
            raise ValueError(f"finetune_steps={self.finetune_steps!r} must be an integer >= 0")
        for name in ("finetune_n_critic", "finetune_g_batch_size", "finetune_d_batch_size", "finetune_n_samples"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        if not 0.0 <= self.finetune_ema_decay < 1.0:
            raise ValueError(f"finetune_ema_decay={self.finetune_ema_decay!r} must be in [0, 1)")
        for name in ("finetune_g_lr", "finetune_d_lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be > 0")


def choose(problem, front, rule: str) -> int:
    """The row of Pareto table ``front`` that ``rule`` prefers (``best``: the first objective, a Fréchet distance in
    the default search; ``knee``: see :mod:`pymoo_gan.runs.selection`)."""
    columns = {obj.key: f"F{i}" for i, obj in enumerate(problem.objectives)}
    first = problem.objectives[0].key
    return rank(front, SelectionConfig(rule, objective=first), columns)[0]


def _fd_key(problem) -> str:
    keys = [o.key for o in problem.objectives if o.key.startswith(("fd_", "fid"))]
    return keys[0] if keys else problem.objectives[0].key


def finetune(problem, front, config: FinetuneConfig, directory, *, progress: bool = False) -> dict:
    """Fine-tune the member of ``front`` (:func:`~pymoo_gan.report.pareto_table` of ``problem``'s search) that
    ``config`` chooses; returns its scores (see the module docstring) with ``genotype``, ``row``, ``steps`` and
    ``seconds``. ``problem`` is the search's stage-1 problem, still holding its trainer."""
    directory = Path(directory)
    row = choose(problem, front, config.finetune_rule)
    key = front.iloc[row]["genotype"]
    fd_key = _fd_key(problem)
    settings = {"finetune": to_dict(config), "genotype": key, "supernet_step": int(problem.trainer.supernet_step)}
    scores_path, generator_path = directory / "scores.json", directory / "generator.pt"
    if scores_path.is_file() and generator_path.is_file():
        done = json.loads(scores_path.read_text())
        if done.get("settings") == settings:
            return done["result"]
    supernet_scores = {f"{k}_supernet": float(front.iloc[row][k]) for k in front.columns
                       if k.startswith(("fd_", "fid", "is", "cs_", "kid_")) and not k.startswith("is_")}
    start = time.perf_counter()
    G = problem.extract(genotype_from_key(key))  # a copy with the scored (EMA) weights
    result = {"genotype": key, "row": int(row), "rule": config.finetune_rule, "init": config.finetune_init,
              "steps": config.finetune_steps,
              **supernet_scores}
    if config.finetune_steps:
        trainer = problem.trainer
        D = copy.deepcopy(trainer.discriminator)  # the search's D goes on unchanged
        if config.finetune_init == "scratch":
            init = torch.Generator().manual_seed(problem.config.seed + 7)
            G = build_model(G.arch, generator=init).to(trainer.device)
            c = problem.config
            D = build_discriminator(c.model.discriminator, in_channels=c.data.channels, channels=c.model.d_channels,
                                    resolution=c.data.resolution, generator=init).to(trainer.device)
        cfg = dataclasses.replace(problem.config.train, ema_decay=config.finetune_ema_decay, ema_warmup=True,
                                  g_lr=config.finetune_g_lr, d_lr=config.finetune_d_lr,
                                  n_critic=config.finetune_n_critic, g_batch_size=config.finetune_g_batch_size,
                                  d_batch_size=config.finetune_d_batch_size)
        gan = GANTrainer(G.requires_grad_(True), D.requires_grad_(True), cfg, latent_dim=G.latent_dim)
        gen = torch.Generator(device=trainer.device).manual_seed(problem.config.seed + 7)
        chunk = max(1, config.finetune_steps // 10)
        with progress_bar(config.finetune_steps, "fine-tune", enabled=progress) as bar:
            done_steps = 0
            while done_steps < config.finetune_steps:
                n = min(chunk, config.finetune_steps - done_steps)
                gan.train_steps(n, trainer.images, gen)
                done_steps += n
                bar.update(n)
        G = gan.ema.shadow if gan.ema is not None else G
    scores = problem.scorer.score_generator(G)
    result.update(scores)
    result["seconds"] = round(time.perf_counter() - start, 1)
    result["fd_key"] = fd_key
    directory.mkdir(parents=True, exist_ok=True)
    export_model(G.eval(), generator_path, metadata={k: v for k, v in result.items() if not isinstance(v, dict)})
    atomic_write(scores_path, lambda tmp: tmp.write_text(json.dumps({"settings": settings, "result": result},
                                                                    indent=2)))
    return result


def finetuned_generator(directory) -> torch.nn.Module:
    """The generator :func:`finetune` wrote into ``directory``."""
    return load_generator(Path(directory) / "generator.pt")
