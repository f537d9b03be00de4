"""The training loop: gradient descent on the problem's loss (MSE or cross-entropy) plus its
penalty, full batch or in minibatches, with sgd, momentum or adam (nnviz_core.optim), turning a
RunConfig into a History."""
from __future__ import annotations

import numpy as np

from . import trace as per_epoch
from .config import RunConfig
from .data import input_grid, make_dataset
from .errors import NnvizError, TrainingDiverged
from .events import DIVERGENCE_WORDS, diverges
from .history import History, checkpoint_arrays, checkpoint_epochs, checkpoint_shapes
from .memory import check_run_memory
from .model import backward, forward, init_params
from .numbers import fmt_value
from .optim import empty_memory, shuffle_key, take_steps, update
from .points import read_points
from .problems import make_problem


def train(config: RunConfig = RunConfig(), progress=None, keep_diverged: bool = False) -> History:
    """Train once and record what cannot be recomputed cheaply.

    Epoch e evaluates the weights *before* epoch e's updates (one, or one per minibatch). The
    History keeps the loss of every epoch, the loss of every step's batch, the weights, biases
    and the optimiser's memory at every checkpoint epoch (``snapshot_every``), and a few numbers
    per epoch that the renderers need before they draw (ranges, dead units, the penalty, the
    test loss). Everything else, at any epoch or step, is replayed from the nearest checkpoint by
    ``History.at_epoch`` and ``History.at_step``.

    The run's random stream gives, in order: the data, the initial weights and the key of the
    batch orders (only with minibatches), so a run without minibatches draws exactly what the
    seed does. The held-out points come from a stream of their own (``split_stream``): the split
    depends on the seed and the data only, so runs that differ in architecture hold out the same
    points and compare on the same split.

    A run whose loss diverges (not finite, or past DIVERGENCE_FACTOR times its start: see
    nnviz_core.events.diverges) raises TrainingDiverged, or with ``keep_diverged`` ends at the
    last epoch before it with ``History.diverged_at`` set.
    """
    check_run_memory(config)  # refused before anything is allocated
    rng = np.random.RandomState(config.seed)  # one stream: data noise first, then weights, ...
    if config.data_columns:  # a .csv file's points, as its config read them: nothing is drawn for them
        X, y = file_points(config)
    else:
        X, y = make_dataset(config.dataset, config.samples, config.noise, rng, config.classes)
    weights, biases = init_params(config.layers, config.activation, config.init, rng)
    grid = input_grid(X, own_points=bool(config.data_columns))  # over every point, held-out ones too
    X, y, X_test, y_test = hold_out(X, y, config.held_out, split_stream(config.seed))
    key = shuffle_key(rng) if config.steps_per_epoch > 1 else None
    problem = make_problem(config, X, y, grid, X_test, y_test)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, once
        return _run(config, problem, weights, biases, key, progress, keep_diverged)


def file_points(config: RunConfig):
    """(X, y) of a .csv dataset, read again: the file must still be the one the config read."""
    points = read_points(config.dataset)
    if points.sha256 != config.data_sha256:
        raise NnvizError(f"{config.dataset}: the file changed after its settings were read (sha256 "
                         f"{config.data_sha256[:12]}... then, {points.sha256[:12]}... now); run again")
    return points.X, points.targets()


def split_stream(seed: int) -> np.random.RandomState:
    """The held-out split's own stream: the seed's, kept apart from the weights' draws."""
    return np.random.RandomState([seed, 1])


def hold_out(X, y, count: int, rng):
    """(X, y, X_test, y_test): ``count`` points drawn from ``rng`` are held out; both parts keep
    the points' own order. With none held out, X and y are returned as they are, and nothing is
    drawn."""
    if count == 0:
        return X, y, X[:0], y[:0]
    test = np.zeros(len(X), bool)
    test[rng.permutation(len(X))[:count]] = True
    return X[~test], y[~test], X[test], y[test]


def _run(config, problem, weights, biases, key, progress, keep_diverged) -> History:
    X, y = problem.X, problem.y  # the features the network reads
    steps = config.steps_per_epoch
    keep = set(checkpoint_epochs(config.epochs, config.snapshot_every))
    # Checkpoints are copied straight into their final arrays, so the run never holds them twice
    # (RunConfig.memory_needed counts them once). A diverged run stops early and fills fewer.
    stored = {name: np.empty((len(keep), *shape)) for name, shape in checkpoint_shapes(config).items()}
    stored_epochs = []

    def store(epoch, weights, biases, memory):
        for name, array in checkpoint_arrays(weights, biases, memory).items():
            stored[name][len(stored_epochs)] = array
        stored_epochs.append(epoch)

    losses = np.empty(config.epochs + 1)
    batch_losses = np.empty((config.epochs, steps))  # row e: the batches of epoch e's steps
    trace = per_epoch.empty(config)
    memory = empty_memory(config.optimizer, weights, biases)
    diverged_at = None
    finite = None  # (epoch, weights, biases, memory) of the last epoch before it diverged
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
        finite = (epoch, weights, biases, memory)
        grad_w, grad_b = backward(X, y, weights, zs, acts, config.activation, problem.loss)
        total_w = problem.descent_gradients(grad_w, weights)  # the gradient a State shows: with L2's, not L1's
        per_epoch.record(trace, epoch, acts, weights, biases, total_w, problem)
        if epoch in keep:
            store(epoch, weights, biases, memory)
        if epoch < config.epochs:  # the last epoch's update would never be shown
            if steps == 1:  # the full batch: this epoch's own gradient is the step's
                batch_losses[epoch, 0] = loss
                weights, biases, memory = update(config, weights, biases, grad_w, grad_b, memory, epoch)
            else:
                weights, biases, memory = take_steps(config, problem, weights, biases, memory, epoch, 0, steps,
                                                     key, batch_losses[epoch])
        if progress:
            progress(epoch + 1, config.epochs + 1)
    last, ws, bs, mem = finite
    if last not in stored_epochs:  # a diverged run ends on a checkpoint too
        store(last, ws, bs, mem)
    S = len(stored_epochs)
    arrays = {"checkpoint_epochs": np.array(stored_epochs), "batch_loss": batch_losses[:last],
              "shuffle_key": np.array(-1 if key is None else key), "X_test": problem.test_inputs,
              "y_test": problem.y_test}
    arrays.update({name: stack[:S] for name, stack in stored.items()})
    arrays.update({k: v[:last + 1] for k, v in trace.items()})
    return History(config, problem.raw_inputs, y, problem.raw_grid, losses[:last + 1], arrays, diverged_at)
