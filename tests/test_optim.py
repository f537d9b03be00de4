"""Minibatches, optimisers (sgd, momentum, adam), L1 and L2 penalties and held-out points: the
defaults unchanged, exact replay at every epoch and every step, the gradients, the clock, the run
file (version 4, and version 3 files from before), the overfitting event and the CLI. Expected
weights come from a reference loop written here, apart from nnviz_core's."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz_core import History, RunConfig, train
from nnviz_core.data import make_dataset
from nnviz_core.errors import HistoryFileError
from nnviz_core.frontends.cli import main
from nnviz_core.history import checkpoint_params
from nnviz_core.model import backward, forward, init_params
from nnviz_core.optim import batch_order, take_steps, update
from nnviz_core.run_file import digest, run_arrays, write_arrays
from nnviz_core.timeline import TWEEN_SLACK, tween_allowed

from test_core import seed_notebook_losses

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"  # run files written by nnviz before version 4


def config(**changes) -> RunConfig:
    return RunConfig().updated(changes)


# -- the reference: training written out plainly -------------------------------------------------
ACTIVATIONS = {"relu": (lambda z: np.maximum(0, z), lambda z: (z > 0) * 1.0),
               "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}


def plain_pass(X, y, ws, bs, activation, classes):
    """The batch's mean loss and its gradients (MSE, or binary cross-entropy for two classes)."""
    f, df = ACTIVATIONS[activation]
    acts, zs = [X], []
    for l, (w, b) in enumerate(zip(ws, bs)):
        zs.append(acts[-1] @ w + b)
        acts.append(zs[-1] if l == len(ws) - 1 else f(zs[-1]))
    z = acts[-1]
    if classes:
        p = 1 / (1 + np.exp(-z))
        loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        delta = (p - y) / len(y)
    else:
        loss = float(np.mean((z - y) ** 2))
        delta = 2 * (z - y) / len(y)
    gw, gb = [None] * len(ws), [None] * len(ws)
    for l in reversed(range(len(ws))):
        gw[l], gb[l] = acts[l].T @ delta, delta.sum(0, keepdims=True)
        if l:
            delta = (delta @ ws[l].T) * df(zs[l - 1])
    return loss, gw, gb


