"""Held-out points on screen: drawn hollow at their own places in both renderers' data panels,
the test loss as a second curve in both loss panels with its readout from training, and the
overfitting sentence in the words. Small runs, single panels, no frames rendered."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
import pytest  # noqa: E402

from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core.dashboard.fit import DataFitPanel as GifFit, PlanePanel  # noqa: E402
from nnviz_core.layout import accuracy_text  # noqa: E402
from nnviz_core.numbers import fmt_loss  # noqa: E402
from nnviz_core.palette import HELD_OUT_CAPTION  # noqa: E402

from drawn import manim_xy, palette_for  # noqa: E402

manim = pytest.importorskip("manim")
from scenes.mobjects import DataFitPanel, DecisionRegionPanel  # noqa: E402
from scenes.mobjects.regions import marker_outline  # noqa: E402


def config(**changes) -> RunConfig:
    return RunConfig().updated({"epochs": 6, "snapshot_every": 3, **changes})


@pytest.fixture(scope="module")
def line():
    return train(config(test_fraction=0.3))


@pytest.fixture(scope="module")
def circle():
    return train(config(dataset="circle", samples=60, test_fraction=0.25, layers=(2, 4, 1)))


@pytest.fixture(scope="module")
def bump():
    return train(config(dataset="bump", samples=60, test_fraction=0.25, layers=(2, 4, 1)))


def sorted_rows(xy):
    xy = np.asarray(xy, float)
    return xy[np.lexsort(xy.T[::-1])]


def hollow_scatters(ax):
    """The axes' scatters drawn without a face (matplotlib: facecolors 'none')."""
    return [c for c in scatters(ax) if len(c.get_facecolors()) == 0]


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]


# -- the data panels ------------------------------------------------------------------------------
def test_the_gif_draws_the_held_out_points_hollow_where_they_are(line, circle, bump):
    for h, make in ((line, GifFit), (circle, PlanePanel), (bump, PlanePanel)):
        fig, ax = plt.subplots()
        make(ax, h, palette_for(h))
        hollow = hollow_scatters(ax)
        assert hollow, "no hollow points"
        drawn = np.concatenate([c.get_offsets() for c in hollow])
        truth = np.column_stack([h.X_test[:, 0], h.y_test[:, 0]]) if not h.problem.is_2d else h.X_test
        np.testing.assert_allclose(sorted_rows(drawn), sorted_rows(truth))
        filled = np.concatenate([c.get_offsets() for c in scatters(ax) if len(c.get_facecolors())])
        assert len(filled) == len(h.X)  # the training points stay filled, the held-out ones are not among them
        assert HELD_OUT_CAPTION in [t.get_text() for t in ax.get_legend().get_texts()]
        plt.close(fig)
    fig, ax = plt.subplots()
    GifFit(ax, train(config()), palette_for(line))
    assert not hollow_scatters(ax) and HELD_OUT_CAPTION not in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def texts(mobject):
    """The texts of a mobject's Text parts, spaces kept out (manim drops them)."""
    return [m.text for m in mobject.get_family() if isinstance(m, manim.Text)]


CAPTION = HELD_OUT_CAPTION.replace(" ", "")


def test_the_video_draws_the_held_out_points_hollow_where_they_are(line, circle):
    fit = DataFitPanel(line, palette_for(line))
    assert len(fit.test_dots) == len(line.X_test)
    centres = np.array([d.get_center() for d in fit.test_dots])
    np.testing.assert_allclose(np.column_stack(manim_xy(fit.plot, centres)),
                               np.column_stack([line.X_test[:, 0], line.y_test[:, 0]]), atol=1e-9)
    assert all(d.get_fill_opacity() == 0 and d.get_stroke_width() > 0 for d in fit.test_dots)
    assert CAPTION in texts(fit.static)

    regions = DecisionRegionPanel(circle, palette_for(circle), width=6, height=6)
    centres = []
    for group in regions.test_dots:  # one VMobject per colour and shape: each marker's outline in turn
        assert group.get_fill_opacity() == 0 and group.get_stroke_width() > 0
        size = len(marker_outline("o" if len(group.points) % len(marker_outline("o")) == 0 else "^"))
        centres += [outline.mean(axis=0) for outline in group.points.reshape(-1, size, 3)]
    truth = sorted_rows(circle.X_test)
    drawn = sorted_rows(np.column_stack(manim_xy(regions.plot, np.array(centres))))
    np.testing.assert_allclose(drawn, truth, atol=0.02 * np.ptp(truth))
    assert CAPTION in texts(regions.static)
    assert CAPTION not in texts(DataFitPanel(train(config()), palette_for(line)).static)


