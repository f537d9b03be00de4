"""Slides, `nnviz render` and saved runs: the ways a lecturer puts the lecture into a talk."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SMALL_RUN = "[nnviz]\nepochs = 10\nsnapshot_every = 5\n"

needs_slides = pytest.mark.skipif(shutil.which("manim-slides", path=str(BIN)) is None,
                                  reason="manim-slides is not installed (pip install -e .[slides])")


def cli(*args, cwd):
    return subprocess.run([str(BIN / "nnviz"), *args], capture_output=True, text=True, cwd=cwd)


@needs_slides
def test_slide_scene_writes_one_slide_per_chapter_with_notes(deck):
    from nnviz_core import RunConfig, train
    from scenes.clips import LossCurve
    from nnviz_core.chapters import storyboard

    slides = json.loads((deck / "slides" / "LossCurveSlides.json").read_text())["slides"]
    history = train(RunConfig(epochs=10))
    # The notes are the chapters' narration: the very words of the video's subtitles.
    assert [s["notes"] for s in slides] == [c.narration for c in storyboard(history, LossCurve.plan)]
    assert "0.5625" in slides[0]["notes"]  # the run's own loss at epoch 0
    for s in slides:
        assert (deck / s["file"]).stat().st_size > 1000


@needs_slides
def test_html_deck_references_every_slide(deck):
    result = subprocess.run([str(BIN / "manim-slides"), "convert", "LossCurveSlides", "talk.html"],
                            capture_output=True, text=True, cwd=deck)
    assert result.returncode == 0, result.stderr[-2000:]
    html = (deck / "talk.html").read_text()
    slides = json.loads((deck / "slides" / "LossCurveSlides.json").read_text())["slides"]
    for s in slides:
        name = Path(s["file"]).name
        assert f"talk_assets/{name}" in html
        assert (deck / "talk_assets" / name).is_file()
    assert html.count("<section") == len(slides)


@needs_slides
def test_every_scene_has_a_slide_version():
    import scenes.slides as slides
    from scenes.registry import SCENES

    for entry in SCENES.values():
        slide_class = getattr(slides, f"{entry.name}Slides")
        assert issubclass(slide_class, slides.SlideChapters)
        assert issubclass(slide_class, entry.load())


def test_render_writes_a_still_and_prints_its_path(tmp_path):
    (tmp_path / "manim.cfg").write_text(SMALL_RUN)
    result = cli("render", "LossCurve", "--quality", "l", "--format", "png", "--layers", "1,4,1",
                 "--media-dir", str(tmp_path / "media"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    path = Path(result.stdout.strip().splitlines()[-1].removeprefix("wrote "))
    assert path.is_file() and path.suffix == ".png" and str(tmp_path) in str(path)
    assert Image.open(path).size == (854, 480)


@pytest.mark.parametrize("args, words", [
    (["NoSuchScene"], "unknown scene"), (["traininglecture"], "did you mean TrainingLecture"),
    (["LossCurve", "--lr", "-1"], "--lr"), (["LossCurve", "--format", "avi"], "--format"),
    (["LossCurve", "--run", "missing.npz"], "missing.npz"), ([], "name a scene"),
    (["LossCurve", "--jobs", "0"], "--jobs")])
def test_render_bad_arguments_are_one_line_exit_2(tmp_path, args, words):
    result = cli("render", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr
    assert not (tmp_path / "media").exists()


def test_render_list_names_every_scene(tmp_path):
    from scenes.registry import SCENES

    result = cli("render", "--list", cwd=tmp_path)
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(SCENES)


def test_saved_run_renders_the_same_frames_as_a_fresh_run(tmp_path):
    """`run = run.npz` in [nnviz] renders without retraining, and looks the same."""
    (tmp_path / "manim.cfg").write_text("[nnviz]\nlayers = 1,6,1\nactivation = tanh\nepochs = 10\n")
    assert cli("train", "--out", "run.npz", cwd=tmp_path).returncode == 0
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "manim.cfg").write_text("[nnviz]\nrun = ../run.npz\n")

    def still(folder):
        command = [str(BIN / "manim"), "render", "-ql", "-s", "--media_dir", "media",
                   str(REPO / "scenes/clips.py"), "FitEvolves"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=folder)
        assert result.returncode == 0, result.stderr[-2000:]
        return np.asarray(Image.open(next((folder / "media").rglob("FitEvolves*.png"))).convert("RGB"))

    fresh, from_file = still(tmp_path), still(saved)
    assert fresh.shape == (480, 854, 3)
    assert np.array_equal(fresh, from_file)


@needs_slides
def test_pptx_deck_has_every_slide_and_its_notes(deck):
    from pptx import Presentation

    result = subprocess.run([str(BIN / "manim-slides"), "convert", "--to", "pptx", "LossCurveSlides",
                             "talk.pptx"], capture_output=True, text=True, cwd=deck)
    assert result.returncode == 0, result.stderr[-2000:]
    slides = json.loads((deck / "slides" / "LossCurveSlides.json").read_text())["slides"]
    deck_slides = list(Presentation(str(deck / "talk.pptx")).slides)
    assert len(deck_slides) == len(slides)
    assert [s.notes_slide.notes_text_frame.text for s in deck_slides] == [s["notes"] for s in slides]


def test_save_sections_writes_one_named_file_per_chapter(tmp_path):
    (tmp_path / "manim.cfg").write_text(SMALL_RUN)
    command = [str(BIN / "manim"), "render", "-ql", "--save_sections", "--media_dir", "media",
               str(REPO / "scenes/clips.py"), "LossCurve"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    sections = sorted(p.stem for p in (tmp_path / "media").rglob("sections/*.mp4"))
    assert sections == ["LossCurve_0000_loss-at-the-start", "LossCurve_0001_training",
                        "LossCurve_0002_final-state"]
    # Each section keeps its chapter's subtitles, timed from the section's own start.
    import srt
    training = next((tmp_path / "media").rglob("sections/LossCurve_0001_training.srt")).read_text()
    cues = list(srt.parse(training))
    assert cues and cues[0].start.total_seconds() == 0 and "Training from epoch 0" in cues[0].content
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))


def test_plain_scenes_never_need_manim_slides():
    """With manim-slides unimportable, the plain scenes still import; slides.py says what to install."""
    code = ("import sys; sys.modules['manim_slides'] = None\n"
            "import scenes.training, scenes.clips, scenes.dashboard\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
    code = "import sys; sys.modules['manim_slides'] = None; import scenes.slides"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2 and "pip install -e .[slides]" in result.stderr
