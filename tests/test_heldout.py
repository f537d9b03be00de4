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
