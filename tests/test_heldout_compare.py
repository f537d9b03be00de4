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
from test_any_run import manim_text_boxes, overlapping  # noqa: E402

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


@pytest.fixture(scope="module")
def video(circle):
    return LossPanel(circle, palette_for(circle))


def test_both_loss_panels_draw_trainings_test_accuracy_dashed_beside_the_accuracy(circle, video):
    h = circle
    assert np.ptp(h.test_accuracy) > 0  # a curve that moves: a wrong epoch would show
    fig, ax = plt.subplots()
    gif = GifLoss(ax, h, palette_for(h))
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


def test_the_video_says_which_accuracy_curve_is_which(circle, video):
    """Each accuracy readout follows a key: solid for training's, dashed for the test's, both in
    the accuracy's colour, in its readout's row."""
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
    assert not overlapping([box for _, box in manim_text_boxes(On(video))], 0.02)


class On:
    """What manim_text_boxes reads a scene as: the mobjects on screen."""

    def __init__(self, *mobjects):
        self.mobjects = list(mobjects)


# -- the comparison views ---------------------------------------------------------------------------
from nnviz_core.compare import compare  # noqa: E402
from nnviz_core.dashboard.compare import RunTitled, SharedLossPanel as GifShared, run_panel  # noqa: E402
from nnviz_core.layout import accuracy_text  # noqa: E402
from nnviz_core.numbers import fmt_loss  # noqa: E402
from nnviz_core.palette import run_colours  # noqa: E402
from scenes.mobjects.compare import RunColumn, SharedLossPanel  # noqa: E402

from drawn import check_curve, manim_pieces, mpl_pieces  # noqa: E402


@pytest.fixture(scope="module")
def layers():
    """The wider net ends with the lower training loss, the narrower with the lower test loss."""
    return compare(config(samples=24, test_fraction=0.5, epochs=60, noise=0.3, seed=2, lr=0.05), "layers",
                   ["1,4,1", "1,16,16,1"])


@pytest.fixture(scope="module")
def rates():
    return compare(config(dataset="circle", samples=60, test_fraction=0.3, layers=(2, 4, 1)), "lr", ["0.3", "1"])


def shared(c):
    """Both renderers' shared loss panels of a comparison, and the GIF's axes."""
    colours = run_colours(len(c.histories), palette_for(c.histories[0]).theme)
    fig, ax = plt.subplots()
    gif = GifShared(ax, c, palette_for(c.histories[0]), colours)
    video = SharedLossPanel(c.histories, palette_for(c.histories[0]), c.labels, colours, width=11.5, height=1.3)
    return fig, gif, video, colours


def test_both_comparison_views_draw_each_runs_test_loss_dashed_in_its_colour(layers):
    c = layers
    fig, gif, video, colours = shared(c)
    low, high = gif.axis.low, gif.axis.high
    for h in c.histories:  # the axis holds every test loss: no dashed curve leaves it unmarked
        assert low <= h.test_loss.min() and h.test_loss.max() <= high
    dash = 2 * 0.1 / video.plot.x_axis.get_length() * c.clock().epochs
    for e in (4, c.clock().epochs):
        state = c.clock().at_epoch(e)
        gif.set_state(state)
        video.set_state(state)
        assert len(gif.test_lines) == len(video.test_curves) == len(c.histories)
        for h, line, curve, colour in zip(c.histories, gif.test_lines, video.test_curves, colours):
            xs = np.arange(e + 1)
            assert line.get_linestyle() == "--" and matplotlib.colors.same_color(line.get_color(), colour)
            check_curve(mpl_pieces(line), xs, h.test_loss[:e + 1], low, high, gif.axis.log, f"gif test loss, epoch {e}")
            assert matplotlib.colors.same_color(curve.get_stroke_color().to_hex(), colour)
            pieces = manim_pieces(video.plot, curve)
            assert len(pieces) > 3  # dashes
            check_curve(pieces, xs, h.test_loss[:e + 1], low, high, video.axis.log, f"video test loss, epoch {e}", gap=dash)
    assert [t.get_text() for t in gif.ax.get_legend().get_texts()][-2:] == ["train", "test"]
    assert {"train", "test"} <= set(texts(video.static))  # the video's key: solid and dashed
    plt.close(fig)


def texts(mobject) -> list[str]:
    return [m.text for m in mobject.get_family() if isinstance(m, manim.Text)]


