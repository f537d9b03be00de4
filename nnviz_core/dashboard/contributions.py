"""ContributionsPanel: the prediction as the sum of what each last-hidden unit adds, plus the
output bias; where each unit switches, and which units are dead."""
from __future__ import annotations

import numpy as np

from .. import palette as pal
from ..layout import contribution_curves, contribution_styles, contributions_range, network_layout, padded, switch_text
from .panel import TITLE_SIZE, DashboardPanel, OffPlotMarks, epoch_text, set_curve

MINOR_LINE = "-."


class ContributionsPanel(DashboardPanel):
    """ŷ(x) = b_out + Σ_j w_out[j] · a_j(x): one coloured curve per unit the diagram draws, one
    grey curve for the units behind its ellipsis, the output bias as a flat line, and their sum in
    red. Triangles on the x axis mark where each drawn unit switches; dead units are faded."""

    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        self.layout = network_layout(history.config.layers)
        x = history.grid[:, 0]
        self.x = x
        state = history.at_epoch(0)
        self.units = contribution_curves(state, self.layout)
        self.styles = contribution_styles(history, self.layout, self.theme)
        self.lines, colours = [], []
        for (label, index, values), style in zip(self.units, self.styles):
            # Minor units (past the palette's size): thin dash-dots, unlike the bias's dashes.
            (line,) = ax.plot(x, values, color=style.colour, linewidth=0.9 if style.minor else 1.6, label=label,
                              linestyle=MINOR_LINE if style.minor else "-")
            self.lines.append(line)
            colours.append(style.colour)
        (self.bias,) = ax.plot(x, x * 0, color=self.theme.output_bias, linewidth=1.4, linestyle="--",
                               label="output bias")
        (self.total,) = ax.plot(x, x * 0, color=self.theme.prediction, linewidth=2.6, label="sum = prediction")
        self.ylim = padded(*contributions_range(history, self.layout))
        ax.set_ylim(*self.ylim)
        ax.set_xlim(*padded(x[0], x[-1], 0.025))
        ax.grid(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.85)  # beside the plot
        self.switches = []
        for k, (_, index, _) in enumerate(self.units):
            if index is None:
                continue
            (tick,) = ax.plot([], [], "^", color=self.styles[k].colour, markersize=8, clip_on=False, zorder=5,
                              transform=ax.get_xaxis_transform())
            tick.set_in_layout(False)  # on the x axis, inside the plot's frame
            self.switches.append((tick, index))
        self.title = ax.set_title("", fontsize=TITLE_SIZE)
        self.marks = OffPlotMarks(ax, *self.ylim, self.theme, colours=[*colours, self.theme.output_bias, self.theme.prediction])

    def set_state(self, state) -> None:
        curves = contribution_curves(state, self.layout)
        dead = state.dead_units()[-1] if len(state.dead_units()) else np.zeros(0, bool)
        extremes = []
        for line, (_, index, values), style in zip(self.lines, curves, self.styles):
            set_curve(line, self.x, values, *self.ylim)
            is_dead = index is not None and bool(dead[index])
            line.set_alpha(pal.DEAD_ALPHA if is_dead else 1.0)
            line.set_linestyle(":" if is_dead else MINOR_LINE if style.minor else "-")
            extremes.append(values)
        b = float(state.biases[-1][0, 0])
        bias = np.full_like(self.x, b)
        set_curve(self.bias, self.x, bias, *self.ylim)
        set_curve(self.total, self.x, state.prediction[:, 0], *self.ylim)
        switch = state.switch_points()[-1] if len(state.weights) > 1 else np.zeros(0)
        for tick, index in self.switches:
            at = switch[index]
            tick.set_data([at] if np.isfinite(at) else [], [0.0] if np.isfinite(at) else [])
        self.marks.show(self.x, np.array(extremes + [bias, state.prediction[:, 0]]))
        n_dead = int(dead.sum())
        dead_text = f"; {n_dead} dead unit{'s' if n_dead != 1 else ''} (faded)" if n_dead else ""
        self.title.set_text(f"What each unit adds (Epoch {epoch_text(state, self.history.epochs)})\n"
                            f"ŷ = output bias + Σ units; ▲ {switch_text(self.history.config.activation, 'a unit', short=True)}{dead_text}")
