import pytest
import torch


@pytest.fixture
def single_thread():
    """Tiny tensors gain nothing from intra-op threads, and on a busy 2-core machine they stall; use one thread."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
