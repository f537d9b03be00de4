"""The comparison as a GIF: a fit (or, for 2-D data, the plane) per run, side by side, and every run's loss on one axis, all at
the same epoch (with held-out points each run's test loss dashed beside its own, and read out in
its title). A run that diverged stays at its last finite state, and says so."""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.lines import Line2D

from .. import palette as pal
from ..compare import shown_at
from ..timeline import shown_accuracy, shown_test_accuracy, shown_test_loss
from ..layout import LOSS_LEGEND, accuracy_text, shared_loss_axis
from ..numbers import fmt_loss
from . import DPI, theme_rc
from .fit import DataFitPanel, PlanePanel
from .panel import TITLE_SIZE, DashboardPanel, OffPlotMarks, epoch_text, set_curve

COLUMN_INCHES = 7.3  # a run's column
HEIGHT_INCHES = 10


def comparison_inches(runs: int) -> tuple[float, float]:
    return COLUMN_INCHES * runs, HEIGHT_INCHES


class RunTitled:
    """One run's data panel (a fit, or the plane of a 2-D run), titled with the value that sets
    it apart; a run that diverged stays at its last finite state and says so."""

    def __init__(self, ax, history, palette, name: str, colour: str):
        super().__init__(ax, history, palette)
        self.name = name
        self.title.set_color(colour)

    def set_state(self, state) -> None:
        own = shown_at(self.history, state.epoch)
        super().set_state(own)
        diverged = self.history.diverged_at
        if diverged is not None and state.epoch >= diverged:
            self.title.set_text(f"{self.name}: diverged at epoch {diverged}\n"
                                f"(shown at epoch {own.epoch:.0f}, loss {fmt_loss(own.loss)})")
            return
        h = self.history
        accuracy = f"   Accuracy: {accuracy_text(shown_accuracy(h, own))}" if h.is_classification else ""
        if h.test_loss is not None:  # held-out points: each value beside its training one, from training
            test = f" ({LOSS_LEGEND[1]} {fmt_loss(shown_test_loss(h, own))})"
            accuracy = (f"   Accuracy: {accuracy_text(shown_accuracy(h, own))} ({LOSS_LEGEND[1]} "
                        f"{accuracy_text(shown_test_accuracy(h, own))})" if h.is_classification else "")
            self.title.set_text(f"{self.name} (Epoch {epoch_text(own, h.epochs)})\nLoss: {fmt_loss(own.loss)}{test}{accuracy}")
            return
        self.title.set_text(f"{self.name} (Epoch {epoch_text(own, h.epochs)})\nLoss: {fmt_loss(own.loss)}{accuracy}")


class RunFitPanel(RunTitled, DataFitPanel):
    pass


class RunPlanePanel(RunTitled, PlanePanel):
    pass


def run_panel(ax, history, palette, name: str, colour: str):
    return (RunPlanePanel if history.problem.is_2d else RunFitPanel)(ax, history, palette, name, colour)


class SharedLossPanel(DashboardPanel):
    """Every run's loss up to the shared epoch, on one axis set by the runs that ended no worse
    than they began; a curve that leaves it gets a mark with its value, or its divergence."""

    def __init__(self, ax, comparison, palette, colours):
        super().__init__(ax, comparison.histories[0], palette)
        self.runs = comparison.histories
        self.axis = shared_loss_axis(self.runs)
        if self.axis.log:
            ax.set_yscale("log")
        ax.set_ylim(self.axis.low, self.axis.high)
        ax.set_xlim(0, max(h.config.epochs for h in self.runs))
        ax.set_xlabel("Epoch")
        ax.grid(True)
        self.tested = [k for k, h in enumerate(self.runs) if h.test_loss is not None]
        title = "Training and Test Loss" if self.tested else "Training Loss"
        ax.set_title(title + (" (log scale)" if self.axis.log else ""), fontsize=TITLE_SIZE)
        self.lines, self.markers, self.notes = [], [], []
        for name, colour in zip(comparison.labels, colours):
            (line,) = ax.plot([], [], "-", color=colour, linewidth=2, label=name)
            (marker,) = ax.plot([], [], "o", color=colour, markersize=7, clip_on=False)
            self.lines.append(line), self.markers.append(marker)
        # With held-out points, each such run's test loss dashed in its colour; the legend says which is which.
        self.test_lines = [ax.plot([], [], "--", color=colours[k], linewidth=1.6)[0] for k in self.tested]
        # "✕ diverged at epoch N", under the legend, from that epoch on.
        for k, (h, name, colour) in enumerate(zip(self.runs, comparison.labels, colours)):
            note = ax.text(0.99, 0.62 - 0.1 * len(self.notes), f"✕ {name}: diverged at epoch {h.diverged_at}",
                           transform=ax.transAxes, color=colour, fontsize=10, ha="right", va="top",
                           bbox=dict(facecolor=self.theme.figure, edgecolor="none", alpha=0.8, pad=1))
            note.set_visible(False)
            self.notes.append(note if h.diverged_at is not None else None)
            if h.diverged_at is None:
                note.remove()
        # One row of marks per curve: the runs' losses, then their test losses.
        self.marks = OffPlotMarks(ax, self.axis.low, self.axis.high, self.theme,
                                  colours=[*colours, *(colours[k] for k in self.tested)])
        styles = [] if not self.tested else [Line2D([], [], color=self.theme.ink, linestyle=style, label=name)
                                             for style, name in zip(("-", "--"), LOSS_LEGEND)]
        ax.legend(handles=[*self.lines, *styles], loc="upper right")

    def set_state(self, state) -> None:
        low, high = self.axis.low, self.axis.high
        drawn = []
        for h, line, marker, note in zip(self.runs, self.lines, self.markers, self.notes):
            epoch = min(int(state.epoch), h.epochs)
            xs, ys = np.arange(epoch + 1, dtype=float), h.loss[:epoch + 1]
            set_curve(line, xs, ys, low, high, self.axis.log)
            marker.set_data([epoch], [min(max(h.loss[epoch], low), high)])  # beyond the plot: on its edge
            drawn.append(ys)
            if note is not None:
                note.set_visible(state.epoch >= h.diverged_at)
        for k, line in zip(self.tested, self.test_lines):
            h = self.runs[k]
            epoch = min(int(state.epoch), h.epochs)  # whole epochs, as the training curves here
            xs, ys = np.arange(epoch + 1, dtype=float), h.test_loss[:epoch + 1]
            set_curve(line, xs, ys, low, high, self.axis.log)
            drawn.append(ys)
        most = max(len(ys) for ys in drawn)  # one row per run, padded with NaN (no value, no mark)
        rows = np.array([np.r_[ys, np.full(most - len(ys), np.nan)] for ys in drawn])
        self.marks.show(np.arange(most, dtype=float), rows)


