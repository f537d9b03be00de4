"""The video's 2-D panels: the decision regions drawn are training's (pixels read back from the
frame), the boundary lies where training's decision field is 0, the accuracy shown is a real
epoch's or between two, a 2-D regression's ŷ map and points are on one scale, and the scenes
that show the fit and the loss render 2-D runs (runs side by side: tests/test_compare.py)."""
import math

import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import Scene, tempconfig

from nnviz_core import RunConfig, train
from nnviz_core.layout import accuracy_text, mark_text
from nnviz_core.palette import THEMES, hex_rgb
from nnviz_core.plane import class_colour, region_rgb, value_norm, value_rgb
from nnviz_core.timeline import Timeline
from scenes.clips import FitEvolves, LossCurve, WeightsEvolve
from scenes.dashboard import DashboardLecture
from scenes.lecture import LectureSteps
from scenes.mobjects import DecisionRegionPanel, LossPanel

from drawn import frameless, manim_xy, palette_for

ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}


def run(**changes):
    base = dict(dataset="circle", samples=60, epochs=12, lr=0.5, snapshot_every=5)
    return train(RunConfig().updated({k: str(v) for k, v in {**base, **changes}.items()}))


@pytest.fixture(scope="module")
def circle():
    return run(epochs=20)


@pytest.fixture(scope="module")
def spiral():
    return run(dataset="spiral", classes=3, layers="2,8,3", epochs=30, lr=1.0)


@pytest.fixture(scope="module")
def bump():
    return run(dataset="bump", epochs=10, lr=0.1)


def logits(history, epoch: int, X: np.ndarray) -> np.ndarray:
    """Training's network at ``epoch`` on raw points X (features x1, x2), written out here."""
    state = history.at_epoch(epoch)
    a = X
    for l, (w, b) in enumerate(zip(state.weights, state.biases)):
        z = a @ w + b
        a = z if l == len(state.weights) - 1 else ACTIVATIONS[history.config.activation](z)
    return a


def fields(z: np.ndarray) -> np.ndarray:
    """(n, k) decision fields, zero on the boundary: the logit of one output; for k outputs each
    class's margin over the best other."""
    if z.shape[1] == 1:
        return z
    return np.stack([z[:, c] - np.delete(z, c, axis=1).max(axis=1) for c in range(z.shape[1])], axis=1)


def frame_of(*mobjects, theme) -> np.ndarray:
    scene = Scene()
    scene.camera.background_color = theme.background
    scene.add(*mobjects)
    scene.renderer.update_frame(scene)
    return scene.renderer.get_frame()[:, :, :3].astype(float)


def pixels_at(points, frame) -> tuple[np.ndarray, np.ndarray]:
    """The frame's row and column holding each scene point."""
    h, w = frame.shape[:2]
    cols = np.floor((points[:, 0] / manim.config.frame_width + 0.5) * w).astype(int)
    rows = np.floor((0.5 - points[:, 1] / manim.config.frame_height) * h).astype(int)
    assert rows.min() >= 0 and cols.min() >= 0 and rows.max() < h and cols.max() < w, "inside the frame"
    return rows, cols


def clear_grid_points(panel, history, state, segments_too=True) -> np.ndarray:
    """Indices of grid points away from every training point, the boundary and the plot's edge."""
    grid = history.problem.raw_grid
    side = history.problem.grid_side
    step = (grid[:, 0].max() - grid[:, 0].min()) / (side - 1)
    far = np.ones(len(grid), bool)
    for p in history.problem.raw_inputs:
        far &= np.hypot(*(grid - p).T) > 2.5 * step
    if segments_too:
        ends = np.column_stack(manim_xy(panel.plot, panel.curve.points))
        for p in ends:
            far &= np.hypot(*(grid - p).T) > 1.5 * step
    rows, cols = np.divmod(np.arange(len(grid)), side)
    inner = (rows > 1) & (rows < side - 2) & (cols > 1) & (cols < side - 2)
    return np.flatnonzero(far & inner)


