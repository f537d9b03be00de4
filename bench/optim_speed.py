#!/usr/bin/env python3
"""Minibatch training against full-batch gradient descent, per training point processed.

Issue 19's target: training with Adam and minibatches costs at most 1.5x full-batch gradient
descent per training point processed. Each row trains one problem with the defaults (sgd, every
point in one step per epoch) and with an optimiser on minibatches, in this process, alternately,
``--repeats`` times each, and prints the median CPU time per training point per epoch of each and
their ratio. Both runs take the same epochs on the same points, so this is also the ratio of
their times.

What the ratio is made of. Every epoch, both runs evaluate every training point at the epoch's
weights (forward, loss, backward for the largest gradient, the trace); full batch's one step is
that evaluation's gradient, for free, while a minibatch run then steps through its batches:
each point goes through the network twice, hence "per pass" (ratio / 2). A batch of a small
network is little arithmetic, so the cost of each NumPy call (about 0.4-2 µs), not arithmetic,
sets a step's time. Two floors say how far any change to the Python can go:

- "floor": the ratio if every step cost only the NumPy calls it makes (those of
  nnviz_core.optim.InPlaceSteps, with ReLU and squared error, on arrays made beforehand: no
  Python between them beyond a loop over the layers, no shuffle, no setup), that is 1 + the
  run's steps at that cost / the full-batch run; "floor step" is one such step;
- "products": the same with only each step's matrix products and bias-gradient sums (two
  products per layer, one fewer for the input's da, one sum per layer): no activation, loss,
  update or shuffle at all.

Each is timed alternately with the two runs. Where "products" is over 1.5x, no code making a
step's products and sums as NumPy calls can meet the target at that batch size; wide layers
amortise the calls and the ratio falls towards 2x (1x per pass). "shuffle" is an epoch's batch
order and the gather of its points (the fastest of many).

Run from the repo root: python bench/optim_speed.py [--repeats 5]. With a multithreaded BLAS on a
busy machine the small products of a batch can cost far more; OPENBLAS_NUM_THREADS=1 gives the
code's own figures.
"""
import argparse
import statistics
import sys
import time
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nnviz_core
from nnviz_core import RunConfig, train  # noqa: E402
from nnviz_core.optim import batch_order  # noqa: E402

TARGET = 1.5
ROWS = [  # (name, settings of both runs, the minibatch run's)
    ("1-10-1, 100 points, adam 16", dict(epochs=300), dict(optimizer="adam", batch_size=16)),
    ("1-10-1, 100 points, momentum 16", dict(epochs=300), dict(optimizer="momentum", batch_size=16)),
    ("1-10-1, 100 points, sgd 16", dict(epochs=300), dict(batch_size=16)),
    ("1-10-1, 100 points, adam 50", dict(epochs=300), dict(optimizer="adam", batch_size=50)),
    ("1-10-1, 1000 points, adam 32", dict(samples=1000, epochs=40), dict(optimizer="adam", batch_size=32)),
    ("2-8-1 circle, 400 points, adam 16", dict(dataset="circle", samples=400, epochs=60),
     dict(optimizer="adam", batch_size=16)),
    ("1-64-64-1, 2000 points, adam 32", dict(layers=(1, 64, 64, 1), samples=2000, epochs=8, lr=0.01),
     dict(optimizer="adam", batch_size=32)),
    ("1-256-256-1, 2000 points, adam 32", dict(layers=(1, 256, 256, 1), samples=2000, epochs=3, lr=0.01),
     dict(optimizer="adam", batch_size=32)),
]


def cpu_seconds(config: RunConfig) -> float:
    started = time.process_time()
    train(config)
    return time.process_time() - started


