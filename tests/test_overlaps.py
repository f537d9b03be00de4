"""Texts that met in the lecture (a reviewer's runs): played with animations skipped, no two
texts on screen overlap or touch (boxes of their visible glyphs, tests/test_any_run.py)."""
import numpy as np
import pytest

pytest.importorskip("manim")
from manim import tempconfig

from nnviz_core import RunConfig, train
from nnviz_core.layout import loss_axis
from scenes.training import TrainingLecture

from drawn import frameless
from test_any_run import manim_text_boxes, overlapping

CLEAR = 0.03  # scene units: texts closer than this touch


def close_pairs(scene, clear: float = CLEAR) -> list[str]:
    """Texts on screen whose boxes, grown by ``clear`` / 2 on every side, overlap."""
    texts = manim_text_boxes(scene)
    grown = [(x0 - clear / 2, y0 - clear / 2, x1 + clear / 2, y1 + clear / 2) for _, (x0, y0, x1, y1) in texts]
    name = lambda m: getattr(m, "original_text", None) or getattr(m, "text", repr(m))
    return [f"{name(texts[a][0])!r} meets {name(texts[b][0])!r}" for a, b in overlapping(grown, 0.0)]


def play(h, plan, steps, tmp_path, theme="light", watch=None):
    """Play only ``steps`` (method names) of the lecture, under a plan of their chapters; after
    every play, ``watch(scene)``; returns the scene and the problems found."""
    problems = []

    class Part(TrainingLecture):
        theme_name = theme

        def construct(self):
            for step in steps:
                getattr(self, step)()

        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            problems.extend(f"{self.chapters[-1]}: {p}" for p in close_pairs(self))
            if watch:
                watch(self)

    Part.plan = tuple((name, {}) for name in plan)
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Part(renderer=frameless())
        scene.history = h
        scene.render()
    return scene, sorted(set(problems))


