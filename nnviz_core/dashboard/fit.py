"""The data panel: for 1-D data the training points and the prediction on a dense grid
(DataFitPanel); for 2-D data the input plane (PlanePanel): a classification's decision regions
and boundary, or a regression's ŷ map, under the training points."""
from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.cm import ScalarMappable
from matplotlib.patheffects import Normal, Stroke

from .. import plane
from ..layout import accuracy_text, fit_y_range, mark_text, padded
from ..numbers import fmt_loss
from ..palette import HELD_OUT_CAPTION, HELD_OUT_EDGE_POINTS, HELD_OUT_INK_POINTS
from ..timeline import shown_accuracy
from .panel import TITLE_SIZE, DashboardPanel, OffPlotMarks, epoch_text, set_curve

POINT_SIZE = 30  # points², the scatter's markers on the plane


def inked(theme) -> list:
    """A held-out ring on the plane: edged in ink on both sides, so it reads on any colour."""
    return [Stroke(linewidth=HELD_OUT_EDGE_POINTS + 2 * HELD_OUT_INK_POINTS, foreground=theme.ink), Normal()]
BOUNDARY_WIDTH = 2.0  # points


def fit_panel(ax, history, palette):
    """The data panel that suits the run: the curve for 1-D data, the plane for 2-D."""
    return (PlanePanel if history.problem.is_2d else DataFitPanel)(ax, history, palette)


class DataFitPanel(DashboardPanel):
    """Blue points, the red prediction, the epoch and the loss; the y-range is fixed for the
    run and covers every prediction, or marks where the curve leaves it."""

    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        h = history
        ax.scatter(h.X[:, 0], h.y[:, 0], color=self.theme.data_points, alpha=self.theme.data_alpha, label="True Data")
        self.held_out = None  # the held-out points: the same colour, hollow
        if len(h.X_test):
            self.held_out = ax.scatter(h.X_test[:, 0], h.y_test[:, 0], facecolors="none", edgecolors=self.theme.data_points,
                                       linewidths=HELD_OUT_EDGE_POINTS, label=HELD_OUT_CAPTION)
        (self.line,) = ax.plot(h.grid[:, 0], h.grid[:, 0] * 0, color=self.theme.prediction, linewidth=2,
                               label="Prediction")
        # Beside the plot, as the contributions panel's: inside it would cover the off-plot marks.
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.85)
        ax.grid(True)
        ax.set_xlim(*padded(h.grid[0, 0], h.grid[-1, 0], 0.025))
        self.ylim = padded(*fit_y_range(h))
        ax.set_ylim(*self.ylim)
        self.title = ax.set_title("", fontsize=TITLE_SIZE)
        self.marks = OffPlotMarks(ax, *self.ylim, self.theme)

    def changing_artists(self) -> list:
        """The curve, its marks and the title: the points under them are drawn once."""
        return [self.line, *self.marks.all(), self.title]

    def set_state(self, state) -> None:
        prediction = state.prediction[:, 0]
        set_curve(self.line, self.history.grid[:, 0], prediction, *self.ylim)
        self.marks.show(self.history.grid[:, 0], prediction)
        self.title.set_text(f"Data Fit (Epoch {epoch_text(state, self.history.epochs)})\nLoss: {fmt_loss(state.loss)}")


