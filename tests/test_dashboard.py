"""`nnviz gif`: the classic dashboard, its fixed defects, its options and its errors.

Small dpi and short runs keep this fast; nothing here needs /work/shared.
"""
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnviz_core import RunConfig, train
from nnviz_core.cli import main
from nnviz_core.dashboard import FIGSIZE, NEGATIVE, POSITIVE, Dashboard
from nnviz_core.gif import frame_times, render_frames
from nnviz_core.palette import text_color_on
from matplotlib.colors import to_hex

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
    last = len(h) - 1
    frames = render_frames(h, [0.0, float(last)], tuple(Dashboard(h).panels), DPI, jobs=1)
    out = tmp_path / "two.gif"
    frames[0].save(out, save_all=True, append_images=frames[1:])
    rgb = gif_frame(out, 1)
    d = Dashboard(h, dpi=DPI)
    state = h.at(last)
    d.update(state)
    # The thickest input->hidden edge, 20% along its length (clear of the value labels).
    line, edge, _ = max((e for e in d.network_edges if e[1].layer == 0),
                        key=lambda e: abs(state.weights[0][e[1].i, e[1].j]))
    (x0, y0), (x1, y1) = line.get_xydata()
    expected = d.palette.weight_rgb(state.weights[0][edge.i, edge.j]) * 255
    got = pixel(rgb, d.axes["network"], x0 + 0.2 * (x1 - x0), y0 + 0.2 * (y1 - y0))
    assert np.abs(got - expected).max() <= 16, (got, expected)
    # A heatmap cell, beside its value text: input->hidden row r shows w1[0, r].
    ax = d.axes["weights_in"]
    for r in range(h.config.layers[1]):
        expected = d.palette.weight_rgb(state.weights[0][0, r]) * 255
        assert np.abs(pixel(rgb, ax, 0.4, r) - expected).max() <= 16


def test_each_frame_shows_the_epoch_and_loss_of_its_own_snapshot(dashboard, seed_history):
    h = seed_history
    for k in range(len(h)):
        dashboard.update(h.at(k))
        epoch = int(h.snapshot_epochs[k])
        fit_title = dashboard.axes["fit"].get_title()
        assert f"Epoch {epoch})" in fit_title and f"Loss: {h.loss[epoch]:.4f}" in fit_title
        assert f"(Epoch {epoch})" in dashboard.axes["network"].get_title()
        marker = dashboard.axes["loss"].lines[1]
        assert list(marker.get_xdata()) == [epoch] and list(marker.get_ydata()) == [h.loss[epoch]]


def test_colour_norm_is_symmetric_and_fixed_over_the_run(dashboard, seed_history):
    h = seed_history
    vmax = h.largest("weights")
    for k in (0, len(h) - 1):
        dashboard.update(h.at(k))
        for name in ("weights_in", "weights_out"):
            norm = dashboard.axes[name].images[0].norm
            assert (norm.vmin, norm.vmax) == (-vmax, vmax)


def test_heatmap_text_colour_follows_the_cell_luminance(dashboard, seed_history):
    dashboard.update(seed_history.at(len(seed_history) - 1))
    colours = set()
    for ax, cells in dashboard.heatmap_cells.values():
        data = ax.images[0].get_array()
        for r, c, text in cells:
            assert text.get_color() == text_color_on(dashboard.palette.weight_rgb(data[r, c]))
            colours.add(text.get_color())
    assert colours == {"#000000", "#ffffff"}  # the default run has dark and light cells


def test_bias_legend_shows_the_colours_the_bars_are_drawn_in(dashboard, seed_history):
    dashboard.update(seed_history.at(len(seed_history) - 1))
    legend = {t.get_text(): to_hex(p.get_facecolor())
              for t, p in zip(dashboard.bias_legend.get_texts(), dashboard.bias_legend.get_patches())}
    assert legend == {"positive bias": to_hex(POSITIVE), "negative bias": to_hex(NEGATIVE)}
    drawn = {to_hex(bar.get_facecolor()) for bar in dashboard.bias_bars}
    assert drawn == set(legend.values())  # the last frame has biases of both signs
    for bar in dashboard.bias_bars:
        sign = "negative bias" if bar.get_height() < 0 else "positive bias"
        assert to_hex(bar.get_facecolor()) == legend[sign]


