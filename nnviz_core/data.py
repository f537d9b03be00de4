"""Datasets, each declared once with what it asks the network to learn.

A dataset gives raw inputs X (n, 1) or (n, 2) and targets y (n, d_out):
- a regression (the 1-D curves, ``plane``, ``bump``): y is the noisy value, (n, 1);
- a classification (``circle``, ``xor``, ``gauss``, ``spiral``, ``moons``): two classes give y as
  0/1 in one column (one sigmoid output); k classes give y one-hot, (n, k) (k softmax outputs).
Which loss and output follow is in nnviz_core.problems.

All randomness comes from the one ``rng`` passed in, so that the initial weights are drawn from
the same stream afterwards, exactly as the seed notebook does with ``np.random.seed(0)``. The 2-D
data lies in about [-1, 1]² (the TensorFlow Playground's shapes, scaled from its radius 5 to 1),
as the 1-D data lies in [-1, 1].

A .csv file of your own points (nnviz_core.points) is a Dataset too (``own_dataset``), made from
the columns it was read with; its points are read, not drawn, and may lie anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

GRID_POINTS = 256  # the dense grid 1-D curves are drawn on (RunConfig.memory_needed counts it too)
GRID_SIDE = 48  # 2-D data: the prediction and every neuron's map on a GRID_SIDE² mesh (cheap per frame)


@dataclass(frozen=True)
class Dataset:
    name: str
    inputs: int  # 1 or 2 raw inputs
    classes: int | None  # None: a regression; 0: as many as the run's ``classes``; else fixed
    description: str  # what is learned, for titles and narration (a classification's: its shape)
    noise: str  # what the ``noise`` setting does to it, for the help
    draw: Callable | None  # (samples, noise, rng, classes) -> X (n, inputs), y (n, 1) values or (n,) labels
    file: str = ""  # a CSV file's name, for words ("points.csv"); "" for a built-in dataset

    @property
    def is_classification(self) -> bool:
        return self.classes is not None


def _curve(target):
    """The seed's recipe: X = linspace(-1, 1, n) as a column, y = f(X) + N(0, noise)."""
    def draw(samples, noise, rng, classes):
        X = np.linspace(-1, 1, samples).reshape(-1, 1)
        return X, target(X) + rng.normal(0, noise, X.shape)
    return draw


def _surface(target):
    """Points uniform on [-1, 1]², y = f(x1, x2) + N(0, noise)."""
    def draw(samples, noise, rng, classes):
        X = rng.uniform(-1, 1, (samples, 2))
        return X, target(X[:, :1], X[:, 1:]) + rng.normal(0, noise, (samples, 1))
    return draw


