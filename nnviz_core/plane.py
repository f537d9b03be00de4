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


def value_norm(history) -> SymmetricNorm:
    """A 2-D regression's one scale for the ŷ map and the points' y, fixed for the run: the
    largest |y| and the largest |ŷ| on the grid over every epoch, unless that is more than
    SQUASH_LIMIT times the largest |y| (a wild first guess would wash the trained fit out to the
    middle colour): then (1 + OVERSHOOT) times the largest |y|, as the 1-D fit's y-range, and
    the renderers say how far ŷ goes beyond it (``off_scale``)."""
    data = float(np.abs(np.r_[history.y, history.y_test]).max()) or 1.0  # held-out points are drawn too
    largest = max(data, float(map_norms(history).layers[-1].max()))
    return SymmetricNorm(largest if largest <= SQUASH_LIMIT * data else (1 + OVERSHOOT) * data)


def value_clipped(history) -> bool:
    """Whether some ŷ of the run lies beyond value_norm's scale (drawn in the end colour, its true
    value marked: off_scale)."""
    return float(map_norms(history).layers[-1].max()) > value_norm(history).vmax


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


# -- what each neuron computes, on the plane -----------------------------------------------------
def explained_output(problem, sample: int) -> int:
    """The output whose z the lecture builds unit by unit: the only one (a regression's ŷ, two
    classes' logit of p(class 1)), or, for k classes, the logit of the class of the training
    point ``sample`` (the forward pass's)."""
    return 0 if problem.y.shape[1] == 1 else int(problem.labels()[sample])


def square(span: tuple[float, float]) -> np.ndarray:
    """The grid's square, (4, 2) corners counter-clockwise from (lo, lo)."""
    lo, hi = span
    return np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], float)


def positive_part(line, span: tuple[float, float]) -> np.ndarray:
    """(m, 2): the polygon of the square span² where a·x1 + b·x2 + c > 0 for ``line`` (a, b, c),
    its corners counter-clockwise; m = 0 when none of the square is."""
    a, b, c = (float(v) for v in line)
    corners = square(span)
    f = corners @ [a, b] + c
    out = []
    for k in range(4):
        p, q, fp, fq = corners[k], corners[(k + 1) % 4], f[k], f[(k + 1) % 4]
        if fp > 0:
            out.append(p)
        if (fp > 0) != (fq > 0) and fp != fq:  # the line crosses this edge
            out.append(p + (q - p) * fp / (fp - fq))
    return np.array(out, float).reshape(-1, 2)


def line_in_square(line, span: tuple[float, float]) -> np.ndarray:
    """(m, 2, 2): the part of the line a·x1 + b·x2 + c = 0 inside the square, one segment (m = 1),
    or none where the line misses it (or a = b = 0)."""
    a, b, c = (float(v) for v in line)
    corners = square(span)
    f = corners @ [a, b] + c
    cuts = []
    for k in range(4):
        p, q, fp, fq = corners[k], corners[(k + 1) % 4], f[k], f[(k + 1) % 4]
        if fp == 0:
            cuts.append(p)
        elif fp * fq < 0:
            cuts.append(p + (q - p) * fp / (fp - fq))
    if len(cuts) < 2:
        return np.zeros((0, 2, 2))
    cuts = np.array(cuts)
    ends = cuts[[np.argmin(cuts @ [-b, a]), np.argmax(cuts @ [-b, a])]]  # the two furthest apart along it
    return ends[None] if np.linalg.norm(ends[1] - ends[0]) > 0 else np.zeros((0, 2, 2))


def first_layer_z(state, points: np.ndarray) -> np.ndarray:
    """(n, width): every first-layer unit's z = w·φ(x) + b at raw input points (n, 2)."""
    from .problems import feature_matrix

    features = feature_matrix(np.asarray(points, float).reshape(-1, 2), state.problem.features)
    return features @ state.weights[0] + state.biases[0]


