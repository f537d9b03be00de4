"""`nnviz render`: one command for people who do not know manim's flags.

It trains (or loads) the run once, saves it beside a small cfg file whose ``[nnviz]`` section
points at it, and hands both to manim's own CLI (``python -m manim render -c ...``), so the
scenes render exactly what ``nnviz train`` would save. manim itself is never imported here, and
nothing is read from the source tree: the scenes come from the installed ``scenes`` package.
"""
from __future__ import annotations

import configparser
import functools
import io
import os
import subprocess
import sys
import tempfile
import time
from difflib import get_close_matches
from pathlib import Path

from scenes.registry import SCENES

from .config import CFG_SECTION
from .errors import NnvizError
from .workers import die_with_parent

QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
FORMATS = ("mp4", "webm", "gif", "png")
# manim's settings for nnviz's scenes, as in the repository's manim.cfg; a [CLI] section in the
# cfg file of the run (--config, or ./manim.cfg) overrides them key by key.
MANIM_DEFAULTS = {
    "media_dir": "media",
    "disable_caching": "True",
    "notify_outdated_version": "False",  # no PyPI look-up on every render
    "background_color": "#fbfaf6",
}


def scene_list() -> str:
    width = max(map(len, SCENES))
    return "\n".join(f"{e.name:<{width}}  {e.what}  (scenes/{e.file.name})" for e in SCENES.values())


def check_scene(scene: str) -> None:
    if scene not in SCENES:
        close = [s for s in SCENES if s.lower() == scene.lower()] or get_close_matches(scene, SCENES, n=1)
        hint = f"did you mean {close[0]}?" if close else "see nnviz render --list"
        raise NnvizError(f"unknown scene {scene!r}; {hint}")


def render_scene(scene: str, history, quality: str = "h", fmt: str = "mp4",
                 media_dir: str | Path = "media", cfg_path: str | Path | None = None) -> Path:
    """Render one scene of ``history`` with manim; returns the file manim wrote. manim's own
    settings come from the ``[CLI]`` section of ``cfg_path`` (default: ./manim.cfg, if present)
    over nnviz's defaults."""
    check_scene(scene)
    if quality not in QUALITIES:
        raise NnvizError(f"--quality {quality}: choose one of {', '.join(QUALITIES)}")
    if fmt not in FORMATS:
        raise NnvizError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    scene_file = SCENES[scene].file
    media_dir = Path(media_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="nnviz-render-") as tmp:
        run_file = history.save(Path(tmp) / "run.npz")
        cfg = Path(tmp) / "run.cfg"
        cfg.write_text(_cfg_text(run_file, cfg_path), encoding="utf-8")
        output = ["-s"] if fmt == "png" else ["--format", fmt]  # png: the closing frame
        command = [sys.executable, "-m", "manim", "render", f"-q{quality}", *output,
                   "-c", str(cfg), "--media_dir", str(media_dir), str(scene_file), scene]
        started = time.time()
        result = subprocess.run(command, preexec_fn=functools.partial(die_with_parent, os.getpid()))
    if result.returncode != 0:
        raise NnvizError(f"manim stopped with exit status {result.returncode} while rendering "
                         f"{scene}; its message is above")
    return _newest_output(media_dir, scene, fmt, started)


def _cfg_text(run_file: Path, cfg_path: str | Path | None = None) -> str:
    """A cfg file for manim: nnviz's defaults under the ``[CLI]`` section of ``cfg_path`` (or
    ./manim.cfg), with ``[nnviz]`` pointing at ``run_file`` (manim reads a ``-c`` file instead
    of ./manim.cfg, so the user's settings are carried over)."""
    parser = configparser.ConfigParser()
    parser["CLI"] = MANIM_DEFAULTS
    source = Path(cfg_path) if cfg_path else Path("manim.cfg")
    if source.is_file():
        parser.read(source, encoding="utf-8")
    parser.remove_section(CFG_SECTION)
    parser[CFG_SECTION] = {"run": str(run_file)}
    text = io.StringIO()
    parser.write(text)
    return text.getvalue()


def _newest_output(media_dir: Path, scene: str, fmt: str, since: float) -> Path:
    suffix = ".png" if fmt == "png" else f".{fmt}"
    written = [p for p in media_dir.rglob(f"{scene}*{suffix}")
               if p.stat().st_mtime >= since - 1 and "partial_movie_files" not in p.parts]
    if not written:
        raise NnvizError(f"manim finished but wrote no {suffix} for {scene} under {media_dir}")
    return max(written, key=os.path.getmtime)
