"""`nnviz gif`: the classic dashboard, its fixed defects, its options and its errors.

Small dpi and short runs keep this fast; nothing here needs /work/shared.
"""
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnviz_core import RunConfig, train
from nnviz_core.frontends.cli import main
from nnviz_core.numbers import fmt_value
from nnviz_core.dashboard import FIGSIZE, Dashboard, sign_colours
from nnviz_core.dashboard.heatmap import MIN_CELL_PT
from nnviz_core.frontends.gif import iter_frames
from nnviz_core.palette import DEAD_ALPHA, text_color_on
from nnviz_core.panels import CLASSIC
from nnviz_core.timeline import gif_epochs
from matplotlib.colors import to_hex

from drawn import check_curve, mpl_pieces, true_contributions

DPI = 30



def empty_cfg(folder):
    """A cfg file with no [nnviz] section: the defaults, whatever ./manim.cfg says."""
    path = folder / "empty.cfg"
    path.touch()
    return path

def gif(tmp_path, *args, name="out.gif"):
    out = tmp_path / name
    code = main(["gif", "--out", str(out), "--dpi", str(DPI), "--jobs", "1",
                 "--config", str(empty_cfg(tmp_path)), *args])
    return code, out


def pixel(rgb_image, ax, x, y):
    """The image's colour at data point (x, y) of ax (display y grows upward, rows downward)."""
    px, py = ax.transData.transform((x, y))
    return rgb_image[int(round(rgb_image.shape[0] - py)), int(round(px))].astype(int)


def gif_frame(path, k) -> np.ndarray:
    with Image.open(path) as im:
        im.seek(k)
        return np.asarray(im.convert("RGB"))


@pytest.fixture(scope="module")
def dashboard(seed_history):
    return Dashboard(seed_history, dpi=DPI)


def test_default_gif_has_one_frame_per_snapshot_at_the_seed_size_and_2_fps(tmp_path, capsys):
    code, out = gif(tmp_path)
    assert code == 0
    with Image.open(out) as im:
        assert im.n_frames == 21
        assert im.size == (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI)
        assert im.info["duration"] == 500 and im.info["loop"] == 0
    assert "21 frames" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.cfg", "out.gif"]  # no temp file left


def test_edge_and_heatmap_pixels_have_the_palette_colour_of_their_weight(tmp_path, seed_history):
    h = seed_history
    frames = list(iter_frames(h, [0, h.epochs], CLASSIC, DPI, jobs=1))
    out = tmp_path / "two.gif"
    frames[0].save(out, save_all=True, append_images=frames[1:])
    rgb = gif_frame(out, 1)
    d = Dashboard(h, dpi=DPI)
    state = h.at_epoch(h.epochs)
    d.update(state)
    net = d.panels["network"]
    # The thickest input->hidden edge, 20% along its length (clear of the value labels).
    line, edge = max((e for e in net.edges if e[1].layer == 0),
                     key=lambda e: abs(state.weights[0][e[1].i, e[1].j]))
    (x0, y0), (x1, y1) = line.get_xydata()
    expected = d.palette.weight_rgb(state.weights[0][edge.i, edge.j]) * 255
    got = pixel(rgb, net.ax, x0 + 0.2 * (x1 - x0), y0 + 0.2 * (y1 - y0))
    assert np.abs(got - expected).max() <= 16, (got, expected)
    # A heatmap cell, beside its value text: input->hidden row r shows w1[0, r].
    ax = d.axes["weights_in"]
    for r in range(h.config.layers[1]):
        expected = d.palette.weight_rgb(state.weights[0][0, r]) * 255
        assert np.abs(pixel(rgb, ax, 0.4, r) - expected).max() <= 16


def test_each_frame_shows_the_epoch_and_loss_of_its_own_state(dashboard, seed_history):
    h = seed_history
    for epoch in gif_epochs(h)[0]:
        state = h.at_epoch(epoch)
        dashboard.update(state)
        fit_title = dashboard.axes["fit"].get_title()
        assert f"Epoch {epoch})" in fit_title and f"Loss: {h.loss[epoch]:.4f}" in fit_title
        assert f"(Epoch {epoch})" in dashboard.axes["network"].get_title()
        loss = dashboard.panels["loss"]
        assert list(loss.marker.get_xdata()) == [epoch] and list(loss.marker.get_ydata()) == [h.loss[epoch]]
        assert np.array_equal(dashboard.panels["fit"].line.get_ydata(), state.prediction[:, 0])


