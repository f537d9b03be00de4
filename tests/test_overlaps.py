"""Texts that met in the lecture (a reviewer's runs): played with animations skipped, no two
texts on screen overlap or touch (boxes of their visible glyphs, tests/test_any_run.py)."""
import numpy as np
import pytest

pytest.importorskip("manim")
from manim import tempconfig

from nnviz_core import RunConfig, train
from nnviz_core.layout import loss_axis
from scenes.training import TrainingLecture

from drawn import frameless
from test_any_run import manim_text_boxes, overlapping

CLEAR = 0.03  # scene units: texts closer than this touch


def close_pairs(scene, clear: float = CLEAR) -> list[str]:
    """Texts on screen whose boxes, grown by ``clear`` / 2 on every side, overlap."""
    texts = manim_text_boxes(scene)
    grown = [(x0 - clear / 2, y0 - clear / 2, x1 + clear / 2, y1 + clear / 2) for _, (x0, y0, x1, y1) in texts]
    name = lambda m: getattr(m, "original_text", None) or getattr(m, "text", repr(m))
    return [f"{name(texts[a][0])!r} meets {name(texts[b][0])!r}" for a, b in overlapping(grown, 0.0)]


def play(h, plan, steps, tmp_path, theme="light", watch=None):
    """Play only ``steps`` (method names) of the lecture, under a plan of their chapters; after
    every play, ``watch(scene)``; returns the scene and the problems found."""
    problems = []

    class Part(TrainingLecture):
        theme_name = theme

        def construct(self):
            for step in steps:
                getattr(self, step)()

        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            problems.extend(f"{self.chapters[-1]}: {p}" for p in close_pairs(self))
            if watch:
                watch(self)

    Part.plan = tuple((name, {}) for name in plan)
    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Part(renderer=frameless())
        scene.history = h
        scene.render()
    return scene, sorted(set(problems))


@pytest.fixture(scope="module")
def squares(tmp_path_factory):
    """The reviewer's own data: 40 points of y = x² + noise, a header x,y."""
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 1, 40)
    path = tmp_path_factory.mktemp("data") / "squares.csv"
    path.write_text("x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in zip(x, x ** 2 + 0.1 * rng.standard_normal(40))))
    return path


# -- 1. the held-out readouts on a linear loss axis -----------------------------------------------
@pytest.mark.parametrize("run", ["csv", "sine"])
def test_train_and_test_readouts_stay_apart_on_a_linear_loss_axis(run, squares, tmp_path):
    settings = (dict(dataset=str(squares), layers="1,6,1", lr=0.1, l1=2, epochs=60, seed=0, test_fraction=0.25)
                if run == "csv" else dict(dataset="sine", test_fraction=0.3, epochs=30))
    h = train(RunConfig().updated({k: str(v) for k, v in settings.items()}))
    assert not loss_axis(np.r_[h.loss, h.test_loss]).log  # linear: the header's row sits low
    shown = []

    def watch(scene):
        if scene.on_screen(scene.losses):
            shown.append((scene.losses.value.text, scene.losses.test_value.text))

    scene, problems = play(h, ["training-montage"], ["training_montage"], tmp_path, watch=watch)
    assert shown and shown[-1][1] == scene.losses.test_value.text  # both readouts were on screen
    assert not problems, "\n".join(problems[:6])


# -- 2. the loss panel's header under the data plot's ticks ----------------------------------------
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_loss_header_stays_clear_of_the_data_plots_ticks(theme, tmp_path):
    """An L1 run's loss panel has a note under its ticks ("data loss, no penalty"): taller, its
    header rose onto the data plot's "−1 0 1"."""
    h = train(RunConfig().updated({"l1": "0.1", "lr": "0.1", "layers": "1,12,1", "epochs": "150"}))
    scene, problems = play(h, ["training-montage"], ["training_montage"], tmp_path, theme=theme)
    assert scene.on_screen(scene.losses) and scene.on_screen(scene.fit)
    assert hasattr(scene.losses, "note")  # the row that makes the panel taller
    assert not problems, "\n".join(problems[:6])
    header = min(t.get_bottom()[1] for t in scene.fit.get_family() if hasattr(t, "text"))
    assert max(t.get_top()[1] for t in scene.losses.get_family() if hasattr(t, "text")) < header - CLEAR
