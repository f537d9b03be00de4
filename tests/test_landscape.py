"""The loss landscape (nnviz_core.landscape): its plane against an independent SVD, its surface
and path against an independent forward pass, the clip, the GIF's pixels and compare's refusal.

Every expected value comes from training (h.at_epoch, h.loss) and plain NumPy written here,
never from the landscape being checked."""
import numpy as np
import pytest

from nnviz_core import RunConfig, train
from nnviz_core.compare import compare
from nnviz_core.errors import NnvizError
from nnviz_core.frontends.cli import main
from nnviz_core.landscape import landscape, share_text, shared_landscape
from nnviz_core.numbers import fmt_loss
from nnviz_core.palette import PATH_LIGHT, THEMES, hex_rgb, sequential_rgb, to_hex
from nnviz_core.timeline import gif_epochs

SMALL = dict(layers=(1, 6, 1), epochs=20, snapshot_every=5, samples=30)


@pytest.fixture(scope="module")
def full():
    return train(RunConfig(**SMALL, lr=0.3))


@pytest.fixture(scope="module")
def penalised_adam():
    """Minibatches (4 steps an epoch), adam, an L2 penalty: every part of the path's rule."""
    return train(RunConfig(**SMALL, optimizer="adam", batch_size=8, lr=0.05, l2=0.01))


def theta(state) -> np.ndarray:
    """The parameters as one vector, each layer's weights then each layer's biases."""
    return np.concatenate([w.ravel() for w in state.weights] + [b.ravel() for b in state.biases])


def loss_of(h, vector) -> float:
    """The training loss (+ L2 penalty) of the ReLU network ``vector``, in plain NumPy."""
    layers, at, ws, bs = h.config.layers, 0, [], []
    for a, b in zip(layers[:-1], layers[1:]):
        ws.append(vector[at:at + a * b].reshape(a, b))
        at += a * b
    for b in layers[1:]:
        bs.append(vector[at:at + b])
        at += b
    x = h.problem.X
    for k, (w, b) in enumerate(zip(ws, bs)):
        x = x @ w + b
        x = np.maximum(x, 0) if k < len(ws) - 1 else x
    return float(np.mean((x - h.problem.y) ** 2) + h.config.l2 * sum(np.sum(w * w) for w in ws))


def test_the_plane_is_orthonormal_and_holds_what_an_svd_of_the_path_says(full):
    land = landscape(full)
    d = land.directions
    np.testing.assert_allclose(d @ d.T, np.eye(2), atol=1e-12)
    final = theta(full.at_epoch(full.epochs))
    D = np.array([theta(full.at_epoch(e)) - final for e in range(full.epochs + 1)])  # every epoch of full batch
    _, s, vt = np.linalg.svd(D, full_matrices=False)
    np.testing.assert_allclose(land.explained, s[:2] ** 2 / np.sum(s ** 2), rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.sum(d * vt[:2], axis=1)), 1.0, atol=1e-9)  # the same directions, up to sign
    np.testing.assert_allclose(land.paths[0].coords, D @ d.T, atol=1e-12)  # each epoch's point is its projection
    assert land.share == pytest.approx(float(np.sum(s[:2] ** 2) / np.sum(s ** 2)))
    assert land.paths[0].coords[0, 0] < 0  # the start on the left


