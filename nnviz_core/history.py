"""History: the record of one training run, and State: the network at one moment.

This is replay and the cache; the file a History is saved to is nnviz_core.run_file.

The snapshot rule. ``snapshot_every`` sets the *checkpoints*: the weights and biases before
epoch e's updates, for e = 0, N, 2N, ... and the last epoch, with the optimiser's memory then
(momentum's velocity, adam's m and v). Training is deterministic (each epoch's batch order is a
function of the run's key and the epoch: nnviz_core.optim), so ``History.at_epoch(e)`` replays
the few epochs since the nearest earlier checkpoint and gives the exact network of any epoch, bit
for bit the one training had; ``History.at_step(e, s)``, the network before step s of epoch e,
likewise. The History also keeps the loss of every epoch (on the training points, without the
penalty), the loss of every step's batch, and a few per-epoch numbers the renderers need before
they draw (the prediction's range, dead-unit counts, the largest |w|, |b|, |∂L/∂w|, the penalty,
and with held-out points the test loss).

A State stores only weights and biases. Its loss, activations, prediction (or class
probabilities, predicted classes and accuracy), gradients and what each neuron does (its map on
the 2-D grid, a first-layer unit's line) are computed from them when first asked for, so every
number drawn belongs to the weights drawn.

``History.at(t)`` is the renderers' clock, t a fractional epoch. An epoch of k steps (k = 1 for
full batch) spans [e, e + 1) in k equal parts: t = e + (s + f)/k is step s of epoch e, a fraction
f done. There it is a tween of that one real step: w(e, s) + f · (w(e, s+1) − w(e, s)), the
update training made, part done, shown only where it stays between the step's two ends (else a
cut; see nnviz_core.timeline). It never glides across several steps.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import trace as per_epoch
from .config import RunConfig
from .model import backward, dead_units, forward, sample_deltas
from .optim import flat, take_steps, unflat
from .problems import Problem, class_probabilities, make_problem

CACHED_STATES = 64  # exact (epoch, step) states kept for sequential and repeated access
STEP_SNAP = 1e-6  # of a step: a clock time this close to a step's start is that start (float rounding)


@dataclass(frozen=True, eq=False)
class State:
    """The network at one moment of the clock (a fractional epoch). Lists hold one array per
    layer, input side first: weights[l] (d_l, d_{l+1}), biases[l] (1, d_{l+1}).

    ``epoch_step`` is (e, s): the whole epoch and the step of it the state is at (before that
    step's update), or part through for a tween; ``steps`` the steps per epoch (1: full batch)."""
    epoch: float
    weights: list
    biases: list
    problem: Problem
    epoch_step: tuple = (0, 0)
    steps: int = 1

    # -- forward and backward, computed once when asked for ---------------------------------
    @cached_property
    def _train_pass(self):
        return forward(self.problem.X, self.weights, self.biases, self.problem.activation)

    @cached_property
    def _grid_pass(self):
        return forward(self.problem.grid, self.weights, self.biases, self.problem.activation)

    @cached_property
    def _gradients(self):
        zs, acts = self._train_pass
        grad_w, grad_b = backward(self.problem.X, self.problem.y, self.weights, zs, acts,
                                  self.problem.activation, self.problem.loss)
        return self.problem.descent_gradients(grad_w, self.weights), grad_b

    @property
    def pre_activations(self) -> list:
        """z of every layer on the training inputs, (n, d_{l+1}) each."""
        return self._train_pass[0]

    @property
    def activations(self) -> list:
        """a of every layer on the training inputs; activations[-1] is the output layer's z:
        ŷ for a regression, the logits for a classification, (n, d_out)."""
        return self._train_pass[1]

    @cached_property
    def loss(self) -> float:
        """The data's loss on the training points (without the penalty: see total_loss)."""
        return self.problem.loss.value(self.activations[-1], self.problem.y)

    @property
    def penalty(self) -> float:
        """l2·Σw² + l1·Σ|w| over the weights (0 when the run has no penalty)."""
        return self.problem.penalty(self.weights)

    @property
    def total_loss(self) -> float:
        """What training minimises: the data's loss plus the penalty."""
        return self.loss + self.penalty

    @cached_property
    def _test_output(self):
        return forward(self.problem.X_test, self.weights, self.biases, self.problem.activation)[1][-1]

    @property
    def test_loss(self) -> float | None:
        """The data's loss on the held-out points; None for a run without them."""
        if not self.problem.has_test:
            return None
        return self.problem.loss.value(self._test_output, self.problem.y_test)

    @property
    def test_accuracy(self) -> float | None:
        """The share of held-out points whose predicted class is their own; None for a regression
        or a run without them."""
        if not (self.problem.has_test and self.problem.classes):
            return None
        guess = np.argmax(class_probabilities(self._test_output, self.problem.loss), axis=1)
        return float(np.mean(guess == self.problem.test_labels()))

    @cached_property
    def prediction(self) -> np.ndarray:
        """The output on History.grid, (G, d_out): ŷ for a regression, p(class 1) for two
        classes, each class's probability for k."""
        return self.problem.loss.output_of(self._grid_pass[1][-1])

    # -- classes -------------------------------------------------------------------------------
    @cached_property
    def probabilities(self) -> np.ndarray:
        """(n, k): each training point's probability of each class; rows sum to 1 (two classes:
        [1 − p, p])."""
        return class_probabilities(self.activations[-1], self.problem.loss)

    @cached_property
    def predicted_classes(self) -> np.ndarray:
        """(n,) int: each training point's most probable class."""
        return np.argmax(self.probabilities, axis=1)

    @cached_property
    def accuracy(self) -> float:
        """The share of training points whose predicted class is their own."""
        return float(np.mean(self.predicted_classes == self.problem.labels()))

    @cached_property
    def grid_probabilities(self) -> np.ndarray:
        """(G, k): each class's probability at every grid point."""
        return class_probabilities(self._grid_pass[1][-1], self.problem.loss)

    @property
    def grid_classes(self) -> np.ndarray:
        """(G,) int: the predicted class at every grid point (the decision regions)."""
        return np.argmax(self.grid_probabilities, axis=1)

    # -- maps on the 2-D grid ------------------------------------------------------------------
    def grid_map(self, values: np.ndarray) -> np.ndarray:
        """(G, c) values on the 2-D grid as an image (side, side, c), indexed [row of x2, column of
        x1], x2 rising with the row (see data.input_grid)."""
        side = self.problem.grid_side
        if not side:
            raise ValueError("maps are for 2-D data; 1-D data is drawn as curves on History.grid")
        return values.reshape(side, side, -1)

    def neuron_maps(self) -> list:
        """What every neuron outputs at every point of the 2-D grid: the map a Playground neuron
        shows. One array per layer after the input, (side, side, width): a hidden unit's
        activation, and the output layer's prediction (ŷ, or the class probabilities of the
        output units). All of them come from the State's one forward pass over the grid."""
        hidden = [self.grid_map(a) for a in self._grid_pass[1][:-1]]
        return hidden + [self.grid_map(self.prediction)]

    def pre_activation_maps(self) -> list:
        """z of every layer on the 2-D grid, (side, side, width): the output's are the logits.
        A first-layer unit's boundary w·φ(x) + b = 0 is the zero contour of its map here."""
        return [self.grid_map(z) for z in self._grid_pass[0]]

    def feature_maps(self) -> np.ndarray:
        """(side, side, d_in): each input feature (x1, x1², sin x2, ...) on the 2-D grid."""
        return self.grid_map(self.problem.grid)

    def first_layer_lines(self) -> np.ndarray | None:
        """(width, 3): each first-layer unit's line a·x1 + b·x2 + c = 0 in the input plane, as
        (a, b, c), where its z = w·x + b crosses 0 (a ReLU's edge, a tanh's or sigmoid's middle);
        the unit's z is positive on the side a·x1 + b·x2 + c > 0.

        Only when the features are x1 and x2 (in either order). With other features the unit's
        w·φ(x) + b = 0 is a plane in feature space, a curve in the input plane: None here, and
        that curve is the zero contour of pre_activation_maps()[0][..., j]."""
        if sorted(self.problem.features) != ["x1", "x2"]:
            return None
        order = [self.problem.features.index(name) for name in ("x1", "x2")]
        w = self.weights[0][order]  # (2, width): rows x1, x2
        return np.stack([w[0], w[1], self.biases[0][0]], axis=1)

    @property
    def grad_weights(self) -> list:
        """∂L/∂w for every layer over the training points, plus L2's 2·l2·w: the gradient a
        full-batch step takes (L1 is no gradient: its step towards 0 comes after the update)."""
        return self._gradients[0]

    @property
    def grad_biases(self) -> list:
        return self._gradients[1]

    # -- what each neuron does ---------------------------------------------------------------
    def contributions(self, output: int = 0) -> np.ndarray:
        """(G, H): column j is last-hidden unit j's weighted output on the grid, a[:, j] · w_out[j, o]
        for output o. Their sum plus that output's bias is its z: the prediction of a regression,
        the logit of a classification. (G, 0) for a net with no hidden layer."""
        if len(self.weights) < 2:
            return np.zeros((len(self.problem.grid), 0))
        a_last = self._grid_pass[1][-2]  # (G, H)
        return a_last * self.weights[-1][:, output]  # (G, H) * (H,) -> (G, H)

    def switch_points(self) -> list:
        """Per hidden layer, (width,): the x in the grid's range where each unit's pre-activation
        crosses 0 (a ReLU's kink, a tanh's or sigmoid's centre), NaN where it does not cross.

        The first layer's z = w·x + b is a line, so its crossing is exactly −b/w; deeper units
        are found on the grid (the first crossing, refined linearly)."""
        if self.problem.is_2d:
            raise ValueError("switch points are for 1-D data; for 2-D data see first_layer_lines")
        x = self.problem.raw_grid[:, 0]
        lo, hi = x.min(), x.max()
        points = []
        for l, z in enumerate(self._grid_pass[0][:-1]):  # (G, width) per hidden layer
            if l == 0 and self.problem.features == ("x",):
                w, b = self.weights[0][0], self.biases[0][0]
                with np.errstate(divide="ignore", invalid="ignore"):
                    cross = np.where(w != 0, -b / w, np.nan)
                points.append(np.where((cross >= lo) & (cross <= hi), cross, np.nan))
                continue
            points.append(_first_crossings(x, z))
        return points

    def dead_units(self) -> list:
        """Per hidden layer, (width,) bool: a unit whose activation is 0 on every training input
        (see model.dead_units for which activations can die)."""
        return dead_units(self.activations[:-1], self.problem.activation)

    # -- where a gradient comes from ---------------------------------------------------------
    @cached_property
    def _deltas(self):
        zs, acts = self._train_pass
        return sample_deltas(self.problem.y, self.weights, zs, acts, self.problem.activation, self.problem.loss)

    def _inputs_to(self, layer: int) -> np.ndarray:
        return self.problem.X if layer == 0 else self.activations[layer - 1]

    def sample_gradients(self, layer: int, i: int, j: int) -> np.ndarray:
        """(n,): each training point's gradient of its own loss (squared error or cross-entropy) with respect to
        weights[layer][i, j]. Their mean is grad_weights[layer][i, j] (less L2's 2·l2·w in a run
        with L2)."""
        return self._inputs_to(layer)[:, i] * self._deltas[layer][:, j]

    def sample_bias_gradients(self, layer: int, j: int) -> np.ndarray:
        """(n,): the same for biases[layer][0, j]."""
        return self._deltas[layer][:, j].copy()


def _first_crossings(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """For each column of z (G, width) on x (G,): the first x where it changes sign, linearly
    refined between the two grid points around it; NaN where it never does."""
    out = np.full(z.shape[1], np.nan)
    sign = np.sign(z)
    for j in range(z.shape[1]):
        exact = np.flatnonzero(sign[:, j] == 0)
        change = np.flatnonzero(sign[:-1, j] * sign[1:, j] < 0)
        first = min([*exact[:1], *change[:1]], default=None)
        if first is None:
            continue
        if sign[first, j] == 0:
            out[j] = x[first]
        else:
            z0, z1 = z[first, j], z[first + 1, j]
            out[j] = x[first] + (x[first + 1] - x[first]) * z0 / (z0 - z1)
    return out


class History:
    def __init__(self, config: RunConfig, X, y, grid, loss, arrays: dict, diverged_at: int | None = None):
        """X (n, 1 or 2) and grid (G, 1 or 2) are raw inputs; y (n, d_out) the targets of the
        training points; arrays["X_test"], arrays["y_test"] the held-out points (m may be 0)."""
        self.config = config
        self.X, self.y, self.grid = X, y, grid
        self.X_test, self.y_test = arrays["X_test"], arrays["y_test"]
        self.loss = loss  # (epochs + 1,): the training loss at every epoch, without the penalty
        self.diverged_at = diverged_at  # the first epoch whose loss was not finite, or None
        self.checkpoint_epochs = np.asarray(arrays["checkpoint_epochs"])
        # checkpoints[name]: (S, ...) for S checkpoints: w0, b0, ..., and the optimiser's slots
        self.checkpoints = {name: arrays[name] for name in checkpoint_shapes(config)}
        depth = len(config.layers) - 1
        self.checkpoint_weights = [self.checkpoints[f"w{l}"] for l in range(depth)]
        self.checkpoint_biases = [self.checkpoints[f"b{l}"] for l in range(depth)]
        self.trace = {name: arrays[name] for name in per_epoch.columns(config)}
        # (epochs, steps): row e holds the data loss of each of epoch e's batches, at the weights
        # before that step (the epochs that took their steps: a diverged run's last one did not)
        self.batch_loss = arrays["batch_loss"]
        key = int(arrays["shuffle_key"])
        self.shuffle_key = None if key < 0 else key  # the key of every epoch's batch order
        self.problem = make_problem(config, X, y, grid, self.X_test, self.y_test)  # the network reads their features
        self._exact: OrderedDict[tuple, tuple] = OrderedDict()  # (epoch, step) -> (weights, biases, memory)

    # -- what the run was ---------------------------------------------------------------------
    @property
    def epochs(self) -> int:
        """The last epoch recorded: config.epochs, or the last finite one of a diverged run."""
        return len(self.loss) - 1

    @property
    def steps(self) -> int:
        """Updates per epoch: 1 for full batch, else one per minibatch."""
        return self.config.steps_per_epoch

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    @cached_property
    def diverged_loss(self) -> float | None:
        """The loss at epoch diverged_at, the one that stopped training (``loss`` ends before it):
        the last epoch's update replayed, bit for bit training's; None for a run that did not
        diverge. It may be inf or NaN."""
        if self.diverged_at is None:
            return None
        weights, biases, _ = self._params(self.diverged_at, 0)
        with np.errstate(all="ignore"):  # it overflows, as training's did
            return float(State(self.diverged_at, weights, biases, self.problem, (self.diverged_at, 0), self.steps).loss)

    @property
    def penalty(self) -> np.ndarray:
        """(epochs + 1,): l2·Σw² + l1·Σ|w| at every epoch (zeros without a penalty); training
        minimised loss + penalty."""
        return self.trace["penalty"][:, 0]

    @property
    def test_loss(self) -> np.ndarray | None:
        """(epochs + 1,): the data loss on the held-out points at every epoch; None without them."""
        return self.trace["test_loss"][:, 0] if "test_loss" in self.trace else None

    @property
    def test_accuracy(self) -> np.ndarray | None:
        """(epochs + 1,): the accuracy on the held-out points; None for a regression or without them."""
        return self.trace["test_accuracy"][:, 0] if "test_accuracy" in self.trace else None

    def largest(self, name: str) -> float:
        """max |value| of ``name`` ("weights", "biases" or "grad_weights") over every layer and
        every epoch: the fixed, symmetric scale a colour or a bar of that kind is drawn against."""
        return float(self.trace["largest"][:, per_epoch.LARGEST.index(name)].max())

    @property
    def accuracy(self) -> np.ndarray | None:
        """(epochs + 1,): the training accuracy at every epoch; None for a regression."""
        return self.trace["accuracy"][:, 0] if "accuracy" in self.trace else None

    @property
    def is_classification(self) -> bool:
        return self.problem.classes > 0

    def prediction_bounds(self) -> tuple[float, float]:
        """The lowest and highest prediction on the grid over every epoch of the run."""
        r = self.trace["prediction_range"]
        return float(r[:, 0].min()), float(r[:, 1].max())

    def events(self):
        """What happened in training, said plainly: see nnviz_core.events."""
        from .events import detect

        if not hasattr(self, "_events"):
            self._events = detect(self)
        return self._events

    @cached_property
    def zero_weight_counts(self) -> np.ndarray:
        """(epochs · steps + 1,): how many weights are exactly 0 before each step of the run, in
        order (epoch e's step s at e·steps + s, the last epoch's start last), as training had
        them. Only L1 stops weights at 0 (nnviz_core.optim), so a run without it is read at its
        checkpoints alone, an update landing on exactly 0.0 by chance between them being not
        looked for; a run with it is replayed once, step by step, and kept."""
        count = lambda weights: sum(int(np.count_nonzero(w == 0)) for w in weights)
        counts = np.zeros(self.epochs * self.steps + 1, int)
        if self.config.l1:  # in order: each step resumes from the last (_params' cache)
            for e in range(self.epochs + 1):
                for s in range(self.steps if e < self.epochs else 1):
                    counts[e * self.steps + s] = count(self._params(e, s)[0])
        else:
            for k, e in enumerate(self.checkpoint_epochs):
                counts[int(e) * self.steps] = count([w[k] for w in self.checkpoint_weights])
        return counts

    @property
    def has_zero_weights(self) -> bool:
        """Whether any weight is exactly 0 at any step of the run (zero_weight_counts): then
        every network diagram names the zero edge ("w = 0")."""
        return bool(self.zero_weight_counts.any())

    # -- the network at any moment ------------------------------------------------------------
    def at_epoch(self, epoch: int) -> State:
        """The exact network before epoch ``epoch``'s updates, replayed from the nearest checkpoint."""
        if not (isinstance(epoch, (int, np.integer)) and 0 <= epoch <= self.epochs):
            raise ValueError(f"epoch {epoch} is not a whole number in [0, {self.epochs}]")
        return self.at_step(int(epoch), 0)

    def at_step(self, epoch: int, step: int) -> State:
        """The exact network before step ``step`` of epoch ``epoch`` (step 0: the epoch itself),
        bit for bit the one training had. The last epoch recorded has only its step 0."""
        whole = lambda v: isinstance(v, (int, np.integer))
        if not (whole(epoch) and 0 <= epoch <= self.epochs):
            raise ValueError(f"epoch {epoch} is not a whole number in [0, {self.epochs}]")
        top = self.steps - 1 if epoch < self.epochs else 0
        if not (whole(step) and 0 <= step <= top):
            raise ValueError(f"step {step} of epoch {epoch} is not a whole number in [0, {top}]")
        e, s = int(epoch), int(step)
        weights, biases, _ = self._params(e, s)
        return State(e + s / self.steps, weights, biases, self.problem, (e, s), self.steps)

    def memory_at(self, epoch: int, step: int = 0) -> dict:
        """The optimiser's memory before step ``step`` of ``epoch``, as training held it: slot ->
        one vector over every parameter in nnviz_core.optim.flat's order (momentum's velocity,
        adam's m and v; {} for sgd)."""
        self.at_step(epoch, step)  # checks the moment
        return {slot: vector.copy() for slot, vector in self._params(int(epoch), int(step))[2].items()}

    def clock(self, t: float) -> tuple[int, int, float]:
        """Where clock time t falls: (epoch e, step s of it, fraction f of that step done), with
        t = e + (s + f) / steps."""
        e = min(int(math.floor(t)), self.epochs)
        if self.steps == 1:
            return e, 0, t - e
        u = (t - e) * self.steps
        s = min(int(math.floor(u)), self.steps - 1)
        f = u - s
        if f < STEP_SNAP:  # e + s/steps, rounded in floats: that step's start
            f = 0.0
        elif f > 1 - STEP_SNAP:
            s, f = s + 1, 0.0
            if s == self.steps:
                e, s = e + 1, 0
        return e, s, f

    def at(self, t: float) -> State:
        """The network at clock time t: exact at the start of every step (every epoch, for full
        batch), and inside step s of epoch e that one update, a fraction f done, where that tween
        stays between the step's two ends; else the nearer end (the rule:
        nnviz_core.timeline.shown_epoch)."""
        from .timeline import shown_epoch

        if math.isnan(t) or not (-1e-9 <= t <= self.epochs + 1e-9):
            raise ValueError(f"t = {t} is outside [0, {self.epochs}]")
        t = shown_epoch(self, min(max(float(t), 0.0), float(self.epochs)))
        e, s, f = self.clock(t)
        return self.at_step(e, s) if f < 1e-12 else self.tween(e, s, f)

    def between(self, e: int, f: float) -> State:
        """The clock at e + f (0 <= f < 1), a tween of the step it falls in, whether or not it is
        shown; for full batch, update e a fraction f done: w(e) + f · (w(e+1) − w(e))."""
        _, s, g = self.clock(e + f) if self.steps > 1 else (e, 0, f)
        return self.tween(e, s, g)

    def tween(self, e: int, s: int, f: float) -> State:
        """Step s of epoch e, a fraction f done: w(e, s) + f · (w(e, s+1) − w(e, s))."""
        after = (e, s + 1) if s + 1 < self.steps else (e + 1, 0)
        (w0, b0, _), (w1, b1, _) = self._params(e, s), self._params(*after)
        weights = [a + f * (b - a) for a, b in zip(w0, w1)]
        biases = [a + f * (b - a) for a, b in zip(b0, b1)]
        return State(e + (s + f) / self.steps, weights, biases, self.problem, (e, s), self.steps)

    def _params(self, epoch: int, step: int = 0) -> tuple[list, list, dict]:
        """Exact (weights, biases, optimiser memory) before step ``step`` of ``epoch``: from the
        cache, else replayed from the latest cached moment or checkpoint at or before it (at most
        snapshot_every epochs of steps)."""
        target = (epoch, step)
        if target in self._exact:
            self._exact.move_to_end(target)
            return self._exact[target]
        k = int(np.searchsorted(self.checkpoint_epochs, epoch, side="right")) - 1
        at = (int(self.checkpoint_epochs[k]), 0)
        params = checkpoint_params(self.checkpoints, k, self.config)
        resume = max((m for m in self._exact if at <= m < target), default=None)
        if resume is not None:
            at, params = resume, self._exact[resume]
        (e, s), (weights, biases, memory) = at, params
        while (e, s) < target:
            stop = step if e == epoch else self.steps
            weights, biases, memory = take_steps(self.config, self.problem, weights, biases, memory, e, s, stop,
                                                 self.shuffle_key)
            e, s = (e, stop) if stop < self.steps else (e + 1, 0)
        self._exact[target] = (weights, biases, memory)
        while len(self._exact) > CACHED_STATES:
            self._exact.popitem(last=False)
        return weights, biases, memory

    # -- the run file (its format: nnviz_core.run_file) -------------------------------------
    def save(self, path) -> Path:
        """Write the run to an .npz, atomically; the same run always gives the same bytes."""
        from .run_file import save_run

        return save_run(self, path)

    @classmethod
    def load(cls, path) -> "History":
        """The run saved at ``path``, checked; any problem is one HistoryFileError line."""
        from .run_file import load_run

        return load_run(path)


def checkpoint_shapes(config) -> dict[str, tuple]:
    """What a checkpoint holds, name -> shape: w{l}, b{l} for every layer, then the optimiser's
    memory of each ({slot}_w{l}, {slot}_b{l}: nnviz_core.optim.SLOTS)."""
    layers = config.layers
    shapes = {}
    for prefix in ("", *(f"{slot}_" for slot in config.optimizer_slots)):
        for l, (d_in, d_out) in enumerate(zip(layers[:-1], layers[1:])):
            shapes[f"{prefix}w{l}"], shapes[f"{prefix}b{l}"] = (d_in, d_out), (1, d_out)
    return shapes


def checkpoint_arrays(weights, biases, memory: dict) -> dict:
    """One moment of training by checkpoint_shapes' names (the memory's vectors cut per layer)."""
    like, depth = [*weights, *biases], len(weights)
    out = {}
    for prefix, arrays in (("", like), *((f"{k}_", unflat(v, like)) for k, v in memory.items())):
        for l in range(depth):
            out[f"{prefix}w{l}"], out[f"{prefix}b{l}"] = arrays[l], arrays[depth + l]
    return out


def checkpoint_params(checkpoints: dict, k: int, config) -> tuple[list, list, dict]:
    """Checkpoint k as (weights, biases, memory), as training held them."""
    depth = len(config.layers) - 1
    take = lambda prefix: ([checkpoints[f"{prefix}w{l}"][k] for l in range(depth)]
                           + [checkpoints[f"{prefix}b{l}"][k] for l in range(depth)])
    params = take("")
    return params[:depth], params[depth:], {slot: flat(take(f"{slot}_")) for slot in config.optimizer_slots}


def checkpoint_epochs(epochs: int, every: int, last: int | None = None) -> list[int]:
    """0, every, 2*every, ... up to ``last`` (default ``epochs``), and always ``last`` itself."""
    last = epochs if last is None else last
    picks = list(range(0, last + 1, every))
    return picks if picks[-1] == last else picks + [last]