def test_colour_norm_is_symmetric_and_fixed_over_the_run(dashboard, seed_history):
    h = seed_history
    vmax = h.largest("weights")
    for epoch in (0, h.epochs):
        dashboard.update(h.at_epoch(epoch))
        for name in ("weights_in", "weights_out"):
            norm = dashboard.axes[name].images[0].norm
            assert (norm.vmin, norm.vmax) == (-vmax, vmax)


def test_heatmap_text_colour_follows_the_cell_luminance(dashboard, seed_history):
    dashboard.update(seed_history.at_epoch(seed_history.epochs))
    colours = set()
    for name in ("weights_in", "weights_out"):
        panel = dashboard.panels[name]
        data = panel.image.get_array()
        for r, c, text in panel.cells:
            assert text.get_color() == text_color_on(dashboard.palette.weight_rgb(data[r, c]))
            colours.add(text.get_color())
    assert colours == {"#000000", "#ffffff"}  # the default run has dark and light cells


@pytest.mark.parametrize("width", [16, 64])
def test_heatmaps_write_values_only_in_cells_that_hold_them_and_always_have_a_colour_bar(width):
    d = Dashboard(train(RunConfig(layers=(1, width, 1), epochs=3)), dpi=DPI)
    renderer = d.fig.canvas.get_renderer()
    for name in ("weights_in", "weights_out"):
        panel = d.panels[name]
        box = panel.ax.get_window_extent(renderer)
        rows, cols = panel.image.get_array().shape
        cell_pt = (box.width / cols * 72 / DPI, box.height / rows * 72 / DPI)
        fits = cell_pt[0] >= MIN_CELL_PT[0] and cell_pt[1] >= MIN_CELL_PT[1]
        assert bool(panel.cells) == (fits and rows * cols <= 64)
        assert panel.image.colorbar is not None


def test_bias_legend_shows_the_colours_the_bars_are_drawn_in(dashboard, seed_history):
    dashboard.update(seed_history.at_epoch(seed_history.epochs))
    biases = dashboard.panels["biases"]
    legend = {t.get_text(): to_hex(p.get_facecolor())
              for t, p in zip(biases.legend.get_texts(), biases.legend.get_patches())}
    negative, positive = sign_colours(dashboard.palette.theme)
    assert legend == {"positive bias": to_hex(positive), "negative bias": to_hex(negative)}
    drawn = {to_hex(bar.get_facecolor()) for bar in biases.rects}
    assert drawn == set(legend.values())  # the last frame has biases of both signs
    for bar in biases.rects:
        sign = "negative bias" if bar.get_height() < 0 else "positive bias"
        assert to_hex(bar.get_facecolor()) == legend[sign]


def test_note_sign_markers_and_flow_labels_do_not_cover_anything(dashboard, seed_history):
    dashboard.render_rgb(seed_history.at_epoch(0))  # text boxes find their place when drawn
    renderer = dashboard.fig.canvas.get_renderer()
    net = dashboard.panels["network"]
    note = net.note.get_window_extent(renderer)
    for name, ax in dashboard.axes.items():
        if name != "network":
            assert not note.overlaps(ax.get_window_extent(renderer)), name
            assert not note.overlaps(ax.get_tightbbox(renderer)), name
    flow = [t.get_bbox_patch().get_window_extent(renderer) for t in net.flow_texts]
    signs = [t.get_bbox_patch().get_window_extent(renderer) for t, _ in net.signs]
    assert len(flow) == len(signs) == 10 and all(t.get_visible() for t, _ in net.signs)
    assert not any(s.overlaps(f) for s in signs for f in flow)


def test_gradients_are_per_weight_and_named_like_the_video(dashboard, seed_history):
    state = seed_history.at_epoch(15)
    dashboard.update(state)
    grads = dashboard.panels["gradients"]
    labels = [t.get_text() for t in grads.ax.get_xticklabels()]
    assert labels == [f"w1[{i}]" for i in range(1, 11)] + [f"w2[{i}]" for i in range(1, 11)]
    values = np.r_[state.grad_weights[0].ravel(), state.grad_weights[1].ravel()]
    largest = np.abs(values).max()
    heights = np.array([bar.get_height() for bar in grads.rects])
    np.testing.assert_allclose(heights * largest, values, rtol=1e-12)  # bars: a share of the largest
    assert f"largest |∂L/∂w| = {fmt_value(largest)}" in grads.title.get_text()
    assert grads.ax.get_ylim() == (-1.45, 1.45)  # one axis for every frame: it is drawn once
    scale = 10.0 ** -3 if "×10⁻³" in grads.title.get_text() else 1.0
    for text, v in zip(grads.labels, values):  # each label is the bar's value, in the title's unit
        assert abs(float(text.get_text().replace("−", "-")) * scale - v) <= 0.06 * scale
        assert "e-" not in text.get_text() and "e+" not in text.get_text()


