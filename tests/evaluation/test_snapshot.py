"""Scoring is a function of (genotype, weights snapshot, settings): a fresh process reproduces the search's scores."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import torch

from pymoo_gan import GANSearchProblem
from pymoo_gan.evaluation import SnapshotScoring, score_snapshot, weights_snapshot

WORKER = """
import json, pickle, sys, torch
torch.set_num_threads(1)
from pymoo_gan.evaluation import score_snapshot
space, genotypes, c = pickle.load(open(sys.argv[1], "rb"))
print(json.dumps([score_snapshot(space, g, sys.argv[2], c.data, c.metrics, seed=c.seed) for g in genotypes]))
"""


def test_a_fresh_process_scores_a_weights_file_exactly_as_the_search_does(tiny, single_thread, tmp_path):
    problem = GANSearchProblem(progress=False, **tiny)
    problem.warmup()
    genotypes = problem.space.sample(np.random.default_rng(4), 2)
    before = weights_snapshot(problem.trainer.scored_supernet)
    in_process = [problem.score(g) for g in genotypes]
    after = weights_snapshot(problem.trainer.scored_supernet)
    assert all(torch.equal(before[k], after[k]) for k in before)  # scoring changed no shared state
    torch.save(after, tmp_path / "weights.pt")
    (tmp_path / "job.pkl").write_bytes(pickle.dumps((problem.space, list(genotypes), problem.config)))
    proc = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "job.pkl"), str(tmp_path / "weights.pt")],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(json.dumps(in_process))
    # and in this process from the file, with a scorer built once
    c = problem.config
    assert score_snapshot(problem.space, genotypes[0], tmp_path / "weights.pt", c.data, c.metrics, seed=c.seed,
                          scorer=problem.scorer) == in_process[0]
    # and by a worker's state (what a Ray actor holds): one supernet per snapshot, reused, costs cached
    worker = SnapshotScoring(problem.space, c.data, c.metrics, seed=c.seed, device="cpu").build()
    worker.load(after)
    assert [worker.score(g) for g in [*genotypes, *genotypes]] == [*in_process, *in_process]
    assert problem.remote_scoring() == SnapshotScoring(problem.space, c.data, c.metrics, seed=c.seed,
                                                       device=c.device)
