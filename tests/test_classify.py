"""Classification and 2-D data: the losses and their gradients, the datasets, the features, the
State's classes and maps, exact replay, the run file and the events. Expected values come from
plain NumPy written here, apart from nnviz_core."""
import json

import numpy as np
import pytest

from nnviz_core import History, RunConfig, train
from nnviz_core.data import DATASETS, GRID_SIDE, class_sizes, make_dataset
from nnviz_core.frontends.cli import main
from nnviz_core.model import init_params
from nnviz_core.problems import BINARY_CROSS_ENTROPY, CROSS_ENTROPY
from nnviz_core.run_file import digest, run_arrays, write_arrays

CLASSIFICATION = [n for n, d in DATASETS.items() if d.is_classification]


def config(**changes) -> RunConfig:
    return RunConfig().updated(changes)


# -- plain NumPy, written again here -----------------------------------------------------------
PLAIN = {
    "relu": (lambda z: np.maximum(0, z), lambda z: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}

PLAIN_FEATURES = {"x1": lambda a, b: a, "x2": lambda a, b: b, "x1^2": lambda a, b: a * a,
                  "x2^2": lambda a, b: b * b, "x1*x2": lambda a, b: a * b,
                  "sin(x1)": lambda a, b: np.sin(a), "sin(x2)": lambda a, b: np.sin(b)}


def plain_features(X, names):
    return np.stack([PLAIN_FEATURES[n](X[:, 0], X[:, 1]) for n in names], axis=1)


def plain_logits(X, ws, bs, activation):
    f = PLAIN[activation][0]
    a = X
    for l, (w, b) in enumerate(zip(ws, bs)):
        a = a @ w + b if l == len(ws) - 1 else f(a @ w + b)
    return a


def plain_cross_entropy(z, y):
    """−log p of each point's own class, from probabilities computed the textbook way."""
    if z.shape[1] == 1:
        p = 1 / (1 + np.exp(-z))
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log((p * y).sum(axis=1))))


def plain_training(c: RunConfig):
    """Full-batch gradient descent on cross-entropy, written out: weights and biases of every
    epoch, and each epoch's accuracy."""
    rng = np.random.RandomState(c.seed)
    raw, y = make_dataset(c.dataset, c.samples, c.noise, rng, c.classes)
    X = plain_features(raw, c.features)
    ws, bs = init_params(c.layers, c.activation, c.init, rng)
    f, df = PLAIN[c.activation]
    labels = y[:, 0].round() if y.shape[1] == 1 else y.argmax(axis=1)
    every, accuracy = [], []
    for _ in range(c.epochs + 1):
        every.append(([w.copy() for w in ws], [b.copy() for b in bs]))
        acts, zs = [X], []
        for l, (w, b) in enumerate(zip(ws, bs)):
            zs.append(acts[-1] @ w + b)
            acts.append(zs[-1] if l == len(ws) - 1 else f(zs[-1]))
        z = acts[-1]
        if y.shape[1] == 1:
            p = 1 / (1 + np.exp(-z))
            accuracy.append(np.mean((p[:, 0] > 0.5) == labels))
        else:
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            accuracy.append(np.mean(p.argmax(1) == labels))
        delta = (p - y) / len(y)
        for l in reversed(range(len(ws))):
            gw, gb = acts[l].T @ delta, delta.sum(0, keepdims=True)
            if l:
                delta = (delta @ ws[l].T) * df(zs[l - 1])
            ws[l] = ws[l] - c.lr * gw
            bs[l] = bs[l] - c.lr * gb
    return every, np.array(accuracy)


# -- gradients ---------------------------------------------------------------------------------
GRADIENT_RUNS = [
    config(dataset="circle", layers=(2, 5, 1), activation="tanh", samples=30, epochs=3),
    config(dataset="xor", layers=(2, 4, 3, 1), activation="sigmoid", samples=30, epochs=3),
    config(dataset="moons", layers=(2, 1), activation="tanh", samples=20, epochs=3),
    config(dataset="spiral", classes=3, layers=(2, 6, 3), activation="leaky_relu", samples=30, epochs=3),
    config(dataset="spiral", classes=3, layers=(2, 4, 4, 4, 3), activation="tanh", samples=30, epochs=3),
    config(dataset="spiral", classes=3, features=("x1", "x2", "x1*x2", "sin(x1)"), layers=(4, 5, 3),
           activation="sigmoid", samples=30, epochs=3),
    config(dataset="gauss", layers=(2, 6, 6, 1), activation="relu", samples=30, epochs=3),
]


