"""The GIF is streamed to its file: every frame decodes to exactly what was rendered, and the
writer never holds more than the frame it is writing and the one before."""
import gc
import weakref

import numpy as np
import pytest
from PIL import Image

from nnviz_core import NnvizError, RunConfig, train
from nnviz_core.frontends.gif import iter_frames, write_dashboard_gif, write_gif
from nnviz_core.panels import CLASSIC

DPI = 20


def decoded(path) -> list[np.ndarray]:
    frames = []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
    return frames


def palette_frames(count, size=(64, 48), seed=0):
    """Frames on one palette, made one at a time: a background, a block that moves, and noise in
    a corner, so the changed rectangle is small, large, or (for a repeated frame) empty."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, 3 * 256).astype(np.uint8)
    pixels = None
    for k in range(count):
        previous = pixels
        pixels = np.full(size[::-1], 7, np.uint8)
        pixels[5 + k:15 + k, 10:20 + 2 * k] = 200 + k
        if k % 3 == 1:
            pixels[-8:, -8:] = rng.integers(0, 256, (8, 8))
        if k == 4:
            pixels = rng.integers(0, 256, size[::-1], dtype=np.uint8)  # every colour: no index is free
            pixels.ravel()[:256] = np.arange(256)
        if k == 6:
            pixels = previous  # nothing changed
        image = Image.fromarray(pixels, "L").convert("P")
        image.putpalette(palette.tolist())
        yield image


def test_streamed_frames_decode_to_exactly_the_frames_written(tmp_path):
    frames = list(palette_frames(10))
    path, count = write_gif(iter(frames), tmp_path / "s.gif", fps=4)
    assert count == 10
    with Image.open(path) as im:
        assert im.n_frames == 10 and im.info["loop"] == 0 and im.info["duration"] == 250
    for got, frame in zip(decoded(path), frames):
        assert np.array_equal(got, np.asarray(frame.convert("RGB")))


def test_the_writer_keeps_no_more_than_two_frames(tmp_path):
    alive = []

    def frames():
        for frame in palette_frames(12, size=(300, 200)):
            gc.collect()
            alive.append(sum(ref() is not None for ref in refs))
            refs.append(weakref.ref(frame))
            yield frame

    refs = []
    write_gif(frames(), tmp_path / "s.gif", fps=2)
    assert max(alive) <= 2


def test_a_failing_frame_leaves_no_file(tmp_path):
    def frames():
        yield from palette_frames(3)
        raise NnvizError("rendering failed")

    with pytest.raises(NnvizError):
        write_gif(frames(), tmp_path / "s.gif", fps=2)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def small_run():
    return train(RunConfig(epochs=12, snapshot_every=2, layers=(1, 6, 1)))


def test_the_dashboard_gif_is_the_rendered_frames(tmp_path, small_run):
    path, count = write_dashboard_gif(small_run, tmp_path / "d.gif", dpi=DPI, jobs=1)
    expected = list(iter_frames(small_run, small_run.checkpoint_epochs, CLASSIC, DPI, jobs=1))
    assert count == len(expected) == 7
    for got, frame in zip(decoded(path), expected):
        assert np.array_equal(got, np.asarray(frame.convert("RGB")))


def test_frames_rendered_on_two_processes_are_the_same_and_in_order(small_run):
    epochs = list(small_run.checkpoint_epochs)
    serial = list(iter_frames(small_run, epochs, CLASSIC, DPI, jobs=1))
    parallel = list(iter_frames(small_run, epochs, CLASSIC, DPI, jobs=2))
    assert len(parallel) == len(serial)
    for a, b in zip(parallel, serial):
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_workers_open_their_own_fonts_not_the_parents(small_run):
    """Fonts held across a fork share one file offset, and two workers reading through it corrupt
    glyphs at random. The first frame's log axis leaves mathtext fonts cached in the parent; a
    worker starts without them."""
    from matplotlib.mathtext import MathTextParser

    from nnviz_core.frontends.workers import ordered_map

    frames = iter_frames(small_run, [0, small_run.epochs], CLASSIC, DPI, jobs=1)
    next(frames)  # the parent draws the first frame, as before it forks
    assert MathTextParser._parse_cached.cache_info().currsize > 0
    cached_in_workers = ordered_map(lambda _: MathTextParser._parse_cached.cache_info().currsize, range(4), 2)
    assert list(cached_in_workers) == [0, 0, 0, 0]
    frames.close()
