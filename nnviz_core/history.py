"""History: the record of one training run, and State: the network at one (fractional) moment.

Snapshot rule: the snapshot at epoch e holds the weights *before* update e, the loss of those
weights, the gradients of that loss, every layer's pre-activations and activations on the
training inputs, and the prediction on a dense input grid. Nothing in a snapshot is mixed from
two different sets of weights.

``History.at(t)`` takes a fractional snapshot index t in [0, len-1]. Between snapshots every
weight, bias and gradient follows a monotone cubic (Fritsch-Carlson) through the snapshots:
C1-continuous, so motion has no kink at a snapshot, and no overshoot past the values recorded.
The prediction and activations at fractional t come from a forward pass with the interpolated
weights, so the curve always belongs to the network being shown; the loss at fractional t comes
from the real per-epoch loss curve (the run's true loss at that epoch, not the blend's: between
snapshots the weights drawn are a smooth blend, not the ones training had then).
"""
from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import RunConfig
from .errors import ConfigError, HistoryFileError
from .files import atomic_output
from .model import forward

FORMAT_NAME = "nnviz-history"
FORMAT_VERSION = 1
# Per-layer arrays, stored as "<key><layer>" with a leading snapshot axis.
LAYER_KEYS = {"w": "weights", "b": "biases", "gw": "grad_weights", "gb": "grad_biases",
              "z": "pre_activations", "a": "activations"}
INTERPOLATED = ("weights", "biases", "grad_weights", "grad_biases")


@dataclass(frozen=True)
class State:
    """The network at one moment. Lists hold one array per layer (input side first)."""
    t: float  # fractional snapshot index
    epoch: float  # fractional epoch
    loss: float
    weights: list
    biases: list
    grad_weights: list
    grad_biases: list
    pre_activations: list  # on the training inputs, (n, width) per layer
    activations: list
    prediction: np.ndarray  # on History.grid, (G, d_out)
    activation: str


def _pchip_slopes(y: np.ndarray) -> np.ndarray:
    """Fritsch-Carlson slopes at unit-spaced knots along axis 0 (monotone, no overshoot)."""
    if len(y) < 2:
        return np.zeros_like(y)
    delta = np.diff(y, axis=0)
    d = np.zeros_like(y)
    d[0], d[-1] = delta[0], delta[-1]
    left, right = delta[:-1], delta[1:]
    same_sign = left * right > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = 2 * left * right / (left + right)
    d[1:-1] = np.where(same_sign, harmonic, 0.0)
    return d


def _hermite(y0, y1, d0, d1, f: float):
    f2, f3 = f * f, f * f * f
    return ((2 * f3 - 3 * f2 + 1) * y0 + (f3 - 2 * f2 + f) * d0
            + (-2 * f3 + 3 * f2) * y1 + (f3 - f2) * d1)