def test_the_path_points_lie_on_the_surface_and_the_surface_is_the_loss(penalised_adam):
    h = penalised_adam
    land = landscape(h)
    path = land.paths[0]
    assert len(path.times) == h.epochs * h.steps + 1  # every step the clock shows, and the last epoch
    final = theta(h.at_epoch(h.epochs))
    for t, c, on_plane, real in zip(path.times, path.coords, path.on_plane, path.real):
        e, s = int(t), round((t - int(t)) * h.steps)
        state = h.at_step(e, s)
        np.testing.assert_allclose(c, (theta(state) - final) @ land.directions.T, atol=1e-12)
        # The surface at the point is the loss of θ_f + coordinates on the plane, not the State's.
        assert on_plane == pytest.approx(loss_of(h, final + c @ land.directions), rel=1e-12)
        assert real == pytest.approx(loss_of(h, theta(state)), rel=1e-12)
        if s == 0:
            assert real == h.loss[e] + h.penalty[e]  # training's own record at its epochs
    # The grid drawn is the same surface, at its points.
    a, b = land.axes
    for row, col in ((0, 0), (7, 30), (40, 40), (20, 11)):
        point = final + np.array([a[col], b[row]]) @ land.directions
        assert land.surface[row, col] == pytest.approx(loss_of(h, point), rel=1e-10)
    s = land.scale  # the colour scale holds every value: nothing is clipped
    values = np.r_[land.surface.ravel(), path.real, path.on_plane]
    assert s.low <= values.min() and values.max() <= s.high


def test_at_the_final_checkpoint_the_surface_is_training_loss_exactly(full, penalised_adam):
    for h in (full, penalised_adam):
        path = landscape(h).paths[0]
        assert np.all(path.coords[-1] == 0.0)
        assert path.on_plane[-1] == h.loss[-1] + h.penalty[-1]
        assert h.penalty[-1] > 0 or h is full


def test_runs_of_one_network_share_one_plane():
    runs = compare(RunConfig(**SMALL), "optimizer", ["sgd", "adam"])
    land = shared_landscape(runs.histories, runs.labels)
    sgd, adam = land.paths
    assert np.all(sgd.coords[-1] == 0.0) and sgd.on_plane[-1] == runs.histories[0].loss[-1]
    np.testing.assert_allclose(sgd.coords[0], adam.coords[0], atol=1e-12)  # one start: the same first weights
    final = theta(runs.histories[0].at_epoch(20))
    D = np.array([theta(h.at_epoch(e)) - final for h in runs.histories for e in range(21)])
    s = np.linalg.svd(D, compute_uv=False)
    assert land.share == pytest.approx(float(np.sum(s[:2] ** 2) / np.sum(s ** 2)), rel=1e-9)


@pytest.mark.parametrize("field, values, said", [("layers", ["1,4,1", "1,8,1"], "layers"),
                                                 ("activation", ["relu", "tanh"], "activation"),
                                                 ("l2", ["0", "0.01"], "penalty")])
