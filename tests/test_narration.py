"""One narration per chapter: the on-screen captions, the .srt subtitles, the speaker notes and
`nnviz script` all come from nnviz_core.chapters, with the run's own numbers."""
import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import srt

from nnviz_core import RunConfig, train
from nnviz_core.numbers import fmt_fixed, fmt_loss
from nnviz_core.chapters import (CHAPTERS, CUE_CHARS, CUE_LINES, READING_CPS, cues, forward_sample, script, storyboard,
                                 update_example)
from nnviz_core.compare import compare
from scenes.lecture import CUE_MARGIN_FRAMES
from scenes.registry import SCENES

REPO = Path(__file__).resolve().parents[1]
RUNS = {"default": RunConfig(),
        "deep tanh": RunConfig(layers=(1, 16, 16, 16, 16, 1), activation="tanh", lr=0.05, epochs=30),
        "wide, fast": RunConfig(layers=(1, 64, 1), lr=0.3, epochs=30)}


@pytest.fixture(scope="module", params=list(RUNS))
def history(request):
    return train(RUNS[request.param])


# Shapes whose chapters differ: layer-paced beats, a curve per unit, a summary of what happened.
SHAPES = {"1-10-1 relu": RunConfig(), "1-2-1": RunConfig(layers=(1, 2, 1)),
          "deep 1-8-8-8-8-1 tanh": RunConfig(layers=(1, 8, 8, 8, 8, 1), activation="tanh"),
          "wide 1-64-1": RunConfig(layers=(1, 64, 1))}
MAX_CPS = 20.0  # what a subtitle may ask of a reader
MIN_CUE = 1.0  # seconds
SRT_ROUNDING = 1e-3  # .srt times are whole milliseconds


@pytest.fixture(scope="module", params=list(SHAPES))
def boards(request):
    """Every scene's chapters for one shape; CompareRuns compares two learning rates of it."""
    runs = compare(SHAPES[request.param], "lr", ["0.05", "0.3"])
    return {name: storyboard(runs.clock(), entry.load().plan, comparison=runs) if name == "CompareRuns"
            else storyboard(train(SHAPES[request.param]), entry.load().plan) for name, entry in SCENES.items()}


def test_a_chapter_lasts_its_beats_or_the_reading_time_of_its_words(boards):
    assert 17 <= READING_CPS <= MAX_CPS - 1  # a reading pace, with room for a frame's rounding in the video
    for scene, board in boards.items():
        for chapter in board:
            beats = sum(b.seconds * b.times for b in chapter.beats.named.values())
            reading = len(chapter.narration) / READING_CPS
            assert chapter.seconds == pytest.approx(max(beats, reading)), (scene, chapter.name)
            assert beats > 0 or not chapter.narration, (scene, chapter.name)  # words come with something to see


def test_subtitles_are_read_at_a_readers_pace_and_none_flashes_by(boards):
    """Every cue of every scene's .srt: at least a second on screen, at most 20 characters a second."""
    for scene, board in boards.items():
        subtitles = list(srt.parse(script(board, "srt")))
        assert subtitles, scene
        for cue in subtitles:
            shown = (cue.end - cue.start).total_seconds()
            chars = len(cue.content.replace("\n", " "))
            assert shown >= MIN_CUE - SRT_ROUNDING, (scene, cue.content, shown)
            assert chars / (shown + SRT_ROUNDING) <= MAX_CPS, (scene, cue.content, chars / shown)


def literal_durations(path: Path) -> list[str]:
    """Where ``run_time=`` (or a wait's duration) is a number written in the code, not a beat or a
    value computed from one."""
    def literal(node) -> bool:
        return not any(isinstance(n, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) for n in ast.walk(node))

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        durations = [k.value for k in node.keywords if k.arg in ("run_time", "duration")]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "wait" and node.args:
            durations.append(node.args[0])
        found += [f"{path.relative_to(REPO)}:{d.lineno}: {ast.unparse(d)}" for d in durations if literal(d)]
    return found


