"""TrainingLecture: the main video. Render from the repo root:

    manim -qh scenes/training.py TrainingLecture
"""
from scenes.lecture import LectureSteps


class TrainingLecture(LectureSteps):
    """About 115 s: one sample through the network and back, where a gradient comes from, the
    whole run, then what each neuron computes."""

    plan = (("title", {}), ("build-the-network", {}), ("forward-pass", {}), ("loss-for-one-sample", {}),
            ("backward-pass", {}), ("where-the-gradient-comes-from", {}), ("weight-update", {}),
            ("training-montage", {}), ("what-each-neuron-computes", {}), ("summary", {}))

    def construct(self):
        self.show_title()
        self.build_network()
        self.forward_pass()
        self.sample_loss()
        self.backward_pass()
        self.gradient_from_points()
        self.update_weights()
        self.training_montage()
        self.neuron_contributions()
        self.summary()
