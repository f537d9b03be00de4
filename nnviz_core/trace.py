"""The per-epoch trace: the few numbers a History keeps for every epoch beside its loss, because
the renderers need them before they draw (fixed colour scales, the prediction's range, when
units die, and for a classification the accuracy and how often each class is predicted), and
what a loss panel may plot beside the training loss: the penalty (L1, L2) and, with held-out
points, the test loss (and accuracy). Declared here once, for training (which fills it), the run
file (which checks its shapes) and the memory estimate (which counts it)."""
from __future__ import annotations

import numpy as np

from .model import dead_units, forward
from .problems import class_probabilities

LARGEST = ("weights", "biases", "grad_weights")  # the columns of trace["largest"]: max |value|
DTYPES = {"prediction_range": np.float64, "dead_counts": np.int32, "largest": np.float64,
          "accuracy": np.float64, "predicted_counts": np.int32, "penalty": np.float64,
          "test_loss": np.float64, "test_accuracy": np.float64}


def columns(config) -> dict[str, int]:
    """name -> numbers per epoch, for the run of a RunConfig (a regression keeps no accuracy, a run
    without held-out points no test loss)."""
    classes = config.class_count
    out = {"prediction_range": 2,  # the lowest and highest output z on the training inputs
           "dead_counts": len(config.layers) - 2,  # dead units in each hidden layer
           "largest": len(LARGEST),  # of the weights, the biases and the gradient (with L2's part, never L1's)
           "penalty": 1}  # l2·Σw² + l1·Σ|w|: h.loss is the data's loss alone
    if classes:
        out |= {"accuracy": 1,  # the share of training points whose predicted class is theirs
                "predicted_counts": classes}  # training points predicted as each class
    if config.held_out:
        out["test_loss"] = 1  # the data loss on the held-out points
        if classes:
            out["test_accuracy"] = 1
    return out


def floats_per_epoch(config) -> int:
    """8-byte numbers kept per epoch: the loss and the trace (counts are held as wide as floats)."""
    return 1 + sum(columns(config).values())


def empty(config) -> dict[str, np.ndarray]:
    """The trace of epochs 0..epochs, zeroed (no unit is dead until one is counted)."""
    return {name: np.zeros((config.epochs + 1, width), DTYPES[name]) for name, width in columns(config).items()}


def predicted_classes(z: np.ndarray, loss) -> np.ndarray:
    """(n,) int: the most probable class of each row of logits z."""
    return np.argmax(class_probabilities(z, loss), axis=1)


def record(trace: dict, epoch: int, acts, weights, biases, grad_w, problem) -> None:
    """Fill epoch ``epoch`` of ``trace`` from that epoch's activations, parameters and gradients
    (with L2's part) on the Problem's training points, and its held-out points if any."""
    trace["prediction_range"][epoch] = acts[-1].min(), acts[-1].max()
    trace["dead_counts"][epoch] = [d.sum() for d in dead_units(acts[:-1], problem.activation)]
    trace["largest"][epoch] = [max(np.abs(a).max() for a in arrays) for arrays in (weights, biases, grad_w)]
    trace["penalty"][epoch] = problem.penalty(weights)
    if "accuracy" in trace:
        guess = predicted_classes(acts[-1], problem.loss)
        trace["accuracy"][epoch] = np.mean(guess == problem.labels())
        trace["predicted_counts"][epoch] = np.bincount(guess, minlength=problem.classes)
    if "test_loss" in trace:
        z = forward(problem.X_test, weights, biases, problem.activation)[1][-1]
        trace["test_loss"][epoch] = problem.loss.value(z, problem.y_test)
        if "test_accuracy" in trace:
            trace["test_accuracy"][epoch] = np.mean(predicted_classes(z, problem.loss) == problem.test_labels())