class History:
    def __init__(self, config: RunConfig, X, y, grid, loss, snapshot_epochs, arrays: dict):
        self.config = config
        self.X, self.y, self.grid = X, y, grid
        self.loss = loss  # (epochs+1,), the loss at every epoch
        self.snapshot_epochs = np.asarray(snapshot_epochs)
        # name -> one array per layer, with a leading snapshot axis: snapshots["weights"][l][k]
        self.snapshots = {name: [arrays[f"{key}{l}"] for l in range(len(config.layers) - 1)]
                          for key, name in LAYER_KEYS.items()}
        self.prediction = arrays["prediction"]  # (S, G, d_out)
        self._slopes = {name: [_pchip_slopes(a) for a in self.snapshots[name]] for name in INTERPOLATED}
        self._epoch_slopes = _pchip_slopes(self.snapshot_epochs.astype(float))

    @classmethod
    def from_snapshots(cls, config, X, y, grid, loss, epochs, snapshots):
        arrays = {"prediction": np.stack([s["prediction"] for s in snapshots])}
        for key, name in LAYER_KEYS.items():
            for l in range(len(config.layers) - 1):
                arrays[f"{key}{l}"] = np.stack([s[name][l] for s in snapshots])
        return cls(config, X, y, grid, loss, epochs, arrays)

    def __len__(self) -> int:
        return len(self.snapshot_epochs)

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def largest(self, name: str) -> float:
        """max |value| of ``name`` ("weights", "biases", ...) over every layer and snapshot:
        the fixed, symmetric scale that a colour or a bar of that kind is drawn against."""
        return float(max(np.abs(a).max() for a in self.snapshots[name]))

    def loss_at(self, epoch: float) -> float:
        """The real loss curve at a fractional epoch (straight between neighbouring epochs)."""
        return float(np.interp(epoch, np.arange(len(self.loss)), self.loss))

    def at(self, t: float) -> State:
        last = len(self) - 1
        if not (-1e-9 <= t <= last + 1e-9) or math.isnan(t):
            raise ValueError(f"t = {t} is outside [0, {last}]")
        t = min(max(float(t), 0.0), float(last))
        i = min(int(t), last - 1) if last > 0 else 0
        f = t - i
        if f == 0.0 or f == 1.0 or last == 0:
            k = i + int(f)
            return self._snapshot(k)

        def interp(name):
            return [_hermite(a[i], a[i + 1], d[i], d[i + 1], f)
                    for a, d in zip(self.snapshots[name], self._slopes[name])]

        weights, biases = interp("weights"), interp("biases")
        epoch = float(_hermite(*self.snapshot_epochs[i:i + 2].astype(float),
                               *self._epoch_slopes[i:i + 2], f))
        activation = self.config.activation
        zs, acts = forward(self.X, weights, biases, activation)
        _, grid_acts = forward(self.grid, weights, biases, activation)
        return State(t=t, epoch=epoch, loss=self.loss_at(epoch), weights=weights, biases=biases,
                     grad_weights=interp("grad_weights"), grad_biases=interp("grad_biases"),
                     pre_activations=zs, activations=acts, prediction=grid_acts[-1],
                     activation=activation)

    def _snapshot(self, k: int) -> State:
        epoch = int(self.snapshot_epochs[k])
        return State(t=float(k), epoch=float(epoch), loss=float(self.loss[epoch]),
                     prediction=self.prediction[k], activation=self.config.activation,
                     **{name: [a[k] for a in arrays] for name, arrays in self.snapshots.items()})

    # -- persistence -------------------------------------------------------------------------
    def _arrays(self) -> dict:
        out = {"format": np.array(FORMAT_NAME), "version": np.array(FORMAT_VERSION),
               "config": np.array(self.config.to_json()), "X": self.X, "y": self.y,
               "grid": self.grid, "loss": self.loss, "snapshot_epochs": self.snapshot_epochs,
               "prediction": self.prediction}
        for key, name in LAYER_KEYS.items():
            for l, a in enumerate(self.snapshots[name]):
                out[f"{key}{l}"] = a
        return out

    def save(self, path) -> Path:
        """Write an .npz atomically; the same run always gives the same bytes."""
        path = Path(path)
        with atomic_output(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, array in self._arrays().items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))  # no clock time
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue())
        return path

    @classmethod
    def load(cls, path) -> "History":
        path = Path(path)
        hint = "create one with: nnviz train --out run.npz"
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
        if version != FORMAT_VERSION:
            raise HistoryFileError(f"{path}: run file format version {arrays.get('version')}, this "
                                   f"nnviz reads version {FORMAT_VERSION}; re-create it with nnviz train")
        try:
            config = RunConfig.from_dict(json.loads(str(arrays["config"])))
        except (KeyError, ConfigError, ValueError, TypeError) as exc:
            raise HistoryFileError(f"{path}: its stored config is missing or invalid ({exc}); {hint}") from None
        problem = _shape_problem(config, arrays)
        if problem:
            raise HistoryFileError(f"{path}: {problem}; the file is damaged, {hint}")
        return cls(config, arrays["X"], arrays["y"], arrays["grid"], arrays["loss"],
                   arrays["snapshot_epochs"], arrays)


def snapshot_epochs(epochs: int, every: int) -> list[int]:
    """0, every, 2*every, ... and always the last epoch."""
    picks = list(range(0, epochs + 1, every))
    return picks if picks[-1] == epochs else picks + [epochs]


def _shape_problem(config: RunConfig, arrays: dict) -> str | None:
    """Why the arrays cannot belong to this config, or None when they all fit."""
    layers, n = config.layers, config.samples
    expected_epochs = snapshot_epochs(config.epochs, config.snapshot_every)
    S = len(expected_epochs)
    expect = {"X": (n, layers[0]), "y": (n, layers[-1]), "loss": (config.epochs + 1,),
              "snapshot_epochs": (S,)}
    grid = arrays.get("grid")
    if grid is None or grid.ndim != 2 or grid.shape[1] != layers[0]:
        return "grid has the wrong shape"
    expect["prediction"] = (S, grid.shape[0], layers[-1])
    for l, (d_in, d_out) in enumerate(zip(layers[:-1], layers[1:])):
        expect |= {f"w{l}": (S, d_in, d_out), f"gw{l}": (S, d_in, d_out),
                   f"b{l}": (S, 1, d_out), f"gb{l}": (S, 1, d_out),
                   f"z{l}": (S, n, d_out), f"a{l}": (S, n, d_out)}
    for key, shape in expect.items():
        a = arrays.get(key)
        if a is None:
            return f"array {key!r} is missing"
        if a.shape != shape:
            return f"array {key!r} has shape {a.shape}, expected {shape}"
        if not np.issubdtype(a.dtype, np.number) or not np.all(np.isfinite(a)):
            return f"array {key!r} holds non-finite or non-numeric values"
    if list(arrays["snapshot_epochs"]) != expected_epochs:
        return "its snapshot epochs do not match its config"
    return None