def test_runs_that_differ_in_their_loss_are_refused_in_one_line(field, values, said, tmp_path, capsys):
    (tmp_path / "empty.cfg").touch()
    out = tmp_path / "x.gif"
    spec = f"{field}={'|'.join(values)}"
    code = main(["gif", "--compare", spec, "--panels", "landscape", "--epochs", "3", "--samples", "16", "--dpi",
                 "20", "--jobs", "1", "--out", str(out), "--config", str(tmp_path / "empty.cfg")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and said in err and "landscape" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "empty.cfg"]


def test_a_gif_frame_shows_the_path_and_a_dot_of_training_loss(tmp_path):
    """The GIF's own pixels: at the dot, the colour of training's loss (not the plane's there);
    on the path behind it, the path's light core."""
    from nnviz_core.dashboard import Dashboard

    config = {**SMALL, "epochs": 10, "optimizer": "momentum", "batch_size": 8, "lr": 0.1}
    h = train(RunConfig(**config))
    (tmp_path / "empty.cfg").touch()
    out = tmp_path / "land.gif"
    flags = [f"--{k.replace('_', '-')}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in config.items()]
    assert main(["gif", "--panels", "landscape", "--dpi", "80", "--jobs", "1", "--out", str(out),
                 "--config", str(tmp_path / "empty.cfg"), *flags]) == 0
    land = landscape(h)
    panel = Dashboard(h, panels=("landscape",), dpi=80).panels["landscape"]  # the GIF's layout, to find pixels
    ax, s, theme = panel.ax, land.scale, THEMES["light"]
    from PIL import Image
    with Image.open(out) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")).astype(int))

    def at(frame, a, b):
        x, y = ax.transData.transform((a, b))
        return frame[int(round(frame.shape[0] - y)), int(round(x))]

    start = land.paths[0]
    truth = sequential_rgb(h.loss[0], s.low, s.high, s.log, theme) * 255
    plane = sequential_rgb(start.on_plane[0], s.low, s.high, s.log, theme) * 255
    assert np.abs(truth - plane).max() > 40  # the projection loses something here: the check can tell them apart
    assert np.abs(at(frames[0], *start.coords[0]) - truth).max() <= 14  # the GIF's 256 colours
    # The last frame's path runs through epoch 2's point, far from the dot.
    assert gif_epochs(h)[0][-1] == h.epochs == 10
    e2 = int(np.flatnonzero(np.isclose(start.times, 2.0))[0])
    x, y = ax.transData.transform(start.coords[e2])
    row, col = int(round(frames[-1].shape[0] - y)), int(round(x))
    near = frames[-1][row - 1:row + 2, col - 1:col + 2].reshape(-1, 3)
    assert np.abs(near - hex_rgb(PATH_LIGHT) * 255).max(axis=1).min() <= 30


def test_the_clip_shows_the_runs_path_and_says_its_numbers(penalised_adam, tmp_path):
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from scenes.clips import LossLandscape

    h = penalised_adam
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = LossLandscape(renderer=CairoRenderer(skip_animations=True))
        scene.history = h
        scene.render()
    assert scene.chapters == ["loss-landscape", "the-path", "landscape-end"]
    panel, land = scene.landscape_panel, landscape(h)
    own, coords, real, plane = panel.shown[0]
    assert own.epoch == h.epochs and real == h.loss[-1] + h.penalty[-1] and np.all(coords == 0)
    np.testing.assert_allclose(panel.dots[0].get_center(), panel.point(0.0, 0.0), atol=1e-9)
    assert [n.text for n in panel.values] == [fmt_loss(real), fmt_loss(plane)]
    # Part way: the dot at the epoch's own projection, filled with training's loss there.
    final = theta(h.at_epoch(h.epochs))
    for e in (3, 11):
        panel.set_state(h.at_epoch(e))
        where = (theta(h.at_epoch(e)) - final) @ land.directions.T
        np.testing.assert_allclose(panel.dots[0].get_center(), panel.point(*where), atol=1e-9)
        s = land.scale
        truth = sequential_rgb(h.loss[e] + h.penalty[e], s.low, s.high, s.log, THEMES["light"])
        assert panel.dots[0][-1].get_fill_color().to_hex().lower() == to_hex(truth)
        assert panel.values[0].text == fmt_loss(h.loss[e] + h.penalty[e])
    words = " ".join(c.narration for c in scene.storyboard.values())
    total = h.loss + h.penalty
    assert share_text(land.share) in words and fmt_loss(total[0]) in words and fmt_loss(total[-1]) in words
    assert fmt_loss(land.paths[0].on_plane[0]) in words  # and what the plane reads at the start


def test_the_clip_puts_a_comparisons_runs_on_one_plane(tmp_path, capsys):
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from scenes.clips import LossLandscape

    runs = compare(RunConfig(**SMALL), "optimizer", ["sgd", "momentum"])
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = LossLandscape(renderer=CairoRenderer(skip_animations=True))
        scene.comparison = runs
        scene.render()
    panel = scene.landscape_panel
    from manim import config
    assert panel.readout.get_right()[0] <= config.frame_x_radius  # "momentum" widens the table: still in the frame
    final = theta(runs.histories[0].at_epoch(20))
    for k, h in enumerate(runs.histories):
        own, coords, real, plane = panel.shown[k]
        assert real == h.loss[-1]
        np.testing.assert_allclose(coords, (theta(h.at_epoch(20)) - final) @ panel.land.directions.T, atol=1e-12)
        assert panel.values[2 * k].text == fmt_loss(h.loss[-1])
    words = scene.storyboard["landscape-end"].narration
    assert all(f"{share_text(p.explained)} of {v}'s path" in words for v, p in zip(runs.values, panel.land.paths))
    (tmp_path / "empty.cfg").touch()
    assert main(["script", "LossLandscape", "--compare", "optimizer=sgd,momentum", "--epochs", "20", "--samples", "30",
                 "--layers", "1,6,1", "--config", str(tmp_path / "empty.cfg")]) == 0
    assert share_text(panel.land.share) in capsys.readouterr().out


def test_the_path_reads_on_every_colour_of_the_map():
    from nnviz_core.palette import contrast, path_strokes, sequential_colours, to_hex

    for theme in THEMES.values():
        for core in (theme.path, *theme.unit_colours[:4]):
            casing, edge = path_strokes(core)
            assert contrast(core, casing) >= 3.0, (theme.name, core)
            assert min(max(contrast(casing, to_hex(c)), contrast(edge, to_hex(c))) for c in sequential_colours(theme)) >= 4.0


def test_a_flat_surface_gets_the_colours_of_its_own_range():
    """A 3-class run that barely learns: its surface spans 1.07 to 1.14. From 0, it was one colour
    with no contour line; its own range gives it the whole map, and ticks that differ."""
    from nnviz_core.landscape import level_text, nice_levels

    h = train(RunConfig(dataset="spiral", classes=3, features=("x1", "x2"), layers=(2, 6, 3), epochs=20,
                        snapshot_every=5, samples=30, activation="tanh", lr=0.05))
    land = landscape(h)
    s, path = land.scale, land.paths[0]
    values = np.r_[land.surface.ravel(), path.real, path.on_plane]
    assert not s.log and s.low <= values.min() and values.max() <= s.high
    assert s.high - s.low <= 1.2 * (values.max() - values.min())
    assert len(land.contours()) >= 2
    ticks = [level_text(v, nice_levels(s.low, s.high)) for v in nice_levels(s.low, s.high)]
    assert len(set(ticks)) == len(ticks) >= 3
    assert level_text(1.0675, np.array([1.067, 1.0675])) == "1.0675" and level_text(2.0, np.array([1.5, 2.0])) == "2"


def test_a_comparisons_gif_keeps_its_notes_and_title_clear_in_the_figure():
    """The notes under the shared plane were cut at the figure's foot (tight_layout leaves them
    out), and a diverged run's dot waiting on the top edge sat on the title."""
    from nnviz_core.dashboard.compare import LandscapeCompareDashboard

    runs = compare(RunConfig(**SMALL), "lr", ["0.05", "0.3", "30"])
    assert runs.histories[2].diverged_at is not None
    d = LandscapeCompareDashboard(runs, dpi=40)
    d.render_rgb(runs.clock().at_epoch(20))
    renderer, panel = d.fig.canvas.get_renderer(), d.panels[0]
    assert min(t.get_window_extent(renderer).y0 for t in panel.ax.texts) >= 0
    under, _ = panel.dots[2]
    assert not panel.land.inside(panel.shown[2][1])  # the diverged run's dot waits on the edge
    radius = (under.get_markersize() + under.get_markeredgewidth()) / 2 * d.fig.dpi / 72
    assert panel.title.get_window_extent(renderer).y0 >= panel.ax.bbox.y1 + radius  # on the top edge, clear


def test_the_words_never_round_a_share_to_0_or_100_percent_it_is_not():
    """A diverged run's path (kept with --keep-diverged) is nearly a line: the plane held "> 99.9 %"
    and "the other 0.0 %" lay off it. One epoch's path lies wholly in the plane."""
    from nnviz_core.landscape import left_out_words

    assert share_text(0.99999) == "> 99.9\u00a0%" and share_text(1e-5) == "< 0.1\u00a0%"
    assert share_text(0.0) == "0.0\u00a0%" and share_text(0.5) == "50.0\u00a0%"
    assert "< 0.1" in left_out_words(landscape(train(RunConfig(**SMALL, lr=3.0), keep_diverged=True)))
    one = landscape(train(RunConfig(**{**SMALL, "epochs": 1})))
    assert one.share == pytest.approx(1.0) and left_out_words(one).startswith("nothing lies off the plane")
