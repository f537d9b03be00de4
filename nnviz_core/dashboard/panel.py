"""What every dashboard panel shares: its own Axes, built once, changed in place by set_state."""
from __future__ import annotations

import numpy as np

from .. import palette as pal
from ..layout import off_plot_marks
from ..numbers import fmt_value



def sign_colours() -> tuple[str, str]:
    """Bias and gradient bars by sign, in the weight map's end colours, as the video draws them:
    (negative, positive)."""
    negative, positive = (pal.to_hex(c) for c in pal.sign_rgb([-1, 1]))
    return negative, positive
TITLE_SIZE = 12


def epoch_text(epoch: float) -> str:
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


class OffPlotMarks:
    """A triangle at the plot's edge and the true value, where a curve leaves the y-range."""

    def __init__(self, ax, low: float, high: float):
        self.ax, self.low, self.high = ax, low, high
        self.artists = {}
        for side, marker, va, y in (("above", "^", "top", high), ("below", "v", "bottom", low)):
            (tip,) = ax.plot([], [], marker, color=pal.theme().prediction, markersize=9, clip_on=False, zorder=6)
            text = ax.text(0, y, "", ha="center", va=va, fontsize=9, color=pal.theme().ink, zorder=6,
                           bbox=dict(facecolor=pal.theme().figure, edgecolor="none", alpha=0.8, pad=1))
            for artist in (tip, text):  # drawn inside the plot: never part of the layout
                artist.set_in_layout(False)
            self.artists[side] = (tip, text)

    def all(self) -> list:
        return [artist for pair in self.artists.values() for artist in pair]

    def show(self, xs, ys, colour: str | None = None) -> list:
        """Place the marks for one curve; returns the marks (empty when it stays inside)."""
        colour = colour or pal.theme().prediction
        marks = off_plot_marks(xs, ys, self.low, self.high)
        for side, (tip, text) in self.artists.items():
            mark = next((m for m in marks if m.side == side), None)
            tip.set_visible(mark is not None)
            text.set_visible(mark is not None)
            if mark is None:
                continue
            edge = self.high if side == "above" else self.low
            tip.set_data([mark.x], [edge])
            tip.set_color(colour)
            inside = -1 if side == "above" else 1  # the value sits just inside the edge
            span = self.high - self.low
            text.set_position((mark.x, edge + inside * 0.05 * span))
            left, right = self.ax.get_xlim()
            share = (mark.x - left) / (right - left)  # near a side: keep the text inside
            text.set_ha("left" if share < 0.15 else "right" if share > 0.85 else "center")
            text.set_text(f"{'↑' if side == 'above' else '↓'} {fmt_value(mark.value)}")
        return marks
