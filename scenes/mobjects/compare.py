"""Panels for runs side by side: one column (diagram and fit) per run, and all the loss curves on
one shared axis (with held-out points each run's test loss dashed beside its own, and each
column reads out its run's losses and accuracies). Every run shows the same epoch; a run that
diverged stays at its last finite state."""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, Group, Line, VGroup, VMobject

from nnviz_core.compare import shown_at
from nnviz_core.layout import LOSS_LEGEND, accuracy_text, shared_loss_axis
from nnviz_core.numbers import fmt_loss
from nnviz_core.palette import Palette
from nnviz_core.timeline import shown_accuracy, shown_test_accuracy, shown_test_loss

from ..theme import SMALL_SIZE, LiveNumber, label, muted
from .loss import CURVE_POINTS, TEST_DASH, curve_key, envelope
from .network import NetworkDiagram, zero_key
from .panel import OffPlotMarks, Panel, PlotArea
from .regions import data_panel


SHOWN = 6  # units per layer in a column's small diagram: few enough to stay legible


class RunColumn(Group):
    """One run of a comparison: its label, a small network diagram and its data panel (the fit,
    or on 2-D data the decision regions: a Group, since those hold an image).

        column = RunColumn(history, Palette.shared(runs, theme), "lr = 0.1", colour, width=3.4)
        column.set_state(any_state_of_the_shared_clock)  # shows this run at that epoch
    """

    def __init__(self, history, palette: Palette, name: str, colour: str, width: float = 3.4,
                 net_height: float = 2.0, fit_height: float = 1.3):
        super().__init__()
        self.palette, self.theme = palette, palette.theme
        self.static, self.live = VGroup(), Group()
        self.add(self.static, self.live)
        self.history = history
        self.readout = None
        if history.test_loss is not None:  # the readout's rows come out of the diagram's height: the column stays as tall
            self.add_readout(colour)
            net_height -= self.readout.height + 0.12
        self.net = NetworkDiagram(history, palette, width=width * 0.8, height=net_height, max_shown=SHOWN)
        if history.problem.is_2d:  # a square plane wants more height than a curve
            fit_height = max(fit_height, 0.5 * width)
        self.fit = data_panel(history, palette, width=width * 0.8, height=fit_height)
        heading = label(name, self.theme, SMALL_SIZE + 4, color=colour)
        self.net.next_to(heading, DOWN, buff=0.25)
        self.fit.next_to(self.net, DOWN, buff=0.45)
        self.diverged = muted("", self.theme, SMALL_SIZE)
        if history.diverged_at is not None:
            self.diverged = label(f"diverged at epoch {history.diverged_at}", self.theme, SMALL_SIZE, color=self.theme.prediction)
            self.diverged.next_to(heading, DOWN, buff=0.06).set_opacity(0.0)
            self.net.next_to(self.diverged, DOWN, buff=0.15)
            self.fit.next_to(self.net, DOWN, buff=0.45)
        if self.readout is not None:
            self.readout.next_to(self.diverged if history.diverged_at is not None else heading, DOWN, buff=0.12)
            self.net.next_to(self.readout, DOWN, buff=0.25)
            self.fit.next_to(self.net, DOWN, buff=0.45)
        self.zero = zero_key(history, self.theme)  # "w = 0", in the gap under the diagram
        if len(self.zero):
            self.zero.next_to(self.net, DOWN, buff=0.1)
        self.static.add(heading, self.net.static, self.fit.static, self.zero)
        self.live.add(self.net.live, self.fit.live, self.diverged)

    def add_readout(self, colour: str) -> None:
        """Under the heading, the run's values at the frame, each after its curve's key in the
        shared plot: "— 0.0303  -- 0.0412" (train, test); a classification's accuracies under
        them, "accuracy 87 %, test 83 %" (not plotted, so no keys). Values from training
        (timeline.shown_*)."""
        h = self.history
        finite = lambda v: v[np.isfinite(v)]
        # Laid out at the widest value either shows, so a value never runs into the next key.
        wide = max((v for loss in (h.loss, h.test_loss) for v in finite(loss)), key=lambda v: len(fmt_loss(v)))
        number = lambda: LiveNumber(wide, fmt_loss, SMALL_SIZE + 2, color=self.theme.ink, slots=max(10, len(fmt_loss(wide)) + 2))
        self.loss_value, self.test_value = number(), number()
        # Keys without words (the shared plot's legend names solid and dashed): four columns must fit.
        rows = VGroup(VGroup(*curve_key(colour, "", self.theme), self.loss_value,
                             *curve_key(colour, "", self.theme, dashed=True), self.test_value))
        self.numbers = [self.loss_value, self.test_value]
        if h.is_classification:
            percent = lambda: LiveNumber(0.955, lambda v: accuracy_text(v).removesuffix(" %"), SMALL_SIZE + 2,
                                         color=self.theme.ink, slots=len(accuracy_text(0.955)))
            self.accuracy_value, self.test_accuracy_value = percent(), percent()
            rows.add(VGroup(label("accuracy", self.theme, SMALL_SIZE), self.accuracy_value,
                            label("%,", self.theme, SMALL_SIZE + 2), label(LOSS_LEGEND[1], self.theme, SMALL_SIZE),
                            self.test_accuracy_value, label("%", self.theme, SMALL_SIZE + 2)))
            self.numbers += [self.accuracy_value, self.test_accuracy_value]
        for row in rows:
            row.arrange(RIGHT, buff=0.12)
        rows[0][2:].shift(0.2 * RIGHT)  # the test's key apart from the training value before it
        rows.arrange(DOWN, buff=0.1)
        self.readout = rows
        self.static.add(*(m for row in rows for m in row if m not in self.numbers))
        self.live.add(*self.numbers)
        self.set_readout(h.at_epoch(0))

    def set_readout(self, own) -> None:
        h = self.history
        values = [own.loss, shown_test_loss(h, own)]
        if h.is_classification:
            values += [shown_accuracy(h, own), shown_test_accuracy(h, own)]
        for k, (number, value) in enumerate(zip(self.numbers, values)):
            # A loss grows rightwards from where it was laid out; an accuracy leftwards, its "%" after it.
            edge = (lambda: number.get_left()) if k < 2 else (lambda: number.get_right())
            at = edge()
            number.set_value(value)
            number.shift(at - edge())

    def set_state(self, state) -> "RunColumn":
        own = shown_at(self.history, state.epoch)
        self.net.set_state(own)
        self.fit.set_state(own)
        if self.readout is not None:
            self.set_readout(own)
        if self.history.diverged_at is not None:
            self.diverged.set_opacity(1.0 if state.epoch >= self.history.diverged_at - 1e-9 else 0.0)
        return self


