"""The package's layers and the import directions between them (README "Architecture"): a package imports only from
the packages below it, and imports sit at module level except in torch-free packages, where a function-level import
keeps torch out."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pymoo_gan"

# top-down; each layer may import itself and anything after it
LAYERS = ["cli", "runs", "report", "algorithms", "problems", "evaluation", "training", "models", "nn", "metrics",
          "data", "operators", "space", "registry", "files", "progress"]
TORCH_FREE = {"report", "algorithms", "operators", "space", "registry", "files", "progress"}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(p for p in rel.parts if p != "__init__")
        yield name, ast.parse(path.read_text())


def imports(tree):
    """``(imported module, is at module level)`` for every import of pymoo_gan in ``tree``."""
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pymoo_gan":
            names = [node.module] if node.module != "pymoo_gan" else [f"pymoo_gan.{a.name}" for a in node.names]
            for name in names:
                yield name, id(node) in top
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pymoo_gan":
                    yield alias.name, id(node) in top


ALL = list(modules())


def test_every_package_has_a_layer():
    assert {layer_of(name) for name, _ in ALL} - {"__init__"} <= set(LAYERS)


@pytest.mark.parametrize("name,tree", ALL, ids=[n for n, _ in ALL])
def test_imports_point_down(name, tree):
    source = layer_of(name)
    if source == "__init__":
        return  # the top-level package exports lazily by name
    for target, _ in imports(tree):
        below = LAYERS[LAYERS.index(source):]
        assert layer_of(target) in below, f"{name} imports {target}: {layer_of(target)} is above {source}"


@pytest.mark.parametrize("name,tree", ALL, ids=[n for n, _ in ALL])
def test_imports_are_at_module_level_outside_torch_free_packages(name, tree):
    if layer_of(name) in TORCH_FREE:
        return
    hidden = [target for target, at_top in imports(tree) if not at_top]
    assert not hidden, f"{name} imports {hidden} inside a function"
