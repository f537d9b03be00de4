"""What is learned: the loss and output of each kind of dataset, the input features, and the
Problem a State is evaluated on.

The network's last layer is always linear: its z are the *logits*. The loss turns them into the
output and the loss together, from the logits, so that a very confident wrong answer gives a
large finite loss, never inf or NaN:

- ``MSE`` (regression): the output is z itself; loss mean((z − y)²);
- ``BINARY_CROSS_ENTROPY`` (two classes, one output): p = sigmoid(z);
  loss mean(softplus(z) − y·z), which is −y·log p − (1 − y)·log(1 − p);
- ``CROSS_ENTROPY`` (k classes, one-hot y): p = softmax(z); loss mean(logsumexp(z) − z_y),
  which is −log p_y.

Each gives the gradient with respect to z of one point's own loss (``point_delta``); for the
cross-entropies it is simply p − y. The mean loss's gradient is that over n.

The penalty on the weights (never the biases) is l2·Σw² + l1·Σ|w|. Training minimises the data's
loss plus the penalty; ``History.loss`` and ``State.loss`` are the data's loss alone, and
``State.penalty`` / ``State.total_loss`` say the rest. Only L2's part is a gradient training
follows (2·l2·w, added to the data's: ``Problem.descent_gradients``); L1's is a step of its own
after each update, which stops a weight at exactly 0 (nnviz_core.optim), so l1·sign(w) is in no
gradient shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .data import GRID_SIDE, class_count, dataset_of


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−z) without overflow: e^−|z| is at most 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sum_exp(z: np.ndarray) -> np.ndarray:
    """(n, k) -> (n, 1): log Σ e^z, shifted by the row's largest z so that nothing overflows."""
    top = z.max(axis=1, keepdims=True)
    return top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    return np.exp(z - log_sum_exp(z))


def _mean(a: np.ndarray, axis=None):
    """np.mean(a, axis) bit for bit (the same sum, divided by the same count) for float arrays,
    without its Python overhead (a loss is taken at every minibatch step)."""
    return np.add.reduce(a, axis) / (a.size if axis is None else a.shape[axis])


@dataclass(frozen=True)
class Loss:
    name: str  # as said on screen
    output: str  # the output unit: linear, sigmoid or softmax
    point_losses: Callable  # (z (n, d), y (n, d)) -> (n,): each point's own loss
    output_of: Callable  # z -> the prediction: ŷ for regression, probabilities for classes
    point_delta: Callable  # (z, y) -> (n, d): d(a point's own loss)/dz

    def value(self, z, y) -> float:
        """The mean loss over the points."""
        return float(_mean(self.point_losses(z, y)))

    def mean_delta(self, z, y) -> np.ndarray:
        """d(mean loss)/dz, (n, d)."""
        return self.point_delta(z, y) / y.shape[0]


def _mse_points(z, y):
    squares = (z - y) ** 2
    # one output: the mean of one number is that number, exactly
    return squares[:, 0] if squares.shape[1] == 1 else _mean(squares, axis=1)


def _mse_delta(z, y):
    return 2 * (z - y) / y.shape[1]


