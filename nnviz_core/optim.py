"""How the weights move: the order of the minibatches, the optimisers and the L1 step.

Training and replay (History.at_step) both go through ``take_steps``, so a replayed step is bit
for bit the trained one.

Batches. With ``batch_size`` 0 (or at least the training points) an epoch is one step on every
point in its own order: full-batch gradient descent, the seed's. Otherwise epoch e visits the
training points in the order ``batch_order(key, e, n)`` and takes ceil(n / batch_size) steps,
the last batch holding the rest. ``key`` is one number drawn from the run's seeded stream after
the data, the weights and the held-out split; each epoch's order is a function of it and e alone,
so replay from any checkpoint needs no saved random state.

Updates, with g a batch's gradient of its mean loss plus the L2 penalty's 2·l2·w:

- ``sgd``: w ← w − lr·g;
- ``momentum``: v ← momentum·v + g, w ← w − lr·v (v starts at 0);
- ``adam``: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², and at step t (from 1)
  w ← w − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t) (m, v start at 0).

The L1 penalty l1·Σ|w| then moves every weight lr·l1 towards 0 and stops it at 0 (the proximal
step of the penalty: w ← sign(w)·max(|w| − lr·l1, 0)). So a weight whose L1 step would cross
zero stops at zero, and stays there while the data's pull on it is weaker than l1: weights L1
drives to zero are exactly zero. With sgd, away from zero, this is the plain step
w ← w − lr·(g + l1·sign(w)); with momentum and adam the L1 step is apart from the optimiser's
memory (as AdamW keeps its weight decay apart). Biases are never penalised.

An optimiser's memory is a dict slot -> one vector over every parameter (``SLOTS``): each
layer's weights raveled, then each layer's biases (``flat``), so an update is a dozen NumPy
calls whatever the depth. Adam's step count is not kept: before epoch e's step s it is
e·steps + s.
"""
from __future__ import annotations

import numpy as np

from .model import backward, forward, sgd_step

SLOTS = {"sgd": (), "momentum": ("velocity",), "adam": ("m", "v")}


def batch_order(key: int, epoch: int, n: int) -> np.ndarray:
    """The order epoch ``epoch`` visits the n training points in (a permutation of 0..n-1)."""
    return np.random.RandomState([key, epoch]).permutation(n)


def shuffle_key(rng: np.random.RandomState) -> int:
    """The run's key to every epoch's batch order, one draw from its stream."""
    return int(rng.randint(0, 2**31))


def flat(arrays) -> np.ndarray:
    """Arrays raveled into one vector, in order."""
    return np.concatenate([a.ravel() for a in arrays])


def unflat(vector: np.ndarray, like) -> list:
    """``vector`` cut into arrays shaped as ``like`` (views, in order): flat's inverse."""
    out, at = [], 0
    for a in like:
        out.append(vector[at:at + a.size].reshape(a.shape))
        at += a.size
    return out


def empty_memory(optimizer: str, weights, biases) -> dict:
    """The optimiser's memory before the first step: zeros."""
    size = sum(p.size for p in (*weights, *biases))
    return {slot: np.zeros(size) for slot in SLOTS[optimizer]}


def _shrink(w, by: float):
    """w moved ``by`` towards 0, stopping at 0."""
    return np.sign(w) * np.maximum(np.abs(w) - by, 0.0)


def update(config, weights, biases, grad_w, grad_b, memory: dict, t: int):
    """Step ``t`` of the run (counted from 0 over every epoch) with the data's gradients:
    (new weights, new biases, new memory), all new arrays (see the module's docstring)."""
    if config.l2:
        grad_w = [g + 2 * config.l2 * w for g, w in zip(grad_w, weights)]
    lr = config.lr
    if config.optimizer == "sgd":
        weights, biases = sgd_step(weights, biases, grad_w, grad_b, lr)
    else:
        like = [*weights, *biases]
        params, g = flat(like), flat([*grad_w, *grad_b])
        if config.optimizer == "momentum":
            velocity = config.momentum * memory["velocity"] + g
            memory = {"velocity": velocity}
            params = params - lr * velocity
        else:
            b1, b2 = config.beta1, config.beta2
            m = b1 * memory["m"] + (1 - b1) * g
            v = b2 * memory["v"] + (1 - b2) * (g * g)
            memory = {"m": m, "v": v}
            c1, c2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
            params = params - lr * (m / c1) / (np.sqrt(v / c2) + config.eps)
        params = unflat(params, like)
        weights, biases = params[:len(weights)], params[len(weights):]
    if config.l1:
        weights = [_shrink(w, lr * config.l1) for w in weights]
    return weights, biases, memory


def take_steps(config, problem, weights, biases, memory: dict, epoch: int, start: int, stop: int,
               key: int | None, batch_losses=None):
    """Steps start..stop-1 of epoch ``epoch`` on the Problem's training points: (weights, biases,
    memory) after them. ``batch_losses`` (an array of the epoch's steps), when given, gets each
    step's batch loss (the data's, at the weights before the step)."""
    X, y, steps, size = problem.X, problem.y, config.steps_per_epoch, config.batch_size
    if steps > 1:  # the epoch's order once, so that each batch is a slice of it
        order = batch_order(key, epoch, len(X))
        X, y = X[order], y[order]
    for s in range(start, stop):
        # full batch: every point, in its own order (the seed's)
        Xb, yb = (X, y) if steps == 1 else (X[s * size:(s + 1) * size], y[s * size:(s + 1) * size])
        zs, acts = forward(Xb, weights, biases, problem.activation)
        if batch_losses is not None:
            batch_losses[s] = problem.loss.value(acts[-1], yb)
        grad_w, grad_b = backward(Xb, yb, weights, zs, acts, problem.activation, problem.loss)
        weights, biases, memory = update(config, weights, biases, grad_w, grad_b, memory, epoch * steps + s)
    return weights, biases, memory
