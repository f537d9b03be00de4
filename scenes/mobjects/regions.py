"""DecisionRegionPanel: 2-D data on its input plane, the decision regions behind the training
points and the decision boundary over them (a 2-D regression: the ŷ map behind points coloured
by their y). The 2-D counterpart of DataFitPanel, with the same interface."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Circle, Group, ImageMobject, Line, Rectangle, Square, Triangle, VGroup,
                   VMobject)
from manim.constants import CapStyleType

from PIL import Image

from nnviz_core.layout import mark_text
from nnviz_core.palette import HELD_OUT_CAPTION, HELD_OUT_INK_STROKE, HELD_OUT_STROKE, Palette, to_hex
from nnviz_core.plane import (boundary_segments, class_colour, class_marker, grid_span, off_scale, region_rgb,
                              value_norm, value_rgb)

from .. import images  # noqa: F401  (the camera's image drawing)
from ..theme import SMALL_SIZE, LiveNumber, label, muted
from .data_fit import DataFitPanel
from .panel import PlotArea, tick_text

BOUNDARY_WIDTH = 4  # the boundary's stroke, in manim's stroke units
OUTLINE_WIDTH = 1.5  # the ink outline of every training point: it reads on any region colour
LEGEND_STEPS = 24  # swatches in a regression's colour bar
LEGEND_GAP = 0.55  # between the plot and the legend beside it (clear of the x₁ label)


class DecisionRegionPanel(Group):
    """The State's decision regions as one image (the grid's class probabilities, coloured by
    ``plane.region_rgb``, resampled bilinearly so the grid reads smooth), the training points in
    their class's colour and marker shape, and the boundary (``plane.boundary_segments``) in
    ink. A 2-D regression shows the ŷ map on a fixed scale (``plane.value_norm``), beside the
    scale how far ŷ goes past it when it does (``plane.off_scale``), and each point in the colour
    of its own y on that scale; ``curve`` is then empty.

        fit = DecisionRegionPanel(history, palette, width=5.5, height=3)
        self.add(fit.set_state(history.at(0)))
        fit.set_state(history.at(history.epochs))  # the regions and the boundary change, the points stay

    A Group, not a VGroup (it holds an image). ``static`` is drawn once per play; ``live``, which
    set_state changes, holds the image and everything drawn over it.
    """

    def __init__(self, history, palette: Palette, width: float = 5.5, height: float = 3.2, title: str | None = None):
        super().__init__()
        self.palette, self.theme = palette, palette.theme
        problem = history.problem
        self.classes = problem.classes
        self.static, self.live = VGroup(), Group()
        self.add(self.static, self.live)
        self.norm = None if self.classes else value_norm(history)
        legend, ends = (class_legend(self.classes, self.theme), ()) if self.classes else value_legend(self.norm, self.theme)
        if problem.has_test:  # the caption of the hollow points, under the rest of the legend
            legend.add(VGroup(marker("o", np.zeros(3), 0.07, self.theme.ink, self.theme.ink, hollow=True),
                              label(HELD_OUT_CAPTION, self.theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1))
            legend.arrange(DOWN, buff=0.2, aligned_edge=LEFT)
        lo, hi = grid_span(problem)
        half_cell = (hi - lo) / (problem.grid_side - 1) / 2  # the image's pixels are centred on the grid points
        span = (lo - half_cell, hi + half_cell)
        # A square plot (one scale for x1 and x2), the legend beside it, in width x height.
        side = max(min(height, width - legend.width - LEGEND_GAP), 0.5 * height)
        self.plot = PlotArea(span, span, side, side, "x₁", "x₂", self.theme)
        # The image, drawn each frame, covers the grid; the axes go over it, with the rest.
        self.plot.mobject.remove(self.plot.x_axis, self.plot.y_axis)
        cells = problem.grid_side
        self.image = ImageMobject(np.full((cells, cells, 4), 255, np.uint8))
        self.image.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.image.stretch_to_fit_width(side).stretch_to_fit_height(side)
        self.image.move_to(self.plot.points([np.mean(span)], [np.mean(span)])[0])
        if self.classes:  # each point in its class's colour and shape
            labels = problem.labels()
            colours, shapes = [class_colour(k, self.theme) for k in labels], [class_marker(k) for k in labels]
        else:  # each point in the colour of its own y, on the map's scale
            colours, shapes = [to_hex(c) for c in value_rgb(history.y[:, 0], self.norm, self.theme)], ["o"] * len(history.y)
        self.dots = markers(self.plot.points(*problem.raw_inputs.T), colours, shapes, marker_size(self.plot), self.theme.ink)
        # The held-out points by the same rule, hollow: outlined in their colour, not filled.
        if self.classes:
            labels = problem.test_labels()
            colours, shapes = [class_colour(k, self.theme) for k in labels], [class_marker(k) for k in labels]
        else:
            colours, shapes = [to_hex(c) for c in value_rgb(problem.y_test[:, 0], self.norm, self.theme)], ["o"] * len(problem.y_test)
        self.test_dots = markers(self.plot.points(*problem.test_inputs.T), colours, shapes, marker_size(self.plot),
                                 self.theme.ink, hollow=True)
        # One VMobject, its points set each frame; round caps join the contour's segments.
        self.curve = VMobject(stroke_color=self.theme.ink, stroke_width=BOUNDARY_WIDTH, cap_style=CapStyleType.ROUND)
        heading = label(title or ("Decision regions" if self.classes else "Prediction ŷ"), self.theme, SMALL_SIZE + 4)
        heading.next_to(self.plot.y_axis, UP, buff=0.45).align_to(self.plot.y_axis, LEFT)
        legend.next_to(self.plot.x_axis.get_end(), RIGHT, buff=LEGEND_GAP).align_to(self.plot.y_axis, UP)
        self.off_scale_marks = off_scale_marks(ends, self.theme) if ends else {}
        self.static.add(self.plot.mobject, heading, legend)
        self.live.add(self.image, self.plot.x_axis, self.plot.y_axis, self.dots, self.test_dots, self.curve,
                      *self.off_scale_marks.values())

    def set_state(self, state) -> "DecisionRegionPanel":
        if self.classes:
            rgb = region_rgb(state.grid_map(state.grid_probabilities), self.theme)
        else:
            rgb = value_rgb(state.grid_map(state.prediction)[..., 0], self.norm, self.theme)
            beyond = dict(off_scale(state.prediction[:, 0], self.norm))
            for side, mark in self.off_scale_marks.items():
                if side in beyond:
                    mark.set_value(beyond[side])
                mark.set_fill(opacity=1.0 if side in beyond else 0.0)
        # The image's first row is its top: x2 upward is the grid's rows reversed.
        self.image.pixel_array[:, :, :3] = np.round(rgb[::-1] * 255).astype(np.uint8)
        if self.classes:
            self.set_boundary(boundary_segments(state))
        return self

    def set_boundary(self, segments: np.ndarray) -> None:
        """The segments (m, 2, 2), in input coordinates, as the curve's straight pieces (each
        boundary between two classes is found from both sides: drawn once)."""
        segments = unique_segments(segments)
        if not len(segments):
            self.curve.clear_points()
            return
        ends = self.plot.points(segments[:, :, 0].ravel(), segments[:, :, 1].ravel()).reshape(-1, 2, 3)
        a, b = ends[:, 0], ends[:, 1]
        self.curve.set_points(np.stack([a, a + (b - a) / 3, a + 2 * (b - a) / 3, b], axis=1).reshape(-1, 3))

    def point(self, x1: float, x2: float) -> np.ndarray:
        return self.plot.points([x1], [x2])[0]


def data_panel(history, palette: Palette, width: float, height: float):
    """The run's data panel: its decision regions (or ŷ map) on 2-D data, its fit on 1-D."""
    panel = DecisionRegionPanel if history.problem.is_2d else DataFitPanel
    return panel(history, palette, width=width, height=height)