@pytest.mark.parametrize("c", GRADIENT_RUNS, ids=lambda c: f"{c.dataset}-{'-'.join(map(str, c.layers))}-{c.activation}")
def test_cross_entropy_gradients_match_finite_differences(c):
    state = train(c).at_epoch(c.epochs)
    X, y = state.problem.X, state.problem.y
    assert state.loss == pytest.approx(plain_cross_entropy(plain_logits(X, state.weights, state.biases, c.activation), y),
                                       rel=1e-12)
    eps = 1e-6
    for kind, params, grads in (("w", state.weights, state.grad_weights), ("b", state.biases, state.grad_biases)):
        for l, (p, g) in enumerate(zip(params, grads)):
            for index in np.ndindex(p.shape):
                moved = [[q.copy() for q in state.weights], [q.copy() for q in state.biases]]
                plus, minus = ([[q.copy() for q in group] for group in moved] for _ in range(2))
                group = 0 if kind == "w" else 1
                plus[group][l][index] += eps
                minus[group][l][index] -= eps
                numeric = (plain_cross_entropy(plain_logits(X, *plus, c.activation), y)
                           - plain_cross_entropy(plain_logits(X, *minus, c.activation), y)) / (2 * eps)
                assert g[index] == pytest.approx(numeric, abs=1e-7, rel=1e-5), (kind, l, index)


@pytest.mark.parametrize("c", GRADIENT_RUNS[:4], ids=lambda c: c.dataset)
def test_per_point_gradients_average_to_the_gradient(c):
    state = train(c).at_epoch(2)
    for l, g in enumerate(state.grad_weights):
        for i, j in np.ndindex(g.shape):
            assert state.sample_gradients(l, i, j).mean() == pytest.approx(g[i, j], abs=1e-14)
        for j in range(g.shape[1]):
            assert state.sample_bias_gradients(l, j).mean() == pytest.approx(state.grad_biases[l][0, j], abs=1e-14)


def test_probabilities_sum_to_one_and_agree_with_the_textbook_formulas():
    for c in (config(dataset="circle", epochs=5), config(dataset="spiral", classes=3, epochs=5)):
        state = train(c).at_epoch(5)
        for p in (state.probabilities, state.grid_probabilities):
            np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-12)
            assert np.all((p >= 0) & (p <= 1))
        z = state.activations[-1]
        if z.shape[1] == 1:
            np.testing.assert_allclose(state.probabilities[:, 1], 1 / (1 + np.exp(-z[:, 0])), atol=1e-12)
        else:
            np.testing.assert_allclose(state.probabilities, np.exp(z) / np.exp(z).sum(1, keepdims=True), atol=1e-12)
        labels = state.problem.labels()
        assert state.accuracy == np.mean(np.argmax(state.probabilities, 1) == labels)
        assert state.problem.classes == state.probabilities.shape[1]


def test_a_very_confident_wrong_answer_gives_a_large_finite_loss():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, not even a silenced one
        z = np.array([[800.0], [-800.0]])  # sure of class 1, then sure of class 0
        y = np.array([[0.0], [1.0]])  # both wrong
        assert BINARY_CROSS_ENTROPY.value(z, y) == pytest.approx(800.0)
        np.testing.assert_array_equal(BINARY_CROSS_ENTROPY.point_delta(z, y), [[1.0], [-1.0]])
        z = np.array([[900.0, -900.0, 0.0]])
        y = np.array([[0.0, 1.0, 0.0]])
        assert CROSS_ENTROPY.value(z, y) == pytest.approx(1800.0)
        np.testing.assert_allclose(CROSS_ENTROPY.point_delta(z, y), [[1.0, -1.0, 0.0]], atol=1e-300)
        right = np.array([[900.0, -900.0, 0.0]]), np.array([[1.0, 0.0, 0.0]])
        assert CROSS_ENTROPY.value(*right) == 0.0


# -- exact replay ------------------------------------------------------------------------------
REPLAY_RUNS = [
    config(dataset="spiral", classes=3, layers=(2, 8, 8, 3), epochs=23, snapshot_every=5, lr=0.5),
    config(dataset="circle", features=("x1", "x2", "x1^2", "x2^2"), activation="tanh", epochs=17,
           snapshot_every=4, lr=0.8),
    config(dataset="xor", layers=(2, 3, 1), activation="sigmoid", epochs=12, snapshot_every=7, noise=0.3),
]


@pytest.mark.parametrize("c", REPLAY_RUNS, ids=lambda c: c.dataset)
def test_replay_is_exact_at_every_epoch_against_plain_numpy(c):
    history = train(c)
    every, accuracy = plain_training(c)
    for epoch, (ws, bs) in enumerate(every):
        state = history.at_epoch(epoch)
        for got, want in zip(state.weights + state.biases, ws + bs):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        assert state.loss == history.loss[epoch]
        assert state.accuracy == history.accuracy[epoch]
    np.testing.assert_array_equal(history.accuracy, accuracy)


