"""What every panel shares: a static part drawn once and a live part that set_state changes.

Keeping the two apart lets a scene add all static parts before all live ones, so manim's
Cairo renderer paints the static parts into its background once instead of every frame.
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, ORIGIN, RIGHT, UP, Line, VGroup, logger

from nnviz_core.palette import MUTED_INK

from ..theme import SMALL_SIZE, label, muted

GRID = "#e4e2dc"  # grid lines: just darker than the background


class Panel(VGroup):
    def __init__(self):
        super().__init__()
        self.static = VGroup()
        self.live = VGroup()
        self.add(self.static, self.live)

    def set_state(self, state) -> "Panel":
        raise NotImplementedError


def nice_ticks(lo: float, hi: float, count: int = 3) -> np.ndarray:
    """About ``count`` round values inside [lo, hi] (steps of 1, 2 or 5 times a power of ten)."""
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** np.floor(np.log10(raw))
    step = min((s * power for s in (1, 2, 5, 10)), key=lambda s: abs(s - raw))
    return np.arange(np.ceil(lo / step) * step, hi + 1e-9, step)


def tick_text(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "−")


class PlotArea:
    """A plot frame with a light grid and Text tick labels (no LaTeX), and a vectorised
    data -> scene mapping that follows the frame when it is moved or scaled."""

    def __init__(self, x_span, y_span, width: float, height: float, x_name: str, y_name: str):
        self.x_span, self.y_span = tuple(map(float, x_span)), tuple(map(float, y_span))
        self.x_axis = Line(ORIGIN, width * RIGHT, color=MUTED_INK, stroke_width=2)
        self.y_axis = Line(ORIGIN, height * UP, color=MUTED_INK, stroke_width=2)
        grid, self.labels = VGroup(), VGroup()
        for x in nice_ticks(*self.x_span):
            bottom, top = self.points([x, x], self.y_span)
            grid.add(Line(bottom, top))
            self.labels.add(muted(tick_text(x)).next_to(bottom, DOWN, buff=0.12))
        for y in nice_ticks(*self.y_span):
            left, right = self.points(self.x_span, [y, y])
            grid.add(Line(left, right))
            self.labels.add(muted(tick_text(y)).next_to(left, LEFT, buff=0.12))
        grid.set_stroke(GRID, 1.5)
        # Clear of a marker sitting at the axis end (the loss at the last epoch).
        self.labels.add(label(x_name, SMALL_SIZE).next_to(self.x_axis, RIGHT, buff=0.28))
        self.labels.add(label(y_name, SMALL_SIZE).next_to(self.y_axis, UP, buff=0.12))
        self.mobject = VGroup(grid, self.x_axis, self.y_axis, self.labels)

    def points(self, xs, ys) -> np.ndarray:
        """Scene points, (n, 3), for data coordinates; values outside the spans are clipped."""
        corner = self.x_axis.get_start()
        ex = (self.x_axis.get_end() - corner) / (self.x_span[1] - self.x_span[0])
        ey = (self.y_axis.get_end() - corner) / (self.y_span[1] - self.y_span[0])
        xs = np.clip(np.asarray(xs, float).reshape(-1, 1), *self.x_span) - self.x_span[0]
        ys = np.clip(np.asarray(ys, float).reshape(-1, 1), *self.y_span) - self.y_span[0]
        return corner + xs * ex + ys * ey


def fit_in(mobject, left: float, right: float, bottom: float, top: float):
    """Shrink ``mobject`` (never enlarge) to fit the box, and centre it there."""
    factor = min(1.0, (right - left) / mobject.width, (top - bottom) / mobject.height)
    if factor < 0.7:  # 20 pt digits (28 px at 1080p) would drop under 20 px: say so
        logger.warning(f"nnviz: {type(mobject).__name__} shrunk to {factor:.2f} to fit its box")
    return mobject.scale(factor).move_to([(left + right) / 2, (bottom + top) / 2, 0])
