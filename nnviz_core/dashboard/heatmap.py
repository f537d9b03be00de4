"""WeightHeatmap: the first or the last weight matrix, rows = hidden units, with a colour bar."""
from __future__ import annotations

from matplotlib.colors import Normalize

from .. import palette as pal
from ..layout import feature_text, heatmap_cell_text, heatmap_transposed, neuron_label
from .panel import TITLE_SIZE, DashboardPanel, thinned

MIN_CELL_PT = (20, 9)  # a cell narrower or lower than this (in points, like its text) shows colour only


def matrix_name(index: int) -> str:
    return f"w{index + 1}"


class WeightHeatmap(DashboardPanel):
    """Each row one unit of the matrix's hidden side (``heatmap_transposed``), as in the seed
    and the video. Values, signed (``heatmap_cell_text``), are written in cells big enough to
    hold them; the colour bar reads every cell."""

    def __init__(self, ax, history, palette, first: bool):
        super().__init__(ax, history, palette)
        self.layers = layers = tuple(history.config.layers)
        self.first = first
        self.index = 0 if first else len(layers) - 2
        self.transposed = heatmap_transposed(layers, self.index)
        row_layer = self.index + 1 if self.transposed else self.index
        m = self.matrix(history.at_epoch(0))
        vmax = palette.weights.vmax
        self.image = ax.imshow(m, cmap=self.theme.cmap, norm=Normalize(-vmax, vmax), aspect="auto",
                               interpolation="nearest")
        ax.figure.colorbar(self.image, ax=ax, fraction=0.05, pad=0.02).ax.tick_params(labelsize=8)
        ax.set_title(self.title_text(), fontsize=TITLE_SIZE)
        rows, cols = m.shape
        ax.set_ylabel("Hidden Units" if 0 < row_layer < len(layers) - 1 else "Units")
        shown = thinned(rows, 16)
        ax.set_yticks(shown, [neuron_label(layers, row_layer, r) for r in shown])
        col_layer = self.index if self.transposed else self.index + 1
        if col_layer == 0 and history.problem.is_2d:  # 2-D inputs: named by their features
            ax.set_xlabel("Input")
            ax.set_xticks(range(cols), [feature_text(f) for f in history.problem.features])
        elif col_layer == 0:  # the one input: no tick to name
            ax.set_xticks([])
        else:
            ax.set_xlabel("Output Unit" if col_layer == len(layers) - 1 else "Units")
            shown = thinned(cols, 16)
            ax.set_xticks(shown, [neuron_label(layers, col_layer, c) for c in shown])
        self.cells = [(r, c, ax.text(c, r, "", ha="center", va="center", fontsize=10))
                      for r in range(rows) for c in range(cols)] if rows * cols <= 64 else []

    def title_text(self) -> str:
        n = len(self.layers) - 1
        if n == 1:
            return "Input → Output Weights"
        if n == 2:
            return "Input → Hidden Weights" if self.first else "Hidden → Output Weights"
        if self.first:
            return f"Input → Hidden 1 Weights ({matrix_name(0)}, first of {n} matrices)"
        return f"Hidden {n - 1} → Output Weights ({matrix_name(n - 1)}, last of {n} matrices)"

    def matrix(self, state):
        w = state.weights[self.index]
        return w.T if self.transposed else w

    def after_layout(self, renderer) -> None:
        box = self.ax.get_window_extent(renderer)
        rows, cols = self.image.get_array().shape
        points = 72 / self.ax.figure.dpi
        if box.width * points / cols < MIN_CELL_PT[0] or box.height * points / rows < MIN_CELL_PT[1]:
            for *_, text in self.cells:
                text.set_visible(False)
            self.cells = []

    def set_state(self, state) -> None:
        m = self.matrix(state)
        self.image.set_data(m)
        for r, c, text in self.cells:
            w = m[r, c]
            text.set_text(heatmap_cell_text(w))
            text.set_color(pal.text_color_on(self.palette.weight_rgb(w)))
