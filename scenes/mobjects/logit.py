"""LogitPanel: on the input plane, each first-layer unit's line and half-plane, and an output's z
built up as its bias plus each last-hidden unit's weighted map: the 2-D "what each neuron computes"."""
from __future__ import annotations

import numpy as np
from manim import (DL, DOWN, LEFT, UR, PI, RIGHT, UP, Dot, Group, ImageMobject, Line, Mobject, Rectangle, Square,
                   Triangle, UpdateFromAlphaFunc, VGroup, VMobject)
from manim.constants import RESAMPLING_ALGORITHMS, CapStyleType

from nnviz_core import plane
from nnviz_core.layout import contribution_curves, contribution_styles, network_layout
from nnviz_core.numbers import fmt_fixed
from nnviz_core.palette import DEAD_ALPHA, Palette, hex_rgb, to_hex, unit_colour

from .. import images  # noqa: F401  (the camera's image drawing)
from ..theme import SMALL_SIZE, label, muted
from .panel import PlotArea

LINE_WIDTH, MINOR_WIDTH, BOLD_WIDTH = 3.5, 2, 7  # a unit's line; past the palette's colours; while its map is added
CONTOUR_WIDTH, EDGE_WIDTH = 6, 2.5  # z = 0; k classes: where the class wins
TINT = 0.16  # a unit's positive half-plane, lightly
LINE_DIM = 0.55  # the units' lines once the map is under them
POINT_SIZE, POINT_ALPHA = 0.055, 0.55  # the training points, faintly
ARROW = 0.42  # the arrow to a unit's on side, scene units
BAR_STEPS = 32  # the colour scale's swatches
TAG_GAP = 0.12


def marker(shape: str, colour: str, size: float, outline: str) -> VMobject:
    """A training point: nnviz_core.plane's marker shape for its class, in its class colour."""
    if shape == "o":
        mark = Dot(radius=size)
    elif shape == "^":
        mark = Triangle().scale(1.25 * size)
    elif shape == "s":
        mark = Square(side_length=1.7 * size)
    else:  # "D"
        mark = Square(side_length=1.5 * size).rotate(PI / 4)
    return mark.set_fill(colour, POINT_ALPHA).set_stroke(outline, 1.0, opacity=0.6)


def set_segments(mobject: VMobject, at: np.ndarray) -> VMobject:
    """``mobject`` drawn as the segments ``at`` (m, 2, 3) in scene points, each its own straight
    path, in place."""
    if not len(at):
        mobject.clear_points()
        return mobject
    thirds = np.linspace(0, 1, 4)[None, :, None]
    mobject.set_points((at[:, :1] + thirds * (at[:, 1:] - at[:, :1])).reshape(-1, 3))
    return mobject


