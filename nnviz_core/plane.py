"""What both renderers draw of 2-D data, decided once: the classes' colours and marker shapes,
the decision regions as an image, the decision boundary as line segments, and the colours of
a neuron's map on the input plane.

Images are (side, side, 3) RGB in [0, 1], indexed [row of x2, column of x1] with x2 rising
with the row (as State.grid_map); a renderer flips the rows to draw x2 upward.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import OVERSHOOT, SQUASH_LIMIT
from .palette import SymmetricNorm, Theme, diverging_rgb, hex_rgb

# One shape per class as well as a colour, so the classes read without colour (colour blindness,
# a grey projector): the names are matplotlib's markers; the video draws the same shapes.
CLASS_MARKERS = ("o", "^", "s", "D")
MARKER_NAMES = {"o": "circle", "^": "triangle", "s": "square", "D": "diamond"}
REGION_STRENGTH = 0.55  # a fully confident region's share of its class colour: the points read on it
MAP_STRENGTH = 0.9  # a neuron map's largest value: nearly the map's end colour


def class_colour(k: int, theme: Theme) -> str:
    return theme.class_colours[k % len(theme.class_colours)]


def class_marker(k: int) -> str:
    return CLASS_MARKERS[k % len(CLASS_MARKERS)]


def region_rgb(probabilities: np.ndarray, theme: Theme, strength: float = REGION_STRENGTH) -> np.ndarray:
    """The decision regions' colours, (..., k) probabilities -> (..., 3): the background blended
    toward the most probable class's colour by how sure the network is there, 0 where two
    classes tie and ``strength`` where one is certain. For two classes that is a diverging map of
    p through the background at p = 0.5; for k classes, each class's colour with its confidence."""
    p = np.asarray(probabilities, float)
    k = p.shape[-1]
    top = np.argmax(p, axis=-1)
    confidence = (np.max(p, axis=-1) - 1 / k) / (1 - 1 / k)  # 0 at a k-way tie, 1 when certain
    colours = np.array([hex_rgb(class_colour(c, theme)) for c in range(k)])
    back = hex_rgb(theme.background)
    share = (strength * confidence)[..., None]
    return back + share * (colours[top] - back)


def value_rgb(values: np.ndarray, norm: SymmetricNorm, theme: Theme, strength: float = MAP_STRENGTH) -> np.ndarray:
    """A map of signed values (a unit's activation, a feature, a regression's ŷ), on the weight
    map with a norm fixed for the run, so a colour means the same value in every frame; the
    largest |value| is ``strength`` of the way to the map's end (the map's ends are dark)."""
    return diverging_rgb(np.asarray(values, float) * strength, norm, theme)


def decision_fields(logits: np.ndarray) -> list[np.ndarray]:
    """(side, side, d) output logits -> the fields whose zero contours are the decision
    boundary: the logit itself for one output (p = 0.5 where z = 0), and for k outputs each
    class's margin z_c − max of the others (region c is where it is positive)."""
    z = np.asarray(logits, float)
    if z.shape[-1] == 1:
        return [z[..., 0]]
    fields = []
    for c in range(z.shape[-1]):
        others = np.delete(z, c, axis=-1).max(axis=-1)
        fields.append(z[..., c] - others)
    return fields


