"""Runs side by side: the compare setting, a diverging run kept as a result, and both renderers
showing each run's own numbers at the shared epoch."""
import numpy as np
import pytest

from nnviz_core import NnvizError, RunConfig, TrainingDiverged, train
from nnviz_core.compare import compare, parse_compare
from nnviz_core.numbers import fmt_loss
from nnviz_core.palette import THEMES, SymmetricNorm, diverging_rgb, to_hex
from drawn import check_curve, frameless, mpl_pieces

BASE = RunConfig(epochs=30, samples=30)


@pytest.fixture(scope="module")
def with_divergence():
    """Three runs, the last one diverging: its learning rate is far too large (the loss passes
    10³⁰⁰ and overflows at epoch 77)."""
    return compare(RunConfig(epochs=80, samples=30), "lr", ["0.05", "0.3", "50"])


def test_parse_compare_takes_both_spellings_and_layers_with_bars():
    assert parse_compare("lr: 0.02, 0.1, 1.5") == ("lr", ["0.02", "0.1", "1.5"])
    assert parse_compare("lr=0.02,0.1") == ("lr", ["0.02", "0.1"])
    assert parse_compare("layers: 1,4,1 | 1,16,1") == ("layers", ["1,4,1", "1,16,1"])
    assert parse_compare("snapshot-every=2,5") == ("snapshot_every", ["2", "5"])


@pytest.mark.parametrize("spec, words", [("speed=1,2", "not a setting"), ("lr=0.1", "2 to 4 values"),
                                         ("lr=1,2,3,4,5", "2 to 4 values"), ("lr", "one setting and its values"),
                                         ("lr=0.1,0.1", "repeat"), ("lr=0.1,-1", "lr -1"),
                                         ("activation=relu,swish", "activation swish")])
def test_bad_compare_values_are_one_line_naming_the_value(spec, words):
    with pytest.raises(NnvizError) as err:
        field, values = parse_compare(spec)
        compare(BASE, field, values)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_runs_share_seed_and_data_unless_compared():
    c = compare(BASE, "lr", ["0.05", "0.2"])
    a, b = c.histories
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert all(np.array_equal(w0, w1) for w0, w1 in zip(a.at_epoch(0).weights, b.at_epoch(0).weights))
    seeds = compare(BASE, "seed", ["0", "1"])
    assert not np.array_equal(seeds.histories[0].y, seeds.histories[1].y)


def test_a_diverging_run_is_a_result_in_a_comparison(with_divergence):
    steady, _, wild = with_divergence.histories
    assert steady.diverged_at is None and wild.diverged_at is not None
    assert wild.epochs == wild.diverged_at - 1 and np.all(np.isfinite(wild.loss))
    with pytest.raises(TrainingDiverged):  # on its own, the run is refused as before
        train(wild.config)


