import numpy as np
import pytest

from pymoo_gan.space import EAGANDiscriminatorSpace, EAGANGeneratorSpace


@pytest.fixture(params=["generator", "discriminator"])
def space(request):
    return EAGANGeneratorSpace() if request.param == "generator" else EAGANDiscriminatorSpace()


@pytest.fixture
def rng():
    return np.random.default_rng(0)
