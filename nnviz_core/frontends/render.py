"""`nnviz render`: one command for people who do not know manim's flags.

It trains (or loads) the run once, saves it beside a small cfg file whose ``[nnviz]`` section
points at it, and hands both to manim's own CLI (``python -m manim render -c ...``), so the
scenes render exactly what ``nnviz train`` would save. manim itself is never imported here, and
nothing is read from the source tree: the scenes come from the installed ``scenes`` package.

With ``jobs`` > 1 (mp4 and webm), the scene is rendered in parts, one manim process each:
``scenes.plan`` first lists the scene's plays without drawing them; the plays are cut into
contiguous ranges of about equal expected wall time; each process renders its range
(``manim -n start,end``), and the parts' partial movie files are joined by copying packets,
as manim itself would join them, into the file a single process writes, with the sections
(``save_sections``) and subtitles that one process would write.
"""
from __future__ import annotations

import configparser
import errno
import functools
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from difflib import get_close_matches
from pathlib import Path

import numpy as np

from scenes.registry import SCENES

from ..config import CFG_SECTION
from ..errors import NnvizError
from ..files import atomic_output, write_failure
from .workers import die_with_parent

QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
FORMATS = ("mp4", "webm", "gif", "png")
JOINABLE = ("mp4", "webm")  # gif and png render in one process
# manim's settings for nnviz's scenes, as in the repository's manim.cfg; a [CLI] section in the
# cfg file of the run (--config, or ./manim.cfg) overrides them key by key.
MANIM_DEFAULTS = {
    "media_dir": "media",
    "disable_caching": "True",
    "notify_outdated_version": "False",  # no PyPI look-up on every render
    "background_color": "#fbfaf6",
}

# The cost model that cuts a scene into parts, in units of one frame drawn at the video's own
# resolution, timed by the plan pass on this machine (so a slower or busier one cuts the same):
ENCODED_FRAME = 1.6  # a rendered frame: its drawing, plus the animation's code and the encoding
STILL_FRAME = 0.4  # a frame of a still wait is only encoded
SKIPPED_PLAY = 1.0  # manim draws one frame for each play it skips on the way to its range


def scene_list() -> str:
    width = max(map(len, SCENES))
    return "\n".join(f"{e.name:<{width}}  {e.what}  (scenes/{e.file.name})" for e in SCENES.values())


def check_scene(scene: str) -> None:
    if scene not in SCENES:
        close = [s for s in SCENES if s.lower() == scene.lower()] or get_close_matches(scene, SCENES, n=1)
        hint = f"did you mean {close[0]}?" if close else "see nnviz render --list"
        raise NnvizError(f"unknown scene {scene!r}; {hint}")


def render_scene(scene: str, history, quality: str = "h", fmt: str = "mp4",
                 media_dir: str | Path = "media", jobs: int = 1, save_sections: bool = False,
                 presentation: dict | None = None, cfg_path: str | Path | None = None) -> Path:
    """Render one scene of ``history`` (a History, or a Comparison for CompareRuns) with manim;
    returns the file manim wrote.

    ``jobs`` > 1 renders mp4 and webm in that many processes (gif and png use one);
    ``save_sections`` also writes one file per chapter (manim's ``--save_sections``);
    ``presentation`` carries the [nnviz] settings of how it is shown (the theme). manim's own
    settings come from the ``[CLI]`` section of ``cfg_path`` (default: ./manim.cfg, if present)
    over nnviz's defaults."""
    check_scene(scene)
    if quality not in QUALITIES:
        raise NnvizError(f"--quality {quality}: choose one of {', '.join(QUALITIES)}")
    if fmt not in FORMATS:
        raise NnvizError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    media_dir = Path(media_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="nnviz-render-") as tmp:
        tmp = Path(tmp)
        section = {**saved_runs(history, tmp), **(presentation or {})}
        cfg = tmp / "run.cfg"
        cfg.write_text(_cfg_text(section, cfg_path), encoding="utf-8")
        if jobs > 1 and fmt in JOINABLE:
            return _render_in_parts(scene, section, cfg_path, quality, fmt, media_dir, jobs, save_sections, tmp)
        return _render_in_one(scene, cfg, quality, fmt, media_dir, save_sections)


