"""Run ``pymoo-gan search ...`` and SIGKILL this very process at a chosen point (a test harness for resuming).

    python killed_run.py POINT COUNT -- search FILE --out DIR ...
    python killed_run.py POINT COUNT -- tiny-stage2 OUT [ADDRESS]     (the search of tiny_stage2.py)

POINT is where the kill happens, on the COUNT-th call of what it names: ``train`` (a chunk of training steps:
warm-up, rounds, retraining), ``score`` (scoring one candidate), ``checkpoint`` (after a checkpoint's bytes are
written to its temporary file, before it is renamed into place), ``stage2-score`` (scoring a discriminator) or
``retrain`` (saving the retraining state); for a coarse-to-fine run, ``c2f-train`` (one fair training step: supernet,
fine-tuning or retraining) or ``c2f-score`` (scoring one candidate of a level).
"""

import os
import signal
import sys


def kill_on_call(owner, name: str, count: int) -> None:
    original = getattr(owner, name)
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == count:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def main() -> int:
    point, count, argv = sys.argv[1], int(sys.argv[2]), sys.argv[4:]
    import pymoo_gan.evaluation.scorer
    import pymoo_gan.runs.checkpoint
    import pymoo_gan.runs.retrain
    from pymoo_gan.problems.c2f import C2FProblem
    from pymoo_gan.problems.discriminator_search import DiscriminatorSearchProblem
    from pymoo_gan.training.loop import GANTrainer
    from pymoo_gan.training.paired import PairedSupernetTrainer

    if point == "train":
        kill_on_call(GANTrainer, "train_steps", count)
    elif point == "score":
        kill_on_call(pymoo_gan.evaluation.scorer, "score", count)
    elif point == "checkpoint":
        kill_on_call(pymoo_gan.runs.checkpoint.os, "fsync", count)
    elif point == "stage2-score":
        kill_on_call(DiscriminatorSearchProblem, "score", count)
    elif point == "retrain":
        kill_on_call(pymoo_gan.runs.retrain, "save_checkpoint", count)
    elif point == "c2f-train":
        kill_on_call(PairedSupernetTrainer, "step", count)
    elif point == "c2f-score":
        kill_on_call(C2FProblem, "_checked_score", count)
    else:
        raise SystemExit(f"unknown point {point}")
    if argv[0] == "tiny-stage2":
        from tiny_stage2 import main as tiny_stage2

        return tiny_stage2(argv[1:])
    from pymoo_gan.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    sys.exit(main())
