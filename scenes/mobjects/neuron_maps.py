"""NeuronMaps: on every neuron of a 2-D run's diagram, what it outputs over the input plane (a
feature, a hidden unit's activation, the output's probabilities or ŷ), as the TensorFlow
Playground shows it, recoloured in place by set_state.

All the maps are ONE point cloud (PixelCloud) with a point on each screen pixel inside each
circle, which the Cairo camera writes straight into the frame. Not an ImageMobject: manim 0.21
composites each image through a full-frame PIL canvas, which Pillow 13 refuses ("Invalid mode
for data type"), and which would cost a full frame per image. The camera writes a point's colour
without blending, so opacity (a fade) is drawn as the blend toward the theme's background that
it would be: under the maps there is only the background.

Manim's point-cloud drawing finds every point's pixel anew each frame (about 0.2 µs a pixel, as
much as the rest of the diagram); this module has the camera draw a PixelCloud itself, writing
the same pixels from indices it keeps while the points and the camera stay put. Other point
clouds are drawn as before.
"""
from __future__ import annotations

import numpy as np
from manim import Animation, Mobject, PMobject, VGroup, VMobject, config
from manim.camera.camera import Camera

from nnviz_core.palette import Theme, hex_rgb
from nnviz_core.plane import grid_span, map_norms, neuron_map_rgb


class PixelCloud(PMobject):
    """Opaque points, one per pixel. The VMobject styling a VGroup passes to its members
    (set_fill, set_stroke, fade, set_opacity) fades it toward ``background`` or does nothing,
    so it can sit in a panel."""

    def __init__(self, background: str, **kwargs):
        super().__init__(stroke_width=1, **kwargs)  # a point is one pixel
        self.background = hex_rgb(background)
        self.opacity = 1.0
        self.full = np.zeros((0, 3))  # the points' colours at full opacity
        self._drawn_for = None  # the points and camera the pixel indices below were found for

    def show(self, rgb: np.ndarray) -> "PixelCloud":
        """Colour the points (P, 3) at the current opacity."""
        self.full = rgb
        if self.rgbas.shape != (len(rgb), 4):
            self.rgbas = np.ones((len(rgb), 4))
        self.rgbas[:, :3] = rgb if self.opacity == 1 else self.background + self.opacity * (rgb - self.background)
        return self

    def set_opacity(self, opacity: float, family: bool = True) -> "PixelCloud":
        self.opacity = float(opacity)
        return self.show(self.full)

    def fade(self, darkness: float = 0.5, family: bool = True) -> "PixelCloud":
        self.rgbas[:, :3] = self.background + (1 - darkness) * (self.rgbas[:, :3] - self.background)
        return self

    def set_fill(self, color=None, opacity=None, family: bool = True, **kwargs) -> "PixelCloud":
        return self if opacity is None else self.set_opacity(opacity)

    def set_stroke(self, *args, **kwargs) -> "PixelCloud":
        return self  # points have no outline

    def draw(self, camera: Camera, pixel_array: np.ndarray) -> None:
        """What manim's point-cloud drawing writes (each point's colour over its pixel), from
        the pixels' indices kept while the points and the camera stay put."""
        if not len(self.points):
            return
        where = (len(self.points), *self.points[0], *self.points[-1], camera.pixel_width, camera.pixel_height,
                 camera.frame_width, camera.frame_height, *camera.frame_center)
        if where != self._drawn_for:
            coords = camera.points_to_pixel_coords(self, self.points)
            shown = camera.on_screen_pixels(coords)
            self._shown = None if shown.all() else shown
            self._index = coords[shown, 1] * camera.pixel_width + coords[shown, 0]
            self._drawn_for = where
        rgbas = self.rgbas if self._shown is None else self.rgbas[self._shown]
        rgba = (camera.rgb_max_val * rgbas).astype(np.uint8)
        # Each pixel's 4 bytes as one number: a fifth of the time of writing rows of 4.
        frame = pixel_array.view(np.uint32).reshape(-1)
        frame[self._index] = rgba.view(np.uint32).reshape(-1)

    def get_anchors(self) -> np.ndarray:
        """Its bounding box's corners: what a VGroup measures its members by (not every point)."""
        if not len(self.points):
            return self.points
        lo, hi = self.points.min(axis=0), self.points.max(axis=0)
        return np.array([lo, [lo[0], hi[1], lo[2]], hi, [hi[0], lo[1], hi[2]]])


