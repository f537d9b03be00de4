"""What every dashboard panel shares: its own Axes, built once, changed in place by set_state."""
from __future__ import annotations

import numpy as np

from .. import palette as pal
from ..layout import MARK_GAP, MARK_WIDTH, curve_pieces, off_plot_marks, step_text



def sign_colours(theme: pal.Theme) -> tuple[str, str]:
    """Bias and gradient bars by sign, in the weight map's end colours, as the video draws them:
    (negative, positive)."""
    negative, positive = (pal.to_hex(c) for c in pal.sign_rgb([-1, 1], theme))
    return negative, positive
TITLE_SIZE = 12


def epoch_text(state, last_epoch: int | None = None) -> str:
    """A title's epoch: "12" (a full-batch tween: "12.5"); with minibatches the epoch and its
    steps done, "12 · step 3 / 7", as the video's counter (layout.step_text: none at the last
    epoch). ``state`` may be a plain epoch."""
    epoch = getattr(state, "epoch", state)
    step = step_text(state, last_epoch) if hasattr(state, "epoch_step") else ""
    if step:
        return f"{int(np.floor(epoch + 1e-6))} · {step}"
    return f"{epoch:.0f}" if float(epoch).is_integer() else f"{epoch:.1f}"


def thinned(count: int, most: int) -> list[int]:
    """Indices of at most about ``most`` evenly spaced labels, always keeping the last."""
    step = max(1, int(np.ceil(count / most)))
    keep = list(range(0, count - 1, step))
    if keep and count - 1 - keep[-1] < step / 2:  # too close to the last label to read
        keep.pop()
    return keep + [count - 1]


class DashboardPanel:
    """One panel on its own Axes: the constructor draws everything once; ``set_state(state)``
    changes data, colours and text in place.

        panel = DataFitPanel(ax, history, palette)
        panel.set_state(history.at_epoch(40))
    """

    redraw_axes = False  # True: the whole Axes changes each frame (e.g. a rescaled y-axis)

    def __init__(self, ax, history, palette: pal.Palette):
        self.ax, self.history, self.palette = ax, history, palette
        self.theme = palette.theme

    def set_state(self, state) -> None:
        raise NotImplementedError

    def after_layout(self, renderer) -> None:
        """Called once the figure is laid out: a panel may hide what would not be legible."""

    def changing_artists(self) -> list:
        """What set_state changes, in the order Axes.draw would draw it."""
        ax = self.ax
        spines = ax.spines.values() if ax.axison else []  # a heatmap keeps its frame on top
        artists = [*ax.images, *ax.collections, *ax.patches, *ax.lines, *ax.texts, ax.title, *spines]
        return sorted(artists, key=lambda a: a.get_zorder())


def set_curve(line, xs, ys, low: float, high: float, log: bool = False):
    """Draw (xs, ys) in ``line``: the parts inside [low, high], each stopping on the edge where
    the curve leaves (``curve_pieces``), with NaN between them so nothing runs along an edge."""
    pieces = curve_pieces(xs, ys, low, high, log)
    gap = np.full((1, 2), np.nan)
    joined = np.concatenate([part for piece in pieces for part in (piece, gap)][:-1]) if pieces else np.zeros((0, 2))
    line.set_data(joined[:, 0], joined[:, 1])
    return line


class OffPlotMarks:
    """Where curves leave the y-range: at each exit (``off_plot_marks``), a triangle on the edge
    and the true value ("↑2.15"), in the colour of the curve that left. A fixed pool of marks."""

    POOL = int(1 / MARK_GAP) + 1  # marks per side that fit MARK_GAP apart

    def __init__(self, ax, low: float, high: float, theme: pal.Theme, colours=None):
        self.ax, self.low, self.high, self.theme = ax, low, high, theme
        self.colours = colours
        self.pool = {}
        for side, marker, va, y in (("above", "^", "top", high), ("below", "v", "bottom", low)):
            self.pool[side] = []
            for _ in range(self.POOL):
                (tip,) = ax.plot([], [], marker, color=theme.prediction, markersize=9, clip_on=False, zorder=6)
                text = ax.text(0, y, "", ha="center", va=va, fontsize=9, color=theme.ink, zorder=6,
                               bbox=dict(facecolor=theme.figure, edgecolor="none", alpha=0.8, pad=1))
                for artist in (tip, text):  # drawn inside the plot: never part of the layout
                    artist.set_in_layout(False)
                self.pool[side].append((tip, text))
        self.shown: list = []

    @property
    def artists(self) -> dict:
        """Each side's first mark (tip, text)."""
        return {side: marks[0] for side, marks in self.pool.items()}

    def all(self) -> list:
        return [artist for pool in self.pool.values() for pair in pool for artist in pair]

    def show(self, xs, ys, colour: str | None = None) -> list:
        """Place the marks for the curves (one per row of ys); returns them (empty when inside)."""
        left, right = self.ax.get_xlim()
        self.shown = off_plot_marks(xs, ys, self.low, self.high, (left, right)) if np.size(ys) else []
        log = self.ax.get_yscale() == "log"
        for side, pool in self.pool.items():
            marks = [m for m in self.shown if m.side == side]
            for k, (tip, text) in enumerate(pool):
                mark = marks[k] if k < len(marks) else None
                tip.set_visible(mark is not None)
                text.set_visible(mark is not None)
                if mark is None:
                    continue
                edge = self.high if side == "above" else self.low
                tip.set_data([mark.x], [edge])
                tip.set_color(self.colours[mark.curve] if self.colours else colour or self.theme.prediction)
                inward = -1 if side == "above" else 1  # the value sits just inside the edge
                if log:
                    y = 10 ** (np.log10(edge) + inward * 0.05 * np.log10(self.high / self.low))
                else:
                    y = edge + inward * 0.05 * (self.high - self.low)
                share = (mark.x - left) / (right - left)
                # Centred, or from the side it is near: MARK_WIDTH of the plot, never past its frame.
                text.set_position((mark.x, y))
                text.set_ha("left" if share < MARK_WIDTH / 2 else "right" if share > 1 - MARK_WIDTH / 2 else "center")
                text.set_text(mark.text)
        return self.shown
