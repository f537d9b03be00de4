"""LossPanel: the loss curve up to the epoch shown, on a log axis when it spans decades; for a
classification the accuracy too, on a right-hand axis; with held-out points the test loss (and
the test accuracy, in the accuracy's colour) as second, dashed curves, and their readouts."""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedLine, Dot, Line, Text, VGroup, VMobject

from nnviz_core.layout import ACCURACY_AXIS, ACCURACY_TICKS, LOSS_LEGEND, accuracy_text, loss_axis, loss_note
from nnviz_core.numbers import fmt_loss
from nnviz_core.palette import Palette
from nnviz_core.timeline import shown_accuracy, shown_test_accuracy, shown_test_loss

from ..theme import LiveNumber, SMALL_SIZE, fitted, label
from .panel import Panel, PlotArea, dashes

CURVE_POINTS = 400  # at most this many points: each frame stays cheap
TEST_DASH = 0.1  # the test curves' dashes, scene units
ROW_GAP = 0.12  # between rows of readouts


def envelope(loss, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` real (epoch, loss) points that draw the curve: every epoch when they fit,
    else each bin's lowest and highest epoch in order, so oscillations and spikes stay visible."""
    epochs = np.arange(len(loss))
    if len(loss) <= most:
        return epochs.astype(float), np.asarray(loss, float)
    picks = {0, len(loss) - 1}
    for chunk in np.array_split(epochs, most // 2 - 1):
        picks |= {int(chunk[np.argmin(loss[chunk])]), int(chunk[np.argmax(loss[chunk])])}
    picks = np.array(sorted(picks))
    return picks.astype(float), np.asarray(loss, float)[picks]


class LossPanel(Panel):
    """The real loss at every epoch, drawn up to the State's (fractional) epoch; the marker and
    the value are the State's own loss. A loss spanning more than 20x gets a log axis. A
    classification's accuracy is drawn the same way on a right-hand axis from 0 to 100 %
    (``timeline.shown_accuracy``), its value beside the loss's.

        losses = LossPanel(history, palette, width=5.5, height=2.5)
        self.add(losses.set_state(history.at(0)))
        losses.set_state(history.at(3.5))  # curve grows, marker moves, value updates
    """

    def __init__(self, history, palette: Palette, width: float = 5.5, height: float = 2.6):
        super().__init__(palette)
        self.loss = history.loss
        epochs = max(len(self.loss) - 1, 1)
        self.xs, self.ys = envelope(self.loss, CURVE_POINTS)
        self.test_loss = history.test_loss  # None without held-out points
        # The axis holds the test loss too: neither curve leaves it (set_curve would break them).
        self.axis = loss_axis(self.loss if self.test_loss is None else np.r_[self.loss, self.test_loss])
        self.plot = PlotArea((0, epochs), (self.axis.low, self.axis.high), width, height, "epoch",
                             "log scale" if self.axis.log else "", self.theme, log_ticks=self.axis.ticks if self.axis.log else None)
        widest = max(len(fmt_loss(v)) for v in (self.loss.max(), self.loss.min()))
        self.value = LiveNumber(self.loss[0], fmt_loss, SMALL_SIZE + 4, color=self.theme.ink,
                                slots=max(10, widest + 2))
        name = history.problem.loss.name if history.is_classification else "MSE"
        title = "Training loss" if self.test_loss is None else "Loss"
        header = VGroup(label(title, self.theme, SMALL_SIZE + 4), label(name, self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.25)
        self.accuracy = history.accuracy  # None for a regression
        over = VGroup(self.plot.y_axis, *([self.plot.y_label] if self.plot.y_label else []))  # "log scale"
        header.next_to(over, UP, buff=0.16 if self.plot.y_label else 0.3).align_to(self.plot.y_axis, LEFT)
        # The value is right-aligned to the plot's right edge, so a long one grows leftwards.
        self.value.move_to(header, coor_mask=UP).align_to(self.plot.x_axis, RIGHT)
        widest = self.value.copy().set_value(max(self.loss, key=lambda v: len(fmt_loss(v)))).width
        if header.get_right()[0] + 0.2 > self.value.get_right()[0] - widest:  # a narrow panel: the header over the value's row
            header.shift((self.value.height + 0.15) * UP)
        self.curve = VMobject(stroke_color=self.theme.loss_curve, stroke_width=4)
        self.marker = Dot(radius=0.08, color=self.theme.loss_marker)
        self.static.add(self.plot.mobject, header)
        self.history = history
        if self.accuracy is not None:
            self.add_accuracy_axis(header)
        self.live.add(self.curve, self.marker, self.value)
        if self.test_loss is not None:
            self.add_test_readout(header)
        self.add_note(history)
        if self.accuracy is not None:
            self.live.add(self.accuracy_curve, self.accuracy_marker, self.accuracy_value)
        self.set_epoch(0, float(self.loss[0]), None if self.accuracy is None else float(self.accuracy[0]))
        if self.test_loss is not None:
            self.set_test(0, float(self.test_loss[0]), None if self.accuracy is None else float(self.test_accuracy[0]))

    def add_accuracy_axis(self, header) -> None:
        """The right-hand axis, 0 to 100 %, its curve and marker in theme.accuracy; the values,
        "loss 0.6931  accuracy 87 %", in the row over the plot's right end (the accuracy a
        LiveNumber of its digits before a fixed " %"); "epoch" under the ticks, clear of 0 %."""
        colour = self.theme.accuracy
        self.accuracy_xs, self.accuracy_ys = envelope(self.accuracy, CURVE_POINTS)
        bottom = self.plot.x_axis.get_end()
        axis = VGroup(Line(bottom, bottom + self.plot.y_axis.get_vector(), color=colour, stroke_width=2))
        ticks = VGroup()
        for share in ACCURACY_TICKS:
            at = self.accuracy_points([len(self.loss) - 1], [share])[0]
            ticks.add(label(accuracy_text(share), self.theme, SMALL_SIZE, color=colour).next_to(at, RIGHT, buff=0.12))
        # "0 %" sits by the last epoch's tick label, under the axis end: clear of it, all ticks move right
        last = max(self.plot.labels[:-1], key=lambda m: m.get_right()[0] if m.get_top()[1] < bottom[1] else -np.inf)
        lowest = min(ticks, key=lambda m: m.get_y())
        if lowest.get_bottom()[1] < last.get_top()[1] + 0.06:
            ticks.shift(max(last.get_right()[0] + 0.08 - lowest.get_left()[0], 0) * RIGHT)
        axis.add(*ticks)
        self.plot.x_label.next_to(self.plot.labels[0], DOWN, buff=0.12).align_to(self.plot.x_axis, RIGHT)
        self.accuracy_curve = VMobject(stroke_color=colour, stroke_width=3)
        self.accuracy_marker = Dot(radius=0.07, color=colour)
        widest = max(len(accuracy_text(v)) for v in (0.955, 1.0))
        self.accuracy_value = LiveNumber(0.955, lambda v: accuracy_text(v).removesuffix(" %"), SMALL_SIZE + 4,
                                         color=colour, slots=widest)  # laid out at its widest, "95.5"
        percent = label("%", self.theme, SMALL_SIZE + 4, color=colour)
        named = label("accuracy", self.theme, SMALL_SIZE, color=colour)
        row = axis[-1].get_top()[1] + 0.12  # a row over "100 %", under the header
        percent.next_to([0, row, 0], UP, buff=0).align_to(axis, RIGHT)
        self.accuracy_value.next_to(percent, LEFT, buff=0.1).align_to(percent, DOWN)
        named.next_to(self.accuracy_value, LEFT, buff=0.15).align_to(percent, DOWN)
        keys = VGroup()
        if self.test_loss is not None:  # solid keys: this row's curves are the solid ones (the test row's dashed)
            keys.add(curve_key(colour, "", self.theme)[0].next_to(named, LEFT, buff=0.12))
        # The loss's value joins the row, right-aligned, "loss" before it.
        self.value.next_to(keys if len(keys) else named, LEFT, buff=0.45).align_to(percent, DOWN)
        loss_named = label("loss", self.theme, SMALL_SIZE).next_to(self.value, LEFT, buff=0.15).align_to(percent, DOWN)
        if self.test_loss is not None:
            keys.add(curve_key(self.theme.loss_curve, "", self.theme)[0].next_to(loss_named, LEFT, buff=0.12))
            keys.set_y(self.accuracy_value.get_y())  # level with the digits, as the test row's dashed keys are
        self.loss_named = loss_named
        self.static.add(keys)
        header.next_to([0, max(m.get_top()[1] for m in (percent, named)), 0], UP, buff=0.15, coor_mask=UP)
        self.percent_sign = percent
        self.static.add(axis, percent, named, loss_named)

    def add_note(self, history) -> None:
        """What the plotted loss is (layout.loss_note), when it could be mistaken: one line under
        the ticks, from the plot's left, clear of "epoch" (a classification puts it there too)."""
        note = loss_note(history)
        if not note:
            return
        room = self.plot.x_axis.get_length() - (self.plot.x_label.width + 0.3 if self.accuracy is not None else 0)
        self.note = fitted(note, self.theme, SMALL_SIZE, room, joiner=" · ")  # too long: two lines, never smaller
        self.note.next_to(self.plot.labels, DOWN, buff=0.08)
        if self.accuracy is not None:  # from the row of "epoch", which is under the ticks here
            lines = len(self.note) if not isinstance(self.note, Text) else 1  # two lines go on down from that row
            self.note.align_to(self.plot.x_axis, LEFT).align_to(self.plot.x_label, UP if lines > 1 else DOWN)
        else:
            self.note.align_to(self.plot.x_axis, RIGHT)
        self.static.add(self.note)

    def add_test_readout(self, header) -> None:
        """The dashed test-loss curve and, in a row over the training values, "test loss 0.1234"
        (and for a classification the test accuracy, its curve dashed in the accuracy's colour),
        right-aligned with them; each value follows its curve's key (solid: train, dashed: test);
        the header goes over them."""
        colour = self.theme.test_loss
        self.test_xs, self.test_ys = envelope(self.test_loss, CURVE_POINTS)
        self.test_curve = VMobject(stroke_color=colour, stroke_width=3)
        widest = max(len(fmt_loss(v)) for v in (self.test_loss.max(), self.test_loss.min()))
        self.test_value = LiveNumber(self.test_loss[0], fmt_loss, SMALL_SIZE + 4, color=colour, slots=max(10, widest + 2))
        named = f"{LOSS_LEGEND[1]} loss" if self.accuracy is not None else LOSS_LEGEND[1]
        row = VGroup(*curve_key(colour, named, self.theme, dashed=True), self.test_value)
        self.test_accuracy = self.history.test_accuracy
        if self.accuracy is not None:
            accuracy = self.theme.accuracy
            self.test_accuracy_xs, self.test_accuracy_ys = envelope(self.test_accuracy, CURVE_POINTS)
            self.test_accuracy_curve = VMobject(stroke_color=accuracy, stroke_width=3)
            self.test_accuracy_value = LiveNumber(0.955, lambda v: accuracy_text(v).removesuffix(" %"), SMALL_SIZE + 4,
                                                  color=accuracy, slots=max(len(accuracy_text(v)) for v in (0.955, 1.0)))
            row.add(*curve_key(accuracy, "accuracy", self.theme, dashed=True), self.test_accuracy_value,
                    label("%", self.theme, SMALL_SIZE + 4, color=accuracy))
        row.arrange(RIGHT, buff=0.15)
        if self.accuracy is not None:  # a row over the training one ("loss … accuracy … %"), the header over both
            VGroup(*row[3:]).shift(0.25 * RIGHT)  # a wider gap before the accuracy's key, where the loss's value ends
            row.next_to(self.value, UP, buff=0.12).align_to(self.percent_sign, RIGHT)
            header.next_to(row, UP, buff=0.12, coor_mask=UP)
            self.loss_named.set_color(self.theme.loss_curve)  # "loss" in the solid curve's colour is its key
            key = VGroup()
        else:  # "— train 0.0216" in the header's row, "-- test 0.2026" under it, just over the plot
            key = VGroup(*curve_key(self.theme.loss_curve, LOSS_LEGEND[0], self.theme)).arrange(RIGHT, buff=0.15)
            key.next_to(self.value, LEFT, buff=0.15)
            row.next_to(self.plot.y_axis.get_end(), UP, buff=0.12).align_to(self.plot.x_axis, RIGHT)
            key.align_to(self.value, DOWN)
            # The header's row clears the test row (a linear axis sets the header lower: no "log scale" there).
            lift = row.get_top()[1] + ROW_GAP - min(m.get_bottom()[1] for m in (header, key, self.value))
            if lift > 0:
                VGroup(header, key, self.value).shift(lift * UP)
        self.static.add(key)
        self.static.add(*(m for m in row if m is not self.test_value and m is not getattr(self, "test_accuracy_value", None)))
        self.live.add(self.test_curve, self.test_value)
        if self.accuracy is not None:
            self.live.add(self.test_accuracy_curve, self.test_accuracy_value)

    def accuracy_points(self, epochs, shares) -> np.ndarray:
        """Scene points of (epoch, accuracy) on the right-hand axis."""
        low = np.full(len(epochs), self.axis.low)
        height = self.plot.y_axis.get_end() - self.plot.y_axis.get_start()
        lo, hi = ACCURACY_AXIS
        return self.plot.points(epochs, low) + ((np.asarray(shares, float) - lo) / (hi - lo))[:, None] * height

    def set_state(self, state) -> "LossPanel":
        accuracy = None if self.accuracy is None else shown_accuracy(self.history, state)
        self.set_epoch(state.epoch, state.loss, accuracy)
        if self.test_loss is not None:
            self.set_test(state.epoch, shown_test_loss(self.history, state),
                          None if self.accuracy is None else shown_test_accuracy(self.history, state))
        return self

    def set_test(self, epoch: float, loss: float, accuracy: float | None = None) -> "LossPanel":
        """The dashed curve through every real test loss up to ``epoch``, ending at ``loss``, and
        the readouts (training's values: timeline.shown_test_loss)."""
        before = self.test_xs < epoch
        self.plot.set_curve(self.test_curve, np.r_[self.test_xs[before], epoch], np.r_[self.test_ys[before], loss],
                            dash=TEST_DASH)
        if accuracy is not None:  # training's test accuracy of every epoch before, ending at the frame's
            before = self.test_accuracy_xs < epoch
            at = self.accuracy_points(np.r_[self.test_accuracy_xs[before], epoch], np.r_[self.test_accuracy_ys[before], accuracy])
            self.test_accuracy_curve.clear_points()
            for part in dashes(at, TEST_DASH):
                self.test_accuracy_curve.start_new_path(part[0])
                self.test_accuracy_curve.add_points_as_corners(part[1:])
        for number, value in ((self.test_value, loss), (getattr(self, "test_accuracy_value", None), accuracy)):
            if number is not None and value is not None:
                right = number.get_right()
                number.set_value(value)
                number.shift(right - number.get_right())
        return self

    def set_epoch(self, epoch: float, loss: float, accuracy: float | None = None) -> "LossPanel":
        """The curve through every real epoch loss up to ``epoch``, ending at ``loss`` (and so
        for the accuracy, when given)."""
        before = self.xs < epoch
        self.plot.set_curve(self.curve, np.r_[self.xs[before], epoch], np.r_[self.ys[before], loss])
        self.marker.move_to(self.plot.points([epoch], [loss])[0])
        right = self.value.get_right()
        self.value.set_value(loss)
        self.value.shift(right - self.value.get_right())
        if accuracy is not None:
            before = self.accuracy_xs < epoch
            self.accuracy_curve.set_points_as_corners(self.accuracy_points(
                np.r_[self.accuracy_xs[before], epoch], np.r_[self.accuracy_ys[before], accuracy]))
            self.accuracy_marker.move_to(self.accuracy_points([epoch], [accuracy])[0])
            right = self.accuracy_value.get_right()
            self.accuracy_value.set_value(accuracy)
            self.accuracy_value.shift(right - self.accuracy_value.get_right())
        return self


def curve_key(colour: str, name: str, theme, dashed: bool = False) -> tuple:
    """A legend entry: a short line (dashed or solid) in the curve's colour and its name."""
    line = Line(0.22 * LEFT, 0.22 * RIGHT, color=colour, stroke_width=4)
    if dashed:
        line = DashedLine(0.22 * LEFT, 0.22 * RIGHT, color=colour, stroke_width=4, dash_length=0.08)
    return (line, label(name, theme, SMALL_SIZE, color=colour)) if name else (line,)
