"""Training engine, History (checkpoints, exact replay, the clock), State, persistence and the
core's independence from manim."""
import io
import json
import shlex
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from nnviz_core import ConfigError, History, RunConfig, TrainingDiverged, train
from nnviz_core.data import CURVES, make_dataset
from nnviz_core.frontends.cli import main
from nnviz_core.errors import HistoryFileError
from nnviz_core.run_file import OldRunFile
from nnviz_core.model import ACTIVATION_FUNCS, LEAKY_SLOPE, backward, forward, init_params, mse


# -- seed reproduction ---------------------------------------------------------------------
def seed_notebook_losses():
    """The notebook's own cells, verbatim in effect (global np.random stream)."""
    np.random.seed(0)
    X = np.linspace(-1, 1, 100).reshape(-1, 1)
    y = X**2 + np.random.normal(0, 0.1, X.shape)
    w1 = np.random.randn(1, 10) * 0.5
    b1 = np.zeros((1, 10))
    w2 = np.random.randn(10, 1) * 0.5
    b2 = np.zeros((1, 1))
    losses = []
    for _ in range(101):
        z1 = X @ w1 + b1
        a1 = np.maximum(0, z1)
        y_pred = a1 @ w2 + b2
        losses.append(np.mean((y_pred - y) ** 2))
        dloss = 2 * (y_pred - y) / y.shape[0]
        dw2 = a1.T @ dloss
        db2 = np.sum(dloss, axis=0, keepdims=True)
        dz1 = (dloss @ w2.T) * (z1 > 0).astype(float)
        dw1 = X.T @ dz1
        db1 = np.sum(dz1, axis=0, keepdims=True)
        w1 -= 0.1 * dw1
        b1 -= 0.1 * db1
        w2 -= 0.1 * dw2
        b2 -= 0.1 * db2
    return np.array(losses)


def test_default_run_reproduces_the_seed_losses(seed_history):
    assert seed_history.loss.shape == (101,)
    assert abs(seed_history.loss[0] - 0.5625118497638173) < 1e-12
    assert abs(seed_history.loss[100] - 0.01502532329051984) < 1e-12
    np.testing.assert_allclose(seed_history.loss, seed_notebook_losses(), rtol=0, atol=1e-12)


# -- exact state at any epoch -----------------------------------------------------------------
PLAIN_ACTIVATIONS = {  # written again here, apart from nnviz_core.model
    "relu": (lambda z: np.maximum(0, z), lambda z: (z > 0) * 1.0),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "leaky_relu": (lambda z: np.where(z > 0, z, LEAKY_SLOPE * z), lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE)),
}


def plain_training(config):
    """Full-batch gradient descent written out plainly: the weights and biases of every epoch."""
    rng = np.random.RandomState(config.seed)
    X, y = make_dataset(config.dataset, config.samples, config.noise, rng)
    ws, bs = init_params(config.layers, config.activation, config.init, rng)
    f, df = PLAIN_ACTIVATIONS[config.activation]
    every = []
    for epoch in range(config.epochs + 1):
        every.append(([w.copy() for w in ws], [b.copy() for b in bs]))
        a, zs, acts = X, [], [X]
        for l, (w, b) in enumerate(zip(ws, bs)):
            z = a @ w + b
            a = z if l == len(ws) - 1 else f(z)
            zs.append(z)
            acts.append(a)
        delta = 2 * (a - y) / len(y)
        for l in reversed(range(len(ws))):
            gw, gb = acts[l].T @ delta, delta.sum(0, keepdims=True)
            if l:
                delta = (delta @ ws[l].T) * df(zs[l - 1])
            ws[l] = ws[l] - config.lr * gw
            bs[l] = bs[l] - config.lr * gb
    return every


FAR_FROM_DEFAULTS = [
    RunConfig(epochs=40),
    RunConfig(layers=(1, 8, 8, 1), activation="tanh", lr=0.3, epochs=37, snapshot_every=7),
    RunConfig(layers=(1, 64, 1), lr=0.3, epochs=30, snapshot_every=10),  # spikes, units die
    RunConfig(layers=(1, 6, 6, 6, 6, 1), activation="sigmoid", lr=1.0, epochs=25, dataset="sine"),
    RunConfig(layers=(1, 5, 3, 1), activation="leaky_relu", dataset="step", epochs=22, snapshot_every=4),
]


