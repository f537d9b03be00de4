"""The Manim scenes: they run, draw what the State says, move smoothly, and render a real clip."""
import configparser
import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import Scene, tempconfig

REPO = Path(__file__).resolve().parents[1]

from nnviz_core import RunConfig, train
from nnviz_core.palette import THEMES
from nnviz_core.numbers import fmt_loss, fmt_value
from nnviz_core.palette import DEAD_ALPHA
from scenes.clips import Backpropagation, LossCurve
from scenes.registry import SCENES
from scenes.mobjects import ContributionsPanel, DataFitPanel, EpochCounter, LossPanel, NetworkDiagram
from scenes.mobjects.contributions import MINOR_DASH
from scenes.mobjects.network import EDGE_WIDTH
from scenes.run import load_history
from scenes.training import TrainingLecture

from drawn import check_curve, frameless, manim_pieces, palette_for, true_contributions

TINY = dict(layers=(1, 3, 1), epochs=8, snapshot_every=2, samples=16)
# TrainingLecture has its own, stricter test below.
# (CompareRuns shows several runs: tests/test_compare.py renders it.)
OTHER_SCENES = [entry.load() for entry in SCENES.values() if entry.name not in ("TrainingLecture", "CompareRuns")]


@pytest.fixture(scope="module")
def tiny():
    return train(RunConfig(**TINY))


@pytest.fixture(scope="module")
def deep():
    return train(RunConfig(layers=(1, 4, 3, 1), activation="tanh", epochs=6, snapshot_every=2, samples=16))


@pytest.mark.parametrize("scene_class", OTHER_SCENES, ids=lambda c: c.__name__)
def test_every_scene_runs_with_a_tiny_run(scene_class, tiny, tmp_path):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = scene_class(renderer=frameless())
        scene.history = tiny
        scene.render()
    assert scene.chapters == [name for name, _ in scene_class.plan], "every scene marks its chapters"
    assert all(name == name.lower() and " " not in name for name in scene.chapters)


def test_training_lecture_tells_the_story_in_order(tiny, tmp_path):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = TrainingLecture(renderer=frameless())
        scene.history = tiny
        scene.render()
    assert scene.chapters == ["title", "build-the-network", "forward-pass", "loss-for-one-sample",
                              "backward-pass", "where-the-gradient-comes-from", "weight-update",
                              "training-montage", "what-each-neuron-computes", "summary"]
    assert scene.clock.get_value() == tiny.epochs  # the replay ends on the last epoch


def test_the_steps_handle_a_deep_tanh_network(deep, tmp_path):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Backpropagation(renderer=frameless())
        scene.history = deep
        scene.render()
    assert len(scene.net.edges) == 4 + 12 + 3
    assert scene.counter.number.text == "1"  # the update showed one real step, epoch 0 -> 1


# -- pixels -----------------------------------------------------------------------------------
def with_weights(state, changes):
    """The State with some weights replaced: {(layer, i, j): value}."""
    weights = [w.copy() for w in state.weights]
    for (layer, i, j), value in changes.items():
        weights[layer][i, j] = value
    return dataclasses.replace(state, weights=weights)


def render_frame(*mobjects, theme=THEMES["light"]) -> np.ndarray:
    scene = Scene()
    scene.camera.background_color = theme.background
    scene.add(*mobjects)
    scene.renderer.update_frame(scene)
    return scene.renderer.get_frame()[:, :, :3].astype(int)  # (H, W, RGB)


def to_pixel(point, frame) -> tuple[int, int]:
    h, w = frame.shape[:2]
    x = (point[0] / manim.config.frame_width + 0.5) * w
    y = (0.5 - point[1] / manim.config.frame_height) * h
    return int(round(y)), int(round(x))


def ink_across(line, frame, theme=THEMES["light"]) -> int:
    """Pixels that differ from the background along a short cut across the line's middle."""
    direction = line.get_unit_vector()
    normal = np.array([-direction[1], direction[0], 0.0])
    background = np.array(manim.utils.color.ManimColor(theme.background).to_int_rgb())
    marks = set()
    for offset in np.linspace(-0.3, 0.3, 241):
        row, col = to_pixel(line.get_center() + offset * normal, frame)
        if np.abs(frame[row, col] - background).max() > 12:
            marks.add((row, col))
    return len(marks)


