"""The offline HTML deck (`make slides`' kind: reveal.js from npm in slides/reveal.js) in a real
browser: Debian's headless Chromium, driven by Playwright for Python. `make setup` installs all
three; a missing one fails the test with how to install it. Only NNVIZ_SKIP_BROWSER=1 skips it."""
import functools
import json
import os
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REVEALJS = REPO / "slides" / "reveal.js"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
# What Chromium needs on a closed network, as root. Playwright gives it a fresh, temporary
# --user-data-dir of its own (it refuses one in args).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(os.environ.get("NNVIZ_SKIP_BROWSER") == "1",
                                reason="NNVIZ_SKIP_BROWSER=1: the deck is not tested in a browser")

# What the browser shows now: the current slide and its background video.
CURRENT = """() => {
    const slide = Reveal.getIndices().h;
    const video = Reveal.getSlideBackground(slide).querySelector("video");
    return {slide, src: video?.currentSrc ?? null, readyState: video?.readyState ?? 0,
            time: video?.currentTime ?? 0, ended: video?.ended ?? false, width: video?.videoWidth ?? 0,
            frames: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
            error: video?.error?.message ?? null};
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def deck_url(deck):
    """The deck converted for offline use and served on 127.0.0.1 (file:// may block media)."""
    if not (REVEALJS / "dist" / "reveal.js").is_file():
        pytest.fail(f"reveal.js is missing from {REVEALJS}: run `make setup` (or `bash scripts/revealjs.sh`, "
                    "which needs npm)")
    (deck / "slides" / "reveal.js").symlink_to(REVEALJS)  # where -ccdn_url points, as in `make slides`
    result = subprocess.run([str(Path(sys.executable).parent / "manim-slides"), "convert", "LossCurveSlides",
                             "offline.html", "-ccdn_url=slides/reveal.js"], capture_output=True, text=True,
                            cwd=deck)
    assert result.returncode == 0, result.stderr[-2000:]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=deck))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/offline.html"
    server.shutdown()
    server.server_close()


@pytest.fixture
def responses():
    """(url, status or failure) of every request the page made."""
    return []


@pytest.fixture
def page(deck_url, responses):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: run `make setup` "
                    "(pip install -c requirements.lock -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.on("response", lambda r: responses.append((r.url, r.status)))
        page.on("requestfailed", lambda r: responses.append((r.url, r.failure)))
        page.goto(deck_url)
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        yield page
        browser.close()


def wait_until(page, done, seconds=10.0):
    """The page's CURRENT state once ``done(state)`` holds, or the last one seen after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        state = page.evaluate(CURRENT)
        if done(state) or time.monotonic() > deadline:
            return state
        page.wait_for_timeout(100)


def test_deck_plays_every_slide_in_chromium(deck, deck_url, page, responses):
    slides = json.loads((deck / "slides" / "LossCurveSlides.json").read_text())["slides"]
    assert page.evaluate("Reveal.getTotalSlides()") == len(slides) == 3

    seen = []
    for index, slide in enumerate(slides):
        if index:
            page.keyboard.press("ArrowRight")  # as a presenter does: a real key press
        clip = Path(slide["file"]).name
        # Loads and plays: a frame is there (readyState >= HAVE_CURRENT_DATA, the clip's width
        # known), H.264 frames were decoded, and the clock has run a quarter second (or to the
        # clip's end). reveal.js starts a slide's video from 0 only once the slide is shown, so
        # that is this visit's playback.
        state = wait_until(page, lambda s: s["slide"] == index and s["src"] is not None
                           and s["src"].endswith(clip) and s["readyState"] >= 2 and s["frames"] > 0
                           and (s["time"] > 0.25 or s["ended"]))
        assert state["slide"] == index, f"the key press did not move to slide {index}: {state}"
        assert state["src"] and state["src"].endswith(clip), f"slide {index} shows another video: {state}"
        assert state["error"] is None, f"slide {index}: Chromium cannot play {clip}: {state}"
        assert state["readyState"] >= 2 and state["width"] == 854, f"slide {index}: {clip} did not load: {state}"
        assert state["frames"] > 0 and (state["time"] > 0.25 or state["ended"]), (
            f"slide {index}: {clip} does not play: {state}")
        seen.append(state["src"])
    assert len(set(seen)) == len(slides)  # each slide its own video

    page.keyboard.press("ArrowRight")  # past the end: the deck stays on its last slide
    assert page.evaluate("Reveal.getIndices().h") == len(slides) - 1

    # Offline: everything came from the local server (reveal.js included), and nothing failed.
    base = deck_url.rsplit("/", 1)[0] + "/"
    assert [(url, status) for url, status in responses if not url.startswith(base) or status != 200] == []
    assert any(url.endswith("/slides/reveal.js/dist/reveal.js") for url, _ in responses)


def test_deck_html_has_the_speaker_notes_of_every_slide(deck, page):
    """manim-slides writes each slide's notes into <aside class="notes">, which reveal.js's notes
    plugin shows in the speaker view (key S)."""
    slides = json.loads((deck / "slides" / "LossCurveSlides.json").read_text())["slides"]
    assert (deck / "offline.html").read_text().count('<aside class="notes"') == len(slides)
    shown = page.evaluate("""() => Reveal.getSlides().map(s => ({
        aside: s.querySelector("aside.notes")?.textContent.trim() ?? "",
        reveal: Reveal.getSlideNotes(s) ?? ""}))""")
    assert len(shown) == len(slides)
    for index, (slide, notes) in enumerate(zip(slides, shown)):
        assert notes["aside"], f"slide {index} has no speaker notes"
        assert notes["aside"] == slide["notes"].strip()  # and they are this slide's
        assert notes["reveal"].strip(), f"reveal.js sees no notes on slide {index}"
