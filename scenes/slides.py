"""Slide versions of the lecture and the clips, for manim-slides: one slide per chapter, each
with the chapter's narration as its speaker notes. Needs the optional extra: pip install -e .[slides]

    manim-slides render scenes/slides.py TrainingLectureSlides
    manim-slides convert TrainingLectureSlides talk.html      # or: --to pptx talk.pptx

The plain scenes (scenes/training.py, scenes/clips.py) never import manim-slides.
"""
import sys
try:
    from manim_slides import Slide
except ImportError:
    print("nnviz: scenes/slides.py needs manim-slides; install it with: pip install -e .[slides]",
          file=sys.stderr)
    raise SystemExit(2) from None

from scenes.registry import SCENES


class SlideChapters(Slide):
    """Turns each chapter of a lecture scene into a slide (and a section) with notes."""

    def next_section(self, name: str) -> None:
        """``chapter()`` starts its section here: a slide, whose speaker notes are the chapter's
        narration (the same words as the video's subtitles)."""
        self.next_slide(name, notes=self.storyboard[name].narration)


# One <Scene>Slides class per scene of the registry, e.g. TrainingLectureSlides.
for _entry in SCENES.values():
    globals()[f"{_entry.name}Slides"] = type(f"{_entry.name}Slides", (SlideChapters, _entry.load()),
                                             {"__module__": __name__})
