"""Legible on the runs that teach what goes wrong (issue 16, item 5): each test reads what is
drawn and compares it with training (the gradients, the weights, h.at_epoch(e))."""
import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import Dot, tempconfig

from nnviz_core import RunConfig, train
from nnviz_core import palette as pal
from scenes.clips import Backpropagation
from scenes.theme import Z_PULSE

from drawn import frameless


@pytest.fixture(scope="module")
def spiking():
    """1-64-1 at lr 0.3: its gradients grow ~10x past epoch 0, so a run-wide scale shrinks epoch 0's."""
    h = train(RunConfig(layers=(1, 64, 1), lr=0.3, epochs=30, snapshot_every=1, samples=32))
    assert h.largest("grad_weights") > 5 * max(np.abs(g).max() for g in h.at_epoch(0).grad_weights)
    return h


def test_backward_pulses_are_scaled_to_the_gradients_on_screen(spiking, tmp_path):
    pulses, shown = [], []

    class Watched(Backpropagation):
        def backward_pass(self):
            shown.append(self.clock.get_value())
            super().backward_pass()

        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            if self.chapters[-1] == "backward-pass":
                for m in self.mobjects:
                    for d in m.get_family():
                        if isinstance(d, Dot) and d.z_index == Z_PULSE and all(d is not p for p in pulses):
                            pulses.append(d)

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Watched(renderer=frameless())
        scene.history = spiking
        scene.render()
    state = spiking.at_epoch(int(shown[0]))
    assert shown[0] == int(shown[0])  # the chapter shows a real epoch
    edges = [e for layer in reversed(range(2)) for e in scene.net.layout.edges if e.layer == layer]
    grads = np.array([state.grad_weights[e.layer][e.i, e.j] for e in edges])
    assert len(pulses) == len(edges)
    share = np.abs(grads) / np.abs(grads).max()
    radii = np.array([p.width / 2 for p in pulses])
    smallest, largest = radii.min(), radii.max()
    assert largest == pytest.approx(0.15, abs=1e-3)  # the chapter's strongest gradient is a full-size pulse
    np.testing.assert_allclose((radii - 0.05) / 0.1, share, atol=2e-3)
    strongest = pulses[int(np.argmax(share))]
    full = pal.sign_rgb([grads[np.argmax(share)]], pal.THEMES["light"])[0]  # the map's end colour of its sign
    np.testing.assert_allclose(np.array(strongest.get_fill_color().to_rgb()), full, atol=2 / 255)


# -- unit colours -----------------------------------------------------------------------------
def cie_lab(colour: str) -> np.ndarray:
    """CIE L*a*b* (D65) of #rrggbb, from the sRGB formulas."""
    c = pal.hex_rgb(colour)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = np.cbrt(xyz / [0.95047, 1.0, 1.08883])
    f = np.where(xyz / [0.95047, 1.0, 1.08883] > 0.008856, f, 7.787 * xyz / [0.95047, 1.0, 1.08883] + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str) -> float:  # CIE76
    return float(np.linalg.norm(cie_lab(a) - cie_lab(b)))


FLOOR = 25.0  # CIE76 ΔE: clearly different hues side by side (2.3 is a just-noticeable step)


@pytest.fixture(params=list(pal.THEMES))
def themed(request):
    return pal.THEMES[request.param]


def test_unit_colours_are_far_apart_and_from_the_greys_and_the_weight_map(themed):
    colours = themed.unit_colours
    assert len(colours) >= 8
    assert delta_e("#ff0000", "#ff0000") == 0 and delta_e("#000000", "#ffffff") == pytest.approx(100, abs=0.1)
    for k, a in enumerate(colours):
        assert pal.contrast(a, themed.background) >= 3.0, (themed.name, a)
        for b in colours[k + 1:]:
            assert delta_e(a, b) >= FLOOR, (themed.name, a, b)
        ends = [pal.to_hex(rgb) for rgb in pal.sign_rgb([-1.0, 1.0], themed)]
        for other in (themed.output_bias, themed.other_units, themed.ink, themed.prediction, *ends):
            assert delta_e(a, other) >= FLOOR, (themed.name, a, other)