# What manim's last line says when it could not write into the media folder.
WRITE_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _render_in_one(scene: str, cfg: Path, quality: str, fmt: str, media_dir: Path, save_sections: bool) -> Path:
    """Render in one manim process whose output goes to a log file (kept when it fails), so a
    failure is one line that says why and names the log, not manim's whole traceback."""
    output = ["-s"] if fmt == "png" else ["--format", fmt]  # png: the closing frame
    sections = ["--save_sections"] if save_sections else []
    command = [sys.executable, "-m", "manim", "render", f"-q{quality}", *output, *sections,
               "-c", str(cfg), "--media_dir", str(media_dir), str(SCENES[scene].file), scene]
    # The log goes to the system's temporary folder: media_dir's disk may be the one that is full.
    fd, name = tempfile.mkstemp(prefix=f"nnviz-render-{scene}-", suffix=".log")
    log = Path(name)
    print(f"nnviz render: rendering {scene} with manim (its output goes to {log}, kept if it fails)", flush=True)
    started = time.time()
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as output_file:
            result = subprocess.run(command, stdout=output_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, "COLUMNS": "10000"},  # manim's error, unwrapped, on one line
                                    preexec_fn=functools.partial(die_with_parent, os.getpid()))
    except BaseException:  # Ctrl-C: nothing failed, so nothing to keep
        log.unlink(missing_ok=True)
        raise
    if result.returncode != 0:
        raise _manim_failed(f"rendering {scene}", result.returncode, log, media_dir)
    log.unlink()
    return _newest_output(media_dir, scene, fmt, started)


def _manim_failed(doing: str, status: int, log: Path, media_dir: Path) -> NnvizError:
    """One line for a manim process that failed while ``doing`` ("rendering LossCurve"): the cause
    (a full or read-only disk names the folder), from the last line of its ``log``, which the line
    names."""
    said = _last_line(log)
    errno_said = re.search(r"\[Errno (\d+)\] ([^:']+)", said)
    if errno_said and int(errno_said.group(1)) in WRITE_FAILURES:  # name the folder and the cause
        cause = write_failure(OSError(int(errno_said.group(1)), errno_said.group(2).strip()), media_dir)
        what = doing.removeprefix("rendering ")
        return NnvizError(f"cannot render {what} into {media_dir}: {cause}; choose another "
                          f"--media-dir (manim's output: {log})")
    how = f"was killed by signal {-status}" if status < 0 else f"stopped with exit status {status}"
    return NnvizError(f"manim {how} while {doing}{f': {said}' if said else ''} (manim's output: {log})")


def saved_runs(shown, folder: Path) -> dict:
    """What the scene shows, saved into ``folder``, as the [nnviz] keys that point at it: a run
    (``run``), or a comparison's runs (``compare`` and ``compare_runs``), so that manim's
    processes load them and never train again."""
    from ..compare import Comparison

    if not isinstance(shown, Comparison):
        return {"run": str(shown.save(folder / "run.npz"))}
    paths = [str(h.save(folder / f"run{k}.npz")) for k, h in enumerate(shown.histories)]
    separator = " | " if shown.field == "layers" else ", "
    return {"compare": f"{shown.field}: {separator.join(shown.values)}", "compare_runs": " | ".join(paths)}


def _cfg_text(section: dict, cfg_path: str | Path | None = None, **cli) -> str:
    """A cfg file for manim: nnviz's defaults under the ``[CLI]`` section of ``cfg_path`` (or
    ./manim.cfg), then ``cli``, with ``section`` as its ``[nnviz]`` (the saved run, the theme;
    manim reads a ``-c`` file instead of ./manim.cfg, so the user's settings are carried over)."""
    parser = configparser.ConfigParser()
    parser["CLI"] = MANIM_DEFAULTS
    source = Path(cfg_path) if cfg_path else Path("manim.cfg")
    if source.is_file():
        parser.read(source, encoding="utf-8")
    for key, value in cli.items():
        parser["CLI"][key] = str(value)
    parser.remove_section(CFG_SECTION)
    parser[CFG_SECTION] = section
    text = io.StringIO()
    parser.write(text)
    return text.getvalue()


def _newest_output(media_dir: Path, scene: str, fmt: str, since: float) -> Path:
    suffix = ".png" if fmt == "png" else f".{fmt}"
    pieces = {"partial_movie_files", "sections"}
    written = [p for p in media_dir.rglob(f"{scene}*{suffix}")
               if p.stat().st_mtime >= since - 1 and not pieces & set(p.relative_to(media_dir).parts)]
    if not written:
        raise NnvizError(f"manim finished but wrote no {suffix} for {scene} under {media_dir}")
    return max(written, key=os.path.getmtime)


