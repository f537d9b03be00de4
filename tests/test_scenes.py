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
from manim import Scene, tempconfig  # noqa: E402
from manim.renderer.cairo_renderer import CairoRenderer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core.palette import BACKGROUND, Palette  # noqa: E402
from scenes.clips import Backpropagation, FitEvolves, ForwardPass, LossCurve, WeightsEvolve  # noqa: E402
from scenes.dashboard import DashboardLecture  # noqa: E402
from scenes.mobjects import DataFitPanel, EpochCounter, LossPanel, NetworkDiagram  # noqa: E402
from scenes.mobjects.network import EDGE_WIDTH  # noqa: E402
from scenes.run import load_history  # noqa: E402
from scenes.training import TrainingLecture  # noqa: E402

TINY = dict(layers=(1, 3, 1), epochs=8, snapshot_every=2, samples=16)
# TrainingLecture has its own, stricter test below.
OTHER_SCENES = [DashboardLecture, ForwardPass, Backpropagation, WeightsEvolve, FitEvolves, LossCurve]


@pytest.fixture(scope="module")
def tiny():
    return train(RunConfig(**TINY))


@pytest.fixture(scope="module")
def deep():
    return train(RunConfig(layers=(1, 4, 3, 1), activation="tanh", epochs=6, snapshot_every=2, samples=16))


@pytest.mark.parametrize("scene_class", OTHER_SCENES, ids=lambda c: c.__name__)
def test_every_scene_runs_with_a_tiny_run(scene_class, tiny, tmp_path):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path)}):
        scene = scene_class(renderer=CairoRenderer(skip_animations=True))
        scene.history = tiny
        scene.render()
    assert scene.chapters, "every scene marks its chapters"
    assert all(name == name.lower() and " " not in name for name in scene.chapters)


def test_training_lecture_tells_the_story_in_order(tiny, tmp_path):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path)}):
        scene = TrainingLecture(renderer=CairoRenderer(skip_animations=True))
        scene.history = tiny
        scene.render()
    assert scene.chapters == ["title", "build-the-network", "forward-pass", "loss-for-one-sample",
                              "backward-pass", "weight-update", "training-montage", "summary"]
    assert scene.clock.get_value() == len(tiny) - 1  # the montage ends on the last snapshot


def test_the_steps_handle_a_deep_tanh_network(deep, tmp_path):
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path)}):
        scene = Backpropagation(renderer=CairoRenderer(skip_animations=True))
        scene.history = deep
        scene.render()
    assert len(scene.net.edges) == 4 + 12 + 3
    assert scene.counter.number.text == str(deep.snapshot_epochs[1])  # the update ran to snapshot 1


# -- pixels -----------------------------------------------------------------------------------
def with_weights(state, changes):
    """The State with some weights replaced: {(layer, i, j): value}."""
    weights = [w.copy() for w in state.weights]
    for (layer, i, j), value in changes.items():
        weights[layer][i, j] = value
    return dataclasses.replace(state, weights=weights)


def render_frame(*mobjects) -> np.ndarray:
    scene = Scene()
    scene.camera.background_color = BACKGROUND
    scene.add(*mobjects)
    scene.renderer.update_frame(scene)
    return scene.renderer.get_frame()[:, :, :3].astype(int)  # (H, W, RGB)


def to_pixel(point, frame) -> tuple[int, int]:
    h, w = frame.shape[:2]
    x = (point[0] / manim.config.frame_width + 0.5) * w
    y = (0.5 - point[1] / manim.config.frame_height) * h
    return int(round(y)), int(round(x))


def ink_across(line, frame) -> int:
    """Pixels that differ from the background along a short cut across the line's middle."""
    direction = line.get_unit_vector()
    normal = np.array([-direction[1], direction[0], 0.0])
    background = np.array(manim.utils.color.ManimColor(BACKGROUND).to_int_rgb())
    marks = set()
    for offset in np.linspace(-0.3, 0.3, 241):
        row, col = to_pixel(line.get_center() + offset * normal, frame)
        if np.abs(frame[row, col] - background).max() > 12:
            marks.add((row, col))
    return len(marks)