def test_edge_colour_and_width_follow_the_weight(tiny, tmp_path):
    state = tiny.at(3.5)
    vmax = palette_for(tiny).weights.vmax
    # The weakest nonzero weight (an exact 0 is drawn dotted instead: tests/test_zero_weights.py)
    state = with_weights(state, {(0, 0, 0): vmax, (0, 0, 1): 1e-12 * vmax, (0, 0, 2): -0.6 * vmax})
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = NetworkDiagram(tiny, palette_for(tiny), width=6, height=6)
        net.set_state(state)
        frame = render_frame(net)
        palette = palette_for(tiny)
        for j in (0, 2):  # the thick edges: their middle pixel is the palette's colour
            line = net.edge_line(0, 0, j)
            expected = palette.weight_rgb(state.weights[0][0, j]) * 255
            row, col = to_pixel(line.get_center(), frame)
            assert np.abs(frame[row, col] - expected).max() <= 4, (j, frame[row, col], expected)
        strong, zero = net.edge_line(0, 0, 0), net.edge_line(0, 0, 1)
        assert zero.get_stroke_width() == pytest.approx(EDGE_WIDTH[0])
        assert strong.get_stroke_width() == pytest.approx(EDGE_WIDTH[1])
        assert ink_across(zero, frame) * 3 <= ink_across(strong, frame)


def test_weight_labels_show_each_edges_weight(tiny):
    net = NetworkDiagram(tiny, palette_for(tiny), weight_labels=True)
    state = tiny.at(5.5)
    net.set_state(state)
    for number, e in zip(net.weight_labels, net.layout.edges):
        assert number.text == f"{state.weights[e.layer][e.i, e.j]:+.2f}".replace("-", "−")


def test_bias_ring_follows_the_bias(seed_history):
    """Wider for a larger |b|; warm for b > 0, cool for b < 0 (the diverging map's two ends), and
    further from the neutral middle for a larger |b|."""
    net = NetworkDiagram(seed_history, palette_for(seed_history))
    state = seed_history.at(seed_history.epochs)
    net.set_state(state)
    b = state.biases[0][0]
    assert (b > 0).any() and (b < 0).any()  # the run this test is about
    rings = [net.neurons[(1, k)] for k in range(len(b))]
    widths = np.array([r.get_stroke_width() for r in rings])
    rgb = np.array([r.get_stroke_rgbas()[0][:3] for r in rings])
    order = np.argsort(np.abs(b))
    assert np.all(np.diff(widths[order]) > 0), "a larger bias gets a wider ring"
    warm = rgb[:, 0] - rgb[:, 2]
    assert np.all(np.sign(warm[np.abs(b) > 0.05]) == np.sign(b[np.abs(b) > 0.05])), "the ring's colour is the sign's"
    strength = np.linalg.norm(rgb - 0.865, axis=1)  # from coolwarm's neutral grey middle
    assert np.all(np.diff(strength[order]) > -1e-3), "a larger bias, a stronger colour"


def test_heatmap_cells_show_their_own_weight(tiny):
    from nnviz_core.numbers import fmt_fixed
    from scenes.mobjects import WeightHeatmap

    state = tiny.at_epoch(tiny.epochs)
    for layer, weight_at in ((0, lambda r: state.weights[0][0, r]), (1, lambda r: state.weights[1][r, 0])):
        heat = WeightHeatmap(tiny, palette_for(tiny), layer)
        heat.set_state(state)
        assert len(heat.values) == 3
        tops = [cell.get_center()[1] for cell in heat.cells]
        assert tops == sorted(tops, reverse=True)  # row r, top to bottom, is hidden unit r
        for r, number in enumerate(heat.values):
            assert number.text == fmt_fixed(weight_at(r), 2, plus=True), (layer, r)


# -- numbers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.0, 1.3, 2.0, 7.999])
def test_epoch_counter_and_loss_show_the_state(tiny, t):
    state = tiny.at(t)
    counter, losses = EpochCounter(tiny, palette_for(tiny)), LossPanel(tiny, palette_for(tiny))
    counter.set_state(state)
    losses.set_state(state)
    assert counter.number.text == str(math.floor(state.epoch + 1e-6))
    assert losses.value.text == fmt_loss(state.loss)
    marker_epoch = losses.plot.points([state.epoch], [state.loss])[0]
    assert np.allclose(losses.marker.get_center(), marker_epoch)


