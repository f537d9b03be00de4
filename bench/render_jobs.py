#!/usr/bin/env python3
"""`nnviz render --jobs 2` against `--jobs 1` (the baseline, measured in the same run).

Renders TrainingLecture of manim.cfg's run with each, alternately (so background load hits
both), --repeats times; prints the median walls, their ratio (target: at most 0.6x on 2 cores),
the wall seconds per second of video (target for --jobs 2: at most 1.3 s at 1080p60) and the CPU
seconds of each (one manim process already keeps more than one core busy: the encoder runs
beside the drawing); checks that both videos have the same number of frames. At 1080p60 (the
default) a repeat takes about six minutes; `--quality l` is a quick check of the machinery
(about a minute), whose figures are not the targets'. Run from the repo root:

    python bench/render_jobs.py [--quality h] [--repeats 1] [--jobs 2] [--scene TrainingLecture]
"""
import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

REPO = Path(__file__).resolve().parent.parent


def render(scene: str, quality: str, jobs: int, media_dir: Path) -> tuple[float, float, Path]:
    """Wall and CPU seconds (user + sys of every process) of one render, and the file it wrote."""
    command = [sys.executable, "-m", "nnviz_core.frontends.cli", "render", scene, "--quality", quality,
               "--jobs", str(jobs), "--media-dir", str(media_dir)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"render_jobs: --jobs {jobs} failed: {result.stderr.strip()[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, Path(result.stdout.strip().splitlines()[-1].removeprefix("wrote "))


def video_seconds_and_frames(path: Path) -> tuple[float, int]:
    with av.open(str(path)) as video:
        stream = video.streams.video[0]
        frames = sum(1 for packet in video.demux(stream) if packet.dts is not None)
        return frames / float(stream.average_rate), frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", "-q", default="h", choices=list("lmhpk"),
                        help="h: 1080p60, the targets' setting (default); l: a quick check")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scene", default="TrainingLecture")
    args = parser.parse_args()
    walls, cpus, frames = {1: [], args.jobs: []}, {1: [], args.jobs: []}, {}
    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as tmp:
        for k in range(args.repeats):
            for jobs in walls:
                wall, cpu, video = render(args.scene, args.quality, jobs, Path(tmp) / f"jobs{jobs}")
                walls[jobs].append(wall)
                cpus[jobs].append(cpu)
                seconds, frames[jobs] = video_seconds_and_frames(video)
                print(f"run {k + 1}/{args.repeats} --jobs {jobs}: {wall:6.1f} s wall, {cpu:6.1f} s CPU for "
                      f"{seconds:.1f} s of video ({frames[jobs]} frames)", flush=True)
    one, many = statistics.median(walls[1]), statistics.median(walls[args.jobs])
    print(f"median wall   --jobs 1 {one:.1f} s   --jobs {args.jobs} {many:.1f} s   "
          f"ratio {many / one:.2f}x (target: at most 0.6x on 2 cores)")
    print(f"per second of video   --jobs 1 {one / seconds:.2f} s   --jobs {args.jobs} {many / seconds:.2f} s "
          "(target: at most 1.3 s at 1080p60)")
    print(f"median CPU    --jobs 1 {statistics.median(cpus[1]):.1f} s   --jobs {args.jobs} "
          f"{statistics.median(cpus[args.jobs]):.1f} s   (user + sys of all processes: with every core free, "
          "the wall of --jobs N is at least its CPU / N)")
    if frames[1] != frames[args.jobs]:
        sys.exit(f"render_jobs: the videos differ in length: {frames[1]} and {frames[args.jobs]} frames")

if __name__ == "__main__":
    main()
