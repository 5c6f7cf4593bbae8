import os
from pathlib import Path

# One intra-op thread everywhere in the suite, set before torch loads: the test process, the subprocesses it starts
# (killed and resumed runs, workers; they inherit the variable) and Ray's actors (one CPU each) then compute with the
# same floating-point sums, so "identical to an uninterrupted / local run" is exact. Tiny tensors gain nothing from
# more threads, and on a busy 2-core machine extra threads stall.
os.environ["OMP_NUM_THREADS"] = "1"

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

# Tiny settings for the stage-1 problem: the suite exercises the real code paths in seconds on 2 CPU cores.
TINY = dict(latent_dim=12, g_channels=8, d_channels=8, warmup_epochs=0.5, round_epochs=0.25, n_samples=128,
            batch_size=128, bn_batches=2)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Classifiers and real statistics are cached in a per-session folder, never in the user's cache."""
    path = tmp_path_factory.mktemp("pymoo_gan_cache")
    os.environ["PYMOO_GAN_CACHE"] = str(path)
    return path


@pytest.fixture(autouse=True)
def restored_threads():
    """Every test leaves torch's thread count as it found it (one; benchmark scripts may set another): a run resumed in
    this process must compute exactly as the subprocess it continues."""
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.fixture
def tiny():
    return dict(TINY)


@pytest.fixture
def single_thread():
    """One intra-op thread: tiny tensors gain nothing from more, and on a busy 2-core machine extra threads stall
    (and process CPU time then measures the work, not the waiting)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):
    """The address of one local Ray with 2 logical CPUs for the whole session (no dashboard, no auth token in the
    user's home; started once: starting Ray costs seconds), whose workers import tests/runs' modules too (the fault
    hooks). Skips without Ray."""
    ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install -e ".[ray]"')
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    path = os.pathsep.join(p for p in (str(Path(__file__).with_name("runs")), os.environ.get("PYTHONPATH")) if p)
    ray.init(num_cpus=2, num_gpus=0, include_dashboard=False, log_to_driver=False,
             _temp_dir=str(tmp_path_factory.mktemp("ray")), runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()