# -- (a) the regions' pixels are training's -----------------------------------------------------
@pytest.mark.parametrize("name,theme", [("circle", "light"), ("circle", "dark"), ("spiral", "light")])
def test_region_pixels_are_trainings_probabilities(name, theme, request, tmp_path):
    h = request.getfixturevalue(name)
    t = THEMES[theme]
    epoch = h.epochs
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        panel = DecisionRegionPanel(h, palette_for(h, theme), width=6, height=6).move_to([0.5, -0.2, 0])
        panel.set_state(h.at(float(epoch)))
        frame = frame_of(panel.static, panel.live, theme=t)
    trained = h.at_epoch(epoch)  # training's network at that epoch, replayed apart from the panel
    probabilities = trained.grid_probabilities
    picks = clear_grid_points(panel, h, trained)
    assert len(picks) > 150, "enough grid points clear of the points and the boundary"
    expected = region_rgb(probabilities, t) * 255  # (G, 3)
    side = h.problem.grid_side
    # Bilinear resampling: a pixel centre lies within half a pixel of its grid point, so it may
    # take a small share of a neighbour's colour.
    image = expected.reshape(side, side, 3)
    spread = np.zeros((side, side))
    for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (-1, -1), (1, -1), (-1, 1)):
        spread = np.maximum(spread, np.abs(np.roll(image, (dr, dc), axis=(0, 1)) - image).max(axis=2))
    at = panel.plot.points(*h.problem.raw_grid[picks].T)
    rows, cols = pixels_at(at, frame)
    drawn = frame[rows, cols]
    tolerance = 3 + 0.15 * spread.ravel()[picks]
    error = np.abs(drawn - expected[picks]).max(axis=1)
    assert np.all(error <= tolerance), f"{np.sum(error > tolerance)} pixels off, worst {error.max():.1f}"
    # The class each pixel's colour leans to is the class training predicts there.
    back = hex_rgb(t.background) * 255
    colours = np.array([hex_rgb(class_colour(c, t)) * 255 - back for c in range(probabilities.shape[1])])
    toward = drawn - back
    share = np.clip(toward @ colours.T / (colours ** 2).sum(axis=1), 0, None)  # along each class's colour
    residual = np.linalg.norm(toward[:, None, :] - share[:, :, None] * colours[None], axis=2)
    k = probabilities.shape[1]
    sure = (np.max(probabilities[picks], axis=1) - 1 / k) / (1 - 1 / k) > 0.25  # clearly one class's colour
    assert sure.sum() > 50
    assert np.array_equal(np.argmin(residual, axis=1)[sure], trained.grid_classes[picks][sure])


def marker_centres(panel, group) -> np.ndarray:
    """Each marker of one of the panel's marker groups, its centre in data units."""
    centres = [np.mean(sub[:-1], axis=0) for sub in group.get_subpaths()]
    return np.column_stack(manim_xy(panel.plot, np.array(centres)))


def nearest(points: np.ndarray, to: np.ndarray) -> np.ndarray:
    """For each point, the index of the nearest of ``to``, and that it is close."""
    distance = np.hypot(*(points[:, None, :] - to[None, :, :]).transpose(2, 0, 1))
    assert distance.min(axis=1).max() < 0.02, "a marker sits on a training point"
    return distance.argmin(axis=1)


def test_the_points_keep_their_class_colour_and_shape(spiral, tmp_path):
    t = THEMES["light"]
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        panel = DecisionRegionPanel(spiral, palette_for(spiral), width=6, height=6)
    labels = spiral.problem.labels()
    assert len(panel.dots) == 3, "one mobject per class"
    seen = []
    for group in panel.dots:
        assert group.get_stroke_color().to_hex().lower() == t.ink.lower()
        k = [class_colour(c, t).lower() for c in range(3)].index(group.get_fill_color().to_hex().lower())
        which = nearest(marker_centres(panel, group), spiral.problem.raw_inputs)
        assert np.all(labels[which] == k), "every marker in its class's colour"
        corners = len(group.get_subpaths()[0]) // 4  # a polygon's sides, a circle's arcs
        assert corners == {0: 8, 1: 3, 2: 4}[k], "each class its own shape: circle, triangle, square"
        seen += list(which)
    assert sorted(seen) == list(range(len(labels))), "every training point, once"


# -- (b) the boundary lies where training's decision field is 0 ---------------------------------
@pytest.mark.parametrize("name", ["circle", "spiral"])
def test_boundary_is_where_trainings_field_is_zero(name, request):
    h = request.getfixturevalue(name)
    epoch = h.epochs
    panel = DecisionRegionPanel(h, palette_for(h), width=6, height=6)
    panel.set_state(h.at(float(epoch)))
    assert panel.curve.get_stroke_color().to_hex().lower() == panel.theme.ink.lower()
    anchors = panel.curve.points.reshape(-1, 4, 3)[:, [0, 3]].reshape(-1, 3)  # each straight piece's two ends
    ends = np.column_stack(manim_xy(panel.plot, anchors))
    assert len(ends) > 20
    grid = h.problem.raw_grid
    step = (grid[:, 0].max() - grid[:, 0].min()) / (h.problem.grid_side - 1)
    f = fields(logits(h, epoch, ends))
    eps = 1e-6
    grad = np.stack([(fields(logits(h, epoch, ends + d)) - f) / eps for d in ([eps, 0], [0, eps])], axis=-1)
    distance = np.abs(f) / np.maximum(np.linalg.norm(grad, axis=-1), 1e-12)  # to the field's zero, to first order
    nearest = distance.min(axis=1)
    assert np.all(nearest < 0.3 * step), f"a boundary point {nearest.max() / step:.2f} cells from the true boundary"
    # And it is drawn everywhere training's predicted class changes between neighbouring grid points.
    side = h.problem.grid_side
    classes = h.at_epoch(epoch).grid_classes.reshape(side, side)
    points = grid.reshape(side, side, 2)
    changes = [(points[r, c] + points[r + dr, c + dc]) / 2 for r in range(side - 1) for c in range(side - 1)
               for dr, dc in ((0, 1), (1, 0)) if classes[r, c] != classes[r + dr, c + dc]]
    assert changes
    gaps = [np.hypot(*(ends - m).T).min() for m in changes]
    assert max(gaps) < step, "every change of class has the boundary beside it"


