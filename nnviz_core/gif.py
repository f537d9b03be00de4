"""The dashboard as an animated GIF: which frames, rendered on both cores, encoded by Pillow.

One dashboard is built and its first frame fixes the GIF's 256-colour palette (plus every colour
of the weight map, so later frames keep their true colours). Worker processes forked from here
inherit the built figure and palette, render their share of the frames and quantise them; with
one palette for all frames Pillow stores only the part of each frame that changed. The file is
written under a temporary name in the same folder and renamed, so no partial GIF is ever left.
"""
from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgb
from PIL import Image

from .dashboard import Dashboard, figure_size, named_colours
from .errors import NnvizError
from .files import atomic_output
from .palette import UNIT_NORM, diverging_rgb

MAX_FRAME_BYTES = 4e9

# Set in the parent before forking, so workers inherit them instead of unpickling them.
_dashboard: Dashboard | None = None
_history = None
_palette_image: Image.Image | None = None


def _fixed_colours() -> np.ndarray:
    """Colours every frame may need, even if the first frame lacks them: the whole weight map,
    a grey ramp for text, and each named colour with its blends toward white (antialiasing)."""
    coolwarm = diverging_rgb(np.linspace(-1, 1, 64), UNIT_NORM)
    greys = np.repeat(np.linspace(0, 1, 16)[:, None], 3, axis=1)
    named = np.array([to_rgb(c) for c in named_colours()])
    blends = np.concatenate([1 - f * (1 - named) for f in (0.25, 0.5, 0.75, 1.0)])
    return np.concatenate([coolwarm, greys, blends])


def _palette_from(first_frame: np.ndarray) -> Image.Image:
    """One 256-colour palette for the GIF: the fixed colours, the rest fitted to the first frame."""
    fixed = np.round(_fixed_colours() * 255)
    adaptive = Image.fromarray(first_frame).quantize(256 - len(fixed), method=Image.Quantize.MEDIANCUT,
                                                     dither=Image.Dither.NONE)
    adaptive = np.array(adaptive.getpalette()[:3 * (256 - len(fixed))], float).reshape(-1, 3)
    # Pillow's palette lookup is approximate: a near-twin of a fixed colour (say 253 grey next to
    # white) could win the background's pixels, so such twins are left out.
    distance = np.abs(adaptive[:, None] - fixed[None]).max(axis=2).min(axis=1)
    colours = np.concatenate([fixed, adaptive[distance > 6]]).astype(np.uint8).ravel()
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours.tolist())
    return palette


def _quantised(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb).quantize(palette=_palette_image, dither=Image.Dither.NONE)


def _render(epoch: int) -> Image.Image:
    return _quantised(_dashboard.render_rgb(_history.at_epoch(epoch)))


def render_frames(history, epochs, panels, dpi: int, jobs: int = 2, progress=None,
                  sampling_note: str | None = None) -> list:
    """The GIF's frames, one per epoch in ``epochs``, as palette images, in order."""
    global _dashboard, _history, _palette_image
    _history = history
    _dashboard = Dashboard(history, panels, dpi, sampling_note)
    times = list(epochs)
    first = _dashboard.render_rgb(history.at_epoch(times[0]))
    _palette_image = _palette_from(first)
    frames = [_quantised(first)]
    rest = times[1:]
    report = progress or (lambda done, total: None)
    report(1, len(times))
    try:
        if jobs > 1 and len(rest) >= 2 * jobs:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for frame in pool.imap(_render, rest):
                    frames.append(frame)
                    report(len(frames), len(times))
        else:
            for t in rest:
                frames.append(_render(t))
                report(len(frames), len(times))
    finally:
        _dashboard = _history = None
    return frames


def write_gif(frames, path, fps: float) -> Path:
    """Save frames as a looping GIF, atomically: a temporary name in the same folder, then rename."""
    with atomic_output(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=round(1000 / fps), loop=0, optimize=True)
    return Path(path)


def check_writable(path) -> None:
    """Fail before rendering, not after, when the GIF cannot be written where asked."""
    path = Path(path)
    if path.is_dir():
        raise NnvizError(f"cannot write {path}: it is a folder; give a file name such as {path / 'NN_vis.gif'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".probe"):
            pass  # removed on close
    except OSError as exc:
        raise NnvizError(f"cannot write {path}: {exc.strerror or exc}; choose a writable --out path") from None


def write_dashboard_gif(history, out="media/gifs/NN_vis.gif", fps: float = 2.0, dpi: int = 120,
                        every: int = 1, smooth: int = 0, panels=None, jobs: int = 2,
                        progress=None) -> tuple[Path, list]:
    """The classic dashboard of ``history`` as a GIF at ``out``; returns the path and its frames.

    >>> from nnviz_core import RunConfig, train
    >>> path, frames = write_dashboard_gif(train(RunConfig()), "NN_vis.gif")  # doctest: +SKIP
    """
    from .panels import CLASSIC
    from .timeline import gif_epochs

    panels = tuple(panels or CLASSIC)
    times, note = gif_epochs(history, every, smooth)
    width, height = (round(inches * dpi) for inches in figure_size(panels))
    needed = len(times) * width * height  # bytes: every palette frame is held until the GIF is written
    if needed > MAX_FRAME_BYTES:
        raise NnvizError(f"{len(times)} frames of {width}x{height} need about {needed / 1e9:.0f} GB of "
                         "memory; lower --smooth, --dpi or raise --every")
    check_writable(out)
    frames = render_frames(history, times, panels, dpi, jobs, progress, note)
    return write_gif(frames, out, fps), frames
