import pytest
import torch

from pymoo_gan.data import DataConfig
from pymoo_gan.evaluation import MetricsConfig
from pymoo_gan.problems import ModelConfig
from pymoo_gan.runs.retrain import RetrainConfig, retrain
from pymoo_gan.space import EAGANGeneratorSpace, GeneratorMacro
from pymoo_gan.training import TrainConfig


def test_an_ema_longer_than_the_run_is_flagged_and_bad_settings_are_refused(tmp_path):
    settings = dict(data=DataConfig(), metrics=MetricsConfig(n_samples=64, batch_size=64, bn_batches=1),
                    model=ModelConfig(d_channels=8), device="cpu")
    arch = EAGANGeneratorSpace(GeneratorMacro(12, 8, 2, 1)).decode([1] * 21)
    config = RetrainConfig(train=TrainConfig(g_batch_size=16, d_batch_size=16, n_critic=1, ema_decay=0.999,
                                  ema_warmup=False),
                           epochs=0.5, eval_every=0.5, eval_start=0, select_samples=64, n_samples=64)
    with pytest.warns(RuntimeWarning, match="ema_decay=0.999 averages over ~1000 generator steps"):
        result = retrain(arch, config, tmp_path / "r", progress=False, **settings)
    assert result["selected_step"] > 0 and (tmp_path / "r" / "generator.pt").is_file()
    with pytest.raises(ValueError, match="ema_decay must be set"):
        RetrainConfig(train=TrainConfig(ema_decay=None))
    with pytest.raises(ValueError, match="select_split='train'"):
        RetrainConfig(select_split="train")


def test_transfer_retrains_the_same_cells_on_another_resolution(tmp_path):
    from pymoo_gan.runs.export import load_generator
    from pymoo_gan.runs.retrain import TransferConfig
    from pymoo_gan.space import DownCell, EAGANDiscriminatorSpace
    from pymoo_gan.space.eagan import DiscriminatorMacro

    settings = dict(data=DataConfig(), metrics=MetricsConfig(n_samples=64, batch_size=64, bn_batches=1),
                    model=ModelConfig(d_channels=8), device="cpu")
    arch = EAGANGeneratorSpace(GeneratorMacro(12, 8, 2, 1)).decode([1] * 21)
    d_arch = EAGANDiscriminatorSpace(DiscriminatorMacro(8, 1, 16)).decode([0, 1, 1, 1, 1, 1, 0] * 3)
    config = RetrainConfig(train=TrainConfig(g_batch_size=16, d_batch_size=16, n_critic=1, ema_decay=0.5),
                           epochs=0.2, eval_every=0.2, eval_start=0, select_samples=64, n_samples=64,
                           transfer=TransferConfig(dataset="digits", resolution=32))
    retrain(arch, config, tmp_path / "r", d_arch=d_arch, progress=False, **settings)
    G = load_generator(tmp_path / "r" / "generator.pt")
    assert G.arch.cells == arch.cells and G.arch.macro.bottom_width == 4
    assert G(torch.zeros(2, 12)).shape == (2, 1, 32, 32)
    assert isinstance(d_arch.cells[0], DownCell)
    with pytest.raises(ValueError, match="transfer resolution 30 is impossible"):
        TransferConfig(dataset="digits", resolution=30).apply(arch, None, settings["data"])