def unique_segments(segments: np.ndarray) -> np.ndarray:
    """The segments once each, whichever way round."""
    if len(segments) < 2:
        return segments
    ends = np.round(segments, 9)
    swap = (ends[:, 0, 0] > ends[:, 1, 0]) | ((ends[:, 0, 0] == ends[:, 1, 0]) & (ends[:, 0, 1] > ends[:, 1, 1]))
    ends[swap] = ends[swap][:, ::-1]
    _, first = np.unique(ends.reshape(-1, 4), axis=0, return_index=True)
    return segments[np.sort(first)]


# -- markers --------------------------------------------------------------------------------
def marker_outline(shape: str) -> np.ndarray:
    """A marker's outline as cubic Bézier points, centred on 0, about as big as a unit circle
    (the shapes sized to look alike: matplotlib's names, see plane.CLASS_MARKERS)."""
    made = {"o": lambda: Circle(radius=1.0), "^": lambda: Triangle().scale(1.3).move_to([0, 0, 0]),
            "s": lambda: Square(side_length=1.75), "D": lambda: Square(side_length=1.75).rotate(np.pi / 4)}[shape]()
    return made.points.copy()


def marker_size(plot: PlotArea) -> float:
    """A marker's radius: a fiftieth of the plot's side, readable from a small panel to a big one."""
    return float(np.clip(plot.x_axis.get_length() / 50, 0.035, 0.08))


