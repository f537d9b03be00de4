"""DataFitPanel: the training points and the network's prediction on a dense grid."""
from __future__ import annotations

from ..layout import fit_y_range, padded
from ..numbers import fmt_loss
from .panel import TITLE_SIZE, DashboardPanel, OffPlotMarks, epoch_text, set_curve


class DataFitPanel(DashboardPanel):
    """Blue points, the red prediction, the epoch and the loss; the y-range is fixed for the
    run and covers every prediction, or marks where the curve leaves it."""

    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        h = history
        ax.scatter(h.X[:, 0], h.y[:, 0], color=self.theme.data_points, alpha=self.theme.data_alpha, label="True Data")
        (self.line,) = ax.plot(h.grid[:, 0], h.grid[:, 0] * 0, color=self.theme.prediction, linewidth=2,
                               label="Prediction")
        # Beside the plot, as the contributions panel's: inside it would cover the off-plot marks.
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.85)
        ax.grid(True)
        ax.set_xlim(*padded(h.grid[0, 0], h.grid[-1, 0], 0.025))
        self.ylim = padded(*fit_y_range(h))
        ax.set_ylim(*self.ylim)
        self.title = ax.set_title("", fontsize=TITLE_SIZE)
        self.marks = OffPlotMarks(ax, *self.ylim, self.theme)

    def changing_artists(self) -> list:
        """The curve, its marks and the title: the points under them are drawn once."""
        return [self.line, *self.marks.all(), self.title]

    def set_state(self, state) -> None:
        prediction = state.prediction[:, 0]
        set_curve(self.line, self.history.grid[:, 0], prediction, *self.ylim)
        self.marks.show(self.history.grid[:, 0], prediction)
        self.title.set_text(f"Data Fit (Epoch {epoch_text(state.epoch)})\nLoss: {fmt_loss(state.loss)}")
