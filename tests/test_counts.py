"""Every count of points the lecture gives, on screen and in its words, with points held out: the
loss is the mean over the training points (config.training_points), so each count is theirs and
calls them "training points"; the held-out ones are counted apart. 1-D and 2-D, small runs."""
import re

import pytest

from nnviz_core import RunConfig, train
from nnviz_core.chapters import first_guess, script, storyboard, update_example, update_lines
from nnviz_core.numbers import fmt_loss
from nnviz_core.events import summary_lines
from scenes.registry import SCENES

from drawn import frameless

manim = pytest.importorskip("manim")
from manim import tempconfig  # noqa: E402

from scenes.lecture import LectureSteps  # noqa: E402

HELD = dict(samples=70, test_fraction=0.4, epochs=6, snapshot_every=3)
RUNS = {"1-D": dict(HELD, layers=(1, 4, 1)), "2-D": dict(HELD, dataset="circle", layers=(2, 3, 1))}
COUNT = re.compile(r"(\d+) (held[- ]out |training )?points?\b")


@pytest.fixture(scope="module", params=list(RUNS))
def played(request, tmp_path_factory):
    """The run; the lines the lecture's chapters that count points put on screen (as given to the
    notes and the captions, before they wrap), and the notes' lines as drawn; its words."""
    h = train(RunConfig().updated(RUNS[request.param]))
    lines, seen = [], []

    plane = h.problem.is_2d  # its loss chapter's notes are its own; the rest is 1-D's code

    class Watched(LectureSteps):
        plan = (("the-network", {}), ("forward-pass", {}), ("loss-for-one-sample", {}),
                *(() if plane else (("backward-pass", {}), ("where-the-gradient-comes-from", {}))))

        def construct(self):  # the chapters whose notes count points (the update's: update_lines, below)
            self.build_network(animate=False)
            self.forward_pass()
            self.sample_loss()
            if not plane:
                self.backward_pass()
                self.gradient_from_points()

        def note(self, *given, **kwargs):
            super().note(*given, **kwargs)
            seen.extend(m.original_text for m in self.notes.get_family() if isinstance(m, manim.Text))  # as drawn
            lines.extend(line if isinstance(line, str) else
                         " ".join(m.original_text for m in line.get_family() if isinstance(m, manim.Text)) for line in given)

        def say(self, text=None, run_time=None):
            lines.append(text if text is not None else self.captions[0])
            super().say(text, run_time)


    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path_factory.mktemp("media")),
                     "progress_bar": "none"}):
        scene = Watched(renderer=frameless())
        scene.history = h
        scene.render()
    board = storyboard(h, SCENES["TrainingLecture"].load().plan)
    return h, lines, seen, board


def counts(texts) -> list[tuple[int, str]]:
    """(how many, "training " / "held-out " / "") of every "N points" in the texts."""
    return [(int(n), (kind or "").replace("held out", "held-out")) for t in texts for n, kind in COUNT.findall(t)]


def test_the_held_out_split_is_the_one_under_test(played):
    h = played[0]
    assert (h.config.training_points, h.config.held_out) == (len(h.X), len(h.X_test)) == (42, 28)


def check_counts(h, texts):
    """Every "N points" in the texts is the training points, called so, or the held-out ones."""
    found = counts(texts)
    assert found, "no count of points"
    for n, kind in found:
        expected = h.config.held_out if kind == "held-out " else h.config.training_points
        assert n == expected and kind in ("training ", "held-out "), (n, kind)
    assert not re.search(rf"\b({h.config.samples}|100) (training )?points", " ".join(texts))


def test_every_count_on_screen_is_the_training_points_and_says_so(played):
    h, lines, seen, _ = played
    u = update_example(h)
    update = [line for k in range(len(u.steps)) for line in update_lines(h, u, k)]  # the update chapter's notes
    check_counts(h, lines + update + summary_lines(h, most=4))  # the summary's notes
    mean = lines.index(f"mean over all {h.config.training_points} training points:")  # the loss chapter's note
    assert lines[mean + 1] == f"  L = {fmt_loss(h.loss[0])}"
    assert update[0].endswith(f"(all {h.config.training_points} training points)"), update[0]
    drawn = " ".join(seen)  # a long line wraps
    assert f"mean over all {h.config.training_points} training points: L = {fmt_loss(h.loss[0])}" in drawn
    if not h.problem.is_2d:
        assert "size: |∂L/∂w|, averaged over all training points" in lines


def test_every_count_said_is_the_training_points_and_says_so(played):
    h, _, _, board = played
    words = [c.narration for c in board] + [caption for c in board for caption in c.captions]
    check_counts(h, words + [script(board, "md"), script(board, "srt"), first_guess(h)])
    loss = next(c for c in board if c.name == "loss-for-one-sample").narration
    assert f"Averaged over all {h.config.training_points} training points, the loss" in loss
    title = next(c for c in board if c.name == "title").narration
    assert f"{h.config.training_points} training points" in title


def test_without_held_out_points_the_counts_are_all_the_points():
    h = train(RunConfig().updated({"samples": 70, "epochs": 3}))
    board = storyboard(h, SCENES["TrainingLecture"].load().plan)
    said = " ".join(c.narration for c in board)
    assert "training points" not in said and "Averaged over all 70 points, the loss" in said
