#!/usr/bin/env python3
"""Training with Adam on minibatches against full-batch gradient descent, measured in the same run.

Each row trains one problem with the defaults (sgd, every point in one step per epoch) and with
``--optimizer adam --batch-size 16``, alternately, and prints the CPU time per training point per
epoch of each and their ratio (target: at most 1.5x).

Both process every training point once per epoch in their updates. The minibatch run also
evaluates every point once per epoch, forward and backward, at the epoch's own weights: the
loss, the largest gradient and the rest of the trace, which full batch gets from its one step
for free. So it passes each point through the network twice per epoch; the last column divides
by that (time per point pass). And a batch of 16 points makes every NumPy call carry little
work: its per-call cost, not arithmetic, sets the time of a step on a small network (a step is
about 70 calls: forward, batch loss, backward, Adam's update), so the ratio grows with the
steps per epoch until the layers are wide enough for arithmetic to dominate, where it falls
towards 2x (1x per pass). With a multithreaded BLAS on a busy machine, the small products of a
batch can cost far more; OPENBLAS_NUM_THREADS=1 shows the code's own figures.

Run from the repo root: python bench/optim_speed.py [--repeats 3]
"""
import argparse
import time

from nnviz_core import RunConfig, train

TARGET = 1.5
PROBLEMS = {  # name -> settings shared by both runs
    "1-D default (1,10,1; 100 points)": dict(epochs=300),
    "2-D circle (2,8,1; 400 points)": dict(dataset="circle", samples=400, epochs=100),
    "1-D wide (1,64,64,1; 2000 points)": dict(layers=(1, 64, 64, 1), samples=2000, epochs=10, lr=0.01),
    "1-D wider (1,256,256,1; 2000 points)": dict(layers=(1, 256, 256, 1), samples=2000, epochs=4, lr=0.01),
}
MINIBATCH = dict(optimizer="adam", batch_size=16)


def cpu_seconds(config: RunConfig) -> float:
    started = time.process_time()
    train(config)
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'problem':<38} {'full batch':>10} {'adam, 16':>10} {'ratio':>7} {'per pass':>9}"
          "   (µs of CPU per training point per epoch; fastest of the repeats)")
    worst = 0.0
    for name, settings in PROBLEMS.items():
        full = RunConfig().updated(settings)
        mini = full.updated(MINIBATCH)
        best = {full: float("inf"), mini: float("inf")}
        for _ in range(args.repeats):  # alternately, so that both see the machine alike
            for config in best:
                best[config] = min(best[config], cpu_seconds(config))
        a, b = (best[c] / (c.epochs * c.training_points) * 1e6 for c in (full, mini))
        worst = max(worst, b / a)
        print(f"{name:<38} {a:>10.2f} {b:>10.2f} {b / a:>6.2f}x {b / a / 2:>8.2f}x   "
              f"({mini.steps_per_epoch} steps an epoch)")
    print(f"worst ratio {worst:.2f}x per training point per epoch (target <= {TARGET}x): "
          f"{'met' if worst <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
