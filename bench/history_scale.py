#!/usr/bin/env python3
"""A long run's History: training and saving it, and drawing the montage from it, each against
a baseline measured in the same run.

1. `nnviz train --layers 1,64,64,1 --epochs 10000 --snapshot-every 10` (1,001 checkpoints), as a
   child process: wall, peak RSS and file size (targets: at most 2 s, 300 MB, 40 MB), beside the
   same command at --epochs 100, which is mostly the cost of starting Python and numpy.
2. The montage's work per frame without the drawing: History.at(t) and set_state of the
   lecture's four panels, over the montage's 1,200 frames (20 s at 60 fps), for that run against
   the same run kept with 21 checkpoints (--snapshot-every 500). Target: at most 1.2x.

Run from the repo root: python bench/history_scale.py [--repeats 3]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gif_speed import measure_isolated  # bench/: wall, CPU and peak RSS of a child process
from manim import tempconfig

from nnviz_core import History
from nnviz_core.timeline import Timeline
from scenes.training import TrainingLecture

LAYERS, EPOCHS, EVERY, FEW_EVERY = "1,64,64,1", 10000, 10, 500
FRAMES = 1200


def train_command(out: Path, epochs: int, every: int) -> list[str]:
    return [sys.executable, "-m", "nnviz_core.frontends.cli", "train", "--layers", LAYERS, "--epochs", str(epochs),
            "--snapshot-every", str(every), "--out", str(out)]


def montage_seconds(history) -> float:
    """Seconds for the montage's 1,200 frames of History.at and set_state, from a cold History."""
    scene = TrainingLecture()
    scene.history = history
    scene.setup()
    scene.cast()
    panels = [scene.net, scene.fit, scene.losses, scene.counter]
    timeline = Timeline(history, 0, history.epochs, FRAMES)
    history._exact.clear()  # no epoch left over from an earlier sweep
    started = time.perf_counter()
    for k in range(FRAMES):
        alpha = k / FRAMES
        state = history.at(timeline.epoch_at(alpha))
        for panel in panels:
            panel.set_state(state)
        scene.counter.set_stride(timeline.stride_at(alpha))
    return time.perf_counter() - started


def train_figures(command, repeats: int) -> tuple[float, int]:
    """Median wall seconds and largest peak RSS (kB) of ``command`` over ``repeats`` runs."""
    runs = [measure_isolated(command) for _ in range(repeats)]
    return statistics.median(wall for wall, _, _ in runs), max(rss for _, _, rss in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as tmp:
        long_run, short_run, few = (Path(tmp) / name for name in ("long.npz", "short.npz", "few.npz"))
        short_wall, short_rss = train_figures(train_command(short_run, 100, EVERY), args.repeats)
        long_wall, long_rss = train_figures(train_command(long_run, EPOCHS, EVERY), args.repeats)
        size = long_run.stat().st_size / 1e6
        print(f"nnviz train --layers {LAYERS} --epochs {EPOCHS} --snapshot-every {EVERY} (median of {args.repeats}):")
        print(f"  wall      {long_wall:.2f} s   (--epochs 100: {short_wall:.2f} s, ratio {long_wall / short_wall:.1f}x)"
              "   target: at most 2 s")
        print(f"  peak RSS  {long_rss / 1024:.0f} MB   (--epochs 100: {short_rss / 1024:.0f} MB, "
              f"ratio {long_rss / short_rss:.1f}x)   target: at most 300 MB")
        print(f"  file      {size:.1f} MB   (--epochs 100: {short_run.stat().st_size / 1e6:.2f} MB)   "
              "target: at most 40 MB")

        measure_isolated(train_command(few, EPOCHS, FEW_EVERY))
        histories = {1001: History.load(long_run), 21: History.load(few)}
        seconds = {checkpoints: [] for checkpoints in histories}
        with tempconfig({"quality": "high_quality", "media_dir": tmp, "verbosity": "WARNING"}):
            for _ in range(args.repeats):  # alternately, so background load hits both
                for checkpoints, history in histories.items():
                    seconds[checkpoints].append(montage_seconds(history))
    many, baseline = (statistics.median(seconds[c]) for c in (1001, 21))
    print(f"montage frames (History.at + set_state of 4 panels, {FRAMES} frames, median of {args.repeats}):")
    print(f"  1,001 checkpoints {many / FRAMES * 1000:.2f} ms per frame   21 checkpoints "
          f"{baseline / FRAMES * 1000:.2f} ms per frame   ratio {many / baseline:.2f}x   target: at most 1.2x")

if __name__ == "__main__":
    main()