@pytest.mark.parametrize("config", FAR_FROM_DEFAULTS, ids=lambda c: f"{'-'.join(map(str, c.layers))}-{c.activation}")
def test_at_epoch_matches_plain_numpy_training_at_every_epoch(config):
    history = train(config)
    for epoch, (ws, bs) in enumerate(plain_training(config)):
        state = history.at_epoch(epoch)
        for got, want in zip(state.weights + state.biases, ws + bs):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        assert state.loss == history.loss[epoch]  # bit for bit the loss training recorded


def test_checkpoints_every_interval_and_always_the_last_epoch(seed_history):
    assert list(seed_history.checkpoint_epochs) == list(range(0, 101, 5))
    assert list(train(RunConfig(epochs=12, snapshot_every=5)).checkpoint_epochs) == [0, 5, 10, 12]


def test_at_epoch_is_the_same_in_any_order_and_cached(seed_history):
    h = seed_history
    forwards = [h.at_epoch(e).weights[0].copy() for e in range(0, 101, 3)]
    backwards = [h.at_epoch(e).weights[0].copy() for e in reversed(range(0, 101, 3))]
    for a, b in zip(forwards, reversed(backwards)):
        assert np.array_equal(a, b)
    with pytest.raises(ValueError):
        h.at_epoch(101)
    with pytest.raises(ValueError):
        h.at_epoch(2.5)


def test_a_state_computes_what_it_shows_from_its_own_weights(seed_history):
    h = seed_history
    for t in (0, 7, 42.5, 100):
        s = h.at(t)
        zs, acts = forward(h.X, s.weights, s.biases, "relu")
        assert mse(acts[-1], h.y) == s.loss
        gw, gb = backward(h.X, h.y, s.weights, zs, acts, "relu")
        for a, b in zip(gw + gb, s.grad_weights + s.grad_biases):
            np.testing.assert_array_equal(a, b)
        _, grid_acts = forward(h.grid, s.weights, s.biases, "relu")
        np.testing.assert_array_equal(grid_acts[-1], s.prediction)
        assert s.prediction.shape == (len(h.grid), 1) and len(h.grid) >= 200


def test_between_two_epochs_the_clock_shows_that_one_step_part_done(seed_history):
    h = seed_history
    before, after = h.at_epoch(12), h.at_epoch(13)
    for f in (0.25, 0.5, 0.9):
        s = h.at(12 + f)
        assert s.epoch == 12 + f
        for w0, g0, w in zip(before.weights, before.grad_weights, s.weights):
            np.testing.assert_allclose(w, w0 - f * h.config.lr * g0, atol=1e-15)
    for w1, w in zip(after.weights, h.at(13 - 1e-13).weights):
        np.testing.assert_allclose(w, w1, atol=1e-12)  # continuous into the next epoch


def test_the_clock_never_glides_across_steps_it_skips():
    """An oscillating run: halfway through epoch 20 the weights are halfway between epochs 20 and
    21, not a blend of checkpoints 20 and 25 (which would hide the flips between)."""
    h = train(RunConfig(lr=0.9, epochs=60))
    mid = h.between(20, 0.5)  # the tween itself (History.at cuts an overshooting step: test_truth)
    a, b, far = h.at_epoch(20), h.at_epoch(21), h.at_epoch(25)
    for w, w0, w1, w5 in zip(mid.weights, a.weights, b.weights, far.weights):
        np.testing.assert_allclose(w, (w0 + w1) / 2, atol=1e-15)
        assert not np.allclose(w, (w0 + w5) / 2)
    with pytest.raises(ValueError):
        h.at(60.5)


def test_a_diverging_run_can_be_kept_up_to_its_last_finite_epoch():
    with pytest.raises(TrainingDiverged, match=r"epoch \d+.*smaller learning rate"):
        train(RunConfig(lr=50.0))
    h = train(RunConfig(lr=50.0), keep_diverged=True)
    assert h.diverged_at is not None and h.epochs == h.diverged_at - 1
    assert np.all(np.isfinite(h.loss)) and h.checkpoint_epochs[-1] == h.epochs
    assert np.isfinite(h.at_epoch(h.epochs).loss)
    assert [e.kind for e in h.events()][-1] == "diverged"


# -- what each neuron does ---------------------------------------------------------------------
NEURON_RUNS = {
    "1-10-1 relu": RunConfig(epochs=30),
    "1-8-8-1 tanh": RunConfig(layers=(1, 8, 8, 1), activation="tanh", epochs=30),
    "1-64-1 relu": RunConfig(layers=(1, 64, 1), lr=0.05, epochs=30),
    "1-6-1 sigmoid": RunConfig(layers=(1, 6, 1), activation="sigmoid", lr=0.5, epochs=30),
}


