"""History: the record of one training run, and State: the network at one moment.

The snapshot rule. ``snapshot_every`` sets the *checkpoints*: the weights and biases before
update e, for e = 0, N, 2N, ... and the last epoch. Full-batch gradient descent is deterministic,
so ``History.at_epoch(e)`` replays the few updates since the nearest earlier checkpoint and gives
the exact network of any epoch, bit for bit the one training had. The History also keeps the
loss of every epoch and a few per-epoch numbers the renderers need before they draw (the
prediction's range, dead-unit counts, the largest |w|, |b|, |∂L/∂w|).

A State stores only weights and biases. Its loss, activations, prediction, gradients and what
each neuron does are computed from them when first asked for, so every number drawn belongs to
the weights drawn.

``History.at(t)`` is the renderers' clock, t a fractional epoch. Between epochs e and e + 1 it is
a tween of that one real step: w(e) + f · (w(e+1) − w(e)), which is w(e) − f · lr · ∂L/∂w(e), the
update training made, part done, shown only where it stays between the two epochs (else a cut;
see nnviz_core.timeline). It never glides across several steps.
"""
from __future__ import annotations

import hashlib
import json
import math
import shlex
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .config import RunConfig, flag_for
from .errors import ConfigError, HistoryFileError
from .files import atomic_output
from .model import backward, forward, mse, sample_deltas, sgd_step

FORMAT_NAME = "nnviz-history"
FORMAT_VERSION = 3  # 3: a digest of every array, so damaged or mixed-up files are caught
# Per-epoch numbers kept beside the loss: name -> columns (None: one per hidden layer).
TRACE = {"prediction_range": 2, "dead_counts": None, "largest": 3}
LARGEST = ("weights", "biases", "grad_weights")  # the columns of trace["largest"]
CACHED_EPOCHS = 64  # exact states kept for sequential and repeated access


@dataclass(frozen=True)
class Problem:
    """What a State is evaluated on: the training data, the drawing grid, the activation."""
    X: np.ndarray  # (n, d_in)
    y: np.ndarray  # (n, d_out)
    grid: np.ndarray  # (G, d_in)
    activation: str


@dataclass(frozen=True, eq=False)
class State:
    """The network at one (fractional) epoch. Lists hold one array per layer, input side first:
    weights[l] (d_l, d_{l+1}), biases[l] (1, d_{l+1})."""
    epoch: float
    weights: list
    biases: list
    problem: Problem

    # -- forward and backward, computed once when asked for ---------------------------------
    @cached_property
    def _train_pass(self):
        return forward(self.problem.X, self.weights, self.biases, self.problem.activation)

    @cached_property
    def _grid_pass(self):
        return forward(self.problem.grid, self.weights, self.biases, self.problem.activation)

    @cached_property
    def _gradients(self):
        zs, acts = self._train_pass
        return backward(self.problem.X, self.problem.y, self.weights, zs, acts, self.problem.activation)

    @property
    def pre_activations(self) -> list:
        """z of every layer on the training inputs, (n, d_{l+1}) each."""
        return self._train_pass[0]

    @property
    def activations(self) -> list:
        """a of every layer on the training inputs; activations[-1] is ŷ, (n, d_out)."""
        return self._train_pass[1]

    @cached_property
    def loss(self) -> float:
        return mse(self.activations[-1], self.problem.y)

    @property
    def prediction(self) -> np.ndarray:
        """ŷ on History.grid, (G, d_out)."""
        return self._grid_pass[1][-1]

    @property
    def grad_weights(self) -> list:
        return self._gradients[0]

    @property
    def grad_biases(self) -> list:
        return self._gradients[1]

    # -- what each neuron does ---------------------------------------------------------------
    def contributions(self) -> np.ndarray:
        """(G, H): column j is last-hidden unit j's weighted output on the grid, a[:, j] · w_out[j, 0].
        Their sum plus the output bias is the prediction. (G, 0) for a net with no hidden layer."""
        if len(self.weights) < 2:
            return np.zeros((len(self.problem.grid), 0))
        a_last = self._grid_pass[1][-2]  # (G, H)
        return a_last * self.weights[-1][:, 0]  # (G, H) * (H,) -> (G, H)

    def switch_points(self) -> list:
        """Per hidden layer, (width,): the x in the grid's range where each unit's pre-activation
        crosses 0 (a ReLU's kink, a tanh's or sigmoid's centre), NaN where it does not cross.

        The first layer's z = w·x + b is a line, so its crossing is exactly −b/w; deeper units
        are found on the grid (the first crossing, refined linearly)."""
        x = self.problem.grid[:, 0]
        lo, hi = x.min(), x.max()
        points = []
        for l, z in enumerate(self._grid_pass[0][:-1]):  # (G, width) per hidden layer
            if l == 0 and self.problem.X.shape[1] == 1:
                w, b = self.weights[0][0], self.biases[0][0]
                with np.errstate(divide="ignore", invalid="ignore"):
                    cross = np.where(w != 0, -b / w, np.nan)
                points.append(np.where((cross >= lo) & (cross <= hi), cross, np.nan))
                continue
            points.append(_first_crossings(x, z))
        return points

    def dead_units(self) -> list:
        """Per hidden layer, (width,) bool: a ReLU unit whose activation is 0 on every training
        input (it passes no signal and gets no gradient). Other activations are never dead."""
        if self.problem.activation != "relu":
            return [np.zeros(a.shape[1], bool) for a in self.activations[:-1]]
        return [np.all(a <= 0, axis=0) for a in self.activations[:-1]]

    # -- where a gradient comes from ---------------------------------------------------------
    @cached_property
    def _deltas(self):
        zs, acts = self._train_pass
        return sample_deltas(self.problem.y, self.weights, zs, acts, self.problem.activation)

    def _inputs_to(self, layer: int) -> np.ndarray:
        return self.problem.X if layer == 0 else self.activations[layer - 1]

    def sample_gradients(self, layer: int, i: int, j: int) -> np.ndarray:
        """(n,): each training point's gradient of its own squared error with respect to
        weights[layer][i, j]. Their mean is grad_weights[layer][i, j]."""
        return self._inputs_to(layer)[:, i] * self._deltas[layer][:, j]

    def sample_bias_gradients(self, layer: int, j: int) -> np.ndarray:
        """(n,): the same for biases[layer][0, j]."""
        return self._deltas[layer][:, j].copy()