def test_a_classification_run_saves_and_loads_whole(tmp_path):
    c = REPLAY_RUNS[0]
    history = train(c)
    loaded = History.load(history.save(tmp_path / "run.npz"))
    assert loaded.config == c
    np.testing.assert_array_equal(loaded.accuracy, history.accuracy)
    np.testing.assert_array_equal(loaded.trace["predicted_counts"], history.trace["predicted_counts"])
    for e in range(c.epochs + 1):
        assert loaded.at_epoch(e).loss == history.loss[e]


def test_a_1d_run_saved_before_features_and_classes_still_loads(tmp_path):
    history = train(RunConfig(epochs=10))
    arrays = run_arrays(history)
    old = {k: v for k, v in json.loads(str(arrays["config"])).items() if k not in ("features", "classes")}
    arrays["config"] = np.array(json.dumps(old, sort_keys=True))
    arrays["digest"] = np.array(digest(arrays))
    loaded = History.load(write_arrays(arrays, tmp_path / "old.npz"))
    assert loaded.config == RunConfig(epochs=10) and loaded.config.features == ("x",)
    assert loaded.accuracy is None
    np.testing.assert_array_equal(loaded.at_epoch(10).weights[0], history.at_epoch(10).weights[0])


def test_the_damaged_trace_of_a_classification_run_is_caught(tmp_path):
    arrays = run_arrays(train(REPLAY_RUNS[2]))
    arrays["accuracy"] = arrays["accuracy"][:-1]
    arrays["digest"] = np.array(digest(arrays))
    from nnviz_core.errors import HistoryFileError

    with pytest.raises(HistoryFileError, match="accuracy"):
        History.load(write_arrays(arrays, tmp_path / "bad.npz"))


# -- datasets ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_dataset_is_seeded_and_has_its_shape(name):
    d = DATASETS[name]
    classes = 3 if name == "spiral" else 2
    draw = [make_dataset(name, 61, 0.1, np.random.RandomState(s), classes) for s in (7, 7, 8)]
    (X, y), (X2, y2), (X3, y3) = draw
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (61, d.inputs)
    assert np.all(np.abs(X) < 1.6)  # about [-1, 1]
    if d.inputs == 2 or name != "quadratic":
        assert not (np.array_equal(X, X3) and np.array_equal(y, y3))
    if not d.is_classification:
        assert y.shape == (61, 1)
        return
    if classes == 2:
        assert y.shape == (61, 1) and set(np.unique(y)) <= {0.0, 1.0}
        counts = np.bincount(y[:, 0].astype(int), minlength=2)
    else:
        assert y.shape == (61, 3) and np.all(y.sum(axis=1) == 1) and set(np.unique(y)) == {0.0, 1.0}
        counts = y.sum(axis=0).astype(int)
    if name in ("gauss", "spiral", "moons"):  # classes are drawn to size; circle, xor read them at noisy points
        assert list(counts) == class_sizes(61, classes)


def test_the_clean_shapes_have_the_advertised_classes():
    rng = np.random.RandomState(0)
    X, y = make_dataset("circle", 400, 0.0, rng)
    np.testing.assert_array_equal(y[:, 0] == 1, np.hypot(X[:, 0], X[:, 1]) < 0.5)
    assert np.all((np.hypot(*X.T) <= 0.5) | (np.hypot(*X.T) >= 0.7))
    X, y = make_dataset("xor", 400, 0.0, rng)
    np.testing.assert_array_equal(y[:, 0] == 1, X[:, 0] * X[:, 1] >= 0)
    assert np.all(np.abs(X) >= 0.06)
    X, y = make_dataset("gauss", 400, 0.0, rng)
    assert np.all(X[y[:, 0] == 1].mean(0) > 0.3) and np.all(X[y[:, 0] == 0].mean(0) < -0.3)
    X, y = make_dataset("spiral", 300, 0.0, rng, 3)
    assert np.all(np.hypot(*X.T) < 1)
    X, y = make_dataset("plane", 200, 0.0, rng)
    np.testing.assert_allclose(y[:, 0], (X[:, 0] + X[:, 1]) / 2)
    X, y = make_dataset("bump", 200, 0.0, rng)
    np.testing.assert_allclose(y[:, 0], np.exp(-(X ** 2).sum(1) / 0.32))