class WholeFigure:
    """A comparison's figure: a list of panels, each frame drawn whole (a few panels: no blitting
    needed)."""

    def update(self, state) -> None:
        for panel in self.panels:
            panel.set_state(state)

    def render_rgb(self, state) -> np.ndarray:
        self.update(state)
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3]


class CompareDashboard(WholeFigure):
    """The comparison's figure, built once; ``render_rgb(state)`` draws the runs at state.epoch.

        d = CompareDashboard(comparison)
        rgb = d.render_rgb(comparison.histories[0].at_epoch(40))
    """

    def __init__(self, comparison, dpi: int = DPI, theme: pal.Theme = pal.THEMES[pal.DEFAULT_THEME]):
        self.comparison = comparison
        runs = comparison.histories
        palettes = [pal.Palette.for_history(h, theme) for h in runs]
        self.palette = palettes[0]  # the theme, for the GIF writer
        colours = pal.run_colours(len(runs), theme)
        with matplotlib.rc_context(theme_rc(theme)):
            self.fig = Figure(figsize=comparison_inches(len(runs)), dpi=dpi)
            FigureCanvasAgg(self.fig)
            grid = GridSpec(2, len(runs), figure=self.fig, height_ratios=(3, 2))
            self.panels = [run_panel(self.fig.add_subplot(grid[0, k]), h, palette, name, colour)
                           for k, (h, palette, name, colour) in enumerate(zip(runs, palettes, comparison.headings, colours))]
            self.panels.append(SharedLossPanel(self.fig.add_subplot(grid[1, :]), comparison, self.palette, colours))
            first = runs[0].at_epoch(0)
            self.update(first)
            self.fig.tight_layout()
            self.fig.canvas.draw()



LANDSCAPE_INCHES = (16.0, 9.5)  # the shared landscape beside the shared loss


class LandscapeCompareDashboard(WholeFigure):
    """Every run's path on one shared plane (``landscape.shared_landscape``: refused, in one line,
    for runs of different networks or losses) beside every run's loss on one axis, at one epoch.

        d = LandscapeCompareDashboard(comparison)
        rgb = d.render_rgb(comparison.clock().at_epoch(40))
    """

    def __init__(self, comparison, dpi: int = DPI, theme: pal.Theme = pal.THEMES[pal.DEFAULT_THEME]):
        from ..landscape import shared_landscape
        from .landscape import LandscapePanel

        self.comparison = comparison
        runs = comparison.histories
        self.landscape = shared_landscape(runs, comparison.labels)
        self.palette = pal.Palette.for_history(runs[0], theme)
        colours = pal.run_colours(len(runs), theme)
        with matplotlib.rc_context(theme_rc(theme)):
            self.fig = Figure(figsize=LANDSCAPE_INCHES, dpi=dpi)
            FigureCanvasAgg(self.fig)
            grid = GridSpec(1, 2, figure=self.fig, width_ratios=(1.15, 1))
            self.panels = [LandscapePanel(self.fig.add_subplot(grid[0, 0]), runs[0], self.palette, runs=runs,
                                          names=comparison.labels, colours=colours, land=self.landscape),
                           SharedLossPanel(self.fig.add_subplot(grid[0, 1]), comparison, self.palette, colours)]
            self.update(runs[0].at_epoch(0))
            self.fig.tight_layout()
            self.fig.canvas.draw()
            self._lift_notes()

    def _lift_notes(self) -> None:
        """tight_layout leaves out the notes under the square landscape (their last line fell off the
        foot of the figure): raise the plots until the lowest note is in, a few tries (the square
        axes is centred in its cell, so a lift moves it by less)."""
        ax, margin = self.panels[0].ax, 4 * self.fig.dpi / 72
        for _ in range(6):
            low = min(t.get_window_extent(self.fig.canvas.get_renderer()).y0 for t in ax.texts)
            if low >= margin:
                return
            bottom = self.fig.subplotpars.bottom + (margin - low) / self.fig.bbox.height
            self.fig.subplots_adjust(bottom=min(bottom, 0.5))
            self.fig.canvas.draw()

