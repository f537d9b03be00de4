"""Weights L1 drives to exactly 0: drawn as zero in both renderers, written "0", named in a
legend only on runs that have them; and the gradient shown is the one training stepped with.

Which weights are zero comes from training (``h.at_epoch(e).weights == 0``), never from the
drawing code's decisions."""
import numpy as np
import pytest

from nnviz_core import RunConfig, train
from nnviz_core.model import backward, forward

# A 1-10-1 ReLU run whose L1 stops weights at exactly 0 from about epoch 10 on (two, then three).
L1_RUN = RunConfig(l1=0.05, l2=0.01, epochs=40, snapshot_every=10)


@pytest.fixture(scope="module")
def l1_run():
    return train(L1_RUN)


@pytest.fixture(scope="module")
def plain_run():
    return train(RunConfig(epochs=40, snapshot_every=10))


def zeros_at(h, epoch: int) -> list:
    """Per layer, (i, j) of every weight training had at exactly 0 before epoch ``epoch``."""
    return [set(zip(*np.nonzero(w == 0))) for w in h.at_epoch(epoch).weights]


def test_the_run_has_zero_weights_and_the_plain_run_none(l1_run, plain_run):
    counts = [sum(map(len, zeros_at(l1_run, e))) for e in range(l1_run.epochs + 1)]
    assert counts[0] == 0 and counts[-1] >= 2
    assert not any(sum(map(len, zeros_at(plain_run, e))) for e in range(plain_run.epochs + 1))


# -- 4. the gradient shown is the one training stepped with --------------------------------------
def test_grad_weights_is_the_data_gradient_plus_l2_s_never_l1_s(l1_run):
    h, c = l1_run, l1_run.config
    p = h.problem
    for e in (0, 12, 25, h.epochs - 1):
        s = h.at_epoch(e)
        zs, acts = forward(p.X, s.weights, s.biases, p.activation)
        data, _ = backward(p.X, p.y, s.weights, zs, acts, p.activation, p.loss)
        for g, d, w in zip(s.grad_weights, data, s.weights):
            assert np.array_equal(g, d + 2 * c.l2 * w)
            nonzero = w != 0
            assert not np.allclose((g - (d + 2 * c.l2 * w + c.l1 * np.sign(w)))[nonzero], 0)
        # Training's step is that gradient's, then L1's move towards 0: the next epoch, bit for bit.
        stepped = [w - c.lr * g for w, g in zip(s.weights, s.grad_weights)]
        shrunk = [np.sign(w) * np.maximum(np.abs(w) - c.lr * c.l1, 0.0) for w in stepped]
        assert all(np.array_equal(a, b) for a, b in zip(shrunk, h.at_epoch(e + 1).weights))


def test_the_trace_s_largest_gradient_is_the_one_stepped_with(l1_run):
    h = l1_run
    largest = max(max(float(np.abs(g).max()) for g in h.at_epoch(e).grad_weights) for e in range(h.epochs + 1))
    assert h.largest("grad_weights") == largest
