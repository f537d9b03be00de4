"""The training loop: full-batch gradient descent on MSE, turning a RunConfig into a History."""
from __future__ import annotations

import numpy as np

from .config import RunConfig
from .data import input_grid, make_dataset
from .errors import TrainingDiverged
from .history import History, snapshot_epochs
from .model import backward, forward, init_params, mse


def train(config: RunConfig = RunConfig(), progress=None) -> History:
    """Train once and record everything the renderers need.

    Epoch e evaluates the weights *before* update e: its loss, its gradients, and (at snapshot
    epochs) the weights themselves, the per-layer pre-activations and activations, and the
    prediction on a dense grid all belong to that one set of weights.
    """
    rng = np.random.RandomState(config.seed)  # one stream: data noise first, then weights
    X, y = make_dataset(config.dataset, config.samples, config.noise, rng)
    weights, biases = init_params(config.layers, config.activation, config.init, rng)
    grid = input_grid(X)

    losses = np.empty(config.epochs + 1)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, once
        return _run(config, X, y, grid, weights, biases, losses, progress)


def _run(config, X, y, grid, weights, biases, losses, progress) -> History:
    keep = snapshot_epochs(config.epochs, config.snapshot_every)
    kept = set(keep)
    snapshots = []
    for epoch in range(config.epochs + 1):
        zs, acts = forward(X, weights, biases, config.activation)
        loss = mse(acts[-1], y)
        if not np.isfinite(loss):
            raise TrainingDiverged(
                f"training diverged: the loss became {loss} at epoch {epoch} "
                f"(lr {config.lr}); try a smaller learning rate, e.g. --lr {config.lr / 10:g}")
        losses[epoch] = loss
        grad_w, grad_b = backward(X, y, weights, zs, acts, config.activation)
        if epoch in kept:
            _, grid_acts = forward(grid, weights, biases, config.activation)
            snapshots.append(dict(
                weights=[w.copy() for w in weights], biases=[b.copy() for b in biases],
                grad_weights=grad_w, grad_biases=grad_b, pre_activations=zs, activations=acts,
                prediction=grid_acts[-1]))
        if epoch < config.epochs:  # the last epoch's update would never be shown
            for w, b, dw, db in zip(weights, biases, grad_w, grad_b):
                w -= config.lr * dw
                b -= config.lr * db
        if progress:
            progress(epoch + 1, config.epochs + 1)
    return History.from_snapshots(config, X, y, grid, losses, keep, snapshots)
