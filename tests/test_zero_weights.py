"""Weights L1 drives to exactly 0: drawn as zero in both renderers, written "0", named in a
legend only on runs that have them; and the gradient shown is the one training stepped with.

Which weights are zero comes from training (``h.at_epoch(e).weights == 0``), never from the
drawing code's decisions."""
import numpy as np
import pytest

from nnviz_core import RunConfig, train
from nnviz_core.model import backward, forward

# A 1-10-1 ReLU run whose L1 stops weights at exactly 0 from about epoch 10 on (two, then three).
L1_RUN = RunConfig(l1=0.05, l2=0.01, epochs=40, snapshot_every=10)


@pytest.fixture(scope="module")
def l1_run():
    return train(L1_RUN)


@pytest.fixture(scope="module")
def plain_run():
    return train(RunConfig(epochs=40, snapshot_every=10))


def zeros_at(h, epoch: int) -> list:
    """Per layer, (i, j) of every weight training had at exactly 0 before epoch ``epoch``."""
    return [set(zip(*np.nonzero(w == 0))) for w in h.at_epoch(epoch).weights]


def test_the_run_has_zero_weights_and_the_plain_run_none(l1_run, plain_run):
    counts = [sum(map(len, zeros_at(l1_run, e))) for e in range(l1_run.epochs + 1)]
    assert counts[0] == 0 and counts[-1] >= 2
    assert not any(sum(map(len, zeros_at(plain_run, e))) for e in range(plain_run.epochs + 1))


# -- 4. the gradient shown is the one training stepped with --------------------------------------
def test_grad_weights_is_the_data_gradient_plus_l2_s_never_l1_s(l1_run):
    h, c = l1_run, l1_run.config
    p = h.problem
    for e in (0, 12, 25, h.epochs - 1):
        s = h.at_epoch(e)
        zs, acts = forward(p.X, s.weights, s.biases, p.activation)
        data, _ = backward(p.X, p.y, s.weights, zs, acts, p.activation, p.loss)
        for g, d, w in zip(s.grad_weights, data, s.weights):
            assert np.array_equal(g, d + 2 * c.l2 * w)
            nonzero = w != 0
            assert not np.allclose((g - (d + 2 * c.l2 * w + c.l1 * np.sign(w)))[nonzero], 0)
        # Training's step is that gradient's, then L1's move towards 0: the next epoch, bit for bit.
        stepped = [w - c.lr * g for w, g in zip(s.weights, s.grad_weights)]
        shrunk = [np.sign(w) * np.maximum(np.abs(w) - c.lr * c.l1, 0.0) for w in stepped]
        assert all(np.array_equal(a, b) for a, b in zip(shrunk, h.at_epoch(e + 1).weights))


def test_the_trace_s_largest_gradient_is_the_one_stepped_with(l1_run):
    h = l1_run
    largest = max(max(float(np.abs(g).max()) for g in h.at_epoch(e).grad_weights) for e in range(h.epochs + 1))
    assert h.largest("grad_weights") == largest


# -- 1. an exact 0 is drawn as a zero: dotted, grey, in both renderers -----------------------------
from manim import ManimColor  # noqa: E402

from drawn import palette_for  # noqa: E402
from nnviz_core import palette as pal  # noqa: E402
from nnviz_core.dashboard import Dashboard  # noqa: E402
from scenes.mobjects import NetworkDiagram  # noqa: E402

EPOCHS_SHOWN = (0, 6, 9, 10, 30, 40)  # none, one, two, one again (one left 0), and the end


def colour_of(line) -> str:
    return line.get_stroke_color().to_hex().lower()


def test_the_video_draws_exactly_the_zero_weights_dotted_in_place(l1_run):
    h = l1_run
    for theme in ("light", "dark"):
        palette = palette_for(h, theme)
        net = NetworkDiagram(h, palette)
        ends = [(line.get_start().copy(), line.get_end().copy()) for line in net.edges]
        lines = list(net.edges)
        for epoch in EPOCHS_SHOWN:
            net.set_state(h.at_epoch(epoch))
            zeros = zeros_at(h, epoch)
            for k, (line, e) in enumerate(zip(net.edges, net.layout.edges)):
                assert line is lines[k]  # the same mobject, restyled: nothing rebuilt
                zero = (e.i, e.j) in zeros[e.layer]
                dashes = len(line.get_subpaths())
                assert (dashes > 3) == zero, (theme, epoch, e)
                assert (colour_of(line) == palette.theme.zero_edge) == zero, (theme, epoch, e)
                assert np.allclose(line.get_start(), ends[k][0]) and np.allclose(line.get_end(), ends[k][1])
                if zero:  # every dash on the edge's own line
                    start, end = ends[k]
                    direction = (end - start) / np.linalg.norm(end - start)
                    off = line.points - start
                    assert np.abs(off - np.outer(off @ direction, direction)).max() < 1e-9


