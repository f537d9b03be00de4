"""Every scene nnviz renders, in one list: `nnviz render --list`, the generated `*Slides`
classes and the tests that check every scene all read it. It imports no manim, so the CLI can
ask it without manim installed; ``SceneEntry.load()`` imports the scene itself."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SceneEntry:
    name: str
    module: str  # under scenes/, e.g. "training"
    what: str  # one line: what it shows
    compares: str = ""  # "needs": it shows a comparison (--compare); "may": one when there is one

    @property
    def file(self) -> Path:
        return HERE / f"{self.module}.py"

    def load(self):
        """The Scene class (imports manim)."""
        return getattr(importlib.import_module(f"scenes.{self.module}"), self.name)


SCENES = {e.name: e for e in [
    SceneEntry("TrainingLecture", "training", "the full lecture: build, forward pass, backward pass, where a "
                                              "gradient comes from, update, training, what each neuron computes"),
    SceneEntry("DashboardLecture", "dashboard", "the seven-panel dashboard, animated over the whole run"),
    SceneEntry("ForwardPass", "clips", "one sample flowing left to right, neurons filling by activation"),
    SceneEntry("Backpropagation", "clips", "gradient pulses flowing from the output back to the input"),
    SceneEntry("GradientFromPoints", "clips", "one weight's gradient as the mean of one gradient per training point"),
    SceneEntry("WeightsEvolve", "clips", "the network diagram's edges and biases over training"),
    SceneEntry("FitEvolves", "clips", "the fitted curve over the data, epoch by epoch"),
    SceneEntry("LossCurve", "clips", "the loss curve drawn with a moving marker"),
    SceneEntry("CompareRuns", "compare", "two to four runs side by side, one setting apart (needs compare)", "needs"),
    SceneEntry("NeuronContributions", "clips", "the fit built unit by unit, then training replayed with every unit's piece"),
    SceneEntry("LossLandscape", "clips", "the loss over the plane of training's two main directions, and the real "
                                         "path across it (with compare: every run's path on one plane)", "may"),
]}
