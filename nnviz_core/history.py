"""History: the record of one training run, and State: the network at one moment.

This is replay and the cache; the file a History is saved to is nnviz_core.run_file.

The snapshot rule. ``snapshot_every`` sets the *checkpoints*: the weights and biases before
update e, for e = 0, N, 2N, ... and the last epoch. Full-batch gradient descent is deterministic,
so ``History.at_epoch(e)`` replays the few updates since the nearest earlier checkpoint and gives
the exact network of any epoch, bit for bit the one training had. The History also keeps the
loss of every epoch and a few per-epoch numbers the renderers need before they draw (the
prediction's range, dead-unit counts, the largest |w|, |b|, |∂L/∂w|).

A State stores only weights and biases. Its loss, activations, prediction (or class
probabilities, predicted classes and accuracy), gradients and what each neuron does (its map on
the 2-D grid, a first-layer unit's line) are computed from them when first asked for, so every
number drawn belongs to the weights drawn.

``History.at(t)`` is the renderers' clock, t a fractional epoch. Between epochs e and e + 1 it is
a tween of that one real step: w(e) + f · (w(e+1) − w(e)), which is w(e) − f · lr · ∂L/∂w(e), the
update training made, part done, shown only where it stays between the two epochs (else a cut;
see nnviz_core.timeline). It never glides across several steps.
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
from .model import backward, dead_units, forward, sample_deltas, sgd_step
from .problems import Problem, class_probabilities, make_problem

CACHED_EPOCHS = 64  # exact states kept for sequential and repeated access


@dataclass(frozen=True, eq=False)
class State:
    """The network at one (fractional) epoch. Lists hold one array per layer, input side first:
    weights[l] (d_l, d_{l+1}), biases[l] (1, d_{l+1})."""
    epoch: float
    weights: list
    biases: list
    problem: Problem

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
        return backward(self.problem.X, self.problem.y, self.weights, zs, acts, self.problem.activation,
                        self.problem.loss)

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
        return self.problem.loss.value(self.activations[-1], self.problem.y)

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
        weights[layer][i, j]. Their mean is grad_weights[layer][i, j]."""
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
        """X (n, 1 or 2) and grid (G, 1 or 2) are raw inputs; y (n, d_out) the targets."""
        self.config = config
        self.X, self.y, self.grid = X, y, grid
        self.loss = loss  # (epochs + 1,): the loss at every epoch
        self.diverged_at = diverged_at  # the first epoch whose loss was not finite, or None
        self.checkpoint_epochs = np.asarray(arrays["checkpoint_epochs"])
        depth = len(config.layers) - 1
        # checkpoints[l]: (S, d_l, d_{l+1}) weights and (S, 1, d_{l+1}) biases, S checkpoints
        self.checkpoint_weights = [arrays[f"w{l}"] for l in range(depth)]
        self.checkpoint_biases = [arrays[f"b{l}"] for l in range(depth)]
        self.trace = {name: arrays[name] for name in per_epoch.columns(config.layers, config.class_count)}
        self.problem = make_problem(config, X, y, grid)  # X and grid raw; the network reads their features
        self._exact: OrderedDict[int, tuple[list, list]] = OrderedDict()  # epoch -> (weights, biases)

    # -- what the run was ---------------------------------------------------------------------
    @property
    def epochs(self) -> int:
        """The last epoch recorded: config.epochs, or the last finite one of a diverged run."""
        return len(self.loss) - 1

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

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

    # -- the network at any moment ------------------------------------------------------------
    def at_epoch(self, epoch: int) -> State:
        """The exact network before update ``epoch``, replayed from the nearest checkpoint."""
        if not (isinstance(epoch, (int, np.integer)) and 0 <= epoch <= self.epochs):
            raise ValueError(f"epoch {epoch} is not a whole number in [0, {self.epochs}]")
        weights, biases = self._params(int(epoch))
        return State(float(epoch), weights, biases, self.problem)

    def at(self, t: float) -> State:
        """The network at fractional epoch t: exact at whole epochs, and between epochs e and
        e + 1 that one update, a fraction f = t − e done, where that tween stays between the two
        epochs; else the nearer epoch (the rule: nnviz_core.timeline.shown_epoch)."""
        from .timeline import shown_epoch

        if math.isnan(t) or not (-1e-9 <= t <= self.epochs + 1e-9):
            raise ValueError(f"t = {t} is outside [0, {self.epochs}]")
        t = shown_epoch(self, min(max(float(t), 0.0), float(self.epochs)))
        e = min(int(math.floor(t)), self.epochs)
        return self.at_epoch(e) if t - e < 1e-12 else self.between(e, t - e)

    def between(self, e: int, f: float) -> State:
        """Update e, a fraction f done: w(e) + f · (w(e+1) − w(e)), whether or not it is shown."""
        t = e + f
        (w0, b0), (w1, b1) = self._params(e), self._params(e + 1)
        weights = [a + f * (b - a) for a, b in zip(w0, w1)]
        biases = [a + f * (b - a) for a, b in zip(b0, b1)]
        return State(t, weights, biases, self.problem)

    def _params(self, epoch: int) -> tuple[list, list]:
        """Exact (weights, biases) at ``epoch``: from the cache, else replayed from the latest
        cached epoch or checkpoint at or before it (at most snapshot_every − 1 updates)."""
        if epoch in self._exact:
            self._exact.move_to_end(epoch)
            return self._exact[epoch]
        k = int(np.searchsorted(self.checkpoint_epochs, epoch, side="right")) - 1
        start = int(self.checkpoint_epochs[k])
        params = ([w[k] for w in self.checkpoint_weights], [b[k] for b in self.checkpoint_biases])
        resume = max((e for e in self._exact if start <= e < epoch), default=None)
        if resume is not None:
            start, params = resume, self._exact[resume]
        weights, biases = params
        c = self.config
        X, loss = self.problem.X, self.problem.loss
        for _ in range(start, epoch):
            zs, acts = forward(X, weights, biases, c.activation)
            grad_w, grad_b = backward(X, self.y, weights, zs, acts, c.activation, loss)
            weights, biases = sgd_step(weights, biases, grad_w, grad_b, c.lr)
        self._exact[epoch] = (weights, biases)
        while len(self._exact) > CACHED_EPOCHS:
            self._exact.popitem(last=False)
        return weights, biases

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


def checkpoint_epochs(epochs: int, every: int, last: int | None = None) -> list[int]:
    """0, every, 2*every, ... up to ``last`` (default ``epochs``), and always ``last`` itself."""
    last = epochs if last is None else last
    picks = list(range(0, last + 1, every))
    return picks if picks[-1] == last else picks + [last]