def test_live_numbers_keep_their_place_and_use_a_real_minus():
    from scenes.theme import LiveNumber

    number = LiveNumber(0.5, "{:+.2f}", color="#000000").move_to([1, 2, 0])
    left, height = number.get_left(), number.height
    number.set_value(-0.25)
    assert number.text == "−0.25"
    assert np.allclose(number.get_left(), left, atol=0.05)
    number.scale(0.5).set_value(0.75)  # a panel shrunk to fit: new digits shrink with it
    assert number.height == pytest.approx(height / 2, rel=0.05)


# -- smoothness -------------------------------------------------------------------------------
def panel_snapshot(history, t):
    net, fit, losses = NetworkDiagram(history, palette_for(history)), DataFitPanel(history, palette_for(history)), LossPanel(history, palette_for(history))
    state = history.at(t)
    for panel in (net, fit, losses):
        panel.set_state(state)
    colors = np.array([e.get_stroke_rgbas()[0] for e in net.edges])
    widths = np.array([e.get_stroke_width() for e in net.edges])
    rings = np.array([c.get_stroke_width() for c in net.circles])
    return colors, widths, rings, fit.curve.points.copy(), losses.marker.get_center()


@pytest.mark.parametrize("t", [1.0, 2.0, 2.5])  # epoch boundaries and between them
def test_set_state_moves_only_a_little_in_a_short_time(tiny, t):
    eps = 1e-4
    before, after = panel_snapshot(tiny, t - eps), panel_snapshot(tiny, t + eps)
    for a, b in zip(before, after):
        assert a.shape == b.shape  # fixed-size point sets: nothing is rebuilt
        assert np.abs(a - b).max() < 0.02


# -- configuration ----------------------------------------------------------------------------
def parser_with(**settings) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read_dict({"nnviz": {k: str(v) for k, v in settings.items()}})
    return parser


def test_the_run_comes_from_the_cfg_section(tmp_path):
    history = load_history(parser_with(layers="1,4,1", epochs=3, samples=10), tmp_path / "x.cfg")
    assert history.config.layers == (1, 4, 1)
    assert history.config.epochs == 3