def _softplus(z):
    """log(1 + e^z) without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


MSE = Loss("mean squared error", "linear", _mse_points,
           lambda z: z, _mse_delta)
BINARY_CROSS_ENTROPY = Loss("binary cross-entropy", "sigmoid",
                            lambda z, y: (_softplus(z) - y * z)[:, 0], sigmoid, lambda z, y: sigmoid(z) - y)
CROSS_ENTROPY = Loss("cross-entropy", "softmax", lambda z, y: (log_sum_exp(z) - (z * y).sum(axis=1, keepdims=True))[:, 0],
                     softmax, lambda z, y: softmax(z) - y)


def loss_for(classes: int) -> Loss:
    """The loss of a problem with ``classes`` classes (0: a regression)."""
    return MSE if classes == 0 else BINARY_CROSS_ENTROPY if classes == 2 else CROSS_ENTROPY


# -- features: what the input layer is made of ---------------------------------------------
# name -> f(raw inputs (n, d)) -> (n,). 1-D data has x; 2-D data has x1 and x2.
FEATURES = {
    1: {"x": lambda X: X[:, 0], "x^2": lambda X: X[:, 0] ** 2, "sin(x)": lambda X: np.sin(X[:, 0])},
    2: {"x1": lambda X: X[:, 0], "x2": lambda X: X[:, 1],
        "x1^2": lambda X: X[:, 0] ** 2, "x2^2": lambda X: X[:, 1] ** 2,
        "x1*x2": lambda X: X[:, 0] * X[:, 1],
        "sin(x1)": lambda X: np.sin(X[:, 0]), "sin(x2)": lambda X: np.sin(X[:, 1])},
}
RAW = {1: ("x",), 2: ("x1", "x2")}  # the default features: the raw inputs themselves


def default_features(dataset) -> tuple[str, ...]:
    """The raw inputs of a dataset (a name or a Dataset)."""
    return RAW[dataset_of(dataset).inputs]


def feature_matrix(X: np.ndarray, names) -> np.ndarray:
    """(n, len(names)): the chosen features of raw inputs X. The raw inputs in their own order
    are X itself (the same array, so the default run is the seed's bit for bit)."""
    names = tuple(names)
    if names == RAW[X.shape[1]]:
        return X
    table = FEATURES[X.shape[1]]
    return np.stack([table[name](X) for name in names], axis=1)


@dataclass(frozen=True, eq=False)
class Problem:
    """What a State is evaluated on: the training data and the drawing grid, both as raw inputs
    and as the features the network reads, the hidden activation and the loss."""
    X: np.ndarray  # (n, d_in): the features of the training inputs, the network's input
    y: np.ndarray  # (n, d_out): values, 0/1 (two classes) or one-hot (k classes)
    grid: np.ndarray  # (G, d_in): the features of the grid's points
    activation: str
    loss: Loss = MSE
    inputs: np.ndarray | None = None  # (n, 1 or 2): the raw training inputs (default: X)
    grid_inputs: np.ndarray | None = None  # (G, 1 or 2): the raw grid (default: grid)
    features: tuple = ("x",)
    classes: int = 0  # 0 for a regression
    l2: float = 0.0  # the penalty's strengths (see the module's docstring)
    l1: float = 0.0
    X_test: np.ndarray | None = None  # (m, d_in): the features of the held-out points (m may be 0)
    y_test: np.ndarray | None = None  # (m, d_out)
    test_inputs: np.ndarray | None = None  # (m, 1 or 2): their raw inputs

    @property
    def raw_inputs(self) -> np.ndarray:
        return self.X if self.inputs is None else self.inputs

    @property
    def raw_grid(self) -> np.ndarray:
        return self.grid if self.grid_inputs is None else self.grid_inputs

    @property
    def is_2d(self) -> bool:
        return self.raw_inputs.shape[1] == 2

    @property
    def grid_side(self) -> int:
        """The 2-D grid is grid_side x grid_side (0 for 1-D data)."""
        return GRID_SIDE if self.is_2d else 0

    def labels(self) -> np.ndarray:
        """(n,) int: each training point's class (classification only)."""
        return label_of(self.y)

    def test_labels(self) -> np.ndarray:
        """(m,) int: each held-out point's class (classification only)."""
        return label_of(self.y_test)

    @property
    def has_test(self) -> bool:
        return self.X_test is not None and len(self.X_test) > 0

    @property
    def penalised(self) -> bool:
        return bool(self.l1 or self.l2)

    def penalty(self, weights) -> float:
        """l2·Σw² + l1·Σ|w| over every weight (not the biases); 0 when neither is set."""
        if not self.penalised:
            return 0.0
        return float(sum(self.l2 * np.sum(w * w) + self.l1 * np.sum(np.abs(w)) for w in weights))

    def descent_gradients(self, grad_w, weights) -> list:
        """The weights' gradient training steps with, from the data's ``grad_w``: plus L2's 2·l2·w,
        added as nnviz_core.optim.update adds it (bit for bit). Not L1's l1·sign(w): L1 is a
        proximal step after the update, never part of the gradient. ``grad_w`` itself without L2."""
        if not self.l2:
            return grad_w
        return [g + 2 * self.l2 * w for g, w in zip(grad_w, weights)]


def label_of(y: np.ndarray) -> np.ndarray:
    """Class numbers of targets: 0/1 in one column, or the one-hot column."""
    return (y[:, 0] > 0.5).astype(int) if y.shape[1] == 1 else np.argmax(y, axis=1)


def class_probabilities(z: np.ndarray, loss: Loss) -> np.ndarray:
    """(n, k) probabilities from logits, each row summing to 1; two classes give [1 − p, p]."""
    p = loss.output_of(z)
    return np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p


def make_problem(config, X: np.ndarray, y: np.ndarray, grid: np.ndarray, X_test=None, y_test=None) -> Problem:
    """The Problem of a run: raw X, grid and held-out X_test (default: none) turned into the
    config's features."""
    k = config.class_count
    if X_test is None:
        X_test, y_test = X[:0], y[:0]
    return Problem(feature_matrix(X, config.features), y, feature_matrix(grid, config.features),
                   config.activation, loss_for(k), X, grid, tuple(config.features), k, config.l2, config.l1,
                   feature_matrix(X_test, config.features), y_test, X_test)