def test_wide_layer_colours_its_largest_units_and_dashes_the_rest(themed, tmp_path):
    from scenes.mobjects import ContributionsPanel, NetworkDiagram
    from nnviz_core.dashboard.contributions import ContributionsPanel as GifContributions
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = train(RunConfig(layers=(1, 64, 1), epochs=20, snapshot_every=5, samples=32))
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        parts = ContributionsPanel(h, pal.Palette.for_history(h, themed), width=6, height=4)
        net = NetworkDiagram(h, pal.Palette.for_history(h, themed), width=6, height=6)
        parts.set_state(h.at_epoch(h.epochs))
    last = h.at_epoch(h.epochs).contributions()  # (grid, units), from training
    units = [index for index in parts.units if index is not None]
    assert len(units) > len(themed.unit_colours)  # more drawn units than colours
    peak = {index: np.abs(last[:, index]).max() for index in units}
    largest = set(sorted(units, key=lambda i: -peak[i])[:len(themed.unit_colours)])
    fig, ax = plt.subplots()
    gif = GifContributions(ax, h, pal.Palette.for_history(h, themed))
    gif.set_state(h.at_epoch(h.epochs))
    coloured = []
    for k, (curve, index) in enumerate(zip(parts.unit_curves, parts.units)):
        colour = curve.get_stroke_color().to_hex().lower()
        tab = net.tabs[k].get_fill_color().to_hex().lower() if index is not None else None
        line = gif.lines[k]
        if index is None:
            assert colour == themed.other_units.lower()
            continue
        assert tab == colour  # the neuron's tab is its curve's colour
        assert matplotlib.colors.to_hex(line.get_color()) == colour
        if index in largest:
            coloured.append(colour)
            assert len(curve.get_subpaths()) <= 3 and line.get_linestyle() == "-"
        else:  # a style, not only a shade: thinner and dashed, unlike the bias line and "other units"
            assert curve.get_stroke_width() < min(parts.total.get_stroke_width(), 3)  # the bias line is 3
            assert len(curve.get_subpaths()) > 10 and line.get_linestyle() == "-."
            assert gif.bias.get_linestyle() != "-." and line.get_linewidth() < gif.bias.get_linewidth()
    plt.close(fig)
    assert len(coloured) == len(set(coloured)) == len(themed.unit_colours)


# -- dark theme: small weights stay visible --------------------------------------------------
def test_the_weakest_edges_read_on_the_dark_theme_and_the_legend_uses_their_colours(tmp_path):
    import dataclasses
    from manim import Scene
    from scenes.lecture import weight_legend
    from scenes.mobjects import NetworkDiagram

    dark = pal.THEMES["dark"]
    try:
        h = train(RunConfig(layers=(1, 3, 1), epochs=4, snapshot_every=1, samples=16))
        vmax = h.largest("weights")
        weights = [w.copy() for w in h.at_epoch(2).weights]
        weights[0][0, 0], weights[0][0, 1], weights[0][0, 2] = 0.02 * vmax, -0.02 * vmax, 0.4 * vmax
        state = dataclasses.replace(h.at_epoch(2), weights=weights)
        with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
            net = NetworkDiagram(h, pal.Palette.for_history(h, dark), width=6, height=6).set_state(state)
            scene = Scene()
            scene.camera.background_color = dark.background
            scene.add(net)
            scene.renderer.update_frame(scene)
            frame = scene.renderer.get_frame()[:, :, :3]
            background = dark.background
            fh, fw = frame.shape[:2]
            for k, sign in ((0, 1), (1, -1)):  # edges 0 and 1: w = ±0.02 of the run's largest
                line = net.edge_line(0, 0, k)
                direction = line.get_unit_vector()
                normal = np.array([-direction[1], direction[0], 0.0])
                best = 1.0
                for offset in np.linspace(-0.1, 0.1, 81):
                    p = line.get_center() + offset * normal
                    row = int(round((0.5 - p[1] / manim.config.frame_height) * fh))
                    col = int(round((p[0] / manim.config.frame_width + 0.5) * fw))
                    pixel = frame[row, col]
                    ratio = pal.contrast(pal.to_hex(pixel / 255), background)
                    if ratio > best:
                        best, strongest = ratio, pixel.astype(int)
                assert best >= 1.6, (k, best)  # a faint line is still a line on #16161a
                assert (strongest[0] > strongest[2]) == (sign > 0)  # and keeps its sign: red above, blue below
            legend = weight_legend(pal.Palette.for_history(h, dark))
        swatches = [legend[0][0], legend[1][0]]  # w < 0, w > 0: weak to strong
        strong = net.edge_line(0, 0, 2).get_stroke_color().to_rgb()
        segments = [seg.get_stroke_color().to_rgb() for seg in swatches[1]]
        # 0.4 of the largest |w|: the legend's 0.4 segment shows the edge's own colour
        np.testing.assert_allclose(strong, segments[1], atol=1.5 / 255)
        first = [seg.get_stroke_color().to_rgb() for seg in swatches[0]]
        assert all(pal.contrast(pal.to_hex(c), background) >= 2.95 for c in first + segments)
    finally:
        pass


