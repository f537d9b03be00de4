"""LossPanel: the per-epoch loss curve drawn up to the current epoch, a marker and its value."""
from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, UP, Dot, VGroup, VMobject

from nnviz_core.palette import LOSS_CURVE, LOSS_MARKER

from ..theme import LiveNumber, SMALL_SIZE, label
from .panel import Panel, PlotArea

CURVE_POINTS = 400  # a fixed point count, so each frame only moves points


class LossPanel(Panel):
    """The real loss at every epoch, drawn up to the State's (fractional) epoch.

        losses = LossPanel(history, width=5.5, height=2.5)
        self.add(losses.set_state(history.at(0)))
        losses.set_state(history.at(3.5))  # curve grows, marker moves, value updates
    """

    def __init__(self, history, width: float = 5.5, height: float = 2.6):
        super().__init__()
        self.loss = history.loss
        epochs = len(self.loss) - 1
        self.xs = np.linspace(0, epochs, min(CURVE_POINTS, epochs + 1))
        self.plot = PlotArea((0, epochs), (0, float(self.loss.max()) * 1.1), width, height, "epoch", "")
        widest = len(f"{self.loss.max():.4f}")  # a run that nearly diverged has long losses
        self.value = LiveNumber(self.loss[0], "{:.4f}", SMALL_SIZE + 4, slots=max(10, widest))
        header = VGroup(label("Training loss", SMALL_SIZE + 4), label("MSE", SMALL_SIZE), self.value)
        header.arrange(RIGHT, buff=0.25).next_to(self.plot.y_axis, UP, buff=0.3).align_to(self.plot.y_axis, LEFT)
        self.curve = VMobject(stroke_color=LOSS_CURVE, stroke_width=4)
        self.marker = Dot(radius=0.08, color=LOSS_MARKER)
        self.static.add(self.plot.mobject, header[:2])
        self.live.add(self.curve, self.marker, self.value)
        self.set_epoch(0)

    def set_state(self, state) -> "LossPanel":
        return self.set_epoch(state.epoch, state.loss)

    def set_epoch(self, epoch: float, loss: float | None = None) -> "LossPanel":
        xs = np.minimum(self.xs, epoch)  # points past the epoch wait at the marker
        ys = np.interp(xs, np.arange(len(self.loss)), self.loss)
        loss = ys[-1] if loss is None else loss
        self.curve.set_points_as_corners(self.plot.points(xs, ys))
        self.marker.move_to(self.plot.points([epoch], [loss])[0])
        self.value.set_value(loss)
        return self