def test_without_held_out_points_the_comparison_draws_no_test_curve():
    c = compare(config(samples=24), "lr", ["0.1", "0.3"])
    fig, gif, video, _ = shared(c)
    gif.set_state(c.clock().at_epoch(4))
    video.set_state(c.clock().at_epoch(4))
    assert not [l for l in gif.ax.get_lines() if l.get_linestyle() == "--"] and len(video.test_curves) == 0
    assert "test" not in [t.get_text() for t in gif.ax.get_legend().get_texts()] and "test" not in texts(video.static)
    column = RunColumn(c.histories[0], palette_for(c.histories[0]), c.labels[0], "#000000")
    assert column.readout is None
    plt.close(fig)


@pytest.mark.parametrize("name", ["layers", "rates"])
def test_each_runs_readouts_are_trainings_test_loss_and_accuracy(name, request):
    c = request.getfixturevalue(name)
    h, label_, colour = c.histories[0], c.labels[0], run_colours(2, palette_for(c.histories[0]).theme)[0]
    # One run (its panels are the slow part); a column reads only its own history.
    fig, ax = plt.subplots()
    title = run_panel(ax, h, palette_for(h), label_, colour)
    column = RunColumn(h, palette_for(h), label_, colour)
    for e in (0, h.epochs):
        state = h.at_epoch(e)
        title.set_state(state)
        column.set_state(state)
        words = title.title.get_text()
        assert f"Loss: {fmt_loss(h.loss[e])} (test {fmt_loss(h.test_loss[e])})" in words
        assert column.loss_value.text == fmt_loss(h.loss[e]).replace("-", "−")
        assert column.test_value.text == fmt_loss(h.test_loss[e]).replace("-", "−")
        if h.is_classification:
            assert f"Accuracy: {accuracy_text(h.accuracy[e])} (test {accuracy_text(h.test_accuracy[e])})" in words
            assert column.accuracy_value.text + " %" == accuracy_text(h.accuracy[e])
            assert column.test_accuracy_value.text + " %" == accuracy_text(h.test_accuracy[e])
    assert not overlapping([box for _, box in manim_text_boxes(On(column))], 0.02)
    # Between two epochs the readout lies between training's two test losses.
    column.set_state(h.at(4.5))
    lo, hi = sorted(h.test_loss[4:6])
    assert lo - 1e-4 <= float(column.test_value.text.replace("−", "-")) <= hi + 1e-4
    plt.close(fig)


# -- the words ----------------------------------------------------------------------------------------
from nnviz_core.chapters import storyboard  # noqa: E402
from scenes.compare import CompareRuns  # noqa: E402


def words(c) -> list[str]:
    return [chapter.narration for chapter in storyboard(c.clock(), CompareRuns.plan, comparison=c)]


def same_start(c) -> bool:
    """Whether training's runs start from the same weights (and biases)."""
    starts = [h.at_epoch(0) for h in c.histories]
    params = [[*s.weights, *s.biases] for s in starts]
    return all(len(p) == len(params[0]) and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(p, params[0]))
               for p in params[1:])


def test_the_opening_claims_a_common_start_only_where_training_had_one(layers):
    wide = compare(config(samples=24, epochs=2), "layers", ["1,4,1", "1,32,32,1"])
    for c in (wide, layers):
        assert not same_start(c)
        opening = words(c)[0]
        assert "starting weights included" not in opening and "each run starts from its own random weights" in opening
        assert "data are the same" in opening  # and the data are: one split, one noise
        assert all(np.array_equal(h.X, c.histories[0].X) for h in c.histories)
    rates = compare(config(samples=24, epochs=2), "lr", ["0.1", "0.3"])
    assert same_start(rates) and "the data and the starting weights included" in words(rates)[0]
    seeds = compare(config(samples=24, epochs=2), "seed", ["0", "1"])
    assert not same_start(seeds) and "own data and starts from its own random weights" in words(seeds)[0]


@pytest.mark.parametrize("name", ["layers", "rates"])
def test_the_end_names_the_run_with_the_lowest_final_test_loss(name, request):
    c = request.getfixturevalue(name)
    k = int(np.argmin([h.test_loss[-1] for h in c.histories]))
    best = c.histories[k]
    end = words(c)[-1]
    said = f"lowest final test loss, {fmt_loss(best.test_loss[-1])}, came with {c.field} {c.values[k]} (training loss {fmt_loss(best.loss[-1])}"
    assert said in end, end
    if name == "layers":  # here the lowest training loss is another run's: both are said
        lowest = int(np.argmin([h.loss[-1] for h in c.histories]))
        assert lowest != k and f"lowest final loss, {fmt_loss(c.histories[lowest].loss[-1])}, came with {c.field} {c.values[lowest]}" in end
    else:
        assert f"test accuracy {accuracy_text(best.test_accuracy[-1])})" in end
    plain = compare(config(samples=24, epochs=2), "lr", ["0.1", "0.3"])
    assert "test" not in words(plain)[-1]
