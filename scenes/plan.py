"""How a scene plays, found without drawing it, for `nnviz render --jobs`:

    python -m scenes.plan --config run.cfg --quality h --media-dir tmp --out plan.json TrainingLecture

One pass through construct() with every animation skipped (manim still draws one frame per play;
here the frame is tiny) writes, for each play: its run time, how many frames manim will draw
for it, whether it is a still (a wait with nothing moving: its frames are only encoded), its
section, and how many seconds running the scene's code up to its start took. The sections are
listed with their names, as ``--save_sections`` would number them.

Seconds alone would tie the cut to this machine's speed and load, so the pass also times drawing
the scene as it stands at the video's own resolution, every few plays, in the same process:
``frame_seconds``. Code time over frame time is a ratio that a slower or busier machine keeps.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from manim import config, tempconfig
from manim.camera.camera import Camera
from manim.constants import QUALITIES

from scenes.registry import SCENES


def frames_of(run_time: float, still: bool, fps: float) -> int:
    """The frames manim's Cairo renderer writes for one play."""
    dt = 1 / fps
    return int(run_time / dt) if still else len(np.arange(0, run_time, dt))


SAMPLE_EVERY = 8  # plays between two timed frames at the video's resolution


def plan(scene_class, pixel_width: int, pixel_height: int) -> dict:
    scene = scene_class(skip_animations=True)
    renderer = scene.renderer
    camera = Camera(pixel_width=pixel_width, pixel_height=pixel_height)
    plays, drawn = [], []
    started = time.perf_counter()
    play = renderer.play

    def recorded(scene, *args, **kwargs):
        reached = time.perf_counter() - started - sum(drawn)  # the scene's code only
        play(scene, *args, **kwargs)
        still = scene.is_current_animation_frozen_frame()
        plays.append({"run_time": scene.duration, "still": still,
                      "frames": frames_of(scene.duration, still, config.frame_rate),
                      "section": len(renderer.file_writer.sections) - 1, "reached": reached})
        if len(plays) % SAMPLE_EVERY == 1:
            drawn.append(time_one_frame(camera, scene.mobjects))

    renderer.play = recorded
    scene.render()
    sections = [{"name": s.name, "type": str(s.type_), "skip": s.skip_animations}
                for s in renderer.file_writer.sections]
    return {"fps": config.frame_rate, "plays": plays, "sections": sections,
            "frame_seconds": float(np.mean(drawn))}


def time_one_frame(camera: Camera, mobjects) -> float:
    """Seconds to draw ``mobjects`` into ``camera``, as a render draws each frame."""
    begun = time.perf_counter()
    camera.reset()
    camera.capture_mobjects(mobjects)
    return time.perf_counter() - begun


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scene", choices=list(SCENES))
    parser.add_argument("--config", required=True, help="the cfg file the manim workers read")
    parser.add_argument("--quality", required=True, choices=[q["flag"] for q in QUALITIES.values() if q["flag"]])
    parser.add_argument("--media-dir", required=True, help="a scratch folder (Text caches its glyphs there)")
    parser.add_argument("--out", required=True, help="where to write the plan (JSON)")
    args = parser.parse_args()
    config.digest_file(args.config)  # also what scenes.run reads the [nnviz] run from
    quality = next(name for name, q in QUALITIES.items() if q["flag"] == args.quality)
    size = QUALITIES[quality]["pixel_width"], QUALITIES[quality]["pixel_height"]
    scratch = Path(args.media_dir)  # subtitles, if any, land here too
    with tempconfig({"quality": quality, "pixel_width": 64, "pixel_height": 36, "media_dir": scratch,
                     "output_file": scratch / "plan", "progress_bar": "none", "verbosity": "WARNING"}):
        result = plan(SCENES[args.scene].load(), *size)
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(result, file)


if __name__ == "__main__":
    main()
