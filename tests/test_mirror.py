"""Panels mirrored one to one: each decision both renderers share is read back from what the
video and the GIF drew, and checked against training's values (a State, h.loss) and against
each other. The expected widths and orientations are worked out here from the weights, not
taken from the drawing code."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402

from drawn import palette_for  # noqa: E402
from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core import palette as pal  # noqa: E402
from nnviz_core.compare import compare  # noqa: E402
from nnviz_core.dashboard import Dashboard  # noqa: E402
from nnviz_core.dashboard.compare import CompareDashboard  # noqa: E402
from nnviz_core.layout import bias_bars, gradient_bars, network_layout  # noqa: E402
from scenes.mobjects import BiasBars, GradientBars, NetworkDiagram, WeightHeatmap  # noqa: E402
from scenes.mobjects.compare import SharedLossPanel  # noqa: E402
from scenes.mobjects.network import STROKE_PER_POINT  # noqa: E402

LIGHT = pal.THEMES["light"]


def width_for(value: float, largest: float, thinnest: float, thickest: float) -> float:
    """A line's width from its value: thinnest at 0, thickest from the run's largest |value| on."""
    return thinnest + (thickest - thinnest) * min(abs(value) / largest, 1.0)


@pytest.fixture(scope="module")
def run():
    h = train(RunConfig(layers=(1, 3, 1), epochs=30, snapshot_every=10, samples=24))
    return h, h.at_epoch(h.epochs)


@pytest.fixture(scope="module")
def both(run):
    h, state = run
    video = NetworkDiagram(h, palette_for(h), width=5, height=5)
    video.set_state(state)
    gif = Dashboard(h, panels=("network", "biases", "gradients"), dpi=30)
    gif.update(state)
    return video, gif.panels["network"], gif


def test_a_bias_is_its_neurons_ring_in_both(run, both):
    h, state = run
    video, gif, _ = both
    largest = h.largest("biases")
    gif_rings = {(n.layer, n.index): e for e, n in gif.rings}
    assert set(gif_rings) == {(layer, j) for layer in (1, 2) for j in range(h.config.layers[layer])}
    for (layer, j), ellipse in gif_rings.items():
        b = state.biases[layer - 1][0, j]
        points = width_for(b, largest, *pal.RING_WIDTH)
        assert ellipse.get_linewidth() == pytest.approx(points)
        assert video.neurons[(layer, j)].get_stroke_width() == pytest.approx(STROKE_PER_POINT * points)
        colour = pal.diverging_rgb(b, pal.SymmetricNorm(largest), LIGHT)
        assert np.allclose(ellipse.get_edgecolor()[:3], colour)
        assert np.allclose(video.neurons[(layer, j)].get_stroke_rgbas()[0][:3], colour, atol=1e-6)


def test_edges_are_as_wide_in_both_in_each_renderers_unit(run, both):
    h, state = run
    video, gif, _ = both
    largest = h.largest("weights")
    for line, e in gif.edges:
        w = state.weights[e.layer][e.i, e.j]
        points = width_for(w, largest, 0.5, 6.0)  # the seed's GIF widths, in points
        assert line.get_linewidth() == pytest.approx(points)
        assert video.edge_line(e.layer, e.i, e.j).get_stroke_width() == pytest.approx(STROKE_PER_POINT * points)


def test_neuron_fills_are_the_same_in_both(run, both):
    h, _ = run
    video, gif, _ = both
    named = {0: LIGHT.input_neuron, 1: LIGHT.hidden_neuron, 2: LIGHT.output_neuron}
    drawn = [n for column in network_layout(h.config.layers).neurons for n in column]
    for ellipse, n in zip(gif.ellipses, drawn):
        assert to_hex(ellipse.get_facecolor()[:3]) == named[n.layer]
        assert video.neurons[(n.layer, n.index)].get_fill_color().to_hex().lower() == named[n.layer]


def test_bars_mean_the_layouts_bars_in_both_and_rects_are_drawn(run, both):
    h, _ = run
    _, _, gif = both
    palette = palette_for(h)
    video = {"biases": BiasBars(h, palette), "gradients": GradientBars(h, palette)}
    expected = {"biases": bias_bars(network_layout(h.config.layers)), "gradients": gradient_bars(h.config.layers)}
    for name, bars in expected.items():
        assert [b.label for b in video[name].bars] == [b.label for b in gif.panels[name].bars] == [b.label for b in bars]
        assert len(video[name].rects) == len(gif.panels[name].rects) == len(bars)


@pytest.mark.parametrize("layers", [(1, 3, 1), (1, 4, 2, 1), (1, 2, 5, 1)])
def test_heatmaps_put_the_hidden_units_in_rows_and_sign_every_value_in_both(layers, tmp_path):
    h = train(RunConfig(layers=layers, epochs=3, snapshot_every=1, samples=16))
    state = h.at_epoch(h.epochs)
    d = Dashboard(h, panels=("weights_in", "weights_out"), dpi=60)
    d.update(state)
    palette = palette_for(h)
    last = len(layers) - 2
    for name, index, rows_are in (("weights_in", 0, layers[1]), ("weights_out", last, layers[-2])):
        w = state.weights[index]
        truth = w.T if index == 0 else w  # rows: the hidden units the matrix feeds, or comes from
        assert truth.shape[0] == rows_are
        gif = d.panels[name]
        np.testing.assert_array_equal(gif.image.get_array(), truth)
        video = WeightHeatmap(h, palette, index, width=3, height=4)
        video.set_state(state)
        drawn = np.array([c.get_fill_color().to_rgb() for c in video.cells])
        np.testing.assert_allclose(drawn, palette.weight_rgb(truth.ravel()), atol=1e-6)
        signed = [f"{v:+.2f}".replace("-", "−") for v in truth.ravel()]
        if video.values:
            assert [n.text for n in video.values] == signed
        if gif.cells:
            assert [t.get_text() for r, c, t in gif.cells] == [signed[r * truth.shape[1] + c] for r, c, _ in gif.cells]


def test_comparisons_share_one_loss_axis_and_the_run_colours_in_both():
    c = compare(RunConfig(epochs=15), "lr", ["0.05", "0.5", "5"])
    runs = c.histories
    gif = CompareDashboard(c, dpi=20)
    shared = gif.panels[-1]
    colours = [to_hex(line.get_color()) for line in shared.lines]
    video = SharedLossPanel(runs, palette_for(runs[0]), c.labels, colours)
    assert video.axis == shared.axis
    steady = [h for h in runs if h.diverged_at is None and h.loss[-1] <= h.loss[0]]
    assert steady and len(steady) < len(runs)  # the runs this test is about: one leaves the axis
    for h in steady:
        assert shared.axis.low <= h.loss.min() and h.loss.max() <= shared.axis.high
    assert max(h.loss.max() for h in runs) > shared.axis.high
    assert colours == [LIGHT.unit_colours[k] for k in range(len(runs))]
    assert [curve.get_stroke_color().to_hex().lower() for curve in video.curves] == colours
    for panel, colour in zip(gif.panels, colours):
        assert to_hex(to_rgb(panel.title.get_color())) == colour  # each run's fit is titled in its colour


# -- 2-D data: plane's decisions (the GIF's half; the video's 2-D panels are not on main yet:
# when they are, each check below gets its video twin reading the same decision back) ----------
@pytest.fixture(scope="module")
def plane_run():
    h = train(RunConfig().updated({"dataset": "spiral", "classes": "3", "layers": "2,5,3", "epochs": "6",
                                   "snapshot_every": "3", "samples": "30"}))
    return h, h.at_epoch(h.epochs)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_gif_draws_2d_data_with_planes_decisions(plane_run, theme):
    from nnviz_core import plane
    from nnviz_core.layout import ACCURACY_AXIS, ACCURACY_TICKS, accuracy_text, feature_text

    h, state = plane_run
    t = pal.THEMES[theme]
    gif = Dashboard(h, panels=("fit", "loss", "network"), dpi=20, theme=t)
    gif.update(state)
    fit, loss, net = (gif.panels[name] for name in ("fit", "loss", "network"))
    # The regions image, where it sits, and the boundary.
    assert np.array_equal(fit.image.get_array(), plane.region_rgb(state.grid_map(state.grid_probabilities), t))
    assert tuple(fit.image.get_extent()) == pytest.approx(plane.image_extent(h.problem))
    assert fit.ax.get_xlim() == fit.ax.get_ylim() == pytest.approx(plane.grid_span(h.problem))
    assert np.array_equal(np.array(fit.boundary.get_segments()), plane.boundary_segments(state))
    # The classes' colours and markers.
    for k, points in enumerate(fit.points):
        assert to_hex(points.get_facecolor()[0]) == plane.class_colour(k, t)
        marker = matplotlib.markers.MarkerStyle(plane.class_marker(k))
        assert np.allclose(points.get_paths()[0].vertices, marker.get_path().transformed(marker.get_transform()).vertices)
    # Every neuron's map, on the run's scales; the inputs named by their features.
    norms = plane.map_norms(h)
    for image, n in net.maps:
        assert np.array_equal(image.get_array(), plane.neuron_map_rgb(state, norms, n.layer, n.index, t))
    names = {text.get_text() for text in net.ax.texts}
    assert {feature_text(f) for f in h.problem.features} <= names
    # The accuracy's axis, ticks, text and colour.
    assert loss.right.get_ylim() == ACCURACY_AXIS
    assert [tick.get_text() for tick in loss.right.get_yticklabels()] == [accuracy_text(v) for v in ACCURACY_TICKS]
    assert to_hex(loss.accuracy_curve.get_color()) == t.accuracy
