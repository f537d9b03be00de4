"""LossPanel: the loss of every epoch up to the one shown, on a log axis when it spans decades;
for a classification, the accuracy too, on a right-hand axis from 0 to 100 %. With held-out
points the test loss and the test accuracy as second, dashed curves (each in its training
curve's colour for the accuracy), and their readouts in the legend."""
from __future__ import annotations

import numpy as np

from ..timeline import shown_accuracy, shown_test_accuracy, shown_test_loss
from ..layout import ACCURACY_AXIS, ACCURACY_TICKS, LOSS_LEGEND, accuracy_text, loss_axis, loss_note
from ..numbers import fmt_loss
from .panel import TITLE_SIZE, DashboardPanel, set_curve


class LossPanel(DashboardPanel):
    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        self.loss = history.loss
        self.epochs = np.arange(len(self.loss))
        (self.curve,) = ax.plot([], [], "-", color=self.theme.loss_curve, label="Loss")
        (self.marker,) = ax.plot([], [], "o", color=self.theme.loss_marker, markersize=8, clip_on=False)
        self.test_loss = history.test_loss  # None without held-out points
        self.test_curve = None
        if self.test_loss is not None:
            (self.test_curve,) = ax.plot([], [], "--", color=self.theme.test_loss, linewidth=1.8, label=LOSS_LEGEND[1])
            self.curve.set_label(LOSS_LEGEND[0])
        # The axis holds the test loss too: neither curve leaves it (set_curve would break them).
        self.axis = loss_axis(self.loss if self.test_loss is None else np.r_[self.loss, self.test_loss])
        if self.axis.log:
            ax.set_yscale("log")
        ax.set_title("Training Loss (log scale)" if self.axis.log else "Training Loss", fontsize=TITLE_SIZE)
        note = loss_note(history)
        ax.set_xlabel(f"Epoch ({note})" if note else "Epoch")
        ax.grid(True)
        ax.set_xlim(0, max(len(self.loss) - 1, 1))
        ax.set_ylim(self.axis.low, self.axis.high)
        self.accuracy = history.accuracy
        self.test_accuracy = history.test_accuracy
        self.accuracy_curve = self.test_accuracy_curve = None
        if history.problem.is_2d:  # 1-D runs are the seed's MSE regressions, drawn as they were
            ax.set_ylabel(history.problem.loss.name.capitalize())
        if self.test_loss is not None:
            ax.set_title(ax.get_title().replace("Training Loss", "Training and Test Loss"), fontsize=TITLE_SIZE)
        if self.accuracy is not None:
            self._accuracy_axis(ax)
        elif self.test_curve is not None:
            self.legend = ax.legend(handles=[self.curve, self.test_curve], loc="center right", fontsize=9,
                                    framealpha=0.85)
            self.names = [h.get_label() for h in self.legend.legend_handles]

    def _accuracy_axis(self, ax) -> None:
        """The accuracy on its own right-hand axis, 0 to 100 %, and a legend naming both curves."""
        theme = self.theme
        right = self.right = ax.twinx()
        right.set_ylim(*ACCURACY_AXIS)
        right.set_yticks(ACCURACY_TICKS, [accuracy_text(t) for t in ACCURACY_TICKS])
        right.set_ylabel("Accuracy", color=theme.accuracy)
        # Not clipped: at 100 % the curve runs along the frame, drawn whole.
        (self.accuracy_curve,) = right.plot([], [], "-", color=theme.accuracy, linewidth=1.8, clip_on=False,
                                            label="Accuracy")
        (self.accuracy_marker,) = right.plot([], [], "o", color=theme.accuracy, markersize=7, clip_on=False)
        self.curve.set_label(f"Loss ({self.history.problem.loss.name})")
        # Over the curves, so redrawn with them each frame.
        handles = [self.curve, self.accuracy_curve]
        if self.test_curve is not None:
            # The test accuracy dashed in the accuracy's colour, as the test loss is dashed beside the loss.
            (self.test_accuracy_curve,) = right.plot([], [], "--", color=theme.accuracy, linewidth=1.6, clip_on=False,
                                                     label=f"{LOSS_LEGEND[1]} accuracy")
            self.curve.set_label(f"{LOSS_LEGEND[0]} loss ({self.history.problem.loss.name})")
            self.test_curve.set_label(f"{LOSS_LEGEND[1]} loss")
            self.accuracy_curve.set_label(f"{LOSS_LEGEND[0]} accuracy")
            handles = [self.curve, self.test_curve, self.accuracy_curve, self.test_accuracy_curve]
        self.legend = right.legend(handles=handles, loc="center right", fontsize=9, framealpha=0.85)
        self.names = [h.get_label() for h in handles]
        ax.set_title(ax.get_title().replace(" Loss", " Loss and Accuracy"), fontsize=TITLE_SIZE)

    def changing_artists(self) -> list:
        test = [] if self.test_curve is None else [self.test_curve, self.legend]
        if self.accuracy_curve is None:
            return [self.curve, self.marker, *test]
        test_accuracy = [] if self.test_accuracy_curve is None else [self.test_accuracy_curve]
        return [self.curve, self.accuracy_curve, *test_accuracy, self.marker, self.accuracy_marker, *test, self.legend]

    def set_state(self, state) -> None:
        shown = int(np.floor(state.epoch + 1e-9)) + 1
        set_curve(self.curve, np.r_[self.epochs[:shown], state.epoch], np.r_[self.loss[:shown], state.loss],
                  self.axis.low, self.axis.high, self.axis.log)
        self.marker.set_data([state.epoch], [state.loss])
        if self.test_curve is not None:
            # Training's test loss of every epoch shown; between two, the tween's (timeline.shown_test_loss).
            test = shown_test_loss(self.history, state)
            set_curve(self.test_curve, np.r_[self.epochs[:shown], state.epoch], np.r_[self.test_loss[:shown], test],
                      self.axis.low, self.axis.high, self.axis.log)
            # The legend is the readout: each curve's name and its value at the frame, from training.
            values = [fmt_loss(state.loss), fmt_loss(test)]
            if self.accuracy is not None:
                test_accuracy = shown_test_accuracy(self.history, state)
                values += [accuracy_text(shown_accuracy(self.history, state)), accuracy_text(test_accuracy)]
                # Training's test accuracy of every epoch shown, ending at the frame's (as the accuracy's curve).
                between = [] if float(state.epoch).is_integer() else [test_accuracy]
                self.test_accuracy_curve.set_data(np.r_[self.epochs[:shown], [state.epoch] * len(between)],
                                                  np.r_[self.test_accuracy[:shown], between])
            for text, name, value in zip(self.legend.get_texts(), self.names, values):
                text.set_text(f"{name}: {value}")
        if self.accuracy_curve is not None:
            # Training's accuracy of every epoch shown; between two, the tween's (timeline.shown_accuracy).
            accuracy = shown_accuracy(self.history, state)
            between = [] if float(state.epoch).is_integer() else [accuracy]
            self.accuracy_curve.set_data(np.r_[self.epochs[:shown], [state.epoch] * len(between)],
                                         np.r_[self.accuracy[:shown], between])
            self.accuracy_marker.set_data([state.epoch], [accuracy])
