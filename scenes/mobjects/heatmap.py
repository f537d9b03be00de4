"""WeightHeatmap: one weight matrix as coloured cells, with values when the cells are large and
a colour bar when they are not."""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Rectangle, VGroup

from nnviz_core.layout import heatmap_cell_text, heatmap_transposed, neuron_label
from nnviz_core.numbers import fmt_value
from nnviz_core.palette import Palette, text_color_on

from ..theme import LiveNumber, SMALL_SIZE, label, muted
from .network import rgb_colors
from .panel import Panel

MIN_CELL_FOR_VALUES = (0.66, 0.3)  # width, height that a 20 pt "+0.00" needs


def layer_name(layers, layer: int) -> str:
    if layer == 0:
        return "x"
    if layer == len(layers) - 1:
        return "ŷ"
    return "h" if len(layers) == 3 else f"h{layer}"


def colour_bar(palette: Palette, height: float, steps: int = 24) -> VGroup:
    """A vertical strip of the weight map from −vmax (bottom) to +vmax (top), with both ends named."""
    vmax = palette.weights.vmax
    values = np.linspace(-vmax, vmax, steps)
    strip = VGroup(*(Rectangle(width=0.16, height=height / steps, stroke_width=0, fill_opacity=1,
                               fill_color=c) for c in rgb_colors(palette.weight_rgb(values))))
    strip.arrange(UP, buff=0)
    top = muted(f"+{fmt_value(vmax, 2)}", palette.theme).next_to(strip, UP, buff=0.08)
    bottom = muted(f"−{fmt_value(vmax, 2)}", palette.theme).next_to(strip, DOWN, buff=0.08)
    return VGroup(strip, top, bottom)


class WeightHeatmap(Panel):
    """Weight matrix ``layer`` in the run's weight map; each row one unit of its hidden side
    (``heatmap_transposed``), each value signed (``heatmap_cell_text``), as in the GIF.

        w1 = WeightHeatmap(history, palette, layer=0)
        self.add(w1.set_state(history.at(0)))
        w1.set_state(history.at(5))  # cells recolour, values update
    """

    def __init__(self, history, palette: Palette, layer: int, width: float = 2.5, height: float = 4.0):
        super().__init__(palette)
        self.layer = layer
        layers = history.config.layers
        d_in, d_out = layers[layer], layers[layer + 1]
        self.transposed = heatmap_transposed(layers, layer)
        rows, cols = (d_out, d_in) if self.transposed else (d_in, d_out)
        if cols == 1:  # a vector: cells may be wide enough to hold their values
            cell_w, cell_h = min(width, 1.0), min(height / rows, 0.6)
        else:
            cell_w = cell_h = min(width / cols, height / rows, 0.6)
        self.cells = VGroup(*(Rectangle(width=cell_w, height=cell_h, stroke_width=1, stroke_color=self.theme.background,
                                        fill_opacity=1).move_to([c * cell_w, -r * cell_h, 0])
                              for r in range(rows) for c in range(cols)))
        self.values = VGroup()
        if cell_w >= MIN_CELL_FOR_VALUES[0] and cell_h >= MIN_CELL_FOR_VALUES[1]:
            self.values.add(*(LiveNumber(0, heatmap_cell_text, SMALL_SIZE, color=self.theme.ink).move_to(sq)
                              for sq in self.cells))
        row_layer = layer + 1 if self.transposed else layer
        first, last = (neuron_label(layers, row_layer, k) for k in (0, rows - 1))
        rows_named = muted(f"{first} … {last}" if rows > 1 else first, self.theme)
        rows_named.rotate(np.pi / 2).next_to(self.cells, LEFT, buff=0.12)
        title = label(f"w{layer + 1}: {layer_name(layers, layer)} → {layer_name(layers, layer + 1)}", self.theme, SMALL_SIZE + 2)
        title.next_to(VGroup(rows_named, self.cells), UP, buff=0.25)
        self.static.add(title, rows_named)
        if not self.values:  # colours only: a colour bar reads them
            self.static.add(colour_bar(self.palette, min(self.cells.height, 2.0)).next_to(self.cells, RIGHT, buff=0.15))
        self.live.add(self.cells, self.values)

    def matrix(self, state) -> np.ndarray:
        w = state.weights[self.layer]
        return w.T if self.transposed else w

    def set_state(self, state) -> "WeightHeatmap":
        values = self.matrix(state).ravel()
        rgbs = self.palette.weight_rgb(values)
        for cell, color in zip(self.cells, rgb_colors(rgbs)):
            cell.set_fill(color)
        for number, value, rgb, cell in zip(self.values, values, rgbs, self.cells):
            # Centred again: "0" (an exact zero) is narrower than "+0.42"
            number.set_value(value).set_color(text_color_on(rgb)).move_to(cell)
        return self
