"""Contract tests over every entry of ``pymoo_gan.registry``: a new space, discriminator, extractor, loss or algorithm
is tested here by being registered (CPU, tiny sizes, eval mode)."""

import dataclasses
import functools
import pickle
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from pymoo.core.problem import Problem  # noqa: E402
from pymoo.optimize import minimize  # noqa: E402

from pymoo_gan import registry  # noqa: E402
from pymoo_gan.cli import build_parser  # noqa: E402
from pymoo_gan.data import DataConfig  # noqa: E402
from pymoo_gan.evaluation import MetricsConfig  # noqa: E402
from pymoo_gan.metrics import save_random_inception_weights  # noqa: E402
from pymoo_gan.problems import SearchConfig  # noqa: E402
from pymoo_gan.problems.generator_search import make_generator_space  # noqa: E402
from pymoo_gan.report.arch_drawings import architecture_figure, draw_cell  # noqa: E402
from pymoo_gan.runs.export import build_model, export_model, load_model  # noqa: E402
from pymoo_gan.space.presets import PRESETS  # noqa: E402
from pymoo_gan.training import get_loss  # noqa: E402

pytestmark = pytest.mark.usefixtures("single_thread")

# tiny sizes per kind (a space with another kind of macro must add its own here)
TINY = {"generator": dict(latent_dim=12, channels=8, bottom_width=2, out_channels=1),
        "discriminator": dict(channels=8, in_channels=1, resolution=16),
        "image_to_image": dict(in_channels=1, out_channels=1, channels=8, n_blocks=3, scale=2)}
IMAGE_TO_IMAGE_SIZE = 8  # input side of an image-to-image network in these tests (its macro has no resolution)
SPACES = list(registry.SPACES.values())
RELAXED = [e for e in SPACES if e.relaxation is not None]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _macro(entry):
    return entry.macro(**TINY[entry.kind])


def _archs(entry, n=6, seed=0):
    space = entry.space(_macro(entry))
    return [space.decode(g) for g in space.sample(np.random.default_rng(seed), n)]


def _input(macro, kind, n=3):
    gen = torch.Generator().manual_seed(1)
    if kind == "generator":
        return torch.randn(n, macro.latent_dim, generator=gen)
    if kind == "image_to_image":
        return torch.rand(n, macro.in_channels, IMAGE_TO_IMAGE_SIZE, IMAGE_TO_IMAGE_SIZE, generator=gen) * 2 - 1
    return torch.rand(n, macro.in_channels, macro.resolution, macro.resolution, generator=gen) * 2 - 1


def _output_shape(macro, kind, n=3):
    if kind == "image_to_image":
        return (n, macro.out_channels, IMAGE_TO_IMAGE_SIZE * macro.scale, IMAGE_TO_IMAGE_SIZE * macro.scale)
    return (n, macro.out_channels, macro.resolution, macro.resolution) if kind == "generator" else (n, 1)