def _display_point_clouds(camera: Camera, pmobjects, pixel_array) -> None:
    """The camera's point-cloud drawing: PixelCloud's own (the same pixels, faster), manim's for
    any other point cloud."""
    plain = pixel_array.dtype == np.uint8 and pixel_array.shape[2] == 4 and pixel_array.flags.c_contiguous
    for pmobject in pmobjects:
        if isinstance(pmobject, PixelCloud) and plain:
            pmobject.draw(camera, pixel_array)
        else:
            Camera.stock_point_clouds(camera, [pmobject], pixel_array)


if not hasattr(Camera, "stock_point_clouds"):  # once, however often this module is loaded
    Camera.stock_point_clouds = Camera.display_multiple_point_cloud_mobjects
    Camera.display_multiple_point_cloud_mobjects = _display_point_clouds


class NeuronMaps(VGroup):
    """The maps of the neurons ``circles`` ({(layer, index): Circle}), each filling its circle
    (the square of the plane with x1 across and x2 up, clipped to the circle), drawn under the
    circles so each ring (its bias) stays whole on top.

        maps = NeuronMaps(history, theme, net.neurons)
        maps.set_state(history.at(3.5))
        self.play(LaggedStart(*(GrowFromCenter(c) for c in circles)), maps.grow_with(keys))
        self.play(maps.fade_to({key: 0.3}))  # that map toward the background, the others kept

    Each map has a size (a share of its circle's: it grows with its circle) and a strength (1:
    its true colours; less: blended toward the background), both 1 unless a step changes them.
    """

    def __init__(self, history, theme: Theme, circles: dict):
        super().__init__()
        self.theme = theme
        self.norms = map_norms(history)  # fixed per run: a colour means one value in every frame
        self.keys = list(circles)
        self.circles = [circles[k] for k in self.keys]
        self.side = history.problem.grid_side
        self.span = grid_span(history.problem)
        self.sizes = np.ones(len(self.keys))
        self.strengths = np.ones(len(self.keys))
        self.maps = np.tile(hex_rgb(theme.background), (len(self.keys), self.side, self.side, 1))  # until a State
        # The inputs' maps are the features on the grid, the same in every State: drawn once.
        self.changing = [k for k, (layer, _) in enumerate(self.keys) if layer > 0]
        first = history.at_epoch(0)
        for k, (layer, index) in enumerate(self.keys):
            if layer == 0:
                self.maps[k] = neuron_map_rgb(first, self.norms, layer, index, theme)
        self.cloud = PixelCloud(theme.background)
        Mobject.add(self, self.cloud)  # VGroup.add takes VMobjects only
        self.build()

    def _assert_valid_submobjects(self, submobjects):
        for m in submobjects:  # a VGroup, but holding its point cloud too
            if not isinstance(m, (VMobject, PixelCloud)):
                raise TypeError(f"NeuronMaps holds VMobjects and its PixelCloud, not {type(m).__name__}")
        return self

    @staticmethod
    def _screen() -> tuple:
        return config.pixel_width, config.pixel_height, config.frame_width, config.frame_height

    def _where(self) -> tuple:
        """What the points were laid out for: the screen, the first circle's place and size."""
        return self._screen(), tuple(np.round(self.circles[0].get_center(), 9)), round(self.circles[0].width, 9)

    def build(self) -> None:
        """A point on the centre of each screen pixel inside each circle, where the circles are
        now, each with the grid cell (row of x2, column of x1) under it: one point per pixel, so
        the camera writes every pixel once."""
        pw, ph, fw, fh = self._screen()
        sx, sy = pw / fw, ph / fh  # pixels per scene unit
        self.radius = radius = self.circles[0].width / 2
        self.inside = inside = radius - 0.5 / sy  # the ring's inner half covers the points' pixel edge
        cell = self._cell
        points, flat, owners, offsets = [], [], [], []
        for k, circle in enumerate(self.circles):
            cx, cy, cz = circle.get_center()
            columns = np.arange(np.floor((cx - radius) * sx + pw / 2), np.ceil((cx + radius) * sx + pw / 2))
            rows = np.arange(np.floor(ph / 2 - (cy + radius) * sy), np.ceil(ph / 2 - (cy - radius) * sy))
            x, y = np.meshgrid((columns + 0.5 - pw / 2) / sx, (ph / 2 - rows - 0.5) / sy)
            keep = np.hypot(x - cx, y - cy) <= inside
            x, y = x[keep], y[keep]
            points.append(np.column_stack([x, y, np.full(len(x), cz)]))
            flat.append((k * self.side + cell(y - cy)) * self.side + cell(x - cx))
            owners.append(np.full(len(x), k))
            offsets.append(np.column_stack([x - cx, y - cy]))
        self.cloud.points = np.concatenate(points)
        self.flat = np.concatenate(flat)  # into the maps stacked as (neurons * side * side, 3)
        self.owner = np.concatenate(owners)  # each point's neuron
        self.offsets = np.concatenate(offsets)  # each point from its circle's centre
        self.built = self._where()
        self.recolour()

    def _cell(self, d: np.ndarray) -> np.ndarray:
        """The grid cell (a column of x1, or a row of x2) under offsets ``d`` from a circle's centre."""
        return np.clip(((d + self.radius) / (2 * self.radius) * self.side).astype(int), 0, self.side - 1)

    def recolour(self) -> None:
        """Colour every point from the maps, each map at its size and strength."""
        flat, hidden = self.flat, None
        if (self.sizes < 1).any():  # a smaller map: the cell under offset / size, none past its edge
            size = self.sizes[self.owner]
            off = self.offsets / np.where(size > 0, size, 1.0)[:, None]
            hidden = (size <= 0) | (np.hypot(off[:, 0], off[:, 1]) > self.inside)
            flat = (self.owner * self.side + self._cell(off[:, 1])) * self.side + self._cell(off[:, 0])
        rgb = np.take(self.maps.reshape(-1, 3), flat, axis=0)
        back = hex_rgb(self.theme.background)
        if (self.strengths < 1).any():
            rgb = back + self.strengths[self.owner][:, None] * (rgb - back)
        if hidden is not None:
            rgb[hidden] = back
        self.cloud.show(rgb)

    def set_state(self, state) -> "NeuronMaps":
        if self._where() != self.built:  # moved, scaled or drawn at another resolution since
            self.build()
        for k in self.changing:
            self.maps[k] = neuron_map_rgb(state, self.norms, *self.keys[k], self.theme)
        self.recolour()
        return self

    # -- for the lecture's steps ------------------------------------------------------------
    def set_sizes(self, sizes: dict) -> "NeuronMaps":
        """Each given neuron's map as this share of its circle (0: not drawn)."""
        for key, size in sizes.items():
            self.sizes[self.keys.index(key)] = size
        self.recolour()
        return self

    def grow_with(self, keys) -> Animation:
        """Play beside the circles' GrowFromCenter (after it): each of these maps keeps the size
        of its circle, as that grows from nothing."""
        ks = [self.keys.index(key) for key in keys]
        full = 2 * self.radius

        def step(_):
            for k in ks:
                self.sizes[k] = min(self.circles[k].width / full, 1.0)
            self.recolour()
        return Restyle(self, step)

    def fade_to(self, strengths: dict) -> Animation:
        """The given neurons' maps to these strengths (1: true colours, 0: the background)."""
        ks = [self.keys.index(key) for key in strengths]
        start, end = self.strengths[ks].copy(), np.array(list(strengths.values()), float)

        def step(alpha):
            self.strengths[ks] = start + alpha * (end - start)
            self.recolour()
        return Restyle(self, step)

    def point_in(self, key, x1: float, x2: float):
        """Where the input point (x1, x2) is drawn in that neuron's map (the centre of its grid
        cell, as the map draws it), or None where its circle leaves it out."""
        lo, hi = self.span
        at = [((v - lo) / (hi - lo) * (self.side - 1) + 0.5) / self.side * 2 * self.radius - self.radius for v in (x1, x2)]
        if np.hypot(*at) > self.inside:
            return None
        return self.circles[self.keys.index(key)].get_center() + np.array([at[0], at[1], 0.0])


class Restyle(Animation):
    """An animation that recolours the maps in place (``step(alpha)``, alpha after the rate
    function): nothing of them is copied or moved."""

    def __init__(self, maps: NeuronMaps, step, **kwargs):
        self.step = step
        super().__init__(maps, **kwargs)

    def create_starting_mobject(self):
        return self.mobject  # the step knows where it starts

    def interpolate_mobject(self, alpha: float) -> None:
        self.step(self.rate_func(alpha))
