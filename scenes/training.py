"""TrainingLecture: the main video. Render from the repo root:

    manim -qh scenes/training.py TrainingLecture
"""
from scenes.lecture import LectureSteps


class TrainingLecture(LectureSteps):
    """About 105 s: one sample through the network and back, the whole run, then what each
    neuron computes."""

    def construct(self):
        self.show_title()
        self.build_network()
        self.forward_pass()
        self.sample_loss()
        self.backward_pass()
        self.update_weights()
        self.training_montage()
        self.neuron_contributions()
        self.summary()
