"""What every panel shares: a static part drawn once and a live part that set_state changes.

Keeping the two apart lets a scene add all static parts before all live ones, so manim's
Cairo renderer paints the static parts into its background once instead of every frame.
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Line, Triangle, VGroup, VMobject, logger

from nnviz_core.layout import MARK_GAP, MARK_WIDTH, curve_pieces, log_tick_text, mark_text, off_plot_marks
from nnviz_core.palette import Palette, Theme

from ..theme import SMALL_SIZE, LiveNumber, label, muted



class Panel(VGroup):
    """A panel draws with the Palette it is given: its theme and the run's fixed norms."""

    def __init__(self, palette: Palette):
        super().__init__()
        self.palette, self.theme = palette, palette.theme
        self.static = VGroup()
        self.live = VGroup()
        self.add(self.static, self.live)

    def set_state(self, state) -> "Panel":
        raise NotImplementedError


def nice_ticks(lo: float, hi: float, count: int = 3) -> np.ndarray:
    """About ``count`` round values inside [lo, hi] (steps of 1, 2 or 5 times a power of ten)."""
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** np.floor(np.log10(raw))
    # The step nearest ``raw``, or the next nearest where it leaves fewer than two ticks inside
    # (a span of -1.75..1.75 would keep only 0 with steps of 2).
    for step in sorted((s * power for s in (0.5, 1, 2, 5, 10)), key=lambda s: abs(s - raw)):
        ticks = np.arange(np.ceil(lo / step) * step, hi + 1e-9, step)
        if len(ticks) >= 2:
            break
    return ticks


def tick_text(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "−")


class PlotArea:
    """A plot frame with a light grid and Text tick labels (no LaTeX), and a vectorised
    data -> scene mapping that follows the frame when it is moved or scaled. ``y_ticks`` given
    means a log10 y-axis with those ticks."""

    def __init__(self, x_span, y_span, width: float, height: float, x_name: str, y_name: str, theme: Theme,
                 log_ticks=None):
        self.theme = theme
        self.log = log_ticks is not None
        self.x_span = tuple(map(float, x_span))
        self.y_span = tuple(map(float, y_span))  # in data units, even on a log axis
        self._y_lo, self._y_hi = (np.log10(v) for v in self.y_span) if self.log else self.y_span
        self.x_axis = Line(ORIGIN, width * RIGHT, color=theme.muted_ink, stroke_width=2)
        self.y_axis = Line(ORIGIN, height * UP, color=theme.muted_ink, stroke_width=2)
        grid, self.labels = VGroup(), VGroup()
        for x in nice_ticks(*self.x_span):
            bottom, top = self.points([x, x], self.y_span)
            grid.add(Line(bottom, top))
            self.labels.add(muted(tick_text(x), theme).next_to(bottom, DOWN, buff=0.12))
        y_ticks = log_ticks if self.log else nice_ticks(*self.y_span)
        for y in y_ticks:
            left, right = self.points(self.x_span, [y, y])
            grid.add(Line(left, right))
            text = log_tick_text(y) if self.log else tick_text(y)
            self.labels.add(muted(text, theme).next_to(left, LEFT, buff=0.12))
        grid.set_stroke(theme.grid, 1.5)
        # Clear of a marker sitting at the axis end (the loss at the last epoch).
        self.x_label = label(x_name, theme, SMALL_SIZE).next_to(self.x_axis, RIGHT, buff=0.28)
        self.labels.add(self.x_label)
        self.y_label = None
        if y_name:  # over the axis, and clear of a tick at its top (a log axis's top decade)
            self.y_label = label(y_name, theme, SMALL_SIZE).next_to(self.y_axis, UP, buff=0.12)
            if len(y_ticks):
                top = max(m.get_top()[1] for m in self.labels[-len(y_ticks) - 1:-1]) + 0.08
                self.y_label.shift(max(top - self.y_label.get_bottom()[1], 0) * UP)
            self.labels.add(self.y_label)
        self.mobject = VGroup(grid, self.x_axis, self.y_axis, self.labels)

    def _y(self, ys) -> np.ndarray:
        ys = np.asarray(ys, float)
        return np.log10(np.maximum(ys, 1e-300)) if self.log else ys

    def points(self, xs, ys) -> np.ndarray:
        """Scene points, (n, 3), for data coordinates, held inside the frame: a point beyond
        it sits on its edge (a marker; curves are broken there by set_curve)."""
        corner = self.x_axis.get_start()
        ex = (self.x_axis.get_end() - corner) / (self.x_span[1] - self.x_span[0])
        ey = (self.y_axis.get_end() - corner) / (self._y_hi - self._y_lo)
        xs = np.clip(np.asarray(xs, float).reshape(-1, 1), *self.x_span) - self.x_span[0]
        ys = np.clip(self._y(ys).reshape(-1, 1), self._y_lo, self._y_hi) - self._y_lo
        return corner + xs * ex + ys * ey

    def set_curve(self, curve: VMobject, xs, ys, dash: float | None = None) -> VMobject:
        """Draw (xs, ys) in ``curve``: the parts inside the plot, each stopping on the edge where
        the curve leaves (``curve_pieces``); nothing is drawn along an edge. ``dash``: drawn in
        dashes and gaps of that length (scene units), in place."""
        curve.clear_points()
        for piece in curve_pieces(xs, ys, *self.y_span, log=self.log):
            at = self.points(piece[:, 0], piece[:, 1])
            for part in ([at] if dash is None else dashes(at, dash)):
                curve.start_new_path(part[0])
                curve.add_points_as_corners(part[1:])
        return curve

    def inside(self, ys) -> np.ndarray:
        y = self._y(ys)
        return (y >= self._y_lo - 1e-9) & (y <= self._y_hi + 1e-9)