def test_noise_moves_labels_or_points_as_the_help_says():
    for name in ("circle", "xor"):
        clean = make_dataset(name, 300, 0.0, np.random.RandomState(3))
        noisy = make_dataset(name, 300, 0.3, np.random.RandomState(3))
        np.testing.assert_array_equal(clean[0], noisy[0])  # the points stay, some labels flip
        assert 0 < np.sum(clean[1] != noisy[1]) < 150
    clean = make_dataset("moons", 300, 0.0, np.random.RandomState(3))
    noisy = make_dataset("moons", 300, 0.3, np.random.RandomState(3))
    np.testing.assert_array_equal(clean[1], noisy[1])  # the labels stay, the points move
    assert 0.2 < np.std(noisy[0] - clean[0]) < 0.4


def test_the_default_run_stays_the_seeds():
    c = RunConfig()
    assert (c.layers, c.features, c.class_count) == ((1, 10, 1), ("x",), 0)
    assert train(RunConfig(epochs=3)).accuracy is None


# -- features and layers -----------------------------------------------------------------------
def test_the_input_layer_is_the_chosen_features():
    names = ("x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", "x2")
    history = train(config(dataset="circle", features=names, epochs=2))
    assert history.config.layers == (6, 8, 1)  # layers not given follow the features
    np.testing.assert_array_equal(history.problem.X, plain_features(history.X, names))
    np.testing.assert_array_equal(history.problem.grid, plain_features(history.grid, names))
    maps = history.at_epoch(0).feature_maps()
    assert maps.shape == (GRID_SIDE, GRID_SIDE, 6)


def test_1d_features():
    history = train(config(features=("x", "x^2", "sin(x)"), epochs=2))
    x = history.X[:, 0]
    np.testing.assert_array_equal(history.problem.X, np.stack([x, x * x, np.sin(x)], axis=1))
    assert history.config.layers == (3, 10, 1)


def test_defaults_follow_the_problem():
    assert config(dataset="circle").layers == (2, 8, 1) and config(dataset="circle").features == ("x1", "x2")
    assert config(dataset="spiral", classes=3).layers == (2, 8, 3)
    assert config(dataset="bump").layers == (2, 8, 1)
    assert config(dataset="xor", layers=(2, 4, 4, 1)).layers == (2, 4, 4, 1)  # given layers are kept
    circle = config(dataset="circle")
    assert circle.updated({"features": "x1,x2,x1^2,x2^2"}).layers == (4, 8, 1)  # as --compare features=... does
    assert circle.updated({"dataset": "quadratic"}) == RunConfig()