class SharedLossPanel(Panel):
    """Every run's loss on one axis (log when they span more than 20x), each in its run's colour,
    up to the shared epoch. The axis is set by the runs that did not diverge; a curve that leaves
    it is marked where it leaves, "diverged at epoch N" for a run that diverged."""

    def __init__(self, histories, palette: Palette, names, colours, width: float = 12.0, height: float = 1.6):
        super().__init__(palette)
        self.histories = histories
        self.axis = shared_loss_axis(histories)
        epochs = max(h.config.epochs for h in histories)
        self.plot = PlotArea((0, epochs), (self.axis.low, self.axis.high), width, height, "epoch",
                             "log scale" if self.axis.log else "", self.theme, log_ticks=self.axis.ticks if self.axis.log else None)
        self.curves, self.markers, self.envelopes = VGroup(), VGroup(), []
        for h, colour in zip(histories, colours):
            self.envelopes.append(envelope(h.loss, CURVE_POINTS))
            self.curves.add(VMobject(stroke_color=colour, stroke_width=4))
            self.markers.add(Dot(radius=0.07, color=colour))
        # With held-out points, each such run's test loss dashed in its colour (curve_key says which is which).
        self.tested = [k for k, h in enumerate(histories) if h.test_loss is not None]
        self.test_curves = VGroup(*(VMobject(stroke_color=colours[k], stroke_width=3) for k in self.tested))
        self.test_envelopes = [envelope(histories[k].test_loss, CURVE_POINTS) for k in self.tested]
        keys = VGroup(*(VGroup(Line(0.2 * LEFT, 0.2 * RIGHT, stroke_color=c, stroke_width=5),
                               label(n, self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1) for n, c in zip(names, colours)))
        keys.arrange(RIGHT, buff=0.45)
        styles = VGroup()
        if self.tested:  # "— train  -- test" just over the plot's right end (the header's row is the runs')
            styles.add(*curve_key(self.theme.ink, LOSS_LEGEND[0], self.theme),
                       *curve_key(self.theme.ink, LOSS_LEGEND[1], self.theme, dashed=True)).arrange(RIGHT, buff=0.1)
            styles[2:].shift(0.25 * RIGHT)
            styles.next_to(self.plot.y_axis.get_end(), UP, buff=0.1).align_to(self.plot.x_axis, RIGHT)
        header = VGroup(label("Loss" if self.tested else "Training loss", self.theme, SMALL_SIZE + 4), keys)
        header.arrange(RIGHT, buff=0.6)
        header.next_to(self.plot.y_axis, UP, buff=0.55 if self.axis.log else 0.3).align_to(self.plot.y_axis, LEFT)
        # "✕ diverged at epoch N" after the keys, from that epoch on.
        self.diverged = VGroup(*(label(f"✕ {n}: diverged at epoch {h.diverged_at}", self.theme, SMALL_SIZE, color=c)
                                 for h, n, c in zip(histories, names, colours) if h.diverged_at is not None))
        if len(self.diverged):
            self.diverged.arrange(RIGHT, buff=0.4).next_to(header, RIGHT, buff=0.6).set_opacity(0.0)
        # One row of marks per curve: the runs' losses, then their test losses.
        self.marks = OffPlotMarks(self.plot, colours=[*colours, *(colours[k] for k in self.tested)])
        self.static.add(self.plot.mobject, header, styles)
        self.live.add(self.curves, self.test_curves, self.markers, self.marks, self.diverged)

    def set_state(self, state) -> "SharedLossPanel":
        drawn = []
        for h, (xs_all, ys_all), curve, marker in zip(self.histories, self.envelopes, self.curves, self.markers):
            epoch = min(state.epoch, h.epochs)
            loss = shown_at(h, epoch).loss
            before = xs_all < epoch
            xs, ys = np.r_[xs_all[before], epoch], np.r_[ys_all[before], loss]
            self.plot.set_curve(curve, xs, ys)
            marker.move_to(self.plot.points([epoch], [loss])[0])
            low, high = self.plot.y_span  # in data units; off the plot, a dot on its edge would read as the edge's value
            inside = low <= loss <= high
            marker.set_opacity(1.0 if inside else 0.0)  # the off-plot mark gives the value instead
            drawn.append((xs, ys))
        for k, (xs_all, ys_all), curve in zip(self.tested, self.test_envelopes, self.test_curves):
            h = self.histories[k]
            epoch = min(state.epoch, h.epochs)
            before = xs_all < epoch  # training's test loss of every epoch before, ending at the frame's
            xs, ys = np.r_[xs_all[before], epoch], np.r_[ys_all[before], shown_test_loss(h, shown_at(h, epoch))]
            self.plot.set_curve(curve, xs, ys, dash=TEST_DASH)
            drawn.append((xs, ys))
        most = max(len(xs) for xs, _ in drawn)  # one row per run, padded with NaN (no value, no mark)
        pad = lambda v: np.r_[v, np.full(most - len(v), np.nan)]
        self.marks.show(np.array([pad(xs) for xs, _ in drawn]), np.array([pad(ys) for _, ys in drawn]))
        notes = iter(self.diverged)
        for h in self.histories:
            if h.diverged_at is not None:
                next(notes).set_opacity(1.0 if state.epoch >= h.diverged_at - 1e-9 else 0.0)
        return self

