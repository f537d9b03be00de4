"""TrainingLecture: the main video. Render from the repo root:

    manim -qh scenes/training.py TrainingLecture
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # manim puts only scenes/ on sys.path

from scenes.lecture import LectureSteps  # noqa: E402


class TrainingLecture(LectureSteps):
    """About 75 s: one sample through the network and back, then the whole run."""

    def construct(self):
        self.show_title()
        self.build_network()
        self.forward_pass()
        self.sample_loss()
        self.backward_pass()
        self.update_weights()
        self.training_montage()
        self.summary()
