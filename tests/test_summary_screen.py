"""The lecture's summary screen against training: what a penalised run minimised and how many
weights L1 left at 0 (all of them: the net is a constant), the held-out points' test loss and
accuracy, all of it in text never smaller than SMALL_SIZE. The values are computed here from
the History (h.loss, h.trace, h.at_epoch, h.test_accuracy), the sizes from fresh glyphs."""
from __future__ import annotations

import numpy as np
import pytest

manim = pytest.importorskip("manim")
from manim import Text, tempconfig  # noqa: E402

from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core.chapters import storyboard  # noqa: E402
from nnviz_core.layout import accuracy_text  # noqa: E402
from nnviz_core.numbers import fmt_loss  # noqa: E402
from nnviz_core.palette import THEMES  # noqa: E402
from scenes.lecture import LectureSteps  # noqa: E402
from scenes.mobjects import LossPanel  # noqa: E402
from scenes.theme import SMALL_SIZE, label  # noqa: E402

from drawn import frameless, palette_for  # noqa: E402

RUNS = {  # the reviewer's runs (r2, r4, r5, r6), a little shorter where the story keeps
    "l1": dict(l1=0.1, lr=0.1, layers=(1, 12, 1), epochs=150),
    "adam-moons": dict(dataset="moons", optimizer="adam", batch_size=8, lr=0.02, test_fraction=0.3, layers=(2, 8, 1),
                       activation="tanh", epochs=60),
    "points": dict(dataset="examples/points.csv", activation="tanh", lr=0.5, epochs=150, test_fraction=0.25,
                   optimizer="momentum", momentum=0.8, batch_size=32, l2=0.001),
}
_trained = {}


def run(name: str, tmp_path_factory=None):
    if name not in _trained:
        if name == "constant":  # 40 points of a noisy sine: L1 2 takes every weight to 0
            path = tmp_path_factory.mktemp("constant") / "sine.csv"
            x = np.linspace(-2, 2, 40)
            y = np.sin(x) + 0.1 * np.random.default_rng(1).normal(size=40)
            path.write_text("x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in zip(x, y)))
            config = dict(dataset=str(path), layers=(1, 6, 1), lr=0.1, l1=2, epochs=60, seed=0, test_fraction=0.25)
        else:
            config = RUNS[name]
        _trained[name] = train(RunConfig().updated(config))
    return _trained[name]


class Summary(LectureSteps):
    """The summary as the montage leaves the screen: every panel at the last epoch."""
    plan = (("summary", {}),)

    def construct(self):
        self.cast()
        self.show_state([self.net, self.fit, self.losses, self.counter], float(self.history.epochs))
        self.add(self.net, self.legend, self.fit, self.losses, self.counter)
        self.summary()


_screens = {}


def summary_screen(h, tmp_path) -> list[Text]:
    """The Texts on screen at the summary's end."""
    if id(h) not in _screens:
        with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path),
                         "progress_bar": "none"}):
            scene = Summary(renderer=frameless())
            scene.history = h
            scene.render()
        _screens[id(h)] = [m for top in scene.mobjects for m in top.get_family() if isinstance(m, Text)]
        _losses[id(h)] = scene.losses
    return _screens[id(h)]


_losses = {}


def joined(texts) -> str:
    """What the screen says, wrapped lines joined."""
    return " ".join(" ".join(t.original_text for t in texts).split())


def too_small(texts) -> list[tuple[str, float]]:
    """Each Text drawn smaller than SMALL_SIZE: its glyphs' height against the same text's at
    SMALL_SIZE, as (text, size)."""
    theme = THEMES["light"]
    small = []
    for t in texts:
        if not t.original_text.strip():
            continue
        size = SMALL_SIZE * t.height / label(t.original_text, theme, SMALL_SIZE).height
        if size < SMALL_SIZE * (1 - 1e-3):
            small.append((t.original_text, round(size, 1)))
    return small


@pytest.mark.parametrize("name", ["adam-moons", "points"])
def test_no_text_on_the_summary_screen_is_smaller_than_the_smallest_size(name, tmp_path):
    h = run(name)
    assert too_small(summary_screen(h, tmp_path)) == []
    losses = _losses[id(h)]  # the montage's loss panel, its note under the ticks on one line or two
    assert too_small([m for m in losses.static.get_family() if isinstance(m, Text)]) == []
    assert losses.get_bottom()[1] >= -manim.config.frame_height / 2 and losses.get_right()[0] <= manim.config.frame_width / 2
    if h.problem.penalised and h.steps > 1:  # the longest note under the loss plot: the montage's
        panel = LossPanel(h, palette_for(h), width=4.9, height=1.5)  # as the 2-D lecture draws it
        assert too_small([m for m in panel.static.get_family() if isinstance(m, Text)]) == []


def test_a_penalised_run_shows_what_training_minimised_and_the_weights_l1_left_at_0(tmp_path):
    h = run("l1")
    screen = joined(summary_screen(h, tmp_path))
    minimised = h.loss[-1] + h.trace["penalty"][-1, 0]
    weights = h.at_epoch(h.epochs).weights
    zeros, total = sum(int((w == 0).sum()) for w in weights), sum(w.size for w in weights)
    assert 0 < zeros < total
    assert f"what training minimised ended at {fmt_loss(minimised)}" in screen
    assert f"L1 left {zeros} of the {total} weights at exactly 0" in screen


def test_a_run_l1_made_constant_says_so_on_screen_and_in_words(tmp_path, tmp_path_factory):
    h = run("constant", tmp_path_factory)
    weights = h.at_epoch(h.epochs).weights
    assert all(not w.any() for w in weights)  # training left every weight at 0
    prediction = h.at_epoch(h.epochs).prediction
    assert np.ptp(prediction) == 0  # the network is a constant
    screen = joined(summary_screen(h, tmp_path))
    narration = storyboard(h, [("summary", {})])[0].narration
    total = sum(w.size for w in weights)
    for said in (screen, narration):
        assert f"what training minimised ended at {fmt_loss(h.loss[-1] + h.trace['penalty'][-1, 0])}" in said
        assert f"plus a penalty of 0: L1 left every weight at 0 (all {total})" in said
        assert "output is a constant" in said
        assert "plus 0." not in said


def test_held_out_points_put_the_test_loss_and_accuracy_on_screen_and_training_in_the_words(tmp_path):
    h = run("points")
    assert h.accuracy[-1] == 1.0 and h.test_accuracy[-1] < 1.0  # every training point right, not every test one
    screen = joined(summary_screen(h, tmp_path))
    assert f"test loss {fmt_loss(h.test_loss[0])} → {fmt_loss(h.test_loss[-1])}" in screen
    assert f"test accuracy {accuracy_text(h.test_accuracy[-1])}" in screen
    narration = storyboard(h, [("summary", {})])[0].narration
    assert "every training point is in its own class" in narration and "every point is" not in narration
