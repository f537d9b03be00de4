"""The network diagram of a 2-D run: every neuron shows its map over the input plane, in place,
drawn at the pixels where training's State puts it (the colours: nnviz_core.plane)."""
import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import FadeIn, PMobject, Scene, tempconfig  # noqa: E402
from manim.camera.camera import Camera  # noqa: E402

from nnviz_core.config import RunConfig  # noqa: E402
from nnviz_core.palette import THEMES, Palette  # noqa: E402
from nnviz_core.plane import map_norms, neuron_map_rgb  # noqa: E402
from nnviz_core.train import train  # noqa: E402
from scenes.mobjects import NetworkDiagram  # noqa: E402
from nnviz_core.layout import feature_text  # noqa: E402


def small(**changes):
    base = dict(dataset="circle", layers="2,3,1", activation="tanh", samples=40, epochs=6, lr=0.5, snapshot_every=2)
    return train(RunConfig().updated({k: str(v) for k, v in {**base, **changes}.items()}))


@pytest.fixture(scope="module")
def circle():
    return small()


def diagram(h, theme="light", **kwargs):
    return NetworkDiagram(h, Palette.for_history(h, THEMES[theme]), width=6, height=6, **kwargs)


def frame_of(*mobjects, theme="light") -> np.ndarray:
    scene = Scene()
    scene.camera.background_color = THEMES[theme].background
    scene.add(*mobjects)
    scene.renderer.update_frame(scene)
    return scene.renderer.get_frame()[:, :, :3].astype(int)


def pixel_centre(row: int, col: int, frame) -> np.ndarray:
    """Where a pixel's centre is in the scene."""
    h, w = frame.shape[:2]
    fw, fh = manim.config.frame_width, manim.config.frame_height
    return np.array([(col + 0.5) / w * fw - fw / 2, fh / 2 - (row + 0.5) / h * fh])


def cell_under(point, circle, side: int):
    """The grid cell (row of x2, column of x1) a neuron's map shows at ``point``: the plane's
    square spans the circle's, x1 across, x2 up."""
    centre, radius = circle.get_center()[:2], circle.width / 2
    u = (point - (centre - radius)) / (2 * radius)  # 0..1 across, 0..1 up
    return int(np.floor(u[1] * side)), int(np.floor(u[0] * side)), u * side % 1


def pixels_near_centre(circle, frame, side, count=5):
    """Pixels within a few of the circle's centre whose centres lie well inside their grid cell."""
    h, w = frame.shape[:2]
    at = circle.get_center()
    col = int((at[0] / manim.config.frame_width + 0.5) * w)
    row = int((0.5 - at[1] / manim.config.frame_height) * h)
    found = []
    for r in range(row - 4, row + 5):
        for c in range(col - 4, col + 5):
            cell_row, cell_col, inside = cell_under(pixel_centre(r, c, frame), circle, side)
            if np.all(np.abs(inside - 0.5) < 0.35):
                found.append((r, c, cell_row, cell_col))
    assert len(found) >= count
    return found


def test_each_neurons_map_is_drawn_at_its_pixels(circle, tmp_path):
    """At pixels about the centre of an input, a hidden and the output neuron, the frame's colour
    is training's map of that neuron at the grid cell under the pixel, as built and after the
    diagram was scaled and moved."""
    e = 4
    state = circle.at_epoch(e)
    theme = THEMES["light"]
    norms = map_norms(circle)
    side = circle.problem.grid_side
    assert not state.dead_units()[0][1]  # no cross over the hidden unit checked
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = diagram(circle)
        for step in ("as built", "scaled and moved"):
            if step != "as built":
                net.scale(1.7).shift([0.4, -0.3, 0])
            net.set_state(state)
            frame = frame_of(net)
            for layer, index in ((0, 0), (0, 1), (1, 1), (2, 0)):
                expected = neuron_map_rgb(state, norms, layer, index, theme) * 255
                circle_ = net.neurons[(layer, index)]
                for r, c, cell_row, cell_col in pixels_near_centre(circle_, frame, side):
                    want = expected[cell_row, cell_col]
                    assert np.abs(frame[r, c] - want).max() <= 2, (step, layer, index, frame[r, c], want)


def test_the_map_follows_the_plane_x1_across_x2_up(circle, tmp_path):
    """The input x1's map changes across and not up its circle; x2's the other way: the pixels
    a quarter radius right and left of the centre differ for x1, those above and below for x2."""
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = diagram(circle).set_state(circle.at_epoch(0))
        frame = frame_of(net)

        def at(point):
            h, w = frame.shape[:2]
            col = int((point[0] / manim.config.frame_width + 0.5) * w)
            row = int((0.5 - point[1] / manim.config.frame_height) * h)
            return frame[row, col]

        for index, (along, across) in enumerate((([1, 0, 0], [0, 1, 0]), ([0, 1, 0], [1, 0, 0]))):
            c, r = net.neurons[(0, index)].get_center(), 0.5 * net.radius
            assert np.abs(at(c + r * np.array(along)) - at(c - r * np.array(along))).max() > 40
            assert np.abs(at(c + r * np.array(across)) - at(c - r * np.array(across))).max() <= 2
        # x1 rises to the right, x2 upward: both toward the map's positive (red) end
        redness = lambda rgb: rgb[0] - rgb[2]
        for index, toward in ((0, [1, 0, 0]), (1, [0, 1, 0])):
            c, step = net.neurons[(0, index)].get_center(), 0.5 * net.radius * np.array(toward)
            assert redness(at(c + step)) > redness(at(c - step)) + 40, index


