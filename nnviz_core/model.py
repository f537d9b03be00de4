"""A fully connected network for any depth, in NumPy, with its forward and backward side by side.

Shapes: X is (n, d0); layer l has w[l] (d_l, d_{l+1}) and b[l] (1, d_{l+1}).
Hidden layers use the chosen activation; the output layer is linear: its z are the prediction of a
regression or the logits of a classification, which the Loss (nnviz_core.problems) turns into
probabilities. Names follow the seed notebook: z = pre-activation, a = activation, dz/dw/db = gradients.
Minibatch steps repeat forward and backward in place (nnviz_core.optim.InPlaceSteps), bit for bit
these (tests/test_optim.py checks): a change here is a change there.
"""
from __future__ import annotations

import numpy as np

from .problems import MSE, Loss

LEAKY_SLOPE = 0.01


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# name -> (f(z), f'(z)); each derivative sits next to its function.
ACTIVATION_FUNCS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "leaky_relu": (lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                   lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE)),
}
# Activations whose units can die: f(z) = 0 and f'(z) = 0 on a whole half-line, so a unit at 0 on
# every input passes no signal and gets no gradient. Leaky ReLU, tanh and sigmoid never do.
CAN_DIE = ("relu",)


def dead_units(hidden_acts, activation: str) -> list[np.ndarray]:
    """Per hidden layer, (width,) bool: a unit whose activation is 0 on every input, when its
    activation is one that can die (CAN_DIE); otherwise no unit is dead."""
    if activation not in CAN_DIE:
        return [np.zeros(a.shape[1], bool) for a in hidden_acts]
    return [np.all(a <= 0, axis=0) for a in hidden_acts]


def init_params(layers, activation: str, init: str, rng: np.random.RandomState):
    """Weights drawn layer by layer from ``rng`` (w then b, as the seed does); biases start at 0.

    - ``seed``: N(0, 0.5²), the notebook's choice;
    - ``he``: N(0, 2/d_in), suited to ReLU-like activations;
    - ``xavier``: N(0, 2/(d_in + d_out)) (Glorot), suited to tanh and sigmoid;
    - ``auto``: ``seed`` for the seed's own 1-10-1 ReLU network (so it reproduces the notebook
      bit for bit), otherwise ``he`` for relu/leaky_relu and ``xavier`` for tanh/sigmoid.
    """
    if init == "auto":
        if tuple(layers) == (1, 10, 1) and activation == "relu":
            init = "seed"
        else:
            init = "he" if activation in ("relu", "leaky_relu") else "xavier"
    weights, biases = [], []
    for d_in, d_out in zip(layers[:-1], layers[1:]):
        scale = {"seed": 0.5, "he": np.sqrt(2.0 / d_in), "xavier": np.sqrt(2.0 / (d_in + d_out))}[init]
        weights.append(rng.randn(d_in, d_out) * scale)
        biases.append(np.zeros((1, d_out)))
    return weights, biases


def forward(X, weights, biases, activation: str):
    """Pre-activations ``zs`` and activations ``acts`` of every layer after the input.

    acts[-1] is the prediction or the logits (the output layer is linear, so acts[-1] is zs[-1]).
    """
    f, _ = ACTIVATION_FUNCS[activation]
    zs, acts = [], []
    a = X
    last = len(weights) - 1
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w + b  # (n, d_l) @ (d_l, d_{l+1}) -> (n, d_{l+1})
        a = z if l == last else f(z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def mse(y_pred, y) -> float:
    return float(np.mean((y_pred - y) ** 2))


def backward(X, y, weights, zs, acts, activation: str, loss: Loss = MSE):
    """Gradients of the mean loss with respect to every weight and bias (same shapes)."""
    _, df = ACTIVATION_FUNCS[activation]
    dz = loss.mean_delta(acts[-1], y)  # d loss / d z_out: 2(ŷ − y)/n for MSE, (p − y)/n for cross-entropy
    grad_w = [None] * len(weights)
    grad_b = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        a_prev = X if l == 0 else acts[l - 1]
        grad_w[l] = a_prev.T @ dz  # (d_l, n) @ (n, d_{l+1}) -> (d_l, d_{l+1})
        grad_b[l] = np.sum(dz, axis=0, keepdims=True)
        if l > 0:
            da = dz @ weights[l].T  # (n, d_{l+1}) @ (d_{l+1}, d_l) -> (n, d_l)
            dz = da * df(zs[l - 1])
    return grad_w, grad_b


def sample_deltas(y, weights, zs, acts, activation: str, loss: Loss = MSE):
    """Per training point, d(its own loss)/dz for every layer: (n, d_{l+1}) each.

    The same chain rule as ``backward``, without the mean over points: point k's own loss is
    its squared error (mean over outputs) or its cross-entropy, so the mean of these over k is
    ``backward``'s dz.
    """
    _, df = ACTIVATION_FUNCS[activation]
    dz = loss.point_delta(acts[-1], y)  # (n, d_out): 2(ŷ − y) per point for MSE, p − y for cross-entropy
    deltas = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        deltas[l] = dz
        if l > 0:
            dz = (dz @ weights[l].T) * df(zs[l - 1])
    return deltas


def sgd_step(weights, biases, grad_w, grad_b, lr: float):
    """One gradient-descent update, as new arrays: w − lr·∂L/∂w (training and replay share it,
    so a replayed epoch is bit for bit the trained one)."""
    return ([w - lr * dw for w, dw in zip(weights, grad_w)],
            [b - lr * db for b, db in zip(biases, grad_b)])
