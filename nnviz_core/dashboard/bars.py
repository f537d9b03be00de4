"""BiasBars and GradientBars: bars around a zero line, coloured by sign like the video's."""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from .. import palette as pal
from ..layout import bias_bars, gradient_bars, gradient_name, gradient_values, network_layout
from ..numbers import axis_places, axis_scale, fmt_fixed, fmt_value, superscript
from .panel import TITLE_SIZE, DashboardPanel, sign_colours, thinned

MAX_VALUE_LABELS = 24  # more bars than this: no value labels (the axis reads them)


def bar_positions(bars) -> list[float]:
    """One slot per bar, with a gap where the layer changes."""
    positions, x = [], 0.0
    for k, bar in enumerate(bars):
        if k and bar.layer != bars[k - 1].layer:
            x += 0.6
        positions.append(x)
        x += 1
    return positions


def colour_by_sign(rects, values, theme: pal.Theme) -> None:
    negative, positive = sign_colours(theme)
    for rect, v in zip(rects, values):
        rect.set_height(v)
        rect.set_color(negative if v < 0 else positive)


class BiasBars(DashboardPanel):
    """The bias of every unit the diagram draws, on one fixed scale for the whole run."""

    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        self.bars = bias_bars(network_layout(history.config.layers))
        positions = bar_positions(self.bars)
        self.rects = list(ax.bar(positions, np.zeros(len(positions)), width=0.6))
        shown = thinned(len(self.bars), 24)
        many = len(self.bars) > 12
        ax.set_xticks([positions[k] for k in shown], [self.bars[k].label for k in shown],
                      rotation=90 if many else 0, fontsize=8 if many else 10)
        hidden = sum(history.config.layers[1:]) - len(self.bars)
        ax.set_title("Bias Values" + (f" (units drawn in the diagram; {hidden} more not shown)" if hidden else ""),
                     fontsize=TITLE_SIZE)
        ax.grid(True)
        top = 1.15 * (history.largest("biases") or 1.0)
        ax.set_ylim(-top, top)
        ax.axhline(0, color=self.theme.ink, linewidth=0.8)
        negative, positive = sign_colours(self.theme)
        self.legend = ax.legend(handles=[Patch(color=positive, label="positive bias"),
                                         Patch(color=negative, label="negative bias")],
                                loc="upper right", ncols=2, fontsize=9)

    def values(self, state) -> np.ndarray:
        return np.array([state.biases[b.layer][0, b.j] for b in self.bars])

    def set_state(self, state) -> None:
        colour_by_sign(self.rects, self.values(state), self.theme)


class GradientBars(DashboardPanel):
    """∂L/∂w of each weight, or, for a bigger network, the norm of each matrix's gradient. The
    bars are drawn as a share of the frame's largest (gradients shrink by orders of magnitude),
    which the title gives; each bar's label is its value, written as ×10ⁿ, never as 1e-05. The
    axis itself never changes, so frames redraw only the bars and the words."""

    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        self.bars = gradient_bars(history.config.layers)
        self.per_matrix = self.bars[0].i is None
        positions = bar_positions(self.bars)
        self.rects = list(ax.bar(positions, np.zeros(len(positions)), width=0.7))
        many = len(self.bars) > 12
        shown = thinned(len(self.bars), MAX_VALUE_LABELS)
        ax.set_xticks([positions[k] for k in shown], [self.bars[k].label for k in shown],
                      rotation=90 if many else 0, fontsize=8 if many else 10)
        ax.set_ylim(0 if self.per_matrix else -1.45, 1.45)
        ax.set_yticks([0, 0.5, 1] if self.per_matrix else [-1, -0.5, 0, 0.5, 1])
        ax.set_ylabel("share of the largest")
        ax.grid(True)
        ax.axhline(0, color=self.theme.ink, linewidth=0.8)
        self.title = ax.set_title("", fontsize=TITLE_SIZE)
        self.labels = [ax.text(p, 0, "", ha="center", fontsize=8, rotation=90 if many else 0)
                       for p in positions] if len(positions) <= MAX_VALUE_LABELS else []
        if self.per_matrix:
            for rect in self.rects:
                rect.set_color(self.theme.backward_flow)

    def values(self, state) -> np.ndarray:
        return gradient_values(self.bars, state.grad_weights)

    def set_state(self, state) -> None:
        values = self.values(state)
        largest_value = float(np.abs(values).max())
        top = largest_value or 1.0  # all zero (every unit dead): nothing to scale, and the title says 0
        p = axis_scale(top)
        unit = f" (×10{superscript(p)})" if p else ""
        name = gradient_name(self.history.config, "W" if self.per_matrix else "w")
        what = f"norm of each matrix's {name}" if self.per_matrix else f"{name} of each weight"
        largest = f"largest ‖{name}‖" if self.per_matrix else f"largest |{name}|"
        self.title.set_text(f"Weight Gradients: {what}{unit}\n(bars to scale; {largest} = {fmt_value(largest_value)})")
        shares = values / top
        if self.per_matrix:
            for rect, v in zip(self.rects, shares):
                rect.set_height(v)
        else:
            colour_by_sign(self.rects, shares, self.theme)
        scaled = values / 10.0 ** p
        places = axis_places(top / 10.0 ** p) + 1  # the largest bar: three significant digits
        for text, share, v in zip(self.labels, shares, scaled):
            text.set_text(fmt_fixed(v, places))
            text.set_y(share + 0.04 if share >= 0 else share - 0.04)
            text.set_va("bottom" if share >= 0 else "top")
