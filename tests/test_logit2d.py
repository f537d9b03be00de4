"""The 2-D "what each neuron computes": the LogitPanel's map, lines and boundary, checked against
training (an independent forward pass on the training weights), and the chapter's plays."""
import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import ImageMobject, Scene, tempconfig

from nnviz_core import RunConfig, train
from nnviz_core.chapters import MAX_SHOWN, forward_sample, storyboard
from nnviz_core.layout import network_layout
from nnviz_core.palette import THEMES, Palette
from nnviz_core.plane import explained_output, grid_span, value_rgb
from scenes.clips import NeuronContributions
from scenes.lecture import LectureSteps
from scenes.mobjects.logit import LogitPanel

from drawn import frameless

RUNS = {
    "circle relu": dict(dataset="circle", layers="2,8,1", activation="relu"),
    "xor tanh": dict(dataset="xor", layers="2,4,1", activation="tanh"),
    "spiral 3 classes": dict(dataset="spiral", classes=3, layers="2,8,8,3", activation="relu"),
    "circle squares": dict(dataset="circle", features="x1,x2,x1^2,x2^2", layers="4,8,1", activation="relu"),
}
ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}
_trained = {}


def run(name, **changes):
    key = (name, tuple(sorted(changes.items())))
    if key not in _trained:
        base = dict(samples=60, epochs=40, lr=0.5, snapshot_every=10, **RUNS[name])
        _trained[key] = train(RunConfig().updated({k: str(v) for k, v in {**base, **changes}.items()}))
    return _trained[key]


def features(raw, names):
    """The features of raw inputs (n, 2), written here, not the engine's."""
    table = {"x1": raw[:, 0], "x2": raw[:, 1], "x1^2": raw[:, 0] ** 2, "x2^2": raw[:, 1] ** 2}
    return np.stack([table[n] for n in names], axis=1)


def true_pass(h, epoch, raw):
    """Every layer's z at raw inputs, from the training weights of that epoch."""
    state = h.at_epoch(epoch)
    a, zs = features(raw, h.config.features), []
    for l, (w, b) in enumerate(zip(state.weights, state.biases)):
        z = a @ w + b
        zs.append(z)
        a = ACTIVATIONS[h.config.activation](z) if l < len(state.weights) - 1 else z
    return zs


def grid_points(h):
    lo, hi = grid_span(h.problem)
    axis = np.linspace(lo, hi, h.problem.grid_side)
    x1, x2 = np.meshgrid(axis, axis)  # [row of x2, column of x1]
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def panel_for(h, theme="light"):
    output = explained_output(h.problem, forward_sample(h).index)
    return LogitPanel(h, Palette.for_history(h, THEMES[theme]), 7.1, 5.45, output=output).move_to([3.3, 0, 0])


def drawn_points(panel, mobject):
    """A mobject's points, back on the input plane."""
    return panel.data_points(mobject.points) if len(mobject.points) else np.zeros((0, 2))


