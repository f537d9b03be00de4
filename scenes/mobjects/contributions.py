"""ContributionsPanel: the prediction as the output bias plus what each last-hidden unit adds."""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, Triangle, VGroup, VMobject

from nnviz_core.layout import contribution_curves, contribution_styles, contributions_range, network_layout, padded
from nnviz_core.palette import DEAD_ALPHA, Palette

from ..theme import SMALL_SIZE, label, muted
from .panel import OffPlotMarks, Panel, PlotArea

UNIT_WIDTH, MINOR_WIDTH, SUM_WIDTH = 3.5, 2, 6
MINOR_DASH = 0.08  # a minor unit's dashes and gaps, in scene units
TAG_GAP = 0.12  # between a unit's name and its "dead" tag


class ContributionsPanel(Panel):
    """ŷ(x) = b_out + Σ_j w_out[j] · a_j(x), drawn: one curve per last-hidden unit the network
    diagram draws (in the colour of the tab on its neuron), one grey curve for the units behind
    the diagram's ellipsis, the output bias as a flat dashed line, and their sum, the prediction,
    in red. A triangle on the x axis marks where each unit switches; dead units are faded and
    named as dead.

        parts = ContributionsPanel(history, palette, width=6, height=4)
        self.add(parts.set_state(history.at(history.epochs)))
        parts.set_state(history.at(10))  # curves bend, kinks slide, units switch on and off
    """

    def __init__(self, history, palette: Palette, width: float = 6.0, height: float = 4.0, max_shown: int = 10):
        super().__init__(palette)
        self.layout = network_layout(history.config.layers, max_shown)
        self.grid_x = history.grid[:, 0]
        first = contribution_curves(history.at_epoch(0), self.layout)
        # The legend first: each unit's name in its colour (the plot takes the width it leaves).
        self.names = VGroup(*(label(name, self.theme, SMALL_SIZE) for name, _, _ in first)).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        if self.names.height > height:
            self.names.scale_to_fit_height(height)
        x = history.X[:, 0]
        # "dead" beside a unit's name while it is: the plot leaves room for it too
        self.dead_tags = VGroup(*(muted("dead", self.theme, SMALL_SIZE - 4).set_opacity(0.0) for _ in self.names))
        tag_room = self.dead_tags[0].width + TAG_GAP
        self.plot = PlotArea(padded(x.min(), x.max(), 0.04), padded(*contributions_range(history, self.layout)),
                             width - self.names.width - tag_room - 0.5, height, "x", "", self.theme)
        self.styles = contribution_styles(history, self.layout, self.theme)
        self.colours = [style.colour for style in self.styles]
        self.units = [index for _, index, _ in first]
        self.unit_curves = VGroup(*(VMobject(stroke_color=style.colour,
                                             stroke_width=MINOR_WIDTH if style.minor else UNIT_WIDTH)
                                    for style in self.styles))
        self.bias_line = VMobject(stroke_color=self.theme.output_bias, stroke_width=3)
        self.total = VMobject(stroke_color=self.theme.prediction, stroke_width=SUM_WIDTH)
        base = self.plot.points([self.grid_x[0]], [self.plot.y_span[0]])[0][1]
        self.switch_marks = VGroup(*(Triangle(fill_color=c, fill_opacity=1, stroke_width=0).scale(0.08)
                                     .move_to([0, base + 0.08, 0])
                                     for c, index in zip(self.colours, self.units) if index is not None))
        for text, colour in zip(self.names, self.colours):
            text.set_color(colour)
        self.names.next_to(self.plot.x_axis.get_end(), RIGHT, buff=0.5).align_to(self.plot.y_axis.get_end(), UP)
        for text, tag in zip(self.names, self.dead_tags):
            tag.next_to(text, RIGHT, buff=TAG_GAP)
        bias_key = VGroup(Line(0.2 * LEFT, 0.2 * RIGHT, stroke_color=self.theme.output_bias, stroke_width=3),
                          label("output bias", self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1)
        sum_key = VGroup(Line(0.2 * LEFT, 0.2 * RIGHT, stroke_color=self.theme.prediction, stroke_width=5),
                         label("sum = prediction", self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1)
        keys = VGroup(sum_key, bias_key).arrange(RIGHT, buff=0.4)
        keys.next_to(self.plot.y_axis, UP, buff=0.3).align_to(self.plot.y_axis, LEFT)
        self.marks = OffPlotMarks(self.plot, colours=[*self.colours, self.theme.output_bias, self.theme.prediction])
        self.static.add(self.plot.mobject, keys, self.names)
        self.live.add(self.bias_line, self.unit_curves, self.total, self.switch_marks, self.dead_tags, self.marks)
        self.dead = np.zeros(len(self.units), bool)

    def draw(self, curve, values, dash: float | None = None):
        """``curve`` drawn through ``values`` on the grid, broken where it leaves the plot."""
        return self.plot.set_curve(curve, self.grid_x, values, dash=dash)

    def set_state(self, state) -> "ContributionsPanel":
        curves = contribution_curves(state, self.layout)
        dead_units = state.dead_units()
        dead = dead_units[-1] if dead_units else np.zeros(0, bool)
        self.dead = np.array([index is not None and bool(dead[index]) for index in self.units])
        for curve, (_, _, values), is_dead, style in zip(self.unit_curves, curves, self.dead, self.styles):
            self.draw(curve, values, MINOR_DASH if style.minor else None)
            curve.set_stroke(opacity=DEAD_ALPHA if is_dead else 1.0)
        for tag, is_dead in zip(self.dead_tags, self.dead):
            tag.set_opacity(1.0 if is_dead else 0.0)
        b = float(state.biases[-1][0, 0])
        self.draw(self.bias_line, np.full_like(self.grid_x, b))
        self.draw(self.total, state.prediction[:, 0])
        switches = state.switch_points()[-1] if len(state.weights) > 1 else np.zeros(0)
        shown = [index for index in self.units if index is not None]
        base = self.plot.points([self.grid_x[0]], [self.plot.y_span[0]])[0]
        for mark, index in zip(self.switch_marks, shown):
            at = switches[index]
            visible = bool(np.isfinite(at))
            mark.set_fill(opacity=1.0 if visible else 0.0)
            if visible:
                mark.move_to(self.plot.points([at], [self.plot.y_span[0]])[0] + [0, 0.08, 0])
            else:
                mark.move_to(base + [0, 0.08, 0])
        self.marks.show(self.grid_x, np.array([v for _, _, v in curves] + [np.full_like(self.grid_x, b),
                                                                             state.prediction[:, 0]]))
        return self

    def running_sum(self, state, count: int) -> np.ndarray:
        """The output bias plus the first ``count`` curves, on the grid."""
        curves = contribution_curves(state, self.layout)
        total = np.full_like(self.grid_x, float(state.biases[-1][0, 0]))
        for _, _, values in curves[:count]:
            total = total + values
        return total
