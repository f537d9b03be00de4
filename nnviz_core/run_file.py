"""The run file: a History saved as an .npz, and every check it passes when it is read back.

One .npy member per array, stored (not deflated), in a fixed order with no clock time, so the
same run always gives the same bytes. Beside the History's own arrays it holds a format tag, a
version, the RunConfig as JSON and a SHA-256 digest of every other member. Reading checks, in
order: that it is a readable zip of arrays, the tag, the version, the config, the digest, and
then that every array has the shape, type and finiteness its config implies (the digest cannot
see a file that was written whole but wrong).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from . import trace as per_epoch
from .config import RunConfig
from .errors import ConfigError, HistoryFileError
from .files import atomic_output
from .history import History, checkpoint_epochs, checkpoint_shapes

FORMAT_NAME = "nnviz-history"
# 3: a digest of every array, so damaged or mixed-up files are caught. Classification runs need
# no new version: their settings (features, classes) are in the config, whose missing keys take
# their defaults, so a 1-D run saved before them loads as it was; their extra trace columns follow
# from the config.
# 4: minibatches, optimisers, penalties and held-out points: the optimiser's memory at every
# checkpoint, the batch order's key, every step's batch loss, the penalty per epoch and the
# held-out points (with their test loss per epoch). A version 3 file is a run of the defaults of
# all of these (full batch, sgd, no penalty, nothing held out), read as it was (``from_v3``).
# A .csv dataset's run needs no new version either: its file's columns and SHA-256 are in the
# config (data_columns, data_sha256; left out for a built-in dataset, so those files keep their
# bytes), its points are X and y as for any run; an older nnviz refuses it as an invalid config.
FORMAT_VERSION = 4
READS = (3, 4)
HINT = "create one with: nnviz train --out run.npz"


class OldRunFile(HistoryFileError):
    """A run file of another format version. ``config`` is its stored RunConfig when that could
    still be read (None otherwise), so a front end can say how to train the run again."""

    def __init__(self, path: Path, version, config: RunConfig | None):
        self.path, self.version, self.config = path, version, config
        super().__init__(f"{path}: run file format version {version}, this nnviz reads versions "
                         f"{' and '.join(map(str, READS))}")


def run_arrays(history: History) -> dict:
    """Every member of ``history``'s run file, by name, the digest last."""
    out = {"format": np.array(FORMAT_NAME), "version": np.array(FORMAT_VERSION),
           "config": np.array(history.config.to_json()), "X": history.X, "y": history.y,
           "X_test": history.X_test, "y_test": history.y_test,
           "grid": history.grid, "loss": history.loss, "checkpoint_epochs": history.checkpoint_epochs,
           "diverged_at": np.array(-1 if history.diverged_at is None else history.diverged_at),
           "batch_loss": history.batch_loss,
           "shuffle_key": np.array(-1 if history.shuffle_key is None else history.shuffle_key)}
    out.update(history.checkpoints)
    out.update(history.trace)
    out["digest"] = np.array(digest(out))
    return out


def write_arrays(arrays: dict, path) -> Path:
    """Write ``arrays`` as an .npz atomically. Stored, not deflated: float64 weights barely
    compress, and deflate took longer than training. Each array goes straight into its zip
    member, so a large run is never held twice."""
    path = Path(path)
    with atomic_output(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))  # no clock time
            with zf.open(info, "w", force_zip64=array.nbytes * 1.05 > zipfile.ZIP64_LIMIT) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
    return path


def save_run(history: History, path) -> Path:
    return write_arrays(run_arrays(history), path)


