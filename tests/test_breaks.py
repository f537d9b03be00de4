"""A curve that leaves a plot is broken there, not drawn along its edge, and every exit is marked
with its stretch's extreme, in both renderers and every plot, on runs that go wrong.

Expected values: the States' predictions and contributions (from their weights and biases) and
h.loss, compared with the points each renderer drew, read back through its axes.
"""
import numpy as np
import pytest

from drawn import (boxes_overlap, palette_for, check_curve, check_marks, manim_marks, manim_pieces, mpl_marks,
                   mpl_pieces, true_contributions)
from nnviz_core import RunConfig, train
from nnviz_core.compare import compare
from nnviz_core.data import CURVES
from nnviz_core.palette import THEMES, run_colours

manim = pytest.importorskip("manim")
from nnviz_core.dashboard import Dashboard  # noqa: E402
from nnviz_core.dashboard.compare import CompareDashboard  # noqa: E402
from scenes.mobjects import ContributionsPanel, DataFitPanel, LossPanel  # noqa: E402
from scenes.mobjects.compare import SharedLossPanel  # noqa: E402
from scenes.mobjects.contributions import MINOR_DASH  # noqa: E402

DPI = 30
HARD_RUNS = {
    "oscillating lr 0.8": (RunConfig(lr=0.8, epochs=40), False),
    "exploding lr 5": (RunConfig(lr=5.0, epochs=12), True),
    "deep wild first guess": (RunConfig(layers=(1, 8, 8, 8, 8, 1), activation="leaky_relu", dataset="abs",
                                        epochs=20), False),
    "1-2-1 tanh, high lr": (RunConfig(layers=(1, 2, 1), activation="tanh", lr=0.8, epochs=20), False),
    **{f"1-24-1 sigmoid {d}": (RunConfig(layers=(1, 24, 1), activation="sigmoid", dataset=d, lr=1.0, epochs=15,
                                         seed=3), False) for d in CURVES},
}


@pytest.fixture(scope="module", params=list(HARD_RUNS))
def run(request):
    config, keep = HARD_RUNS[request.param]
    return request.param, train(config, keep_diverged=keep)


def telling_epochs(h) -> list[int]:
    """Where something happens: the start, the worst and best epochs, the sharpest rise, the end."""
    loss = np.where(np.isfinite(h.loss), h.loss, np.inf)
    rise = int(np.argmax(np.diff(loss))) + 1 if len(loss) > 1 else 0
    return sorted({0, int(np.argmax(loss)), int(np.argmin(loss)), rise, h.epochs})


def manim_box(m):
    return (m.get_left()[0], m.get_bottom()[1], m.get_right()[0], m.get_top()[1])


def check_manim_marks_apart(marks):
    shown = [number for pool in marks.pool.values() for tip, number in pool if tip.get_fill_opacity() > 0]
    boxes = [manim_box(n) for n in shown]
    ticks = [manim_box(t) for t in marks.plot.labels]
    for k, a in enumerate(boxes):
        assert not any(boxes_overlap(a, b) for b in boxes[k + 1:]), "two marks overlap"
        assert not any(boxes_overlap(a, t) for t in ticks), "a mark covers a tick label"


def test_the_video_breaks_every_curve_where_it_leaves_and_marks_each_exit(run):
    name, h = run
    fit, losses = DataFitPanel(h, palette_for(h)), LossPanel(h, palette_for(h))
    parts = ContributionsPanel(h, palette_for(h), width=6, height=4) if len(h.config.layers) > 2 else None
    x = h.grid[:, 0]
    for e in telling_epochs(h):
        state = h.at_epoch(e)
        where = f"{name}, epoch {e}"
        fit.set_state(state)
        low, high = fit.plot.y_span
        truth = state.prediction[:, 0]
        check_curve(manim_pieces(fit.plot, fit.curve), x, truth, low, high, where=f"{where}, fit")
        check_marks(manim_marks(fit.marks), x, truth, low, high, fit.plot.x_span, where=f"{where}, fit marks")
        check_manim_marks_apart(fit.marks)
        losses.set_state(state)
        epochs, loss = np.arange(e + 1), h.loss[:e + 1]
        check_curve(manim_pieces(losses.plot, losses.curve), epochs, loss, *losses.plot.y_span, log=losses.plot.log,
                    where=f"{where}, loss")
        if parts is None:
            continue
        parts.set_state(state)
        low, high = parts.plot.y_span
        rows = true_contributions(state, parts.units)
        bias = np.full_like(x, state.biases[-1][0, 0])
        # A minor unit is dashed: its gaps, MINOR_DASH scene units of arc, are at most that wide in x.
        x_per_unit = np.ptp(parts.plot.x_span) / parts.plot.x_axis.get_length()
        gaps = [MINOR_DASH * x_per_unit if style.minor else 0.0 for style in parts.styles] + [0.0, 0.0]
        for curve, values, gap in zip([*parts.unit_curves, parts.bias_line, parts.total], [*rows, bias, truth], gaps):
            check_curve(manim_pieces(parts.plot, curve), x, values, low, high, where=f"{where}, contributions",
                        gap=gap)
        check_marks(manim_marks(parts.marks), x, [*rows, bias, truth], low, high, parts.plot.x_span,
                    where=f"{where}, contribution marks")
        check_manim_marks_apart(parts.marks)