@pytest.fixture(scope="module", params=list(NEURON_RUNS))
def neuron_run(request):
    return train(NEURON_RUNS[request.param])


def test_contributions_sum_to_the_prediction(neuron_run):
    h = neuron_run
    for t in (0, 7, 13.37, h.epochs):
        s = h.at(t)
        parts = s.contributions()
        a_last = forward(h.grid, s.weights, s.biases, h.config.activation)[1][-2]
        assert parts.shape == (len(h.grid), h.config.layers[-2])
        np.testing.assert_allclose(parts, a_last * s.weights[-1][:, 0], atol=1e-15)
        np.testing.assert_allclose(parts.sum(1) + s.biases[-1][0, 0], s.prediction[:, 0], rtol=0, atol=1e-9)


def test_switch_points_are_where_each_pre_activation_crosses_zero(neuron_run):
    h = neuron_run
    s = h.at(h.epochs)
    points = s.switch_points()
    assert [p.shape for p in points] == [(n,) for n in h.config.layers[1:-1]]
    lo, hi = h.grid[0, 0], h.grid[-1, 0]
    w, b = s.weights[0][0], s.biases[0][0]
    kink = -b / w
    inside = (kink >= lo) & (kink <= hi)
    np.testing.assert_allclose(points[0][inside], kink[inside], atol=1e-15)  # first layer: exactly −b/w
    assert np.all(np.isnan(points[0][~inside]))
    for layer, p in enumerate(points[1:], start=1):  # deeper: found on the grid, refined linearly
        for j, x in enumerate(p):
            zs, _ = forward(h.grid, s.weights, s.biases, h.config.activation)
            z = zs[layer][:, j]
            if np.isnan(x):
                assert np.all(z > 0) or np.all(z < 0)
                continue
            at = forward(np.array([[x]]), s.weights, s.biases, h.config.activation)[0][layer][0, j]
            assert abs(at) < 1e-3 * (np.abs(z).max() + 1e-12)
            before = z[h.grid[:, 0] < x - 1e-9]
            assert np.all(before > 0) or np.all(before < 0)  # the first crossing


def test_dead_units_are_relu_units_off_on_every_input(neuron_run):
    h = neuron_run
    s = h.at(h.epochs)
    for layer, dead in enumerate(s.dead_units()):
        acts = s.activations[layer]
        expected = np.all(acts <= 0, axis=0) if h.config.activation == "relu" else np.zeros(acts.shape[1], bool)
        np.testing.assert_array_equal(dead, expected)


def test_a_spike_kills_units_and_the_history_says_so():
    h = train(RunConfig(layers=(1, 64, 1), lr=0.3, epochs=30))
    dead_end = h.at_epoch(h.epochs).dead_units()[0]
    assert dead_end.sum() > 0
    kinds = [e.kind for e in h.events()]
    assert "spike" in kinds and "dead" in kinds
    dead = next(e for e in h.events() if e.kind == "dead")
    assert dead.values["dead"] == int(dead_end.sum()) and dead.values["total"] == 64
    assert f"{int(dead_end.sum())} of 64" in dead.text
    assert h.trace["dead_counts"][-1, 0] == dead_end.sum()


# -- where a gradient comes from -------------------------------------------------------------
@pytest.mark.parametrize("config", [RunConfig(epochs=5),
                                    RunConfig(layers=(1, 4, 3, 1), activation="tanh", epochs=5)])
def test_sample_gradients_average_to_the_gradient_and_match_finite_differences(config):
    h = train(config)
    s = h.at_epoch(3)
    for layer in range(len(s.weights)):
        for i, j in [(0, 0), (s.weights[layer].shape[0] - 1, s.weights[layer].shape[1] - 1)]:
            per_point = s.sample_gradients(layer, i, j)
            assert per_point.shape == (config.samples,)
            assert abs(per_point.mean() - s.grad_weights[layer][i, j]) < 1e-12
            k, eps = 17, 1e-6  # one point's own squared error, nudged
            def point_loss(delta):
                ws = [w.copy() for w in s.weights]
                ws[layer][i, j] += delta
                return float(((forward(h.X[k:k + 1], ws, s.biases, config.activation)[1][-1] - h.y[k]) ** 2).mean())
            numeric = (point_loss(eps) - point_loss(-eps)) / (2 * eps)
            assert abs(per_point[k] - numeric) < 1e-6
        bias = s.sample_bias_gradients(layer, 0)
        assert abs(bias.mean() - s.grad_biases[layer][0, 0]) < 1e-12