@pytest.mark.parametrize("name", RUNS)
def test_the_whole_sum_is_the_output_logit_of_training(name):
    h = run(name)
    panel = panel_for(h)
    side = h.problem.grid_side
    for epoch in (0, h.epochs // 2, h.epochs):
        z = true_pass(h, epoch, grid_points(h))[-1][:, panel.output].reshape(side, side)
        assert np.abs(z).max() <= panel.norm.vmax + 1e-9  # the scale holds every z: no colour is clipped
        panel.set_state(h.at_epoch(epoch))
        expected = np.round(value_rgb(z, panel.norm, panel.theme) * 255)
        drawn = panel.image.pixel_array[::-1, :, :3].astype(float)  # rows back to x2 rising
        assert np.abs(drawn - expected).max() <= 1, (name, epoch)
        assert (panel.image.pixel_array[..., 3] == 255).all()


def test_each_step_adds_one_units_weighted_map_to_the_bias():
    h = run("circle relu")
    panel = panel_for(h)
    state = h.at_epoch(h.epochs)
    zs = true_pass(h, h.epochs, grid_points(h))
    hidden = ACTIVATIONS["relu"](zs[-2])  # (G, 8): the last hidden layer's outputs
    w, b = state.weights[-1][:, 0], state.biases[-1][0, 0]
    side = h.problem.grid_side
    assert np.allclose(panel.running(state, 0), b)  # the bias alone: a flat map
    for k in range(1, 9):
        assert np.allclose(panel.running(state, k).ravel(), b + hidden[:, :k] @ w[:k], atol=1e-9)
    half = panel.running(state, 2.5).ravel()  # part way through adding unit 3
    assert np.allclose(half, b + hidden[:, :2] @ w[:2] + 0.5 * hidden[:, 2] * w[2], atol=1e-9)
    assert panel.running(state).shape == (side, side)


def test_the_map_is_drawn_where_its_grid_points_are():
    """The frame's pixels at grid points' places have the true z's colour (within what the
    bilinear image changes between neighbouring grid points)."""
    h = run("xor tanh")
    panel = panel_for(h)
    panel.set_state(h.at_epoch(h.epochs))
    side = h.problem.grid_side
    z = true_pass(h, h.epochs, grid_points(h))[-1][:, 0].reshape(side, side)
    colours = np.round(value_rgb(z, panel.norm, panel.theme) * 255)
    with tempconfig({"quality": "low_quality", "dry_run": True}):
        scene = Scene()
        scene.add(panel.image)
        scene.renderer.update_frame(scene)
        frame = scene.renderer.get_frame()[:, :, :3].astype(float)
        height, width = frame.shape[:2]
        checked = 0
        for row in range(2, side - 2, 5):
            for col in range(2, side - 2, 5):
                x1, x2 = grid_points(h)[row * side + col]
                at = panel.scene_points(np.array([x1, x2]))
                px = int((at[0] / manim.config.frame_width + 0.5) * width)
                py = int((0.5 - at[1] / manim.config.frame_height) * height)
                near = colours[row - 1:row + 2, col - 1:col + 2].reshape(-1, 3)
                slack = np.abs(near - colours[row, col]).max() + 3
                assert np.abs(frame[py, px] - colours[row, col]).max() <= slack, (row, col)
                checked += 1
    assert checked >= 64


@pytest.mark.parametrize("name", ["circle relu", "xor tanh", "spiral 3 classes"])
def test_each_units_line_is_its_training_weights_line(name):
    h = run(name)
    panel = panel_for(h)
    lo, hi = grid_span(h.problem)
    for epoch in (0, h.epochs):
        state = h.at_epoch(epoch)
        panel.set_state(state)
        w, b = state.weights[0], state.biases[0][0]
        order = [h.config.features.index(n) for n in ("x1", "x2")]
        for k, unit in enumerate(panel.first_units):
            ends = drawn_points(panel, panel.lines[k])
            if not len(ends):  # the line misses the square: z keeps one sign on all of it
                corners = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]])
                assert len(set(np.sign(corners @ w[order, unit] + b[unit]))) == 1
                continue
            scale = np.abs(w[order, unit]).sum() + abs(b[unit])
            assert np.abs(ends @ w[order, unit] + b[unit]).max() < 1e-6 * scale
            # one segment, edge to edge of the square
            assert len(ends) == 4
            assert np.isclose(np.minimum(np.abs(ends[[0, -1]] - lo), np.abs(ends[[0, -1]] - hi)).min(axis=1), 0,
                              atol=1e-6).all()
            # the tint is the side where the unit is on, and the arrow points into it
            tint = drawn_points(panel, panel.tints[k])
            assert (tint @ w[order, unit] + b[unit] >= -1e-6 * scale).all()
            tip = panel.data_points(panel.arrows[k][1].points[0])
            assert tip @ w[order, unit] + b[unit] > 0


def test_with_other_features_a_units_boundary_is_where_its_true_z_is_zero():
    h = run("circle squares")
    panel = panel_for(h)
    panel.set_state(h.at_epoch(h.epochs))
    z_grid = true_pass(h, h.epochs, grid_points(h))[0]
    arrows = 0
    for k, unit in enumerate(panel.first_units):
        points = drawn_points(panel, panel.lines[k])
        if not len(points):
            continue
        z = true_pass(h, h.epochs, points)[0][:, unit]
        assert np.abs(z).max() < 0.02 * np.abs(z_grid[:, unit]).max()  # within a grid cell's straightening
        head = panel.arrows[k][1]
        if head.get_fill_opacity() == 0:  # no room for its arrow on this curve
            continue
        arrows += 1
        assert true_pass(h, h.epochs, panel.data_points(head.points[:1]))[0][0, unit] > 0
    assert arrows >= 2


@pytest.mark.parametrize("name", RUNS)
def test_the_final_contour_is_the_decision_boundary(name):
    h = run(name)
    panel = panel_for(h)
    panel.set_state(h.at_epoch(h.epochs))
    points = drawn_points(panel, panel.contour)
    z_grid = true_pass(h, h.epochs, grid_points(h))[-1]
    assert len(points)
    z = true_pass(h, h.epochs, points)[-1]
    assert np.abs(z[:, panel.output]).max() < 0.02 * np.abs(z_grid[:, panel.output]).max()
    if z.shape[1] == 1:  # two classes: there p = σ(z) = 0.5
        assert np.allclose(1 / (1 + np.exp(-z[:, 0])), 0.5, atol=0.01)
    else:  # k classes: the thin line is where the class's z meets the largest of the others'
        edge = true_pass(h, h.epochs, drawn_points(panel, panel.region_edge))[-1]
        margin = edge[:, panel.output] - np.delete(edge, panel.output, axis=1).max(axis=1)
        spread = np.ptp(z_grid, axis=0).max()
        assert len(margin) and np.abs(margin).max() < 0.03 * spread


def test_set_state_changes_the_panel_in_place():
    h = run("spiral 3 classes")
    panel = panel_for(h)
    family = [id(m) for m in panel.get_family()]
    image = panel.image.pixel_array
    for t in (0.0, 3.5, float(h.epochs)):
        panel.set_state(h.at(t))
        assert [id(m) for m in panel.get_family()] == family
        assert panel.image.pixel_array is image


