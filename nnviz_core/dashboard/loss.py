"""LossPanel: the loss of every epoch up to the one shown, on a log axis when it spans decades."""
from __future__ import annotations

import numpy as np

from ..layout import loss_axis
from .panel import TITLE_SIZE, DashboardPanel, set_curve


class LossPanel(DashboardPanel):
    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        self.loss = history.loss
        self.epochs = np.arange(len(self.loss))
        (self.curve,) = ax.plot([], [], "-", color=self.theme.loss_curve, label="Loss")
        (self.marker,) = ax.plot([], [], "o", color=self.theme.loss_marker, markersize=8, clip_on=False)
        self.axis = loss_axis(self.loss)
        if self.axis.log:
            ax.set_yscale("log")
        ax.set_title("Training Loss (log scale)" if self.axis.log else "Training Loss", fontsize=TITLE_SIZE)
        ax.set_xlabel("Epoch")
        ax.grid(True)
        ax.set_xlim(0, max(len(self.loss) - 1, 1))
        ax.set_ylim(self.axis.low, self.axis.high)

    def changing_artists(self) -> list:
        return [self.curve, self.marker]

    def set_state(self, state) -> None:
        shown = int(np.floor(state.epoch + 1e-9)) + 1
        set_curve(self.curve, np.r_[self.epochs[:shown], state.epoch], np.r_[self.loss[:shown], state.loss],
                  self.axis.low, self.axis.high, self.axis.log)
        self.marker.set_data([state.epoch], [state.loss])