def test_wide_gradients_are_one_norm_per_matrix_on_a_readable_scale():
    h = train(RunConfig(layers=(1, 32, 32, 1), epochs=20))
    d = Dashboard(h, dpi=DPI)
    state = h.at_epoch(20)
    d.update(state)
    grads = d.panels["gradients"]
    assert len(grads.rects) == 3 and "norm of each matrix" in grads.title.get_text()
    norms = np.array([np.linalg.norm(g) for g in state.grad_weights])
    np.testing.assert_allclose([r.get_height() for r in grads.rects], norms / norms.max(), rtol=1e-12)
    assert f"largest ‖∂L/∂W‖ = {fmt_value(norms.max())}" in grads.title.get_text()


def test_fit_curve_is_drawn_on_the_dense_grid(dashboard, seed_history):
    h = seed_history
    dashboard.update(h.at_epoch(10))
    line = dashboard.panels["fit"].line
    assert len(line.get_xdata()) == len(h.grid) > len(h.X)
    assert np.array_equal(line.get_ydata(), h.at_epoch(10).prediction[:, 0])


def test_a_wild_first_guess_is_marked_where_it_leaves_the_plot():
    h = train(RunConfig(layers=(1, 64, 1), lr=0.3, epochs=20))
    d = Dashboard(h, dpi=DPI)
    fit = d.panels["fit"]
    state = h.at_epoch(1)  # the spike: predictions up to about 28
    d.update(state)
    low, high = fit.ax.get_ylim()
    assert state.prediction.max() > high
    tip, text = fit.marks.artists["above"]
    assert tip.get_visible() and text.get_text() == f"↑{fmt_value(state.prediction.max())}"
    assert list(tip.get_ydata()) == [high]
    d.update(h.at_epoch(20))
    assert not fit.marks.artists["above"][0].get_visible()
    assert d.panels["loss"].ax.get_yscale() == "log"


@pytest.mark.parametrize("config", [RunConfig(epochs=20), RunConfig(layers=(1, 8, 8, 1), activation="tanh", epochs=20),
                                    RunConfig(layers=(1, 64, 1), lr=0.3, epochs=20),
                                    RunConfig(layers=(1, 6, 1), activation="sigmoid", lr=0.5, epochs=20)],
                         ids=["1-10-1", "1-8-8-1-tanh", "1-64-1", "1-6-1-sigmoid"])
def test_contributions_panel_draws_the_states_numbers(config):
    h = train(config)
    d = Dashboard(h, panels=("fit", "contributions"), dpi=DPI)
    panel = d.panels["contributions"]
    for t in (0, 13, h.epochs):
        state = h.at_epoch(t)
        d.update(state)
        rows = true_contributions(state, [index for _, index, _ in panel.units])
        bias = np.full(len(h.grid), state.biases[-1][0, 0])
        np.testing.assert_allclose(sum(rows) + bias, state.prediction[:, 0], atol=1e-9)  # they add up
        low, high = panel.ax.get_ylim()
        for line, values in zip([*panel.lines, panel.bias, panel.total], [*rows, bias, state.prediction[:, 0]]):
            check_curve(mpl_pieces(line), h.grid[:, 0], values, low, high, where=f"epoch {t}")
        switches = state.switch_points()[-1]
        for tick, index in panel.switches:
            xs = tick.get_xdata()
            assert (list(xs) == [switches[index]]) if np.isfinite(switches[index]) else len(xs) == 0
        dead = state.dead_units()[-1]
        for line, (_, index, _) in zip(panel.lines, panel.units):
            is_dead = index is not None and dead[index]
            assert line.get_alpha() == (DEAD_ALPHA if is_dead else 1.0)
    if config.layers == (1, 64, 1):
        assert panel.units[-1][0] == "other 55 units" and dead.sum() > 0


def test_other_architectures_draw(tmp_path):
    code, out = gif(tmp_path, "--layers", "1,8,8,1", "--activation", "tanh", "--epochs", "10")
    assert code == 0
    with Image.open(out) as im:
        assert im.n_frames == 3
    code, out = gif(tmp_path, "--layers", "1,32,1", "--epochs", "10", name="wide.gif")
    assert code == 0


def test_deep_and_wide_networks_say_what_they_show():
    deep = Dashboard(train(RunConfig(layers=(1, 8, 8, 1), activation="tanh", epochs=5)), dpi=DPI)
    assert "first of 3" in deep.axes["weights_in"].get_title()
    assert "last of 3" in deep.axes["weights_out"].get_title()
    wide = Dashboard(train(RunConfig(layers=(1, 32, 1), epochs=5)), dpi=DPI)
    texts = [t.get_text() for t in wide.axes["network"].texts]
    assert any("⋮" in t and "more" in t for t in texts)


