"""The dashboard GIF of 2-D data: the decision regions, the boundary, the points by class, a map
on every neuron, the accuracy beside the loss; each read back from what was drawn and checked
against training (h.at_epoch(e), h.loss, h.accuracy), with expected values worked out here."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402
from PIL import Image  # noqa: E402

from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core import plane  # noqa: E402
from nnviz_core.dashboard import Dashboard  # noqa: E402
from nnviz_core.frontends.cli import main  # noqa: E402
from nnviz_core.layout import accuracy_text  # noqa: E402
from nnviz_core.numbers import fmt_loss  # noqa: E402
from nnviz_core.plane import boundary_segments, region_rgb  # noqa: E402
from nnviz_core.palette import THEMES, hex_rgb  # noqa: E402
from nnviz_core.problems import feature_matrix  # noqa: E402

DPI = 30
LIGHT = THEMES["light"]


def run(**changes):
    base = dict(dataset="circle", samples=60, epochs=12, lr=0.5, snapshot_every=4)
    return train(RunConfig().updated({k: str(v) for k, v in {**base, **changes}.items()}))


@pytest.fixture(scope="module")
def circle():
    return run(epochs=40)


@pytest.fixture(scope="module")
def spiral():
    return run(dataset="spiral", classes=3, layers="2,8,8,3", epochs=20, lr=1.0)


def logits_at(state, points):
    """The output layer's z at raw input points, by a plain forward pass of the state's weights."""
    a = feature_matrix(np.asarray(points, float), state.problem.features)
    for l, (w, b) in enumerate(zip(state.weights, state.biases)):
        z = a @ w + b
        a = np.maximum(z, 0) if l < len(state.weights) - 1 else z
    return a


def grid_axis(h):
    return np.unique(h.grid[:, 0])


def pixel(rgb, ax, x, y):
    px, py = ax.transData.transform((x, y))
    return rgb[int(rgb.shape[0] - py), int(px)] / 255


# -- the decision regions and the boundary ---------------------------------------------------
def test_the_region_image_is_the_training_states_regions_the_right_way_up(circle):
    h = circle
    d = Dashboard(h, panels=("fit",), dpi=60)
    panel = d.panels["fit"]
    for e in (0, 17, h.epochs):
        truth = h.at_epoch(e)  # a State of its own, not the one drawn
        d.update(h.at_epoch(e))
        expected = plane.region_rgb(truth.grid_map(truth.grid_probabilities), LIGHT)
        assert np.array_equal(panel.image.get_array(), expected)
    # Each pixel centre is its grid point: a grid point far from every point and from the boundary
    # shows its own region colour, not its mirror image's.
    rgb = d.render_rgb(h.at_epoch(h.epochs))
    axis = grid_axis(h)
    last = h.at_epoch(h.epochs)
    colours = plane.region_rgb(last.grid_map(last.grid_probabilities), LIGHT)
    classes = last.grid_map(last.grid_classes[:, None])[..., 0]
    checked = 0
    for row in range(4, 44, 3):
        for col in range(4, 44, 3):
            x, y = axis[col], axis[row]
            inside = np.ptp(classes[row - 3:row + 4, col - 3:col + 4]) == 0  # no boundary near
            far = inside and np.hypot(*(h.X - [x, y]).T).min() > 0.12
            differs = np.abs(colours[row, col] - colours[47 - row, col]).max() > 0.08
            if far and differs:
                assert np.abs(pixel(rgb, panel.ax, x, y) - colours[row, col]).max() < 0.03
                checked += 1
    assert checked >= 3


def test_the_boundary_is_where_the_training_states_logit_crosses_zero(circle):
    h = circle
    d = Dashboard(h, panels=("fit",), dpi=DPI)
    state = h.at_epoch(h.epochs)
    d.update(state)
    drawn = np.array(d.panels["fit"].boundary.get_segments()).reshape(-1, 2)
    assert len(drawn) > 20
    # Every sign change of z between neighbouring grid points, placed linearly on its edge ...
    axis = grid_axis(h)
    x1, x2 = np.meshgrid(axis, axis)
    z = logits_at(state, np.stack([x1.ravel(), x2.ravel()], axis=1)).reshape(48, 48)
    crossings = []
    for dz, (r, c) in ((np.s_[:, :-1], (0, 1)), (np.s_[:-1, :], (1, 0))):
        a, b = z[dz], z[r:, c:]
        rows, cols = np.nonzero((a > 0) != (b > 0))
        t = a[rows, cols] / (a[rows, cols] - b[rows, cols])
        crossings.append(np.stack([axis[cols] + t * c * (axis[1] - axis[0]), axis[rows] + t * r * (axis[1] - axis[0])], 1))
    crossings = np.unique(np.round(np.concatenate(crossings), 9), axis=0)
    # ... is an end of the drawn boundary, and the boundary has no other ends.
    assert np.array_equal(np.unique(np.round(drawn, 9), axis=0), crossings)
    # And there the logit is about 0: within the largest change of z between two grid neighbours.
    step = max(np.abs(np.diff(z, axis=0)).max(), np.abs(np.diff(z, axis=1)).max())
    assert np.abs(logits_at(state, drawn)).max() < 0.25 * step < 0.05 * np.abs(z).max()


def test_three_classes_each_boundary_point_ties_the_top_two_logits(spiral):
    h = spiral
    d = Dashboard(h, panels=("fit",), dpi=DPI)
    state = h.at_epoch(h.epochs)
    d.update(state)
    ends = np.array(d.panels["fit"].boundary.get_segments()).reshape(-1, 2)
    assert len(ends) > 20
    z = np.sort(logits_at(state, ends), axis=1)
    gap = z[:, -1] - z[:, -2]
    assert np.median(gap) < 0.02 and gap.max() < 0.2 * np.ptp(logits_at(state, h.grid))


def test_points_have_their_class_colour_and_shape_and_an_ink_edge(spiral):
    h = spiral
    panel = Dashboard(h, panels=("fit",), dpi=DPI).panels["fit"]
    labels = np.argmax(h.y, axis=1)
    shapes = []
    for k, points in enumerate(panel.points):
        assert np.array_equal(points.get_offsets(), h.X[labels == k])
        assert np.allclose(points.get_facecolor()[0, :3], hex_rgb(LIGHT.class_colours[k]))
        assert np.allclose(points.get_edgecolor()[0, :3], hex_rgb(LIGHT.ink))
        marker = MarkerStyle(("o", "^", "s")[k])  # circle, triangle, square
        assert np.allclose(points.get_paths()[0].vertices, marker.get_path().transformed(marker.get_transform()).vertices)
        shapes.append(points.get_paths()[0].vertices.tobytes())
    assert len(set(shapes)) == 3
    legend = [t.get_text() for t in panel.ax.get_legend().get_texts()]
    assert legend == ["class 0", "class 1", "class 2", "boundary"]


def test_the_title_says_the_training_loss_and_accuracy(circle):
    h = circle
    d = Dashboard(h, panels=("fit",), dpi=DPI)
    d.update(h.at_epoch(20))
    assert d.panels["fit"].title.get_text() == (f"Decision Regions (Epoch 20)\nLoss: {fmt_loss(h.loss[20])}   "
                                                f"Accuracy: {100 * h.accuracy[20]:.0f} %")


def test_a_2d_regression_shows_yhat_and_the_points_y_on_one_unclipped_scale():
    h = run(dataset="bump", epochs=8)
    d = Dashboard(h, panels=("fit",), dpi=DPI)
    panel = d.panels["fit"]
    state = h.at_epoch(8)
    d.update(state)
    norm = plane.value_norm(h)
    assert norm.vmax >= np.abs(h.y).max()  # no point is clipped
    assert np.array_equal(panel.image.get_array(), plane.value_rgb(logits_at(state, h.grid).reshape(48, 48),
                                                                   norm, LIGHT))
    assert np.allclose(panel.points[0].get_facecolor()[:, :3], plane.value_rgb(h.y[:, 0], norm, LIGHT))
    assert panel.boundary is None and panel.title.get_text().startswith("Prediction ŷ (Epoch 8)")


# -- the network's maps ------------------------------------------------------------------------
def test_every_neuron_shows_its_map_of_the_training_state_inside_it(spiral):
    h = spiral
    d = Dashboard(h, panels=("network",), dpi=40)
    net = d.panels["network"]
    state = h.at_epoch(h.epochs)
    d.update(state)
    norms = plane.map_norms(h)
    drawn = {(n.layer, n.index) for _, n in net.maps}
    assert drawn == {(l, j) for l, width in enumerate(h.config.layers) for j in range(width)}
    renderer = d.fig.canvas.get_renderer()
    ellipses = dict(zip([(n.layer, n.index) for col in net.layout.neurons for n in col], net.ellipses))
    for image, n in net.maps:
        assert np.array_equal(image.get_array(), plane.neuron_map_rgb(state, norms, n.layer, n.index, LIGHT))
        box, ring = image.get_window_extent(renderer), ellipses[(n.layer, n.index)].get_window_extent(renderer)
        assert box.width == pytest.approx(box.height, rel=0.02)  # square on screen
        assert ring.x0 < box.x0 and box.x1 < ring.x1 and ring.y0 < box.y0 and box.y1 < ring.y1
    # A hidden unit's map is its activation: here the first unit, where it is largest.
    first = h.at_epoch(h.epochs).neuron_maps()[0][..., 0]
    a = np.maximum(feature_matrix(h.grid, h.problem.features) @ state.weights[0][:, 0] + state.biases[0][0, 0], 0)
    assert np.allclose(first.ravel(), a)


def test_inputs_are_named_by_their_features():
    h = run(features="x1,x2,x1^2,x1*x2,sin(x1)", layers="5,4,1", epochs=4)
    net = Dashboard(h, panels=("network",), dpi=DPI).panels["network"]
    names = [t.get_text() for t in net.ax.texts if t.get_text() in ("x₁", "x₂", "x₁²", "x₁x₂", "sin x₁")]
    assert names == ["x₁", "x₂", "x₁²", "x₁x₂", "sin x₁"]


# -- the loss panel: the loss named, and the accuracy ------------------------------------------
def test_the_accuracy_is_trainings_on_a_right_hand_axis_from_0_to_100_percent(circle):
    h = circle
    d = Dashboard(h, panels=("loss",), dpi=DPI)
    panel = d.panels["loss"]
    for e in (0, 9, h.epochs):
        d.update(h.at_epoch(e))
        assert np.array_equal(panel.accuracy_curve.get_ydata(), h.accuracy[:e + 1])
        assert np.array_equal(panel.accuracy_curve.get_xdata(), np.arange(e + 1))
        assert panel.accuracy_marker.get_ydata()[0] == h.accuracy[e]
    assert panel.right.get_ylim() == (0.0, 1.0)
    assert [t.get_text() for t in panel.right.get_yticklabels()] == ["0 %", "50 %", "100 %"]
    assert np.allclose(matplotlib.colors.to_rgb(panel.accuracy_curve.get_color()), hex_rgb(LIGHT.accuracy))
    assert panel.ax.get_ylabel() == "Binary cross-entropy"
    assert [t.get_text() for t in panel.legend.get_texts()] == ["Loss (binary cross-entropy)", "Accuracy"]


# -- the command -------------------------------------------------------------------------------
def gif(tmp_path, *args):
    cfg = tmp_path / "empty.cfg"
    cfg.touch()
    out = tmp_path / "out.gif"
    return main(["gif", "--out", str(out), "--dpi", str(DPI), "--jobs", "1", "--config", str(cfg), *args]), out


def test_nnviz_gif_writes_xor_with_the_regions_true_colours(tmp_path):
    code, out = gif(tmp_path, "--dataset", "xor", "--epochs", "30", "--snapshot-every", "10", "--lr", "0.5",
                    "--samples", "40")
    assert code == 0
    h = run(dataset="xor", epochs=30, snapshot_every=10, samples=40)
    with Image.open(out) as im:
        assert im.n_frames == 4
        im.seek(3)
        frame = np.asarray(im.convert("RGB"))
    # The last frame, quantised to the GIF's palette, keeps the regions' colours (its fixed ramps).
    d = Dashboard(h, dpi=DPI)
    truth = d.render_rgb(h.at_epoch(30))
    ax = d.panels["fit"].ax
    axis = grid_axis(h)
    spots = [(x, y) for x in axis[6:42:5] for y in axis[6:42:5] if np.hypot(*(h.X - [x, y]).T).min() > 0.15]
    assert len(spots) >= 3
    for x, y in spots:
        assert np.abs(pixel(frame, ax, x, y) - pixel(truth, ax, x, y)).max() < 0.05
    # And the accuracy's colour, though the first frame has but one point of it: at its marker.
    right = d.panels["loss"].right
    assert np.abs(pixel(frame, right, 30, h.accuracy[30]) - hex_rgb(LIGHT.accuracy)).max() < 0.05


def test_the_contributions_panel_is_refused_for_2d_data_in_one_line(tmp_path, capsys):
    code, out = gif(tmp_path, "--dataset", "circle", "--epochs", "2", "--panels", "fit,contributions")
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "contributions" in err and "2-D" in err
    assert not out.exists()


def test_runs_side_by_side_of_2d_data_show_each_runs_regions_and_accuracy():
    """The Playground's feature lesson: x1,x2 against x1,x2,x1²,x2² on circle, each column its own
    run's regions and boundary at the shared epoch, titled with that run's true loss and accuracy."""
    from nnviz_core.compare import compare
    from nnviz_core.dashboard.compare import CompareDashboard

    base = RunConfig().updated({"dataset": "circle", "epochs": "6", "samples": "40", "lr": "0.5"})
    comparison = compare(base, "features", ["x1,x2", "x1,x2,x1^2,x2^2"], "--compare")
    d = CompareDashboard(comparison, dpi=30)
    d.render_rgb(comparison.histories[0].at_epoch(4))
    for panel, h in zip(d.panels[:2], comparison.histories):
        truth = h.at_epoch(4)
        np.testing.assert_array_equal(panel.image.get_array(),
                                      region_rgb(truth.grid_map(truth.grid_probabilities), LIGHT))
        assert f"Loss: {fmt_loss(h.loss[4])}" in panel.title.get_text()
        assert f"Accuracy: {accuracy_text(h.accuracy[4])}" in panel.title.get_text()
        ends = np.concatenate(panel.boundary.get_segments()) if panel.boundary.get_segments() else np.zeros((0, 2))
        assert len(ends) == 2 * len(boundary_segments(truth))


def test_a_2d_regression_beyond_its_scale_writes_its_true_extreme():
    from nnviz_core.layout import mark_text

    h = train(RunConfig().updated({"dataset": "bump", "epochs": "8"}))  # the first guess goes past the scale
    assert plane.value_clipped(h)
    d = Dashboard(h, panels=("fit",), dpi=DPI)
    panel, norm = d.panels["fit"], plane.value_norm(h)
    for epoch in (0, 8):
        d.update(h.at_epoch(epoch))
        values = logits_at(h.at_epoch(epoch), h.grid)
        above = mark_text("above", values.max()) if values.max() > norm.vmax else ""
        below = mark_text("below", values.min()) if values.min() < -norm.vmax else ""
        assert (panel.off_marks["above"].get_text(), panel.off_marks["below"].get_text()) == (above, below)
    assert panel.off_marks["above"] in panel.ax.texts  # redrawn with the panel each frame
