"""nnviz core: training, history, palette and layout in NumPy; never imports manim."""
from .config import RunConfig
from .errors import ConfigError, HistoryFileError, NnvizError, TrainingDiverged
from .history import History, State
from .train import train

__all__ = ["RunConfig", "train", "History", "State", "NnvizError", "ConfigError",
           "HistoryFileError", "TrainingDiverged"]
