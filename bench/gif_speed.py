#!/usr/bin/env python3
"""The seed's GIF script against `nnviz gif`, on the same default run, alternately; and the
2-D dashboard (circle: the same epochs and checkpoints, so the same frames) against the 1-D one.

Each is run as a child process --repeats times (alternating, so background load hits all);
prints the median wall and CPU time of each and their ratios, the peak-RSS ratio (ru_maxrss of
the largest process in each child's tree), the GIF sizes, and the 2-D GIF's time over the 1-D
GIF's (target: at most 1.5x). Usage: bench/gif_speed.py [--repeats N] [--reference seed_dashboard.py]
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "reference" / "seed_dashboard.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference", type=Path, default=REFERENCE, help=f"the seed's script (default: {REFERENCE})")
    args = parser.parse_args()
    if not args.reference.is_file():
        sys.exit(f"gif_speed: reference script not found at {args.reference}")
    with tempfile.TemporaryDirectory() as tmp:
        seed_gif, our_gif, plane_gif = Path(tmp) / "seed.gif", Path(tmp) / "nnviz.gif", Path(tmp) / "circle.gif"
        nnviz_gif = [sys.executable, "-m", "nnviz_core.frontends.cli", "gif"]
        commands = {
            "seed": [sys.executable, str(args.reference), str(seed_gif)],
            "nnviz": [*nnviz_gif, "--out", str(our_gif)],
            "2-D": [*nnviz_gif, "--dataset", "circle", "--out", str(plane_gif)],
        }
        walls, cpus, peaks = ({name: [] for name in commands} for _ in range(3))
        for k in range(args.repeats):
            for name, command in commands.items():
                wall, cpu, peak = measure_isolated(command)
                walls[name].append(wall)
                cpus[name].append(cpu)
                peaks[name].append(peak)
                print(f"run {k + 1}/{args.repeats} {name:6s} {wall:6.2f} s wall  {cpu:6.2f} s CPU  "
                      f"peak RSS {peak / 1024:4.0f} MB", flush=True)
        seed_wall, our_wall = statistics.median(walls["seed"]), statistics.median(walls["nnviz"])
        seed_rss, our_rss = max(peaks["seed"]), max(peaks["nnviz"])
        print(f"median wall   seed {seed_wall:.2f} s   nnviz {our_wall:.2f} s   "
              f"speed-up {seed_wall / our_wall:.1f}x")
        seed_cpu, our_cpu = statistics.median(cpus["seed"]), statistics.median(cpus["nnviz"])
        print(f"median CPU    seed {seed_cpu:.2f} s   nnviz {our_cpu:.2f} s   ratio {seed_cpu / our_cpu:.1f}x"
              "  (user+sys of all processes; what counts when the cores are busy)")
        print(f"peak RSS      seed {seed_rss / 1024:.0f} MB   nnviz {our_rss / 1024:.0f} MB   "
              f"ratio {our_rss / seed_rss:.2f}")
        print(f"GIF size      seed {seed_gif.stat().st_size / 1e6:.2f} MB   "
              f"nnviz {our_gif.stat().st_size / 1e6:.2f} MB")
        plane_wall, plane_cpu = statistics.median(walls["2-D"]), statistics.median(cpus["2-D"])
        frames = {name: Image.open(gif).n_frames for name, gif in (("1-D", our_gif), ("2-D", plane_gif))}
        print(f"2-D GIF       circle {plane_wall:.2f} s wall, {plane_cpu:.2f} s CPU ({frames['2-D']} frames, "
              f"{plane_gif.stat().st_size / 1e6:.2f} MB) against the 1-D {our_wall:.2f} s ({frames['1-D']} frames): "
              f"ratio {plane_wall / our_wall:.2f}x wall, {plane_cpu / our_cpu:.2f}x CPU (target <= 1.5x)")


def measure_isolated(command) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (kB) of ``command``, run under a fresh Python
    wrapper so that its RUSAGE_CHILDREN counts this command's process tree alone (ru_maxrss is
    the largest single process in it)."""
    wrapper = ("import resource, subprocess, sys, time\n"
               "t = time.perf_counter()\n"
               "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
               "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(time.perf_counter() - t, r.ru_utime + r.ru_stime, r.ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", wrapper, *command], check=True, cwd=REPO,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


if __name__ == "__main__":
    main()