def marker_style(fill: str, ink: str, hollow: bool = False) -> dict:
    """A training point: filled in its colour, outlined in ink. A held-out one: hollow, a ring in
    its colour (palette.HELD_OUT_STROKE) edged in ink on both sides (a background stroke), so it
    reads on a region or map of its own colour."""
    if hollow:
        return dict(fill_opacity=0.0, stroke_color=fill, stroke_width=HELD_OUT_STROKE, background_stroke_color=ink,
                    background_stroke_width=HELD_OUT_STROKE + 2 * HELD_OUT_INK_STROKE, background_stroke_opacity=1.0)
    return dict(fill_color=fill, fill_opacity=1.0, stroke_color=ink, stroke_width=OUTLINE_WIDTH)


def marker(shape: str, at, radius: float, fill: str, ink: str, hollow: bool = False) -> VMobject:
    return VMobject(**marker_style(fill, ink, hollow)).set_points(marker_outline(shape) * radius + at)


def markers(at: np.ndarray, colours: list, shapes: list, radius: float, ink: str, hollow: bool = False) -> VGroup:
    """A marker at each scene point, in its colour and shape, outlined in ink (``hollow``: only
    outlined, in its colour): one VMobject for all the points of one colour and shape (they are
    drawn every frame, over the regions, so few mobjects keep the frame cheap)."""
    groups = {}
    for point, colour, shape in zip(at, colours, shapes):
        groups.setdefault((colour, shape), []).append(point)
    made = VGroup()
    for (colour, shape), points in groups.items():
        outline = marker_outline(shape) * radius
        made.add(VMobject(**marker_style(colour, ink, hollow)).set_points(
            (np.array(points)[:, None, :] + outline[None, :, :]).reshape(-1, 3)))
    return made


def class_legend(classes: int, theme) -> VGroup:
    """Each class's marker and name, and the boundary's line."""
    items = [VGroup(marker(class_marker(k), np.zeros(3), 0.07, class_colour(k, theme), theme.ink),
                    label(f"class {k}", theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1) for k in range(classes)]
    items.append(VGroup(Line(0.2 * LEFT, 0.2 * RIGHT, color=theme.ink, stroke_width=BOUNDARY_WIDTH),
                        label("boundary", theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1))
    return VGroup(*items).arrange(DOWN, buff=0.2, aligned_edge=LEFT)


def value_legend(norm, theme) -> tuple[VGroup, tuple]:
    """A regression's colour scale, ŷ and y from −vmax (bottom) to +vmax (top) on the run's
    fixed norm; and its two end labels, top and bottom."""
    values = np.linspace(norm.vmax, -norm.vmax, LEGEND_STEPS)
    bar = VGroup(*(Rectangle(width=0.22, height=0.06, stroke_width=0, fill_color=to_hex(c), fill_opacity=1.0)
                   for c in value_rgb(values, norm, theme))).arrange(DOWN, buff=0)
    top = muted(tick_text(norm.vmax), theme).next_to(bar, RIGHT, buff=0.1).align_to(bar, UP)
    bottom = muted(tick_text(-norm.vmax), theme).next_to(bar, RIGHT, buff=0.1).align_to(bar, DOWN)
    return VGroup(label("y, ŷ", theme, SMALL_SIZE), VGroup(bar, top, bottom)).arrange(DOWN, buff=0.15, aligned_edge=LEFT), (top, bottom)


def off_scale_marks(ends, theme) -> dict:
    """Beside each end of the colour scale, hidden until ŷ passes it, how far it goes ("↑5.26")."""
    marks = {}
    for side, end in zip(("above", "below"), ends):
        mark = LiveNumber(0, lambda v, side=side: mark_text(side, v), SMALL_SIZE, color=theme.ink, slots=12)
        marks[side] = mark.next_to(end, RIGHT, buff=0.15).align_to(end, DOWN)
    return marks
