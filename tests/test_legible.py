"""Legible on the runs that teach what goes wrong (issue 16, item 5): each test reads what is
drawn and compares it with training (the gradients, the weights, h.at_epoch(e))."""
import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import Dot, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer

from nnviz_core import RunConfig, train
from nnviz_core import palette as pal
from scenes.clips import Backpropagation
from scenes.theme import Z_PULSE


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
        scene = Watched(renderer=CairoRenderer(skip_animations=True))
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
    full = pal.sign_rgb([grads[np.argmax(share)]])[0]  # the map's end colour of its sign
    np.testing.assert_allclose(np.array(strongest.get_fill_color().to_rgb()), full, atol=2 / 255)
