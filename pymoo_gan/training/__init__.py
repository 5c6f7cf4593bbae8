"""Training: losses, the GAN step with hooks (DGL-GAN's teacher discriminator, STU-GAN's sparse masks), EMA, path
samplers, BN recalibration, and the supernet trainers that own shared weights and train them in rounds, surviving
failing candidates."""

from pymoo_gan.training.bn import recalibrate_bn
from pymoo_gan.training.device import available_devices, resolve_device
from pymoo_gan.training.distill import TeacherDiscriminatorLoss, check_teacher
from pymoo_gan.training.ema import EMA
from pymoo_gan.training.hooks import TrainerHook
from pymoo_gan.training.loop import GANTrainer, TrainConfig
from pymoo_gan.training.losses import get_loss
from pymoo_gan.training.pair_trainer import GeneratorCopy, PairTrainer
from pymoo_gan.training.paired import PairedLossConfig, PairedSupernetTrainer
from pymoo_gan.training.rounds import RoundTrainer, ScheduleConfig
from pymoo_gan.training.samplers import FairPathSampler, PopulationPathSampler, RoundOver, UniformPathSampler
from pymoo_gan.training.sparse import SparseConfig, SparseTraining, cosine_prune_rate
from pymoo_gan.training.supernet_trainer import GeneratorSupernetTrainer

__all__ = ["EMA", "FairPathSampler", "GANTrainer", "GeneratorCopy", "GeneratorSupernetTrainer", "PairTrainer",
           "PairedLossConfig", "PairedSupernetTrainer", "PopulationPathSampler",
           "RoundOver", "RoundTrainer", "ScheduleConfig", "SparseConfig", "SparseTraining", "TeacherDiscriminatorLoss",
           "TrainConfig", "TrainerHook", "UniformPathSampler", "available_devices", "check_teacher",
           "cosine_prune_rate", "get_loss", "recalibrate_bn", "resolve_device"]