def unit_boundaries(state) -> list[np.ndarray]:
    """Per first-layer unit, (m, 2, 2) segments in the input plane where its z = w·φ(x) + b is 0
    (a ReLU's edge, a tanh's or sigmoid's middle): its line clipped to the grid's square when the
    features are x1 and x2, else the zero contour of its map."""
    span = grid_span(state.problem)
    lines = state.first_layer_lines()
    if lines is not None:
        return [line_in_square(line, span) for line in lines]
    z = state.pre_activation_maps()[0]
    return [zero_contour(z[..., j], span) for j in range(z.shape[-1])]


def on_side(state, segments: np.ndarray, unit: int, toward: float = np.pi / 2, reach: float = 0.0,
            inset: float = 0.15) -> tuple[np.ndarray, np.ndarray] | None:
    """Where to point at the side on which a first-layer unit is on (z > 0): a foot on its
    boundary ``segments`` and the unit direction there in which z rises. The foot is the point of
    the boundary furthest toward the angle ``toward`` (so that each unit's arrow can have a place
    of its own) that keeps ``inset`` of the square's side from its edges and from which ``reach``
    along that direction is still on the unit's on side (a curved boundary can turn back); None
    when there is no such point."""
    span = grid_span(state.problem)
    lo, hi = span[0] + inset * (span[1] - span[0]), span[1] - inset * (span[1] - span[0])
    if len(segments) == 1:  # a line: points along its part inside the inset square
        a, b = segments[0]
        candidates = a + np.linspace(0.0, 1.0, 101)[:, None] * (b - a)
    else:
        candidates = segments.mean(axis=1).reshape(-1, 2)
    candidates = candidates[((candidates >= lo) & (candidates <= hi)).all(axis=1)]
    if not len(candidates):
        return None
    eps = 1e-4 * (span[1] - span[0])
    steps = eps * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])
    z = first_layer_z(state, (candidates[:, None] + steps).reshape(-1, 2))[:, unit].reshape(-1, 4)
    gradient = np.stack([z[:, 0] - z[:, 1], z[:, 2] - z[:, 3]], axis=1)
    size = np.linalg.norm(gradient, axis=1)
    directions = gradient / np.where(size > 0, size, 1.0)[:, None]
    tips = first_layer_z(state, candidates + reach * directions)[:, unit]
    fine = (size > 0) & (tips > 0)
    if not fine.any():
        return None
    centre = np.full(2, (span[0] + span[1]) / 2)
    score = np.where(fine, (candidates - centre) @ [np.cos(toward), np.sin(toward)], -np.inf)
    k = int(np.argmax(score))
    return candidates[k], directions[k]


def running_logits(state, layout, output: int = 0) -> list[np.ndarray]:
    """(side, side) maps: the output's bias alone, then that plus each piece of
    layout.contribution_curves in turn (the last hidden layer's drawn units, then the units behind
    its ellipsis together); the last is the output's z exactly."""
    from .layout import contribution_curves

    total = np.full(state.problem.grid.shape[0], float(state.biases[-1][0, output]))
    sums = [total]
    for _, _, values in contribution_curves(state, layout, output):
        total = total + values
        sums.append(total)
    return [state.grid_map(s)[..., 0] for s in sums]


def logit_norm(history, layout, output: int = 0) -> SymmetricNorm:
    """The fixed colour scale of an output's z built unit by unit: the largest |z| on the grid over
    every epoch (the replay), and of every running sum at the last epoch (the build), computed
    once per History."""
    cache = history.__dict__.setdefault("_logit_norms", {})
    key = (output, tuple(len(column) for column in layout.neurons))
    if key not in cache:
        peak = max(float(np.abs(s).max()) for s in running_logits(history.at_epoch(history.epochs), layout, output))
        for epoch in range(history.epochs + 1):
            peak = max(peak, float(np.abs(history.at_epoch(epoch).pre_activation_maps()[-1][..., output]).max()))
        cache[key] = SymmetricNorm(peak if peak > 0 else 1.0)
    return cache[key]
