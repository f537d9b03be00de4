"""`nnviz render`: one command for people who do not know manim's flags.

It trains (or loads) the run once, saves it beside a small cfg file whose ``[nnviz]`` section
points at it, and hands both to manim's own CLI (``python -m manim render -c ...``), so the
scenes render exactly what ``nnviz train`` would save. manim itself is never imported here.
"""
from __future__ import annotations

import configparser
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenes.registry import SCENES

from .config import CFG_SECTION
from .errors import NnvizError

QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
FORMATS = ("mp4", "webm", "gif", "png")
REPO = Path(__file__).resolve().parent.parent


def scene_list() -> str:
    width = max(map(len, SCENES))
    return "\n".join(f"{e.name:<{width}}  {e.what}  (scenes/{e.file.name})" for e in SCENES.values())


def check_scene(scene: str) -> None:
    if scene not in SCENES:
        close = [s for s in SCENES if s.lower() == scene.lower()]
        hint = f"did you mean {close[0]}?" if close else "see nnviz render --list"
        raise NnvizError(f"unknown scene {scene!r}; {hint}")


def render_scene(scene: str, history, quality: str = "h", fmt: str = "mp4",
                 media_dir: str | Path = "media", presentation: dict | None = None) -> Path:
    """Render one scene of ``history`` with manim; returns the file manim wrote."""
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
        cfg.write_text(_cfg_text(run_file, presentation or {}), encoding="utf-8")
        output = ["-s"] if fmt == "png" else ["--format", fmt]  # png: the closing frame
        command = [sys.executable, "-m", "manim", "render", f"-q{quality}", *output,
                   "-c", str(cfg), "--media_dir", str(media_dir), str(scene_file), scene]
        started = time.time()
        result = subprocess.run(command, cwd=REPO)
    if result.returncode != 0:
        raise NnvizError(f"manim stopped with exit status {result.returncode} while rendering "
                         f"{scene}; its message is above")
    return _newest_output(media_dir, scene, fmt, started)


def _cfg_text(run_file: Path, presentation: dict) -> str:
    """The repo's manim.cfg with ``[nnviz]`` pointing at ``run_file`` and carrying the
    presentation settings (manim reads a ``-c`` file instead of ./manim.cfg, so its other
    settings are carried over)."""
    parser = configparser.ConfigParser()
    parser.read(REPO / "manim.cfg", encoding="utf-8")
    parser.remove_section(CFG_SECTION)
    parser[CFG_SECTION] = {"run": str(run_file), **presentation}
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
