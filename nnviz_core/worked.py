"""One real step of training worked through for one weight: the numbers the update chapter shows.

A step trains on its batch (every training point for full batch: nnviz_core.optim), so its
gradient is the mean of that batch's points' own gradients, plus L2's 2·l2·w. The optimiser's
arithmetic for the weight is redone here on plain numbers, from the network before the step
(``History.at_step``) and the optimiser's memory then (``History.memory_at``), in the order
nnviz_core.optim.update does it, so the new weight is training's (tests/test_worked.py compares
it with ``History.at_step`` after the step, and the arithmetic with a NumPy recomputation).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .model import backward, forward
from .optim import batch_order, unflat


def batch_indices(history, epoch: int, step: int) -> np.ndarray:
    """The training points (rows of history.X) step ``step`` of epoch ``epoch`` trains on, in
    the order training takes them: every point, in its own order, for full batch."""
    n = len(history.X)
    if history.steps == 1:
        return np.arange(n)
    size = history.config.batch_size
    return batch_order(history.shuffle_key, int(epoch), n)[step * size:(step + 1) * size]


def batch_gradients(history, epoch: int, step: int, penalty: bool = True) -> tuple[list, list]:
    """(∂/∂w, ∂/∂b) for every layer as step (epoch, step) took them: its batch's mean loss
    gradient, plus (with ``penalty``) L2's 2·l2·w on the weights (L1 is its own move after the
    update)."""
    state, problem = history.at_step(epoch, step), history.problem
    rows = batch_indices(history, epoch, step)
    X, y = (problem.X, problem.y) if history.steps == 1 else (problem.X[rows], problem.y[rows])
    zs, acts = forward(X, state.weights, state.biases, problem.activation)
    grad_w, grad_b = backward(X, y, state.weights, zs, acts, problem.activation, problem.loss)
    l2 = history.config.l2
    if l2 and penalty:
        grad_w = [g + 2 * l2 * w for g, w in zip(grad_w, state.weights)]
    return grad_w, grad_b


def next_step(history, epoch: int, step: int) -> tuple[int, int] | None:
    """The step after step (epoch, step), or None when that one is the run's last."""
    if step + 1 < history.steps:
        return epoch, step + 1
    return (epoch + 1, 0) if epoch + 1 < history.epochs else None


@dataclass(frozen=True)
class WorkedStep:
    """Step ``step`` of epoch ``epoch`` (counted from 0; the network before it is
    ``History.at_step(epoch, step)``) for the weight ``layer``[i, j]."""
    epoch: int
    step: int
    t: int  # its count over the run, from 1 (Adam's t)
    batch: np.ndarray  # the rows of History.X it trained on
    w: float  # before the step
    data_gradient: float  # ∂L/∂w over the batch: the mean of its points' own
    penalty_gradient: float  # L2's 2·l2·w (0 without L2)
    before: dict  # the optimiser's memory of w before the step: {"velocity": v} or {"m": m, "v": v}
    after: dict  # and after it
    m_hat: float | None  # adam: m and v corrected for their start at 0
    v_hat: float | None
    move: float  # what the optimiser takes off w: lr·g, lr·v or lr·m̂/(√v̂ + ε)
    shrink: float  # L1's lr·l1 towards 0 after it (0 without L1)
    new_w: float  # after the step
    loss_before: float  # the loss on every training point, before and after
    loss_after: float
    batch_loss: float  # the batch's loss before the step (History.batch_loss)
    largest_move: float  # of any weight, in this step
    largest_bias_move: float
    config: object = field(repr=False, default=None)

    @property
    def gradient(self) -> float:
        """g: what the optimiser takes in, the data's gradient plus L2's."""
        return self.data_gradient + self.penalty_gradient

    @property
    def stepped(self) -> float:
        """w after the optimiser's move, before L1's."""
        return self.w - self.move

    @property
    def stopped_at_zero(self) -> bool:
        """Whether L1's move would have crossed 0 and stopped there."""
        return self.shrink > 0 and self.new_w == 0.0 and self.stepped != 0.0

    @property
    def full_batch(self) -> bool:
        return self.config.steps_per_epoch == 1

    @property
    def raised(self) -> bool:
        return self.loss_after > self.loss_before


def work_step(history, layer: int, i: int, j: int, epoch: int = 0, step: int = 0) -> WorkedStep:
    """Step (epoch, step) for weights[layer][i, j], worked through as the optimiser did it."""
    c = history.config
    before = history.at_step(epoch, step)
    after_at = next_step(history, epoch, step) or (history.epochs, 0)
    after = history.at_step(*after_at)
    grad_w, _ = batch_gradients(history, epoch, step, penalty=False)
    w = float(before.weights[layer][i, j])
    data = float(grad_w[layer][i, j])
    penalty = 2 * c.l2 * w if c.l2 else 0.0
    g = data + penalty if c.l2 else data  # as optim.update adds it
    like = [*before.weights, *before.biases]
    memory = {slot: float(unflat(vector, like)[layer][i, j]) for slot, vector in history.memory_at(epoch, step).items()}
    t = epoch * history.steps + step  # the run's step count before this one (optim.update's t)
    m_hat = v_hat = None
    lr = c.lr
    if c.optimizer == "sgd":
        new_memory, move = {}, lr * g
    elif c.optimizer == "momentum":
        velocity = c.momentum * memory["velocity"] + g
        new_memory, move = {"velocity": velocity}, lr * velocity
    else:
        b1, b2 = c.beta1, c.beta2
        m = b1 * memory["m"] + (1 - b1) * g
        v = b2 * memory["v"] + (1 - b2) * (g * g)
        m_hat, v_hat = m / (1 - b1 ** (t + 1)), v / (1 - b2 ** (t + 1))
        new_memory, move = {"m": m, "v": v}, lr * m_hat / (math.sqrt(v_hat) + c.eps)
    new_w = w - move
    shrink = lr * c.l1 if c.l1 else 0.0
    if shrink:
        new_w = math.copysign(max(abs(new_w) - shrink, 0.0), new_w) if new_w else 0.0
    moved = max(float(np.abs(b - a).max()) for a, b in zip(before.weights, after.weights))
    moved_bias = max(float(np.abs(b - a).max()) for a, b in zip(before.biases, after.biases))
    batch_loss = float(history.batch_loss[epoch, step]) if epoch < len(history.batch_loss) else before.loss
    return WorkedStep(int(epoch), int(step), t + 1, batch_indices(history, epoch, step), w, data, penalty, memory,
                      new_memory, m_hat, v_hat, move, shrink, new_w, before.loss, after.loss, batch_loss, moved,
                      moved_bias, c)
