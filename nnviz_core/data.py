"""Datasets: each a 1-D regression on x in [-1, 1], as (X, y) with shapes (n, 1), (n, 1).

All randomness comes from the one ``rng`` passed in, so that the initial weights are drawn from
the same stream afterwards, exactly as the seed notebook does with ``np.random.seed(0)``.
"""
import numpy as np

# name -> (clean target function, one-line description)
DATASETS = {
    "quadratic": (lambda x: x**2, "y = x² + noise"),
    "sine": (lambda x: np.sin(np.pi * x), "y = sin(πx) + noise"),
    "abs": (lambda x: np.abs(x), "y = |x| + noise"),
    "step": (lambda x: (x > 0).astype(float), "y = step(x) + noise"),
}
INPUT_DIM = {name: 1 for name in DATASETS}
OUTPUT_DIM = {name: 1 for name in DATASETS}
GRID_POINTS = 256  # the dense grid curves are drawn on (RunConfig.memory_needed counts it too)


def make_dataset(name: str, samples: int, noise: float, rng: np.random.RandomState):
    """The seed's recipe: X = linspace(-1, 1, n) as a column, y = f(X) + N(0, noise)."""
    target, _ = DATASETS[name]
    X = np.linspace(-1, 1, samples).reshape(-1, 1)
    y = target(X) + rng.normal(0, noise, X.shape)
    return X, y


def input_grid(X: np.ndarray, points: int = GRID_POINTS) -> np.ndarray:
    """A dense grid over the data's input range, for drawing smooth curves (or, for 2-D inputs,
    a 64 x 64 mesh flattened to rows): shape (G, d_in)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    if X.shape[1] == 1:
        return np.linspace(lo[0], hi[0], points).reshape(-1, 1)
    axes = [np.linspace(a, b, 64) for a, b in zip(lo, hi)]
    return np.stack([m.ravel() for m in np.meshgrid(*axes)], axis=1)
