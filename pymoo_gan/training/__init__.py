"""Training: losses, the GAN loop, EMA, path samplers, BN recalibration, hooks (DGL-GAN teacher, STU-GAN sparsity)."""

from pymoo_gan.training.bn import recalibrate_bn
from pymoo_gan.training.distill import TeacherDiscriminatorLoss, check_teacher
from pymoo_gan.training.ema import EMA
from pymoo_gan.training.hooks import TrainerHook
from pymoo_gan.training.loop import GANTrainer, TrainConfig
from pymoo_gan.training.losses import get_loss
from pymoo_gan.training.samplers import PopulationPathSampler, UniformPathSampler
from pymoo_gan.training.sparse import SparseTraining, cosine_prune_rate

__all__ = ["EMA", "GANTrainer", "PopulationPathSampler", "SparseTraining", "TeacherDiscriminatorLoss", "TrainConfig",
           "TrainerHook", "UniformPathSampler", "check_teacher", "cosine_prune_rate", "get_loss", "recalibrate_bn"]
