"""The per-epoch trace: the few numbers a History keeps for every epoch beside its loss, because
the renderers need them before they draw (fixed colour scales, the prediction's range, when
units die). Declared here once, for training (which fills it), the run file (which checks its
shapes) and the memory estimate (which counts it)."""
from __future__ import annotations

import numpy as np

from .model import dead_units

LARGEST = ("weights", "biases", "grad_weights")  # the columns of trace["largest"]: max |value|
DTYPES = {"prediction_range": np.float64, "dead_counts": np.int32, "largest": np.float64}


def columns(layers) -> dict[str, int]:
    """name -> numbers per epoch, for a network of ``layers``."""
    return {"prediction_range": 2,  # the lowest and highest prediction on the training inputs
            "dead_counts": len(layers) - 2,  # dead units in each hidden layer
            "largest": len(LARGEST)}


def floats_per_epoch(layers) -> int:
    """8-byte numbers kept per epoch: the loss and the trace (counts are held as wide as floats)."""
    return 1 + sum(columns(layers).values())


def empty(epochs: int, layers) -> dict[str, np.ndarray]:
    """The trace of epochs 0..epochs, zeroed (no unit is dead until one is counted)."""
    return {name: np.zeros((epochs + 1, width), DTYPES[name]) for name, width in columns(layers).items()}


def record(trace: dict, epoch: int, acts, weights, biases, grad_w, activation: str) -> None:
    """Fill epoch ``epoch`` of ``trace`` from that epoch's activations, parameters and gradients."""
    trace["prediction_range"][epoch] = acts[-1].min(), acts[-1].max()
    trace["dead_counts"][epoch] = [d.sum() for d in dead_units(acts[:-1], activation)]
    trace["largest"][epoch] = [max(np.abs(a).max() for a in arrays) for arrays in (weights, biases, grad_w)]
