"""The tiny version of problems/small_cpu.toml that the run tests drive through the CLI."""

from pathlib import Path

SMALL = Path(__file__).resolve().parents[2] / "problems" / "small_cpu.toml"

# problems/small_cpu.toml shrunk so that the whole pipeline runs in about half a minute on 2 CPU cores
TINY = {
    "stage1.problem.model.latent_dim": 12, "stage1.problem.model.g_channels": 8, "stage1.problem.model.d_channels": 8,
    "stage1.problem.schedule.warmup_epochs": 0.5, "stage1.problem.schedule.round_epochs": 0.25,
    "stage1.problem.metrics.n_samples": 128, "stage1.problem.metrics.batch_size": 128,
    "stage1.problem.metrics.bn_batches": 2, "stage1.problem.device": '"cpu"',
    "stage1.algorithm.pop_size": 4, "stage1.algorithm.n_gen": 2,
    "stage2.problem.channels": 8, "stage2.problem.schedule.warmup_epochs": 0.25,
    "stage2.problem.schedule.round_epochs": 0.5,
    "stage2.algorithm.pop_size": 4, "stage2.algorithm.n_gen": 2,
    "retrain.epochs": 2, "retrain.eval_every": 1, "retrain.eval_start": 0, "retrain.select_samples": 128,
    "retrain.n_samples": 256, "retrain.train.ema_decay": 0.5,
}


def tiny_args(**changes) -> list[str]:
    """``--set`` arguments of the tiny small problem, with ``changes`` (dotted keys) on top."""
    settings = TINY | changes
    return [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
