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

Speed. A minibatch of a small network is so little arithmetic that NumPy's cost per call, not
the arithmetic, sets a step's time. So ``take_steps`` runs minibatch steps in place
(``InPlaceSteps``): the parameters, the gradient and the memory are each one flat vector, with
every layer's weights and biases views of them, and each layer's forward and backward pass
writes into arrays made once per call. Every operation there is one that ``forward``,
``backward`` and ``update`` (the rules as written above, on new arrays) do, on the same
operands in the same order, so its results are theirs bit for bit (tests/test_optim.py checks);
full batch steps by those three themselves.
"""
from __future__ import annotations

import threading

import numpy as np

from .model import ACTIVATION_FUNCS, backward, forward, sgd_step

SLOTS = {"sgd": (), "momentum": ("velocity",), "adam": ("m", "v")}


_streams = threading.local()  # one RandomState per thread, seeded anew for each epoch


def batch_order(key: int, epoch: int, n: int) -> np.ndarray:
    """The order epoch ``epoch`` visits the n training points in (a permutation of 0..n-1): that
    of np.random.RandomState([key, epoch]). Re-seeding one RandomState gives the same stream as
    making a new one, for a tenth of the time (which is a whole small epoch's)."""
    stream = getattr(_streams, "stream", None)
    if stream is None:
        stream = _streams.stream = np.random.RandomState()
    stream.seed([key, epoch])
    return stream.permutation(n)


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
    memory) after them, new arrays (the ones given are left as they were). ``batch_losses`` (an
    array of the epoch's steps), when given, gets each step's batch loss (the data's, at the
    weights before the step)."""
    X, y, steps, size = problem.X, problem.y, config.steps_per_epoch, config.batch_size
    if steps == 1:  # full batch: every point, in its own order (the seed's)
        for s in range(start, stop):
            zs, acts = forward(X, weights, biases, problem.activation)
            if batch_losses is not None:
                batch_losses[s] = problem.loss.value(acts[-1], y)
            grad_w, grad_b = backward(X, y, weights, zs, acts, problem.activation, problem.loss)
            weights, biases, memory = update(config, weights, biases, grad_w, grad_b, memory, epoch * steps + s)
        return weights, biases, memory
    order = batch_order(key, epoch, len(X))  # the epoch's order once, so that each batch is a slice of it
    X, y = X[order], y[order]
    run = InPlaceSteps(config, problem, weights, biases, memory)
    for s in range(start, stop):
        rows = slice(s * size, (s + 1) * size)
        loss = run.step(X[rows], y[rows], epoch * steps + s, batch_losses is not None)
        if batch_losses is not None:
            batch_losses[s] = loss
    return run.weights, run.biases, run.memory


class InPlaceSteps:
    """Minibatch steps from one moment of training, computed in place (see the module's
    docstring): ``weights``, ``biases`` and ``memory`` are the network and the optimiser's memory
    after the steps taken so far, views of vectors made for this object alone. Each operation
    below is one of ``forward``, ``backward`` or ``update`` (its comment says which), with the same
    operands in the same order: a reordered product or sum changes the last bits."""

    def __init__(self, config, problem, weights, biases, memory: dict):
        like, depth = [*weights, *biases], len(weights)
        self.config, self.loss, self.depth = config, problem.loss, depth
        self.f, self.df = ACTIVATION_FUNCS[problem.activation]
        self.params = flat(like)  # a new vector: the caller's arrays stay as they were
        views = unflat(self.params, like)
        self.weights, self.biases = views[:depth], views[depth:]
        self.grad = np.empty_like(self.params)  # the batch's gradient, as flat(grad_w + grad_b)
        views = unflat(self.grad, like)
        self.grad_w, self.grad_b = views[:depth], views[depth:]
        self.memory = {slot: memory[slot].copy() for slot in SLOTS[config.optimizer]}
        self.work = (np.empty_like(self.params), np.empty_like(self.params))
        n = sum(w.size for w in weights)  # the weights lead each vector: the penalties' part
        self._weights_of = tuple(v[:n] for v in (self.params, self.grad, *self.work))
        self._zs = {}  # batch rows -> each layer's z for a batch of that many

    def step(self, X, y, t: int, with_loss: bool = False):
        """Step ``t`` of the run on the batch (X, y), in place; with ``with_loss``, the batch's
        loss at the weights before it (else None)."""
        zs = self._zs.get(len(X))
        if zs is None:
            zs = self._zs[len(X)] = [np.empty((len(X), w.shape[1])) for w in self.weights]
        # forward: z = a @ w + b; a = f(z), the output layer's a is its z
        acts, a, last = [], X, self.depth - 1
        for l in range(self.depth):
            z = zs[l]
            np.matmul(a, self.weights[l], out=z)
            np.add(z, self.biases[l], out=z)
            a = z if l == last else self.f(z)
            acts.append(a)
        loss = self.loss.value(a, y) if with_loss else None
        # backward: grad_w = a_prev.T @ dz, grad_b = Σ dz, each written into its place in self.grad
        dz = self.loss.mean_delta(a, y)
        for l in range(last, -1, -1):
            np.matmul(X.T if l == 0 else acts[l - 1].T, dz, out=self.grad_w[l])
            np.add.reduce(dz, axis=0, keepdims=True, out=self.grad_b[l])  # np.sum(dz, axis=0, keepdims=True)
            if l > 0:
                dz = (dz @ self.weights[l].T) * self.df(zs[l - 1])  # backward's own line
        self._update(t)
        return loss

    def _update(self, t: int):
        """``update``'s arithmetic, on the flat vectors in place (tmp, tmp2: work vectors)."""
        c, lr = self.config, self.config.lr
        params, g, (tmp, tmp2) = self.params, self.grad, self.work
        w, g_w, tmp_w, tmp2_w = self._weights_of
        if c.l2:  # grad_w + 2·l2·w
            np.add(g_w, np.multiply(w, 2 * c.l2, out=tmp_w), out=g_w)
        if c.optimizer == "sgd":  # w − lr·g
            np.multiply(g, lr, out=tmp)
        elif c.optimizer == "momentum":  # velocity = momentum·velocity + g; w − lr·velocity
            velocity = self.memory["velocity"]
            np.add(np.multiply(velocity, c.momentum, out=velocity), g, out=velocity)
            np.multiply(velocity, lr, out=tmp)
        else:  # m = b1·m + (1 − b1)·g; v = b2·v + (1 − b2)·(g·g); w − lr·(m/c1)/(√(v/c2) + eps)
            b1, b2, m, v = c.beta1, c.beta2, self.memory["m"], self.memory["v"]
            np.add(np.multiply(m, b1, out=m), np.multiply(g, 1 - b1, out=tmp), out=m)
            np.multiply(np.multiply(g, g, out=tmp), 1 - b2, out=tmp)
            np.add(np.multiply(v, b2, out=v), tmp, out=v)
            c1, c2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
            np.multiply(np.divide(m, c1, out=tmp), lr, out=tmp)
            np.add(np.sqrt(np.divide(v, c2, out=tmp2), out=tmp2), c.eps, out=tmp2)
            np.divide(tmp, tmp2, out=tmp)
        np.subtract(params, tmp, out=params)
        if c.l1:  # _shrink: sign(w)·max(|w| − lr·l1, 0)
            np.maximum(np.subtract(np.abs(w, out=tmp2_w), lr * c.l1, out=tmp2_w), 0.0, out=tmp2_w)
            np.multiply(np.sign(w, out=tmp_w), tmp2_w, out=w)
