"""LandscapePanel: the loss over the plane of a run's two main directions of travel, and the
run's real path across it (nnviz_core.landscape), with a colour bar; several runs' paths on one
shared plane for a comparison."""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, Group, ImageMobject, Line, Square, Triangle, VGroup, VMobject
from manim.constants import CapStyleType, LineJointType
from PIL import Image

from nnviz_core import landscape as ls
from nnviz_core.compare import shown_at
from nnviz_core.numbers import fmt_loss
from nnviz_core.palette import CONTOUR_ALPHA, PATH_DARK, PATH_LIGHT, Palette, path_strokes, sequential_rgb, to_hex

from .. import images  # noqa: F401  (the camera's image drawing)
from ..theme import SMALL_SIZE, LiveNumber, label, muted
from .network import STROKE_PER_POINT
from .panel import PlotArea, log_tick_text

BAR_WIDTH = 0.28
BAR_GAP = 0.35  # between the plot and the colour bar
BAR_PIXELS = 256
MARK = 0.11  # the colour bar's pointers


class LandscapePanel(Group):
    """The surface as one image (fixed: the plane does not move), its contour lines, a colour
    bar, and each run's path up to the clock's moment: the path through its real moments, then
    the State drawn (its projection), a dot filled with training's loss on the colour bar's scale.
    Pointers on the colour bar show that loss and the plane's under the dot.

        panel = LandscapePanel(landscape(history), [history], palette)
        self.add(panel.set_state(history.at(0)))
        panel.set_state(history.at(42.5))  # the path grows, the dot moves, the pointers follow

    A Group (it holds images). ``static`` is painted once per play; ``live`` is what set_state
    changes.
    """

    def __init__(self, land, histories, palette: Palette, side: float = 5.2, colours=None, names=None):
        super().__init__()
        self.land, self.histories = land, list(histories)
        self.palette, self.theme = palette, palette.theme
        theme, s = self.theme, land.scale
        self.static, self.live = Group(), Group()
        self.add(self.static, self.live)
        left, right, bottom, top = land.extent  # pixels centred on the grid points
        axis_names = ls.axis_names(land)
        self.plot = PlotArea((left, right), (bottom, top), side, side, "", "", theme)
        self.plot.mobject.remove(self.plot.x_axis, self.plot.y_axis)
        x_name = label(axis_names[0], theme, SMALL_SIZE).next_to(self.plot.labels, DOWN, buff=0.1)
        x_name.move_to(self.plot.x_axis, coor_mask=RIGHT)
        y_name = label(axis_names[1], theme, SMALL_SIZE).rotate(np.pi / 2)
        y_name.next_to(self.plot.labels, LEFT, buff=0.1).move_to(self.plot.y_axis, coor_mask=UP)
        rgb = sequential_rgb(land.surface, s.low, s.high, s.log, theme)
        pixels = np.full((*rgb.shape[:2], 4), 255, np.uint8)
        pixels[..., :3] = np.round(rgb[::-1] * 255)  # the image's first row is its top: b upward
        self.image = ImageMobject(pixels)
        self.image.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.image.stretch_to_fit_width(side).stretch_to_fit_height(side)
        self.image.move_to(self.point(np.mean(land.a_span), np.mean(land.b_span)))
        self.contours = VGroup(*(self._segments(segments).set_stroke(PATH_LIGHT, 1.5, opacity=CONTOUR_ALPHA)
                                 for _, segments in land.contours()))
        self.bar, bar_parts = self._colour_bar(side)
        self.static.add(self.plot.mobject, x_name, y_name, self.image, self.contours, self.plot.x_axis,
                        self.plot.y_axis, *bar_parts)
        # Each run: a path of three strokes, its start, and the dot of its moment.
        colours = colours or [theme.path]
        run_names = names or [None]
        # On the canvas (the colour bar's pointers, the readout): ink for one run, else each run's colour.
        marks = [theme.ink] if names is None else colours
        self.trails, self.dots, self.pointers = [], [], []
        core_w, casing_w, edge_w = (STROKE_PER_POINT * w for w in ls.PATH_WIDTHS)
        for k, (path, colour) in enumerate(zip(land.paths, colours)):
            casing, edge = path_strokes(colour)
            strokes = [VMobject(stroke_color=c, stroke_width=w, joint_type=LineJointType.ROUND,
                                cap_style=CapStyleType.ROUND) for c, w in ((edge, edge_w), (casing, casing_w), (colour, core_w))]
            # The start: a small square in the path's strokes; the moment: a big dot filled with training's loss.
            at = self.point(*path.coords[0])
            start = VGroup(*(Square(0.16, stroke_color=c, stroke_width=w).move_to(at)
                             for c, w in ((edge, edge_w), (casing, casing_w), (colour, core_w))))
            dot = VGroup(Dot(radius=0.17, color=edge), Dot(radius=0.15, color=casing),
                         Dot(radius=0.125, color=colour), Dot(radius=0.095, color=colour))
            self.trails.append(strokes)
            self.dots.append(dot)
            self.static.add(start)
        centre = self.point(0.0, 0.0)
        cross = VGroup(*(VGroup(Line(centre + 0.1 * (UP + RIGHT), centre - 0.1 * (UP + RIGHT)),
                                Line(centre + 0.1 * (UP + LEFT), centre - 0.1 * (UP + LEFT))).set_stroke(c, w)
                         for c, w in ((PATH_LIGHT, casing_w + 2), (PATH_DARK, core_w + 0.5))))
        self.static.add(cross)
        # Pointers on the colour bar, from its left: training's loss (filled) and the plane's under
        # the dot (hollow); and the same two numbers written out.
        for colour in marks:
            real = Triangle(fill_color=colour, fill_opacity=1, stroke_width=0)
            plane = Triangle(fill_opacity=0, stroke_color=colour, stroke_width=3)
            self.pointers.append([m.scale(MARK).rotate(-np.pi / 2) for m in (real, plane)])
            self.live.add(plane, real)
        self.readout, self.values = self._readout(run_names, marks)
        self.static.add(*(m for m in self.readout if m not in self.values))
        self.live.add(*self.values)
        for strokes in self.trails:
            self.live.add(*strokes)
        self.live.add(*self.dots)
        self.off_plot = muted("beyond the plot: the dot waits on its edge", theme)
        self.off_plot.next_to(self.plot.x_axis, UP, buff=0.1).set_opacity(0.0)
        self.live.add(self.off_plot)

    # -- parts ------------------------------------------------------------------------------------
    def point(self, a: float, b: float) -> np.ndarray:
        return self.plot.points([a], [b])[0]

    def _segments(self, segments: np.ndarray) -> VMobject:
        ends = self.plot.points(segments[:, :, 0].ravel(), segments[:, :, 1].ravel()).reshape(-1, 2, 3)
        p, q = ends[:, 0], ends[:, 1]
        return VMobject().set_points(np.stack([p, p + (q - p) / 3, p + 2 * (q - p) / 3, q], axis=1).reshape(-1, 3))

    def _colour_bar(self, side: float):
        """The scale, low at the bottom, as one image beside the plot; its ticks; its name."""
        s, theme = self.land.scale, self.theme
        t = (np.arange(BAR_PIXELS) + 0.5) / BAR_PIXELS
        values = 10 ** (np.log10(s.low) + t * np.log10(s.high / s.low)) if s.log else s.low + t * (s.high - s.low)
        pixels = np.full((BAR_PIXELS, 1, 4), 255, np.uint8)
        pixels[:, 0, :3] = np.round(sequential_rgb(values[::-1], s.low, s.high, s.log, theme) * 255)
        bar = ImageMobject(pixels)
        bar.stretch_to_fit_width(BAR_WIDTH).stretch_to_fit_height(side)
        bar.next_to(self.plot.x_axis.get_end(), RIGHT, buff=BAR_GAP).align_to(self.plot.x_axis, DOWN)
        ticks = VGroup()
        levels = s.ticks if s.log else ls.nice_levels(s.low, s.high)
        for v in levels:
            at = self.bar_point(bar, v)
            ticks.add(Line(at, at + 0.08 * RIGHT, color=theme.muted_ink, stroke_width=2))
            ticks.add(muted(log_tick_text(v) if s.log else ls.level_text(v, levels), theme).next_to(at + 0.08 * RIGHT, RIGHT, buff=0.12))
        name = label(ls.surface_name(self.land.problem), theme, SMALL_SIZE).next_to(bar, UP, buff=0.2)
        name.align_to(bar, LEFT)
        self.ticks = ticks
        return bar, [bar, ticks, name]

    def _readout(self, names, colours):
        """Training's loss and the plane's under the dot, each run's, written out: beside the
        colour bar's ticks, the first row level with its top."""
        theme, rows, values = self.theme, VGroup(), []
        longest = max((v for p in self.land.paths for v in (*p.real, *p.on_plane)), key=lambda v: len(fmt_loss(v)))
        widest = len(fmt_loss(longest)) + 1
        if names[0] is not None:
            return self._table(names, colours, longest, widest)
        for name, colour, (real, plane) in zip(names, colours, self.pointers):
            for kind, (mark, said) in enumerate(((real, ls.real_name(self.land.problem)), (plane, "the plane's, under the dot"))):
                key = mark.copy()  # as on the colour bar
                words = label(said if name is None or kind else f"{name}: {said}", theme, SMALL_SIZE)
                number = LiveNumber(longest, fmt_loss, SMALL_SIZE, color=theme.ink, slots=widest)  # laid out at its widest
                rows.add(VGroup(key, words, number).arrange(RIGHT, buff=0.15))
                values.append(number)
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        width = max(r[1].get_right()[0] - r.get_left()[0] for r in rows) + 0.25
        for row in rows:  # the numbers in one column, right-aligned
            row[2].next_to(row.get_left() + width * RIGHT, RIGHT, buff=0)
        rows.next_to(self.ticks, RIGHT, buff=0.6).align_to(self.bar, UP)
        return VGroup(*(part for row in rows for part in row)), values

    def _table(self, names, colours, longest, widest):
        """A comparison's readout: a row per run, its name in its colour, then training's loss
        and the plane's under its dot, under two headings with the pointers' shapes."""
        theme = self.theme
        real_words = "training's + penalty" if self.land.problem.penalised else "training's"
        heads = [VGroup(Triangle(fill_color=theme.ink, fill_opacity=1, stroke_width=0).scale(MARK).rotate(-np.pi / 2),
                        label(real_words, theme, SMALL_SIZE)).arrange(RIGHT, buff=0.12)]
        heads.append(VGroup(Triangle(fill_opacity=0, stroke_color=theme.ink, stroke_width=3).scale(MARK).rotate(-np.pi / 2),
                            label("the plane's", theme, SMALL_SIZE)).arrange(RIGHT, buff=0.12))
        texts = [label(str(n), theme, SMALL_SIZE, color=c) for n, c in zip(names, colours)]
        numbers = [[LiveNumber(longest, fmt_loss, SMALL_SIZE, color=theme.ink, slots=widest) for _ in range(2)]
                   for _ in names]
        first = max(t.width for t in texts) + 0.35 + max(heads[0].width, numbers[0][0].width)  # right edges
        second = first + 0.45 + max(heads[1].width, numbers[0][1].width)
        step = 0.45
        for head, right in zip(heads, (first, second)):
            head.move_to([right - head.width / 2, 0, 0])
        for k, (text, pair) in enumerate(zip(texts, numbers)):
            y = -(k + 1) * step
            text.move_to([text.width / 2, y, 0])
            for number, right in zip(pair, (first, second)):
                number.move_to([right - number.width / 2, y, 0])
        table = VGroup(*heads, *texts, *(n for pair in numbers for n in pair))
        table.next_to(self.ticks, RIGHT, buff=0.6).align_to(self.bar, UP)
        return table, [n for pair in numbers for n in pair]

    def bar_point(self, bar, value: float, side=RIGHT) -> np.ndarray:
        """Where ``value`` sits on the colour bar's right (or left) edge; past the scale (a diverged
        run's), at its end, the readout giving the value."""
        s = self.land.scale
        t = (np.log10(value / s.low) / np.log10(s.high / s.low)) if s.log else (value - s.low) / (s.high - s.low)
        return bar.get_corner(DOWN + side) + float(np.clip(t, 0, 1)) * bar.height * UP

    # -- the clock ---------------------------------------------------------------------------------
    def moment(self, k: int, state) -> tuple[object, np.ndarray, float, float]:
        """Run k's State at the clock's moment, its point on the plane, training's loss there and
        the plane's."""
        h = self.histories[k]
        own = state if len(self.histories) == 1 else shown_at(h, state.epoch)
        coords = self.land.project(own)
        return own, coords, own.total_loss, self.land.loss_at(coords)

    def set_state(self, state) -> "LandscapePanel":
        s, beyond = self.land.scale, False
        self.shown = []
        for k, (path, strokes, dot) in enumerate(zip(self.land.paths, self.trails, self.dots)):
            own, coords, real, plane = self.moment(k, state)
            corners = np.vstack([path.coords[:path.upto(own.epoch)], coords[None]])
            pieces = [self.plot.points(p[:, 0], p[:, 1]) for p in ls.clipped(corners, self.plot.x_span, self.plot.y_span)]
            for stroke in strokes:
                stroke.clear_points()
                for piece in pieces:
                    stroke.start_new_path(piece[0])
                    stroke.add_points_as_corners(piece[1:] if len(piece) > 1 else piece)
            dot.move_to(self.point(*ls.on_edge(coords, self.plot.x_span, self.plot.y_span)))  # beyond: on the edge, and said
            dot[-1].set_fill(to_hex(sequential_rgb(real, s.low, s.high, s.log, self.theme)))
            for pointer, value, number in zip(self.pointers[k], (real, plane), self.values[2 * k:2 * k + 2]):
                pointer.move_to(self.bar_point(self.bar, value, LEFT) + MARK * 0.9 * LEFT)
                right = number.get_right()
                number.set_value(value)
                number.shift(right - number.get_right())
            beyond |= not self.land.inside(coords)
            self.shown.append((own, coords, real, plane))
        self.off_plot.set_opacity(1.0 if beyond else 0.0)
        return self