def test_the_compare_scene_shows_each_runs_own_numbers_at_the_shared_epoch(with_divergence, tmp_path):
    from manim import tempconfig

    from scenes.compare import CompareRuns

    seen, starts = [], []

    class Checked(CompareRuns):
        comparison = with_divergence

        def next_section(self, *args, **kwargs):
            starts.append(self.renderer.time)
            super().next_section(*args, **kwargs)

        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            epoch = self.clock.get_value()
            for column in (c for c in getattr(self, "columns", []) if self.on_screen(c)):
                own = column.history.at(min(epoch, column.history.epochs))
                fit = column.fit
                corner = fit.plot.x_axis.get_start()
                ey = (fit.plot.y_axis.get_end() - corner)[1] / (fit.plot.y_span[1] - fit.plot.y_span[0])
                ys = (fit.curve.points[::4, 1] - corner[1]) / ey + fit.plot.y_span[0]
                inside = (ys > fit.plot.y_span[0] + 1e-4) & (ys < fit.plot.y_span[1] - 1e-4)
                np.testing.assert_allclose(ys[inside], own.prediction[:-1, 0][inside], atol=1e-6)
                seen.append(column.history.diverged_at is not None and epoch >= column.history.diverged_at)

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Checked(renderer=frameless())
        scene.render()
    assert scene.chapters == ["comparison", "runs-training", "runs-final-state"]
    planned = np.cumsum([0.0] + [c.seconds for c in scene.storyboard.values()])
    np.testing.assert_allclose(starts, planned[:-1], atol=1 / 15 + 1e-6)  # each chapter where its plan says
    assert any(seen)  # the diverged run was shown frozen, after its divergence
    losses = scene.losses
    wild = with_divergence.histories[2]
    assert losses.diverged[0].get_fill_opacity() == 1.0  # "diverged at epoch N" is on screen
    narration = scene.storyboard["runs-training"].narration
    assert f"diverged at epoch {wild.diverged_at}" in narration
    assert fmt_loss(with_divergence.histories[0].final_loss) in narration
    # The runs start from the same weights, and the diagrams share one scale: at epoch 0 every
    # edge looks the same in every column, and its colour is the weight's on the calm runs' scale.
    start = with_divergence.histories[0].at_epoch(0)
    for column in scene.columns:
        column.set_state(start)
    looks = [[(e.get_stroke_color().to_hex(), round(e.get_stroke_width(), 6)) for e in c.net.edges] for c in scene.columns]
    assert looks[0] == looks[1] == looks[2]
    calm = max(h.largest("weights") for h in with_divergence.histories if h.diverged_at is None)
    w = start.weights[0][0, 0]
    first = scene.columns[0].net.layout.edges[0]
    assert (first.layer, first.i, first.j) == (0, 0, 0)
    expected = to_hex(diverging_rgb(np.array([w]), SymmetricNorm(calm), THEMES["light"])[0])
    assert looks[0][0][0].lower() == expected.lower()


def test_the_compare_gif_panels_show_each_runs_own_numbers(with_divergence):
    from nnviz_core.dashboard.compare import CompareDashboard

    d = CompareDashboard(with_divergence, dpi=20)
    clock = with_divergence.histories[0]
    for epoch in (0, 20, clock.epochs):
        d.render_rgb(clock.at_epoch(epoch))
        for panel, h in zip(d.panels, with_divergence.histories):
            own = h.at_epoch(min(epoch, h.epochs))
            check_curve(mpl_pieces(panel.line), h.grid[:, 0], own.prediction[:, 0], *panel.ax.get_ylim())
        losses = d.panels[-1]
        for h, line in zip(with_divergence.histories, losses.lines):
            shown = min(epoch, h.epochs)
            check_curve(mpl_pieces(line), np.arange(shown + 1), h.loss[:shown + 1], *losses.ax.get_ylim(),
                        log=losses.axis.log)
    wild = with_divergence.histories[2]
    assert losses.notes[2].get_visible() and f"diverged at epoch {wild.diverged_at}" in losses.notes[2].get_text()
    assert "diverged at epoch" in d.panels[2].title.get_text()


