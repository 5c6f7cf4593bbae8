"""Walk the README's bad-input table: every row's command or expression gives exactly the error the row promises."""

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pymoo_gan import GANSearchProblem
from pymoo_gan.cli import main
from pymoo_gan.data import load_dataset
from pymoo_gan.runs import RunDirectory, load_run_config
from pymoo_gan.space import EAGANGeneratorSpace

ROOT = Path(__file__).resolve().parents[1]


def table_rows() -> list[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- bad-input-table -->")[1].split("<!-- /bad-input-table -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        what, try_it, get = (c.strip() for c in line.strip().strip("|").split(" | "))
        rows.append((what, re.fullmatch(r"`(.*)`", try_it).group(1), get))
    return rows


ROWS = table_rows()


def image(path: Path, size=(8, 8)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((*size, 3), np.uint8)).save(path)


@pytest.fixture
def places(tmp_path):
    """The folders the table names in capitals, prepared as their names say."""
    p = {name: tmp_path / name for name in ("DIR", "WITH_README", "MIXED_SIZES", "BROKEN_IMAGE", "NO_IMAGES",
                                            "DAMAGED_RUN", "OTHER_RUN", "NOT_A_RUN", "BUSY_RUN")}
    image(p["WITH_README"] / "a.png")
    image(p["WITH_README"] / "b.png")
    (p["WITH_README"] / "README.txt").write_text("not an image")
    image(p["MIXED_SIZES"] / "a.png")
    image(p["MIXED_SIZES"] / "b.png", size=(9, 8))
    image(p["BROKEN_IMAGE"] / "a.png")
    (p["BROKEN_IMAGE"] / "b.png").write_bytes(b"not a png")
    p["NO_IMAGES"].mkdir()
    (p["NO_IMAGES"] / "notes.txt").write_text("no images here")
    settings = load_run_config(ROOT / "problems" / "small_cpu.toml").to_dict()
    for name, run_settings in (("DAMAGED_RUN", settings),
                               ("OTHER_RUN", settings | {"stage1": settings["stage1"] | {
                                   "algorithm": settings["stage1"]["algorithm"] | {"n_gen": 99}}})):
        (p[name] / "stage1").mkdir(parents=True)
        (p[name] / "run.json").write_text(json.dumps(run_settings))
        (p[name] / "stage1" / "checkpoint.pt").write_bytes(b"\x80\x02 half a checkpoint")
    p["NOT_A_RUN"].mkdir()
    (p["NOT_A_RUN"] / "thesis.tex").write_text("mine")
    return p


def fill(text: str, places: dict) -> str:
    for name in sorted(places, key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", str(places[name]), text)
    return text


@pytest.mark.parametrize("what,try_it,get", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input_row(what, try_it, get, places, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    kind, _, message = get.partition(": ")
    fragments = [fill(f.strip(), places) for f in message.split("…")]
    if try_it.startswith("pymoo-gan "):
        argv = shlex.split(fill(try_it, places))[1:]
        if "BUSY_RUN" in try_it:
            settings = load_run_config(ROOT / "problems" / "small_cpu.toml").to_dict()
            with RunDirectory(places["BUSY_RUN"], settings):
                code = main(argv)
        else:
            code = main(argv)
        err = capsys.readouterr().err.strip()
        assert kind == "exit 2" and code == 2, err
        assert err.count("\n") == 0 and "Traceback" not in err  # one line
        position = 0
        for fragment in fragments:  # in order
            found = err.find(fragment, position)
            assert found >= 0, f"{fragment!r} not in {err!r}"
            position = found + len(fragment)
    else:
        namespace = {"space": EAGANGeneratorSpace(), "problem": GANSearchProblem(progress=False),
                     "load_dataset": load_dataset}
        expression = fill(try_it, places)
        if kind == "returns":
            assert str(eval(expression, namespace)) == fragments[0]
        else:
            with pytest.raises(ValueError) as info:
                eval(expression, namespace)
            assert kind == "ValueError" and all(f in str(info.value) for f in fragments)


def test_the_table_covers_the_issue():
    names = " ".join(r[0] for r in ROWS)
    for needed in ("wrong length", "out of range", "NaN", "infinite", "unknown setting", "wrong type",
                   "missing dataset path", "resolution", "population < 2", "non-image", "mixed sizes",
                   "damaged checkpoint", "another run", "another process", "wrong size for a problem", "device"):
        assert needed in names