# -- in parts, one manim process each -----------------------------------------------------------
def split_plays(costs, reach, parts: int) -> list[range]:
    """Cut plays 0..n-1 into at most ``parts`` contiguous ranges whose longest expected time is
    the shortest possible: a range costs its plays' ``costs`` plus ``reach[start]``, the time its
    process spends getting to its first play (running, not drawing, the ones before).

    Exact, by dynamic programming over (ranges used, plays covered): O(parts · n²), a few
    milliseconds for the few hundred plays of a lecture."""
    n = len(costs)
    total = np.concatenate([[0.0], np.cumsum(costs, dtype=float)])
    reach = np.asarray(reach, dtype=float)
    parts = max(1, min(int(parts), n))
    # span[s, e]: the cost of plays s..e-1 as one range (inf where e <= s)
    starts, ends = np.arange(n)[:, None], np.arange(n + 1)[None, :]
    span = np.where(ends > starts, reach[:, None] + total[None, :] - total[:n, None], np.inf)
    best = span[0].copy()  # best[e]: the least longest range over covers of plays 0..e-1
    starts_at = []  # per extra range: where the last range starts, or -1 where it does not help
    for _ in range(1, parts):
        options = np.maximum(best[:n, None], span)  # [s, e]: plays 0..s-1 as before, then s..e-1
        start = np.argmin(options, axis=0)
        longest = options[start, np.arange(n + 1)]
        improved = longest < best  # on a tie, fewer processes
        best = np.where(improved, longest, best)
        starts_at.append(np.where(improved, start, -1))
    ranges, stop = [], n
    for level in reversed(starts_at):
        if level[stop] >= 0:
            ranges.append(range(int(level[stop]), stop))
            stop = int(level[stop])
    ranges.append(range(0, stop))
    return ranges[::-1]


def expected_costs(plan: dict) -> tuple[list[float], list[float]]:
    """Each play's cost, and each process's cost of reaching a play, in frames drawn at the
    video's resolution: the plan's seconds of code are divided by its own seconds per frame."""
    frame = max(plan["frame_seconds"], 1e-6)
    costs = [p["frames"] * ENCODED_FRAME * (STILL_FRAME if p["still"] else 1) for p in plan["plays"]]
    reach = [p["reached"] / frame + k * SKIPPED_PLAY for k, p in enumerate(plan["plays"])]
    return costs, reach


def _render_in_parts(scene: str, section: dict, cfg_path, quality: str, fmt: str, media_dir: Path, jobs: int,
                     save_sections: bool, tmp: Path) -> Path:
    where = Path("videos", SCENES[scene].module, QUALITIES[quality])  # manim's layout, in any media dir
    video_dir = media_dir / where
    try:  # before rendering: a folder that cannot be written fails now, not minutes later
        video_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NnvizError(f"cannot write {video_dir}: {exc.strerror or exc}; choose a writable --media-dir") from None
    cfg = tmp / "parts.cfg"  # every play keeps its own partial movie file, named by its number
    cfg.write_text(_cfg_text(section, cfg_path, disable_caching=True, max_files_cached=10**9), encoding="utf-8")
    plan = _plan(scene, cfg, quality, tmp, media_dir)
    ranges = split_plays(*expected_costs(plan), jobs)
    if len(ranges) == 1:
        return _render_in_one(scene, tmp / "run.cfg", quality, fmt, media_dir, save_sections)
    print(f"nnviz render: {scene} in {len(ranges)} processes, plays "
          + ", ".join(f"{r.start}-{r.stop - 1}" for r in ranges), flush=True)
    parts = [tmp / f"part{i}" for i in range(len(ranges))]
    commands = [[sys.executable, "-m", "manim", "render", f"-q{quality}", "--format", fmt, "-c", str(cfg),
                 "--media_dir", str(part), "-n", f"{r.start},{r.stop - 1}", "--progress_bar", "none",
                 str(SCENES[scene].file), scene] for part, r in zip(parts, ranges)]
    _run_all(commands, [part.with_suffix(".log") for part in parts],
             [f"rendering plays {r.start}-{r.stop - 1} of {scene}" for r in ranges], media_dir)
    return _join_parts(scene, plan, ranges, parts, where, video_dir, fmt, save_sections)


def _plan(scene: str, cfg: Path, quality: str, tmp: Path, media_dir: Path) -> dict:
    out, log = tmp / "plan.json", tmp / "plan.log"
    command = [sys.executable, "-m", "scenes.plan", "--config", str(cfg), "--quality", quality,
               "--media-dir", str(tmp / "plan"), "--out", str(out), scene]
    _run_all([command], [log], [f"listing the plays of {scene}"], media_dir)
    return json.loads(out.read_text(encoding="utf-8"))