def plain_training(c: RunConfig):
    """{(epoch, step): (weights, biases)} for every step of the run, and {(epoch, step): batch
    loss}, following the rules the docs state (config help, nnviz_core.optim)."""
    rng = np.random.RandomState(c.seed)
    X, y = make_dataset(c.dataset, c.samples, c.noise, rng, c.classes)
    ws, bs = init_params(c.layers, c.activation, c.init, rng)
    m = int(np.floor(c.test_fraction * c.samples + 0.5))
    if m:  # held out: the first m of a permutation of the points, from the seed's split stream
        test = np.zeros(len(X), bool)
        test[np.random.RandomState([c.seed, 1]).permutation(len(X))[:m]] = True
        X, y = X[~test], y[~test]
    n = len(X)
    size = c.batch_size if 0 < c.batch_size < n else n
    steps = -(-n // size)
    key = rng.randint(0, 2**31) if steps > 1 else None
    params = ws + bs
    depth = len(ws)
    velocity = [np.zeros_like(p) for p in params]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    moments, batch_losses, t = {}, {}, 0
    for epoch in range(c.epochs):
        order = np.random.RandomState([key, epoch]).permutation(n) if steps > 1 else np.arange(n)
        for s in range(steps):
            moments[epoch, s] = ([p.copy() for p in params[:depth]], [p.copy() for p in params[depth:]])
            batch = order[s * size:(s + 1) * size]
            loss, gw, gb = plain_pass(X[batch], y[batch], params[:depth], params[depth:], c.activation, c.class_count)
            batch_losses[epoch, s] = loss
            grads = [g + 2 * c.l2 * w for g, w in zip(gw, params[:depth])] + gb
            t += 1
            for i, g in enumerate(grads):
                if c.optimizer == "sgd":
                    params[i] = params[i] - c.lr * g
                elif c.optimizer == "momentum":
                    velocity[i] = c.momentum * velocity[i] + g
                    params[i] = params[i] - c.lr * velocity[i]
                else:
                    m1[i] = c.beta1 * m1[i] + (1 - c.beta1) * g
                    m2[i] = c.beta2 * m2[i] + (1 - c.beta2) * g * g
                    m_hat, v_hat = m1[i] / (1 - c.beta1 ** t), m2[i] / (1 - c.beta2 ** t)
                    params[i] = params[i] - c.lr * m_hat / (np.sqrt(v_hat) + c.eps)
            for i in range(depth):  # L1: lr*l1 towards zero, stopping there
                params[i] = np.sign(params[i]) * np.maximum(np.abs(params[i]) - c.lr * c.l1, 0)
    moments[c.epochs, 0] = (params[:depth], params[depth:])
    return moments, batch_losses


RUNS = [
    config(batch_size=16, epochs=9, snapshot_every=4),
    config(optimizer="momentum", batch_size=7, lr=0.05, epochs=8, snapshot_every=3, l2=0.01),
    config(optimizer="adam", batch_size=16, lr=0.01, epochs=9, snapshot_every=4, test_fraction=0.2, l1=0.002),
    config(dataset="circle", optimizer="adam", batch_size=10, lr=0.02, epochs=8, snapshot_every=5,
           test_fraction=0.25, l2=0.001, samples=60),
    # a strong L1: weights reach 0 (14 of 48 by epoch 7), where its step stops them
    config(layers=(1, 6, 6, 1), activation="tanh", optimizer="momentum", epochs=7, snapshot_every=3, l1=0.3),
]
IDS = ["sgd-16", "momentum-7-l2", "adam-16-test-l1", "circle-adam-10", "momentum-full-l1"]


@pytest.fixture(scope="module", params=range(len(RUNS)), ids=IDS)
def run(request):
    c = RUNS[request.param]
    return c, train(c), plain_training(c)


# -- the defaults are the seed's -------------------------------------------------------------------
def test_defaults_reproduce_the_seed_losses_and_main_s_run_bit_for_bit(seed_history):
    np.testing.assert_allclose(seed_history.loss, seed_notebook_losses(), rtol=0, atol=1e-12)
    before = History.load(DATA / "v3_default.npz")  # written by nnviz's run file version 3, before this
    assert before.config == seed_history.config
    arrays = lambda h: [h.loss, h.X, h.y, h.grid, *h.checkpoints.values(), *h.trace.values()]
    # The file was written on another machine: OpenBLAS picks its matmul kernel by CPU, so the
    # last bit can differ there (about 1e-17); on one machine replay is exact (tests below).
    for a, b in zip(arrays(before), arrays(seed_history)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    assert seed_history.steps == 1 and seed_history.shuffle_key is None and len(seed_history.X_test) == 0
    np.testing.assert_array_equal(seed_history.batch_loss[:, 0], seed_history.loss[:-1])  # one batch: every point
    assert not seed_history.penalty.any() and seed_history.test_loss is None


def test_a_batch_of_every_point_is_full_batch_and_an_optimiser_s_defaults_change_nothing_else(seed_history):
    for changes in ({"batch_size": 100}, {"batch_size": 1000}, {"momentum": 0.5, "beta1": 0.8, "eps": 1e-3}):
        h = train(config(**changes))
        assert h.steps == 1
        assert np.array_equal(h.loss, seed_history.loss)


def test_held_out_points_and_batches_leave_the_data_and_the_first_weights_as_they_were(seed_history):
    h = train(config(test_fraction=0.3, batch_size=8, optimizer="adam"))
    start, seed_start = h.at_epoch(0), seed_history.at_epoch(0)
    assert all(np.array_equal(a, b) for a, b in zip(start.weights, seed_start.weights))
    assert len(h.X) == 70 and len(h.X_test) == 30
    together = np.sort(np.r_[h.X, h.X_test][:, 0])
    np.testing.assert_array_equal(together, seed_history.X[:, 0])  # the same points, split
    assert np.all(np.diff(h.X[:, 0]) > 0)  # each part keeps the points' own order


def test_the_split_depends_on_the_seed_and_the_data_not_the_architecture():
    small = train(config(test_fraction=0.3, epochs=2))
    big = train(config(test_fraction=0.3, epochs=2, layers=(1, 16, 16, 16, 1), activation="relu"))
    assert len(small.X_test) == 30
    np.testing.assert_array_equal(small.X_test, big.X_test)
    np.testing.assert_array_equal(small.y_test, big.y_test)
    np.testing.assert_array_equal(small.X, big.X)
    other = train(config(test_fraction=0.3, epochs=2, seed=1))  # another seed holds out others
    assert not np.array_equal(np.sort(other.X_test[:, 0]), np.sort(small.X_test[:, 0]))


# -- exact replay ---------------------------------------------------------------------------------
def test_replay_is_exact_at_every_epoch_and_every_step_against_the_reference(run):
    c, h, (moments, batch_losses) = run
    assert h.steps == max(s for _, s in moments) + 1
    for (e, s), (ws, bs) in moments.items():
        state = h.at_step(e, s)
        assert state.epoch_step == (e, s) and state.epoch == e + s / h.steps
        for got, want in zip(state.weights + state.biases, ws + bs):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        if s == 0:
            assert state.loss == h.loss[e]  # bit for bit the loss training recorded
    for (e, s), loss in batch_losses.items():
        assert abs(h.batch_loss[e, s] - loss) < 1e-12


def test_replay_is_bit_for_bit_what_training_held(run):
    """Training's own weights: a run keeping every epoch (its checkpoints are copies of what
    training held), and each step's batch loss, recorded by training from its weights then."""
    c, h, _ = run
    every = train(c.updated({"snapshot_every": 1}))
    for e in range(h.epochs + 1):
        a, b = h.at_epoch(e), every.at_epoch(e)
        assert all(np.array_equal(x, y) for x, y in zip(a.weights + a.biases, b.weights + b.biases))
    n, size = len(h.X), (c.batch_size if h.steps > 1 else len(h.X))
    for e in reversed(range(h.epochs)):  # backwards: each replayed from a checkpoint or an earlier step
        order = batch_order(h.shuffle_key, e, n) if h.steps > 1 else np.arange(n)
        for s in range(h.steps):
            state, batch = h.at_step(e, s), order[s * size:(s + 1) * size]
            z = forward(state.problem.X[batch], state.weights, state.biases, c.activation)[1][-1]
            assert state.problem.loss.value(z, state.problem.y[batch]) == h.batch_loss[e, s]


def test_the_clock_steps_through_an_epoch_and_never_tweens_across_two_steps(run):
    c, h, _ = run
    k = h.steps
    for e in range(min(h.epochs, 3)):
        for s in range(k):
            a, b = h.at_step(e, s), (h.at_step(e, s + 1) if s + 1 < k else h.at_epoch(e + 1))
            start = h.at(e + s / k)
            assert start.epoch_step == (e, s)
            assert all(np.array_equal(x, y) for x, y in zip(start.weights, a.weights))
            for f in (0.25, 0.5, 0.8):
                shown = h.at(e + (s + f) / k)
                tween = h.tween(e, s, f)
                if tween_allowed(h, e, s):
                    assert shown.epoch_step == (e, s)
                    for w, w0, w1 in zip(shown.weights, a.weights, b.weights):
                        np.testing.assert_allclose(w, w0 + f * (w1 - w0), rtol=0, atol=1e-14)
                    low, high = sorted((a.loss, b.loss))
                    slack = TWEEN_SLACK * (high - low) + 1e-9
                    assert low - slack <= shown.loss <= high + slack
                else:  # a cut: the nearer of the step's two ends, exactly
                    end = b if h.clock(e + (s + f) / k)[2] >= 0.5 else a
                    assert all(np.array_equal(x, y) for x, y in zip(shown.weights, end.weights))
                assert tween.epoch_step == (e, s)
    with pytest.raises(ValueError):
        h.at_step(h.epochs, 1)  # the last epoch takes no steps
    with pytest.raises(ValueError):
        h.at_step(0, k)


def test_full_batch_keeps_the_one_step_clock(seed_history):
    h = seed_history
    a, b = h.at_epoch(12), h.at_epoch(13)
    s = h.at(12.25)
    assert s.epoch == 12.25 and s.epoch_step == (12, 0)
    for w, w0, w1 in zip(s.weights, a.weights, b.weights):
        np.testing.assert_array_equal(w, w0 + 0.25 * (w1 - w0))


def test_a_saved_run_replays_the_same_steps(run, tmp_path):
    c, h, _ = run
    loaded = History.load(h.save(tmp_path / "run.npz"))
    assert loaded.config == c and loaded.shuffle_key == h.shuffle_key
    for name in ("loss", "batch_loss", "X_test", "y_test"):
        assert np.array_equal(getattr(loaded, name), getattr(h, name))
    for name, array in h.checkpoints.items():
        assert np.array_equal(loaded.checkpoints[name], array)
    for e, s in [(h.epochs - 1, h.steps - 1), (1, h.steps // 2), (h.epochs, 0)]:
        for x, y in zip(loaded.at_step(e, s).weights, h.at_step(e, s).weights):
            assert np.array_equal(x, y)


# -- minibatch steps in place ---------------------------------------------------------------------
def plain_epoch(c, problem, weights, biases, memory, epoch, key):
    """Epoch ``epoch``'s steps by model.forward, model.backward and optim.update, on new arrays (as
    take_steps did before it stepped in place): (weights, biases, memory, batch losses)."""
    order, size, steps = batch_order(key, epoch, len(problem.X)), c.batch_size, c.steps_per_epoch
    X, y, losses = problem.X[order], problem.y[order], []
    for s in range(steps):
        Xb, yb = X[s * size:(s + 1) * size], y[s * size:(s + 1) * size]
        zs, acts = forward(Xb, weights, biases, c.activation)
        losses.append(problem.loss.value(acts[-1], yb))
        grad_w, grad_b = backward(Xb, yb, weights, zs, acts, c.activation, problem.loss)
        weights, biases, memory = update(c, weights, biases, grad_w, grad_b, memory, epoch * steps + s)
    return weights, biases, memory, losses


IN_PLACE = [  # every activation, loss and optimiser, both penalties, a short last batch
    dict(optimizer="adam", batch_size=7, l1=0.002, l2=0.01, samples=40),
    dict(optimizer="momentum", layers=(1, 6, 5, 1), activation="tanh", batch_size=9, l1=0.05, samples=40),
    dict(layers=(1, 6, 1), activation="sigmoid", batch_size=16, lr=0.5, l2=0.01, samples=40),
    dict(optimizer="adam", layers=(1, 6, 1), activation="leaky_relu", batch_size=8, lr=0.02, samples=30),
    dict(dataset="circle", optimizer="adam", batch_size=10, lr=0.02, samples=46, test_fraction=0.2),
    dict(dataset="spiral", classes=3, layers=(2, 8, 3), optimizer="momentum", batch_size=12, lr=0.05, samples=45),
]


@pytest.mark.parametrize("changes", IN_PLACE, ids=range(len(IN_PLACE)))
def test_steps_in_place_are_bit_for_bit_forward_backward_and_update(changes):
    """Training steps minibatches in place (optim.InPlaceSteps); each epoch is bit for bit the
    plain steps from training's own checkpoint before it, memory and batch losses included."""
    c = config(epochs=4, snapshot_every=1, **changes)
    h = train(c)
    assert h.steps > 1
    for e in range(h.epochs):
        weights, biases, memory = checkpoint_params(h.checkpoints, e, c)
        ws, bs, mem, losses = plain_epoch(c, h.problem, weights, biases, memory, e, h.shuffle_key)
        want_ws, want_bs, want_mem = checkpoint_params(h.checkpoints, e + 1, c)
        for got, want in zip(ws + bs + list(mem.values()), want_ws + want_bs + list(want_mem.values())):
            assert np.array_equal(got, want)
        assert losses == list(h.batch_loss[e])


def test_take_steps_leaves_what_it_is_given_as_it_was():
    """Replay resumes from cached moments and checkpoints: stepping from them must not move them."""
    c = config(optimizer="adam", batch_size=16, epochs=3, l1=0.01, l2=0.01)
    h = train(c)
    weights, biases, memory = checkpoint_params(h.checkpoints, 0, c)
    given = [a.copy() for a in weights + biases + list(memory.values())]
    ws, bs, mem = take_steps(c, h.problem, weights, biases, memory, 0, 0, 4, h.shuffle_key)
    assert all(np.array_equal(a, b) for a, b in zip(weights + biases + list(memory.values()), given))
    assert not np.array_equal(ws[0], weights[0]) and mem["m"] is not memory["m"]
    middle = [w.copy() for w in h.at_step(1, 2).weights]
    h.at_step(1, 5)  # resumed from the cached (1, 2)
    assert all(np.array_equal(a, b) for a, b in zip(h.at_step(1, 2).weights, middle))
    assert all(np.array_equal(a, b) for a, b in zip(h.at_step(1, 5).weights, train(c).at_step(1, 5).weights))


# -- the penalty --------------------------------------------------------------------------------
@pytest.mark.parametrize("l2, l1", [(0.01, 0.0), (0.0, 0.02), (0.03, 0.01)])
def test_the_gradient_is_the_data_loss_s_plus_l2_s_by_finite_differences(l2, l1):
    """The gradient training steps with: L1 is a move towards 0 after the step, no gradient."""
    c = config(layers=(1, 5, 4, 1), activation="tanh", epochs=3, l2=l2, l1=l1, samples=30)
    s = train(c).at_epoch(2)
    h = 1e-6
    for kind, params, grads in (("w", s.weights, s.grad_weights), ("b", s.biases, s.grad_biases)):
        for l, (p, g) in enumerate(zip(params, grads)):
            for index in np.ndindex(p.shape):
                moved = []
                for sign in (1, -1):
                    changed = [q.copy() for q in params]
                    changed[l][index] += sign * h
                    ws, bs = (changed, s.biases) if kind == "w" else (s.weights, changed)
                    moved.append(type(s)(0.0, ws, bs, s.problem).loss + l2 * sum(np.sum(w * w) for w in ws))
                assert abs((moved[0] - moved[1]) / (2 * h) - g[index]) < 1e-7, (kind, l, index)


def test_the_loss_is_the_data_s_and_the_penalty_is_apart():
    h = train(config(l2=0.01, l1=0.003, epochs=6))
    for e in range(h.epochs + 1):
        s = h.at_epoch(e)
        w = np.concatenate([x.ravel() for x in s.weights])
        assert s.loss == h.loss[e]
        assert s.penalty == h.penalty[e] == pytest.approx(0.01 * np.sum(w * w) + 0.003 * np.sum(np.abs(w)), rel=1e-12)
        assert s.total_loss == s.loss + s.penalty


def test_l1_drives_weights_to_exactly_zero_and_keeps_them_there():
    h = train(config(l1=0.05, epochs=150, snapshot_every=50))
    zeros = [np.flatnonzero(h.at_epoch(e).weights[0] == 0) for e in (120, 135, 150)]
    assert len(zeros[-1]) >= 3  # plain subgradient steps would leave them jittering around 0
    assert set(zeros[0]) <= set(zeros[1]) <= set(zeros[2])
    assert not train(config(epochs=150)).at_epoch(150).weights[0].__eq__(0).any()


# -- held-out points ----------------------------------------------------------------------------
def test_the_test_loss_is_the_held_out_points_own():
    h = train(config(dataset="circle", test_fraction=0.25, epochs=12, samples=80))
    assert len(h.X_test) == 20 and len(h.X) == 60
    for e in range(h.epochs + 1):
        s = h.at_epoch(e)
        assert s.test_loss == h.test_loss[e] and s.test_accuracy == h.test_accuracy[e]
        p = 1 / (1 + np.exp(-s._test_output))
        assert abs(s.test_loss - float(-np.mean(h.y_test * np.log(p) + (1 - h.y_test) * np.log(1 - p)))) < 1e-12
        assert s.test_accuracy == np.mean((p[:, 0] > 0.5) == (h.y_test[:, 0] > 0.5))
    assert train(config(epochs=3)).at_epoch(1).test_loss is None


OVERFITS = config(dataset="quadratic", samples=24, noise=0.3, test_fraction=0.5, layers=(1, 64, 64, 1), seed=2,
                  activation="tanh", optimizer="adam", lr=0.01, epochs=300, snapshot_every=100)


def test_overfitting_is_said_where_the_test_loss_rises_as_the_training_loss_falls(seed_history):
    h = train(OVERFITS)
    found = [e for e in h.events() if e.kind == "overfit"]
    assert len(found) == 1
    e = found[0]
    k = int(np.argmin(h.test_loss))
    assert e.epoch == k and h.test_loss[-1] > 1.2 * h.test_loss[k] and h.loss[-1] < h.loss[k]
    assert e.text.startswith(f"from epoch {k} the test loss rose from {h.test_loss[k]:.4f} to {h.test_loss[-1]:.4f}")
    assert "while the training loss kept falling" in e.text
    for quiet in (seed_history, train(config(test_fraction=0.2)), train(OVERFITS.updated({"test_fraction": 0.0}))):
        assert not [e for e in quiet.events() if e.kind == "overfit"]


# -- run files ----------------------------------------------------------------------------------
def test_version_3_files_load_as_they_were():
    for name in ("v3_default", "v3_circle", "v3_diverged"):
        h = History.load(DATA / f"{name}.npz")
        again = train(h.config, keep_diverged=True)
        assert h.diverged_at == again.diverged_at and (name == "v3_diverged") == (h.diverged_at is not None)
        # written on another machine, so equal up to its BLAS kernel's last bit (see above)
        for a, b in ((h.loss, again.loss), (h.batch_loss, again.batch_loss), (h.penalty, again.penalty)):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
        assert h.test_loss is None
        for e in range(h.epochs + 1):
            assert h.at_epoch(e).loss == pytest.approx(h.loss[e], rel=1e-13, abs=1e-15)


def test_a_version_3_file_cannot_claim_the_new_settings(tmp_path):
    with np.load(DATA / "v3_default.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["config"] = np.array(json.dumps({**json.loads(str(arrays["config"])), "optimizer": "adam"}))
    arrays["digest"] = np.array(digest(arrays))
    with pytest.raises(HistoryFileError) as err:
        History.load(write_arrays(arrays, tmp_path / "claims.npz"))
    assert "version 3" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("member", ["m_w0", "v_b1", "batch_loss", "X_test", "test_loss", "penalty"])
def test_the_digest_covers_the_new_arrays(tmp_path, member):
    h = train(RUNS[2])
    arrays = run_arrays(h)
    arrays[member] = arrays[member] + 1e-9
    with pytest.raises(HistoryFileError) as err:
        History.load(write_arrays(arrays, tmp_path / "run.npz"))
    assert "digest" in str(err.value)


def test_the_memory_estimate_covers_minibatch_adam():
    import tracemalloc

    """Adam's m and v at every checkpoint, as test_edges checks plain runs."""
    c = config(layers=(1, 300, 300, 1), epochs=10, optimizer="adam", batch_size=25, lr=0.001, test_fraction=0.2,
               snapshot_every=1)
    tracemalloc.start()
    try:
        train(c)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.75 <= peak / sum(c.memory_needed().values()) <= 1.02


# -- the command line ---------------------------------------------------------------------------
def run_cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's nnviz, wherever it is installed from
    return subprocess.run([sys.executable, "-m", "nnviz_core.frontends.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env)


@pytest.mark.parametrize("args, words", [
    (["--optimizer", "foo"], "--optimizer foo: choose one of sgd, momentum, adam"),
    (["--batch-size", "-1"], "--batch-size -1: must be a whole number >= 0"),
    (["--batch-size", "8.5"], "--batch-size 8.5:"),
    (["--test-fraction", "1.2"], "--test-fraction 1.2: must be a number from 0 to below 1"),
    (["--test-fraction", "0.001"], "--test-fraction 0.001: holds out 0 of the 100 points"),
    (["--momentum", "1"], "--momentum 1.0: must be a number from 0 to below 1"),
    (["--beta2", "-0.1"], "--beta2 -0.1:"), (["--eps", "0"], "--eps 0.0: must be a number > 0"),
    (["--l2", "-1"], "--l2 -1.0: must be a number >= 0"), (["--l1", "lots"], "--l1 lots:")])
def test_bad_settings_are_one_line_and_exit_2(tmp_path, args, words):
    result = run_cli("train", *args, "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"nnviz: {words}") and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_train_and_info_with_the_new_settings(tmp_path, capsys):
    (tmp_path / "empty.cfg").touch()
    for extra, out in (([], "run.npz"), (["--dataset", "circle", "--epochs", "30"], "circle.npz")):
        assert main(["train", "--optimizer", "adam", "--batch-size", "16", "--test-fraction", "0.2", "--l2", "0.001",
                     *extra, "--config", str(tmp_path / "empty.cfg"), "--out", str(tmp_path / out)]) == 0
        capsys.readouterr()
        assert main(["info", str(tmp_path / out)]) == 0
        text = capsys.readouterr().out
        h = History.load(tmp_path / out)
        for line in ("batch_size      16", "optimizer       adam", "l2              0.001", "test_fraction   0.2",
                     "steps           5 per epoch (batches of 16; adam); 80 training points, 20 held out",
                     f"test loss       {h.test_loss[0]:.6g} at epoch 0 -> {h.test_loss[-1]:.6g}", "penalty  "):
            assert line in text, line
        assert ("test accuracy" in text) == (out == "circle.npz")
        assert main(["info", "--json", str(tmp_path / out)]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["config"]["optimizer"] == "adam" and info["final_test_loss"] == h.test_loss[-1]
        assert info["steps_per_epoch"] == 5 and info["held_out"] == 20
