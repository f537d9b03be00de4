"""NetworkDiagram: any architecture from the core's layout, edges and biases driven by a State."""
from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, UP, Circle, Dot, Line, ManimColor, VGroup, VMobject

from nnviz_core.layout import contribution_styles, feature_text, network_layout, weight_text, zero_weight_key
from nnviz_core.numbers import fmt_fixed
from nnviz_core import palette as pal
from nnviz_core.palette import Palette, edge_width, neuron_fills

from ..theme import SMALL_SIZE, Z_EDGE, Z_LABEL, Z_NEURON, LiveNumber, label, muted
from .neuron_maps import NeuronMaps
from .panel import Panel

SMALL_FILL = 0.6
# manim's stroke width 1 is 1/100 of a frame unit (1.35 px at 1080p): 1.5 per point keeps the
# video's diagram, which fills more of its frame, as heavy for its size as the GIF's.
STROKE_PER_POINT = 1.5
EDGE_WIDTH = tuple(STROKE_PER_POINT * w for w in pal.EDGE_WIDTH)
RING_WIDTH = tuple(STROKE_PER_POINT * w for w in pal.RING_WIDTH)
NEURON_FILL = 0.9
DIAGONAL = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)  # a dead unit's cross
NAME_HALO = 5  # the outline, in the background colour, of a name written beside a neuron, over edges
NAME_GAP = 0.08  # between a neuron and the name beside it

# How a 2-D run's input neurons are named: by the feature each one reads.
def label_position(layout, edge) -> float:
    """Where along its edge a weight label goes: where the edges fan apart (near the wider
    side), or, between two wide layers, staggered by source neuron."""
    sources, targets = len(layout.neurons[edge.layer]), len(layout.neurons[edge.layer + 1])
    if sources == 1:
        return 0.62
    if targets == 1:
        return 0.38
    row = [n.index for n in layout.neurons[edge.layer]].index(edge.i)
    return 0.2 + 0.6 * (row + 0.5) / sources


ZERO_DASH = tuple(STROKE_PER_POINT / 100 * d for d in pal.ZERO_DASH)  # scene units: stroke width 1 is 1/100


def set_dotted(edge: VMobject, dotted: bool) -> VMobject:
    """Redraw an edge's straight path in place between its two ends: as dashes (a zero weight's,
    palette.ZERO_DASH) from end to end, or whole. Its ends stay its first and last points, so
    pulses and labels placed by them are where they were."""
    start, end = edge.get_start().copy(), edge.get_end().copy()
    if not dotted:
        return edge.set_points_as_corners([start, end])
    on, off = ZERO_DASH
    length = float(np.linalg.norm(end - start))
    count = max(1, round((length + off) / (on + off)))  # whole dashes, stretched to end on its end
    period = (length + off) / count if count > 1 else length + off
    edge.clear_points()
    for k in range(count):
        a, b = k * period, min(k * period + period - off, length)
        edge.start_new_path(start + (end - start) * a / length)
        edge.add_line_to(start + (end - start) * b / length)
    return edge


def zero_key(history, theme, size: int = SMALL_SIZE) -> VGroup:
    """The legend's entry for a zero weight's edge, a short dotted grey line and "w = 0", on a run
    with a weight exactly 0 at some step (layout.zero_weight_key); else an empty group."""
    text = zero_weight_key(history)
    if not text:
        return VGroup()
    line = set_dotted(Line(0.16 * LEFT, 0.16 * RIGHT), True).set_stroke(theme.zero_edge, STROKE_PER_POINT * pal.ZERO_EDGE_WIDTH)
    return VGroup(line, muted(text, theme, size)).arrange(RIGHT, buff=0.1)


def rgb_colors(rgbs) -> list[ManimColor]:
    return [ManimColor.from_rgb(rgb) for rgb in rgbs]