def _first_crossings(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """For each column of z (G, width) on x (G,): the first x where it changes sign, linearly
    refined between the two grid points around it; NaN where it never does."""
    out = np.full(z.shape[1], np.nan)
    sign = np.sign(z)
    for j in range(z.shape[1]):
        exact = np.flatnonzero(sign[:, j] == 0)
        change = np.flatnonzero(sign[:-1, j] * sign[1:, j] < 0)
        first = min([*exact[:1], *change[:1]], default=None)
        if first is None:
            continue
        if sign[first, j] == 0:
            out[j] = x[first]
        else:
            z0, z1 = z[first, j], z[first + 1, j]
            out[j] = x[first] + (x[first + 1] - x[first]) * z0 / (z0 - z1)
    return out


class History:
    def __init__(self, config: RunConfig, X, y, grid, loss, arrays: dict, diverged_at: int | None = None):
        self.config = config
        self.X, self.y, self.grid = X, y, grid
        self.loss = loss  # (epochs + 1,): the loss at every epoch
        self.diverged_at = diverged_at  # the first epoch whose loss was not finite, or None
        self.checkpoint_epochs = np.asarray(arrays["checkpoint_epochs"])
        depth = len(config.layers) - 1
        # checkpoints[l]: (S, d_l, d_{l+1}) weights and (S, 1, d_{l+1}) biases, S checkpoints
        self.checkpoint_weights = [arrays[f"w{l}"] for l in range(depth)]
        self.checkpoint_biases = [arrays[f"b{l}"] for l in range(depth)]
        self.trace = {name: arrays[name] for name in TRACE}
        self.problem = Problem(X, y, grid, config.activation)
        self._exact: OrderedDict[int, tuple[list, list]] = OrderedDict()  # epoch -> (weights, biases)

    # -- what the run was ---------------------------------------------------------------------
    @property
    def epochs(self) -> int:
        """The last epoch recorded: config.epochs, or the last finite one of a diverged run."""
        return len(self.loss) - 1

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def largest(self, name: str) -> float:
        """max |value| of ``name`` ("weights", "biases" or "grad_weights") over every layer and
        every epoch: the fixed, symmetric scale a colour or a bar of that kind is drawn against."""
        return float(self.trace["largest"][:, LARGEST.index(name)].max())

    def prediction_bounds(self) -> tuple[float, float]:
        """The lowest and highest prediction on the grid over every epoch of the run."""
        r = self.trace["prediction_range"]
        return float(r[:, 0].min()), float(r[:, 1].max())

    def events(self):
        """What happened in training, said plainly: see nnviz_core.events."""
        from .events import detect

        if not hasattr(self, "_events"):
            self._events = detect(self)
        return self._events

    # -- the network at any moment ------------------------------------------------------------
    def at_epoch(self, epoch: int) -> State:
        """The exact network before update ``epoch``, replayed from the nearest checkpoint."""
        if not (isinstance(epoch, (int, np.integer)) and 0 <= epoch <= self.epochs):
            raise ValueError(f"epoch {epoch} is not a whole number in [0, {self.epochs}]")
        weights, biases = self._params(int(epoch))
        return State(float(epoch), weights, biases, self.problem)

    def at(self, t: float) -> State:
        """The network at fractional epoch t: exact at whole epochs, and between epochs e and
        e + 1 that one update, a fraction f = t − e done, where that tween stays between the two
        epochs; else the nearer epoch (the rule: nnviz_core.timeline.shown_epoch)."""
        from .timeline import shown_epoch

        if math.isnan(t) or not (-1e-9 <= t <= self.epochs + 1e-9):
            raise ValueError(f"t = {t} is outside [0, {self.epochs}]")
        t = shown_epoch(self, min(max(float(t), 0.0), float(self.epochs)))
        e = min(int(math.floor(t)), self.epochs)
        return self.at_epoch(e) if t - e < 1e-12 else self.between(e, t - e)

    def between(self, e: int, f: float) -> State:
        """Update e, a fraction f done: w(e) + f · (w(e+1) − w(e)), whether or not it is shown."""
        t = e + f
        (w0, b0), (w1, b1) = self._params(e), self._params(e + 1)
        weights = [a + f * (b - a) for a, b in zip(w0, w1)]
        biases = [a + f * (b - a) for a, b in zip(b0, b1)]
        return State(t, weights, biases, self.problem)

    def _params(self, epoch: int) -> tuple[list, list]:
        """Exact (weights, biases) at ``epoch``: from the cache, else replayed from the latest
        cached epoch or checkpoint at or before it (at most snapshot_every − 1 updates)."""
        if epoch in self._exact:
            self._exact.move_to_end(epoch)
            return self._exact[epoch]
        k = int(np.searchsorted(self.checkpoint_epochs, epoch, side="right")) - 1
        start = int(self.checkpoint_epochs[k])
        params = ([w[k] for w in self.checkpoint_weights], [b[k] for b in self.checkpoint_biases])
        resume = max((e for e in self._exact if start <= e < epoch), default=None)
        if resume is not None:
            start, params = resume, self._exact[resume]
        weights, biases = params
        c = self.config
        for _ in range(start, epoch):
            zs, acts = forward(self.X, weights, biases, c.activation)
            grad_w, grad_b = backward(self.X, self.y, weights, zs, acts, c.activation)
            weights, biases = sgd_step(weights, biases, grad_w, grad_b, c.lr)
        self._exact[epoch] = (weights, biases)
        while len(self._exact) > CACHED_EPOCHS:
            self._exact.popitem(last=False)
        return weights, biases

    # -- persistence -------------------------------------------------------------------------
    def _arrays(self) -> dict:
        out = {"format": np.array(FORMAT_NAME), "version": np.array(FORMAT_VERSION),
               "config": np.array(self.config.to_json()), "X": self.X, "y": self.y,
               "grid": self.grid, "loss": self.loss, "checkpoint_epochs": self.checkpoint_epochs,
               "diverged_at": np.array(-1 if self.diverged_at is None else self.diverged_at)}
        for l, (w, b) in enumerate(zip(self.checkpoint_weights, self.checkpoint_biases)):
            out[f"w{l}"], out[f"b{l}"] = w, b
        out.update(self.trace)
        out["digest"] = np.array(_digest(out))
        return out

    def save(self, path) -> Path:
        """Write an .npz atomically; the same run always gives the same bytes. Stored, not
        deflated: float64 weights barely compress, and deflate took longer than training.
        Each array goes straight into its zip member, so a large run is never held twice."""
        path = Path(path)
        with atomic_output(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
            for name, array in self._arrays().items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))  # no clock time
                with zf.open(info, "w", force_zip64=array.nbytes * 1.05 > zipfile.ZIP64_LIMIT) as member:
                    np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
        return path

    @classmethod
    def load(cls, path) -> "History":
        path = Path(path)
        hint = "create one with: nnviz train --out run.npz"
        if path.is_dir():
            raise HistoryFileError(f"{path}: is a folder, not a run file; {hint}")
        if not path.is_file():
            raise HistoryFileError(f"{path}: no such run file; {hint}")
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except Exception as exc:  # zip, header and pickle errors all mean "not our file"
            raise HistoryFileError(f"{path}: not a readable nnviz run file ({exc.__class__.__name__}); {hint}") from None
        if str(arrays.get("format", "")) != FORMAT_NAME:
            raise HistoryFileError(f"{path}: not an nnviz run file (no nnviz format tag); {hint}")
        try:
            version = int(arrays.get("version"))
        except (TypeError, ValueError):
            version = None
        try:
            config = RunConfig.from_dict(json.loads(str(arrays["config"])))
        except (KeyError, ConfigError, ValueError, TypeError) as exc:
            config = None
            config_problem = f"its stored config is missing or invalid ({exc})"
        if version != FORMAT_VERSION:
            remake = f"nnviz train {recreate_flags(config)} --out {shlex.quote(str(path))}" if config else "nnviz train"
            raise HistoryFileError(f"{path}: run file format version {arrays.get('version')}, this "
                                   f"nnviz reads version {FORMAT_VERSION}; re-create it with: {remake}")
        if config is None:
            raise HistoryFileError(f"{path}: {config_problem}; {hint}")
        if str(arrays.get("digest", "")) != _digest(arrays):
            raise HistoryFileError(f"{path}: its arrays do not match its digest (the file is damaged "
                                   f"or mixes arrays of different runs); {hint}")
        problem = _shape_problem(config, arrays)
        if problem:
            raise HistoryFileError(f"{path}: {problem}; the file is damaged, {hint}")
        diverged = int(arrays["diverged_at"])
        return cls(config, arrays["X"], arrays["y"], arrays["grid"], arrays["loss"], arrays,
                   None if diverged < 0 else diverged)