class LogitPanel(Group):
    """z(x) = b + Σ_j w[j] · a_j(x) of one output over the input plane, built in place:

    - the training points, faintly, by class colour and marker shape;
    - each first-layer unit the diagram draws: its line w·x + b = 0 (with other features than
      x1, x2 the curve where w·φ(x) + b = 0), its positive half-plane lightly tinted, and an
      arrow to the side where it is on;
    - the running z as one image on a scale fixed for the run: the bias alone, then plus each
      last-hidden unit's weighted map, in the diagram's order (the units behind its ellipsis
      together, last); with every unit added it is the output's z, and its zero line (ink) is
      the decision boundary;
    - a legend: z's colour scale, and the last hidden layer's units in their tabs' colours.

    What shows is set by numbers a lecture animates (``change``): ``revealed`` units' lines (a
    fraction: the next one growing in), ``line_alpha`` (their opacity once shown), ``pointers``
    (arrows and names), ``tint`` (unit, share), ``terms`` (pieces in the sum, a fraction adding
    the next one part way), ``map``, ``contour_alpha``, ``tags`` (the "dead" tags), ``legend``
    (the last hidden layer's names), ``bold`` (unit, share: its line drawn thick). By default
    the whole sum with the lines dimmed under it, as the replay shows it.

    A regression's map is ŷ itself (no boundary); k classes' is one class's z, with the line
    inside which that class wins (its z the largest) beside z = 0.

        panel = LogitPanel(history, palette, width=6.6, height=6)
        self.add(panel.set_state(history.at(history.epochs)))
        self.play(panel.change(state, terms=3))  # the sum takes in units 1 to 3
    """

    def __init__(self, history, palette: Palette, width: float = 6.6, height: float = 6.0, output: int = 0,
                 max_shown: int = 10):
        super().__init__()  # a Group, not a VGroup as the other panels: it holds images
        self.palette, self.theme = palette, palette.theme
        self.static, self.live = Group(), Group()
        self.add(self.static, self.live)
        theme = self.theme
        problem = history.problem
        self.output = output
        self.layout = network_layout(history.config.layers, max_shown)
        self.deep = len(self.layout.layers) > 3  # the first hidden layer is not the last
        self.span = plane.grid_span(problem)
        self.norm = plane.logit_norm(history, self.layout, output)
        self.classification = problem.classes > 0
        self.softmax = problem.y.shape[1] > 1
        first = history.at_epoch(0)
        self.linear = first.first_layer_lines() is not None  # features x1, x2: each unit's boundary is a line

        # The last hidden layer's pieces, named in their tabs' colours (the plot takes what is left).
        pieces = contribution_curves(first, self.layout, output)
        self.styles = contribution_styles(history, self.layout, theme)
        self.colours = [style.colour for style in self.styles]
        self.units = [index for _, index, _ in pieces]  # None: the units behind the ellipsis
        self.names = VGroup(*(label(name, theme, SMALL_SIZE, color=c) for (name, _, _), c in zip(pieces, self.colours)))
        self.names.arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        dead = muted("dead", theme, SMALL_SIZE)  # copied, not typeset again: Pango is slow
        self.dead_tags = VGroup(*(dead.copy() for _ in self.names))
        self.keys = self._keys()
        column = max(self.names.width + self.dead_tags[0].width + TAG_GAP, self.keys.width) if len(self.names) else 0
        self.header = self._header()
        # beside the plot: its y ticks and the column; under it: its x ticks; over it: the header
        side = min(width - column - 0.95, height - self.header.height - 0.95)
        step = (self.span[1] - self.span[0]) / (problem.grid_side - 1)
        shown = (self.span[0] - step / 2, self.span[1] + step / 2)  # each grid point in its pixel's middle
        self.plot = PlotArea(shown, shown, side, side, "x₁", "x₂", theme)
        self.arrow_reach = ARROW * (shown[1] - shown[0]) / side  # the arrow's length on the input plane
        grid, x_axis, y_axis, ticks = self.plot.mobject
        self.header.next_to(self.plot.y_axis, UP, buff=0.42).align_to(self.plot.y_axis, LEFT)
        self.names.next_to(self.plot.x_axis.get_end(), RIGHT, buff=0.45).align_to(self.plot.y_axis.get_end(), UP)
        for name, tag in zip(self.names, self.dead_tags):
            tag.next_to(name, RIGHT, buff=TAG_GAP)
        self.keys.next_to(self.names if len(self.names) else self.plot.x_axis.get_end(), DOWN, buff=0.35,
                          aligned_edge=LEFT)

        # The running z: one image, its pixels replaced in place.
        self.side = problem.grid_side
        self.image = ImageMobject(np.zeros((self.side, self.side, 4), np.uint8))
        self.image.set_resampling_algorithm(RESAMPLING_ALGORITHMS["bilinear"])
        self.image.stretch_to_fit_width(side).stretch_to_fit_height(side)
        self.image.move_to(self.plot.mobject[0].get_center())

        labels = problem.labels() if self.classification else np.zeros(len(problem.X), int)
        raw = problem.raw_inputs
        self.dots = VGroup(*(marker(plane.class_marker(k), plane.class_colour(k, theme) if self.classification
                                      else theme.data_points, POINT_SIZE, theme.ink).move_to(p)
                               for k, p in zip(labels, self.plot.points(raw[:, 0], raw[:, 1]))))

        # The first hidden layer's drawn units: their lines, half-planes, arrows and names.
        self.first_units = [n.index for n in self.layout.neurons[1]]
        if self.deep:
            self.line_styles = [(unit_colour(k, theme), False) for k in range(len(self.first_units))]
        else:
            self.line_styles = [(style.colour, style.minor) for style, i in zip(self.styles, self.units) if i is not None]
        self.lines, self.tints, self.arrows, self.pointer_names = VGroup(), [], VGroup(), VGroup()
        self.pointer_tags = VGroup()
        for (colour, minor), n in zip(self.line_styles, self.layout.neurons[1]):
            line = VMobject(stroke_color=colour, stroke_width=MINOR_WIDTH if minor else LINE_WIDTH)
            line.set_cap_style(CapStyleType.ROUND)
            self.lines.add(line)
            if self.linear:
                tint = VMobject(fill_color=colour, fill_opacity=0, stroke_width=0)
            else:
                tint = ImageMobject(np.zeros((self.side, self.side, 4), np.uint8))
                tint.set_resampling_algorithm(RESAMPLING_ALGORITHMS["bilinear"])
                tint.stretch_to_fit_width(side).stretch_to_fit_height(side).move_to(self.image)
            self.tints.append(tint)
            shaft = VMobject(stroke_color=colour, stroke_width=4)
            head = VMobject(fill_color=colour, fill_opacity=1, stroke_width=0)
            self.arrows.add(VGroup(shaft, head))
            self.pointer_names.add(label(n.label, theme, SMALL_SIZE, color=colour).add_background_rectangle(
                theme.background, opacity=0.7, buff=0.03))
            self.pointer_tags.add(dead.copy())

        self.contour = VMobject(stroke_color=theme.ink, stroke_width=CONTOUR_WIDTH).set_cap_style(CapStyleType.ROUND)
        # k classes: where this class wins, thin ink (the class colours are near some units' colours)
        self.region_edge = VMobject(stroke_color=theme.ink, stroke_width=EDGE_WIDTH).set_cap_style(CapStyleType.ROUND)

        # What shows (see the class docstring); ``change`` animates these.
        self.revealed = float(len(self.lines))
        self.pointers, self.tint, self.terms = 1.0, (None, 0.0), float(len(self.units))
        self.map, self.contour_alpha, self.tags, self.legend, self.bold = 1.0, 1.0, 1.0, 1.0, (None, 0.0)
        self.line_alpha = LINE_DIM
        self.dead = np.zeros(len(self.units), bool)
        self.first_dead = np.zeros(len(self.lines), bool)

        self.static.add(ticks, self.header, self.keys)
        self.live.add(self.image, grid, x_axis, y_axis, *self.tints, self.dots, self.lines, self.region_edge,
                      self.contour, self.arrows, self.pointer_names, self.pointer_tags, self.names, self.dead_tags)

    # -- the legend ------------------------------------------------------------------------------
    @property
    def quantity(self) -> str:
        """What the map shows, in words: "z for class 2", "z", "ŷ"."""
        if not self.classification:
            return "ŷ"
        return f"z for class {self.output}" if self.softmax else "z (p = σ(z))"

    @property
    def unit_equation(self) -> str:
        """Where a first-layer unit switches: on x1, x2 a line; on other features a curve."""
        return "w·x + b = 0" if self.linear else "w·φ(x) + b = 0"

    def _header(self) -> VGroup:
        """The map's name and its colour scale, −|z|max, 0, +|z|max."""
        values = np.linspace(-self.norm.vmax, self.norm.vmax, BAR_STEPS)
        rgb = plane.value_rgb(values, self.norm, self.theme)
        bar = VGroup(*(Rectangle(width=1.8 / BAR_STEPS, height=0.2, stroke_width=0, fill_opacity=1,
                                 fill_color=to_hex(c)) for c in rgb)).arrange(RIGHT, buff=0)
        ends = [muted(fmt_fixed(v, 2, plus=v > 0), self.theme) for v in (-self.norm.vmax, self.norm.vmax)]
        zero = muted("0", self.theme)
        ends[0].next_to(bar, LEFT, buff=0.12)
        ends[1].next_to(bar, RIGHT, buff=0.12)
        zero.next_to(bar, DOWN, buff=0.06)
        scale = VGroup(ends[0], bar, ends[1], zero)
        name = label(self.quantity, self.theme, SMALL_SIZE + 4)
        if self.classification and not self.softmax:  # z < 0: class 0 more likely; z > 0: class 1
            for k, end in ((0, bar[0]), (1, bar[-1])):
                scale.add(self.class_mark(k).next_to(end, DOWN, buff=0.1))
        elif self.softmax:
            name = VGroup(name, self.class_mark(self.output)).arrange(RIGHT, buff=0.12)
        return VGroup(name, scale).arrange(RIGHT, buff=0.5)

    def class_mark(self, k: int) -> VMobject:
        """Class k's marker, full strength: for the legend."""
        mark = marker(plane.class_marker(k), plane.class_colour(k, self.theme), 1.3 * POINT_SIZE, self.theme.ink)
        return mark.set_fill(opacity=1.0)

    def _keys(self) -> VGroup:
        theme = self.theme
        keys = [(Line(0.2 * LEFT, 0.2 * RIGHT, stroke_color=theme.muted_ink, stroke_width=LINE_WIDTH), self.unit_equation)]
        if self.classification:
            keys.append((Line(0.2 * LEFT, 0.2 * RIGHT, stroke_color=theme.ink, stroke_width=CONTOUR_WIDTH), "z = 0"))
        if self.softmax:
            keys.append((Line(0.2 * LEFT, 0.2 * RIGHT, stroke_color=theme.ink, stroke_width=EDGE_WIDTH),
                         f"class {self.output} wins"))
        rows = [VGroup(mark, label(text, theme, SMALL_SIZE)).arrange(RIGHT, buff=0.12) for mark, text in keys]
        return VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.12)

    # -- reading a State ---------------------------------------------------------------------------
    def scene_points(self, xy: np.ndarray) -> np.ndarray:
        """Input-plane points (..., 2) as scene points (..., 3)."""
        xy = np.asarray(xy, float)
        return self.plot.points(xy[..., 0].ravel(), xy[..., 1].ravel()).reshape(*xy.shape[:-1], 3)

    def data_points(self, at: np.ndarray) -> np.ndarray:
        """Scene points (..., 3) back in the input plane (..., 2)."""
        corner = self.plot.x_axis.get_start()
        ex = self.plot.x_axis.get_end() - corner
        ey = self.plot.y_axis.get_end() - corner
        lo, hi = self.plot.x_span
        rel = np.asarray(at, float) - corner
        return lo + (hi - lo) * np.stack([rel @ ex / (ex @ ex), rel @ ey / (ey @ ey)], axis=-1)

    def running(self, state, terms: float | None = None) -> np.ndarray:
        """(side, side): the bias plus the first ``terms`` pieces (a fraction: part of the next)."""
        sums = plane.running_logits(state, self.layout, self.output)
        terms = len(sums) - 1 if terms is None else terms
        whole = min(int(np.floor(terms)), len(sums) - 1)
        part = terms - whole
        return sums[whole] if part <= 0 or whole + 1 >= len(sums) else sums[whole] + part * (sums[whole + 1] - sums[whole])

    def rgba(self, values: np.ndarray, alpha: float) -> np.ndarray:
        """The image's pixels for a map (side, side): x2 rising up the screen."""
        rgb = plane.value_rgb(values, self.norm, self.theme)[::-1]
        out = np.empty((*rgb.shape[:2], 4), np.uint8)
        out[..., :3] = np.round(rgb * 255)
        out[..., 3] = int(round(255 * alpha))
        return out

    def set_state(self, state) -> "LogitPanel":
        dead = state.dead_units()
        first_dead = dead[0] if dead else np.zeros(0, bool)
        last_dead = dead[-1] if dead else np.zeros(0, bool)
        self.dead = np.array([i is not None and bool(last_dead[i]) for i in self.units])
        self.first_dead = np.array([bool(first_dead[i]) for i in self.first_units])
        self._set_units(state)
        z = self.running(state, self.terms)
        self.image.pixel_array[...] = self.rgba(z, self.map)
        shown = self.classification and self.contour_alpha > 0
        set_segments(self.contour, self.scene_points(plane.zero_contour(z, self.span)) if shown else np.zeros((0, 2, 3)))
        self.contour.set_stroke(opacity=self.contour_alpha)
        edge = np.zeros((0, 2, 2))
        if self.softmax and self.contour_alpha > 0 and self.terms >= len(self.units):
            edge = plane.zero_contour(plane.decision_fields(state.pre_activation_maps()[-1])[self.output], self.span)
        set_segments(self.region_edge, self.scene_points(edge)).set_stroke(opacity=self.contour_alpha)
        self.names.set_opacity(self.legend)
        for tag, is_dead in zip(self.dead_tags, self.dead):
            tag.set_opacity(self.tags * self.legend if is_dead else 0.0)
        return self

    def _set_units(self, state) -> None:
        boundaries = plane.unit_boundaries(state)
        lines = state.first_layer_lines()
        z = state.pre_activation_maps()[0] if not self.linear else None
        bold_unit, bold_share = self.bold
        tinted, tint_share = self.tint
        placed = []  # (name, tag, way) of the names shown so far: a later one steps out of their way
        for k, (unit, line, arrow, name, tag) in enumerate(zip(self.first_units, self.lines, self.arrows,
                                                               self.pointer_names, self.pointer_tags)):
            shown = float(np.clip(self.revealed - k, 0.0, 1.0))
            fade = DEAD_ALPHA if self.first_dead[k] else 1.0
            segments = boundaries[unit]
            if self.linear and len(segments) and shown < 1:  # the line grows from its middle as it appears
                middle = segments.mean(axis=1, keepdims=True)
                segments = middle + shown * (segments - middle)
            set_segments(line, self.scene_points(segments))
            alpha = self.line_alpha + (1 - self.line_alpha) * (bold_share if bold_unit == k else 0.0)
            width = (MINOR_WIDTH if self.line_styles[k][1] else LINE_WIDTH)
            width += (BOLD_WIDTH - width) * (bold_share if bold_unit == k else 0.0)
            line.set_stroke(width=width, opacity=shown * fade * alpha)
            # its on side: tinted, and an arrow with its name
            share = tint_share if tinted == k else 0.0
            tint = self.tints[k]
            if self.linear:
                polygon = plane.positive_part(lines[unit], self.span)
                if len(polygon):
                    tint.set_points_as_corners(self.scene_points(np.vstack([polygon, polygon[:1]])))
                else:
                    tint.clear_points()
                tint.set_fill(opacity=TINT * share)
            else:
                on = (z[..., unit] > 0)[::-1]
                tint.pixel_array[..., :3] = np.round(hex_rgb(self.line_styles[k][0]) * 255)
                tint.pixel_array[..., 3] = np.where(on, int(round(255 * TINT * share)), 0)
            toward = np.pi / 2 - 2 * np.pi * k / len(self.lines)  # each unit's arrow a place of its own
            pointing = plane.on_side(state, boundaries[unit], unit, toward, reach=self.arrow_reach)
            opacity = self.pointers * shown * fade
            if pointing is None:
                opacity = 0.0
            else:
                foot, direction = pointing
                start = self.scene_points(foot)
                way = np.array([direction[0], direction[1], 0.0])
                tip = start + ARROW * way
                across = np.array([-way[1], way[0], 0.0])
                shaft, head = arrow
                shaft.set_points_as_corners([start, tip - 0.1 * way])
                head.set_points_as_corners([tip, tip - 0.16 * way + 0.08 * across, tip - 0.16 * way - 0.08 * across, tip])
                name.move_to(tip + 0.28 * way + 0.12 * across)
                tag.next_to(name, RIGHT, buff=0.06)
                if opacity > 0:
                    own_tag = tag if self.first_dead[k] else None  # a hidden tag takes no room
                    step_clear(name, own_tag, way, placed)
                    placed.append((name, own_tag))
            arrow[0].set_stroke(opacity=opacity)
            arrow[1].set_fill(opacity=opacity)
            name.set_opacity(opacity)
            name.background_rectangle.set_fill(opacity=0.7 * opacity)
            tag.set_opacity(opacity if self.first_dead[k] else 0.0)

    # -- for the lecture -----------------------------------------------------------------------------
    def change(self, state, **targets) -> UpdateFromAlphaFunc:
        """An animation that moves what shows (see the class docstring) to ``targets``, with the
        panel drawing ``state`` in place on every frame. ``tint`` and ``bold`` are (unit, share)."""
        start = {name: getattr(self, name) for name in targets}

        def towards(old, new, alpha):
            if isinstance(new, tuple):  # (unit, share): the same unit grows or fades; another takes over
                unit = new[0] if new[0] is not None else old[0]
                begin = old[1] if old[0] == unit else 0.0
                return unit, begin + alpha * (new[1] - begin)
            return old + alpha * (new - old)

        def update(_, alpha):
            for name, new in targets.items():
                setattr(self, name, towards(start[name], new, alpha))
            self.set_state(state)

        return Redraw(self.live, update)


class Redraw(UpdateFromAlphaFunc):
    """UpdateFromAlphaFunc without the copy of its mobject every Animation makes to start from:
    the panel redraws itself from numbers, and its copy would cost more than the play."""

    def create_starting_mobject(self) -> Mobject:
        return Mobject()


NAME_STEPS = 6  # at most this many steps out along its arrow, a name's height each


def step_clear(name, tag, way: np.ndarray, placed: list) -> None:
    """Move a unit's name (and its dead tag, or None) out along its arrow until it meets none of
    the names and tags already placed: units whose lines cross point their arrows near one another."""
    def meets(a, b) -> bool:
        if a is None or b is None:
            return False
        low, high = np.maximum(a.get_corner(DL), b.get_corner(DL)), np.minimum(a.get_corner(UR), b.get_corner(UR))
        return bool(np.all((high - low)[:2] > 0))

    mine = [name, tag]
    for _ in range(NAME_STEPS):
        if not any(meets(m, other) for m in mine for pair in placed for other in pair):
            return
        for m in mine:
            if m is not None:
                m.shift(name.height * 1.1 * way)
