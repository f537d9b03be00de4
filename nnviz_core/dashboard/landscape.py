"""LandscapePanel: the loss over the plane of a run's two main directions of travel, and the
run's real path across it (nnviz_core.landscape), as the video's LossLandscape draws them; with
several runs (a comparison), every run's path on one shared plane."""
from __future__ import annotations

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, LogNorm, Normalize

from .. import landscape as ls
from ..compare import shown_at
from ..layout import log_tick_text
from ..numbers import fmt_loss
from ..palette import CONTOUR_ALPHA, PATH_DARK, PATH_LIGHT, path_strokes, sequential_colours, sequential_rgb, to_hex
from .panel import TITLE_SIZE, DashboardPanel, epoch_text

NOTE_SIZE = 9


class LandscapePanel(DashboardPanel):
    """The surface (fixed: drawn once), its contour lines and colour bar; each run's path up to
    the frame's epoch in three strokes, its start (□), the plane's centre (×) and a dot at the
    State's projection filled with training's loss. Pointers on the colour bar give that loss
    (filled) and the plane's under the dot (hollow); the title writes both.

        panel = LandscapePanel(ax, history, palette)
        panel.set_state(history.at_epoch(40))
    """

    def __init__(self, ax, history, palette, runs=None, names=None, colours=None, land=None):
        super().__init__(ax, history, palette)
        theme = self.theme
        self.runs = list(runs or [history])
        self.names = names
        self.land = land or ls.landscape(history)
        land, s = self.land, self.land.scale
        extent = land.extent  # pixels centred on the grid points
        ax.imshow(sequential_rgb(land.surface, s.low, s.high, s.log, theme), origin="lower", extent=extent,
                  interpolation="bilinear", zorder=0)
        ax.add_collection(LineCollection([seg for _, segs in land.contours() for seg in segs], colors=PATH_LIGHT,
                                         linewidths=0.8, alpha=CONTOUR_ALPHA, zorder=1))
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_aspect("equal")
        x_name, y_name = ls.axis_names(land)
        ax.set_xlabel(x_name)
        ax.set_ylabel(y_name)
        norm = LogNorm(s.low, s.high) if s.log else Normalize(s.low, s.high)
        bar = ax.figure.colorbar(ScalarMappable(norm, ListedColormap(sequential_colours(theme))), ax=ax,
                                 fraction=0.05, pad=0.03)
        bar.set_label(ls.surface_name(land.problem))
        if s.log:  # written as the video writes them: 1, 0.1, 0.01, then 10⁻³
            bar.set_ticks(s.ticks, labels=[log_tick_text(v) for v in s.ticks])
            bar.ax.minorticks_off()
        bar.ax.tick_params(labelsize=8)
        self.bar_ax = bar.ax
        core, casing, edge = (w for w in ls.PATH_WIDTHS)
        colours = colours or [theme.path]
        marks = [theme.ink] if names is None else colours  # on the figure's background
        self.trails, self.dots, self.pointers = [], [], []
        on_bar = bar.ax.get_yaxis_transform()  # x in the bar's width, y in loss
        for path, colour, mark in zip(land.paths, colours, marks):
            stroke_casing, stroke_edge = path_strokes(colour)
            style = dict(solid_capstyle="round", solid_joinstyle="round")
            self.trails.append([ax.plot([], [], color=c, linewidth=w, zorder=3, **style)[0]
                                for c, w in ((stroke_edge, edge), (stroke_casing, casing), (colour, core))])
            for c, w, z in ((stroke_casing, casing, 4), (colour, core, 4.1)):
                ax.plot(*path.coords[0], "s", markersize=7, mfc="none", mec=c, mew=w, zorder=z)
            (under,) = ax.plot([], [], "o", markersize=ls.MARKER_SIZE + 3, color=stroke_casing, mec=stroke_edge, mew=1,
                               zorder=5, clip_on=False)  # whole, even on the plot's edge
            (dot,) = ax.plot([], [], "o", markersize=ls.MARKER_SIZE, mec=colour, mew=core, zorder=5.1, clip_on=False)
            for m in (under, dot):
                m.set_in_layout(False)
            self.dots.append((under, dot))
            pointers = []
            for fill in (mark, "none"):  # training's loss, the plane's
                (p,) = ax.plot([], [], ">", markersize=8, mfc=fill, mec=mark, mew=1.5, transform=on_bar, clip_on=False,
                               zorder=6)
                p.remove()
                bar.ax.add_line(p)
                p.set_in_layout(False)
                pointers.append(p)
            self.pointers.append(pointers)
        for c, w in ((PATH_LIGHT, casing + 1.5), (PATH_DARK, core)):
            ax.plot([0], [0], "x", markersize=9, mec=c, mew=w, zorder=4.5)
        # Clear of a dot waiting on the top edge (a diverged run's): matplotlib's 6 points and its radius.
        self.title = ax.set_title("", fontsize=TITLE_SIZE, pad=6 + (ls.MARKER_SIZE + 3) / 2)
        # Under the plot, a line at a time (in points, clear of the ticks and the axis's name): a
        # comparison's readout, a run a line in its colour; then what the plane is and leaves out.
        below = iter(range(40, 400, 14))
        self.readouts = [] if names is None else [
            ax.annotate("", (0, 0), xycoords="axes fraction", xytext=(0, -next(below)), textcoords="offset points",
                        va="top", fontsize=NOTE_SIZE + 1, color=colour) for colour in colours]
        lines = ["   ".join(ls.MARKS_WORDS) + ("" if names is None else "   " + ls.pointers_words(land.problem)),
                 ls.plane_words(land, self.runs[0]), ls.left_out_words(land)]
        if land.sampled:
            lines.append(f"the path: {len(land.paths[0].times)} evenly spaced epochs")
        if land.unfinite:
            lines.append(f"grey: {land.unfinite} points whose loss is not finite")
        for line in lines:
            ax.annotate(line, (0, 0), xycoords="axes fraction", xytext=(0, -next(below)), textcoords="offset points",
                        va="top", fontsize=NOTE_SIZE, color=theme.muted_ink)

    def changing_artists(self) -> list:
        """The paths, the dots, the pointers and the title: the surface under them is drawn once."""
        return [*(line for trail in self.trails for line in trail), *(m for pair in self.dots for m in pair),
                *(p for pair in self.pointers for p in pair), self.title, *self.readouts]

    def moment(self, k: int, state):
        """Run k's State at the frame's epoch, its point on the plane, training's loss there and
        the plane's."""
        own = state if len(self.runs) == 1 else shown_at(self.runs[k], state.epoch)
        coords = self.land.project(own)
        return own, coords, own.total_loss, self.land.loss_at(coords)

    def set_state(self, state) -> None:
        s = self.land.scale
        said = []
        self.shown = []
        for k, (path, trail, (under, dot), pointers) in enumerate(zip(self.land.paths, self.trails, self.dots,
                                                                      self.pointers)):
            own, coords, real, plane = self.moment(k, state)
            corners = np.vstack([path.coords[:path.upto(own.epoch)], coords[None]])
            pieces = ls.clipped(corners, self.ax.get_xlim(), self.ax.get_ylim())  # NaN between: nothing along an edge
            joined = np.concatenate([q for p in pieces for q in (p, np.full((1, 2), np.nan))]) if pieces else np.zeros((0, 2))
            for line in trail:
                line.set_data(joined[:, 0], joined[:, 1])
            # On the plot, or on its edge (the range holds every moment of the path; the State
            # drawn between two sampled ones could leave it): never silently out of sight.
            a, b = ls.on_edge(coords, self.ax.get_xlim(), self.ax.get_ylim())
            under.set_data([a], [b])
            dot.set_data([a], [b])
            dot.set_markerfacecolor(to_hex(sequential_rgb(real, s.low, s.high, s.log, self.theme)))
            for pointer, value in zip(pointers, (real, plane)):
                pointer.set_data([-0.45], [min(max(value, s.low), s.high)])  # past the scale: at its end (the readout gives it)
            self.shown.append((own, coords, real, plane))
            h, notes = self.runs[k], []
            if h.diverged_at is not None and state.epoch >= h.diverged_at:
                notes.append(f"diverged at epoch {h.diverged_at} (shown at {epoch_text(own.epoch)})")
            if not self.land.inside(coords):
                notes.append("beyond the plot: on its edge")
            said.append((real, plane, notes))
        epoch = f"Loss landscape (Epoch {epoch_text(state.epoch)})"
        if self.names is None:
            real, plane, notes = said[0]
            self.title.set_text(f"{epoch}\n▶ {ls.real_name(self.land.problem)} {fmt_loss(real)}   ▷ the plane's, under the dot "
                                f"{fmt_loss(plane)}" + "".join(f"; {n}" for n in notes))
            return
        self.title.set_text(f"{epoch}: every run on one plane")
        for text, name, path, (real, plane, notes) in zip(self.readouts, self.names, self.land.paths, said):
            tail = "; ".join(notes) or f"the plane holds {ls.share_text(path.explained)} of its path"
            text.set_text(f"{name}: ▶ {fmt_loss(real)}   ▷ {fmt_loss(plane)}   ({tail})")
