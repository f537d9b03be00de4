"""What a 2-D run's neuron maps cost per montage frame, against the 1-D montage.

Times, at 1080p (manim's tempconfig), in CPU time (the cores are shared), the median montage
frame as drive() draws it: every panel's set_state for a new State, then the Cairo renderer's
update_frame of the live parts over the static parts' background. Prints milliseconds for

  the 1-D montage:   the lecture's network, data fit, loss and counter (the default run);
  a 2-D montage:     the 2-D network, loss and counter, with the 1-D data panel standing in for
                     the 2-D one (whose region image is another panel's), and the maps' own
                     share of it: their set_state and their drawing, timed inside those frames;
  the diagrams:      1-D, and 2-D with its maps.

The States are made beforehand with their forward pass over the grid done: the data panel's
region image needs that pass anyway, and History.at's first look at a step
(timeline.tween_allowed) is the engine's cost; it is printed apart. Run from the repo root:

    python bench/netmaps_speed.py [--frames 40] [--quality high_quality] \
        [--run dataset=spiral,classes=3,layers=2|16|16|3]
"""
import argparse
import time

import numpy as np
from manim import Scene, tempconfig

from nnviz_core.config import RunConfig
from nnviz_core.palette import DEFAULT_THEME, THEMES, Palette
from nnviz_core.plane import map_norms
from nnviz_core.train import train
from scenes.mobjects import DataFitPanel, EpochCounter, LossPanel, NetworkDiagram
from scenes.lecture import FIT_CENTER, LOWER_RIGHT, NETWORK_CENTER


def panels_of(history, theme, which):
    palette = Palette.for_history(history, theme)
    made = {"net": lambda: NetworkDiagram(history, palette, width=5.2, height=5.6).move_to(NETWORK_CENTER),
            "fit": lambda: DataFitPanel(history, palette, width=4.9, height=2.4).move_to(FIT_CENTER),
            "loss": lambda: LossPanel(history, palette, width=4.9, height=2.0).move_to(LOWER_RIGHT),
            "counter": lambda: EpochCounter(history, palette).to_corner([1, 1, 0], buff=0.4)}
    return [(history, made[name]()) for name in which]


def states_of(panels, frames: int) -> list:
    """Each frame's State per panel, made beforehand, with the 2-D grid's forward pass done: the
    data panel's region image needs that pass anyway, and History.at's first look at a step
    (timeline.tween_allowed) is the engine's cost, not a panel's."""
    states = [[h.at(h.epochs * (k + 0.5) / (frames + 2)) for h, _ in panels] for k in range(frames + 2)]
    for row in states:
        for state in row:
            if state.problem.is_2d:
                state.neuron_maps()
    return states


def per_frame(panels, frames: int, theme) -> tuple[float, float]:
    """ms of CPU per frame: set_state of every panel at an epoch between snapshots, then
    update_frame; and of that, the neuron maps' own (set_state and drawing), if any."""
    states = states_of(panels, frames)
    scene = Scene()
    scene.camera.background_color = theme.background
    for h, p in panels:
        p.set_state(h.at(0.0))
    scene.add(*(p.static for _, p in panels))
    scene.renderer.update_frame(scene)
    scene.renderer.static_image = scene.renderer.get_frame()  # as play() paints the static parts once
    lives = [p.live for _, p in panels]
    scene.add(*lives)
    maps = [p.maps for _, p in panels if getattr(p, "maps", None) is not None]
    own = {"maps": 0.0}

    def timed(method):
        def run(*args):
            started = time.process_time()
            result = method(*args)
            own["maps"] += time.process_time() - started
            return result
        return run

    for m in maps:  # the maps' own work, timed where it happens
        m.set_state = timed(m.set_state)
        m.cloud.draw = timed(m.cloud.draw)
    totals, shares = [], []
    for k in range(frames + 2):
        own["maps"] = 0.0
        started = time.process_time()
        for (_, p), state in zip(panels, states[k]):
            p.set_state(state)
        scene.renderer.update_frame(scene, lives)
        totals.append(time.process_time() - started)
        shares.append(own["maps"])
    return 1000 * float(np.median(totals[2:])), 1000 * float(np.median(shares[2:]))  # the first frames warm caches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--quality", default="high_quality", help="manim quality name (default: 1080p)")
    parser.add_argument("--run", default="dataset=circle,layers=2|8|1",
                        help="the 2-D run's settings, comma-separated, | between layer sizes")
    args = parser.parse_args()
    theme = THEMES[DEFAULT_THEME]
    one = train(RunConfig())
    settings = dict(kv.split("=") for kv in args.run.split(","))
    two = train(RunConfig().updated({"epochs": "100", **{k: v.replace("|", ",") for k, v in settings.items()}}))
    map_norms(two)  # once per History, before the first frame
    with tempconfig({"quality": args.quality, "disable_caching": True, "verbosity": "WARNING"}):
        montage, _ = per_frame(panels_of(one, theme, ["net", "fit", "loss", "counter"]), args.frames, theme)
        montage2, maps = per_frame(panels_of(two, theme, ["net"]) + panels_of(one, theme, ["fit"])
                                   + panels_of(two, theme, ["loss", "counter"]), args.frames, theme)
        net1, _ = per_frame(panels_of(one, theme, ["net"]), args.frames, theme)
        net2, _ = per_frame(panels_of(two, theme, ["net"]), args.frames, theme)
    started = time.process_time()
    for k in range(10):
        two.at(two.epochs * (k + 0.25) / 10.5).neuron_maps()
    engine = 100 * (time.process_time() - started)
    shape = ",".join(map(str, two.config.layers))
    print(f"1-D montage frame:                {montage:6.1f} ms")
    print(f"2-D montage frame ({shape:>9}):   {montage2:6.1f} ms = {montage2 / montage:.2f}x, without the 2-D "
          f"data panel's region image (target with it: 1.5x)")
    print(f"  of which the neuron maps:       {maps:6.1f} ms = {maps / montage:.2f}x the 1-D montage")
    print(f"1-D diagram:                      {net1:6.1f} ms")
    print(f"2-D diagram with maps:            {net2:6.1f} ms")
    print(f"(not counted: History.at's first look at a step and the grid's forward pass: {engine:.1f} ms)")

if __name__ == "__main__":
    main()
