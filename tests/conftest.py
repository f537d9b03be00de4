import subprocess
import sys
from pathlib import Path

import pytest

from nnviz_core import RunConfig, train

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def seed_history():
    """The seed notebook's run: 1-10-1 ReLU on quadratic, 100 epochs, snapshots every 5."""
    return train(RunConfig())


@pytest.fixture(scope="session")
def deck(tmp_path_factory):
    """LossCurveSlides (3 slides) rendered at -ql for a 10-epoch run, in a scratch folder; shared
    by the slide tests and the browser test, so it is rendered once. Its run is RunConfig(epochs=10),
    which test_slides.py checks the notes against."""
    folder = tmp_path_factory.mktemp("deck")
    (folder / "manim.cfg").write_text("[CLI]\nmedia_dir = media\ndisable_caching = True\n"
                                      "notify_outdated_version = False\n\n"
                                      "[nnviz]\nepochs = 10\nsnapshot_every = 5\n")
    manim_slides = Path(sys.executable).parent / "manim-slides"
    result = subprocess.run([str(manim_slides), "render", "-ql", str(REPO / "scenes/slides.py"),
                             "LossCurveSlides"], capture_output=True, text=True, cwd=folder)
    assert result.returncode == 0, result.stderr[-2000:]
    return folder


@pytest.fixture(scope="session", autouse=True)
def own_media_dir(tmp_path_factory):
    """manim's Text caches glyphs under its media_dir; pytest-xdist's processes sharing ./media
    would read one another's half-written files, so each process gets a folder of its own."""
    try:
        from manim import config
    except ImportError:  # the GIF's tests run where manim is not installed
        yield
        return
    before = config.media_dir
    config.media_dir = str(tmp_path_factory.mktemp("media"))
    yield
    config.media_dir = before