def dashes(points: np.ndarray, length: float) -> list[np.ndarray]:
    """The polyline ``points`` cut into dashes of ``length`` with gaps as long, by arc length;
    each dash keeps the corners inside it."""
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    parts = []
    for start in np.arange(0.0, along[-1], 2 * length):
        end = min(start + length, along[-1])
        at = [start, *along[(along > start) & (along < end)], end]
        parts.append(np.column_stack([np.interp(at, along, points[:, k]) for k in range(points.shape[1])]))
    return [p for p in parts if len(p) >= 2]


class OffPlotMarks(VGroup):
    """Where curves leave their plot: at each exit (``off_plot_marks``), a triangle on the edge at
    its most extreme x and the true value there ("↑2.15"), in the colour of the curve that left.
    A fixed pool of marks, the unused ones hidden, so nothing is rebuilt.

        marks = OffPlotMarks(plot)
        marks.show(xs, ys)  # after the curve was set; ys may hold one curve per row
    """

    POOL = int(1 / MARK_GAP) + 1  # marks per side that fit MARK_GAP apart

    def __init__(self, plot: PlotArea, color=None, colours=None):
        super().__init__()
        self.plot = plot
        self.colour = color or plot.theme.prediction
        self.colours = colours  # per curve (a row of ys), else one colour
        self.pool = {}
        for side, angle in (("above", 0.0), ("below", np.pi)):
            self.pool[side] = []
            for _ in range(self.POOL):
                tip = Triangle(fill_color=self.colour, fill_opacity=1, stroke_width=0).scale(0.09).rotate(angle)
                number = LiveNumber(0, lambda v, side=side: mark_text(side, v), SMALL_SIZE, color=plot.theme.ink, slots=12)
                number.add_halo(plot.theme.background)
                self.pool[side].append((tip, number))
                self.add(tip, number)
        self.built_width = plot.x_axis.get_length()
        self.shown: list = []
        self.show([], [])

    @property
    def sides(self) -> dict:
        """Each side's first mark (tip, number)."""
        return {side: marks[0] for side, marks in self.pool.items()}

    def show(self, xs, ys) -> list:
        lo, hi = self.plot.y_span
        self.shown = off_plot_marks(xs, ys, lo, hi, self.plot.x_span) if np.size(ys) else []
        width = self.plot.x_axis.get_length()
        left, right = self.plot.x_axis.get_start()[0], self.plot.x_axis.get_end()[0]
        for side, pool in self.pool.items():
            marks = [m for m in self.shown if m.side == side]
            for k, (tip, number) in enumerate(pool):
                mark = marks[k] if k < len(marks) else None
                opacity = 0.0 if mark is None else 1.0
                tip.set_fill(opacity=opacity)
                number.set_fill(opacity=opacity).set_stroke(opacity=opacity, background=True)
                if mark is None:
                    continue
                colour = self.colours[mark.curve] if self.colours else self.colour
                tip.set_fill(colour)
                edge = hi if side == "above" else lo
                at = self.plot.points([mark.x], [edge])[0]
                inward = DOWN if side == "above" else UP
                tip.move_to(at + 0.06 * inward)
                number.set_value(mark.value)
                # As built (the panel's own scale), shrunk to MARK_WIDTH: marks never overlap.
                number.scale(width / self.built_width / number.scale_factor())
                if number.width > MARK_WIDTH * width:
                    number.scale(MARK_WIDTH * width / number.width)
                number.next_to(tip, inward, buff=0.08)
                if number.get_left()[0] < left:  # keep the value inside the plot's width
                    number.shift((left - number.get_left()[0]) * RIGHT)
                if number.get_right()[0] > right:
                    number.shift((right - number.get_right()[0]) * RIGHT)
        return self.shown


def fit_in(mobject, left: float, right: float, bottom: float, top: float):
    """Shrink ``mobject`` (never enlarge) to fit the box, and centre it there."""
    factor = min(1.0, (right - left) / mobject.width, (top - bottom) / mobject.height)
    if factor < 0.7:  # 20 pt digits (28 px at 1080p) would drop under 20 px: say so
        logger.warning(f"nnviz: {type(mobject).__name__} shrunk to {factor:.2f} to fit its box")
    return mobject.scale(factor).move_to([(left + right) / 2, (bottom + top) / 2, 0])
