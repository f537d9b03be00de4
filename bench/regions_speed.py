"""How much a 2-D run's montage costs per frame against the 1-D montage, in one process.

Renders, at 1080p60 (manim's tempconfig), the TrainingLecture montage (bench/manim_speed.py's
MontageOnly: every panel following History.at(t)) for the default 1-D run and for 2-D runs (circle,
3-class spiral: decision regions, boundary, accuracy; bump: a ŷ map), alternating, each
--repeats times, keeping each one's fastest. Prints the wall time per frame and the ratio 2-D / 1-D
(target: at most 1.5x). Also times drawing one frame alone (the camera capturing the scene's
mobjects, no encoding), the part the 2-D panel adds to. Run from the repo root:

    python bench/regions_speed.py [--seconds 3] [--repeats 2]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

from manim import tempconfig
from manim.camera.camera import Camera

sys.path.insert(0, str(Path(__file__).resolve().parent))
import manim_speed  # noqa: E402
from manim_speed import MontageOnly, timed_render  # noqa: E402

from nnviz_core import RunConfig, train  # noqa: E402

RUNS = {"1-D quadratic": {}, "2-D circle": {"dataset": "circle"}, "2-D spiral-3": {"dataset": "spiral", "classes": "3"},
        "2-D bump": {"dataset": "bump"}}


def montage_of(history):
    return type("Montage", (MontageOnly,), {"history": history})


def frame_seconds(scene_class, quality: str, media_dir: str, frames: int = 20) -> float:
    """Seconds to draw one montage frame at the video's size, over a few states of the run."""
    with tempconfig({"quality": quality, "media_dir": media_dir, "verbosity": "WARNING", "progress_bar": "none"}):
        scene = scene_class()
        scene.setup()
        scene.cast()
        panels = [scene.net, scene.fit, scene.losses, scene.counter]
        camera = Camera()
        camera.background_color = scene.camera.background_color
        h = scene.history
        total = 0.0
        for k in range(frames):
            state = h.at(h.epochs * k / (frames - 1))
            for panel in panels:
                panel.set_state(state)
            begun = time.perf_counter()
            camera.reset()
            camera.capture_mobjects([scene.net, scene.legend, *(p for panel in panels[1:] for p in (panel.static, panel.live))])
            total += time.perf_counter() - begun
        return total / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quality", default="high_quality", help="manim quality name (default: 1080p)")
    args = parser.parse_args()
    manim_speed.SECONDS = args.seconds
    scenes = {name: montage_of(train(RunConfig().updated(settings))) for name, settings in RUNS.items()}
    frames = round(args.seconds * 60)
    walls = {name: float("inf") for name in scenes}
    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as media:
        for _ in range(args.repeats):  # alternating, so a busy moment of the machine hits every run alike
            for name, scene in scenes.items():
                walls[name] = min(walls[name], timed_render(scene, args.quality, media))
        drawn = {name: min(frame_seconds(scene, args.quality, media) for _ in range(args.repeats))
                 for name, scene in scenes.items()}
    base = next(iter(scenes))
    for name in scenes:
        print(f"{name:14s} {1000 * walls[name] / frames:6.1f} ms per frame rendered "
              f"({walls[name] / walls[base]:.2f}x the 1-D montage), {1000 * drawn[name]:6.1f} ms drawing alone "
              f"({drawn[name] / drawn[base]:.2f}x)")
    worst = max(walls[name] / walls[base] for name in scenes)
    print(f"largest ratio 2-D / 1-D: {worst:.2f}x (target: at most 1.5x)")


if __name__ == "__main__":
    main()
