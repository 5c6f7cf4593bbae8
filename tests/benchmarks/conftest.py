import pytest
import torch


@pytest.fixture
def single_thread():
    """One intra-op thread: process CPU time then measures the work, not the waiting, on a busy 2-core machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
