"""The run every scene shows, read from the [nnviz] section of the cfg file manim itself read.

manim parses its cfg files once (library defaults, user file, then ./manim.cfg or ``-c FILE``)
and keeps that ConfigParser on ``config._parser``; reading our section from it means
``manim -c other.cfg`` picks another run with no extra flag.
"""
from __future__ import annotations

import configparser
import os
import sys
from pathlib import Path

from manim import config

from nnviz_core import History, NnvizError
from nnviz_core.config import CFG_SECTION
from nnviz_core.runs import comparison_for_section, history_for_section, presentation

_cache: dict = {}


def media_dirs() -> set[str]:
    """Every directory under the media dir (and it) that exists now."""
    return {dirpath for dirpath, _, _ in os.walk(config.media_dir)}


# manim makes its media tree when a scene is made, before setup() reads the cfg's run: what was
# there before (this module is imported first) stays when a bad setting ends the render.
MEDIA_BEFORE = media_dirs()


def cfg_file() -> Path:
    """The cfg file manim read: ``-c FILE`` when given, else ./manim.cfg."""
    import click  # manim's CLI is click; outside it (tests, API) there is no context

    context = click.get_current_context(silent=True)
    given = context.params.get("config_file") if context else None
    return Path(given or "manim.cfg")


def from_section(make, parser: configparser.ConfigParser | None = None, path: Path | None = None,
                 cached_as: str | None = None):
    """``make(section, source, base_dir)`` for the ``[nnviz]`` section of the cfg manim read
    (cached under ``cached_as``: every scene of one file shows the same runs, trained once); on
    a bad setting, the core's one-line message and exit 2."""
    parser = parser if parser is not None else config._parser
    path = path if path is not None else cfg_file()
    section = dict(parser[CFG_SECTION]) if parser.has_section(CFG_SECTION) else {}
    key = (cached_as, str(path.resolve()), tuple(sorted(section.items())))
    if cached_as and key in _cache:
        return _cache[key]
    try:
        made = make(section, str(path), path.parent)
    except NnvizError as exc:
        said_and_exit(exc)
    if cached_as:
        _cache[key] = made
    return made


def said_and_exit(exc: NnvizError):
    print(f"nnviz: {exc}", file=sys.stderr)
    remove_new_empty_dirs()
    raise SystemExit(2) from None


def remove_new_empty_dirs() -> None:
    """Remove the directories under the media dir made since this module was imported that
    are empty (a refused render leaves nothing new); any other stays."""
    for dirpath, _, _ in os.walk(config.media_dir, topdown=False):  # children first
        if dirpath not in MEDIA_BEFORE:
            try:
                os.rmdir(dirpath)
            except OSError:  # not empty (or not ours to remove): it stays
                pass


def load_history(parser: configparser.ConfigParser | None = None, path: Path | None = None) -> History:
    """The History of the run."""
    return from_section(lambda section, source, base: history_for_section(section, source=source, base_dir=base),
                        parser, path, cached_as="run")


def load_theme_name(parser: configparser.ConfigParser | None = None, path: Path | None = None) -> str:
    """The cfg's ``theme`` (light or dark)."""
    return from_section(lambda section, source, _: presentation(section, source=source)["theme"], parser, path)


def load_comparison(parser: configparser.ConfigParser | None = None, path: Path | None = None):
    """The runs of the cfg's ``[nnviz] compare``."""
    return from_section(lambda section, source, base: comparison_for_section(section, source=source, base_dir=base),
                        parser, path, cached_as="compare")


def has_comparison(parser: configparser.ConfigParser | None = None, path: Path | None = None) -> bool:
    """Whether the cfg's [nnviz] section has a ``compare``."""
    return from_section(lambda section, source, _: bool(section.get("compare")), parser, path)