def floor_steps(config: RunConfig, products_only: bool = False):
    """A function doing one minibatch step's NumPy calls alone, as nnviz_core.optim.InPlaceSteps
    makes them: forward, the batch loss, backward (a hidden layer's derivative as ReLU's: a mask
    and a product) and the optimiser's update, on arrays made beforehand; or only its matrix
    products and bias-gradient sums."""
    rng = np.random.RandomState(0)
    n, layers = config.batch_size, config.layers
    X, y = rng.randn(n, layers[0]), rng.randn(n, layers[-1])
    ws = [rng.randn(a, b) for a, b in zip(layers[:-1], layers[1:])]
    bs = [rng.randn(1, b) for b in layers[1:]]
    zs = [np.empty((n, b)) for b in layers[1:]]
    acts = [np.empty((n, b)) for b in layers[1:-1]]
    masks = [np.empty((n, b), bool) for b in layers[1:-1]]
    size = sum(w.size + b.size for w, b in zip(ws, bs))
    p, g, m, v, tmp, tmp2 = (rng.rand(size) for _ in range(6))
    gws = [g[:w.size].reshape(w.shape) for w in ws]  # the real layout's are views of one vector too
    gbs = [g[:b.size].reshape(b.shape) for b in bs]
    diff, dz = np.empty_like(y), np.empty_like(y)
    dzs = [rng.randn(n, b) for b in layers[1:]]
    last = len(ws) - 1

    def products():
        a = X
        for l in range(last + 1):
            a = np.matmul(a, ws[l], out=zs[l])
        for l in range(last, -1, -1):  # dzs[l] stands for layer l's dz
            np.matmul((X if l == 0 else acts[l - 1]).T, dzs[l], out=gws[l])
            np.add.reduce(dzs[l], axis=0, keepdims=True, out=gbs[l])
            if l:
                np.matmul(dzs[l], ws[l].T, out=dzs[l - 1])

    def step():
        a = X
        for l in range(last + 1):
            np.matmul(a, ws[l], out=zs[l])
            np.add(zs[l], bs[l], out=zs[l])
            if l < last:
                a = np.maximum(zs[l], 0.0, out=acts[l])
        np.subtract(zs[last], y, out=diff)  # loss: mean of squares; delta 2·diff/n
        np.add.reduce(np.multiply(diff, diff, out=dz)[:, 0]) / n
        d = np.divide(np.multiply(diff, 2.0, out=dz), n, out=dz)
        for l in range(last, -1, -1):
            np.matmul((X if l == 0 else acts[l - 1]).T, d, out=gws[l])
            np.add.reduce(d, axis=0, keepdims=True, out=gbs[l])
            if l:
                d = np.multiply(d @ ws[l].T, np.greater(zs[l - 1], 0.0, out=masks[l - 1]))
        if config.optimizer == "sgd":
            np.multiply(g, 0.1, out=tmp)
        elif config.optimizer == "momentum":
            np.add(np.multiply(m, 0.9, out=m), g, out=m)
            np.multiply(m, 0.1, out=tmp)
        else:
            np.add(np.multiply(m, 0.9, out=m), np.multiply(g, 0.1, out=tmp), out=m)
            np.multiply(np.multiply(g, g, out=tmp), 0.001, out=tmp)
            np.add(np.multiply(v, 0.999, out=v), tmp, out=v)
            np.multiply(np.divide(m, 0.5, out=tmp), 0.1, out=tmp)
            np.add(np.sqrt(np.divide(v, 0.5, out=tmp2), out=tmp2), 1e-8, out=tmp2)
            np.divide(tmp, tmp2, out=tmp)
        np.subtract(p, tmp, out=p)

    return products if products_only else step


def floor_seconds(config: RunConfig, products_only: bool = False) -> float:
    """CPU seconds of the floor steps of a whole run (config.epochs x its steps)."""
    step, count = floor_steps(config, products_only), config.epochs * config.steps_per_epoch
    with np.errstate(all="ignore"):
        started = time.process_time()
        for _ in range(count):
            step()
        return time.process_time() - started


def shuffle_seconds(n: int) -> float:
    """An epoch's batch order and the gather of its points, as take_steps makes them."""
    X, y = np.zeros((n, 1)), np.zeros((n, 1))

    def shuffle():
        order = batch_order(12345, 7, n)
        return X[order], y[order]

    return min(timeit.repeat(shuffle, number=200, repeat=5)) / 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'problem, minibatch run':<34} {'full':>5} {'mini':>5} {'ratio':>6} {'per pass':>8} {'floor':>6}"
          f" {'products':>8} {'steps':>5} {'floor step':>10} {'shuffle':>7}")
    print(f"{'':<34} {'µs/pt/epoch':>11}   (medians of {args.repeats}, alternately){'µs':>19} {'µs':>7}")
    met = 0
    for name, both, mini_settings in ROWS:
        full = RunConfig().updated(both)
        mini = full.updated(mini_settings)
        times = {full: [], mini: [], "floor": [], "products": []}
        for _ in range(args.repeats):  # alternately, so that all see the machine alike
            times[full].append(cpu_seconds(full))
            times[mini].append(cpu_seconds(mini))
            times["floor"].append(floor_seconds(mini))
            times["products"].append(floor_seconds(mini, products_only=True))
        median = {k: statistics.median(t) for k, t in times.items()}
        a, b = (median[c] / (c.epochs * c.training_points) * 1e6 for c in (full, mini))
        steps = mini.steps_per_epoch
        floor, products = (1 + median[k] / median[full] for k in ("floor", "products"))
        met += b / a <= TARGET
        print(f"{name:<34} {a:>5.2f} {b:>5.2f} {b / a:>5.2f}x {b / a / 2:>7.2f}x {floor:>5.2f}x {products:>7.2f}x"
              f" {steps:>5} {median['floor'] / (mini.epochs * steps) * 1e6:>10.1f}"
              f" {shuffle_seconds(full.training_points) * 1e6:>7.1f}")
    print(f"ratio <= {TARGET}x (the target): met by {met} of {len(ROWS)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
