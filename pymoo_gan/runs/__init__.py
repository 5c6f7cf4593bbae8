"""Runs: problem files (TOML) and their validation, run directories with locks and atomic checkpoints, resumable
searches, choosing architectures from a Pareto set, and the two-stage EAGAN driver."""

from pymoo_gan.runs.checkpoint import CorruptCheckpointError
from pymoo_gan.runs.config import EvolutionConfig, RunConfig, load_run_config, run_config_from_dict
from pymoo_gan.runs.rundir import RunDirectory, RunDirectoryError
from pymoo_gan.runs.search import run_search
from pymoo_gan.runs.selection import SelectionConfig, rank
from pymoo_gan.runs.two_stage import run_two_stage

__all__ = ["CorruptCheckpointError", "EvolutionConfig", "RunConfig", "RunDirectory", "RunDirectoryError",
           "SelectionConfig", "load_run_config", "rank", "run_config_from_dict", "run_search", "run_two_stage"]
