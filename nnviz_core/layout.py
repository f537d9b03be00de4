"""Where things go, for both renderers: neurons and edges for any architecture, in abstract
units each renderer scales, the names of neurons and weights, and the data plot's fixed range.

Layer l sits at x = l. Shown neurons are one unit apart, centred on y = 0, first neuron on top.
A layer wider than ``max_shown`` is drawn as a lecturer would: its first neurons, a vertical
ellipsis, then its last neuron(s), with the true size available for a brace or label.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Neuron:
    layer: int
    index: int  # the neuron's index in its layer (row/column of the weight matrices)
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Edge:
    layer: int  # weight matrix w[layer]
    i: int  # source neuron index (row)
    j: int  # target neuron index (column)
    start: Neuron
    end: Neuron


@dataclass(frozen=True)
class Ellipsis:
    layer: int
    x: float
    y: float
    hidden_count: int  # neurons not drawn


@dataclass(frozen=True)
class NetworkLayout:
    layers: tuple[int, ...]
    neurons: list[list[Neuron]]  # shown neurons, per layer, top to bottom
    edges: list[Edge]
    ellipses: list[Ellipsis]

    @property
    def height(self) -> float:
        """Span of the tallest column, in units (0 for a single neuron)."""
        return max(len(col) + (1 if self.has_ellipsis(l) else 0) for l, col in enumerate(self.neurons)) - 1

    def has_ellipsis(self, layer: int) -> bool:
        return any(e.layer == layer for e in self.ellipses)


def neuron_label(layers, layer: int, index: int) -> str:
    """x, h1..hn, ŷ; with several inputs/outputs x1, ŷ1; with several hidden layers h1_3."""
    last = len(layers) - 1
    several = layers[layer] > 1
    if layer == 0:
        return f"x{index + 1}" if several else "x"
    if layer == last:
        return f"ŷ{index + 1}" if several else "ŷ"
    return f"h{index + 1}" if last == 2 else f"h{layer}_{index + 1}"


def weight_label(layers, layer: int, i: int, j: int) -> str:
    """w1_3 for a weight touching a single neuron; w2_3,1 (row, column) between two wide layers."""
    if layers[layer] == 1 or layers[layer + 1] == 1:
        return f"w{layer + 1}_{max(i, j) + 1}"
    return f"w{layer + 1}_{i + 1},{j + 1}"


def fit_y_range(history) -> tuple[float, float]:
    """The data plot's y-range, fixed for the whole run: the data and every prediction, but at
    most half a data span beyond the data (a wild early guess is clipped, not followed)."""
    y = history.y[:, 0]
    span = y.max() - y.min()
    low = max(min(y.min(), history.prediction.min()), y.min() - span / 2)
    high = min(max(y.max(), history.prediction.max()), y.max() + span / 2)
    return float(low), float(high)


def shown_indices(width: int, max_shown: int) -> tuple[list[int], int]:
    """Which neurons of a layer are drawn, and the slot where the ellipsis goes (-1 if none)."""
    if width <= max_shown:
        return list(range(width)), -1
    head = max_shown - 2  # keep room for the ellipsis and the last neuron
    return list(range(head)) + [width - 1], head


def network_layout(layers, max_shown: int = 10) -> NetworkLayout:
    layers = tuple(layers)
    neurons, edges, ellipses = [], [], []
    for l, width in enumerate(layers):
        indices, dots_slot = shown_indices(width, max_shown)
        slots = len(indices) + (dots_slot >= 0)
        top = (slots - 1) / 2
        column = []
        for k, index in enumerate(indices):
            slot = k + (1 if 0 <= dots_slot <= k else 0)
            column.append(Neuron(l, index, float(l), top - slot, neuron_label(layers, l, index)))
        if dots_slot >= 0:
            ellipses.append(Ellipsis(l, float(l), top - dots_slot, width - len(indices)))
        neurons.append(column)
    for l in range(len(layers) - 1):
        edges += [Edge(l, a.index, b.index, a, b) for a in neurons[l] for b in neurons[l + 1]]
    return NetworkLayout(layers, neurons, edges, ellipses)
