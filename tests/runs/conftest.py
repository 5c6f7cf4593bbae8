import pytest
from tiny_run import SMALL, tiny_args

from pymoo_gan.cli import main


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """An uninterrupted run of the tiny small problem through the CLI."""
    out = tmp_path_factory.mktemp("cli") / "small"
    assert main(["search", str(SMALL), "--out", str(out), "--quiet", *tiny_args()]) == 0
    return out
