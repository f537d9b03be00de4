"""Slide versions of the lecture and the clips, for manim-slides: one slide per chapter, each
with speaker notes that say what it shows. Needs the optional extra: pip install -e .[slides]

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


def speaker_notes(chapter: str, history) -> str:
    """What the slide of ``chapter`` shows, with the run's own numbers."""
    c = history.config
    shape = "-".join(map(str, c.layers))
    last = history.epochs
    notes = {
        "title": f"Title: a {shape} {c.activation} network trained on the {c.dataset} data "
                 f"({c.samples} points, learning rate {c.lr:g}, {c.epochs} epochs).",
        "build-the-network": "The network is built layer by layer. Edge colour is the sign of the "
                             "weight (blue negative, red positive), width its size; the ring is "
                             "the bias. Then the data it has to fit.",
        "forward-pass": "Forward pass for one training sample: the signal flows left to right, "
                        "each neuron fills by its activation, and ŷ lands on the data plot.",
        "loss-for-one-sample": "The gap between ŷ and y is this sample's error; squared and "
                               f"averaged over all points it is the loss ({history.loss[0]:.4f} at epoch 0).",
        "backward-pass": "Backward pass: gradient pulses run from ŷ back to x along every edge, "
                         "coloured by the sign of ∂L/∂w and sized by its magnitude.",
        "weight-update": "The update w ← w − η·∂L/∂w, worked through for the edge with the "
                         "largest gradient, then that one real step, epoch 0 to 1.",
        "what-each-neuron-computes": "The prediction rebuilt as the output bias plus each hidden "
                                     "unit's weighted output, then training replayed with every "
                                     "unit's piece moving.",
        "training-montage": f"The whole run, epochs 0 to {last}: edges, biases, the fitted curve, "
                            "the loss marker and the epoch counter move together.",
        "summary": f"Where training ends: loss {history.loss[0]:.4f} → {history.final_loss:.4f} "
                   f"after {c.epochs} epochs.",
        "weights-at-the-start": "The network and its weight matrices at epoch 0.",
        "data-and-first-guess": "The data and the untrained network's first guess.",
        "loss-at-the-start": f"The loss at epoch 0: {history.loss[0]:.4f}.",
        "dashboard": "The seven-panel dashboard at epoch 0: fit, loss, network, weights, biases, gradients.",
        "training": f"Training from epoch 0 to {last}, every panel following the same weights.",
        "final-state": f"The final state at epoch {last}: loss {history.final_loss:.4f}.",
    }
    return notes[chapter]


class SlideChapters(Slide):
    """Turns each chapter of a lecture scene into a slide (and a section) with notes."""

    def next_section(self, name: str) -> None:
        """``chapter()`` starts its section here: a slide with its speaker notes as well."""
        self.next_slide(name, notes=speaker_notes(name, self.history))


# One <Scene>Slides class per scene of the registry, e.g. TrainingLectureSlides.
for _entry in SCENES.values():
    globals()[f"{_entry.name}Slides"] = type(f"{_entry.name}Slides", (SlideChapters, _entry.load()),
                                             {"__module__": __name__})
