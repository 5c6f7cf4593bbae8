"""Retrain a searched (G, D) pair from scratch with the paper's recipe and pick the checkpoint on held-out data.

EAGAN's final training (reference §5): hinge loss, Adam(0, 0.9) at a constant 2e-4, n_critic 5, an EMA of G with
decay 0.999 that is what gets evaluated, 600 epochs of D batches (G 80 / D 40 on CIFAR-10). Every ``eval_every``
epochs after ``eval_start`` the EMA generator is scored against the *held-out* split (``select_split``, default the
test split) with ``select_samples`` samples, and the best of those checkpoints is kept. Only that checkpoint is then
scored for the report: ``n_samples`` (50,000) samples against the training statistics, the paper's protocol. So the
checkpoint is never chosen on the number that is reported.

The state (both nets, optimizers, EMA, random state, history) is saved atomically at every evaluation; calling
:func:`retrain` again with the same directory continues from there.

Example:
    >>> from pymoo_gan.space.presets import get_preset
    >>> out = retrain(get_preset("eagan_g_cifar10").arch, RetrainConfig(), "runs/retrain",
    ...               data=DataConfig("cifar10", root="data", resolution=32),
    ...               metrics=MetricsConfig(extractor="inception"))                            # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from pymoo_gan.data.config import DataConfig
from pymoo_gan.evaluation.config import MetricsConfig
from pymoo_gan.evaluation.parallel import ParallelConfig
from pymoo_gan.evaluation.scorer import CandidateScorer
from pymoo_gan.files import atomic_write
from pymoo_gan.metrics import fixed_latents, metric_key, reference_statistics, score, sparse_cost
from pymoo_gan.problems.config import ModelConfig
from pymoo_gan.progress import progress_bar
from pymoo_gan.runs.checkpoint import load_checkpoint, save_checkpoint
from pymoo_gan.runs.export import build_model, export_model, load_generator
from pymoo_gan.runs.teachers import (
    DistillConfig,
    build_pair_discriminator,
    check_declared_size,
    discriminator_from_state,
    load_teacher,
    scale_width,
)
from pymoo_gan.training import GANTrainer, SparseConfig, SparseTraining, TeacherDiscriminatorLoss, TrainConfig
from pymoo_gan.training.device import resolve_device

STATE_FORMAT = "pymoo_gan.runs.retrain/1"


@dataclass(frozen=True)
class TransferConfig:
    """Retrain the searched pair on another dataset and resolution than it was searched on, as EAGAN does for STL-10
    (searched on CIFAR-10 at 32x32, retrained on STL-10 at 48x48). The cells stay; the bottom width and the D's input
    size follow ``resolution``."""

    dataset: str
    resolution: int
    root: str | None = None
    download: bool = False

    def apply(self, g_arch, d_arch, data: DataConfig):
        """``(g_arch, d_arch, data)`` moved to this dataset and resolution (``d_arch`` may be None)."""

        cells = 2 ** g_arch.macro.n_cells
        if self.resolution % cells:
            raise ValueError(f"transfer resolution {self.resolution} is impossible with {g_arch.macro.n_cells} "
                             f"up-cells; allowed: a multiple of {cells}")
        data = dataclasses.replace(data, dataset=self.dataset, root=self.root, download=self.download,
                                   resolution=self.resolution)
        channels = data.channels  # an image folder of grey images has 1
        g_arch = dataclasses.replace(g_arch, macro=dataclasses.replace(
            g_arch.macro, bottom_width=self.resolution // cells, out_channels=channels))
        if d_arch is not None:
            d_arch = dataclasses.replace(d_arch, macro=dataclasses.replace(
                d_arch.macro, resolution=self.resolution, in_channels=channels))
        return g_arch, d_arch, data


@dataclass(frozen=True)
class RetrainConfig:
    """Final training of a searched pair; defaults are EAGAN's CIFAR-10 recipe (see the module docstring)."""

    train: TrainConfig = TrainConfig(g_batch_size=80, d_batch_size=40, n_critic=5, ema_decay=0.999)
    epochs: float = 600.0
    eval_every: float = 5.0
    eval_start: float = 300.0
    select_samples: int = 10_000
    select_split: str = "test"
    n_samples: int = 50_000
    pairs: int = 1  # how many stage-2 pairs a two-stage run retrains, best first
    transfer: TransferConfig | None = None  # retrain on another dataset / resolution than the search used
    dgl: DistillConfig | None = None  # DGL-GAN: a frozen teacher D's term in G's loss ([retrain.dgl])
    sparse: SparseConfig | None = None  # STU-GAN: sparse G and D from scratch ([retrain.sparse])
    # where a two-stage run retrains its pairs ([retrain.parallel]): "local" one after another, "ray" one per actor
    # (pymoo_gan.runs.remote_retrain); it does not change the results
    parallel: ParallelConfig = ParallelConfig()

    def __post_init__(self):
        if not self.train.ema_decay:
            raise ValueError("train.ema_decay must be set for retraining (EAGAN: 0.999); the EMA G is evaluated")
        if self.select_split == "train":
            raise ValueError("select_split='train' would select on the reported data; allowed: test, all")
        for name in ("epochs", "eval_every"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be > 0")
        for name in ("select_samples", "n_samples", "pairs"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be a positive integer")


def _discriminator(d_arch, model: ModelConfig, data: DataConfig, init: torch.Generator):

    return build_pair_discriminator(d_arch, model, data.channels, data.resolution, init)


def _efficiency_hooks(config: RetrainConfig, g_arch, d_arch, directory: Path, per_epoch: float, total: int,
                      **run) -> tuple:
    """The hooks of ``config.dgl`` and ``config.sparse`` (a "train" teacher is retrained first, into
    ``directory/teacher``)."""
    hooks = []
    if config.dgl is not None:
        dgl, model = config.dgl, run["model"] or ModelConfig()
        if dgl.teacher == "train":
            t_g, t_d = scale_width(g_arch, dgl.teacher_width), d_arch and scale_width(d_arch, dgl.teacher_width)
            t_model = dataclasses.replace(model, d_channels=max(1, int(round(model.d_channels * dgl.teacher_width))))
            t_config = dataclasses.replace(config, dgl=None, sparse=None, transfer=None,
                                           epochs=dgl.teacher_epochs or config.epochs)
            retrain(t_g, t_config, directory / "teacher", d_arch=t_d, **{**run, "model": t_model})
            teacher = discriminator_from_state(directory / "teacher" / "state.pt", t_d, t_model, g_arch)
        else:
            teacher = load_teacher(dgl.teacher, dgl.pair)
        macro = g_arch.macro
        check_declared_size(teacher, macro.out_channels, macro.resolution)
        hooks.append(TeacherDiscriminatorLoss(teacher, dgl.weight, dgl.start_step(per_epoch),
                                              image_shape=(macro.out_channels, macro.resolution, macro.resolution)))
    if config.sparse is not None:
        hooks.append(config.sparse.hook(total_steps=total, seed=run["seed"]))
    return tuple(hooks)


def retrain(g_arch, config: RetrainConfig, directory, *, data: DataConfig, metrics: MetricsConfig, d_arch=None,
            model: ModelConfig | None = None, device: str = "auto", seed: int = 0, progress: bool = True,
            fresh: bool = False, hooks=()) -> dict:
    """Train ``g_arch`` against ``d_arch`` (or the fixed discriminator ``model`` names) from scratch on ``data``;
    return the selected checkpoint's scores, computed with ``metrics`` (``config.n_samples`` samples). ``hooks``
    (:class:`~pymoo_gan.training.TrainerHook`) extend the training step; their state is checkpointed with the
    trainer's. Writes ``state.pt``, ``history.csv``, ``best_generator.pt`` (EMA G of the best held-out evaluation),
    ``generator.pt`` (the same, with its reported scores) and ``scores.json`` into ``directory``."""

    if config.transfer is not None:
        g_arch, d_arch, data = config.transfer.apply(g_arch, d_arch, data)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    device = resolve_device(device)
    init = torch.Generator().manual_seed(seed)
    G = build_model(g_arch, generator=init).to(device)
    images = data.load("train")[0].to(device)
    D = _discriminator(d_arch, model or ModelConfig(), data, init).to(device)
    per_epoch = len(images) / (config.train.d_batch_size * config.train.n_critic)
    total = int(math.ceil(config.epochs * per_epoch))
    hooks = (*hooks, *_efficiency_hooks(config, g_arch, d_arch, directory, per_epoch, total, data=data,
                                        metrics=metrics, model=model, device=device, seed=seed, progress=progress,
                                        fresh=fresh))
    trainer = GANTrainer(G, D, config.train, latent_dim=G.latent_dim, hooks=hooks)
    gen = torch.Generator(device=device).manual_seed(seed)
    metrics = dataclasses.replace(metrics, n_samples=config.n_samples)
    scorer = CandidateScorer(data, metrics, latent_dim=G.latent_dim, device=device, seed=seed)
    held_out = reference_statistics(data.load(config.select_split)[0], scorer.extractor,
                                    dataset=data.dataset, split=config.select_split, cache_dir=data.cache_dir)
    select_latents = fixed_latents(config.select_samples, G.latent_dim, seed=seed + 3, device=device)
    fd_key = metric_key("fd", scorer.extractor)

    every = max(1, int(round(config.eval_every * per_epoch)))
    start = int(round(config.eval_start * per_epoch))
    checkpoints = sorted({s for s in range(every, total, every) if s >= start} | {total})
    horizon = 1.0 / (1.0 - config.train.ema_decay)
    if horizon > total / 2 and not config.train.ema_warmup:
        warnings.warn(f"ema_decay={config.train.ema_decay} averages over ~{horizon:.0f} generator steps but the run "
                      f"takes {total}: the EMA generator still holds much of its random initialisation; lower "
                      "ema_decay, set ema_warmup or train longer", RuntimeWarning, stacklevel=2)

    history, best = [], None
    state_path, best_path = directory / "state.pt", directory / "best_generator.pt"
    if state_path.is_file() and not fresh:
        state = load_checkpoint(state_path)
        trainer.load_state_dict(state["trainer"])
        gen.set_state(state["gen"])
        history, best = state["history"], state["best"]

    def held_out_fd(net) -> float:
        scorer.recalibrate(net)
        with torch.no_grad():
            return score(net.eval(), select_latents, scorer.extractor, held_out, metrics=("fd",),
                         batch_size=metrics.batch_size)[fd_key]

    with progress_bar(total=total, desc="retrain", enabled=progress) as bar:
        bar.update(trainer.steps)
        for stop in (c for c in checkpoints if c > trainer.steps):
            n = stop - trainer.steps
            losses = trainer.train(n, images, gen)
            bar.update(n)
            ema = trainer.ema.shadow
            fd = held_out_fd(ema)
            history.append({"step": stop, "epoch": stop / per_epoch, f"{fd_key}_{config.select_split}": fd, **losses})
            if best is None or fd < best["fd"]:
                best = {"step": stop, "epoch": stop / per_epoch, "fd": fd}
                export_model(ema, best_path, metadata={"step": stop, "selected_on": config.select_split,
                                                       f"{fd_key}_{config.select_split}": fd})
            save_checkpoint({"format": STATE_FORMAT, "trainer": trainer.state_dict(), "gen": gen.get_state(),
                             "history": history, "best": best}, state_path)
            bar.set_postfix({"held-out fd": f"{fd:.3g}", "best": f"{best['fd']:.3g}"})

    chosen = load_generator(best_path, map_location=device)
    reported = scorer.score_generator(chosen)
    result = {"selected_step": best["step"], "selected_epoch": best["epoch"],
              f"{fd_key}_{config.select_split}": best["fd"], "n_samples": config.n_samples, **reported}
    if config.sparse is not None:  # an exported sparse G reports its density and non-zero parameters
        sparse = next(h for h in hooks if isinstance(h, SparseTraining))
        z = torch.zeros(1, G.latent_dim, device=device)
        result.update({"g_density": sparse.densities()["G"], "d_density": sparse.densities()["D"],
                       **{f"g_{k}": float(v) for k, v in sparse_cost(chosen, z).items()}})
    export_model(chosen, directory / "generator.pt", metadata=result)
    atomic_write(directory / "history.csv", lambda tmp: pd.DataFrame(history).to_csv(tmp, index=False))
    atomic_write(directory / "scores.json", lambda tmp: tmp.write_text(json.dumps(result, indent=2)))
    return result
