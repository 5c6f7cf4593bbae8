"""`space/`, `operators/`, `algorithms/`, `report/`, the registry and the utilities import without torch (a design
rule: they are numpy + pymoo + pandas/matplotlib only).

Each module is imported in a fresh interpreter where any import of torch (or a torch-based package) raises. The
top-level ``pymoo_gan/__init__.py`` is not executed (the package is stubbed with its real ``__path__``), so the check
covers exactly the dependency closure of these subpackages, whatever the top level exports.
"""

import subprocess
import sys
import textwrap

import pytest

TORCH_FREE = ["pymoo_gan.space", "pymoo_gan.space.base", "pymoo_gan.space.eagan", "pymoo_gan.space.product",
              "pymoo_gan.space.presets", "pymoo_gan.space.c2f",
              "pymoo_gan.space.relaxation",
              "pymoo_gan.operators", "pymoo_gan.algorithms", "pymoo_gan.registry", "pymoo_gan.files",
              "pymoo_gan.progress", "pymoo_gan.report"]

SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.abc, importlib.util, sys, types

    FORBIDDEN = ("torch", "torchvision", "torch_fidelity", "torchmetrics")
    attempts = []

    class ForbidTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in FORBIDDEN:
                attempts.append(name)
                raise ModuleNotFoundError(f"import of {name!r} is forbidden in this test", name=name)
            return None

    sys.meta_path.insert(0, ForbidTorch())
    for name in FORBIDDEN:
        sys.modules.pop(name, None)

    spec = importlib.util.find_spec("pymoo_gan")
    stub = types.ModuleType("pymoo_gan")
    stub.__path__ = list(spec.submodule_search_locations)
    stub.__spec__ = spec
    sys.modules["pymoo_gan"] = stub

    importlib.import_module(sys.argv[1])
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    assert not loaded, f"torch was imported: {loaded} (attempted: {attempts})"
    print("ok")
    """
)


@pytest.mark.parametrize("module", TORCH_FREE)
def test_imports_without_torch(module):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, module], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_the_guard_catches_torch():
    proc = subprocess.run([sys.executable, "-c", SCRIPT, "torch"], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "forbidden" in proc.stderr
