"""DataFitPanel: the training points and the network's prediction curve."""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Circle, Dot, Line, VGroup, VMobject

from nnviz_core.layout import fit_y_range, padded
from nnviz_core.palette import HELD_OUT_CAPTION, HELD_OUT_STROKE, Palette

from ..theme import SMALL_SIZE, label
from .panel import OffPlotMarks, Panel, PlotArea


class DataFitPanel(Panel):
    """Blue training points and the red prediction on the History's input grid. The y-range is
    fixed for the run and holds every prediction, or marks where the curve leaves it.

        fit = DataFitPanel(history, palette, width=5.5, height=3)
        self.add(fit.set_state(history.at(0)))
        fit.set_state(history.at(history.epochs))  # the curve moves, the points stay
    """

    def __init__(self, history, palette: Palette, width: float = 5.5, height: float = 3.2, title: str = "Data fit"):
        super().__init__(palette)
        self.grid_x = history.grid[:, 0]
        x, y = history.X[:, 0], history.y[:, 0]
        every_x = np.r_[x, history.X_test[:, 0]]  # the held-out points are drawn too
        self.plot = PlotArea(padded(every_x.min(), every_x.max(), 0.04), padded(*fit_y_range(history)),
                             width, height, "x", "y", self.theme)
        dots = max(0.35, self.theme.data_alpha)  # translucent, so the curve reads over them
        self.dots = VGroup(*(Dot(p, radius=0.045, color=self.theme.data_points, fill_opacity=dots)
                             for p in self.plot.points(x, y)))
        self.test_dots = VGroup(*(hollow_dot(p, self.theme.data_points)
                                  for p in self.plot.points(history.X_test[:, 0], history.y_test[:, 0])))
        heading = label(title, self.theme, SMALL_SIZE + 4)
        legend = VGroup(Dot(radius=0.06, color=self.theme.data_points, fill_opacity=0.5), label("data", self.theme, SMALL_SIZE),
                        Line(0.2 * LEFT, 0.2 * RIGHT, color=self.theme.prediction, stroke_width=5),
                        label("prediction", self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.12)
        legend[2].shift(0.1 * RIGHT)
        legend[3].shift(0.1 * RIGHT)
        header = VGroup(heading, legend).arrange(RIGHT, buff=0.5)
        header.next_to(self.plot.y_axis, UP, buff=0.45).align_to(self.plot.y_axis, LEFT)
        if len(self.test_dots):  # the caption of the hollow points, under the legend, clear of "y"
            header.add(VGroup(hollow_dot(np.zeros(3), self.theme.data_points, 0.06),
                              label(HELD_OUT_CAPTION, self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.12)
                       .next_to(legend, DOWN, buff=0.1, aligned_edge=LEFT))
        self.curve = VMobject(stroke_color=self.theme.prediction, stroke_width=5)
        self.curve.set_points_as_corners(self.plot.points(self.grid_x, np.zeros_like(self.grid_x)))
        self.marks = OffPlotMarks(self.plot)
        self.static.add(self.plot.mobject, self.dots, self.test_dots, header)
        self.live.add(self.curve, self.marks)

    def set_state(self, state) -> "DataFitPanel":
        prediction = state.prediction[:, 0]
        self.plot.set_curve(self.curve, self.grid_x, prediction)
        self.marks.show(self.grid_x, prediction)
        return self

    def point(self, x: float, y: float) -> np.ndarray:
        return self.plot.points([x], [y])[0]


def hollow_dot(at, colour: str, radius: float = 0.05) -> Circle:
    """A held-out point: the training points' colour, outline only (palette.HELD_OUT_STROKE)."""
    return Circle(radius=radius, stroke_color=colour, stroke_width=HELD_OUT_STROKE, fill_opacity=0).move_to(at)