@pytest.mark.parametrize("argv, line", [
    (["--dataset", "circle", "--layers", "1,10,1"], "use 2,10,1 for circle with x1,x2"),
    (["--dataset", "circle", "--features", "x1,x2,x1^2", "--layers", "2,8,1"], "use 3,8,1 for circle with x1,x2,x1^2"),
    (["--dataset", "spiral", "--classes", "3", "--layers", "2,8,8,1"], "use 2,8,8,3 for spiral with x1,x2"),
    (["--features", "x,x^2", "--layers", "1,10,1"], "use 2,10,1 for quadratic with x,x^2"),
    (["--dataset", "xor", "--features", "x"], "x is not a feature of 2-D data"),
    (["--dataset", "moons", "--classes", "3"], "only the spiral has a choice of classes"),
])
def test_a_layers_or_features_that_does_not_fit_is_one_line(argv, line, tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["train", *argv, "--epochs", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert line in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_train_and_info_of_a_three_arm_spiral(tmp_path, capsys):
    out = tmp_path / "spiral.npz"
    assert main(["train", "--dataset", "spiral", "--classes", "3", "--features", "x1,x2", "--layers", "2,8,8,3",
                 "--epochs", "30", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    h = History.load(out)
    assert f"accuracy        {h.accuracy[0]:.1%} at epoch 0 -> {h.accuracy[-1]:.1%} at epoch 30" in text
    assert "cross-entropy" in text
    assert main(["info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["final_accuracy"] == h.accuracy[-1] and info["config"]["features"] == ["x1", "x2"]


def test_a_cfgs_default_layers_follow_a_flags_dataset(tmp_path):
    from nnviz_core.runs import resolve_history

    cfg = tmp_path / "talk.cfg"
    cfg.write_text("[nnviz]\nlayers = 1,10,1\ndataset = quadratic\nepochs = 3\n")
    assert resolve_history(cfg, {"dataset": "circle"}).config.layers == (2, 8, 1)
    cfg.write_text("[nnviz]\nlayers = 1,4,1\nepochs = 3\n")  # given layers are kept, and named if they do not fit
    with pytest.raises(Exception, match="use 2,4,1 for circle"):
        resolve_history(cfg, {"dataset": "circle"})


def test_the_gif_draws_2d_data_alone_and_side_by_side(tmp_path, capsys):
    out = tmp_path / "a.gif"
    assert main(["gif", "--dataset", "xor", "--epochs", "3", "--dpi", "20", "--jobs", "1", "--out", str(out)]) == 0
    assert out.exists()  # what it draws: tests/test_gif_2d.py
    capsys.readouterr()
    out = tmp_path / "b.gif"
    assert main(["gif", "--dataset", "xor", "--epochs", "3", "--dpi", "20", "--jobs", "1", "--compare",
                 "layers=2,2,1|2,8,1", "--out", str(out)]) == 0
    assert out.exists()


# -- the State on the grid ---------------------------------------------------------------------
def test_neuron_maps_are_every_units_output_on_the_grid():
    history = train(config(dataset="spiral", classes=3, layers=(2, 5, 4, 3), activation="tanh", epochs=4))
    state = history.at_epoch(4)
    maps = state.neuron_maps()
    assert [m.shape for m in maps] == [(GRID_SIDE, GRID_SIDE, w) for w in (5, 4, 3)]
    axis = np.unique(history.grid[:, 0])
    assert len(axis) == GRID_SIDE and np.array_equal(axis, np.unique(history.grid[:, 1]))
    for row, col in [(0, 0), (3, 40), (47, 11), (30, 30)]:
        point = np.array([[axis[col], axis[row]]])  # column x1, row x2
        a = point
        for l, (w, b) in enumerate(zip(state.weights, state.biases)):
            z = a @ w + b
            a = np.tanh(z) if l < 2 else np.exp(z) / np.exp(z).sum()
            np.testing.assert_allclose(maps[l][row, col], a[0], atol=1e-12)
        assert state.grid_map(state.grid_classes[:, None])[row, col, 0] == np.argmax(a)
    assert np.all(np.abs(history.X) <= axis[-1]) and axis[-1] == -axis[0]


@pytest.mark.parametrize("features", [("x1", "x2"), ("x2", "x1")])
def test_first_layer_lines_are_where_each_unit_crosses_zero(features):
    state = train(config(dataset="gauss", features=features, epochs=6)).at_epoch(6)
    lines = state.first_layer_lines()
    w, b = state.weights[0], state.biases[0][0]
    for j, (a1, a2, c) in enumerate(lines):
        x1 = np.array([-0.7, 0.2, 0.9])
        x2 = -(a1 * x1 + c) / a2  # points on the line
        raw = np.stack([x1, x2], axis=1)
        z = plain_features(raw, features) @ w[:, j] + b[j]
        np.testing.assert_allclose(z, 0, atol=1e-12)
        above = np.array([[0.1, 0.1]])
        side = a1 * 0.1 + a2 * 0.1 + c
        assert np.sign(side) == np.sign((plain_features(above, features) @ w[:, j] + b[j])[0])
    assert train(config(dataset="circle", features=("x1", "x1^2"), epochs=1)).at_epoch(0).first_layer_lines() is None


# -- events ------------------------------------------------------------------------------------
def test_events_fire_on_a_network_stuck_on_one_class(monkeypatch):
    import sys

    training = sys.modules["nnviz_core.train"]  # the module (the package's ``train`` is the function)

    def all_dead(layers, activation, init, rng):  # every ReLU unit at 0, the output sure of class 1
        ws = [np.zeros((a, b)) for a, b in zip(layers[:-1], layers[1:])]
        bs = [np.zeros((1, b)) for b in layers[1:]]
        bs[-1][:] = 2.0
        return ws, bs

    monkeypatch.setattr(training, "init_params", all_dead)
    history = train(config(dataset="gauss", epochs=20))
    assert np.all(history.accuracy == 0.5)  # gauss is half class 1
    kinds = {e.kind: e for e in history.events()}
    assert kinds["majority"].epoch == 0 and "never rose above 50 %" in kinds["majority"].text
    assert kinds["unpredicted"].values["class"] == 0 and "class 0 is never predicted" in kinds["unpredicted"].text
    assert kinds["dead"].values["dead"] == 8
    assert "underfit" not in kinds


def test_the_class_events_stay_silent_when_a_network_learns_and_on_the_default(seed_history):
    learned = train(config(dataset="gauss", epochs=100))
    assert learned.accuracy[-1] > 0.9
    assert not {e.kind for e in learned.events()} & {"majority", "unpredicted"}
    assert not {e.kind for e in seed_history.events()} & {"majority", "unpredicted"}
