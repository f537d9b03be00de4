"""Held-out points beyond one run's loss: the test accuracy as a dashed curve in both loss panels,
each run's test loss (and accuracy) dashed in both comparison views, and the comparison's words
about the test loss and the runs' start. Small runs, panels only, no frames rendered."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core.dashboard.loss import LossPanel as GifLoss  # noqa: E402
from nnviz_core.layout import ACCURACY_AXIS  # noqa: E402

from drawn import manim_xy, palette_for  # noqa: E402

manim = pytest.importorskip("manim")
from scenes.mobjects import LossPanel  # noqa: E402
from scenes.mobjects.loss import TEST_DASH  # noqa: E402


def config(**changes) -> RunConfig:
    return RunConfig().updated({"epochs": 8, "snapshot_every": 4, **changes})


@pytest.fixture(scope="module")
def circle():
    return train(config(dataset="circle", samples=60, test_fraction=0.3, layers=(2, 4, 1), lr=0.5))


def accuracy_xy(panel, points):
    """Data coordinates (epoch, accuracy) of scene points on a manim LossPanel's right-hand axis."""
    xs, _ = manim_xy(panel.plot, points)
    bottom, top = panel.plot.y_axis.get_start()[1], panel.plot.y_axis.get_end()[1]
    lo, hi = ACCURACY_AXIS
    return xs, lo + (np.asarray(points)[:, 1] - bottom) / (top - bottom) * (hi - lo)


def on_polyline(pieces, epochs, values):
    for x, y in pieces:
        np.testing.assert_allclose(y, np.interp(x, np.arange(len(values)), values), atol=1e-9)
    return np.concatenate([x for x, _ in pieces])


def test_both_loss_panels_draw_trainings_test_accuracy_dashed_beside_the_accuracy(circle):
    h = circle
    assert np.ptp(h.test_accuracy) > 0  # a curve that moves: a wrong epoch would show
    fig, ax = plt.subplots()
    gif = GifLoss(ax, h, palette_for(h))
    video = LossPanel(h, palette_for(h))
    theme = palette_for(h).theme
    for e in (2, 5, h.epochs):
        state = h.at_epoch(e)
        gif.set_state(state)
        video.set_state(state)
        line = gif.test_accuracy_curve
        assert line.get_linestyle() == "--" and matplotlib.colors.same_color(line.get_color(), theme.accuracy)
        np.testing.assert_allclose(line.get_xdata(), np.arange(e + 1))
        np.testing.assert_allclose(line.get_ydata(), h.test_accuracy[:e + 1])
        curve = video.test_accuracy_curve
        assert matplotlib.colors.same_color(curve.get_stroke_color().to_hex(), theme.accuracy)
        pieces = [accuracy_xy(video, sub) for sub in curve.get_subpaths() if len(sub)]
        assert len(pieces) > 3  # dashes, not one line
        drawn = on_polyline(pieces, e, h.test_accuracy)
        dash = 2 * TEST_DASH / video.plot.x_axis.get_length() * h.epochs  # it may end in a dash's gap
        assert drawn.min() < 1e-6 and e - dash - 1e-6 < drawn.max() < e + 1e-6
    words = [t.get_text() for t in gif.legend.get_texts()]
    assert [w.split(":")[0] for w in words][2:] == ["train accuracy", "test accuracy"]
    plt.close(fig)

    quiet = train(config(dataset="circle", samples=60, layers=(2, 4, 1), lr=0.5))  # no held-out points
    fig, ax = plt.subplots()
    plain = GifLoss(ax, quiet, palette_for(quiet))
    plain.set_state(quiet.at_epoch(4))
    dashed = [l for a in fig.axes for l in a.get_lines() if l.get_linestyle() == "--"]
    assert plain.test_accuracy_curve is None and not dashed
    plt.close(fig)
    assert not hasattr(LossPanel(quiet, palette_for(quiet)), "test_accuracy_curve")


def test_the_video_says_which_accuracy_curve_is_which(circle):
    """Each accuracy readout follows a key: solid for training's, dashed for the test's, both in
    the accuracy's colour; the keys do not overlap the words."""
    video = LossPanel(circle, palette_for(circle))
    green = lambda m: matplotlib.colors.same_color(m.get_stroke_color().to_hex(), palette_for(circle).theme.accuracy)
    family = video.static.get_family()
    dashed = [m for m in family if isinstance(m, manim.DashedLine) and green(m)]
    dashed = [m for m in dashed if not any(m in d.get_family()[1:] for d in dashed)]  # the keys, not their dashes
    inside = {id(m) for d in dashed for m in d.get_family()}
    solid = [m for m in family if isinstance(m, manim.Line) and not isinstance(m, manim.DashedLine) and green(m)
             and id(m) not in inside and m.get_length() < 0.5]
    assert len(dashed) == 1 and len(solid) == 1
    for key, value in ((dashed[0], video.test_accuracy_value), (solid[0], video.accuracy_value)):
        assert abs(key.get_y() - value.get_y()) < 0.15  # in its readout's row, before it
        assert key.get_right()[0] < value.get_left()[0]
    assert dashed[0].get_y() > solid[0].get_y() + 0.2  # the test row over the training one