def test_smooth_adds_frames_at_real_epochs(tmp_path):
    code, out = gif(tmp_path, "--epochs", "10", "--smooth", "4")  # checkpoints 0, 5, 10
    assert code == 0
    with Image.open(out) as im:
        assert im.n_frames == 11  # every epoch: the epochs between checkpoints are real ones


def test_an_oscillating_run_gets_a_frame_for_every_rising_epoch_and_says_so(tmp_path):
    h = train(RunConfig(lr=0.9, epochs=60))
    epochs, _ = gif_epochs(h)
    assert len(epochs) > len(h.checkpoint_epochs)
    d = Dashboard(h, dpi=DPI)
    note = d.panels["network"].note.get_text()
    assert "What happened:" in note and "oscillated" in note


def test_panels_choose_a_subset(tmp_path):
    code, out = gif(tmp_path, "--epochs", "5", "--panels", "network")
    assert code == 0
    with Image.open(out) as im:
        assert im.size == (round(FIGSIZE[0] / 3 * DPI), round(FIGSIZE[1] * 2 / 3 * DPI))
    assert gif(tmp_path, "--epochs", "5", "--panels", "fit,contributions", name="two.gif")[0] == 0
    code, out = gif(tmp_path, "--epochs", "5", "--panels", "all", name="all.gif")  # the landscape: a fourth column
    assert code == 0 and Image.open(out).size == (round(FIGSIZE[0] / 3 * 4 * DPI), FIGSIZE[1] * DPI)


def test_renders_a_saved_run(tmp_path, capsys):
    run = tmp_path / "run.npz"
    assert main(["train", "--epochs", "10", "--config", str(empty_cfg(tmp_path)), "--out", str(run)]) == 0
    code, out = gif(tmp_path, "--run", str(run))
    assert code == 0 and Image.open(out).n_frames == 3
    code, fresh = gif(tmp_path, "--epochs", "10", name="fresh.gif")
    assert code == 0
    for k in range(3):  # the saved run draws exactly what a fresh run with its config draws
        assert np.array_equal(gif_frame(out, k), gif_frame(fresh, k))


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "nnviz_core.frontends.cli", "gif", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_unwritable_out_is_one_line_exit_2_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    result = run_cli("--out", str(blocker / "x.gif"), "--epochs", "2", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot write" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


@pytest.mark.parametrize("flag, value", [("--fps", "0"), ("--fps", "fast"), ("--dpi", "5"),
                                         ("--every", "0"), ("--smooth", "-1"), ("--panels", "nope")])
def test_bad_option_values_name_the_flag(tmp_path, capsys, flag, value):
    code, out = gif(tmp_path, flag, value)
    err = capsys.readouterr().err
    assert code == 2 and flag in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_frames_too_big_for_memory_are_refused_before_training(tmp_path, capsys, monkeypatch):
    from nnviz_core import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 200_000_000)  # fits the run, not 300 dpi
    monkeypatch.setattr("nnviz_core.runs.train", lambda *args, **kw: pytest.fail("trained first"))
    code, out = gif(tmp_path, "--dpi", "300", "--jobs", "2")
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--dpi" in err and "--jobs" in err and "MB" in err
    assert not out.exists()


# -- each bar and cell is its own number (expected values straight from the weights and biases) --
def test_bias_bars_are_each_units_own_bias(dashboard, seed_history):
    for epoch in (0, 40, seed_history.epochs):
        state = seed_history.at_epoch(epoch)
        dashboard.update(state)
        biases = dashboard.panels["biases"]
        names = [t.get_text() for t in biases.ax.get_xticklabels()]
        assert names == [f"h{k}" for k in range(1, 11)] + ["ŷ"]  # 1-10-1: every unit has a bar
        expected = np.r_[state.biases[0][0], state.biases[1][0]]
        np.testing.assert_allclose([r.get_height() for r in biases.rects], expected, rtol=1e-12)


def test_heatmap_cells_write_their_own_weight(dashboard, seed_history):
    from nnviz_core.numbers import fmt_fixed

    state = seed_history.at_epoch(seed_history.epochs)
    dashboard.update(state)
    w1, w2 = state.weights
    for name, weight_at in (("weights_in", lambda r, c: w1[c, r]), ("weights_out", lambda r, c: w2[r, c])):
        panel = dashboard.panels[name]
        assert len(panel.cells) == 10
        for r, c, text in panel.cells:  # row r is hidden unit r in both maps; signed, as in the video
            assert text.get_text() == fmt_fixed(weight_at(r, c), 2, plus=True), (name, r)
