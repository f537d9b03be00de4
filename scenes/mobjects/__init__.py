"""Reusable panels, each built once from a History and changed in place by set_state(state)."""
from .bars import BiasBars, GradientBars
from .contributions import ContributionsPanel
from .counter import EpochCounter
from .data_fit import DataFitPanel
from .heatmap import WeightHeatmap
from .loss import LossPanel
from .network import NetworkDiagram
from .regions import DecisionRegionPanel, data_panel

__all__ = ["NetworkDiagram", "DataFitPanel", "LossPanel", "WeightHeatmap", "BiasBars",
           "GradientBars", "EpochCounter", "ContributionsPanel", "DecisionRegionPanel", "data_panel"]