def _run_all(commands, logs, names, media_dir: Path) -> None:
    """Run the commands at once, each writing to its log; when one fails, stop the others and
    raise one line that names it, with the last line of its log, which is kept."""
    processes = []
    wide = {**os.environ, "COLUMNS": "10000"}  # manim's error, unwrapped, is its log's last line
    try:
        for command, log in zip(commands, logs):
            with open(log, "w", encoding="utf-8") as output:
                processes.append(subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                                  stdin=subprocess.DEVNULL, env=wide, process_group=0,
                                                  preexec_fn=functools.partial(die_with_parent, os.getpid())))
        started = time.monotonic()
        running = list(range(len(processes)))
        while running:
            time.sleep(0.1)
            for k in list(running):
                status = processes[k].poll()
                if status == 0:
                    running.remove(k)
                    print(f"nnviz render: done {names[k]} ({time.monotonic() - started:.0f} s)", flush=True)
                elif status is not None:  # its log outlives the scratch folder, for the user to read
                    slug = re.sub(r"\W+", "-", names[k])  # "rendering-plays-0-3-of-LossCurve"
                    fd, kept = tempfile.mkstemp(prefix=f"nnviz-{slug}-", suffix=".log")
                    with os.fdopen(fd, "wb") as copy:
                        copy.write(logs[k].read_bytes())
                    raise _manim_failed(names[k], status, Path(kept), media_dir)
    finally:
        for process in processes:  # none is left behind, whatever happened
            if process.poll() is None:
                process.kill()
            process.wait()


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


def _join_parts(scene: str, plan: dict, ranges, parts, where: Path, video_dir: Path, fmt: str,
                save_sections: bool) -> Path:
    """Write the movie, and with ``save_sections`` each section's file and their index, from the
    parts' partial movie files (one per play, as the one-process render would have them)."""
    from .joining import join_videos, video_metadata

    sections = plan["sections"]
    movies = {}  # play -> its partial movie file; plays in skipped sections have none
    for part, r in zip(parts, ranges):
        folder = part / where / "partial_movie_files" / scene
        for k in r:
            if not sections[plan["plays"][k]["section"]]["skip"]:
                movies[k] = folder / f"uncached_{k:05}.{fmt}"
    missing = [k for k, path in movies.items() if not path.is_file()]
    if missing:
        raise NnvizError(f"the manim processes wrote no video for plays {missing[:5]} of {scene}; "
                         "render it with --jobs 1")
    if save_sections:
        (video_dir / "sections").mkdir(exist_ok=True)
        index = []
        for number, section in enumerate(sections):
            files = [movies[k] for k, p in enumerate(plan["plays"]) if p["section"] == number and k in movies]
            if not files:
                continue
            name = f"{scene}_{number:04}_{section['name']}.{fmt}"
            with atomic_output(video_dir / "sections" / name) as out:
                join_videos(files, out, fmt)
            index.append({"name": section["name"], "type": section["type"], "video": name,
                          **video_metadata(video_dir / "sections" / name)})
        with atomic_output(video_dir / "sections" / f"{scene}.json") as out:
            out.write_text(json.dumps(index, indent=4), encoding="utf-8")
    subtitles = [part / where / f"{scene}.srt" for part in parts]
    if any(path.is_file() for path in subtitles):
        with atomic_output(video_dir / f"{scene}.srt") as out:
            out.write_text(_joined_subtitles(plan, ranges, movies, subtitles), encoding="utf-8")
    movie = video_dir / f"{scene}.{fmt}"
    with atomic_output(movie) as out:
        join_videos([movies[k] for k in sorted(movies)], out, fmt)
    return movie


def _joined_subtitles(plan: dict, ranges, movies: dict, subtitles) -> str:
    """The parts' ``.srt`` files as one, on the joined video's clock.

    A part's process skips the plays before its range at their nominal run time, then advances
    its clock by the frames it draws; the joined video runs on frames throughout."""
    from .joining import frame_count, join_subtitles

    fps, plays = plan["fps"], plan["plays"]
    half_frame = 0.5 / fps
    pieces, video_start = [], 0.0
    for j, (r, path) in enumerate(zip(ranges, subtitles)):
        start = sum(p["run_time"] for p in plays[:r.start])  # the part's clock at its first play
        length = sum(frame_count(movies[k]) for k in r if k in movies) / fps
        low = start - half_frame if j > 0 else -np.inf
        high = start + length - half_frame if j < len(ranges) - 1 else np.inf
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        pieces.append((text, low, high, video_start - start))
        video_start += length
    return join_subtitles(pieces)