# -- the loss panels ------------------------------------------------------------------------------
from nnviz_core.dashboard.loss import LossPanel as GifLoss  # noqa: E402
from nnviz_core.layout import loss_note  # noqa: E402
from scenes.mobjects import LossPanel  # noqa: E402
from scenes.mobjects.loss import TEST_DASH  # noqa: E402

from drawn import manim_pieces, mpl_pieces  # noqa: E402


def on_test_curve(h, pieces, upto: float, gap: float = 1e-6):
    """Every drawn point of the test curve lies on training's test loss (straight between epochs)."""
    for piece in pieces:
        np.testing.assert_allclose(piece[:, 1], np.interp(piece[:, 0], np.arange(h.epochs + 1), h.test_loss),
                                   rtol=1e-6, atol=1e-9)
    drawn_x = np.concatenate([p[:, 0] for p in pieces])
    assert drawn_x.min() < 1e-6 and upto - gap < drawn_x.max() < upto + 1e-6


@pytest.mark.parametrize("name", ["line", "circle"])
def test_both_loss_panels_draw_trainings_test_loss_and_read_it_out(name, request):
    h = request.getfixturevalue(name)
    fig, ax = plt.subplots()
    gif = GifLoss(ax, h, palette_for(h))
    video = LossPanel(h, palette_for(h))
    for e in (0, 3, h.epochs):
        state = h.at_epoch(e)
        gif.set_state(state)
        video.set_state(state)
        drawn = mpl_pieces(gif.test_curve)
        if e:
            on_test_curve(h, drawn, e)
            dash = TEST_DASH * 2 / video.plot.x_axis.get_length() * h.epochs  # it may end in a gap of its dashes
            on_test_curve(h, manim_pieces(video.plot, video.test_curve), e, dash)
        words = [t.get_text() for t in gif.legend.get_texts()]  # the legend reads the values out
        assert words[0].startswith("train") and words[0].endswith(f": {fmt_loss(h.loss[e])}")
        assert words[1].startswith("test") and words[1].endswith(f": {fmt_loss(h.test_loss[e])}")
        assert video.test_value.text == fmt_loss(h.test_loss[e]).replace("-", "−")
        if h.is_classification:
            assert words[2].startswith("train accuracy") and words[2].endswith(f": {accuracy_text(h.accuracy[e])}")
            assert words[3].startswith("test accuracy") and words[3].endswith(f": {accuracy_text(h.test_accuracy[e])}")
            assert video.test_accuracy_value.text + " %" == accuracy_text(h.test_accuracy[e])
    # Between two epochs the readout is a value between theirs (training's, not the tween's own beyond them).
    state = h.at(2.5)
    gif.set_state(state)
    video.set_state(state)
    shown = float(video.test_value.text.replace("−", "-"))
    lo, hi = sorted(h.test_loss[2:4])
    assert lo - 1e-4 <= shown <= hi + 1e-4
    gif_shown = float(gif.legend.get_texts()[1].get_text().split(": ")[1])
    assert lo - 1e-4 <= gif_shown <= hi + 1e-4
    plt.close(fig)