def test_a_tween_from_a_zero_is_not_a_zero(l1_run):
    """Between epoch 9 (w2[5] and w2[8] at 0) and 10 (only w2[8]): w2[5] holds the value in
    between, drawn in its sign's colour; w2[8], 0 at both ends, stays a zero."""
    h = l1_run
    before, after = zeros_at(h, 9), zeros_at(h, 10)
    left = before[1] - after[1]
    assert left and after[1]  # the run has both cases
    net = NetworkDiagram(h, palette_for(h))
    for f in (0.25, 0.5, 0.75):
        state = h.between(9, f)
        net.set_state(state)
        for line, e in zip(net.edges, net.layout.edges):
            if e.layer != 1:
                continue
            w = state.weights[1][e.i, e.j]
            if (e.i, e.j) in left:
                assert w != 0 and len(line.get_subpaths()) == 1 and colour_of(line) != net.theme.zero_edge
            if (e.i, e.j) in after[1]:
                assert w == 0 and len(line.get_subpaths()) > 3


GIFS = {}  # (run's config, theme, dpi) -> Dashboard: built once for every test of the file


def gif_network(h, theme, dpi=None, panels=("network",)):
    """The GIF's network panel (and any others), at the GIF's own dpi (its lines as drawn)
    unless given."""
    key = (h.config, theme, dpi, panels)
    if key not in GIFS:
        GIFS[key] = Dashboard(h, panels=panels, theme=pal.THEMES[theme], **({"dpi": dpi} if dpi else {}))
    d = GIFS[key]
    return d, d.panels["network"]


def test_the_gif_draws_exactly_the_zero_weights_dotted_and_grey(l1_run):
    h = l1_run
    for theme in ("light", "dark"):
        d, net = gif_network(h, theme)
        zero_rgb = pal.hex_rgb(pal.THEMES[theme].zero_edge)
        for epoch in (6, 9, 40):
            frame = d.render_rgb(h.at_epoch(epoch)).astype(float)
            zeros = zeros_at(h, epoch)
            flows = {(e.layer, e.i, e.j): line for line, e in net.flows}
            for line, e in net.edges:
                zero = (e.i, e.j) in zeros[e.layer]
                assert (line.get_linestyle() == "--") == zero, (theme, epoch, e)
                assert np.allclose(line.get_color(), zero_rgb) == zero, (theme, epoch, e)
                if (e.layer, e.i, e.j) in flows:  # no gradient flows back over a weight of 0
                    assert flows[(e.layer, e.i, e.j)].get_visible() != zero
                if zero:  # the pixels along it: dashes in the zero grey, and gaps
                    along = pixels_along(net, line, frame)
                    grey = np.abs(along - zero_rgb * 255).max(axis=1) <= 40
                    background = np.abs(along - pal.hex_rgb(pal.THEMES[theme].figure) * 255).max(axis=1) <= 8
                    assert grey.mean() > 0.2 and background.mean() > 0.2, (theme, epoch, e, grey.mean(), background.mean())


