"""The per-epoch trace: the few numbers a History keeps for every epoch beside its loss, because
the renderers need them before they draw (fixed colour scales, the prediction's range, when
units die, and for a classification the accuracy and how often each class is predicted).
Declared here once, for training (which fills it), the run file (which checks its shapes) and
the memory estimate (which counts it)."""
from __future__ import annotations

import numpy as np

from .model import dead_units
from .problems import class_probabilities

LARGEST = ("weights", "biases", "grad_weights")  # the columns of trace["largest"]: max |value|
DTYPES = {"prediction_range": np.float64, "dead_counts": np.int32, "largest": np.float64,
          "accuracy": np.float64, "predicted_counts": np.int32}


def columns(layers, classes: int = 0) -> dict[str, int]:
    """name -> numbers per epoch, for a network of ``layers`` sorting into ``classes`` (0: a
    regression, which keeps no accuracy)."""
    out = {"prediction_range": 2,  # the lowest and highest output z on the training inputs
           "dead_counts": len(layers) - 2,  # dead units in each hidden layer
           "largest": len(LARGEST)}
    if classes:
        out |= {"accuracy": 1,  # the share of training points whose predicted class is theirs
                "predicted_counts": classes}  # training points predicted as each class
    return out


def floats_per_epoch(layers, classes: int = 0) -> int:
    """8-byte numbers kept per epoch: the loss and the trace (counts are held as wide as floats)."""
    return 1 + sum(columns(layers, classes).values())


def empty(epochs: int, layers, classes: int = 0) -> dict[str, np.ndarray]:
    """The trace of epochs 0..epochs, zeroed (no unit is dead until one is counted)."""
    return {name: np.zeros((epochs + 1, width), DTYPES[name]) for name, width in columns(layers, classes).items()}


def predicted_classes(z: np.ndarray, loss) -> np.ndarray:
    """(n,) int: the most probable class of each row of logits z."""
    return np.argmax(class_probabilities(z, loss), axis=1)


def record(trace: dict, epoch: int, acts, weights, biases, grad_w, activation: str, problem=None) -> None:
    """Fill epoch ``epoch`` of ``trace`` from that epoch's activations, parameters and gradients
    (and, for a classification, the Problem's labels)."""
    trace["prediction_range"][epoch] = acts[-1].min(), acts[-1].max()
    trace["dead_counts"][epoch] = [d.sum() for d in dead_units(acts[:-1], activation)]
    trace["largest"][epoch] = [max(np.abs(a).max() for a in arrays) for arrays in (weights, biases, grad_w)]
    if "accuracy" in trace:
        guess = predicted_classes(acts[-1], problem.loss)
        trace["accuracy"][epoch] = np.mean(guess == problem.labels())
        trace["predicted_counts"][epoch] = np.bincount(guess, minlength=problem.classes)
