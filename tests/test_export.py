import numpy as np
import pytest
import torch

from pymoo_gan import export_model, load_generator
from pymoo_gan.models import SimpleDiscriminator
from pymoo_gan.runs.export import build_model, load_discriminator
from pymoo_gan.space import EAGANDiscriminatorSpace, EAGANGeneratorSpace, GeneratorMacro
from pymoo_gan.space.autogan import AutoGANGeneratorSpace
from pymoo_gan.space.eagan import DiscriminatorMacro

MACRO = GeneratorMacro(latent_dim=12, channels=8, bottom_width=2, out_channels=1)


@pytest.mark.parametrize("space", [EAGANGeneratorSpace(MACRO), AutoGANGeneratorSpace(MACRO)], ids=["eagan", "autogan"])
def test_generators_round_trip(space, tmp_path):
    arch = space.decode(space.sample(np.random.default_rng(0)))
    G = build_model(arch, generator=torch.Generator().manual_seed(0)).eval()
    path = export_model(G, tmp_path / "g.pt", metadata={"fd": 1.5, "genotype": space.key(space.encode(arch))})
    G2 = load_generator(path)
    z = torch.randn(3, 12)
    assert torch.equal(G(z), G2(z)) and G2.arch == arch and not G2.training
    assert G2.export_metadata["fd"] == 1.5


def test_discriminator_round_trip_and_kind_check(tmp_path):
    space = EAGANDiscriminatorSpace(DiscriminatorMacro(channels=8, in_channels=1, resolution=16))
    D = build_model(space.decode(space.sample(np.random.default_rng(1)))).eval()
    path = export_model(D, tmp_path / "d.pt")
    x = torch.randn(2, 1, 16, 16)
    assert torch.equal(D(x), load_discriminator(path)(x))
    with pytest.raises(ValueError, match="holds a discriminator, not a generator"):
        load_generator(path)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no exported model at"):
        load_generator(tmp_path / "missing.pt")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="other.pt is not a pymoo_gan model file"):
        load_generator(tmp_path / "other.pt")
    G = build_model(EAGANGeneratorSpace(MACRO).decode([1] * 21))
    path = tmp_path / "g.pt"
    export_model(G, path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="g.pt is not a readable pymoo_gan model file"):
        load_generator(path)
    with pytest.raises(TypeError, match="cannot export SimpleDiscriminator"):
        export_model(SimpleDiscriminator(in_channels=1, channels=8, resolution=16), tmp_path / "s.pt")


def test_files_of_another_format_version_are_refused(tmp_path):
    path = tmp_path / "g.pt"
    export_model(build_model(EAGANGeneratorSpace(MACRO).decode([1] * 21)), path)
    for version in (1, 3):
        payload = torch.load(path, weights_only=True)
        payload["version"] = version
        torch.save(payload, tmp_path / "v.pt")
        with pytest.raises(ValueError, match=f"has format version {version}; this pymoo_gan reads version 2"):
            load_generator(tmp_path / "v.pt")