def test_note_sign_markers_and_flow_labels_do_not_cover_anything(dashboard, seed_history):
    dashboard.render_rgb(seed_history.at(0))  # text boxes find their place when drawn
    renderer = dashboard.fig.canvas.get_renderer()
    note = dashboard.note.get_window_extent(renderer)
    for name, ax in dashboard.axes.items():
        if name != "network":
            assert not note.overlaps(ax.get_window_extent(renderer)), name
            assert not note.overlaps(ax.get_tightbbox(renderer)), name
    flow = [t.get_bbox_patch().get_window_extent(renderer) for t in dashboard.flow_texts]
    signs = [t.get_bbox_patch().get_window_extent(renderer) for t in dashboard.sign_texts]
    assert len(flow) == len(signs) == 10
    assert not any(s.overlaps(f) for s in signs for f in flow)


def test_gradients_are_per_matrix_never_averaged(dashboard, seed_history):
    h = seed_history
    state = h.at(3)
    dashboard.update(state)
    labels = [t.get_text() for t in dashboard.axes["gradients"].get_xticklabels()]
    assert labels == [f"w1_{i}" for i in range(1, 11)] + [f"w2_{i}" for i in range(1, 11)]
    heights = [bar.get_height() for bar in dashboard.gradient_bars]
    assert heights == list(state.grad_weights[0].ravel()) + list(state.grad_weights[1].ravel())


def test_fit_curve_is_drawn_on_the_dense_grid(dashboard, seed_history):
    h = seed_history
    dashboard.update(h.at(2))
    line = dashboard.axes["fit"].lines[0]
    assert len(line.get_xdata()) == len(h.grid) > len(h.X)
    assert np.array_equal(line.get_ydata(), h.prediction[2][:, 0])


@pytest.mark.parametrize("layers, activation", [("1,8,8,1", "tanh"), ("1,32,1", "relu")])
def test_other_architectures_draw(tmp_path, layers, activation):
    code, out = gif(tmp_path, "--layers", layers, "--activation", activation, "--epochs", "10")
    assert code == 0
    with Image.open(out) as im:
        assert im.n_frames == 3


def test_deep_and_wide_networks_say_what_they_show():
    deep = Dashboard(train(RunConfig(layers=(1, 8, 8, 1), activation="tanh", epochs=5)), dpi=DPI)
    assert "first of 3" in deep.axes["weights_in"].get_title()
    assert "last of 3" in deep.axes["weights_out"].get_title()
    wide = Dashboard(train(RunConfig(layers=(1, 32, 1), epochs=5)), dpi=DPI)
    texts = [t.get_text() for t in wide.axes["network"].texts]
    assert any("⋮" in t and "more" in t for t in texts)


def test_smooth_adds_interpolated_frames(tmp_path):
    code, out = gif(tmp_path, "--epochs", "10", "--smooth", "4")  # snapshots 0, 5, 10
    assert code == 0
    with Image.open(out) as im:
        assert im.n_frames == (3 - 1) * (4 + 1) + 1


def test_frame_times_every_and_smooth():
    assert frame_times(21, every=5) == [0, 5, 10, 15, 20]
    assert frame_times(6, every=4) == [0, 4, 5]  # the last snapshot is always shown
    assert frame_times(3, smooth=1) == [0, 0.5, 1, 1.5, 2]


def test_panels_choose_a_subset(tmp_path):
    code, out = gif(tmp_path, "--epochs", "5", "--panels", "network")
    assert code == 0
    with Image.open(out) as im:
        assert im.size == (round(FIGSIZE[0] / 3 * DPI), round(FIGSIZE[1] * 2 / 3 * DPI))
    assert gif(tmp_path, "--epochs", "5", "--panels", "fit,loss", name="two.gif")[0] == 0


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
    return subprocess.run([sys.executable, "-m", "nnviz_core.cli", "gif", *args], capture_output=True,
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


def test_a_gif_too_big_for_memory_is_refused_before_rendering(tmp_path):
    result = run_cli("--smooth", "100", "--out", "big.gif", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--smooth" in result.stderr and "GB" in result.stderr
    assert not (tmp_path / "big.gif").exists()