def test_the_gif_breaks_every_curve_where_it_leaves_and_marks_each_exit(run):
    name, h = run
    panels = ("fit", "loss", "contributions") if len(h.config.layers) > 2 else ("fit", "loss")
    d = Dashboard(h, panels=panels, dpi=DPI)
    x = h.grid[:, 0]
    for e in telling_epochs(h):
        state = h.at_epoch(e)
        where = f"{name}, epoch {e}"
        d.render_rgb(state)  # drawn, so the marks' text has its place
        fit = d.panels["fit"]
        low, high = fit.ax.get_ylim()
        truth = state.prediction[:, 0]
        check_curve(mpl_pieces(fit.line), x, truth, low, high, where=f"{where}, fit")
        check_marks(mpl_marks(fit.marks), x, truth, low, high, fit.ax.get_xlim(), where=f"{where}, fit marks")
        check_mpl_marks_apart(d, fit)
        loss = d.panels["loss"]
        check_curve(mpl_pieces(loss.curve), np.arange(e + 1), h.loss[:e + 1], *loss.ax.get_ylim(),
                    log=loss.ax.get_yscale() == "log", where=f"{where}, loss")
        if "contributions" not in d.panels:
            continue
        parts = d.panels["contributions"]
        low, high = parts.ax.get_ylim()
        rows = true_contributions(state, [index for _, index, _ in parts.units])
        bias = np.full_like(x, state.biases[-1][0, 0])
        for line, values in zip([*parts.lines, parts.bias, parts.total], [*rows, bias, truth]):
            check_curve(mpl_pieces(line), x, values, low, high, where=f"{where}, contributions")
        check_marks(mpl_marks(parts.marks), x, [*rows, bias, truth], low, high, parts.ax.get_xlim(),
                    where=f"{where}, contribution marks")
        check_mpl_marks_apart(d, parts)


def check_mpl_marks_apart(d, panel):
    renderer = d.fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for pool in panel.marks.pool.values() for tip, t in pool
             if t.get_visible()]
    ticks = [t.get_window_extent(renderer) for t in [*panel.ax.get_xticklabels(), *panel.ax.get_yticklabels()]
             if t.get_visible() and t.get_text()]
    axes = panel.ax.get_window_extent(renderer)
    for k, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[k + 1:]), "two marks overlap"
        assert not any(a.overlaps(t) for t in ticks), "a mark covers a tick label"
        assert axes.x0 - 1 <= a.x0 and a.x1 <= axes.x1 + 1, "a mark leaves its plot"


@pytest.fixture(scope="module")
def exploding_comparison():
    return compare(RunConfig(epochs=15), "lr", ["0.05", "0.5", "5"])


def padded_rows(curves):
    most = max(len(c) for c in curves)
    return np.array([np.r_[c, np.full(most - len(c), np.nan)] for c in curves])


def test_the_comparisons_loss_curves_stop_at_the_edge_in_both_renderers(exploding_comparison):
    c = exploding_comparison
    runs = c.histories
    video = SharedLossPanel(runs, palette_for(runs[0]), c.labels, run_colours(len(runs), THEMES["light"]))
    # The run this test is about: lr 5 explodes (diverged, kept up to there) far above the axis.
    assert runs[-1].diverged_at is not None and runs[-1].loss.max() > 100 * video.plot.y_span[1]
    gif = CompareDashboard(c, dpi=DPI)
    clock = c.clock()
    for e in (1, 5, clock.epochs):
        video.set_state(clock.at_epoch(e))
        gif.update(clock.at_epoch(e))
        shared = gif.panels[-1]
        low, high = video.plot.y_span
        truths = [h.loss[:min(e, h.epochs) + 1] for h in runs]
        epochs = np.arange(max(len(t) for t in truths), dtype=float)
        for h, curve, line, truth in zip(runs, video.curves, shared.lines, truths):
            xs = np.arange(len(truth))
            check_curve(manim_pieces(video.plot, curve), xs, truth, low, high, log=video.plot.log,
                        where=f"video, {h.config.lr}, epoch {e}")
            check_curve(mpl_pieces(line), xs, truth, *shared.ax.get_ylim(), log=shared.axis.log,
                        where=f"gif, {h.config.lr}, epoch {e}")
        rows = padded_rows(truths)
        check_marks(manim_marks(video.marks), epochs, rows, low, high, video.plot.x_span, where=f"video, epoch {e}")
        check_marks(mpl_marks(shared.marks), epochs, rows, *shared.ax.get_ylim(), shared.ax.get_xlim(),
                    where=f"gif, epoch {e}")
        assert manim_marks(video.marks), "lr 5 leaves the plot: it is marked"
