"""The training loop: full-batch gradient descent on the problem's loss (MSE or cross-entropy),
turning a RunConfig into a History."""
from __future__ import annotations

import numpy as np

from . import trace as per_epoch
from .config import RunConfig
from .data import input_grid, make_dataset
from .errors import TrainingDiverged
from .events import DIVERGENCE_WORDS, diverges
from .history import History, checkpoint_epochs
from .memory import check_run_memory
from .model import backward, forward, init_params, sgd_step
from .numbers import fmt_value
from .problems import make_problem


def train(config: RunConfig = RunConfig(), progress=None, keep_diverged: bool = False) -> History:
    """Train once and record what cannot be recomputed cheaply.

    Epoch e evaluates the weights *before* update e. The History keeps the loss of every epoch,
    the weights and biases at every checkpoint epoch (``snapshot_every``), and a few numbers per
    epoch that the renderers need before they draw (ranges, dead units). Everything else, at any
    epoch, is replayed from the nearest checkpoint by ``History.at_epoch``.

    A run whose loss diverges (not finite, or past DIVERGENCE_FACTOR times its start: see
    nnviz_core.events.diverges) raises TrainingDiverged, or with ``keep_diverged`` ends at the
    last epoch before it with ``History.diverged_at`` set.
    """
    check_run_memory(config)  # refused before anything is allocated
    rng = np.random.RandomState(config.seed)  # one stream: data noise first, then weights
    X, y = make_dataset(config.dataset, config.samples, config.noise, rng, config.classes)
    weights, biases = init_params(config.layers, config.activation, config.init, rng)
    problem = make_problem(config, X, y, input_grid(X))
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, once
        return _run(config, problem, weights, biases, progress, keep_diverged)


def _run(config, problem, weights, biases, progress, keep_diverged) -> History:
    X, y = problem.X, problem.y  # the features the network reads
    keep = set(checkpoint_epochs(config.epochs, config.snapshot_every))
    # Checkpoints are copied straight into their final arrays, so the run never holds them twice
    # (RunConfig.memory_needed counts them once). A diverged run stops early and fills fewer.
    stored_w = [np.empty((len(keep), d_in, d_out)) for d_in, d_out in zip(config.layers[:-1], config.layers[1:])]
    stored_b = [np.empty((len(keep), 1, d_out)) for d_out in config.layers[1:]]
    stored_epochs = []

    def store(epoch, weights, biases):
        for target, arrays in ((stored_w, weights), (stored_b, biases)):
            for stack, array in zip(target, arrays):
                stack[len(stored_epochs)] = array
        stored_epochs.append(epoch)

    losses = np.empty(config.epochs + 1)
    trace = per_epoch.empty(config.epochs, config.layers, config.class_count)
    diverged_at = None
    finite = None  # (epoch, weights, biases) of the last epoch before it diverged
    for epoch in range(config.epochs + 1):
        zs, acts = forward(X, weights, biases, config.activation)
        loss = problem.loss.value(acts[-1], y)
        if diverges(loss, losses[0] if epoch else loss):
            if not keep_diverged or epoch == 0:
                grew = (f"became {loss}" if not np.isfinite(loss) else
                        f"grew to {fmt_value(loss)}, over {DIVERGENCE_WORDS} times its start "
                        f"({fmt_value(losses[0])}),")
                raise TrainingDiverged(
                    f"training diverged: the loss {grew} at epoch {epoch} "
                    f"(lr {config.lr}); try a smaller learning rate, e.g. --lr {config.lr / 10:g}")
            diverged_at = epoch
            break
        losses[epoch] = loss
        finite = (epoch, weights, biases)
        grad_w, grad_b = backward(X, y, weights, zs, acts, config.activation, problem.loss)
        per_epoch.record(trace, epoch, acts, weights, biases, grad_w, config.activation, problem)
        if epoch in keep:
            store(epoch, weights, biases)
        if epoch < config.epochs:  # the last epoch's update would never be shown
            weights, biases = sgd_step(weights, biases, grad_w, grad_b, config.lr)
        if progress:
            progress(epoch + 1, config.epochs + 1)
    last, ws, bs = finite
    if last not in stored_epochs:  # a diverged run ends on a checkpoint too
        store(last, ws, bs)
    S = len(stored_epochs)
    arrays = {"checkpoint_epochs": np.array(stored_epochs)}
    for l in range(len(config.layers) - 1):
        arrays[f"w{l}"], arrays[f"b{l}"] = stored_w[l][:S], stored_b[l][:S]
    arrays.update({k: v[:last + 1] for k, v in trace.items()})
    return History(config, problem.raw_inputs, y, problem.raw_grid, losses[:last + 1], arrays, diverged_at)