class NetworkDiagram(Panel):
    """The network: neurons labelled x, h1..hn (h1.3 in deeper nets), ŷ; edges coloured by
    weight sign and sized by |w| (capped), an exact 0 thin, dotted and grey (Palette.edge_styles);
    each bias as the colour and width of its neuron's ring.
    A layer wider than ``max_shown`` shows its first units, "⋮", its last unit, and its true size
    above it.

    For 2-D data every neuron shows its map over the input plane (``maps``, see NeuronMaps),
    inside its ring; the names then go beside the neurons: each input's feature (x₁, x₁²) on
    its left, the units' names on their right.

        net = NetworkDiagram(history, palette, width=6, height=6)
        self.add(net.set_state(history.at(0)))
        self.play(tracker.animate.set_value(history.epochs))  # with an updater calling set_state

    ``weight_labels=True`` writes each weight on its edge: readable for small networks (between
    two layers wider than one neuron, labels start to crowd).
    """

    def __init__(self, history, palette: Palette, width: float = 6.0, height: float = 6.0, max_shown: int = 10,
                 weight_labels: bool = False):
        super().__init__(palette)
        self.layout = network_layout(history.config.layers, max_shown)
        columns = len(self.layout.layers) - 1
        # Scene units per layout row: 0.9 for tall columns, more for short ones, whose rows then
        # span at least SMALL_FILL of the height (a 1-2-1 network would sit in a thin band).
        rows = max(self.layout.height, 1)
        self.unit = min(height / rows, max(0.9, SMALL_FILL * height / rows))
        plane = history.problem.is_2d
        # On a plane each neuron shows its map and the names go beside the neurons: the layers
        # close up to make room for the inputs' on the left and the outputs' on the right.
        beside = {(layer, n.index): self._name_text(history, layer, n)
                  for layer, column in enumerate(self.layout.neurons) for n in column} if plane else {}
        room = 0.0
        for end in (0, columns) if plane else ():  # the widest input name, the widest output name
            room += max(name.width for (layer, _), name in beside.items() if layer == end) + NAME_GAP
        self.spacing = (width - room) / max(columns, 1)
        # room for a 20 pt "0.00" inside; never touching a neighbour, above or beside
        self.radius = min(0.32, 0.45 * self.unit, 0.4 * self.spacing)
        fills = neuron_fills(self.theme, columns + 1)

        self.neurons: dict[tuple[int, int], Circle] = {}
        self.names: dict[tuple[int, int], object] = {}
        for layer, column in enumerate(self.layout.neurons):
            for n in column:
                # On a plane the map fills the circle; its fill is clear, under the map.
                circle = Circle(self.radius, fill_color=fills[layer], fill_opacity=0.0 if plane else NEURON_FILL,
                                stroke_color=self.theme.ink, stroke_width=RING_WIDTH[0]).move_to(self._at(n))
                self.neurons[(layer, n.index)] = circle
                if plane:  # the inputs' on their left, the units' on their right
                    side = LEFT if layer == 0 else RIGHT
                    self.names[(layer, n.index)] = beside[(layer, n.index)].next_to(circle, side, buff=NAME_GAP)
                    continue
                name = label(n.label, self.theme, 18 if len(n.label) > 2 else SMALL_SIZE).move_to(circle)
                if name.width > 1.7 * self.radius:  # "h2.10" in a small neuron
                    name.scale_to_fit_width(1.7 * self.radius)
                self.names[(layer, n.index)] = name
        self.circles = VGroup(*self.neurons.values()).set_z_index(Z_NEURON)
        self.labels = VGroup(*self.names.values()).set_z_index(Z_LABEL)
        self.edges = VGroup(*(self._line(e.start, e.end) for e in self.layout.edges)).set_z_index(Z_EDGE)
        self.dotted = [False] * len(self.edges)  # which edges are drawn as a zero weight's (set_dotted)
        self.sizes = VGroup()  # "⋮" and the true width above the column, for wide layers
        for dots in self.layout.ellipses:
            mark = label("⋮", self.theme, 30).move_to(self._at(dots))
            top = self.neurons[(dots.layer, self.layout.neurons[dots.layer][0].index)]
            width = self.layout.layers[dots.layer]
            count = muted(f"{width} units", self.theme)
            if count.width > 0.9 * self.spacing:  # neighbouring columns: the number alone
                count = muted(str(width), self.theme)
            count.next_to(top, UP, buff=0.22)
            self.sizes.add(mark, count)
        self.sizes.set_z_index(Z_LABEL)
        self.weight_labels = VGroup()
        if weight_labels:
            for line, e in zip(self.edges, self.layout.edges):
                where = label_position(self.layout, e)
                number = LiveNumber(0, lambda v: weight_text(v, 2, plus=True), SMALL_SIZE,
                                    color=self.theme.ink).add_halo(self.theme.background)
                self.weight_labels.add(number.move_to(line.point_from_proportion(where)))
            self.weight_labels.set_z_index(Z_LABEL)
        # A colour tab per last-hidden unit drawn, shared with its curve in ContributionsPanel.
        self.tabs = VGroup()
        if columns >= 2:
            styles = contribution_styles(history, self.layout, self.theme)
            for k, n in enumerate(self.layout.neurons[-2]):
                circle = self.neurons[(columns - 1, n.index)]
                tab = Dot(radius=0.07 + 0.12 * self.radius, color=styles[k].colour, stroke_color=self.theme.background,
                          stroke_width=2).move_to(circle.point_at_angle(np.pi / 4))
                self.tabs.add(tab)
            self.tabs.set_z_index(Z_LABEL).set_opacity(0.0)  # shown by show_tabs()

        # A dead unit (a ReLU that passes nothing on any input) is crossed out from the epoch it
        # dies, in every chapter that sets a State: shown by set_state, hidden while it lives.
        self.dead_marks: dict[tuple[int, int], VGroup] = {}
        for layer, column in enumerate(self.layout.neurons[1:-1], start=1):
            for n in column:
                at, r = self._at(n), 0.8 * self.radius
                cross = VGroup(*(Line(at - r * d, at + r * d) for d in (DIAGONAL, DIAGONAL * [1, -1, 0])))
                self.dead_marks[(layer, n.index)] = cross.set_stroke(self.theme.muted_ink, 4, opacity=0.0)
        self.crosses = VGroup(*self.dead_marks.values()).set_z_index(Z_NEURON)  # under the unit's name
        # The maps, for 2-D data: drawn under the rings (same z, earlier), over nothing else.
        self.maps = NeuronMaps(history, self.theme, self.neurons).set_z_index(Z_NEURON) if plane else None
        # Edges at the bottom, labels on top; edges, rings, maps and weight labels change.
        self.live.add(self.edges, self.sizes, *([self.maps] if plane else []), self.circles, self.labels,
                      self.weight_labels, self.tabs, self.crosses)
        self.center()

    def _name_text(self, history, layer: int, n):
        """A 2-D run's neuron name, to go beside its map-filled circle, on a halo (over edges):
        an input's feature (x₁²), a unit's layout name (h3, ŷ)."""
        text = feature_text(history.problem.features[n.index]) if layer == 0 else n.label
        return label(text, self.theme, SMALL_SIZE).set_stroke(self.theme.background, NAME_HALO, background=True)

    def _at(self, item) -> np.ndarray:
        return np.array([item.x * self.spacing, item.y * self.unit, 0.0])

    def _line(self, a, b) -> Line:
        start, end = self._at(a), self._at(b)
        direction = (end - start) / np.linalg.norm(end - start)
        return Line(start + self.radius * direction, end - self.radius * direction)

    # -- reading a State ------------------------------------------------------------------
    def edge_values(self, matrices) -> np.ndarray:
        """One value per drawn edge, from per-layer matrices (weights or their gradients)."""
        return np.array([matrices[e.layer][e.i, e.j] for e in self.layout.edges])

    def bias_values(self, biases) -> dict[tuple[int, int], float]:
        return {(layer, n.index): biases[layer - 1][0, n.index]
                for layer, column in enumerate(self.layout.neurons) if layer > 0 for n in column}

    def set_state(self, state) -> "NetworkDiagram":
        self.set_weights(state.weights, state.biases)
        self.set_dead(state.dead_units())
        if self.maps is not None:
            self.maps.set_state(state)
        return self

    def set_dead(self, dead_units) -> "NetworkDiagram":
        """Cross out the drawn units that are dead (per hidden layer, (width,) bool)."""
        for (layer, index), cross in self.dead_marks.items():
            cross.set_stroke(opacity=1.0 if dead_units[layer - 1][index] else 0.0)
        return self

    def set_weights(self, weights, biases) -> "NetworkDiagram":
        values = self.edge_values(weights)
        styles = self.palette.edge_styles(values)
        for k, (edge, color, width, zero) in enumerate(zip(self.edges, rgb_colors(styles.rgb), styles.width,
                                                            styles.zero)):
            if zero != self.dotted[k]:  # its path changes only when it turns zero or leaves 0
                set_dotted(edge, bool(zero))
                self.dotted[k] = bool(zero)
            edge.set_stroke(color, STROKE_PER_POINT * width)
        for number, value in zip(self.weight_labels, values):
            number.set_value(value)
        for key, b in self.bias_values(biases).items():
            color = rgb_colors([self.palette.ring_rgb(b)])[0]
            self.neurons[key].set_stroke(color, edge_width(b, self.palette.biases, *RING_WIDTH))
        return self

    # -- helpers for the lecture's steps ---------------------------------------------------
    def show_tabs(self, shown: bool = True):
        """The animation that shows (or hides) the colour tabs of the last hidden layer."""
        return self.tabs.animate.set_opacity(1.0 if shown else 0.0)

    def layer_neurons(self, layer: int) -> list[Circle]:
        return [self.neurons[(layer, n.index)] for n in self.layout.neurons[layer]]

    def layer_labels(self, layer: int) -> VGroup:
        return VGroup(*(self.names[(layer, n.index)] for n in self.layout.neurons[layer]))

    def layer_edges(self, layer: int) -> list[tuple[Line, object]]:
        """(line, layout edge) for the edges of weight matrix ``layer``."""
        return [(line, e) for line, e in zip(self.edges, self.layout.edges) if e.layer == layer]

    def edge_line(self, layer: int, i: int, j: int) -> Line:
        return next(line for line, e in self.layer_edges(layer) if (e.i, e.j) == (i, j))

    def edges_of_unit(self, layer: int, index: int) -> VGroup:
        """The drawn edges into and out of one neuron."""
        return VGroup(*(line for line, e in zip(self.edges, self.layout.edges)
                        if (e.layer == layer - 1 and e.j == index) or (e.layer == layer and e.i == index)))

    def inner_width(self) -> float:
        """How wide a number inside a neuron may be, clear of its ring."""
        return 1.7 * self.radius