def test_nnviz_gif_compare_writes_the_comparison_and_refuses_bad_values(tmp_path, capsys):
    from PIL import Image

    from nnviz_core.frontends.cli import main

    (tmp_path / "empty.cfg").touch()
    base = ["gif", "--config", str(tmp_path / "empty.cfg"), "--dpi", "20", "--jobs", "1", "--epochs", "80",
            "--samples", "30"]
    out = tmp_path / "compare.gif"
    assert main(base + ["--compare", "lr=0.05,0.3,50", "--out", str(out)]) == 0
    with Image.open(out) as im:
        assert im.n_frames >= 17 and im.size == (round(7.3 * 3 * 20), 200)
    capsys.readouterr()
    for spec, words in [("lr=0.1", "2 to 4 values"), ("speed=1,2", "not a setting"),
                        ("layers=1,0,1|1,4,1", "--layers 1,0,1")]:
        bad = tmp_path / "bad.gif"
        assert main(base + ["--compare", spec, "--out", str(bad)]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and not bad.exists()
    assert main(["render", "FitEvolves", "--compare", "lr=1,2", "--config", str(tmp_path / "empty.cfg")]) == 2
    assert "--compare is for CompareRuns" in capsys.readouterr().err


def test_train_keeps_a_diverged_run_only_when_asked(tmp_path, capsys):
    from nnviz_core import History
    from nnviz_core.frontends.cli import main

    (tmp_path / "empty.cfg").touch()
    args = ["train", "--config", str(tmp_path / "empty.cfg"), "--lr", "50", "--epochs", "80", "--samples", "30"]
    assert main(args + ["--out", str(tmp_path / "a.npz")]) == 2
    assert "diverged" in capsys.readouterr().err and not (tmp_path / "a.npz").exists()
    assert main(args + ["--keep-diverged", "--out", str(tmp_path / "b.npz")]) == 0
    kept = History.load(tmp_path / "b.npz")
    assert kept.diverged_at == kept.epochs + 1 and np.all(kept.loss <= 1e6 * kept.loss[0])
    # One more real step from the last kept epoch: a loss past 10⁶ times its start (or not finite).
    from nnviz_core.model import forward, mse, sgd_step

    last = kept.at_epoch(kept.epochs)
    weights, biases = sgd_step(last.weights, last.biases, last.grad_weights, last.grad_biases, kept.config.lr)
    with np.errstate(all="ignore"):
        beyond = mse(forward(kept.X, weights, biases, kept.config.activation)[1][-1], kept.y)
    assert not beyond <= 1e6 * kept.loss[0]


def test_a_loss_off_the_shared_axis_has_no_dot_on_its_edge(with_divergence):
    """The diverged run's loss is far above the axis: its dot would sit on the top edge and read
    as that edge's value, so only the off-plot mark (with the true value) shows it."""
    from nnviz_core.palette import THEMES, Palette, run_colours
    from scenes.mobjects.compare import SharedLossPanel

    runs = with_divergence.histories
    panel = SharedLossPanel(runs, Palette.for_history(runs[0], THEMES["light"]), with_divergence.labels,
                            run_colours(len(runs), THEMES["light"]))
    clock = with_divergence.clock()
    panel.set_state(clock.at_epoch(clock.epochs))
    low, high = panel.plot.y_span
    for h, marker in zip(runs, panel.markers):
        loss = h.loss[min(clock.epochs, h.epochs)]
        assert (marker.get_fill_opacity() > 0) == (low <= loss <= high), (h.config.lr, loss)


def test_runs_side_by_side_on_2d_data_draw_each_runs_regions(tmp_path):
    """CompareRuns on circle, the Playground's feature lesson: each column's region image is its
    own run's decision regions at the shared last epoch, as training left them."""
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from nnviz_core import RunConfig
    from nnviz_core.compare import compare
    from nnviz_core.palette import THEMES
    from nnviz_core.plane import region_rgb
    from scenes.compare import CompareRuns

    base = RunConfig().updated({"dataset": "circle", "epochs": "6", "samples": "40", "lr": "0.5"})
    runs = compare(base, "features", ["x1,x2", "x1,x2,x1^2,x2^2"], "--compare")
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        class Scene(CompareRuns):
            comparison = runs
        scene = Scene(renderer=CairoRenderer(skip_animations=True))
        scene.render()
    for column, h in zip(scene.columns, runs.histories):
        truth = h.at_epoch(h.epochs)
        rgb = region_rgb(truth.grid_map(truth.grid_probabilities), THEMES["light"])
        drawn = column.fit.image.pixel_array[::-1, :, :3]  # rows flipped: x2 upward
        assert np.abs(drawn.astype(float) - np.round(rgb * 255)).max() <= 1
