"""The dashboard as an animated GIF: which frames, rendered on both cores, streamed to the file.

One dashboard is built and its first frame fixes the GIF's 256-colour palette (plus every colour
of the weight map, so later frames keep their true colours). Worker processes forked from here
inherit the built figure and palette, render their share of the frames and quantise them. The
frames come back in order, a few at a time, and each is written as soon as it arrives: only the
rectangle that changed since the previous frame, with Pillow's LZW encoder. So memory stays flat
however many frames there are (Pillow's own GIF writer keeps every frame until the end). The file
is written under a temporary name in the same folder and renamed, so no partial GIF is ever left.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.mathtext import MathTextParser
from PIL import GifImagePlugin, Image

from .. import memory
from ..dashboard import Dashboard, check_panels, figure_size, named_colours
from ..errors import NnvizError
from ..files import atomic_output, check_output_path
from ..palette import DEFAULT_THEME, THEMES, UNIT_NORM, Theme, diverging_rgb, hex_rgb, sequential_colours
from ..plane import MAP_STRENGTH, class_colour
from .workers import ordered_map

MAX_SIDE = 65535  # GIF stores a width and a height in 16 bits
# Bytes per pixel a rendering process holds: the canvas's RGBA buffer and its blitting background
# (4 + 4), the RGB copy (3) and the palette frame (1).
PROCESS_BYTES_PER_PIXEL = 12

# Set in the parent before forking, so workers inherit them instead of unpickling them.
_dashboard: Dashboard | None = None
_history = None
_palette_image: Image.Image | None = None

# A forked worker must open its own fonts: an FT2Font reads its file through a descriptor it shares
# with the parent and the other workers, so concurrent reads corrupt glyphs ("invalid outline").
# matplotlib forgets its font cache at a fork, but not the fonts held by its cached mathtext (the
# log axes' 10ⁿ labels).
os.register_at_fork(after_in_child=MathTextParser._parse_cached.cache_clear)


REGION_COLOURS = 48  # a 2-D classification's fixed colours: the class ramps share them
LANDSCAPE_COLOURS = 64  # the landscape's map, evenly: its surface would band on the first frame's fit


def _fixed_colours(theme: Theme, classes: int = 0, landscape: bool = False) -> np.ndarray:
    """Colours every frame may need, even if the first frame lacks them: the whole weight map,
    a grey ramp for text, and each named colour with its blends toward white (antialiasing).
    With ``classes`` (a 2-D classification), each class colour's ramp from the background (the
    regions grow surer, and their colours stronger, after the first frame) and the accuracy's.
    With ``landscape``, its sequential map (a smooth surface, and the dot filled with the loss)."""
    weight_map = diverging_rgb(np.linspace(-1, 1, 64), UNIT_NORM, theme)
    greys = np.repeat(np.linspace(0, 1, 16)[:, None], 3, axis=1)
    named = np.array([to_rgb(c) for c in named_colours(theme)])
    blends = np.concatenate([1 - f * (1 - named) for f in (0.25, 0.5, 0.75, 1.0)])
    back = hex_rgb(theme.background)
    steps = REGION_COLOURS // classes if classes else 0
    # Up to the maps' strongest (the regions' is lower), evenly: the steps a flat region could band
    # at; and the class colour itself (the points).
    shares = [*np.linspace(0, MAP_STRENGTH, steps)[1:], 1.0]
    ramps = [back + f * (hex_rgb(class_colour(k, theme)) - back) for k in range(classes) for f in shares]
    if classes:  # the accuracy curve: a single point in the first frame
        ramps += [back + f * (hex_rgb(theme.accuracy) - back) for f in (0.5, 1.0)]
    fixed = np.concatenate([weight_map, greys, blends, *([np.array(ramps)] if ramps else [])])
    if landscape:  # as many as leave the first frame a few colours of its own
        count = max(16, min(LANDSCAPE_COLOURS, 240 - len(fixed)))
        fixed = np.concatenate([fixed, sequential_colours(theme)[np.linspace(0, 255, count).astype(int)]])
    return fixed


def _palette_from(first_frame: np.ndarray, theme: Theme, classes: int = 0, landscape: bool = False) -> Image.Image:
    """One 256-colour palette for the GIF: the fixed colours, the rest fitted to the first frame."""
    fixed = np.round(_fixed_colours(theme, classes, landscape) * 255)
    # Fitted to every other pixel of every other row: 7x faster than the whole frame, and frames
    # quantise as closely (their flat areas hold all the colours that matter).
    sample = np.ascontiguousarray(first_frame[::2, ::2])
    adaptive = Image.fromarray(sample).quantize(256 - len(fixed), method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    adaptive = np.array(adaptive.getpalette()[:3 * (256 - len(fixed))], float).reshape(-1, 3)
    # Pillow's palette lookup is approximate: a near-twin of a fixed colour (say 253 grey next to
    # white) could win the background's pixels, so such twins are left out.
    distance = np.abs(adaptive[:, None] - fixed[None]).max(axis=2).min(axis=1)
    colours = np.concatenate([fixed, adaptive[distance > 6]]).astype(np.uint8).ravel()
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours.tolist())
    return palette


def _quantised(rgba: np.ndarray) -> Image.Image:
    # From the canvas's contiguous RGBA buffer: Pillow converts it ~4x faster than it copies
    # a strided RGB view.
    return Image.fromarray(rgba).convert("RGB").quantize(palette=_palette_image, dither=Image.Dither.NONE)


def _render_rgba(epoch: int) -> np.ndarray:
    _dashboard.render_rgb(_history.at_epoch(epoch))  # draws into the canvas
    return np.asarray(_dashboard.fig.canvas.buffer_rgba())


def _render(epoch: int) -> Image.Image:
    return _quantised(_render_rgba(epoch))


def iter_frames(history, epochs, panels, dpi: int, jobs: int = 2, progress=None,
                sampling_note: str | None = None, figure=None, theme: Theme = THEMES[DEFAULT_THEME]):
    """The GIF's frames, one per epoch in ``epochs``, as palette images, in order, each yielded
    as soon as it is ready (rendered on ``jobs`` processes, a few frames ahead at most). The
    figure is the dashboard of ``panels`` in ``theme``, or ``figure`` (anything with
    ``render_rgb(state)``, ``fig`` and ``palette``, such as a comparison's). Workers are forked
    with the built figure, which carries its theme in its palette."""
    global _dashboard, _history, _palette_image
    _history = history
    _dashboard = figure or Dashboard(history, panels, dpi, sampling_note, theme=theme)
    times = list(epochs)
    report = progress or (lambda done, total: None)
    try:
        first = _render_rgba(times[0])
        regions = panels is None or "fit" in panels  # a comparison's figure draws each run's plane
        classes = history.problem.classes if history.problem.is_2d and regions else 0
        landscape = "landscape" in (panels or ()) or getattr(_dashboard, "landscape", None) is not None
        _palette_image = _palette_from(first[..., :3], _dashboard.palette.theme, classes, landscape)
        yield _quantised(first)
        report(1, len(times))
        rest = times[1:]
        parallel = jobs > 1 and len(rest) >= 2 * jobs
        frames = ordered_map(_render, rest, jobs) if parallel else map(_render, rest)
        for done, frame in enumerate(frames, 2):
            yield frame
            report(done, len(times))
    finally:
        _dashboard = _history = None


def write_gif(frames, path, fps: float, make_parents: bool = False) -> tuple[Path, int]:
    """Write palette frames that share one palette as a looping GIF, atomically; returns the path
    and the number of frames. ``frames`` may be any iterable: each frame is encoded as it comes
    and only the previous one is kept, to find what changed."""
    delay = struct.pack("<H", round(100 / fps))  # GIF counts in hundredths of a second
    count = 0
    with atomic_output(path, make_parents) as tmp, open(tmp, "wb") as f:
        previous = None
        for frame in frames:
            pixels = np.asarray(frame)
            if previous is None:
                f.write(_gif_header(frame))
            f.write(_frame_block(pixels, previous, delay))
            f.flush()  # workers are forked between frames: none may inherit unwritten bytes
            previous, count = pixels, count + 1
        if not count:
            raise NnvizError("no frames to write")
        f.write(b";")  # the GIF trailer
    return Path(path), count


def _gif_header(first: Image.Image) -> bytes:
    """GIF89a with the frames' one palette as the global colour table, looping forever."""
    width, height = first.size
    table = bytes(first.getpalette()[:768]).ljust(768, b"\0")
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + table  # 0xF7: 256 colours
            + b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop count 0: forever


def _frame_block(pixels: np.ndarray, previous: np.ndarray | None, delay: bytes) -> bytes:
    """One frame: the smallest rectangle holding every pixel that changed since ``previous``,
    where the unchanged ones are a colour the rectangle does not use, marked transparent (long
    runs of it compress well). The first frame is stored whole."""
    top, left, transparent = 0, 0, None
    box = pixels
    if previous is not None:
        changed = pixels != previous
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not rows.size:  # nothing changed: redraw one pixel as it is, so the frame keeps its time
            rows, cols = np.array([0]), np.array([0])
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        box = pixels[top:bottom, left:right].copy()
        counts = Image.fromarray(box).histogram()  # Pillow counts 3x faster than np.bincount
        unused = next((index for index, count in enumerate(counts) if not count), None)
        kept = ~changed[top:bottom, left:right]
        if unused is not None and kept.any():
            transparent = unused
            box[kept] = transparent
    # Graphic control: "do not dispose" (the next frame draws over this one), delay, transparency.
    control = (b"!\xf9\x04" + bytes([0x04 | (transparent is not None)]) + delay
               + bytes([transparent or 0]) + b"\0")
    # Pillow's LZW encoder, given the indices as an L image; no local colour table.
    image = Image.fromarray(box)
    encoded = b"".join(GifImagePlugin.getdata(image, offset=(int(left), int(top))))
    return control + encoded


def check_gif_memory(panels, dpi: int, jobs: int, inches: tuple[float, float] | None = None) -> tuple[int, int]:
    """The GIF's size in pixels, after refusing one whose frames are too large for a GIF or for
    the memory of ``jobs`` rendering processes (each holds a few copies of one frame). The size
    is the dashboard's of ``panels``, or ``inches``."""
    width, height = (round(side * dpi) for side in (inches or figure_size(panels)))
    if max(width, height) > MAX_SIDE:
        raise NnvizError(f"--dpi {dpi}: frames of {width}x{height} are larger than a GIF can be "
                         f"({MAX_SIDE} px a side); lower --dpi")
    processes = jobs + 1 if jobs > 1 else 1
    needed = PROCESS_BYTES_PER_PIXEL * width * height * processes + 2 * jobs * width * height
    if not memory.fits(needed):
        raise NnvizError(f"--dpi {dpi}: {processes} processes rendering {width}x{height} frames need "
                         f"about {memory.shown(needed)} of memory (available {memory.available_shown()}); "
                         "lower --dpi or --jobs")
    return width, height


def write_dashboard_gif(history, out="media/gifs/NN_vis.gif", fps: float = 2.0, dpi: int = 120,
                        every: int = 1, smooth: int = 0, panels=None, jobs: int = 2,
                        progress=None, make_folders: bool = True,
                        theme: Theme = THEMES[DEFAULT_THEME]) -> tuple[Path, int]:
    """The classic dashboard of ``history`` in ``theme`` as a GIF at ``out``; returns the path and its number
    of frames. ``make_folders``: create ``out``'s folder if it is missing.

    >>> from nnviz_core import RunConfig, train
    >>> path, count = write_dashboard_gif(train(RunConfig()), "NN_vis.gif")  # doctest: +SKIP
    """
    from ..panels import CLASSIC
    from ..timeline import gif_epochs

    panels = tuple(panels or CLASSIC)
    check_panels(history, panels)
    times, note = gif_epochs(history, every, smooth)
    check_gif_memory(panels, dpi, jobs)
    check_output_path(out, "--out", make_parents=make_folders, example="NN_vis.gif")
    frames = iter_frames(history, times, panels, dpi, jobs, progress, note, theme=theme)
    return write_gif(frames, out, fps, make_folders)


def write_comparison_gif(comparison, out, fps: float = 2.0, dpi: int = 120, every: int = 1, smooth: int = 0,
                         jobs: int = 2, progress=None, make_folders: bool = True,
                         theme: Theme = THEMES[DEFAULT_THEME], landscape: bool = False) -> tuple[Path, int]:
    """Runs side by side as a GIF: a fit per run and one shared loss panel (``landscape``: every
    run's path on one shared loss landscape beside the shared loss panel), at the epochs of the
    longest run that did not diverge (the others stay at their last finite state)."""
    from ..dashboard.compare import LANDSCAPE_INCHES, CompareDashboard, LandscapeCompareDashboard, comparison_inches
    from ..timeline import gif_epochs

    clock = comparison.clock()
    times, _ = gif_epochs(clock, every, smooth)
    inches = LANDSCAPE_INCHES if landscape else comparison_inches(len(comparison.histories))
    check_gif_memory(None, dpi, jobs, inches)
    check_output_path(out, "--out", make_parents=make_folders, example="compare.gif")
    figure = (LandscapeCompareDashboard if landscape else CompareDashboard)(comparison, dpi, theme)
    frames = iter_frames(clock, times, None, dpi, jobs, progress, figure=figure)
    return write_gif(frames, out, fps, make_folders)