def test_no_step_plays_a_number_written_in_the_scene():
    """The run times are the chapters' beats (nnviz_core.chapters), declared once: none is typed
    into a scene."""
    files = sorted((REPO / "scenes").rglob("*.py"))
    assert REPO / "scenes" / "lecture.py" in files and REPO / "scenes" / "mobjects" / "network.py" in files
    assert [spot for path in files for spot in literal_durations(path)] == []


def test_the_chapters_need_neither_renderer():
    """The chapters are the engine's: `nnviz script` reads them with no manim or matplotlib loaded."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, nnviz_core.chapters; print(*sorted(sys.modules))"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in loaded if m.split(".")[0] in ("manim", "matplotlib", "scenes")]


def test_every_scene_plans_known_chapters():
    for entry in SCENES.values():
        plan = entry.load().plan
        assert plan and all(name in CHAPTERS for name, _ in plan), entry.name


def test_the_words_quote_the_runs_own_numbers(seed_history):
    board = {c.name: c for c in storyboard(seed_history, SCENES["TrainingLecture"].load().plan)}
    s, u = forward_sample(seed_history), update_example(seed_history)
    assert "0.5625" in board["loss-for-one-sample"].narration and fmt_loss(seed_history.loss[0]) == "0.5625"
    assert f"ŷ = {fmt_fixed(s.y_hat)}" in board["forward-pass"].narration
    assert s.y_hat == seed_history.at_epoch(0).activations[-1][s.index, 0]
    assert f"from {fmt_fixed(u.w)} to {fmt_fixed(u.new_w)}" in board["weight-update"].narration
    assert u.new_w == seed_history.at_epoch(1).weights[u.edge.layer][u.edge.i, u.edge.j]
    assert f"to {fmt_loss(seed_history.final_loss)}" in board["summary"].narration
    per_point = seed_history.at_epoch(0).sample_gradients(u.edge.layer, u.edge.i, u.edge.j)
    assert fmt_fixed(per_point.mean()) in board["where-the-gradient-comes-from"].narration
    for c in board.values():  # words for students: nothing of the project's insides
        for word in ("seed notebook", "History", "snapshot"):
            assert word not in c.narration and all(word not in caption for caption in c.captions)


def test_subtitle_cues_are_short_in_order_and_never_overlap(history):
    for chapter in storyboard(history, SCENES["TrainingLecture"].load().plan):
        chapter_cues = cues(chapter)
        assert chapter_cues or not chapter.narration
        assert " ".join(" ".join(t.split("\n")) for _, _, t in chapter_cues) == chapter.narration
        previous_end = 0.0
        for start, end, text in chapter_cues:
            assert previous_end - 1e-9 <= start < end <= chapter.seconds + 1e-9
            lines = text.split("\n")
            assert len(lines) <= CUE_LINES and all(len(line) <= CUE_CHARS for line in lines)
            previous_end = end


# TrainingLecture's chapter times and beats: tests/test_any_run.py checks them on every run it
# plays (deep nets with a layer behind an ellipsis among them); CompareRuns': test_compare.py.
TIMED = [(scene, "default") for scene in SCENES if scene not in ("TrainingLecture", "CompareRuns")]


@pytest.mark.parametrize("scene, run", TIMED)
def test_every_chapter_keeps_its_planned_length(scene, run, tmp_path):
    """A dry run records when each chapter starts: where the plan (and so the script) says,
    within a frame; and each chapter plays exactly the beats it declares."""
    from manim import tempconfig
    from drawn import frameless

    history = train(RUNS[run])
    starts = []

    class Timed(SCENES[scene].load()):
        def next_section(self, *args, **kwargs):
            starts.append(self.renderer.time)
            super().next_section(*args, **kwargs)

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        s = Timed(renderer=frameless())
        s.history = history
        s.render()
    board = storyboard(history, s.plan)
    assert s.played == pytest.approx({c.name: sum(b.seconds * b.times for b in c.beats.named.values()) for c in board})
    planned = np.concatenate([[0.0], np.cumsum([c.seconds for c in board])])
    np.testing.assert_allclose(starts, planned[:-1], atol=1 / 15 + 1e-6)  # within a frame (-ql: 15 fps)
    assert s.renderer.time == pytest.approx(planned[-1], abs=1 / 15 + 1e-6)


def test_the_default_lecture_stays_under_two_minutes(seed_history):
    """Its plays last what the plan says (tests/test_any_run.py), so the plan's sum is its length."""
    assert sum(c.seconds for c in storyboard(seed_history, SCENES["TrainingLecture"].load().plan)) < 120


