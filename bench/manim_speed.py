"""How fast the TrainingLecture montage renders, against the floor of an almost empty scene.

Renders, in this process and at 1080p60 (manim's tempconfig): 10 s of the montage (every panel
following History.at(t)), then 10 s of one dot moved by one updater. Prints the wall-time ratio
montage/floor and the wall time per video second. Run from the repo root:

    python bench/manim_speed.py [--seconds 10] [--quality high_quality]
"""
import argparse
import tempfile
import time


from manim import LEFT, RIGHT, Dot, Scene, tempconfig

from nnviz_core.palette import DEFAULT_THEME, THEMES
from scenes.training import TrainingLecture

SECONDS = 10.0


class MontageOnly(TrainingLecture):
    """The lecture's montage alone: every panel on screen, the clock run for SECONDS (any run:
    the montage draws 2-D data too)."""

    plan = (("training-montage", {}),)  # the words of the one chapter it shows (it starts none)

    def construct(self):
        self.cast()
        self.add(self.net, self.legend, self.fit, self.losses, self.counter)
        self.drive([self.net, self.fit, self.losses, self.counter], self.history.epochs, SECONDS)


class Floor(Scene):
    """One dot, one updater: what any animated frame costs."""

    def construct(self):
        self.camera.background_color = THEMES[DEFAULT_THEME].background
        dot = Dot(color=THEMES[DEFAULT_THEME].ink).shift(4 * LEFT)
        dot.add_updater(lambda m, dt: m.shift(0.8 * dt * RIGHT))
        self.add(dot)
        self.wait(SECONDS)


def timed_render(scene_class, quality: str, media_dir: str) -> float:
    with tempconfig({"quality": quality, "frame_rate": 60, "media_dir": media_dir,
                     "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none"}):
        scene = scene_class()
        started = time.perf_counter()
        scene.render()
        return time.perf_counter() - started


def main() -> None:
    global SECONDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--quality", default="high_quality", help="manim quality name (default: 1080p)")
    args = parser.parse_args()
    SECONDS = args.seconds
    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as media:
        montage = timed_render(MontageOnly, args.quality, media)
        floor = timed_render(Floor, args.quality, media)
    print(f"montage: {montage:.1f} s wall for {SECONDS:g} s of video ({montage / SECONDS:.2f} s per video second)")
    print(f"floor:   {floor:.1f} s wall for {SECONDS:g} s of video ({floor / SECONDS:.2f} s per video second)")
    print(f"ratio montage/floor: {montage / floor:.2f}x (target: at most 3x)")


if __name__ == "__main__":
    main()