# -- (c) the accuracy shown is training's -------------------------------------------------------
def test_loss_panel_shows_trainings_accuracy(circle):
    panel = LossPanel(circle, palette_for(circle))
    for e in range(circle.epochs + 1):
        panel.set_state(circle.at(float(e)))
        assert panel.accuracy_value.text + " %" == accuracy_text(circle.accuracy[e])
        drawn = panel.accuracy_marker.get_center()
        assert np.allclose(drawn, panel.accuracy_points([e], [circle.accuracy[e]])[0])
    # the curve runs through every real epoch's accuracy up to the last
    corner, top = panel.plot.y_axis.get_start(), panel.plot.y_axis.get_end()
    anchors = panel.accuracy_curve.points.reshape(-1, 4, 3)[:, [0, 3]].reshape(-1, 3)
    epochs, shares = manim_xy(panel.plot, anchors)[0], (anchors[:, 1] - corner[1]) / (top[1] - corner[1])
    assert epochs.max() == pytest.approx(circle.epochs)
    for x, share in zip(epochs, shares):
        assert x == pytest.approx(round(x), abs=1e-9) and share == pytest.approx(circle.accuracy[int(round(x))], abs=1e-9)


def test_accuracy_at_a_tween_lies_between_the_two_epochs(circle):
    """Every frame of a drive over the run: the shown accuracy lies between training's two epochs
    around the State's (a whole epoch's own); where the tween's own count passes both, it is held
    at the nearer."""
    panel = LossPanel(circle, palette_for(circle))
    timeline = Timeline(circle, 0.0, float(circle.epochs), frames=9 * circle.epochs)
    shown_tweens = 0
    for alpha in np.linspace(0, 1, 9 * circle.epochs + 1):
        state = circle.at(timeline.epoch_at(alpha))
        panel.set_state(state)
        e = math.floor(state.epoch + 1e-9)
        around = circle.accuracy[[e, min(e + 1, circle.epochs)]] if state.epoch > e else circle.accuracy[[e, e]]
        value = float(panel.accuracy_value.text) / 100
        low, high = (float(accuracy_text(a).removesuffix(" %")) / 100 for a in (around.min(), around.max()))
        assert low - 1e-9 <= value <= high + 1e-9, (state.epoch, value, around)
        shown_tweens += state.epoch > e
    assert shown_tweens > circle.epochs
    # This run's step 2 counts, part way, a point more than either epoch: the frame says 63 %, not 65 %.
    a, b = circle.accuracy[2], circle.accuracy[3]
    crossing = [f for f in np.linspace(0.05, 0.95, 19) if circle.between(2, f).accuracy > max(a, b)]
    assert crossing, "the run has such a tween"
    panel.set_state(circle.between(2, crossing[0]))
    assert panel.accuracy_value.text + " %" == accuracy_text(max(a, b))


def test_loss_header_names_the_loss(circle, spiral):
    for h, name in ((circle, "binary cross-entropy"), (spiral, "cross-entropy")):
        panel = LossPanel(h, palette_for(h))
        texts = [m.text for m in panel.static.get_family() if isinstance(m, manim.Text)]  # manim drops spaces
        assert name.replace(" ", "") in texts and "MSE" not in texts and "accuracy" in texts