def pixels_along(net, line, frame, shares=np.linspace(0.15, 0.45, 60)) -> np.ndarray:
    """RGB of the frame along the middle of a GIF edge, clear of its labels and sign marker."""
    (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
    points = np.column_stack([x0 + shares * (x1 - x0), y0 + shares * (y1 - y0)])
    xy = net.ax.transData.transform(points)
    rows = np.round(frame.shape[0] - xy[:, 1]).astype(int)
    cols = np.round(xy[:, 0]).astype(int)
    return frame[rows, cols]


def test_no_zero_no_dots_the_defaults_unchanged(plain_run):
    h = plain_run
    net = NetworkDiagram(h, palette_for(h)).set_state(h.at_epoch(h.epochs))
    assert all(len(line.get_subpaths()) == 1 for line in net.edges)
    d, gif = gif_network(h, "light", dpi=40)
    d.update(h.at_epoch(h.epochs))
    assert all(line.get_linestyle() == "-" for line, _ in gif.edges)
    assert all(line.get_visible() for line, _ in gif.flows)


# -- 2. an exact 0 is written "0" -----------------------------------------------------------------
from nnviz_core.layout import heatmap_cell_text, weight_label, weight_text  # noqa: E402
from scenes.mobjects import WeightHeatmap  # noqa: E402


def test_a_zero_reads_0_and_a_small_weight_does_not():
    for zero in (0.0, -0.0, np.float64(-0.0)):
        assert weight_text(zero) == weight_text(zero, 4, plus=True) == heatmap_cell_text(zero) == "0"
    for small in (1e-9, -1e-9, 0.004):
        assert weight_text(small) != "0" and heatmap_cell_text(small) != "0"
        assert "−0.00" not in weight_text(small)  # never a signed zero either


def check_cell(text: str, w: float, where):
    """A readout of training's weight w: "0" for exactly 0, else its value to its decimals."""
    if w == 0:
        assert text == "0", where
    else:
        assert text != "0" and abs(float(text.replace("−", "-")) - w) <= 0.005 + 1e-12, where


def test_every_weight_readout_writes_a_zero_as_0(l1_run):
    h = l1_run
    epoch = 30
    state = h.at_epoch(epoch)
    w_out = state.weights[1][:, 0]  # (10,): training's hidden -> output weights
    assert (w_out == 0).sum() >= 2
    # The GIF: the hidden -> output heatmap (rows: hidden units), each unit's w2[j], the signs.
    d, _ = gif_network(h, "light", dpi=40, panels=("network", "weights_out"))
    d.update(state)
    for r, c, text in d.panels["weights_out"].cells:
        check_cell(text.get_text(), w_out[r], ("gif heatmap", r))
    net = d.panels["network"]
    for text, n in net.neuron_texts:
        if 0 < n.layer < 2:
            name = weight_label(h.config.layers, 1, n.index, 0)
            said = next(line for line in text.get_text().splitlines() if line.startswith(name + "="))
            check_cell(said.split("=")[1], w_out[n.index], ("gif neuron", n.label))
    for text, e in net.signs:
        assert (text.get_text() == "0") == (w_out[e.i] == 0)
    # The video: the heatmap's numbers and the weight labels on the edges.
    palette = palette_for(h)
    video = WeightHeatmap(h, palette, layer=1).set_state(state)
    assert len(video.values) == 10
    for r, number in enumerate(video.values):
        check_cell(number.text, w_out[r], ("video heatmap", r))
    net = NetworkDiagram(h, palette, weight_labels=True).set_state(state)
    for number, e in zip(net.weight_labels, net.layout.edges):
        check_cell(number.text, state.weights[e.layer][e.i, e.j], ("video edge", e.layer, e.i, e.j))


def test_the_update_chapter_says_a_weight_l1_stopped_is_0():
    from nnviz_core.chapters import Update, update_lines, update_words, weight_places
    from nnviz_core.layout import weight_text
    from nnviz_core.layout import network_layout
    from nnviz_core.worked import work_step

    h = train(RunConfig(layers=(1, 6, 1), samples=40, epochs=3, l1=0.5))  # a shrink of 0.05 a step
    before, after = h.at_epoch(0), h.at_epoch(1)
    stopped = [e for e in network_layout(h.config.layers).edges
               if before.weights[e.layer][e.i, e.j] != 0 == after.weights[e.layer][e.i, e.j]]
    assert stopped
    e = stopped[0]
    step = work_step(h, e.layer, e.i, e.j)
    u = Update(e, weight_label(h.config.layers, e.layer, e.i, e.j), (step,), 1.0, 1.0)
    assert update_lines(h, u, 0)[-1] == "new w = 0: L1 stops it at 0"
    stepped = before.weights[e.layer][e.i, e.j] - h.config.lr * before.grad_weights[e.layer][e.i, e.j]  # training's step
    assert stepped != 0 and abs(stepped) <= h.config.lr * h.config.l1  # L1's shrink takes it to 0
    assert f"to {weight_text(stepped, weight_places(step))}; then L1 stops it at 0." in update_words(h, u)


# -- 3. "w = 0" in the legend, on a run with a zero at some step, and only then --------------------
from manim import Text, tempconfig  # noqa: E402

from drawn import frameless  # noqa: E402
from nnviz_core.layout import ZERO_WEIGHT_KEY  # noqa: E402
from scenes.lecture import LectureSteps, weight_legend  # noqa: E402
from scenes.mobjects.network import zero_key  # noqa: E402
from scenes.mobjects.compare import RunColumn  # noqa: E402


def has_zero(h) -> bool:
    """From training: any weight at exactly 0 before any step of the run."""
    return any(any((w == 0).any() for w in h.at_step(e, s).weights)
               for e in range(h.epochs + 1) for s in range(h.steps if e < h.epochs else 1))


class Cast(LectureSteps):
    plan = (("training-montage", {}),)


def video_legend_texts(h, theme="light") -> list[str]:
    with tempconfig({"dry_run": True, "quality": "low_quality", "progress_bar": "none"}):
        scene = Cast(renderer=frameless())
        scene.history, scene.theme_name = h, theme
        scene.setup()
        scene.cast()
    return [m.original_text for m in scene.legend.get_family() if isinstance(m, Text)]


@pytest.fixture(scope="module")
def l1_without_zeros():
    return train(L1_RUN.updated({"epochs": 4}))  # L1, but no weight reaches 0 before epoch 6


def test_the_legend_names_w_0_only_on_runs_with_zero_weights(l1_run, plain_run, l1_without_zeros):
    assert has_zero(l1_run) and not has_zero(plain_run) and not has_zero(l1_without_zeros)
    for h in (l1_run, plain_run, l1_without_zeros):
        zeros = has_zero(h)
        assert h.has_zero_weights == zeros
        _, gif = gif_network(h, "light", dpi=None if h is l1_run else 40)  # the note: words only
        assert (ZERO_WEIGHT_KEY in gif.note.get_text()) == zeros
    # The lecture's legend under the network, as its cast builds it; L1 alone is not enough.
    assert ZERO_WEIGHT_KEY in video_legend_texts(l1_run)
    legend = weight_legend(palette_for(l1_without_zeros), zero_key(l1_without_zeros, pal.THEMES["light"]))
    assert ZERO_WEIGHT_KEY not in [m.original_text for m in legend.get_family() if isinstance(m, Text)]
    column = RunColumn(l1_run, palette_for(l1_run), "l1 = 0.05", "#d95f02")  # a comparison's column
    assert [m.original_text for m in column.zero.get_family() if isinstance(m, Text)] == [ZERO_WEIGHT_KEY]


def test_zeros_between_epochs_count_too():
    """With minibatches a weight can be 0 at a step inside an epoch only: it counts."""
    h = train(RunConfig(l1=0.05, epochs=8, snapshot_every=4, batch_size=32))
    counts = [sum(int((w == 0).sum()) for w in h.at_step(e, s).weights)
              for e in range(h.epochs + 1) for s in range(h.steps if e < h.epochs else 1)]
    assert list(h.zero_weight_counts) == counts and any(counts)


def test_the_video_heatmap_s_values_stay_inside_their_cells(l1_run):
    """A "0" is narrower than "+0.42": every value is centred on its own cell at every state
    (a value laid out for a "0" ran past its cell's right edge, its last digit white on white)."""
    h = l1_run
    video = WeightHeatmap(h, palette_for(h), layer=1)
    for epoch in (0, 30, h.epochs):  # no zeros yet, some zeros, the end
        video.set_state(h.at_epoch(epoch))
        texts = {number.text for number in video.values}
        assert epoch == 0 or "0" in texts
        for number, cell in zip(video.values, video.cells):
            assert cell.get_left()[0] < number.get_left()[0] and number.get_right()[0] < cell.get_right()[0], \
                (epoch, number.text)
            assert abs(number.get_center()[0] - cell.get_center()[0]) < 1e-6, (epoch, number.text)


def test_the_gradient_bars_name_the_gradient_training_steps_with(l1_run, plain_run):
    """With L2 the bars hold ∂(L + L2)/∂w (grad_weights, checked above against training), and
    their titles say so in both renderers; without a penalty they say ∂L/∂w."""
    from nnviz_core.dashboard.bars import GradientBars as GifBars
    from scenes.mobjects.bars import GradientBars

    import matplotlib.pyplot as plt

    for h, name in ((l1_run, "∂(L + L2)/∂w"), (plain_run, "∂L/∂w")):
        video = GradientBars(h, palette_for(h))
        assert name.replace(" ", "") in "".join(t.text for t in video.get_family() if hasattr(t, "text") and
                                                 isinstance(t.text, str)).replace(" ", "")
        fig, ax = plt.subplots()
        gif = GifBars(ax, h, palette_for(h))
        gif.set_state(h.at_epoch(3))
        assert f"{name} of each weight" in gif.title.get_text()
        plt.close(fig)
