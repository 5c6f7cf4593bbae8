"""AdversarialNAS and AlphaGAN through ``pymoo-gan search``: a run SIGKILLed mid-search and run again with the same
command ends bit-identical to an uninterrupted run (the relaxed supernet, its architecture parameters and optimizer
states, the random streams and pymoo's state all come back from the checkpoint)."""

import pandas as pd
import pytest
from test_resume import killed, table
from tiny_run import SMALL, tiny_args

from pymoo_gan.cli import main
from pymoo_gan.runs.export import load_generator

TINY_STAGE1 = {"stages": '["stage1"]', "stage1.algorithm.pop_size": 1, "stage1.algorithm.n_gen": 2,
               "stage1.problem.model.latent_dim": 12, "stage1.problem.model.g_channels": 8,
               "stage1.problem.model.d_channels": 8, "stage1.problem.metrics.n_samples": 128,
               "stage1.problem.metrics.batch_size": 128, "stage1.problem.metrics.bn_batches": 2,
               "stage1.problem.device": '"cpu"'}


def args(name: str) -> list[str]:
    """The ``--set`` arguments after the tiny run's (which ``killed`` passes first)."""
    settings = TINY_STAGE1 | {"stage1.algorithm.name": f'"{name}"'}
    return [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]


@pytest.mark.slow  # about a minute each: an uninterrupted run, a killed one and its resumption
@pytest.mark.parametrize("name,point,count", [
    ("alphagan", "checkpoint", 2),    # generation 2's checkpoint written, not yet renamed into place
    ("adversarialnas", "score", 2),   # scoring generation 2's derived architecture
])
def test_a_killed_differentiable_search_resumes_bit_identical(name, point, count, tmp_path):
    full, out = tmp_path / "full", tmp_path / "run"
    command = ["search", str(SMALL), "--quiet", *tiny_args(), *args(name)]
    assert main([*command, "--out", str(full)]) == 0
    killed(point, count, out, *args(name))
    assert not (out / "summary.json").exists()
    assert main([*command, "--out", str(out)]) == 0
    for stem in ("results", "pareto", "population"):
        pd.testing.assert_frame_equal(table(out / f"stage1/{stem}.csv"), table(full / f"stage1/{stem}.csv"), obj=stem)
    assert len(table(full / "stage1/results.csv")) == 2  # one derived architecture per generation
    resumed, uninterrupted = (load_generator(d / "export/stage1/g0.pt").state_dict() for d in (out, full))
    assert all(resumed[k].equal(uninterrupted[k]) for k in uninterrupted) and resumed.keys() == uninterrupted.keys()