# -- (d) a 2-D regression ---------------------------------------------------------------------
def test_a_2d_regression_draws_its_map_and_points_on_one_scale(bump, tmp_path):
    t = THEMES["light"]
    norm = value_norm(bump)
    largest_y = np.abs(bump.y).max()
    assert norm.vmax >= largest_y
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        panel = DecisionRegionPanel(bump, palette_for(bump), width=6, height=6).move_to([0.5, -0.2, 0])
        end = bump.epochs
        panel.set_state(bump.at(float(end)))
        frame = frame_of(panel.static, panel.live, theme=t)
    trained = bump.at_epoch(end)
    picks = clear_grid_points(panel, bump, trained, segments_too=False)
    assert len(picks) > 50 and len(panel.curve.points) == 0
    expected = value_rgb(trained.prediction[picks, 0], norm, t) * 255
    rows, cols = pixels_at(panel.plot.points(*bump.problem.raw_grid[picks].T), frame)
    assert np.abs(frame[rows, cols] - expected).max() <= 8
    seen = []
    for group in panel.dots:  # each point in the colour of its own y
        which = nearest(marker_centres(panel, group), bump.problem.raw_inputs)
        for y in bump.y[which, 0]:
            assert np.allclose(group.get_fill_color().to_rgb(), value_rgb(y, norm, t), atol=1 / 255)
        seen += list(which)
    assert sorted(seen) == list(range(len(bump.y)))
    # where ŷ passes the scale, the legend says how far, from training's own ŷ
    first = bump.at_epoch(0).prediction[:, 0]
    panel.set_state(bump.at(0.0))
    above = panel.off_scale_marks["above"]
    if first.max() > norm.vmax:
        assert above.get_fill_opacity() == 1.0 and above.text == mark_text("above", first.max()).replace("-", "−")
    panel.set_state(bump.at(float(end)))
    final = trained.prediction[:, 0]
    for side, beyond in (("above", final.max() > norm.vmax), ("below", final.min() < -norm.vmax)):
        assert (panel.off_scale_marks[side].get_fill_opacity() > 0) == beyond


# -- the scenes ---------------------------------------------------------------------------------
class MontageChapter(LectureSteps):
    """TrainingLecture's montage chapter on its own."""

    plan = (("training-montage", {}),)

    def construct(self):
        self.training_montage()


@pytest.mark.parametrize("scene_class", [MontageChapter, FitEvolves, LossCurve, WeightsEvolve, DashboardLecture],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", ["spiral", "bump"])
def test_the_fit_and_loss_scenes_render_2d_runs(scene_class, name, request, tmp_path):
    h = request.getfixturevalue(name)
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = scene_class(renderer=frameless())
        scene.history = h
        scene.render()
    assert scene.chapters == [n for n, _ in scene_class.plan]


def test_the_montage_draws_a_2d_frame(circle, tmp_path):
    """A few frames of the montage at -ql, drawn (not skipped): the regions reach the frame."""
    class Short(MontageChapter):
        def construct(self):
            self.cast()
            self.add(self.net, self.fit, self.losses, self.counter)
            self.drive([self.net, self.fit, self.losses, self.counter], self.history.epochs, 0.2)
            self.wait(0.1)  # a frame of the last epoch

    with tempconfig({"quality": "low_quality", "frame_rate": 15, "media_dir": str(tmp_path), "progress_bar": "none",
                     "write_to_movie": False, "disable_caching": True}):
        scene = Short()
        scene.history = circle
        scene.render()
        frame = scene.renderer.get_frame()[:, :, :3].astype(float)
    panel = scene.fit
    trained = circle.at_epoch(circle.epochs)
    picks = clear_grid_points(panel, circle, trained)
    rows, cols = pixels_at(panel.plot.points(*circle.problem.raw_grid[picks].T), frame)
    expected = region_rgb(trained.grid_probabilities[picks], scene.theme) * 255
    assert np.median(np.abs(frame[rows, cols] - expected).max(axis=1)) <= 3


def test_images_draw_in_their_box_opaque_or_not(tmp_path):
    """The Cairo camera's image drawing (fixed for Pillow 13): an opaque upright image is its
    colour where it lies and nowhere else; a half-transparent or turned one is composited."""
    from manim import ImageMobject

    t = THEMES["light"]
    red = np.zeros((4, 4, 4), np.uint8)
    red[..., 0], red[..., 3] = 255, 255
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        image = ImageMobject(red).stretch_to_fit_width(2).stretch_to_fit_height(1).move_to([1, 0.5, 0])
        frame = frame_of(image, theme=t)
        rows, cols = pixels_at(np.array([[1.0, 0.5, 0], [0.05, 0.05, 0], [1.95, 0.95, 0], [-0.1, 0.5, 0], [2.1, 0.5, 0],
                                         [1.0, 1.1, 0]]), frame)
        assert np.allclose(frame[rows[:3], cols[:3]], [255, 0, 0])
        assert np.allclose(frame[rows[3:], cols[3:]], hex_rgb(t.background) * 255, atol=1)
        half = red.copy()
        half[..., 3] = 128
        faded = ImageMobject(half).stretch_to_fit_width(2).stretch_to_fit_height(1).rotate(0.3)
        frame = frame_of(faded, theme=t)
        row, col = pixels_at(np.array([[0.0, 0.0, 0]]), frame)
        blend = 0.5 * np.array([255, 0, 0]) + 0.5 * hex_rgb(t.background) * 255
        assert np.allclose(frame[row[0], col[0]], blend, atol=3)