def class_sizes(samples: int, classes: int) -> list[int]:
    """n points split as evenly as possible, the first classes taking one more."""
    return [samples // classes + (c < samples % classes) for c in range(classes)]


def _labels(samples, classes) -> np.ndarray:
    return np.repeat(np.arange(classes), class_sizes(samples, classes))


def _circle(samples, noise, rng, classes):
    """Class 1 inside radius 0.5, class 0 on the ring 0.7..1; each label is read at the point
    shifted by N(0, noise²), so near the gap some labels flip (the Playground's way)."""
    outer, inner = class_sizes(samples, 2)
    r = np.concatenate([rng.uniform(0.7, 1.0, outer), rng.uniform(0.0, 0.5, inner)])
    angle = rng.uniform(0, 2 * np.pi, samples)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    read_at = X + rng.normal(0, noise, X.shape)
    return X, (np.hypot(read_at[:, 0], read_at[:, 1]) < 0.5).astype(int)


def _xor(samples, noise, rng, classes):
    """Uniform on [-1, 1]², kept 0.06 off the axes; class 1 where x1·x2 >= 0, read at the point
    shifted by N(0, noise²)."""
    X = rng.uniform(-1, 1, (samples, 2))
    X += np.where(X > 0, 0.06, -0.06)
    read_at = X + rng.normal(0, noise, X.shape)
    return X, (read_at[:, 0] * read_at[:, 1] >= 0).astype(int)


GAUSS_SPREAD = 0.15  # each blob's standard deviation at noise 0


def _gauss(samples, noise, rng, classes):
    """Two round blobs, class 0 around (-0.4, -0.4) and class 1 around (0.4, 0.4), each of
    standard deviation 0.15 + noise (noise makes them overlap)."""
    y = _labels(samples, 2)
    centre = np.where(y[:, None] == 1, 0.4, -0.4)
    return centre + rng.normal(0, GAUSS_SPREAD + noise, (samples, 2)), y


def _spiral(samples, noise, rng, classes):
    """``classes`` arms winding 1.75 turns out from the centre to radius 1, arm c turned by
    c·2π/classes; each point moved by N(0, noise²)."""
    y = _labels(samples, classes)
    X = np.empty((samples, 2))
    start = 0
    for c, size in enumerate(class_sizes(samples, classes)):
        s = np.arange(size) / size  # 0 .. 1 along the arm
        t = 1.75 * 2 * np.pi * s + 2 * np.pi * c / classes
        X[start:start + size] = np.stack([s * np.sin(t), s * np.cos(t)], axis=1)
        start += size
    return X + rng.normal(0, noise, X.shape), y


def _moons(samples, noise, rng, classes):
    """Two interleaved half circles (class 0 the upper, class 1 the lower), scaled into
    [-1, 1] x [-0.5, 0.5]; each point moved by N(0, noise²)."""
    y = _labels(samples, 2)
    t = rng.uniform(0, np.pi, samples)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = (np.where(y[:, None] == 0, upper, lower) - [0.5, 0.25]) / 1.5
    return X + rng.normal(0, noise, X.shape), y


LABEL_NOISE = "the standard deviation of the noise added to y"
FLIPS = "each label is read at the point moved by N(0, noise²), so some near the boundary flip"
MOVES = "each point is moved by N(0, noise²)"
DATASETS = {d.name: d for d in (
    Dataset("quadratic", 1, None, "y = x² + noise", LABEL_NOISE, _curve(lambda x: x**2)),
    Dataset("sine", 1, None, "y = sin(πx) + noise", LABEL_NOISE, _curve(lambda x: np.sin(np.pi * x))),
    Dataset("abs", 1, None, "y = |x| + noise", LABEL_NOISE, _curve(np.abs)),
    Dataset("step", 1, None, "y = step(x) + noise", LABEL_NOISE, _curve(lambda x: (x > 0).astype(float))),
    Dataset("plane", 2, None, "y = (x₁ + x₂)/2 + noise", LABEL_NOISE, _surface(lambda a, b: (a + b) / 2)),
    Dataset("bump", 2, None, "a Gaussian bump y = exp(−|x|²/0.32) + noise", LABEL_NOISE,
            _surface(lambda a, b: np.exp(-(a**2 + b**2) / (2 * 0.4**2)))),
    Dataset("circle", 2, 2, "a disc inside a ring", FLIPS, _circle),
    Dataset("xor", 2, 2, "the four quadrants: class 1 where x₁·x₂ ≥ 0", FLIPS, _xor),
    Dataset("gauss", 2, 2, "two Gaussian blobs", f"each blob's standard deviation is {GAUSS_SPREAD} + noise", _gauss),
    Dataset("spiral", 2, 0, "a spiral, one class per arm", MOVES, _spiral),
    Dataset("moons", 2, 2, "two interleaved half moons", MOVES, _moons),
)}
CURVES = tuple(name for name, d in DATASETS.items() if d.inputs == 1)  # the 1-D regressions


def own_dataset(path: str, columns: tuple) -> Dataset:
    """The Dataset of a CSV file of points (nnviz_core.points), from the columns it was read
    with: its labels' k is the run's ``classes``, as the spiral's arms are."""
    name = Path(path).name
    return Dataset(path, len(columns) - 1, 0 if columns[-1] == "label" else None, f"the points of {name}",
                   "not used: a file's points are used as they are", None, file=name)


def dataset_of(dataset: str | Dataset, columns: tuple = ()) -> Dataset:
    """A built-in Dataset by name, or a CSV file's from its columns; a Dataset as it is."""
    if isinstance(dataset, Dataset):
        return dataset
    return DATASETS[dataset] if dataset in DATASETS or not columns else own_dataset(dataset, columns)


def class_count(dataset: str | Dataset, classes: int) -> int:
    """How many classes a run of ``dataset`` sorts into (0 for a regression)."""
    d = dataset_of(dataset)
    return 0 if d.classes is None else (d.classes or classes)


def output_count(dataset: str | Dataset, classes: int) -> int:
    """Outputs of the network: 1 for a regression or two classes (one sigmoid), else k."""
    k = class_count(dataset, classes)
    return k if k > 2 else 1


def make_dataset(name: str, samples: int, noise: float, rng: np.random.RandomState, classes: int = 2):
    """(X, y): raw inputs (n, 1 or 2) and targets (n, outputs), drawn from ``rng``."""
    X, y = DATASETS[name].draw(samples, noise, rng, classes)
    k = class_count(name, classes)
    if k == 0:
        return X, y
    if k == 2:
        return X, y.astype(float).reshape(-1, 1)
    return X, np.eye(k)[y]  # one-hot, (n, k)


def grid_size(inputs: int) -> int:
    """Rows of the drawing grid for data of ``inputs`` raw inputs."""
    return GRID_POINTS if inputs == 1 else GRID_SIDE**2


def own_span(X: np.ndarray) -> tuple[float, float]:
    """The plane of a CSV file's 2-D points: [lo, hi] on both axes (the plane is square, one
    scale for x1 and x2), from the lowest to the highest coordinate of any point, 5 % of that
    range beyond each, rounded out to a tenth of the range's power of ten."""
    lo, hi = float(X.min()), float(X.max())
    size = hi - lo if hi > lo else max(abs(lo), 1.0)
    step = 10.0 ** np.floor(np.log10(size)) / 10
    return (float(np.floor((lo - 0.05 * size) / step + 1e-9) * step),
            float(np.ceil((hi + 0.05 * size) / step - 1e-9) * step))


def input_grid(X: np.ndarray, points: int = GRID_POINTS, own_points: bool = False) -> np.ndarray:
    """The dense grid a State is drawn on, in raw input space: shape (G, d_in).

    1-D: ``points`` values over the data's range. 2-D: a GRID_SIDE x GRID_SIDE mesh over the
    square [-B, B]² that holds every point (B at least 1, to the next 0.1 up), or with
    ``own_points`` (a CSV file's, which may lie anywhere) the square [lo, hi]² of own_span;
    flattened with x1 varying fastest, so ``values.reshape(GRID_SIDE, GRID_SIDE)`` is indexed
    [row of x2, column of x1], x2 rising with the row."""
    if X.shape[1] == 1:
        lo, hi = X.min(axis=0), X.max(axis=0)
        return np.linspace(lo[0], hi[0], points).reshape(-1, 1)
    if own_points:
        axis = np.linspace(*own_span(X), GRID_SIDE)
    else:
        bound = max(1.0, np.ceil(np.abs(X).max() * 10 - 1e-9) / 10)
        axis = np.linspace(-bound, bound, GRID_SIDE)
    x1, x2 = np.meshgrid(axis, axis)  # (side, side), [row = x2, column = x1]
    return np.stack([x1.ravel(), x2.ravel()], axis=1)