# -- gradients -------------------------------------------------------------------------------
def numerical_gradients(X, y, weights, biases, activation, eps=1e-6):
    def loss():
        return mse(forward(X, weights, biases, activation)[1][-1], y)

    grads = []
    for p in weights + biases:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = loss()
            p[idx] = old - eps
            down = loss()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("activation", sorted(ACTIVATION_FUNCS))
@pytest.mark.parametrize("layers", [(1, 4, 1), (1, 5, 3, 1), (2, 3, 2)])
def test_backward_matches_finite_differences(activation, layers):
    rng = np.random.RandomState(1)
    X = rng.uniform(-1, 1, (17, layers[0]))
    y = rng.normal(0, 1, (17, layers[-1]))
    weights, biases = init_params(layers, activation, "xavier", rng)
    biases = [rng.normal(0, 0.3, b.shape) for b in biases]  # non-zero, so ReLU kinks are rare
    zs, acts = forward(X, weights, biases, activation)
    gw, gb = backward(X, y, weights, zs, acts, activation)
    for analytic, numeric in zip(gw + gb, numerical_gradients(X, y, weights, biases, activation)):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# -- config ------------------------------------------------------------------------------------
def test_defaults_are_the_seed_settings():
    c = RunConfig()
    assert (c.layers, c.activation, c.lr, c.epochs, c.snapshot_every, c.seed, c.dataset,
            c.samples, c.noise) == ((1, 10, 1), "relu", 0.1, 100, 5, 0, "quadratic", 100, 0.1)


@pytest.mark.parametrize("field, value", [
    ("layers", (1, 0, 1)), ("layers", (1,)), ("layers", (2, 4, 1)), ("activation", "swish"),
    ("layers", "1,,1"),
    ("lr", -1.0), ("lr", float("nan")), ("epochs", 0), ("snapshot_every", 0),
    ("dataset", "mnist"), ("samples", 1), ("noise", -0.1), ("init", "zeros")])
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ConfigError) as err:
        RunConfig(**{field: value})
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_text_values_are_parsed_like_flags():
    c = RunConfig().updated({"layers": "1, 8, 8, 1", "lr": "0.05", "activation": "tanh"})
    assert c.layers == (1, 8, 8, 1) and c.lr == 0.05
    with pytest.raises(ConfigError, match="lr"):
        RunConfig().updated({"lr": "fast"})
    with pytest.raises(ConfigError, match="layers"):
        RunConfig().updated({"layers": "1,,1"})
    with pytest.raises(ConfigError, match="unknown setting"):
        RunConfig().updated({"learning_rate": "0.1"})


def test_cfg_section_is_read(tmp_path):
    from nnviz_core.runs import resolve_history

    cfg = tmp_path / "talk.cfg"
    cfg.write_text("[CLI]\nquality = low_quality\n\n[nnviz]\nlayers = 1,4,1\nactivation = tanh\nepochs = 10\n")
    h = resolve_history(cfg)
    assert h.config.layers == (1, 4, 1) and h.config.activation == "tanh" and len(h.loss) == 11
    h2 = resolve_history(cfg, overrides={"epochs": "20"})
    assert len(h2.loss) == 21


@pytest.mark.parametrize("name", sorted(CURVES))
def test_every_dataset_trains_and_learns(name):
    h = train(RunConfig(dataset=name, epochs=300, activation="tanh", layers=(1, 16, 1)))
    assert np.all(np.isfinite(h.loss))
    assert h.loss[-1] < h.loss[0]
    assert h.X.min() == -1 and h.X.max() == 1


def test_the_trace_covers_every_epoch(seed_history):
    h = seed_history
    every = [h.at_epoch(e) for e in range(h.epochs + 1)]
    assert h.largest("weights") == max(max(np.abs(w).max() for w in s.weights) for s in every)
    assert h.largest("grad_weights") == max(max(np.abs(g).max() for g in s.grad_weights) for s in every)
    low, high = h.prediction_bounds()
    assert low == min(s.activations[-1].min() for s in every)
    assert high == max(s.activations[-1].max() for s in every)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_the_trace_counts_dead_units_as_states_do_and_the_estimate_counts_the_trace(activation):
    """One rule for which units die (only ReLU's: 0 with no gradient on every input), read the
    same by training's trace and by every State; and the memory estimate counts what is kept."""
    config = RunConfig(layers=(1, 6, 3, 1), activation=activation, lr=0.5, epochs=12, snapshot_every=5, seed=3)
    h = train(config)
    for e in range(h.epochs + 1):
        s = h.at_epoch(e)
        off = [np.all(a <= 0, axis=0) if activation == "relu" else np.zeros(a.shape[1], bool)
               for a in s.activations[:-1]]
        assert list(h.trace["dead_counts"][e]) == [d.sum() for d in off]
        assert all(np.array_equal(d, o) for d, o in zip(s.dead_units(), off))
    kept = h.loss[:1].size + sum(a.shape[1] for a in h.trace.values())  # numbers per epoch
    assert config.memory_needed()["trace"] == 8 * (config.epochs + 1) * kept


