"""Kill a real coarse-to-fine ``pymoo-gan search`` process with SIGKILL (mid-level, mid-training, mid-checkpoint),
run the same command again, and get bit-identical results of an uninterrupted run: every level's tables, the fronts,
the summary and the exported networks' weights. Plus: the run directory's report and ``pymoo-gan plot``."""

import json
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
import torch

from pymoo_gan.cli import main
from pymoo_gan.space.c2f import LEVELS

pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "problems" / "c2f_sr_digits.toml"
KILLER = Path(__file__).with_name("killed_run.py")
# 6 supernet steps (one checkpoint each), 2 generations per level (one checkpoint each), 2 fine-tuning steps before
# the op and width levels, 2 retraining steps; 4 + 4 candidates scored in the path level's two generations
TINY = ["search.supernet_steps=6", "search.pop_size=4", "search.n_gen=2", "search.n_eval=16",
        "search.finetune_steps=2", "search.channels=8", "search.n_blocks=3", "retrain_steps=2"]


def command(out: Path) -> list[str]:
    return ["search", str(FILE), "--out", str(out), "--quiet", *[a for item in TINY for a in ("--set", item)]]


@pytest.fixture(scope="module")
def c2f_run(tmp_path_factory):
    """An uninterrupted tiny coarse-to-fine run through the CLI."""
    out = tmp_path_factory.mktemp("c2f") / "run"
    assert main(command(out)) == 0
    return out


def killed(point: str, count: int, out: Path) -> None:
    proc = subprocess.run([sys.executable, str(KILLER), point, str(count), "--", *command(out)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]


def table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).drop(columns=["score_time_s"], errors="ignore")


def weights(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)["state_dict"]


def assert_same_run(a: Path, b: Path) -> None:
    names = [f"{level}/{name}" for level in LEVELS for name in ("results.csv", "population.csv", "pareto.csv")]
    for name in [*names, "fronts.csv"]:
        pd.testing.assert_frame_equal(table(a / name), table(b / name), obj=name)
    summary = [json.loads((d / "summary.json").read_text().replace(str(d), "RUN")) for d in (a, b)]
    assert summary[0] == summary[1]
    exports = sorted(p.relative_to(a) for p in (a / "export").glob("*.pt"))
    assert exports == sorted(p.relative_to(b) for p in (b / "export").glob("*.pt")) and len(exports) >= 2
    for name in exports:
        x, y = weights(a / name), weights(b / name)
        assert x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x), name


def test_a_c2f_run_killed_mid_level_resumes_to_the_same_results(c2f_run, tmp_path):
    """The default proof: killed while scoring the path level's second generation (after its first checkpoint)."""
    out = tmp_path / "run"
    killed("c2f-score", 6, out)
    assert (out / "path" / "checkpoint.pt").is_file() and not (out / "op").exists()
    assert len(pd.read_csv(out / "path" / "results.csv")) == 4  # generation 1 only: the rest is recomputed
    assert main(command(out)) == 0
    assert_same_run(out, c2f_run)


@pytest.mark.slow
@pytest.mark.parametrize("point,count", [
    ("c2f-train", 4),     # supernet training, after three chunk checkpoints
    ("c2f-train", 8),     # the fine-tuning before the op level (its first step done and checkpointed)
    ("c2f-train", 12),    # retraining the chosen network
    ("checkpoint", 7),    # the path level's first checkpoint written, not yet renamed into place
    ("c2f-score", 3),     # the path level's initial population, before any level checkpoint
    ("c2f-score", 15),    # the width level
])
def test_a_c2f_run_killed_anywhere_resumes_to_the_same_results(point, count, c2f_run, tmp_path):
    out = tmp_path / "run"
    killed(point, count, out)
    assert not (out / "summary.json").exists()
    assert main(command(out)) == 0
    assert_same_run(out, c2f_run)


def test_a_finished_run_resumes_without_work(c2f_run):
    mtime = (c2f_run / "width" / "checkpoint.pt").stat().st_mtime_ns
    assert main(command(c2f_run)) == 0  # the same command again: everything comes from the checkpoints
    assert (c2f_run / "width" / "checkpoint.pt").stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_fresh_starts_the_run_over(c2f_run, tmp_path):
    out = tmp_path / "run"
    killed("c2f-score", 6, out)
    mtime = (out / "path" / "checkpoint.pt").stat().st_mtime_ns
    assert main(command(out) + ["--fresh"]) == 0
    assert (out / "path" / "checkpoint.pt").stat().st_mtime_ns != mtime
    assert_same_run(out, c2f_run)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [unquote(v) for k, v in attrs if k in ("href", "src") and v and not v.startswith("#")]


def linked(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_the_report_shows_every_level_and_plot_redraws_it(c2f_run, tmp_path, capsys):
    page = c2f_run / "report.html"
    links = linked(page)
    assert links and all((c2f_run / link).is_file() for link in links)  # every referenced file exists
    for expected in ["fronts.png", "fronts.csv", *[f"{level}/pareto.png" for level in LEVELS],
                     *[f"{level}/results.csv" for level in LEVELS]]:
        assert expected in links, expected
    text = page.read_text(encoding="utf-8")
    assert all(f'id="stage-{level}"' in text for level in LEVELS) and 'id="settings"' in text
    assert "baseline.psnr" in text and "supernet_steps" in text  # summary and settings tables
    fronts = pd.read_csv(c2f_run / "fronts.csv")
    assert fronts["arch"].iloc[0] in text
    # pymoo-gan plot RUN_DIR redraws from the tables alone, in another format too
    (c2f_run / "fronts.png").unlink()
    assert main(["plot", str(c2f_run), "--format", "png", "--format", "pdf"]) == 0
    assert (c2f_run / "fronts.png").stat().st_size > 0 and (c2f_run / "fronts.pdf").stat().st_size > 0
    assert all((c2f_run / f"{level}/pareto.pdf").is_file() for level in LEVELS)
    links = linked(page)
    assert "fronts.pdf" in links and all((c2f_run / link).is_file() for link in links)
