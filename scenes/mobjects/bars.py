"""BiasBars and GradientBars: one bar per value around a zero line, coloured by sign (the
palette's two end colours), as the GIF draws them.

Biases sit on one fixed scale for the whole History. Gradients shrink by orders of magnitude as
training converges, so their bars are scaled to the largest |∂L/∂w| of the State shown (a live
"±" value says what that is).
"""
from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, Line, VGroup, VMobject

from nnviz_core.layout import neuron_label, weight_label
from nnviz_core.palette import MUTED_INK, Palette, SymmetricNorm, sign_rgb

from ..theme import SMALL_SIZE, LiveNumber, label, muted
from .network import rgb_colors, shown_label
from .panel import Panel

MIN_TICK_SPACING = 0.55  # below this, neighbouring names like "h10" would touch


class BarPanel(Panel):
    """Bars around a zero line; subclasses say which values of a State they show."""

    def __init__(self, history, names: list[str], vmax: float, title: str,
                 width: float = 5.0, height: float = 2.4, rescale: bool = False):
        super().__init__()
        self.norm = SymmetricNorm(vmax)
        self.rescale = rescale  # scale each State to its own largest |value|
        self.zero_length, self.half_height = width, height / 2
        count = len(names)
        self.fractions = (np.arange(count) + 0.5) / count  # bar centres along the zero line
        self.half_bar = 0.35 / count
        self.zero = Line(width / 2 * LEFT, width / 2 * RIGHT, color=MUTED_INK, stroke_width=2)
        self.bars = VGroup(*(VMobject(stroke_width=0, fill_opacity=1) for _ in names))
        below = [0, -self.half_height - 0.25, 0]
        if width / count >= MIN_TICK_SPACING:
            ticks = VGroup(*(muted(name).move_to(self.zero.point_from_proportion(f) + below)
                             for f, name in zip(self.fractions, names)))
        else:
            ticks = VGroup(muted(f"{names[0]} … {names[-1]}  ({count} bars)").move_to(below))
        heading = label(title, SMALL_SIZE + 4).move_to([-width / 2, self.half_height + 0.35, 0], aligned_edge=LEFT)
        corner = [width / 2, self.half_height + 0.35, 0]
        if rescale:
            self.scale_number = LiveNumber(vmax, "{:.4f}", SMALL_SIZE, color=MUTED_INK)
            self.scale_number.move_to(corner, aligned_edge=RIGHT)
            plus_minus = muted("±").next_to(self.scale_number, LEFT, buff=0.05)
            self.static.add(self.zero, ticks, heading, plus_minus)
            self.live.add(self.bars, self.scale_number)
        else:
            scale = muted(f"±{vmax:.2g}").move_to(corner, aligned_edge=RIGHT)
            self.static.add(self.zero, ticks, heading, scale)
            self.live.add(self.bars)

    def values(self, state) -> np.ndarray:
        raise NotImplementedError

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
        for bar, fraction, h in zip(self.bars, self.fractions, heights):
            foot, up = start + fraction * along, np.array([0.0, h, 0.0])
            bar.set_points_as_corners([foot - half, foot + half, foot + half + up, foot - half + up, foot - half])
        for bar, color in zip(self.bars, rgb_colors(sign_rgb(values))):
            bar.set_fill(color)
        return self


def neuron_names(layers) -> list[str]:
    return [shown_label(neuron_label(layers, l, i)) for l in range(1, len(layers)) for i in range(layers[l])]


class BiasBars(BarPanel):
    """Every bias of every layer after the input, on the run's largest |b|.

        biases = BiasBars(history)
        self.add(biases.set_state(history.at(0)))
        biases.set_state(history.at(10))
    """

    def __init__(self, history, width: float = 5.0, height: float = 2.4):
        vmax = Palette.for_history(history).biases.vmax
        super().__init__(history, neuron_names(history.config.layers), vmax, "Biases", width, height)

    def values(self, state) -> np.ndarray:
        return np.concatenate([b.ravel() for b in state.biases])


class GradientBars(BarPanel):
    """∂L/∂w for every weight (layer by layer), scaled to the State's largest |∂L/∂w|.

        grads = GradientBars(history)
        self.add(grads.set_state(history.at(0)))
        grads.set_state(history.at(10))  # the "±" scale follows the shrinking gradients
    """

    def __init__(self, history, width: float = 5.0, height: float = 2.4):
        layers = history.config.layers
        names = [weight_label(layers, l, i, j)
                 for l in range(len(layers) - 1) for i in range(layers[l]) for j in range(layers[l + 1])]
        vmax = Palette.for_history(history).grads.vmax
        super().__init__(history, names, vmax, "Gradients ∂L/∂w", width, height, rescale=True)

    def values(self, state) -> np.ndarray:
        return np.concatenate([g.ravel() for g in state.grad_weights])
