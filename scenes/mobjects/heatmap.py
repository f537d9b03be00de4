"""WeightHeatmap: one weight matrix as coloured cells, with values when the cells are large."""
from __future__ import annotations

import numpy as np
from manim import LEFT, UP, Rectangle, VGroup

from nnviz_core.layout import neuron_label
from nnviz_core.palette import Palette, text_color_on

from ..theme import LiveNumber, SMALL_SIZE, label, muted
from .network import rgb_colors, shown_label
from .panel import Panel

MIN_CELL_FOR_VALUES = (0.66, 0.3)  # width, height that a 20 pt "+0.00" needs


def layer_name(layers, layer: int) -> str:
    if layer == 0:
        return "x"
    if layer == len(layers) - 1:
        return "ŷ"
    return "h" if len(layers) == 3 else f"h{layer}"


class WeightHeatmap(Panel):
    """Weight matrix ``layer`` in the shared coolwarm palette; the long side is vertical.

        w1 = WeightHeatmap(history, layer=0)
        self.add(w1.set_state(history.at(0)))
        w1.set_state(history.at(5))  # cells recolour, values update
    """

    def __init__(self, history, layer: int, width: float = 2.5, height: float = 4.0,
                 palette: Palette | None = None):
        super().__init__()
        self.palette = palette or Palette.for_history(history)
        self.layer = layer
        layers = history.config.layers
        d_in, d_out = layers[layer], layers[layer + 1]
        self.transposed = d_in < d_out  # rows = the longer side
        rows, cols = (d_out, d_in) if self.transposed else (d_in, d_out)
        if cols == 1:  # a vector: cells may be wide enough to hold their values
            cell_w, cell_h = min(width, 1.0), min(height / rows, 0.6)
        else:
            cell_w = cell_h = min(width / cols, height / rows, 0.6)
        self.cells = VGroup(*(Rectangle(width=cell_w, height=cell_h, stroke_width=1, stroke_color="#ffffff",
                                        fill_opacity=1).move_to([c * cell_w, -r * cell_h, 0])
                              for r in range(rows) for c in range(cols)))
        self.values = VGroup()
        if cell_w >= MIN_CELL_FOR_VALUES[0] and cell_h >= MIN_CELL_FOR_VALUES[1]:
            self.values.add(*(LiveNumber(0, "{:+.2f}", SMALL_SIZE).move_to(sq) for sq in self.cells))
        row_layer = layer + 1 if self.transposed else layer
        first, last = (shown_label(neuron_label(layers, row_layer, k)) for k in (0, rows - 1))
        rows_named = muted(f"{first} … {last}" if rows > 1 else first)
        rows_named.rotate(np.pi / 2).next_to(self.cells, LEFT, buff=0.12)
        title = label(f"W{layer + 1}: {layer_name(layers, layer)} → {layer_name(layers, layer + 1)}", SMALL_SIZE + 2)
        title.next_to(VGroup(rows_named, self.cells), UP, buff=0.25)
        self.static.add(title, rows_named)
        self.live.add(self.cells, self.values)

    def matrix(self, state) -> np.ndarray:
        w = state.weights[self.layer]
        return w.T if self.transposed else w

    def set_state(self, state) -> "WeightHeatmap":
        values = self.matrix(state).ravel()
        rgbs = self.palette.weight_rgb(values)
        for cell, color in zip(self.cells, rgb_colors(rgbs)):
            cell.set_fill(color)
        for number, value, rgb in zip(self.values, values, rgbs):
            number.set_value(value).set_color(text_color_on(rgb))
        return self
