"""BiasBars and GradientBars: one bar per value around a zero line, coloured by sign (the
palette's two end colours), as the GIF draws them; the same bars as the GIF (the core's
``bias_bars`` and ``gradient_bars``).

Biases sit on one fixed scale for the whole History. Gradients shrink by orders of magnitude as
training converges, so their bars are scaled to the largest |∂L/∂w| of the State shown (a live
value says what that is, in units of 10ⁿ where it is tiny, never as 1e-05).
"""
from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, UP, Line, VGroup, VMobject

from nnviz_core.layout import bias_bars, gradient_bars, gradient_name, gradient_values, network_layout
from nnviz_core.numbers import fmt_value
from nnviz_core.palette import Palette, SymmetricNorm

from ..theme import SMALL_SIZE, LiveNumber, label, muted
from .network import rgb_colors
from .panel import Panel

MIN_TICK_SPACING = 0.55  # below this, neighbouring names like "h10" would touch


class BarPanel(Panel):
    """Bars around a zero line; subclasses say which values of a State they show."""

    def __init__(self, palette: Palette, names: list[str], vmax: float, title: str, width: float = 5.0,
                 height: float = 2.4, rescale: bool = False):
        super().__init__(palette)
        self.norm = SymmetricNorm(vmax)
        self.rescale = rescale  # scale each State to its own largest |value|
        self.zero_length, self.half_height = width, height / 2
        count = len(names)
        self.fractions = (np.arange(count) + 0.5) / count  # bar centres along the zero line
        self.half_bar = 0.35 / count
        self.zero = Line(width / 2 * LEFT, width / 2 * RIGHT, color=self.theme.muted_ink, stroke_width=2)
        self.rects = VGroup(*(VMobject(stroke_width=0, fill_opacity=1) for _ in names))  # drawn, one per bar
        below = [0, -self.half_height - 0.25, 0]
        if width / count >= MIN_TICK_SPACING:
            ticks = VGroup(*(muted(name, self.theme).move_to(self.zero.point_from_proportion(f) + below)
                             for f, name in zip(self.fractions, names)))
        else:
            ticks = VGroup(muted(f"{names[0]} … {names[-1]}  ({count} bars)", self.theme).move_to(below))
        heading = label(title, self.theme, SMALL_SIZE + 4).move_to([-width / 2, self.half_height + 0.35, 0], aligned_edge=LEFT)
        corner = [width / 2, self.half_height + 0.35, 0]
        widest = muted("±8.88×10⁻⁸" if rescale else f"±{fmt_value(vmax, 2)}", self.theme).width
        if heading.get_right()[0] + 0.2 > corner[0] - widest:  # a narrow panel: the title over the scale's row
            heading.shift((heading.height + 0.12) * UP)
        if rescale:
            self.scale_number = LiveNumber(vmax, self.scale_text, SMALL_SIZE, color=self.theme.muted_ink, slots=12)
            self.scale_number.move_to(corner, aligned_edge=RIGHT)
            self.static.add(self.zero, ticks, heading)
            self.live.add(self.rects, self.scale_number)
        else:
            scale = muted(f"±{fmt_value(vmax, 2)}", self.theme).move_to(corner, aligned_edge=RIGHT)
            self.static.add(self.zero, ticks, heading, scale)
            self.live.add(self.rects)

    @staticmethod
    def scale_text(vmax: float) -> str:
        """"±0.0123", or "±1.8×10⁻⁵" for a tiny largest value."""
        return "±" + fmt_value(vmax, 3)

    def values(self, state) -> np.ndarray:
        raise NotImplementedError

    def colours(self, values):
        return rgb_colors(self.palette.sign_rgb(values))

    def set_state(self, state) -> "BarPanel":
        values = self.values(state)
        if self.rescale:
            self.norm = SymmetricNorm(float(np.abs(values).max()))
            right = self.scale_number.get_right()
            self.scale_number.set_value(self.norm.vmax)
            self.scale_number.shift(right - self.scale_number.get_right())
        start, along = self.zero.get_start(), self.zero.get_end() - self.zero.get_start()
        scale = np.linalg.norm(along) / self.zero_length  # follows the panel if it was scaled
        heights = (2 * self.norm(values) - 1) * self.half_height * scale  # clipped at the scale
        half = self.half_bar * along
        for rect, fraction, h in zip(self.rects, self.fractions, heights):
            foot, up = start + fraction * along, np.array([0.0, h, 0.0])
            rect.set_points_as_corners([foot - half, foot + half, foot + half + up, foot - half + up, foot - half])
        for rect, color in zip(self.rects, self.colours(values)):
            rect.set_fill(color)
        return self


class BiasBars(BarPanel):
    """The bias of every unit the diagram draws, on the run's largest |b|.

        biases = BiasBars(history, palette)
        self.add(biases.set_state(history.at(0)))
        biases.set_state(history.at(10))
    """

    def __init__(self, history, palette: Palette, width: float = 5.0, height: float = 2.4):
        self.bars = bias_bars(network_layout(history.config.layers))
        super().__init__(palette, [b.label for b in self.bars], history.largest("biases"), "Biases", width, height)

    def values(self, state) -> np.ndarray:
        return np.array([state.biases[b.layer][0, b.j] for b in self.bars])


class GradientBars(BarPanel):
    """∂L/∂w for every weight of a small network, or the norm of each matrix's gradient for a
    bigger one, scaled to the State's largest value.

        grads = GradientBars(history, palette)
        self.add(grads.set_state(history.at(0)))
        grads.set_state(history.at(10))  # the "±" scale follows the shrinking gradients
    """

    def __init__(self, history, palette: Palette, width: float = 5.0, height: float = 2.4):
        self.bars = gradient_bars(history.config.layers)
        self.per_matrix = self.bars[0].i is None
        title = "Gradient norm per matrix" if self.per_matrix else f"Gradients {gradient_name(history.config)}"
        super().__init__(palette, [b.label for b in self.bars], history.largest("grad_weights"), title,
                         width, height, rescale=True)

    def values(self, state) -> np.ndarray:
        return gradient_values(self.bars, state.grad_weights)

    def colours(self, values):
        return [self.theme.backward_flow] * len(values) if self.per_matrix else super().colours(values)
