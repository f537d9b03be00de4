"""Reusable panels, each built once from a History and changed in place by set_state(state)."""
from .counter import EpochCounter
from .data_fit import DataFitPanel
from .loss import LossPanel
from .bars import BiasBars, GradientBars
from .heatmap import WeightHeatmap
from .network import NetworkDiagram

__all__ = ["NetworkDiagram", "DataFitPanel", "LossPanel", "WeightHeatmap", "BiasBars",
           "GradientBars", "EpochCounter"]
