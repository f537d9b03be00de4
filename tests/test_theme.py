"""Light and dark themes: contrast computed from the palette, and every renderer in both."""
import numpy as np
import pytest

from nnviz_core import RunConfig, train
from nnviz_core import palette as pal
from nnviz_core.frontends.cli import main

TEXT = ("ink", "muted_ink")
CURVES = ("backward_flow", "data_points", "prediction", "loss_curve", "loss_marker", "other_units",
          "output_bias", "signal", "accuracy", "zero_edge")


@pytest.fixture(params=list(pal.THEMES))
def theme(request):
    return pal.THEMES[request.param]


def test_text_reads_at_4_5_to_1_and_curves_and_edges_at_3_to_1(theme):
    for background in (theme.background, theme.figure):
        for name in TEXT:
            assert pal.contrast(getattr(theme, name), background) >= 4.5, (theme.name, name)
        for name in CURVES:
            assert pal.contrast(getattr(theme, name), background) >= 3.0, (theme.name, name)
        for colour in theme.unit_colours:
            assert pal.contrast(colour, background) >= 3.0, (theme.name, colour)
        for rgb in pal.sign_rgb([-1.0, 1.0], theme):  # the strongest edges of each sign
            assert pal.contrast(pal.to_hex(rgb), background) >= 3.0, theme.name
    for name in ("input_neuron", "hidden_neuron", "output_neuron"):  # neuron names are ink on the fill
        assert pal.contrast(theme.ink, getattr(theme, name)) >= 4.5, (theme.name, name)


def test_the_weight_map_is_sign_true_on_both(theme):
    norm = pal.SymmetricNorm(1.0)
    negative, zero, positive = pal.diverging_rgb(np.array([-1.0, 0.0, 1.0]), norm, theme)
    assert negative[2] > negative[0] and positive[0] > positive[2]  # blue below zero, red above
    weak, strong = pal.diverging_rgb(np.array([0.1, 1.0]), norm, theme)
    background = pal.hex_rgb(theme.background)
    # A bigger weight stands out more from the background than a small one.
    assert np.abs(strong - background).sum() > np.abs(weak - background).sum()


def test_dark_gif_is_dark_and_a_bad_theme_is_refused(tmp_path, capsys):
    out = tmp_path / "dark.gif"
    (tmp_path / "empty.cfg").touch()
    base = ["gif", "--dpi", "20", "--jobs", "1", "--epochs", "5", "--config", str(tmp_path / "empty.cfg")]
    assert main(base + ["--theme", "dark", "--out", str(out)]) == 0
    from PIL import Image
    with Image.open(out) as im:
        corner = np.asarray(im.convert("RGB"))[2, 2]
    assert np.abs(corner - pal.hex_rgb(pal.THEMES["dark"].figure) * 255).max() <= 8  # after the GIF's 256 colours
    assert main(base + ["--theme", "sepia", "--out", str(tmp_path / "x.gif")]) == 2
    err = capsys.readouterr().err
    assert "--theme sepia: choose one of light, dark" in err and err.count("\n") == 1
    assert not (tmp_path / "x.gif").exists()
    (tmp_path / "bad.cfg").write_text("[nnviz]\ntheme = neon\n")
    assert main(["gif", "--config", str(tmp_path / "bad.cfg"), "--out", str(tmp_path / "y.gif")]) == 2
    assert "[nnviz] theme neon: choose one of light, dark" in capsys.readouterr().err


def scene_names():
    from scenes.registry import SCENES

    return list(SCENES)


@pytest.mark.parametrize("scene_name", scene_names())
def test_every_scene_draws_on_the_dark_canvas(scene_name, tmp_path):
    from manim import tempconfig
    from drawn import frameless

    from nnviz_core.compare import compare
    from scenes.registry import SCENES

    tiny = RunConfig(layers=(1, 4, 1), epochs=6, snapshot_every=2, samples=16)
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = SCENES[scene_name].load()(renderer=frameless())
        if scene_name == "CompareRuns":
            scene.comparison = compare(tiny, "lr", ["0.1", "0.5"])
        else:
            scene.history = train(tiny)
        scene.theme_name = "dark"
        scene.render()
        frame = scene.renderer.draw(scene)[:, :, :3].astype(int)  # the last frame
    dark = pal.hex_rgb(pal.THEMES["dark"].background) * 255
    assert np.abs(frame[3, 3] - dark).max() <= 3  # the canvas
    light = {pal.THEMES["light"].ink, pal.THEMES["light"].muted_ink}
    glyphs = [g for m in scene.mobjects for t in m.get_family() if t.__class__.__name__ == "Text"
              for g in t.family_members_with_points()]
    assert glyphs
    for glyph in glyphs:  # no text is left in the light theme's ink
        assert glyph.get_fill_color().to_hex().lower() not in light


def test_light_and_dark_panels_side_by_side_in_one_process(tmp_path):
    """Built one after the other in one process, each panel keeps the theme it was given: a light
    and a dark network in the video, a light and a dark dashboard in the GIF. A process-wide
    current theme would paint both alike (the second one built wins)."""
    from manim import tempconfig

    from drawn import palette_for
    from nnviz_core.dashboard import Dashboard
    from scenes.mobjects import NetworkDiagram

    h = train(RunConfig(layers=(1, 3, 1), epochs=4, snapshot_every=2, samples=16))
    state = h.at_epoch(h.epochs)
    light, dark = pal.THEMES["light"], pal.THEMES["dark"]
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path)}):
        nets = {name: NetworkDiagram(h, palette_for(h, name), width=4, height=4) for name in ("light", "dark")}
        for net in nets.values():
            net.set_state(state)
    for name, net in nets.items():
        theme = pal.THEMES[name]
        fills = {"input": net.neurons[(0, 0)], "hidden": net.neurons[(1, 0)], "output": net.neurons[(2, 0)]}
        assert fills["input"].get_fill_color().to_hex().lower() == theme.input_neuron
        assert fills["hidden"].get_fill_color().to_hex().lower() == theme.hidden_neuron
        assert fills["output"].get_fill_color().to_hex().lower() == theme.output_neuron
        # The edges' colours come from each theme's own weight map, from the weight training reached.
        w = state.weights[0][0, 0]
        expected = pal.diverging_rgb(w, pal.SymmetricNorm(h.largest("weights")), theme)
        drawn = net.edge_line(0, 0, 0).get_stroke_rgbas()[0][:3]
        assert np.abs(drawn - expected).max() < 1e-6, name
    assert light.cmap != dark.cmap and light.input_neuron != dark.input_neuron  # the test can tell them apart

    gifs = {name: Dashboard(h, panels=("fit", "loss"), dpi=20, theme=pal.THEMES[name]) for name in ("light", "dark")}
    for name, d in gifs.items():
        theme = pal.THEMES[name]
        rgb = d.render_rgb(state)
        assert np.abs(rgb[1, 1] - pal.hex_rgb(theme.figure) * 255).max() <= 2, name  # the figure's ground
        assert d.panels["loss"].curve.get_color() == theme.loss_curve
        assert d.panels["fit"].line.get_color() == theme.prediction
