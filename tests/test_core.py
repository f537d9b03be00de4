"""Training engine, History, persistence and the core's independence from manim."""
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from nnviz_core import ConfigError, History, RunConfig, TrainingDiverged, train
from nnviz_core.data import DATASETS
from nnviz_core.errors import HistoryFileError
from nnviz_core.model import ACTIVATION_FUNCS, backward, forward, init_params, mse


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


def test_snapshots_every_interval_and_always_the_last_epoch(seed_history):
    assert list(seed_history.snapshot_epochs) == list(range(0, 101, 5))
    h = train(RunConfig(epochs=12, snapshot_every=5))
    assert list(h.snapshot_epochs) == [0, 5, 10, 12]


def test_snapshot_loss_matches_its_weights(seed_history):
    """Weights, loss, gradients and prediction of one snapshot belong to the same weights."""
    h = seed_history
    for k in (0, 7, len(h) - 1):
        s = h.at(k)
        zs, acts = forward(h.X, s.weights, s.biases, "relu")
        assert mse(acts[-1], h.y) == pytest.approx(s.loss, abs=1e-15)
        gw, gb = backward(h.X, h.y, s.weights, zs, acts, "relu")
        for a, b in zip(gw + gb, s.grad_weights + s.grad_biases):
            np.testing.assert_allclose(a, b, atol=1e-15)
        _, grid_acts = forward(h.grid, s.weights, s.biases, "relu")
        np.testing.assert_allclose(grid_acts[-1], s.prediction, atol=1e-15)
        np.testing.assert_allclose(acts[0], s.activations[0], atol=1e-15)


def test_prediction_grid_is_dense(seed_history):
    assert seed_history.grid.shape[0] >= 200
    assert seed_history.at(0).prediction.shape == (seed_history.grid.shape[0], 1)


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


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_dataset_trains_and_learns(name):
    h = train(RunConfig(dataset=name, epochs=300, activation="tanh", layers=(1, 16, 1)))
    assert np.all(np.isfinite(h.loss))
    assert h.loss[-1] < h.loss[0]
    assert h.X.min() == -1 and h.X.max() == 1


def test_deep_and_wide_networks_train():
    for layers in [(1, 8, 8, 1), (1, 32, 1), (1, 3, 4, 5, 1)]:
        h = train(RunConfig(layers=layers, activation="tanh", epochs=20))
        s = h.at(1.5)
        assert [w.shape for w in s.weights] == [(a, b) for a, b in zip(layers[:-1], layers[1:])]


def test_divergence_names_the_epoch_and_suggests_a_smaller_rate():
    with pytest.raises(TrainingDiverged, match=r"epoch \d+.*smaller learning rate"):
        train(RunConfig(lr=50.0))


# -- interpolation -------------------------------------------------------------------------------
def test_integer_t_returns_the_snapshot_exactly(seed_history):
    h = seed_history
    s = h.at(4)
    assert s.epoch == 20 and s.loss == h.loss[20]
    for name in ("weights", "biases", "grad_weights", "grad_biases", "activations"):
        assert all(np.array_equal(a, stack[4]) for a, stack in zip(getattr(s, name), h.snapshots[name]))
    np.testing.assert_array_equal(s.prediction, h.prediction[4])


def state_vector(state):
    return np.concatenate([a.ravel() for a in state.weights + state.biases + state.grad_weights])


@pytest.mark.parametrize("k", [1, 5, 10, 19])
def test_interpolation_is_c1_at_snapshots(seed_history, k):
    """Left and right derivatives agree at a snapshot boundary: no kink in the motion."""
    h, eps = seed_history, 1e-5
    centre = state_vector(h.at(k))
    left = (centre - state_vector(h.at(k - eps))) / eps
    right = (state_vector(h.at(k + eps)) - centre) / eps
    scale = np.abs(left).max() + np.abs(right).max() + 1e-12
    assert np.abs(left - right).max() / scale < 1e-3


def test_interpolation_is_continuous_and_passes_through_snapshots(seed_history):
    h = seed_history
    ts = np.linspace(0, len(h) - 1, 2001)
    vectors = np.array([state_vector(h.at(t)) for t in ts])
    steps = np.abs(np.diff(vectors, axis=0)).max()
    assert steps < 0.05 * np.abs(vectors).max()  # small steps everywhere: no jumps
    predictions = np.array([h.at(t).prediction[:, 0] for t in ts])
    assert np.abs(np.diff(predictions, axis=0)).max() < 0.05


def test_fractional_loss_comes_from_the_per_epoch_curve(seed_history):
    h = seed_history
    s = h.at(0.4)  # epoch 2, between snapshots 0 and 5
    assert s.epoch == pytest.approx(2.0)
    assert s.loss == pytest.approx(h.loss[2])  # not a straight line from epoch 0 to 5
    assert s.loss != pytest.approx(h.loss[0] + 0.4 * (h.loss[5] - h.loss[0]))


def test_out_of_range_t_is_refused(seed_history):
    with pytest.raises(ValueError):
        seed_history.at(len(seed_history) - 1 + 0.5)


# -- persistence ------------------------------------------------------------------------------
def test_save_load_round_trip(seed_history, tmp_path):
    path = seed_history.save(tmp_path / "run.npz")
    h = History.load(path)
    assert h.config == seed_history.config
    np.testing.assert_array_equal(h.loss, seed_history.loss)
    for name in ("weights", "biases", "grad_weights", "activations"):
        for a, b in zip(h.snapshots[name], seed_history.snapshots[name]):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(h.at(3.3).prediction, seed_history.at(3.3).prediction)


def test_same_config_gives_byte_identical_files(tmp_path):
    a = train(RunConfig(epochs=10)).save(tmp_path / "a.npz")
    b = train(RunConfig(epochs=10)).save(tmp_path / "b.npz")
    assert a.read_bytes() == b.read_bytes()


def test_file_stores_format_version_and_config(seed_history, tmp_path):
    path = seed_history.save(tmp_path / "run.npz")
    with np.load(path) as npz:
        assert int(npz["version"]) == 1
        assert json.loads(str(npz["config"]))["layers"] == [1, 10, 1]


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


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign", "missing", "version", "shape",
                                    "no-config", "text-version", "list-version"])
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
    with pytest.raises(HistoryFileError) as err:
        History.load(bad)
    assert "\n" not in str(err.value) and str(bad) in str(err.value)


def test_core_never_imports_manim():
    """Import every core module with manim made unimportable."""
    code = (
        "import sys, importlib, pkgutil\n"
        "sys.modules['manim'] = None\n"
        "import nnviz_core\n"
        "for m in pkgutil.iter_modules(nnviz_core.__path__):\n"
        "    importlib.import_module('nnviz_core.' + m.name)\n"
        "h = nnviz_core.train(nnviz_core.RunConfig(epochs=5))\n"
        "assert not any(k == 'manim' or k.startswith('manim.') for k in sys.modules if sys.modules[k])\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
