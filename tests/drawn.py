"""What a renderer drew, read back in data units, checked against the true curve.

The expected values come from training (a State's prediction, h.loss) and from this file's own
reading of where a curve is beyond its plot, never from the drawing code's decisions.
"""
from __future__ import annotations

import numpy as np

from nnviz_core.layout import MARK_GAP
from nnviz_core.numbers import fmt_value
from nnviz_core.palette import THEMES, Palette


def palette_for(history, theme: str = "light") -> Palette:
    """What a panel is given to draw ``history`` in the named theme."""
    return Palette.for_history(history, THEMES[theme])


# -- reading the drawing back -----------------------------------------------------------------
def manim_xy(plot, points) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates of scene points on a PlotArea (the inverse of plot.points)."""
    points = np.atleast_2d(points)
    corner = plot.x_axis.get_start()
    x_len = plot.x_axis.get_end()[0] - corner[0]
    y_len = plot.y_axis.get_end()[1] - corner[1]
    lo, hi = (np.log10(v) for v in plot.y_span) if plot.log else plot.y_span
    xs = (points[:, 0] - corner[0]) / x_len * (plot.x_span[1] - plot.x_span[0]) + plot.x_span[0]
    ys = (points[:, 1] - corner[1]) / y_len * (hi - lo) + lo
    return xs, (10 ** ys if plot.log else ys)


def manim_pieces(plot, curve) -> list[np.ndarray]:
    """Each subpath of a manim curve as (n, 2) data points: anchors and handles (for straight
    corners the handles lie on the segments, so they sample each segment's inside too)."""
    return [np.column_stack(manim_xy(plot, sub)) for sub in curve.get_subpaths() if len(sub)]


def mpl_pieces(line) -> list[np.ndarray]:
    """A matplotlib line's runs between NaN breaks, as (n, 2) data points, with each segment's
    midpoint added (a segment that bridges a gap then shows)."""
    xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
    log = line.axes.get_yscale() == "log"  # a log axis draws each segment straight in log10(y)
    breaks = np.flatnonzero(np.isnan(xy).any(axis=1))
    pieces = []
    for part in np.split(xy, breaks):
        part = part[~np.isnan(part).any(axis=1)]
        if len(part):
            mids = (part[1:] + part[:-1]) / 2
            if log:
                mids[:, 1] = np.sqrt(part[1:, 1] * part[:-1, 1])
            pieces.append(np.concatenate([part, mids]))
    return pieces


def manim_marks(marks) -> list[tuple[str, float, str]]:
    """(side, x, text) of each shown manim OffPlotMarks mark."""
    found = []
    for side, pool in marks.pool.items():
        for tip, number in pool:
            if tip.get_fill_opacity() > 0:
                found.append((side, float(manim_xy(marks.plot, tip.get_center())[0][0]), number.text))
    return found


def mpl_marks(marks) -> list[tuple[str, float, str]]:
    found = []
    for side, pool in marks.pool.items():
        for tip, text in pool:
            if tip.get_visible():
                found.append((side, float(tip.get_xdata()[0]), text.get_text()))
    return found


def true_contributions(state, units) -> list[np.ndarray]:
    """Each drawn unit's w_out[j]·a_j(x), and the sum of the rest for the "other units" curve."""
    parts = state.contributions()
    shown = [i for i in units if i is not None]
    rest = np.setdiff1d(np.arange(parts.shape[1]), shown)
    return [parts[:, i] if i is not None else parts[:, rest].sum(axis=1) for i in units]



# -- the checks -------------------------------------------------------------------------------
def check_curve(pieces, xs, true, low, high, log=False, where="", gap=0.0):
    """Every drawn point is inside the plot and on the true polyline (xs, true) (straight in
    log10(y) on a log axis); no point sits on an edge unless the true value there is at or
    beyond it; every grid point truly inside is drawn (a dashed curve: within ``gap`` in x of a
    drawn point)."""
    xs, true = np.asarray(xs, float), np.asarray(true, float)
    to = (lambda v: np.log10(v)) if log else (lambda v: v)
    lo, hi = to(low), to(high)
    tol = 1e-6 * max(1.0, hi - lo)
    drawn_x = []
    for piece in pieces:
        x, y = piece[:, 0], to(piece[:, 1])
        assert np.all((y >= lo - tol) & (y <= hi + tol)), f"{where}: a point outside the plot"
        expected = np.interp(x, xs, to(true))
        worst = np.abs(y - expected).max()
        assert worst <= 1e-4 * max(1.0, hi - lo), f"{where}: drawn {worst:.3g} away from the true value"
        on_edge = (np.abs(y - lo) < tol) | (np.abs(y - hi) < tol)
        true_there = expected[on_edge]
        assert np.all((true_there <= lo + tol) | (true_there >= hi - tol)), f"{where}: a point on an edge"
        drawn_x.append(x)
    inside = (to(true) > lo + 1e-3 * (hi - lo)) & (to(true) < hi - 1e-3 * (hi - lo))
    inside &= len(xs) > 1  # a single point is no line: its marker shows it
    drawn_x = np.concatenate(drawn_x) if drawn_x else np.zeros(0)
    missing = [x for x in xs[inside] if not np.any(np.abs(drawn_x - x) < 1e-9 * max(1, abs(x)) + 1e-9 + gap)]
    assert not missing, f"{where}: {len(missing)} points inside the plot are not drawn (first at x={missing[0]:.3g})"


def true_stretches(xs, rows, low, high) -> list[tuple[str, float, float]]:
    """(side, first x, extreme value) of each run of consecutive points beyond the plot."""
    found = []
    for ys in np.atleast_2d(np.asarray(rows, float)):
        for side, beyond in (("above", ys > high), ("below", ys < low)):
            k = 0
            while k < len(ys):
                if not beyond[k]:
                    k += 1
                    continue
                stop = k
                while stop < len(ys) and beyond[stop]:
                    stop += 1
                part = ys[k:stop]
                found.append((side, float(xs[k]), float(part.max() if side == "above" else part.min())))
                k = stop
    return found


def mark_value(text: str) -> float:
    """The number a mark's text shows ("↑2.15", "↓−3.97", "↑4.94×10¹⁹⁰")."""
    body = text[1:].replace("−", "-")
    if "×10" in body:
        mantissa, power = body.split("×10")
        power = power.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
        return float(mantissa) * 10.0 ** int(power)
    return float(body)


def check_marks(marks, xs, rows, low, high, x_span, where=""):
    """Every stretch beyond the plot has a mark on its side, within MARK_GAP of where it starts,
    showing a value at least as far out as the stretch's extreme; every mark shows the extreme of
    a real stretch on its side; no mark without a stretch."""
    stretches = true_stretches(xs, rows, low, high)
    gap = MARK_GAP * (x_span[1] - x_span[0])
    arrows = {"above": "↑", "below": "↓"}
    texts = {(side, arrows[side] + fmt_value(v)) for side, _, v in stretches}
    for side, x, text in marks:
        assert (side, text) in texts, f"{where}: mark {text!r} at x={x:.3g} is no stretch's extreme"
    for side, x, extreme in stretches:
        near = [mark_value(t) for s, mx, t in marks if s == side and abs(mx - x) < gap + 1e-9]
        slack = 1e-2 * abs(extreme)  # the text's three significant digits
        further = (lambda v: v >= extreme - slack) if side == "above" else (lambda v: v <= extreme + slack)
        assert any(further(v) for v in near), f"{where}: the exit {side} at x={x:.3g} ({extreme:.3g}) has no mark"
    assert bool(marks) == bool(stretches), where


def boxes_overlap(a, b) -> bool:
    """(x0, y0, x1, y1) boxes that share more than a hair."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 1e-3 and min(a[3], b[3]) - max(a[1], b[1]) > 1e-3


# -- playing scenes -----------------------------------------------------------------------------
def frameless():
    """A Cairo renderer that plays a scene with animations skipped and draws no frame, for checks
    where pixels are not the point: a dry run still draws each play's last frame, about a third
    of its time. Tests that read pixels use CairoRenderer itself."""
    from manim.renderer.cairo_renderer import CairoRenderer

    class Frameless(CairoRenderer):
        def update_frame(self, *args, **kwargs):
            pass

        def draw(self, scene):
            """The frame of the scene as it is now, drawn: (H, W, RGBA)."""
            self.static_image = None  # kept by a play that drew nothing
            CairoRenderer.update_frame(self, scene)
            return self.get_frame()

    return Frameless(skip_animations=True)