@pytest.fixture(scope="module")
def squares(tmp_path_factory):
    """The reviewer's own data: 40 points of y = x² + noise, a header x,y."""
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 1, 40)
    path = tmp_path_factory.mktemp("data") / "squares.csv"
    path.write_text("x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in zip(x, x ** 2 + 0.1 * rng.standard_normal(40))))
    return path


# -- 1. the held-out readouts on a linear loss axis -----------------------------------------------
@pytest.mark.parametrize("run", ["csv", "sine"])
def test_train_and_test_readouts_stay_apart_on_a_linear_loss_axis(run, squares, tmp_path):
    settings = (dict(dataset=str(squares), layers="1,6,1", lr=0.1, l1=2, epochs=60, seed=0, test_fraction=0.25)
                if run == "csv" else dict(dataset="sine", test_fraction=0.3, epochs=30))
    h = train(RunConfig().updated({k: str(v) for k, v in settings.items()}))
    assert not loss_axis(np.r_[h.loss, h.test_loss]).log  # linear: the header's row sits low
    shown = []

    def watch(scene):
        if scene.on_screen(scene.losses):
            shown.append((scene.losses.value.text, scene.losses.test_value.text))

    scene, problems = play(h, ["training-montage"], ["training_montage"], tmp_path, watch=watch)
    assert shown and shown[-1][1] == scene.losses.test_value.text  # both readouts were on screen
    assert not problems, "\n".join(problems[:6])


# -- 2. the loss panel's header under the data plot's ticks ----------------------------------------
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_loss_header_stays_clear_of_the_data_plots_ticks(theme, tmp_path):
    """An L1 run's loss panel has a note under its ticks ("data loss, no penalty"): taller, its
    header rose onto the data plot's "−1 0 1"."""
    h = train(RunConfig().updated({"l1": "0.1", "lr": "0.1", "layers": "1,12,1", "epochs": "150"}))
    scene, problems = play(h, ["training-montage"], ["training_montage"], tmp_path, theme=theme)
    assert scene.on_screen(scene.losses) and scene.on_screen(scene.fit)
    assert hasattr(scene.losses, "note")  # the row that makes the panel taller
    assert not problems, "\n".join(problems[:6])
    header = min(t.get_bottom()[1] for t in scene.fit.get_family() if hasattr(t, "text"))
    assert max(t.get_top()[1] for t in scene.losses.get_family() if hasattr(t, "text")) < header - CLEAR


# -- 3. the forward pass's words at its point on 2-D data -----------------------------------------
def drawn_box(m):
    return np.r_[m.get_corner([-1, -1, 0])[:2]], np.r_[m.get_corner([1, 1, 0])[:2]]


def markers_in(box, centres, radius) -> int:
    low, high = box
    return int(np.all((centres > low - radius) & (centres < high + radius), axis=1).sum())


def side_boxes(ring, size, corner, far, taken=None):
    """Where words of ``size`` could go beside the ring: over, under, right, left (and for the
    second row just over and under the first), each moved inside the plot."""
    from scenes.lecture import POINT_MARK_GAP, POINT_MARK_RING

    reach = POINT_MARK_RING + POINT_MARK_GAP + size / 2
    centres = [ring + np.array(d) * reach for d in ((0, 1), (0, -1), (1, 0), (-1, 0))]
    if taken is not None:
        mid = (taken[0] + taken[1]) / 2
        centres += [np.array([mid[0], taken[0][1] - POINT_MARK_GAP - size[1] / 2]),
                    np.array([mid[0], taken[1][1] + POINT_MARK_GAP + size[1] / 2])]
    boxes = []
    for c in centres:
        c = np.clip(c, corner + size / 2, far - size / 2)
        low, high = c - size / 2, c + size / 2
        if np.linalg.norm(np.clip(ring, low, high) - ring) < POINT_MARK_RING:
            continue  # onto the point's ring
        if taken is not None and np.all(np.minimum(high, taken[1]) - np.maximum(low, taken[0]) > -POINT_MARK_GAP):
            continue  # onto the first row, or touching it
        boxes.append((low, high))
    return boxes


@pytest.mark.parametrize("run", ["moons", "points.csv"])
def test_the_points_words_sit_where_they_cover_the_fewest_markers(run, tmp_path):
    settings = (dict(dataset="moons", optimizer="adam", batch_size=8, lr=0.02, test_fraction=0.3, layers="2,8,1",
                     activation="tanh", epochs=60) if run == "moons" else dict(dataset="examples/points.csv"))
    h = train(RunConfig().updated({k: str(v) for k, v in settings.items()}))
    scene, problems = play(h, ["title", "build-the-network", "forward-pass", "loss-for-one-sample"],
                           ["show_title", "build_network", "forward_pass", "sample_loss"], tmp_path)
    assert not problems, "\n".join(problems[:6])
    ring = scene.sample_marks[0].get_center()[:2]
    rows = list(scene.sample_marks[1:])  # what the network says, then what its loss measures it against
    assert len(rows) == 2
    plot = scene.fit.plot
    corner, far = plot.x_axis.get_start()[:2], np.array([plot.x_axis.get_end()[0], plot.y_axis.get_end()[1]])
    dots = [*scene.fit.dots, *scene.fit.test_dots]
    centres, radius = np.array([d.get_center()[:2] for d in dots]), dots[0].width / 2
    taken = None
    for mark in rows:
        box = drawn_box(mark)
        size = box[1] - box[0]
        here = markers_in(box, centres, radius)
        others = [markers_in(b, centres, radius) for b in side_boxes(ring, size, corner, far, taken)]
        assert others and here <= min(others), (here, others)
        assert np.linalg.norm(np.clip(ring, *box) - ring) >= 0.12 - 1e-6  # clear of the ring
        taken = box
    first, second = drawn_box(rows[0]), drawn_box(rows[1])
    assert not np.all(np.minimum(first[1], second[1]) - np.maximum(first[0], second[0]) > 0)


def test_the_sampling_note_clears_the_test_row(tmp_path):
    """400 epochs at -ql: the montage says "1 frame / N epochs"; with held-out points the test
    readout's row is over the plot's right end, so the note goes where no text is (and where
    neither loss curve passes, read from h.loss and h.test_loss)."""
    h = train(RunConfig(dataset="sine", test_fraction=0.3, epochs=400))
    notes = []

    def watch(scene):
        notes.extend(m for m in scene.counter.sampling if scene.on_screen(scene.counter))

    scene, problems = play(h, ["training-montage"], ["training_montage"], tmp_path, watch=watch)
    assert notes and all("frame" in n.text.replace(" ", "") for n in notes)  # the note was on screen
    assert not problems, "\n".join(problems[:6])
    plot = scene.losses.plot
    xs = np.linspace(0, h.epochs, 8 * h.epochs + 1)
    for note in notes:
        if note.get_top()[1] < plot.y_axis.get_end()[1]:  # inside the plot: no curve under it
            for loss in (h.loss, h.test_loss):
                at = plot.points(xs, np.interp(xs, np.arange(len(loss)), loss))
                under = (at[:, 0] > note.get_left()[0]) & (at[:, 1] > note.get_bottom()[1])
                assert not under.any(), "a curve passes under the note"


@pytest.mark.parametrize("epochs", [60, 7, 1000])
def test_the_accuracy_axis_s_0_clears_the_last_epoch_tick(epochs):
    """The right-hand axis's "0 %" and the epoch axis's last tick label meet at the plot's lower
    right corner: they must not touch (boxes grown by CLEAR / 2)."""
    from drawn import boxes_overlap, palette_for
    from scenes.mobjects.loss import LossPanel

    h = train(RunConfig().updated(dict(dataset="circle", layers="2,8,1", activation="tanh", epochs=str(epochs), lr="0.5")))
    panel = LossPanel(h, palette_for(h), width=5.5, height=2.5)
    box = lambda m: (m.get_left()[0] - CLEAR / 2, m.get_bottom()[1] - CLEAR / 2,
                     m.get_right()[0] + CLEAR / 2, m.get_top()[1] + CLEAR / 2)
    zero = next(m for m in panel.static.get_family() if getattr(m, "text", None) == "0%")
    last = max((m for m in panel.plot.labels if m.get_top()[1] < panel.plot.x_axis.get_y() and m is not panel.plot.x_label),
               key=lambda m: m.get_right()[0])
    assert last.text.isdigit()  # an epoch tick
    assert not boxes_overlap(box(zero), box(last)), (zero.get_left(), last.get_right())