class Chapter(LectureSteps):
    """The network, then the chapter, as the clip and the lecture play it."""

    plan = (("the-network", {}), ("what-each-neuron-computes", {}))

    def construct(self):
        self.build_network(animate=False)
        self.neuron_contributions()


def played(scene_class, h, tmp_path, theme="light"):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = scene_class(renderer=frameless())
        scene.history, scene.theme_name = h, theme
        scene.render()
    return scene


@pytest.mark.parametrize("name", ["circle squares", "spiral 3 classes"])  # curves; a deep net's softmax (lines: the clip's test)
def test_the_chapter_plays_its_declared_beats(name, tmp_path):
    h = run(name)
    scene = played(Chapter, h, tmp_path)
    chapter = {c.name: c for c in storyboard(h, Chapter.plan)}["what-each-neuron-computes"]
    beats = chapter.beats
    assert scene.played["what-each-neuron-computes"] == pytest.approx(beats.total)
    layout = network_layout(h.config.layers, MAX_SHOWN)
    assert beats.named["line"].times == len(layout.neurons[1])  # one per first-layer unit drawn
    assert beats.named["add"].times == len(scene.contributions.units)  # one per piece of the sum
    # back to the data: the panel is gone, every part of it
    assert not set(map(id, scene.contributions.get_family())) & set(map(id, scene.get_mobject_family_members()))


def test_the_clip_plays_a_2d_run_in_the_dark(tmp_path):
    h = run("xor tanh")
    scene = played(NeuronContributions, h, tmp_path, theme="dark")
    assert scene.played["what-each-neuron-computes"] == pytest.approx(
        storyboard(h, NeuronContributions.plan)[1].beats.total)
    assert scene.contributions.theme is THEMES["dark"]


def test_a_2d_regression_builds_its_prediction(tmp_path):
    """On 2-D regression data the map is ŷ: the whole sum is the prediction, and no boundary is drawn."""
    h = run("circle relu", dataset="bump", layers="2,6,1", epochs=20)
    scene = played(Chapter, h, tmp_path)
    panel = scene.contributions
    side = h.problem.grid_side
    y_hat = true_pass(h, h.epochs, grid_points(h))[-1][:, 0].reshape(side, side)
    expected = np.round(value_rgb(y_hat, panel.norm, panel.theme) * 255)
    assert np.abs(panel.image.pixel_array[::-1, :, :3] - expected).max() <= 1
    assert not len(panel.contour.points) and panel.quantity == "ŷ"
    assert scene.played["what-each-neuron-computes"] == pytest.approx(storyboard(h, Chapter.plan)[1].beats.total)


def test_a_net_without_a_hidden_layer_has_an_empty_chapter(tmp_path):
    h = run("circle relu", layers="2,1")
    scene = played(Chapter, h, tmp_path)
    assert scene.played["what-each-neuron-computes"] == 0
    assert not hasattr(scene, "contributions")


def test_images_are_drawn_over_their_box():
    """scenes.images: a 2 x 2 image shows each pixel's colour on its quarter of the box."""
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 255]], [[0, 0, 255, 255], [255, 255, 0, 255]]], np.uint8)
    with tempconfig({"quality": "low_quality", "dry_run": True}):
        scene = Scene()
        image = ImageMobject(rgba)
        image.stretch_to_fit_width(4).stretch_to_fit_height(4).move_to([1, -0.5, 0])
        scene.add(image)
        scene.renderer.update_frame(scene)
        frame = scene.renderer.get_frame()
        height, width = frame.shape[:2]
        for (x, y), colour in zip([(0, 0.5), (2, 0.5), (0, -1.5), (2, -1.5)], rgba.reshape(-1, 4)):
            px = int((x / manim.config.frame_width + 0.5) * width)
            py = int((0.5 - y / manim.config.frame_height) * height)
            assert np.abs(frame[py, px, :3].astype(int) - colour[:3]).max() <= 3, (x, y)
        outside = int((0.5 - 2.0 / manim.config.frame_height) * height)  # above the box: untouched
        assert (frame[outside, width // 2, :3] != [255, 0, 0]).any()


@pytest.mark.parametrize("changes", [dict(), dict(dataset="quadratic", layers="1,6,1")], ids=["2-D", "1-D"])
def test_the_clip_ends_with_the_data_and_loss_of_the_epoch_its_counter_shows(changes, tmp_path):
    """After the replay the data and loss panels come back: at the last epoch, the counter's, not
    at the first guess cast() drew them with (the clip never trains them forward)."""
    h = run("circle relu", epochs=12, **changes)
    scene = played(NeuronContributions, h, tmp_path)
    assert scene.on_screen(scene.losses) and scene.on_screen(scene.fit)
    assert scene.losses.value.value == pytest.approx(h.loss[h.epochs])
    assert scene.losses.value.value != pytest.approx(h.loss[0])
    if h.problem.is_2d:
        assert scene.losses.accuracy_value.value == pytest.approx(h.accuracy[h.epochs])