def test_edge_colour_and_width_follow_the_weight(tiny, tmp_path):
    state = tiny.at(1.5)
    vmax = Palette.for_history(tiny).weights.vmax
    state = with_weights(state, {(0, 0, 0): vmax, (0, 0, 1): 0.0, (0, 0, 2): -0.6 * vmax})
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = NetworkDiagram(tiny, width=6, height=6)
        net.set_state(state)
        frame = render_frame(net)
        palette = Palette.for_history(tiny)
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
    net = NetworkDiagram(tiny, weight_labels=True)
    state = tiny.at(2.5)
    net.set_state(state)
    for number, e in zip(net.weight_labels, net.layout.edges):
        assert number.text == f"{state.weights[e.layer][e.i, e.j]:+.2f}".replace("-", "−")


def test_bias_ring_follows_the_bias(tiny):
    net = NetworkDiagram(tiny)
    state = tiny.at(len(tiny) - 1)
    net.set_state(state)
    b = state.biases[0][0]
    widest = int(np.argmax(np.abs(b)))
    assert net.neurons[(1, widest)].get_stroke_width() == pytest.approx(max(
        c.get_stroke_width() for c in net.layer_neurons(1)))


# -- numbers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.0, 1.3, 2.0, 3.999])
def test_epoch_counter_and_loss_show_the_state(tiny, t):
    state = tiny.at(t)
    counter, losses = EpochCounter(tiny), LossPanel(tiny)
    counter.set_state(state)
    losses.set_state(state)
    assert counter.number.text == str(math.floor(state.epoch + 1e-6))
    assert losses.value.text == f"{state.loss:.4f}"
    marker_epoch = losses.plot.points([state.epoch], [state.loss])[0]
    assert np.allclose(losses.marker.get_center(), marker_epoch)


def test_live_numbers_keep_their_place_and_use_a_real_minus():
    from scenes.theme import LiveNumber

    number = LiveNumber(0.5, "{:+.2f}").move_to([1, 2, 0])
    left, height = number.get_left(), number.height
    number.set_value(-0.25)
    assert number.text == "−0.25"
    assert np.allclose(number.get_left(), left, atol=0.05)
    number.scale(0.5).set_value(0.75)  # a panel shrunk to fit: new digits shrink with it
    assert number.height == pytest.approx(height / 2, rel=0.05)


# -- smoothness -------------------------------------------------------------------------------
def panel_snapshot(history, t):
    net, fit, losses = NetworkDiagram(history), DataFitPanel(history), LossPanel(history)
    state = history.at(t)
    for panel in (net, fit, losses):
        panel.set_state(state)
    colors = np.array([e.get_stroke_rgbas()[0] for e in net.edges])
    widths = np.array([e.get_stroke_width() for e in net.edges])
    rings = np.array([c.get_stroke_width() for c in net.circles])
    return colors, widths, rings, fit.curve.points.copy(), losses.marker.get_center()


@pytest.mark.parametrize("t", [1.0, 2.0, 2.5])  # snapshot boundaries and between them
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
    expected = 1 + 0.5 + LossCurve.run_time + 2  # fade in, pause, montage, hold
    assert duration == pytest.approx(expected, abs=0.2)


def test_manim_stops_on_a_bad_cfg_with_one_line_and_status_2(tmp_path):
    done = manim_command(tmp_path, "[nnviz]\nactivation = softmax\n", "LossCurve", "--dry_run")
    assert done.returncode == 2
    assert "[nnviz] activation softmax: choose one of" in done.stderr
    assert "Traceback" not in done.stderr


def test_gradient_bars_follow_the_states_own_largest_gradient(seed_history):
    from scenes.mobjects import GradientBars

    bars = GradientBars(seed_history, width=5, height=2.4)
    for t in (0.0, 7.3, len(seed_history) - 1):
        state = seed_history.at(t)
        bars.set_state(state)
        grads = np.concatenate([g.ravel() for g in state.grad_weights])
        largest = float(np.abs(grads).max())
        assert bars.scale_number.text == f"{largest:.4f}"
        heights = [bar.get_top()[1] - bar.get_bottom()[1] for bar in bars.bars]
        assert max(heights) == pytest.approx(1.2, abs=1e-6)  # the largest reaches the panel's edge
        k = int(np.argmax(np.abs(grads)))
        assert heights[k] == pytest.approx(1.2, abs=1e-6)


def test_loss_panel_shows_huge_losses_of_a_run_that_nearly_diverged():
    history = train(RunConfig(layers=(1, 32, 32, 1), lr=0.7, epochs=10))
    assert history.loss.max() > 1e6  # the run this test is about
    losses = LossPanel(history)
    for t in np.linspace(0, len(history) - 1, 7):
        state = history.at(t)
        losses.set_state(state)
        assert losses.value.text == f"{state.loss:.4f}"
