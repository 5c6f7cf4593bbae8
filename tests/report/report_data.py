"""Hand-made search results for the report tests: a stand-in for a search problem (a real torch-free EAGAN space,
scores drawn at random) and a two-stage run directory written from it."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd

from pymoo_gan.report.figures import pareto_mask
from pymoo_gan.report.search_report import write_search_report
from pymoo_gan.space.eagan import EAGANGeneratorSpace, GeneratorMacro

TRICKY = "<script>alert('x')</script> & \"q\""  # a value that must come out escaped


class FakeArchive:
    def __init__(self, rows):
        self.rows = {r["genotype"]: r for r in rows}

    def lookup(self, key, version):
        return dict(self.rows[key])


class FakeProblem:
    """What ``write_search_report`` uses of a search problem: results, objectives, space, archive, sample."""

    def __init__(self, n=12, n_gen=3, seed=0, references=1):
        rng = np.random.default_rng(seed)
        self.space = EAGANGeneratorSpace(GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1))
        self.objectives = [SimpleNamespace(key="fd", maximize=False), SimpleNamespace(key="score", maximize=True)]
        self.n_obj = 2
        genotypes = self.space.sample(rng, n + references)
        rows = []
        for i, g in enumerate(genotypes):
            fd, score = 100 + 50 * rng.random(), 1 + 2 * rng.random()
            ref = i >= n
            if ref:  # the published architecture dominates the whole search (its effect on hypervolume shows)
                fd, score = 50.0, 5.0
            rows.append({"genotype": self.space.key(g), "arch": self.space.describe(g),
                         "generation": 0 if ref else 1 + i * n_gen // n, "kind": "reference" if ref else "offspring",
                         "label": f"EAGAN {TRICKY}" if ref else "", "weights_version": 1 + i * n_gen // n,
                         "F0": fd, "F1": -score, "fd": fd, "score": score, "params": 1000.0 + i, "failure": ""})
        self.table = pd.DataFrame(rows)
        self.archive = FakeArchive(rows)
        self.trainer = SimpleNamespace(weights_version=n_gen)
        search = self.table[self.table["kind"] != "reference"]
        best = search[pareto_mask(search[["F0", "F1"]].to_numpy())]
        self.res = SimpleNamespace(opt=[SimpleNamespace(X=self.space.to_genotype(
            [int(v) for v in k.split("-")])) for k in best["genotype"]], pop=None)

    def results(self):
        return self.table.copy()

    def sample(self, genotype, n):
        return np.linspace(-1, 1, n * 64).reshape(n, 1, 8, 8)


def make_two_stage_run(root, formats=("png",)) -> dict:
    """A run directory as :mod:`pymoo_gan.runs.two_stage` lays it out (stage 1 only searched; summary, final)."""
    root.mkdir(parents=True, exist_ok=True)
    problem = FakeProblem()
    (root / "run.json").write_text(json.dumps({"name": "tiny & <run>", "seed": 1, "note": TRICKY,
                                               "stage1": {"problem": {"space": "eagan"}}}))
    history = problem.results().query("kind != 'reference'")[["generation", "genotype", "F0", "F1"]]
    (root / "stage1").mkdir()
    history.to_csv(root / "stage1" / "population.csv", index=False)
    paths = write_search_report(problem, problem.res, str(root / "stage1"), n_grid=2, n_images=3, n_drawings=2,
                                history=history, formats=formats)
    (root / "stage1" / "selection.json").write_text(json.dumps({"rule": "knee", "arch": TRICKY}))
    (root / "summary.json").write_text(json.dumps({"name": "tiny", "stages": ["stage1", "retrain"],
                                                   "generator": {"rule": "knee", "genotype": "0-1"}}))
    pd.DataFrame({"pair": [0], "generator": ["0-1"], "discriminator": [TRICKY], "fd": [12.5]}).to_csv(
        root / "final.csv", index=False)
    return paths
