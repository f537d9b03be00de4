"""A saved diverged run (nnviz train --keep-diverged --out d.npz) says it diverged, where and with
what loss, on the lecture's title card, at the montage's end, in the summary, in the words and in
the GIF's note. The loss that stopped training is recomputed here from the last epoch's weights
with one plain gradient step, never read from the engine."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnviz_core import History, RunConfig, TrainingDiverged, train  # noqa: E402
from nnviz_core.chapters import storyboard  # noqa: E402
from nnviz_core.frontends.cli import main  # noqa: E402
from nnviz_core.model import forward, mse, sgd_step  # noqa: E402
from nnviz_core.numbers import fmt_loss, fmt_value  # noqa: E402

from drawn import frameless, palette_for  # noqa: E402

WILD = RunConfig().updated({"lr": 5, "epochs": 12, "snapshot_every": 5})  # lr 5 on the default run: diverges at 4


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "d.npz"
    assert main(["train", "--lr", "5", "--epochs", "12", "--snapshot-every", "5", "--keep-diverged",
                 "--out", str(path)]) == 0
    return History.load(path)


def stopping_loss(h) -> float:
    """The loss one more real step gives: the one that stopped training."""
    last = h.at_epoch(h.epochs)
    w, b = sgd_step(last.weights, last.biases, last.grad_weights, last.grad_biases, h.config.lr)
    with np.errstate(all="ignore"):
        return float(mse(forward(h.X, w, b, h.config.activation)[1][-1], h.y))


def said(h) -> str:
    """ "training diverged at epoch 4 (loss 3.72×10⁵ → 3.01×10⁷" with numbers recomputed here."""
    return f"training diverged at epoch {h.diverged_at} (loss {fmt_loss(h.loss[-1])} → {fmt_loss(stopping_loss(h))}"


def test_the_run_diverged_where_training_says_and_the_loss_is_the_one_that_stopped_it(run):
    h = run
    assert h.diverged_at == h.epochs + 1 and np.isfinite(h.loss).all()
    assert stopping_loss(h) > 1e6 * h.loss[0] >= h.loss[-1]  # past the rule only at diverged_at
    assert h.diverged_loss == pytest.approx(stopping_loss(h), rel=1e-9)
    with pytest.raises(TrainingDiverged, match=f"grew to {fmt_value(stopping_loss(h))}, .* at epoch {h.diverged_at} "):
        train(WILD)  # without --keep-diverged training names the same loss


def test_the_words_say_it_diverged_with_the_numbers(run):
    h = run
    board = {c.name: c for c in storyboard(h, (("title", {}), ("training-montage", {}), ("summary", {})))}
    expected = said(h)
    sentence = "T" + expected[1:]
    assert sentence in board["title"].narration
    assert board["training-montage"].captions[-1].startswith(sentence)
    assert f"diverged at epoch {h.diverged_at}" in board["summary"].captions[0]
    assert expected in board["summary"].narration and board["summary"].narration.count("diverged") == 1
    fig, ax = plt.subplots()  # the GIF's note, as drawn
    from nnviz_core.dashboard.network import NetworkDiagram

    assert f"- {sentence}" in NetworkDiagram(ax, h, palette_for(h)).note.get_text()
    plt.close(fig)


def test_the_lecture_shows_it_on_the_title_the_montage_and_the_summary(run, tmp_path):
    manim = pytest.importorskip("manim")
    from scenes.lecture import LectureSteps

    h, shown = run, {}

    class Watched(LectureSteps):
        plan = (("title", {}), ("training-montage", {}), ("summary", {}))

        def construct(self):
            self.show_title()
            self.training_montage()
            self.summary()

        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            texts = [m.original_text for m in self.mobjects for m in m.get_family() if isinstance(m, manim.Text)]
            shown.setdefault(self.chapters[-1], []).append(" ".join(" ".join(texts).split()))  # wrapped lines joined

    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Watched(renderer=frameless())
        scene.history = h
        scene.render()
    sentence = "T" + said(h)[1:]
    assert any(sentence in screen for screen in shown["title"])
    assert sentence in shown["training-montage"][-1]  # its end: the counter at the last epoch, the caption
    assert any(sentence in screen for screen in shown["summary"])