def test_imports_without_torch():
    code = ("import sys, importlib.abc\n"
            "class Block(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch': raise ModuleNotFoundError(name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import importlib.util, types\n"
            "spec = importlib.util.find_spec('pymoo_gan'); stub = types.ModuleType('pymoo_gan')\n"
            "stub.__path__ = list(spec.submodule_search_locations); sys.modules['pymoo_gan'] = stub\n"
            "from pymoo_gan import registry\n"
            "assert registry.space_names('generator') and registry.arch_types()\n"  # names and space classes
            "assert [e.space.obj for e in registry.SPACES.values()]\n"
            "assert [e.relaxation.layout.obj for e in registry.SPACES.values() if e.relaxation]\n"  # torch-free too
            "assert not any(m.split('.')[0] == 'torch' for m in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_names_are_unique_and_lookups_list_the_allowed_names():
    names = [n for e in SPACES for n in (e.name, *e.aliases)]
    assert len(names) == len(set(names))
    for entry in SPACES:
        assert entry.kind in ("generator", "discriminator", "image_to_image")
        assert all(registry.space(n) is entry for n in (entry.name, *entry.aliases))
    for lookup, table in ((registry.space, registry.SPACES), (registry.discriminator, registry.DISCRIMINATORS),
                          (registry.extractor, registry.EXTRACTORS), (registry.loss, registry.LOSSES),
                          (registry.algorithm, registry.ALGORITHMS)):
        assert all(lookup(name).name == name for name in table)
        with pytest.raises(ValueError, match="allowed: " + ", ".join(table)):
            lookup("no_such_name")
    with pytest.raises(ValueError, match="must look like"):
        registry.Lazy("no_attribute")


def test_every_reference_resolves():
    def lazies(entry):
        for f in dataclasses.fields(entry):
            value = getattr(entry, f.name)
            if isinstance(value, registry.Lazy):
                yield f.name, value
            elif dataclasses.is_dataclass(value):  # a nested entry (a space's relaxation)
                yield from ((f"{f.name}.{n}", v) for n, v in lazies(value))

    assert RELAXED  # the eagan spaces have relaxations
    for table in (registry.SPACES, registry.DISCRIMINATORS, registry.EXTRACTORS, registry.LOSSES,
                  registry.ALGORITHMS):
        for entry in table.values():
            for name, value in lazies(entry):
                assert value.obj is not None, (entry.name, name)


def test_config_and_cli_read_the_registry():
    for name in registry.space_names("generator"):
        assert make_generator_space(SearchConfig().replace(space=name)).__class__ is registry.space(name).space.obj
    for name in registry.space_names("discriminator"):
        with pytest.raises(ValueError, match="allowed: " + ", ".join(registry.space_names("generator"))):
            SearchConfig().replace(space=name)
    for section, field, table in (("model", "discriminator", registry.DISCRIMINATORS),
                                  ("metrics", "extractor", registry.EXTRACTORS)):
        assert all(getattr(getattr(SearchConfig().replace(**{field: n}), section), field) == n for n in table)
        with pytest.raises(ValueError, match=f"{field}='x' is unknown; allowed: " + ", ".join(table)):
            SearchConfig().replace(**{field: "x"})
    parser = build_parser()
    for name in registry.EXTRACTORS:
        assert parser.parse_args(["evaluate", "g.pt", "--extractor", name]).extractor == name
    with pytest.raises(SystemExit):
        parser.parse_args(["evaluate", "g.pt", "--extractor", "x"])


def test_every_preset_belongs_to_a_space():
    for preset in PRESETS.values():
        assert registry.space_of(preset.arch).kind == preset.kind
    with pytest.raises(TypeError, match=", ".join(t.__name__ for t in registry.arch_types())):
        registry.space_of("not an arch")


# ---- spaces --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", SPACES, ids=lambda e: e.name)
def test_encode_decode_round_trip(entry):
    space = entry.space(_macro(entry))
    for g in space.sample(np.random.default_rng(0), 20):
        arch = space.decode(g)
        assert isinstance(arch, entry.arch.obj) and registry.space_of(arch) is entry
        assert np.array_equal(space.encode(arch), g) and space.decode(space.encode(arch)) == arch


@pytest.mark.parametrize("entry", SPACES, ids=lambda e: e.name)
def test_supernet_equals_extracted_and_built_shapes(entry):
    macro = _macro(entry)
    supernet = entry.supernet(macro, generator=torch.Generator().manual_seed(0)).eval()
    x = _input(macro, entry.kind)
    with torch.no_grad():
        for arch in _archs(entry):
            net = entry.extract(supernet, arch)
            built = entry.build(arch, generator=torch.Generator().manual_seed(0)).eval()
            assert not net.training and net.arch == arch and type(net) is type(built)
            assert [k for k, _ in net.named_parameters()] == [k for k, _ in built.named_parameters()]
            y = supernet(x, arch)
            assert y.shape == built(x).shape == _output_shape(macro, entry.kind), str(arch)
            assert torch.equal(net(x), y), str(arch)


@pytest.mark.parametrize("entry", SPACES, ids=lambda e: e.name)
def test_same_seed_same_weights(entry):
    macro, (arch,) = _macro(entry), _archs(entry, 1)
    for make in (lambda g: entry.supernet(macro, generator=g), lambda g: entry.build(arch, generator=g)):
        a, b = (make(torch.Generator().manual_seed(3)).state_dict() for _ in range(2))
        assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("entry", SPACES, ids=lambda e: e.name)
def test_space_and_standalone_pickle(entry):
    space = entry.space(_macro(entry))
    (g,) = space.sample(np.random.default_rng(2), 1)
    again = pickle.loads(pickle.dumps(space))
    assert repr(again) == repr(space) and again.decode(g) == space.decode(g)
    net = entry.build(space.decode(g), generator=torch.Generator().manual_seed(0)).eval()
    x = _input(space.macro, entry.kind)
    with torch.no_grad():
        assert torch.equal(pickle.loads(pickle.dumps(net))(x), net(x))


@pytest.mark.parametrize("entry", SPACES, ids=lambda e: e.name)
def test_export_round_trip_and_old_names(entry, tmp_path):
    (arch,) = _archs(entry, 1, seed=3)
    net = build_model(arch, generator=torch.Generator().manual_seed(0)).eval()
    x = _input(arch.macro, entry.kind)
    for name in (entry.name, *entry.aliases):  # files written under an older name still load
        path = export_model(net, tmp_path / f"{name}.pt", metadata={"fd": 1.5})
        payload = torch.load(path, weights_only=True)
        assert (payload["space"], payload["kind"]) == (entry.name, entry.kind)
        torch.save({**payload, "space": name}, path)
        loaded = load_model(path, kind=entry.kind)
        assert loaded.arch == arch and loaded.export_metadata == {"fd": 1.5} and not loaded.training
        with torch.no_grad():
            assert torch.equal(loaded(x), net(x))


@pytest.mark.parametrize("entry", SPACES, ids=lambda e: e.name)
def test_drawing(entry, tmp_path):
    for arch in _archs(entry, 3, seed=4):
        fig = architecture_figure(arch)
        assert len(fig.axes) == 1 and fig.axes[0].texts
        assert draw_cell(arch.cells[-1], index=len(arch.cells) - 1).texts
        plt.close("all")


# ---- relaxations (differentiable search) --------------------------------------------------------------------------
def _relaxed(entry):
    macro = _macro(entry)
    relaxed = entry.relaxation.supernet(macro, generator=torch.Generator().manual_seed(0))
    return macro, relaxed, entry.space(macro)


def _derived_archs(layout, n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [layout.derive({k: rng.dirichlet(np.ones(s[-1]), size=s[:-1]) for k, s in layout.shapes().items()})
            for _ in range(n)]


@pytest.mark.parametrize("entry", RELAXED, ids=lambda e: e.name)
def test_relaxation_layout_and_derivation(entry):
    macro, relaxed, space = _relaxed(entry)
    layout = relaxed.layout
    assert type(layout) is entry.relaxation.layout.obj and repr(layout.space) == repr(space)
    assert repr(entry.relaxation.layout(space)) == repr(layout)
    for arch in _archs(entry, 20) + _derived_archs(layout, 5):
        try:
            weights = layout.one_hot(arch)
        except ValueError:  # an arch the relaxation cannot express (a D cell that keeps its resolution)
            continue
        assert layout.derive(weights) == arch and space.contains(layout.derive_genotype(weights))


@pytest.mark.parametrize("entry", RELAXED, ids=lambda e: e.name)
def test_relaxed_one_hot_equals_extracted(entry):
    macro, relaxed, _ = _relaxed(entry)
    supernet = entry.supernet(macro, generator=torch.Generator().manual_seed(0))
    assert list(relaxed.state_dict()) == list(supernet.state_dict())  # the shared names that extraction copies
    relaxed.eval()
    x = _input(macro, entry.kind)
    with torch.no_grad():
        for arch in _derived_archs(relaxed.layout):
            net = entry.relaxation.extract(relaxed, arch)
            built = entry.build(arch, generator=torch.Generator().manual_seed(0))
            assert type(net) is type(built) and not net.training and net.arch == arch
            assert [k for k, _ in net.named_parameters()] == [k for k, _ in built.named_parameters()]
            ref = next(relaxed.parameters())
            weights = {k: torch.as_tensor(v, dtype=ref.dtype) for k, v in relaxed.layout.one_hot(arch).items()}
            y = relaxed(x, weights)
            assert y.shape == _output_shape(macro, entry.kind) and torch.equal(net(x), y), str(arch)


@pytest.mark.parametrize("entry", RELAXED, ids=lambda e: e.name)
def test_relaxed_soft_forward_gradients_and_pickle(entry):
    macro, relaxed, _ = _relaxed(entry)
    alphas = entry.relaxation.arch_parameters(relaxed.layout, generator=torch.Generator().manual_seed(1))
    assert not {id(p) for p in relaxed.parameters()} & {id(p) for p in alphas.parameters()}
    x = _input(macro, entry.kind)
    y = relaxed(x, alphas.softmax())
    assert y.shape == _output_shape(macro, entry.kind) and torch.isfinite(y).all()
    y.mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in alphas.parameters())
    relaxed.eval()
    again, alphas_again = pickle.loads(pickle.dumps((relaxed, alphas)))
    with torch.no_grad():
        assert torch.equal(again(x, alphas_again.softmax()), relaxed(x, alphas.softmax()))
    assert alphas_again.derive() == alphas.derive()


# ---- fixed discriminators, extractors, losses, algorithms ----------------------------------------------------------
@pytest.mark.parametrize("entry", registry.DISCRIMINATORS.values(), ids=lambda e: e.name)
def test_discriminator(entry):
    d = entry.factory(in_channels=1, channels=8, resolution=16, generator=torch.Generator().manual_seed(0)).eval()
    x = torch.rand(2, 1, 16, 16) * 2 - 1
    with torch.no_grad():
        assert d(x).shape == (2, 1) and torch.equal(pickle.loads(pickle.dumps(d))(x), d(x))


@pytest.fixture(scope="module")
def inception_weights(tmp_path_factory):
    return str(save_random_inception_weights(tmp_path_factory.mktemp("inception") / "random.pth", seed=0))


@pytest.fixture(scope="module")
def clip_weights(tmp_path_factory):
    from pymoo_gan.metrics.clip import save_random_clip_weights

    return str(save_random_clip_weights(tmp_path_factory.mktemp("clip") / "tiny_clip.pt", seed=0))


@pytest.mark.parametrize("entry", registry.EXTRACTORS.values(), ids=lambda e: e.name)
def test_extractor(entry, inception_weights, clip_weights, monkeypatch):
    import pymoo_gan.metrics.ssl as ssl

    # the label-free extractor's training is tested in tests/metrics/test_ssl_extractor.py; here one short round
    monkeypatch.setattr(ssl, "SSLSettings", functools.partial(ssl.SSLSettings, epochs=1, rounds=1))
    data = DataConfig()
    metrics = MetricsConfig(extractor=entry.name, inception_weights=inception_weights, clip_weights=clip_weights)
    extractor = entry.factory(data, metrics, torch.device("cpu"))
    assert entry.describe(data, metrics) == (extractor.name, extractor.standard)
    with torch.no_grad():
        features = extractor(torch.rand(1, 1, data.resolution, data.resolution) * 2 - 1)["features"]
    assert features.dim() == 2 and features.shape[0] == 1 and torch.isfinite(features).all()


@pytest.mark.parametrize("entry", registry.LOSSES.values(), ids=lambda e: e.name)
def test_loss(entry):
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    assert get_loss(entry.name) == (entry.d.obj, entry.g.obj)
    assert entry.d(real, fake).dim() == entry.g(fake).dim() == 0


class _ToyArchProblem(Problem):
    def __init__(self):
        self.space, self.archive = registry.space("eagan").space(), set()
        super().__init__(n_var=self.space.n_var, n_obj=2, xl=self.space.xl, xu=self.space.xu, vtype=int)

    def _evaluate(self, X, out, *args, **kwargs):
        self.archive.update(self.space.key(self.space.to_genotype(x)) for x in X)
        out["F"] = np.column_stack([-(X > 0).sum(1), X.sum(1)])


@pytest.mark.parametrize("entry", registry.ALGORITHMS.values(), ids=lambda e: e.name)
def test_algorithm(entry):
    if getattr(entry.factory.obj, "needs_relaxation", False):
        pytest.skip("needs a problem with a relaxed space: tests/algorithms/test_differentiable_search.py")
    res = minimize(_ToyArchProblem(), entry.factory(pop_size=4), ("n_gen", 2), seed=1)
    assert res.F is not None and np.isfinite(res.F).all()
