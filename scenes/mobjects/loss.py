"""LossPanel: the loss curve up to the epoch shown, on a log axis when it spans decades."""
from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, UP, Dot, VGroup, VMobject

from nnviz_core.layout import loss_axis
from nnviz_core.numbers import fmt_loss
from nnviz_core.palette import Palette

from ..theme import LiveNumber, SMALL_SIZE, label
from .panel import Panel, PlotArea

CURVE_POINTS = 400  # at most this many points: each frame stays cheap


def envelope(loss, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` real (epoch, loss) points that draw the curve: every epoch when they fit,
    else each bin's lowest and highest epoch in order, so oscillations and spikes stay visible."""
    epochs = np.arange(len(loss))
    if len(loss) <= most:
        return epochs.astype(float), np.asarray(loss, float)
    picks = {0, len(loss) - 1}
    for chunk in np.array_split(epochs, most // 2 - 1):
        picks |= {int(chunk[np.argmin(loss[chunk])]), int(chunk[np.argmax(loss[chunk])])}
    picks = np.array(sorted(picks))
    return picks.astype(float), np.asarray(loss, float)[picks]


class LossPanel(Panel):
    """The real loss at every epoch, drawn up to the State's (fractional) epoch; the marker and
    the value are the State's own loss. A loss spanning more than 20x gets a log axis.

        losses = LossPanel(history, palette, width=5.5, height=2.5)
        self.add(losses.set_state(history.at(0)))
        losses.set_state(history.at(3.5))  # curve grows, marker moves, value updates
    """

    def __init__(self, history, palette: Palette, width: float = 5.5, height: float = 2.6):
        super().__init__(palette)
        self.loss = history.loss
        epochs = max(len(self.loss) - 1, 1)
        self.xs, self.ys = envelope(self.loss, CURVE_POINTS)
        self.axis = loss_axis(self.loss)
        self.plot = PlotArea((0, epochs), (self.axis.low, self.axis.high), width, height, "epoch",
                             "log scale" if self.axis.log else "", self.theme, log_ticks=self.axis.ticks if self.axis.log else None)
        widest = max(len(fmt_loss(v)) for v in (self.loss.max(), self.loss.min()))
        self.value = LiveNumber(self.loss[0], fmt_loss, SMALL_SIZE + 4, color=self.theme.ink,
                                slots=max(10, widest + 2))
        header = VGroup(label("Training loss", self.theme, SMALL_SIZE + 4), label("MSE", self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.25)
        header.next_to(self.plot.y_axis, UP, buff=0.55 if self.axis.log else 0.3).align_to(self.plot.y_axis, LEFT)
        # The value is right-aligned to the plot's right edge, so a long one grows leftwards.
        self.value.move_to(header, coor_mask=UP).align_to(self.plot.x_axis, RIGHT)
        self.curve = VMobject(stroke_color=self.theme.loss_curve, stroke_width=4)
        self.marker = Dot(radius=0.08, color=self.theme.loss_marker)
        self.static.add(self.plot.mobject, header)
        self.live.add(self.curve, self.marker, self.value)
        self.set_epoch(0, float(self.loss[0]))

    def set_state(self, state) -> "LossPanel":
        return self.set_epoch(state.epoch, state.loss)

    def set_epoch(self, epoch: float, loss: float) -> "LossPanel":
        """The curve through every real epoch loss up to ``epoch``, ending at ``loss``."""
        before = self.xs < epoch
        self.plot.set_curve(self.curve, np.r_[self.xs[before], epoch], np.r_[self.ys[before], loss])
        self.marker.move_to(self.plot.points([epoch], [loss])[0])
        right = self.value.get_right()
        self.value.set_value(loss)
        self.value.shift(right - self.value.get_right())
        return self
