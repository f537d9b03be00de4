"""The 2-D drawing decisions both renderers share (nnviz_core.plane), checked against training."""
import numpy as np
import pytest

from nnviz_core.config import RunConfig
from nnviz_core.palette import THEMES, hex_rgb
from nnviz_core.plane import (boundary_segments, class_colour, map_norms, neuron_map_rgb, region_rgb,
                              zero_contour)
from nnviz_core.train import train


def small(**changes):
    base = dict(dataset="circle", samples=60, epochs=12, lr=0.5, snapshot_every=5)
    return train(RunConfig().updated({k: str(v) for k, v in {**base, **changes}.items()}))


def test_zero_contour_of_a_line_lies_on_it():
    axis = np.linspace(-1, 1, 48)
    x1, x2 = np.meshgrid(axis, axis)
    field = 0.7 * x1 - 0.4 * x2 + 0.1  # a plane: marching squares is exact on it
    segments = zero_contour(field, (-1, 1))
    assert len(segments) > 40
    ends = segments.reshape(-1, 2)
    assert np.abs(0.7 * ends[:, 0] - 0.4 * ends[:, 1] + 0.1).max() < 1e-12
    # it crosses the whole square, bottom edge to top edge, at x1 = (0.4·x2 − 0.1) / 0.7
    assert ends[:, 1].min() == pytest.approx(-1) and ends[:, 1].max() == pytest.approx(1)
    assert ends[np.argmin(ends[:, 1]), 0] == pytest.approx(-0.5 / 0.7)


def test_zero_contour_of_a_circle_closes():
    axis = np.linspace(-1, 1, 48)
    x1, x2 = np.meshgrid(axis, axis)
    segments = zero_contour(x1**2 + x2**2 - 0.25, (-1, 1))
    ends = segments.reshape(-1, 2)
    assert np.abs(np.hypot(ends[:, 0], ends[:, 1]) - 0.5).max() < 0.01
    # closed: every end point is shared by two segments
    keys, counts = np.unique(np.round(ends, 9), axis=0, return_counts=True)
    assert (counts == 2).all()


def test_boundary_of_a_linear_classifier_is_its_line():
    h = small(layers="2,1", epochs=8)
    state = h.at_epoch(8)
    w, b = state.weights[0][:, 0], state.biases[0][0, 0]
    ends = boundary_segments(state).reshape(-1, 2)
    assert len(ends)
    assert np.abs(ends @ w + b).max() < 1e-9 * max(1, np.abs(w).sum())


def test_boundary_separates_the_predicted_classes():
    h = small(dataset="spiral", classes=3, layers="2,8,3", epochs=30, lr=1.0)
    state = h.at_epoch(30)
    segments = boundary_segments(state)
    assert len(segments)
    # just off each boundary point the two sides are predicted differently somewhere close
    classes = state.grid_map(state.grid_classes[:, None])[..., 0]
    changes = (np.diff(classes, axis=0) != 0).sum() + (np.diff(classes, axis=1) != 0).sum()
    assert changes > 0


def test_regions_blend_toward_the_sure_class():
    theme = THEMES["light"]
    back = hex_rgb(theme.background)
    tie, sure = region_rgb(np.array([[0.5, 0.5], [0.0, 1.0]]), theme)
    assert np.allclose(tie, back)
    assert np.allclose(sure, back + 0.55 * (hex_rgb(class_colour(1, theme)) - back))
    three = region_rgb(np.array([[1 / 3, 1 / 3, 1 / 3]]), theme)[0]
    assert np.allclose(three, back)


def reference_activations(weights, biases, X, activation):
    """A NumPy forward pass written here, independent of the engine's model."""
    funcs = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    a, out = X, []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w + b
        a = z if l == len(weights) - 1 else funcs[activation](z)
        out.append(a)
    return out


def test_map_norms_are_the_largest_over_every_epoch():
    h = small(layers="2,4,3,1", activation="tanh", epochs=10)
    norms = map_norms(h)
    peaks = None
    for e in range(h.epochs + 1):
        s = h.at_epoch(e)
        acts = reference_activations(s.weights, s.biases, h.problem.grid, "tanh")[:-1]
        p = [np.abs(a).max(axis=0) for a in acts]
        peaks = p if peaks is None else [np.maximum(x, y) for x, y in zip(peaks, p)]
    for got, want in zip(norms.layers[:-1], peaks):
        assert np.allclose(got, want, rtol=1e-12)
    assert np.allclose(norms.layers[-1], 1.0)  # probabilities
    assert np.allclose(norms.inputs, np.abs(h.problem.grid).max(axis=0))


def test_neuron_map_colour_follows_the_unit():
    h = small(layers="2,3,1", epochs=5)
    state = h.at_epoch(5)
    theme = THEMES["light"]
    rgb = neuron_map_rgb(state, map_norms(h), 1, 0, theme)
    assert rgb.shape == (48, 48, 3)
    act = state.neuron_maps()[0][..., 0]
    # a ReLU unit's zero region is the map's middle colour; where it is largest, the red end
    zero, top = act == 0, np.unravel_index(np.argmax(act), act.shape)
    if zero.any():
        assert np.allclose(rgb[zero], rgb[zero][0])
    assert rgb[top][0] > rgb[top][2]  # red over blue: a positive activation