def zero_contour(field: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    """Marching squares: the segments, (m, 2, 2) as [[x1, x2], [x1, x2]], where ``field``
    (side, side), sampled on the grid over span² ([row of x2, column of x1]), crosses zero,
    each end linearly placed on its cell's edge. A saddle cell joins its crossings by the sign
    of the cell's mean."""
    f = np.asarray(field, float)
    side = f.shape[0]
    axis = np.linspace(span[0], span[1], side)
    step = axis[1] - axis[0]
    a, b, c, d = f[:-1, :-1], f[:-1, 1:], f[1:, 1:], f[1:, :-1]  # corners: SW, SE, NE, NW
    case = (a > 0) * 1 + (b > 0) * 2 + (c > 0) * 4 + (d > 0) * 8
    rows, cols = np.nonzero((case != 0) & (case != 15))
    if not len(rows):
        return np.zeros((0, 2, 2))

    def cross(v0, v1):
        return v0 / (v0 - v1 + (v0 == v1))  # where along the edge the sign changes

    x0, y0 = axis[cols], axis[rows]
    va, vb, vc, vd = a[rows, cols], b[rows, cols], c[rows, cols], d[rows, cols]
    # The crossing on each edge: south (a-b), east (b-c), north (d-c), west (a-d).
    points = {
        "S": np.stack([x0 + step * cross(va, vb), y0], axis=1),
        "E": np.stack([x0 + step, y0 + step * cross(vb, vc)], axis=1),
        "N": np.stack([x0 + step * cross(vd, vc), y0 + step], axis=1),
        "W": np.stack([x0, y0 + step * cross(va, vd)], axis=1),
    }
    centre_positive = (va + vb + vc + vd) > 0
    segments = []
    for k, cell in enumerate(case[rows, cols]):
        for e0, e1 in _EDGES_OF[int(cell)] if cell not in (5, 10) else _saddle(int(cell), centre_positive[k]):
            segments.append([points[e0][k], points[e1][k]])
    return np.array(segments, float).reshape(-1, 2, 2)


# Which cell edges a contour joins, by the corners that are positive (bits: SW 1, SE 2, NE 4, NW 8).
_EDGES_OF = {1: [("W", "S")], 2: [("S", "E")], 3: [("W", "E")], 4: [("E", "N")], 6: [("S", "N")],
             7: [("W", "N")], 8: [("N", "W")], 9: [("N", "S")], 11: [("N", "E")], 12: [("E", "W")],
             13: [("E", "S")], 14: [("S", "W")]}


def _saddle(case: int, centre_positive: bool) -> list:
    """Case 5 (SW, NE positive) and 10 (SE, NW positive): two segments, cut off the corners of
    the sign the centre does not share."""
    if case == 5:
        return [("W", "N"), ("S", "E")] if centre_positive else [("W", "S"), ("E", "N")]
    return [("S", "W"), ("N", "E")] if centre_positive else [("S", "E"), ("N", "W")]


def boundary_segments(state) -> np.ndarray:
    """The State's decision boundary on its 2-D grid, (m, 2, 2) segments in input coordinates
    (each boundary between two regions is found from both sides; the copies coincide)."""
    span = grid_span(state.problem)
    logits = state.pre_activation_maps()[-1]
    parts = [zero_contour(f, span) for f in decision_fields(logits)]
    return np.concatenate(parts) if parts else np.zeros((0, 2, 2))


def grid_span(problem) -> tuple[float, float]:
    """The 2-D grid's [lo, hi] on both axes (it is square: see data.input_grid)."""
    g = problem.raw_grid
    return float(g[:, 0].min()), float(g[:, 0].max())


def image_extent(problem) -> tuple[float, float, float, float]:
    """Where a (side, side) map of the grid is drawn, (left, right, bottom, top) in input
    coordinates: half a cell past grid_span on every side, so that each pixel's centre is its
    grid point (an image's pixels fill its extent) and the map lines up with the boundary. A
    plot's limits stay grid_span: the outer half cells are cut off."""
    lo, hi = grid_span(problem)
    half = (hi - lo) / (problem.grid_side - 1) / 2
    return lo - half, hi + half, lo - half, hi + half


@dataclass(frozen=True)
class MapNorms:
    """The fixed scale of every map a neuron shows, for the whole run: the largest |value| on the
    grid over every epoch, per unit of each layer (inputs: each feature; hidden layers: each
    unit's activation; the output: its ŷ, or [0, 1] for probabilities)."""
    inputs: np.ndarray  # (d_in,)
    layers: list  # per layer after the input, (width,)

    def of(self, layer: int, index: int) -> SymmetricNorm:
        table = self.inputs if layer == 0 else self.layers[layer - 1]
        return SymmetricNorm(float(table[index]))


def map_norms(history) -> MapNorms:
    """Every neuron map's scale over the run (see MapNorms), from one pass over every epoch;
    computed once per History."""
    cached = getattr(history, "_map_norms", None)
    if cached is not None:
        return cached
    problem = history.problem
    inputs = np.abs(problem.grid).max(axis=0)
    largest = None
    for epoch in range(history.epochs + 1):
        maps = history.at_epoch(epoch).neuron_maps()
        peaks = [np.abs(m).reshape(-1, m.shape[-1]).max(axis=0) for m in maps]
        largest = peaks if largest is None else [np.maximum(a, b) for a, b in zip(largest, peaks)]
    if history.is_classification:
        largest[-1] = np.ones_like(largest[-1])
    norms = MapNorms(inputs, [np.where(p > 0, p, 1.0) for p in largest])
    history._map_norms = norms
    return norms


REGRESSION_HEADROOM = 1.5  # a 2-D regression's ŷ map reaches at most this many times the data's largest |y|


def regression_norm(history) -> SymmetricNorm:
    """A 2-D regression's one scale for its ŷ map and its points' y, fixed for the run: the
    largest |ŷ| on the grid over every epoch, but at least the largest |y| (no point is
    clipped) and at most REGRESSION_HEADROOM times it, so that a wild first guess does not
    wash out the rest of training (``regression_clipped`` says so; a renderer marks it)."""
    data = float(np.abs(history.y).max())
    return SymmetricNorm(min(max(_largest_output(history), data), REGRESSION_HEADROOM * data))


def regression_clipped(history) -> bool:
    """Whether some ŷ of the run lies beyond regression_norm's scale (drawn in its end colour)."""
    return _largest_output(history) > regression_norm(history).vmax


def _largest_output(history) -> float:
    return map_norms(history).of(len(history.config.layers) - 1, 0).vmax


def value_norm(history) -> SymmetricNorm:
    """A 2-D regression's one scale for the ŷ map and the points' y, fixed for the run: the
    largest |y| and the largest |ŷ| on the grid over every epoch, unless that is more than
    SQUASH_LIMIT times the largest |y| (a wild first guess would wash the trained fit out to the
    middle colour): then (1 + OVERSHOOT) times the largest |y|, as the 1-D fit's y-range, and
    the renderers say how far ŷ goes beyond it (``off_scale``)."""
    data = float(np.abs(history.y).max()) or 1.0
    largest = max(data, float(map_norms(history).layers[-1].max()))
    return SymmetricNorm(largest if largest <= SQUASH_LIMIT * data else (1 + OVERSHOOT) * data)


def off_scale(values: np.ndarray, norm: SymmetricNorm) -> list[tuple[str, float]]:
    """Where a map's values leave its scale: ("above", the largest) when it passes +vmax,
    ("below", the smallest) when it passes −vmax; a renderer writes each as layout.mark_text."""
    values = np.asarray(values, float)
    marks = []
    if values.size and values.max() > norm.vmax:
        marks.append(("above", float(values.max())))
    if values.size and values.min() < -norm.vmax:
        marks.append(("below", float(values.min())))
    return marks


def neuron_map_rgb(state, norms: MapNorms, layer: int, index: int, theme: Theme) -> np.ndarray:
    """(side, side, 3): what neuron ``index`` of ``layer`` (0: the inputs) outputs over the input
    plane, on its fixed scale. A classification's output shows probabilities: one sigmoid output
    the decision regions themselves, and softmax output c its class's colour by p_c."""
    if layer == 0:
        return value_rgb(state.feature_maps()[..., index], norms.of(0, index), theme)
    maps = state.neuron_maps()
    if layer < len(maps) or not state.problem.classes:
        return value_rgb(maps[layer - 1][..., index], norms.of(layer, index), theme)
    probabilities = state.grid_map(state.grid_probabilities)
    if probabilities.shape[-1] == 2:
        return region_rgb(probabilities, theme, strength=MAP_STRENGTH)
    back, colour = hex_rgb(theme.background), hex_rgb(class_colour(index, theme))
    return back + (MAP_STRENGTH * probabilities[..., index:index + 1]) * (colour - back)