def recreate_flags(config: RunConfig) -> str:
    """The `nnviz train` flags that give ``config`` (every field, so none depends on a cfg file)."""
    values = config.to_dict()
    return " ".join(f"{flag_for(k)} {','.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in values.items())


def _digest(arrays: dict) -> str:
    """SHA-256 of every array but the digest itself: names, types, shapes and values."""
    sha = hashlib.sha256()
    for name in sorted(arrays):
        if name != "digest":
            array = np.ascontiguousarray(arrays[name])
            sha.update(f"{name} {array.dtype.str} {array.shape}\n".encode())
            sha.update(array.reshape(-1).view(np.uint8))  # raw bytes of any dtype, no copy
    return sha.hexdigest()


def checkpoint_epochs(epochs: int, every: int, last: int | None = None) -> list[int]:
    """0, every, 2*every, ... up to ``last`` (default ``epochs``), and always ``last`` itself."""
    last = epochs if last is None else last
    picks = list(range(0, last + 1, every))
    return picks if picks[-1] == last else picks + [last]


def _shape_problem(config: RunConfig, arrays: dict) -> str | None:
    """Why the arrays cannot belong to this config, or None when they all fit."""
    layers, n = config.layers, config.samples
    loss = arrays.get("loss")
    diverged = arrays.get("diverged_at")
    if diverged is None or diverged.shape != () or not np.issubdtype(diverged.dtype, np.integer):
        return "array 'diverged_at' is missing or not a whole number"
    if loss is None or loss.ndim != 1 or not 1 <= len(loss) <= config.epochs + 1:
        return "array 'loss' is missing or has the wrong length"
    last = len(loss) - 1
    if (int(diverged) < 0) != (last == config.epochs) or (int(diverged) >= 0 and int(diverged) != last + 1):
        return "its loss length and divergence epoch disagree"
    expected_epochs = checkpoint_epochs(config.epochs, config.snapshot_every, last)
    S = len(expected_epochs)
    expect = {"X": (n, layers[0]), "y": (n, layers[-1]), "checkpoint_epochs": (S,),
              "prediction_range": (last + 1, 2), "dead_counts": (last + 1, len(layers) - 2),
              "largest": (last + 1, len(LARGEST))}
    grid = arrays.get("grid")
    if grid is None or grid.ndim != 2 or grid.shape[1] != layers[0] or len(grid) < 2:
        return "grid has the wrong shape"
    for l, (d_in, d_out) in enumerate(zip(layers[:-1], layers[1:])):
        expect |= {f"w{l}": (S, d_in, d_out), f"b{l}": (S, 1, d_out)}
    for key, shape in expect.items():
        a = arrays.get(key)
        if a is None:
            return f"array {key!r} is missing"
        if a.shape != shape:
            return f"array {key!r} has shape {a.shape}, expected {shape}"
    for key in [*expect, "grid", "loss"]:
        a = arrays[key]
        if not np.issubdtype(a.dtype, np.number) or not np.all(np.isfinite(a)):
            return f"array {key!r} holds non-finite or non-numeric values"
    if list(arrays["checkpoint_epochs"]) != expected_epochs:
        return "its checkpoint epochs do not match its config"
    return None