class PlanePanel(DashboardPanel):
    """The input plane, x₁ across and x₂ up. A classification: the decision regions as one image
    (``plane.region_rgb``), the boundary (``plane.boundary_segments``) and the points in their
    class's colour and marker. A regression: the ŷ map and the points coloured by their y, on one
    scale fixed for the run (``plane.value_norm``). The image and the boundary are changed
    in place each frame; the points are redrawn over them."""

    def __init__(self, ax, history, palette):
        super().__init__(ax, history, palette)
        h, theme = history, self.theme
        self.classes = h.problem.classes
        lo, hi = self.span = plane.grid_span(h.problem)
        side = h.problem.grid_side
        # origin lower: row r of a map is x2's r-th value, rising, as the plane's images are.
        self.image = ax.imshow(np.zeros((side, side, 3)), origin="lower", extent=plane.image_extent(h.problem),
                               interpolation="bilinear", zorder=0)
        X = h.problem.raw_inputs
        if self.classes:
            labels = h.problem.labels()
            self.boundary = ax.add_collection(LineCollection([], colors=theme.ink, linewidths=BOUNDARY_WIDTH,
                                                             zorder=1.5, label="boundary"))
            self.points = []
            for k in range(self.classes):
                mine = labels == k
                self.points.append(ax.scatter(X[mine, 0], X[mine, 1], s=POINT_SIZE, marker=plane.class_marker(k),
                                              color=plane.class_colour(k, theme), edgecolors=theme.ink,
                                              linewidths=0.6, zorder=2, clip_on=False, label=f"class {k}"))
            self.held_out = []  # the held-out points: their class's colour and marker, hollow
            test_labels = h.problem.test_labels() if h.problem.has_test else np.zeros(0, int)
            for k in range(self.classes):
                mine = test_labels == k
                if mine.any():
                    self.held_out.append(ax.scatter(h.X_test[mine, 0], h.X_test[mine, 1], s=POINT_SIZE,
                                                    marker=plane.class_marker(k), facecolors="none",
                                                    edgecolors=plane.class_colour(k, theme),
                                                    linewidths=HELD_OUT_EDGE_POINTS, zorder=2, clip_on=False,
                                                    path_effects=inked(theme)))
            handles = [*self.points, self.boundary]
            if self.held_out:  # the caption: an ink ring, for every class's hollow points
                handles.append(ax.scatter([], [], s=POINT_SIZE, facecolors="none", edgecolors=theme.ink,
                                          linewidths=HELD_OUT_EDGE_POINTS, label=HELD_OUT_CAPTION))
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.85)
        else:
            self.boundary = None
            self.norm = plane.value_norm(h)
            self.points = [ax.scatter(X[:, 0], X[:, 1], s=POINT_SIZE, c=plane.value_rgb(h.y[:, 0], self.norm, theme),
                                      edgecolors=theme.ink, linewidths=0.6, zorder=2, clip_on=False)]
            self.held_out = []  # the held-out points: coloured by their own y, hollow
            if len(h.X_test):
                self.held_out.append(ax.scatter(h.X_test[:, 0], h.X_test[:, 1], s=POINT_SIZE, facecolors="none",
                                                edgecolors=plane.value_rgb(h.y_test[:, 0], self.norm, theme),
                                                linewidths=HELD_OUT_EDGE_POINTS, zorder=2, clip_on=False,
                                                path_effects=inked(theme)))
                # Under the plane's left corner, clear of the x₁ label in the middle.
                ax.legend(handles=[ax.scatter([], [], s=POINT_SIZE, facecolors="none", edgecolors=theme.ink,
                                              linewidths=HELD_OUT_EDGE_POINTS, label=HELD_OUT_CAPTION)],
                          loc="upper left", bbox_to_anchor=(-0.12, -0.07), fontsize=8, framealpha=0.85)
            v = self.norm.vmax
            ramp = plane.value_rgb(np.linspace(-v, v, 256), self.norm, theme)
            # The bar's end triangles say that ŷ beyond its scale is drawn in the end colours.
            bar = ax.figure.colorbar(ScalarMappable(Normalize(-v, v), ListedColormap(ramp)), ax=ax,
                                     fraction=0.05, pad=0.03,
                                     extend="both" if plane.value_clipped(h) else "neither")
            bar.set_label("ŷ (map) and y (points)", fontsize=9)
            bar.ax.tick_params(labelsize=8)
            # ŷ beyond the scale: its true extreme over the bar's end, as the video writes it
            # (texts of this panel's Axes, placed by the bar's, so each frame redraws them)
            self.off_marks = {side: ax.text(0.5, 1.06 if side == "above" else -0.06, "", transform=bar.ax.transAxes,
                                            ha="center", va="bottom" if side == "above" else "top", fontsize=8,
                                            color=theme.ink, clip_on=False)
                              for side in ("above", "below")}
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        self.title = ax.set_title("", fontsize=TITLE_SIZE)

    def set_state(self, state) -> None:
        theme = self.theme
        loss = f"Loss: {fmt_loss(state.loss)}"
        if self.classes:
            self.image.set_data(plane.region_rgb(state.grid_map(state.grid_probabilities), theme))
            self.boundary.set_segments(plane.boundary_segments(state))
            self.title.set_text(f"Decision Regions (Epoch {epoch_text(state, self.history.epochs)})\n"
                                f"{loss}   Accuracy: {accuracy_text(shown_accuracy(self.history, state))}")
        else:
            values = state.grid_map(state.prediction)[..., 0]
            self.image.set_data(plane.value_rgb(values, self.norm, theme))
            off = dict(plane.off_scale(values, self.norm))
            for side, text in self.off_marks.items():
                text.set_text(mark_text(side, off[side]) if side in off else "")
            self.title.set_text(f"Prediction ŷ (Epoch {epoch_text(state, self.history.epochs)})\n{loss}")