# -- persistence ------------------------------------------------------------------------------
def test_save_load_round_trip(seed_history, tmp_path):
    path = seed_history.save(tmp_path / "run.npz")
    h = History.load(path)
    assert h.config == seed_history.config
    np.testing.assert_array_equal(h.loss, seed_history.loss)
    for a, b in zip(h.checkpoint_weights + h.checkpoint_biases,
                    seed_history.checkpoint_weights + seed_history.checkpoint_biases):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(h.at(33.3).prediction, seed_history.at(33.3).prediction)


def test_same_config_gives_byte_identical_files(tmp_path):
    a = train(RunConfig(epochs=10)).save(tmp_path / "a.npz")
    b = train(RunConfig(epochs=10)).save(tmp_path / "b.npz")
    assert a.read_bytes() == b.read_bytes()


def test_file_stores_format_version_and_config(seed_history, tmp_path):
    path = seed_history.save(tmp_path / "run.npz")
    with np.load(path) as npz:
        assert int(npz["version"]) == 4
        assert json.loads(str(npz["config"]))["layers"] == [1, 10, 1]
        assert "a0" not in npz.files and "z0" not in npz.files  # no activations: they are replayed


def rewrite(src, dst, name, array=None):
    """Copy an .npz, replacing one member with ``array`` (or dropping it when None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename != name:
                zout.writestr(item, zin.read(item.filename))
            elif array is not None:
                buf = io.BytesIO()
                np.save(buf, array)
                zout.writestr(item, buf.getvalue())


def test_an_old_format_file_says_how_to_recreate_it(tmp_path, capsys):
    """The run file says which version it is and keeps the config it could still read; the CLI
    says how to train it again, and that command gives back the same run in today's format."""
    config = RunConfig(layers=(1, 4, 1), epochs=10, lr=0.3, seed=4)
    good = train(config).save(tmp_path / "good.npz")
    old = tmp_path / "old run.npz"
    rewrite(good, old, "version.npy", np.array(1))
    with pytest.raises(OldRunFile) as err:
        History.load(old)
    assert "version 1" in str(err.value) and err.value.config == config
    assert main(["info", str(old)]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and "version 1" in message
    command = message.strip().split("re-create it with: ")[1]
    assert command.startswith("nnviz train --layers 1,4,1 ") and command.endswith(f"--out '{old}'")
    assert main(shlex.split(command)[1:]) == 0
    assert History.load(old).config == config


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign", "missing", "version", "shape",
                                    "no-config", "text-version", "list-version", "nan"])
def test_damaged_files_give_one_line_errors(seed_history, tmp_path, damage):
    good = seed_history.save(tmp_path / "good.npz")
    bad = tmp_path / "bad.npz"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[:5000])
    elif damage == "garbage":
        bad.write_bytes(b"\x00not a zip at all" * 10)
    elif damage == "foreign":
        np.savez(bad, a=np.arange(3))
    elif damage == "missing":
        rewrite(good, bad, "w1.npy")
    elif damage == "version":
        rewrite(good, bad, "version.npy", np.array(99))
    elif damage == "shape":
        rewrite(good, bad, "loss.npy", np.zeros(7))
    elif damage == "no-config":
        rewrite(good, bad, "config.npy")
    elif damage == "text-version":
        rewrite(good, bad, "version.npy", np.array("one"))
    elif damage == "list-version":
        rewrite(good, bad, "version.npy", np.array([1, 1]))
    elif damage == "nan":
        rewrite(good, bad, "w0.npy", np.full((21, 1, 10), np.nan))
    with pytest.raises(HistoryFileError) as err:
        History.load(bad)
    assert "\n" not in str(err.value) and str(bad) in str(err.value)


def test_core_never_imports_manim():
    """Import every core module with manim made unimportable."""
    code = (
        "import sys, importlib, pkgutil\n"
        "sys.modules['manim'] = None\n"
        "import nnviz_core, nnviz_core.dashboard\n"
        "for pkg in (nnviz_core, nnviz_core.dashboard):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "h = nnviz_core.train(nnviz_core.RunConfig(epochs=5))\n"
        "assert not any(k == 'manim' or k.startswith('manim.') for k in sys.modules if sys.modules[k])\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