# -- a small network uses the frame -----------------------------------------------------------
@pytest.mark.parametrize("layers", [(1, 2, 1), (1, 3, 1), (1, 2, 2, 1)])
def test_a_small_network_is_scaled_up_to_use_its_space(layers, tmp_path):
    from scenes.mobjects import NetworkDiagram

    h = train(RunConfig(layers=layers, epochs=2, snapshot_every=1, samples=16))
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        net = NetworkDiagram(h, pal.Palette.for_history(h, pal.THEMES["light"]), width=5.2, height=5.6)  # the lecture's
        circles = [c for c in net.circles]
    tops = [c.get_top()[1] for c in circles]
    bottoms = [c.get_bottom()[1] for c in circles]
    span = max(tops) - min(bottoms)
    assert span >= 0.6 * 5.6, span  # the neurons span at least 60% of the height given
    assert span <= 5.6 + 1e-6


# -- the GIF marks dead units, as the video does ----------------------------------------------
def test_the_gif_network_crosses_out_dead_units_from_the_epoch_they_die(spiking, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nnviz_core.dashboard.network import NetworkDiagram as GifNetwork
    from scenes.mobjects import NetworkDiagram

    fig, ax = plt.subplots()
    light = pal.Palette.for_history(spiking, pal.THEMES["light"])
    gif = GifNetwork(ax, spiking, light)
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        video = NetworkDiagram(spiking, light, width=6, height=6)
    changed = 0
    for e in range(0, spiking.epochs + 1, 3):
        state = spiking.at_epoch(e)
        z = spiking.X @ state.weights[0] + state.biases[0]  # the ReLU's input on every training point
        dead = np.all(z <= 0, axis=0)  # passes nothing anywhere
        gif.set_state(state)
        video.set_state(state)
        assert len(gif.dead_marks) == len(video.dead_marks)
        for cross, n in gif.dead_marks:
            shown = [line.get_visible() for line in cross]
            assert shown == [bool(dead[n.index])] * 2, (e, n.label)
            crossed = video.dead_marks[(n.layer, n.index)].get_stroke_opacity() > 0
            assert crossed == bool(dead[n.index])  # the same decision in both renderers
        changed += sum(dead[n.index] for _, n in gif.dead_marks) > 0
    plt.close(fig)
    assert spiking.at_epoch(0).dead_units()[0].sum() < spiking.at_epoch(spiking.epochs).dead_units()[0].sum()
    assert changed  # some drawn unit died during the run


@pytest.mark.parametrize("width", [3.6, 5.5])
def test_a_narrow_loss_panel_keeps_its_value_clear_of_its_header(width):
    """DashboardLecture's loss panel is 3.6 wide: "Training loss  MSE" and the loss value (at
    its widest text over the run) must not share a row's space."""
    from manim import Text
    from drawn import boxes_overlap, palette_for
    from nnviz_core.numbers import fmt_loss
    from scenes.mobjects.loss import LossPanel

    h = train(RunConfig(epochs=30, lr=1.2), keep_diverged=True)  # a loss growing to wide numbers ("6.39×10⁵")
    panel = LossPanel(h, palette_for(h), width=width, height=1.5)
    box = lambda m: (*m.get_corner([-1, -1, 0])[:2], *m.get_corner([1, 1, 0])[:2])
    texts = [m for m in panel.static.get_family() if isinstance(m, Text)]
    assert any(t.text == "Trainingloss" or t.text.replace(" ", "") == "Trainingloss" for t in texts)
    for epoch in range(h.epochs + 1):
        panel.set_epoch(epoch, float(h.loss[epoch]))
        assert panel.value.text == fmt_loss(h.loss[epoch])
        for t in texts:
            assert not boxes_overlap(box(panel.value), box(t)), (epoch, panel.value.text, t.text)


@pytest.mark.parametrize("settings", [dict(l2=0.05, layers=(1, 6, 1)), dict(layers=(1, 16, 1))])
def test_a_narrow_bar_panel_keeps_its_title_clear_of_its_scale(settings):
    """DashboardLecture's gradient bars are narrow: "Gradients ∂(L + L2)/∂w" or "Gradient norm
    per matrix" must not meet the "±0.181" scale at any epoch (its text follows the gradients)."""
    from manim import Text
    from drawn import boxes_overlap, palette_for
    from scenes.mobjects.bars import GradientBars

    h = train(RunConfig(epochs=20).updated(settings))
    bars = GradientBars(h, palette_for(h), width=4.1, height=1.4)  # as DashboardLecture builds them
    box = lambda m: (*m.get_corner([-1, -1, 0])[:2], *m.get_corner([1, 1, 0])[:2])
    titles = [m for m in bars.static.get_family() if isinstance(m, Text) and "radient" in m.text]
    assert len(titles) == 1
    for epoch in range(h.epochs + 1):
        bars.set_state(h.at_epoch(epoch))
        assert not boxes_overlap(box(bars.scale_number), box(titles[0])), (epoch, bars.scale_number.text)
