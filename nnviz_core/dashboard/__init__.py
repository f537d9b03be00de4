"""The classic training dashboard: the seed notebook's seven matplotlib panels, fixed, and the
contributions panel; one class per panel, each with ``set_state(state)``.

``Dashboard(history)`` builds the figure and every panel once and lays it out once;
``render_rgb(state)`` then only changes data, colours and text. The parts no frame changes (axes
frames, ticks, grids, legends, the note) are drawn once into a background; a frame restores it
and draws only the changing artists over it (blitting).
"""
from __future__ import annotations

from functools import partial

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from .. import palette as pal
from ..errors import NnvizError
from ..panels import CLASSIC, PANELS
from .bars import BiasBars, GradientBars
from .contributions import ContributionsPanel
from .fit import fit_panel
from .heatmap import WeightHeatmap
from .landscape import LandscapePanel
from .loss import LossPanel
from .network import NetworkDiagram
from .panel import DashboardPanel, sign_colours

# No EpochCounter as in the video: a GIF frame is one real epoch, which each panel's title names.
PANEL_TYPES = {"fit": fit_panel, "loss": LossPanel, "network": NetworkDiagram,
               "weights_in": partial(WeightHeatmap, first=True),
               "weights_out": partial(WeightHeatmap, first=False),
               "biases": BiasBars, "gradients": GradientBars, "contributions": ContributionsPanel,
               "landscape": LandscapePanel}
ONE_D_ONLY = ("contributions",)  # panels that draw along the one input x
# Each panel's cell in the seed's 3 x 3 grid; with the contributions panel, it and the fit share
# the left column's top two rows.
SEED_CELLS = {"fit": (slice(0, 2), 0), "loss": (2, 0), "network": (slice(0, 2), 1),
              "weights_in": (0, 2), "weights_out": (1, 2), "biases": (2, 1), "gradients": (2, 2)}
WITH_CONTRIBUTIONS = SEED_CELLS | {"fit": (0, 0), "contributions": (1, 0)}
LANDSCAPE_CELL = (slice(0, 3), 3)  # beside the seed's grid, a fourth column of its own
FIGSIZE = (22, 15)  # inches, as in the seed: 2640 x 1800 px at 120 dpi
DPI = 120


def named_colours(t: pal.Theme) -> tuple[str, ...]:
    """Colours every frame may need (the GIF's fixed palette): the theme's named colours."""
    return (t.input_neuron, t.hidden_neuron, t.output_neuron, t.backward_flow, t.data_points, t.prediction,
            t.loss_curve, *t.unit_colours, t.other_units, t.output_bias, t.grid, t.ink, t.muted_ink, t.figure)


__all__ = ["Dashboard", "figure_size", "FIGSIZE", "DPI", "sign_colours", "named_colours", "DashboardPanel"]


def check_panels(history, panels) -> None:
    """Refuse, in one line, a panel that cannot draw this run's data."""
    unfit = [p for p in panels if p in ONE_D_ONLY] if history.problem.is_2d else []
    if unfit:
        raise NnvizError(f"--panels {unfit[0]}: the {unfit[0]} panel draws 1-D data and "
                         f"{history.config.dataset} is 2-D; leave it out")


def theme_rc(theme: pal.Theme) -> dict:
    """matplotlib's settings for a theme: figure, axes, text, ticks, grid and legends."""
    return {"figure.facecolor": theme.figure, "axes.facecolor": theme.figure, "savefig.facecolor": theme.figure,
            "axes.edgecolor": theme.muted_ink, "axes.labelcolor": theme.ink, "text.color": theme.ink,
            "xtick.color": theme.muted_ink, "ytick.color": theme.muted_ink, "xtick.labelcolor": theme.ink,
            "ytick.labelcolor": theme.ink, "grid.color": theme.grid, "legend.facecolor": theme.figure,
            "legend.edgecolor": theme.muted_ink}


def grid_cells(panels) -> dict | None:
    """The seed's grid when the panels are the classic seven (plus, optionally, contributions),
    with the landscape in a fourth column when it is chosen too; None for any other subset, which
    sits in one row."""
    chosen = set(panels)
    beside = {"landscape": LANDSCAPE_CELL} if "landscape" in chosen else {}
    chosen.discard("landscape")
    if chosen == set(CLASSIC):
        return SEED_CELLS | beside
    if chosen == set(CLASSIC) | {"contributions"}:
        return WITH_CONTRIBUTIONS | beside
    return None


def grid_columns(panels) -> int:
    return 4 if "landscape" in panels else 3


def figure_size(panels) -> tuple[float, float]:
    """Inches: the seed's 22 x 15 for its grid (a column wider with the landscape); a subset sits
    in one row."""
    if grid_cells(panels):
        return (FIGSIZE[0] / 3 * grid_columns(panels), FIGSIZE[1])
    tall = any(p in ("fit", "network", "contributions", "landscape") for p in panels)
    return (FIGSIZE[0] / 3 * len(panels), FIGSIZE[1] * (2 / 3 if tall else 1 / 3))


class Dashboard:
    """The figure and its panels.

        d = Dashboard(history, theme=THEMES["dark"])
        rgb = d.render_rgb(history.at_epoch(60))   # (H, W, 3) uint8
    """

    def __init__(self, history, panels=CLASSIC, dpi: int = DPI, sampling_note: str | None = None,
                 theme: pal.Theme = pal.THEMES[pal.DEFAULT_THEME]):
        check_panels(history, panels)
        self.history = history
        self.palette = pal.Palette.for_history(history, theme)
        names = [p for p in PANELS if p in panels]
        with matplotlib.rc_context(theme_rc(theme)):  # artists take their colours as built
            self.fig = Figure(figsize=figure_size(names), dpi=dpi)
            FigureCanvasAgg(self.fig)  # draws off-screen into an RGBA buffer, no GUI backend
            self.panels: dict[str, DashboardPanel] = {}
            for name, ax in self._make_axes(names).items():
                extra = {"sampling_note": sampling_note} if name == "network" else {}
                self.panels[name] = PANEL_TYPES[name](ax, history, self.palette, **extra)
            first = history.at_epoch(0)
            self.update(first)
            self.fig.tight_layout()  # once: every later frame changes only numbers, not the layout
            renderer = self.fig.canvas.get_renderer()
            for panel in self.panels.values():
                panel.after_layout(renderer)
            self.update(first)
            self._draw_background()

    @property
    def axes(self) -> dict:
        return {name: panel.ax for name, panel in self.panels.items()}

    def _make_axes(self, names) -> dict:
        cells = grid_cells(names)
        if cells:
            grid = GridSpec(3, grid_columns(names), figure=self.fig)
            return {p: self.fig.add_subplot(grid[cells[p]]) for p in names}
        grid = GridSpec(1, len(names), figure=self.fig)
        return {p: self.fig.add_subplot(grid[0, k]) for k, p in enumerate(names)}

    def update(self, state) -> None:
        for panel in self.panels.values():
            panel.set_state(state)

    def render_rgb(self, state) -> np.ndarray:
        """The frame for ``state`` as an (H, W, 3) uint8 array."""
        self.update(state)
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for target, artists in self.changing:
            for artist in artists:
                target.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())[..., :3]

    def _draw_background(self) -> None:
        """Mark what frames change as animated, draw the rest once, and keep that image."""
        self.changing = []
        for panel in self.panels.values():
            artists = [panel.ax] if panel.redraw_axes else panel.changing_artists()
            for artist in artists:
                artist.set_animated(True)
            self.changing.append((self.fig if panel.redraw_axes else panel.ax, artists))
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