def test_a_bad_setting_stops_with_the_core_message(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        load_history(parser_with(lr="-1"), tmp_path / "bad.cfg")
    assert stop.value.code == 2
    message = capsys.readouterr().err.strip()
    assert "bad.cfg [nnviz] lr -1" in message and "\n" not in message


# -- a real render ----------------------------------------------------------------------------
def manim_command(tmp_path, cfg_text: str, scene: str, *flags):
    cfg = tmp_path / "run.cfg"
    cfg.write_text(cfg_text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "manim", "render", "-ql", *flags, "-c", str(cfg),
                           "--media_dir", str(tmp_path / "media"), "scenes/clips.py", scene],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_a_clip_renders_to_an_mp4_of_the_right_length_and_size(tmp_path):
    av = pytest.importorskip("av")
    settings = "\n".join(f"{k} = {','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in TINY.items())
    done = manim_command(tmp_path, f"[nnviz]\n{settings}\n", "LossCurve")
    assert done.returncode == 0, done.stderr[-2000:]
    video = next((tmp_path / "media").rglob("LossCurve.mp4"))
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        duration = float(container.duration / 1e6)
        assert (stream.width, stream.height) == (854, 480)
    from nnviz_core.chapters import storyboard
    expected = sum(c.seconds for c in storyboard(train(RunConfig(**TINY)), LossCurve.plan))  # its chapters' plan
    assert duration == pytest.approx(expected, abs=0.2)


def test_manim_stops_on_a_bad_cfg_with_one_line_and_status_2(tmp_path):
    done = manim_command(tmp_path, "[nnviz]\nactivation = softmax\n", "LossCurve", "--dry_run")
    assert done.returncode == 2
    assert "[nnviz] activation softmax: choose one of" in done.stderr
    assert "Traceback" not in done.stderr


def test_gradient_bars_follow_the_states_own_largest_gradient(seed_history):
    from scenes.mobjects import GradientBars

    bars = GradientBars(seed_history, palette_for(seed_history), width=5, height=2.4)
    for t in (0.0, 7.3, seed_history.epochs):
        state = seed_history.at(t)
        bars.set_state(state)
        grads = np.concatenate([g.ravel() for g in state.grad_weights])
        largest = float(np.abs(grads).max())
        assert bars.scale_number.text == "±" + fmt_value(largest, 3)
        heights = np.array([bar.get_top()[1] - bar.get_bottom()[1] for bar in bars.rects])
        # Every bar, not only the largest: its share of the largest, on its side of the zero line.
        np.testing.assert_allclose(heights, 1.2 * np.abs(grads) / largest, atol=1e-6)
        zero = bars.zero.get_center()[1]
        ups = np.array([bar.get_center()[1] > zero for bar in bars.rects])
        big = np.abs(grads) > 1e-3 * largest
        assert np.array_equal(ups[big], grads[big] > 0)


def test_loss_panel_shows_huge_losses_of_a_run_that_nearly_diverged():
    # It passes 10⁶ times its start at epoch 6: divergence, kept up to the epoch before.
    history = train(RunConfig(layers=(1, 32, 32, 1), lr=0.7, epochs=10), keep_diverged=True)
    assert history.loss.max() > 1e4  # the run this test is about
    losses = LossPanel(history, palette_for(history))
    assert losses.axis.log
    for t in np.linspace(0, history.epochs, 7):
        state = history.at(t)
        losses.set_state(state)
        assert losses.value.text == fmt_loss(state.loss)
        assert "e+" not in losses.value.text and "e-" not in losses.value.text


# -- truth on runs far from the defaults ----------------------------------------------------------
def scene_xy(plot, points):
    """Data coordinates of scene points on a PlotArea (the inverse of plot.points)."""
    corner = plot.x_axis.get_start()
    ex = (plot.x_axis.get_end() - corner)[0] / (plot.x_span[1] - plot.x_span[0])
    ey = (plot.y_axis.get_end() - corner)[1] / (plot.y_span[1] - plot.y_span[0])
    return (points[:, 0] - corner[0]) / ex + plot.x_span[0], (points[:, 1] - corner[1]) / ey + plot.y_span[0]


def test_the_fit_marks_a_curve_that_leaves_it_with_its_true_value():
    h = train(RunConfig(layers=(1, 64, 1), lr=0.3, epochs=20))
    fit = DataFitPanel(h, palette_for(h))
    state = h.at_epoch(1)  # the spike: predictions up to about 28
    fit.set_state(state)
    top = fit.plot.y_span[1]
    assert state.prediction.max() > top
    assert [m.side for m in fit.marks.shown] == ["above"]
    tip, number = fit.marks.sides["above"]
    assert number.text == "↑" + fmt_value(state.prediction.max()) and tip.get_fill_opacity() == 1
    assert abs(tip.get_top()[1] - fit.point(0, top)[1]) < 0.1
    fit.set_state(h.at_epoch(20))
    assert fit.marks.shown == [] and fit.marks.sides["above"][0].get_fill_opacity() == 0
    _, ys = scene_xy(fit.plot, fit.curve.points)
    assert np.all((ys >= fit.plot.y_span[0] - 1e-6) & (ys <= fit.plot.y_span[1] + 1e-6))


CONTRIBUTION_RUNS = {"1-10-1 relu": RunConfig(epochs=20),
                     "1-8-8-1 tanh": RunConfig(layers=(1, 8, 8, 1), activation="tanh", epochs=20),
                     "1-64-1 relu": RunConfig(layers=(1, 64, 1), lr=0.3, epochs=20),
                     "1-6-1 sigmoid": RunConfig(layers=(1, 6, 1), activation="sigmoid", lr=0.5, epochs=20)}


@pytest.mark.parametrize("name", list(CONTRIBUTION_RUNS))
def test_contribution_curves_are_the_states_numbers(name):
    h = train(CONTRIBUTION_RUNS[name])
    parts = ContributionsPanel(h, palette_for(h), width=6, height=4)
    for t in (0.0, 5.5, h.epochs):
        state = h.at(t)
        parts.set_state(state)
        rows = true_contributions(state, parts.units)
        bias = np.full(len(h.grid), state.biases[-1][0, 0])
        np.testing.assert_allclose(sum(rows) + bias, state.prediction[:, 0], atol=1e-9)  # they add up
        # A minor unit is dashed: its gaps, MINOR_DASH scene units of arc, are at most that wide in x.
        x_per_unit = np.ptp(parts.plot.x_span) / parts.plot.x_axis.get_length()
        gaps = [MINOR_DASH * x_per_unit if style.minor else 0.0 for style in parts.styles] + [0.0, 0.0]
        for curve, values, gap in zip([*parts.unit_curves, parts.bias_line, parts.total],
                                      [*rows, bias, state.prediction[:, 0]], gaps):
            check_curve(manim_pieces(parts.plot, curve), h.grid[:, 0], values, *parts.plot.y_span, where=f"t={t}",
                        gap=gap)
        switches = state.switch_points()[-1]
        shown = [i for i in parts.units if i is not None]
        for mark, index in zip(parts.switch_marks, shown):
            if np.isfinite(switches[index]):
                x, _ = scene_xy(parts.plot, mark.get_center()[None])
                assert mark.get_fill_opacity() == 1 and abs(x[0] - switches[index]) < 1e-6
            else:
                assert mark.get_fill_opacity() == 0
        dead = state.dead_units()[-1]
        for curve, tag, index in zip(parts.unit_curves, parts.dead_tags, parts.units):
            is_dead = index is not None and dead[index]
            assert curve.get_stroke_opacity() == pytest.approx(DEAD_ALPHA if is_dead else 1.0)
            assert tag.get_fill_opacity() == (1.0 if is_dead else 0.0)
    if name == "1-64-1 relu":
        assert parts.names[-1].text == "other55units" and dead.sum() > 0  # Text drops spaces


def test_every_chapter_draws_edges_and_pulses_under_neurons_and_their_labels(deep, tmp_path):
    """After every animation of the lecture, in the order the camera draws: every edge and pulse
    before every neuron, every neuron before every name or number on it."""
    from manim.utils.family import extract_mobject_family_members
    from scenes.theme import Z_LABEL, Z_NEURON

    checked = []

    class Checked(TrainingLecture):
        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            if not hasattr(self, "net"):
                return
            order = extract_mobject_family_members(self.mobjects, use_z_index=True, only_those_with_points=True)
            where = {id(m): k for k, m in enumerate(order)}
            edges = [where[id(e)] for e in self.net.edges if id(e) in where]
            circles = [where[id(c)] for c in self.net.circles if id(c) in where]
            above = [where[id(m)] for m in order if m.z_index >= Z_LABEL]
            if edges and circles:
                assert max(edges) < min(circles), self.chapters[-1]
                below_circles = [k for m in order for k in [where[id(m)]] if m.z_index < Z_NEURON]
                assert max(below_circles) < min(circles)
                assert not above or min(above) > max(circles)
            checked.append(self.chapters[-1])

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Checked(renderer=frameless())
        scene.history = deep
        scene.render()
    assert {"build-the-network", "forward-pass", "backward-pass", "what-each-neuron-computes"} <= set(checked)


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_dead_units_are_crossed_out_in_the_frame_and_edges_keep_their_sign_colour(theme_name, tmp_path):
    """Pixels: a dead unit's neuron shows the cross's ink where a live one shows its fill; on both
    themes the thickest edges are warm for w > 0 and cool for w < 0 (the weight map's two ends)."""
    h = train(RunConfig(layers=(1, 8, 1), lr=0.8, epochs=20, seed=1))
    state = h.at_epoch(h.epochs)
    dead = state.dead_units()[0]
    assert dead.any() and not dead.all()  # the run this test is about
    theme = THEMES[theme_name]
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = NetworkDiagram(h, palette_for(h, theme_name), width=6, height=6)
        net.set_state(state)
        frame = render_frame(net, theme=theme)
        ink = np.array(manim.utils.color.ManimColor(theme.muted_ink).to_int_rgb())
        for k, is_dead in enumerate(dead):
            circle = net.neurons[(1, k)]
            spot = circle.get_center() + 0.5 * circle.width / 2 * np.array([-0.707, -0.707, 0])
            near_ink = np.abs(frame[to_pixel(spot, frame)] - ink).max() <= 40
            assert near_ink == bool(is_dead), (k, is_dead, frame[to_pixel(spot, frame)])
        w = state.weights[1][:, 0]
        for sign, k in ((1, int(np.argmax(w))), (-1, int(np.argmin(w)))):
            line = net.edge_line(1, k, 0)
            r, _, b = frame[to_pixel(line.point_from_proportion(0.3), frame)]
            assert np.sign(int(r) - int(b)) == sign, (theme_name, sign, w[k])