def load_run(path) -> History:
    path = Path(path)
    if path.is_dir():
        raise HistoryFileError(f"{path}: is a folder, not a run file; {HINT}")
    if not path.is_file():
        raise HistoryFileError(f"{path}: no such run file; {HINT}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as exc:  # zip, header and pickle errors all mean "not our file"
        raise HistoryFileError(f"{path}: not a readable nnviz run file ({exc.__class__.__name__}); {HINT}") from None
    if str(arrays.get("format", "")) != FORMAT_NAME:
        raise HistoryFileError(f"{path}: not an nnviz run file (no nnviz format tag); {HINT}")
    try:
        version = int(arrays.get("version"))
    except (TypeError, ValueError):
        version = None
    try:
        config = RunConfig.from_dict(json.loads(str(arrays["config"])))
    except (KeyError, ConfigError, ValueError, TypeError) as exc:
        config = None
        config_problem = f"its stored config is missing or invalid ({exc})"
    if version not in READS:
        raise OldRunFile(path, arrays.get("version"), config)
    if config is None:
        raise HistoryFileError(f"{path}: {config_problem}; {HINT}")
    if str(arrays.get("digest", "")) != digest(arrays):
        raise HistoryFileError(f"{path}: its arrays do not match its digest (the file is damaged "
                               f"or mixes arrays of different runs); {HINT}")
    if version == 3:
        if config != dataclasses.replace(config, **V3_SETTINGS):
            raise HistoryFileError(f"{path}: a version 3 file cannot hold minibatches, optimisers, "
                                   f"penalties or held-out points; the file is damaged, {HINT}")
        arrays = from_v3(config, arrays)
    problem = shape_problem(config, arrays)
    if problem:
        raise HistoryFileError(f"{path}: {problem}; the file is damaged, {HINT}")
    diverged = int(arrays["diverged_at"])
    return History(config, arrays["X"], arrays["y"], arrays["grid"], arrays["loss"], arrays,
                   None if diverged < 0 else diverged)


# The settings a version 3 file's run had, whatever its config says: the defaults of version 4's.
V3_SETTINGS = {f: getattr(RunConfig(), f) for f in
               ("batch_size", "optimizer", "momentum", "beta1", "beta2", "eps", "l2", "l1", "test_fraction")}


def from_v3(config: RunConfig, arrays: dict) -> dict:
    """A version 3 file's arrays with what version 4 adds, as that run had them: full batch (each
    epoch's one batch loss is its loss), no optimiser memory, no penalty, nothing held out."""
    out = dict(arrays)
    loss, X, y = arrays.get("loss"), arrays.get("X"), arrays.get("y")
    if loss is None or loss.ndim != 1 or X is None or y is None or X.ndim != 2 or y.ndim != 2:
        return out  # shape_problem says what is wrong
    out["batch_loss"] = loss[:-1].reshape(-1, 1)
    out["penalty"] = np.zeros((len(loss), 1))
    out["shuffle_key"] = np.array(-1)
    out["X_test"], out["y_test"] = X[:0], y[:0]
    return out


def digest(arrays: dict) -> str:
    """SHA-256 of every array but the digest itself: names, types, shapes and values."""
    sha = hashlib.sha256()
    for name in sorted(arrays):
        if name != "digest":
            array = np.ascontiguousarray(arrays[name])
            sha.update(f"{name} {array.dtype.str} {array.shape}\n".encode())
            sha.update(array.reshape(-1).view(np.uint8))  # raw bytes of any dtype, no copy
    return sha.hexdigest()


def shape_problem(config: RunConfig, arrays: dict) -> str | None:
    """Why the arrays cannot belong to this config, or None when they all fit."""
    layers, n, m = config.layers, config.training_points, config.held_out
    inputs = config.data.inputs  # X and grid are raw inputs; the network reads their features
    loss = arrays.get("loss")
    for name in ("diverged_at", "shuffle_key"):
        a = arrays.get(name)
        if a is None or a.shape != () or not np.issubdtype(a.dtype, np.integer):
            return f"array {name!r} is missing or not a whole number"
    if loss is None or loss.ndim != 1 or not 1 <= len(loss) <= config.epochs + 1:
        return "array 'loss' is missing or has the wrong length"
    last = len(loss) - 1
    diverged = arrays["diverged_at"]
    if (int(diverged) < 0) != (last == config.epochs) or (int(diverged) >= 0 and int(diverged) != last + 1):
        return "its loss length and divergence epoch disagree"
    if (int(arrays["shuffle_key"]) >= 0) != (config.steps_per_epoch > 1):
        return "its batch order's key does not match its batch size"
    expected_epochs = checkpoint_epochs(config.epochs, config.snapshot_every, last)
    S = len(expected_epochs)
    expect = {"X": (n, inputs), "y": (n, layers[-1]), "X_test": (m, inputs), "y_test": (m, layers[-1]),
              "checkpoint_epochs": (S,), "batch_loss": (last, config.steps_per_epoch)}
    expect |= {name: (last + 1, width) for name, width in per_epoch.columns(config).items()}
    grid = arrays.get("grid")
    if grid is None or grid.ndim != 2 or grid.shape[1] != inputs or len(grid) < 2:
        return "grid has the wrong shape"
    expect |= {name: (S, *shape) for name, shape in checkpoint_shapes(config).items()}
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