def test_maps_change_in_place_between_epochs(circle, tmp_path):
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = diagram(circle)
        family = [id(m) for m in net.get_family()]
        maps, cloud = net.maps, net.maps.cloud
        net.set_state(circle.at_epoch(0))
        before = frame_of(net)
        colours = cloud.rgbas.copy()
        net.set_state(circle.at_epoch(6))
        after = frame_of(net)
        assert net.maps is maps and net.maps.cloud is cloud
        assert [id(m) for m in net.get_family()] == family  # no mobject made or dropped
        assert np.abs(cloud.rgbas - colours).max() > 0.05
        # a hidden unit's pixels change; the inputs' (the features) stay
        for key, changes in (((1, 0), True), ((0, 0), False)):
            r, c, _, _ = pixels_near_centre(net.neurons[key], after, circle.problem.grid_side)[0]
            assert (np.abs(after[r, c] - before[r, c]).max() > 3) == changes, key


def test_a_1d_diagram_has_no_maps():
    h = train(RunConfig(epochs=2, samples=10))
    net = diagram(h)
    assert net.maps is None
    assert not any(isinstance(m, PMobject) for m in net.get_family())
    assert net.circles[0].get_fill_opacity() == pytest.approx(0.9)  # filled as before
    assert net.names[(0, 0)].get_center() == pytest.approx(net.neurons[(0, 0)].get_center())


def test_names_go_beside_the_neurons_and_features_are_written_out(tmp_path):
    h = small(features="x1,x2,x1^2,x1*x2", layers="4,2,1", epochs=2)
    net = diagram(h, weight_labels=True)
    assert [net.names[(0, k)].text for k in range(4)] == ["x₁", "x₂", "x₁²", "x₁x₂"]
    assert feature_text("sin(x2)") == "sin x₂"
    for (layer, index), name in net.names.items():
        circle = net.neurons[(layer, index)]
        if layer == 0:
            assert name.get_right()[0] < circle.get_left()[0]
        else:
            assert name.get_left()[0] > circle.get_right()[0]
        assert abs(name.get_center()[1] - circle.get_center()[1]) < 0.05
    # the layers close up for the names: the diagram is as wide as a 1-D one of its width
    one = diagram(train(RunConfig(layers=(1, 2, 1), epochs=2, samples=10)))
    assert net.width == pytest.approx(one.width, abs=0.1)


@pytest.mark.parametrize("changes", [dict(layers="2,16,16,3", dataset="spiral", classes=3),
                                     dict(layers="7,8,1", features="x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)"),
                                     dict(layers="2,8,8,1", activation="relu")])
def test_deep_and_wide_nets_fit_with_maps_inside_their_rings(changes, tmp_path):
    """As big as the 1-D diagram of the same hidden layers (which the lecture's layout fits), with
    every map pixel inside its ring and about one point a pixel."""
    h = small(epochs=2, **changes)
    hidden = h.config.layers[1:-1]
    one = diagram(train(RunConfig(layers=(1, *hidden, 1), epochs=1, samples=10)))
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = diagram(h, theme="dark").set_state(h.at(1.5))
        frame_of(net, theme="dark")
        assert net.width <= one.width + 0.1 and net.height <= one.height + 0.1
        points, cloud = net.maps.cloud.points, net.maps.cloud
        centres = np.array([c.get_center() for c in net.maps.circles])
        nearest = np.linalg.norm(points[:, None, :2] - centres[None, :, :2], axis=2).min(axis=1)
        assert nearest.max() <= net.radius  # every map pixel inside its ring
        per_neuron = len(points) / len(centres)
        assert per_neuron == pytest.approx(np.pi * (net.radius * 60) ** 2, rel=0.15)  # a point a pixel at -ql
        assert len(net.maps.circles) == len(net.neurons)
        assert len(cloud.rgbas) == len(points)


def test_the_fast_drawing_writes_the_pixels_manim_would(circle, tmp_path):
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = diagram(circle).set_state(circle.at(2.5))
        fast = frame_of(net)
        patched = Camera.display_multiple_point_cloud_mobjects
        try:
            Camera.display_multiple_point_cloud_mobjects = Camera.stock_point_clouds
            stock = frame_of(net)
        finally:
            Camera.display_multiple_point_cloud_mobjects = patched
    assert np.array_equal(fast, stock)


def test_maps_fade_with_the_diagram(circle, tmp_path):
    """A fade draws the maps blended toward the background (the camera writes points opaque)."""
    theme = THEMES["dark"]
    back = np.array(manim.ManimColor(theme.background).to_rgb())
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = diagram(circle, theme="dark").set_state(circle.at_epoch(3))
        full = net.maps.cloud.rgbas[:, :3].copy()
        fade = FadeIn(net)
        fade.begin()
        fade.interpolate(0.5)
        assert net.maps.cloud.rgbas[:, :3] == pytest.approx(back + 0.5 * (full - back), abs=1e-9)
        fade.interpolate(1.0)
        assert net.maps.cloud.rgbas[:, :3] == pytest.approx(full)
        net.set_opacity(0.25)
        assert net.maps.cloud.rgbas[:, :3] == pytest.approx(back + 0.25 * (full - back))
