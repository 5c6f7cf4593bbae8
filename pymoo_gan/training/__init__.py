"""Training: losses, the GAN loop, EMA, path samplers and BN recalibration."""

from pymoo_gan.training.bn import recalibrate_bn
from pymoo_gan.training.ema import EMA
from pymoo_gan.training.hooks import TrainerHook
from pymoo_gan.training.loop import GANTrainer, TrainConfig
from pymoo_gan.training.losses import get_loss
from pymoo_gan.training.samplers import PopulationPathSampler, UniformPathSampler

__all__ = ["EMA", "GANTrainer", "PopulationPathSampler", "TrainConfig", "TrainerHook", "UniformPathSampler", "get_loss",
           "recalibrate_bn"]