def test_script_prints_the_narration_with_titles_and_start_times(seed_history):
    board = storyboard(seed_history, SCENES["TrainingLecture"].load().plan)
    text = script(board, "md", "TrainingLecture")
    assert text.startswith("# TrainingLecture")
    start = 0.0
    for chapter in board:
        assert f"## {int(start) // 60}:{int(start) % 60:02d}  {chapter.title}" in text
        assert chapter.narration in text
        start += chapter.seconds
    subtitles = list(srt.parse(script(board, "srt")))
    expected = [text for c in board for _, _, text in cues(c)]
    assert [s.content for s in subtitles] == expected
    assert all(a.end <= b.start for a, b in zip(subtitles, subtitles[1:]))


def test_nnviz_script_runs_without_rendering(tmp_path):
    (tmp_path / "manim.cfg").write_text("[nnviz]\nlayers = 1,8,8,1\nactivation = tanh\nepochs = 20\n")
    result = subprocess.run([str(Path(sys.executable).parent / "nnviz"), "script", "--format", "txt"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[0:00  How a neural network learns]" in result.stdout and "1-8-8-1" in result.stdout
    assert not (tmp_path / "media").exists()  # nothing rendered
    bad = subprocess.run([str(Path(sys.executable).parent / "nnviz"), "script", "NoSuchScene"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_a_rendered_lecture_has_subtitles_timed_to_its_chapters(tmp_path):
    """TrainingLecture at -ql for a small run: the .srt beside the video."""
    import av

    (tmp_path / "manim.cfg").write_text((REPO / "manim.cfg").read_text().split("[nnviz]")[0]
                                        + "[nnviz]\nlayers = 1,3,1\nepochs = 12\nsnapshot_every = 4\nsamples = 24\n")
    # A small frame: the timing is the point here, not the pixels (15 fps, as -ql).
    done = subprocess.run([sys.executable, "-m", "manim", "render", "-ql", "-r", "320,180", "--save_sections", "--progress_bar", "none",
                           str(REPO / "scenes/training.py"), "TrainingLecture"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    video = next(tmp_path.rglob("TrainingLecture.mp4"))
    subtitles = list(srt.parse(video.with_suffix(".srt").read_text(encoding="utf-8")))
    with av.open(str(video)) as container:
        duration = container.duration / 1e6
    times = [(s.start.total_seconds(), s.end.total_seconds()) for s in subtitles]
    assert all(a < b for a, b in times) and times[-1][1] <= duration + 0.05
    assert all(b1 <= a2 + 1e-6 for (_, b1), (a2, _) in zip(times, times[1:]))  # in order, never overlapping
    margin = CUE_MARGIN_FRAMES / 15  # a chapter's last cue ends this much early (-ql: 15 fps)
    for s, (a, b) in zip(subtitles, times):  # a reader's pace
        assert b - a >= MIN_CUE - margin and len(s.content.replace("\n", " ")) / (b - a + margin) <= MAX_CPS, s.content
    history = train(RunConfig(layers=(1, 3, 1), epochs=12, snapshot_every=4, samples=24))
    board = storyboard(history, SCENES["TrainingLecture"].load().plan)
    assert [s.content for s in subtitles] == [text for c in board for _, _, text in cues(c)]  # every chapter's words
    said = " ".join(s.content.replace("\n", " ") for s in subtitles)
    assert f"the loss is {fmt_loss(history.loss[0])}" in said and fmt_loss(history.final_loss) in said
    planned = np.cumsum([0.0] + [c.seconds for c in board])
    first_cues = []
    k = 0
    for c in board:
        first_cues.append(times[k][0])
        k += len(cues(c))
    np.testing.assert_allclose(first_cues, planned[:-1], atol=1.0)  # within manim's frame rounding
    # --save_sections: a video and its own subtitles for every chapter, the new ones included.
    sections = sorted(video.parent.glob("sections/TrainingLecture_*.mp4"))
    assert [p.stem.split("_", 2)[2] for p in sections] == [c.name for c in board]
    for path, chapter in zip(sections, board):
        assert [c.content for c in srt.parse(path.with_suffix(".srt").read_text())] == [t for _, _, t in cues(chapter)]


def test_a_chapters_slack_goes_to_its_stretch_beat_not_a_blank_frame(seed_history):
    """The title's words need longer than its plays: the card holds for the difference (before
    it fades), so the chapter lasts exactly its reading time and no blank frame is held."""
    from nnviz_core.chapters import reading_seconds, storyboard

    title = storyboard(seed_history, [("title", {})])[0]
    plays = 1.5 + 1.0 + 1.5 + 1.0  # write_title, card, hold, fade_out as declared
    need = reading_seconds(title.narration)
    assert need > plays  # the case this test is about
    assert title.beats.hold == pytest.approx(1.5 + need - plays)
    assert title.beats.total == pytest.approx(title.seconds) == pytest.approx(need)


# -- the contributions' ▲ marks, named for the activation -----------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_the_marks_where_z_is_0_are_named_for_the_activation_in_both_renderers(activation, tmp_path):
    """The ▲ sits where a unit's z = 0 (from training's weights here): a ReLU switches on there,
    a tanh is at its centre (0), a sigmoid at its middle (0.5); the words say which."""
    from manim import Text, tempconfig

    from nnviz_core.dashboard import Dashboard
    from scenes.clips import NeuronContributions

    from drawn import frameless

    h = train(RunConfig(layers=(1, 4, 1), activation=activation, epochs=3, snapshot_every=1))
    state = h.at_epoch(h.epochs)
    at = state.switch_points()[-1]
    shown = np.isfinite(at)
    assert shown.any()
    z = state.weights[0][0, shown] * at[shown] + state.biases[0][0, shown]  # training's first layer at the marks
    np.testing.assert_allclose(z, 0, atol=1e-9)
    a = {"relu": np.maximum(z, 0), "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}[activation]
    np.testing.assert_allclose(a, {"relu": 0.0, "tanh": 0.0, "sigmoid": 0.5}[activation], atol=1e-9)
    expected = {"relu": "switches on", "tanh": "centre (z = 0)", "sigmoid": "middle (z = 0)"}[activation]

    d = Dashboard(h, panels=("fit", "contributions"), dpi=40)
    d.update(state)
    title = d.panels["contributions"].title.get_text()
    short = {"relu": "where a unit switches", "tanh": "a unit's centre", "sigmoid": "a unit's middle"}[activation]
    assert f"▲ {short}" in title
    assert (activation == "relu") == ("switch" in title)

    notes = []

    class Watched(NeuronContributions):
        def note(self, *lines, **kwargs):
            super().note(*lines, **kwargs)
            notes.append(" ".join(" ".join(m.original_text for m in self.notes.get_family() if isinstance(m, Text)).split()))

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Watched(renderer=frameless())
        scene.history = h
        scene.render()
    said = " ".join(notes)
    assert f"▲ {'where each unit' if activation == 'relu' else 'each unit' + chr(39) + 's'} {expected}" in said
    assert (activation == "relu") == ("switch" in said)