def test_the_loss_panels_say_what_the_loss_is():
    plain = train(config(test_fraction=0.2))
    both = train(config(test_fraction=0.2, l2=0.001, batch_size=20))
    assert loss_note(plain) == "" and loss_note(train(config(l1=0.01))) == "data loss, no penalty"
    assert loss_note(both) == "data loss, no penalty; full training loss per epoch"
    # History.loss is the data's loss alone: the penalty is apart (so "not included" is true).
    s = both.at_epoch(both.epochs)
    assert s.loss == both.loss[-1] and s.penalty > 0 and s.total_loss > s.loss
    fig, ax = plt.subplots()
    GifLoss(ax, both, palette_for(both))
    assert "data loss, no penalty" in ax.get_xlabel() and "full training loss per epoch" in ax.get_xlabel()
    plt.close(fig)
    video = LossPanel(both, palette_for(both))
    # on one line, or (too long for one at the smallest size) in two, broken at the " · "
    assert "".join(texts(video.note)) in ("dataloss,nopenalty·fulltraininglossperepoch",
                                          "dataloss,nopenaltyfulltraininglossperepoch")
    assert not hasattr(LossPanel(plain, palette_for(plain)), "note")


# -- the words --------------------------------------------------------------------------------------
from nnviz_core.chapters import storyboard  # noqa: E402
from nnviz_core.frontends.cli import main  # noqa: E402

from test_optim import OVERFITS  # noqa: E402

SUMMARY = [("summary", {})]


@pytest.fixture(scope="module")
def overfits():
    return train(OVERFITS)


def test_overfitting_and_the_final_test_loss_are_said_in_the_summary_info_and_script(overfits, tmp_path, capsys):
    h = overfits
    said = [e.text for e in h.events() if e.kind == "overfit"]
    assert len(said) == 1  # the run overfits: "from epoch k the test loss rose from A to B ..."
    sentence = said[0][0].upper() + said[0][1:]
    chapter = storyboard(h, SUMMARY)[0]
    assert sentence in chapter.narration
    final = fmt_loss(h.test_loss[-1])
    assert f"test loss ended at {final}" in chapter.narration and f"test loss {fmt_loss(h.test_loss[0])} → {final}" in chapter.captions[0]
    h.save(tmp_path / "over.npz")
    assert main(["info", str(tmp_path / "over.npz")]) == 0
    text = capsys.readouterr().out
    assert f"happened        {said[0]}" in text and f"-> {h.test_loss[-1]:.6g} at epoch {h.epochs}" in text
    assert main(["script", "TrainingLecture", "--run", str(tmp_path / "over.npz")]) == 0
    script = capsys.readouterr().out
    assert sentence in script and f"test loss ended at {final}" in script

    quiet = train(OVERFITS.updated({"test_fraction": 0.0}))  # the same run without held-out points
    chapter = storyboard(quiet, SUMMARY)[0]
    assert "test loss" not in chapter.narration and "test loss" not in chapter.captions[0]
    quiet.save(tmp_path / "quiet.npz")
    assert main(["info", str(tmp_path / "quiet.npz")]) == 0
    assert "test loss" not in capsys.readouterr().out
    default = storyboard(train(config()), SUMMARY)[0]
    assert "test loss" not in default.narration


# An overfitting run with graver things to say first: a climb, dead units, spikes, oscillations.
CROWDED = OVERFITS.updated({"activation": "relu", "lr": 0.05})


def test_a_run_that_overfits_says_so_however_much_else_happened():
    from nnviz_core.events import summary_lines

    h = train(CROWDED)
    overfit = [e for e in h.events() if e.kind == "overfit"]
    assert len(overfit) == 1 and len({e.kind for e in h.events()}) >= 4  # it overfits, among much else
    sentence = overfit[0].text[0].upper() + overfit[0].text[1:]
    every = summary_lines(h, most=100)
    assert every.index(sentence) >= 4  # graver sentences come first: without a slot kept it is cut at 3 and 4
    for most in (1, 2, 3, 4):
        kept = summary_lines(h, most=most)
        assert len(kept) == most and kept[-1] == sentence and kept[:-1] == every[:most - 1], most
    assert summary_lines(h, most=5) == every[:4] + [sentence]
    assert sentence not in summary_lines(h, leave_out=("overfit",))
    chapter = storyboard(h, SUMMARY)[0]
    assert sentence in chapter.narration and f"test loss ended at {fmt_loss(h.test_loss[-1])}" in chapter.narration
    from nnviz_core.dashboard.network import NetworkDiagram

    fig, ax = plt.subplots()  # the GIF's "What happened" note
    assert f"- {sentence}" in NetworkDiagram(ax, h, palette_for(h)).note_text(None).splitlines()
    plt.close(fig)
