"""`nnviz render --jobs N`: a scene rendered in N manim processes and joined without re-encoding
is the video one process writes, and a failing or killed render leaves nothing behind."""
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")  # comes with manim

from nnviz_core.frontends.joining import frame_count, join_subtitles
from nnviz_core.frontends.render import expected_costs, split_plays

BIN = Path(sys.executable).parent
TINY_RUN = "[nnviz]\nepochs = 6\nsnapshot_every = 2\nsamples = 16\nlayers = 1,3,1\n"
VIDEO = Path("videos/clips/480p15")


def render(folder, *args, **popen):
    command = [str(BIN / "nnviz"), "render", "LossCurve", "--quality", "l", "--save-sections", *args]
    return subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(folder)}, **popen)


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """LossCurve of a tiny run at -ql, with its sections: in one process and in two."""
    folder = tmp_path_factory.mktemp("jobs")
    (folder / "manim.cfg").write_text(TINY_RUN)
    out = {}
    for jobs in ("1", "2"):
        out[jobs] = render(folder, "--jobs", jobs, "--media-dir", f"media{jobs}").communicate()
    return folder, out


def decoded(path) -> list:
    with av.open(str(path)) as video:
        return [frame.to_ndarray(format="rgb24") for frame in video.decode(video=0)]


def test_two_processes_write_the_video_one_process_writes(renders):
    folder, out = renders
    serial, parallel = folder / "media1" / VIDEO / "LossCurve.mp4", folder / "media2" / VIDEO / "LossCurve.mp4"
    assert "in 2 processes" in out["2"][0], out["2"][1][-2000:]
    assert out["1"][0].splitlines()[-1] == f"wrote {serial}" and out["2"][0].splitlines()[-1] == f"wrote {parallel}"
    one, two = decoded(serial), decoded(parallel)
    assert len(one) == len(two) == frame_count(parallel) > 100
    for k in np.linspace(0, len(one) - 1, 10).astype(int):
        assert np.abs(one[k].astype(int) - two[k]).mean() < 2, f"frame {k}"
    assert not list((folder / "media2").rglob("partial_movie_files")), "parts are joined from a scratch folder"
    assert not list(folder.glob("nnviz-render-*")), "the scratch folder is removed"


def test_a_chapter_cut_between_processes_is_one_whole_section(renders):
    folder, out = renders
    # LossCurve's plays: 0-2 the first chapter, 3-5 the drive through training and 6 its hold (the
    # words' time), 7 the final state.
    split = next(line for line in out["2"][0].splitlines() if "in 2 processes" in line)  # "..., plays 0-4, 5-7"
    cut = int(split.split(", ")[-1].split("-")[0])
    assert cut in (4, 5, 6), "the cut falls inside the training chapter"
    one, two = (json.loads((folder / m / VIDEO / "sections/LossCurve.json").read_text()) for m in ("media1", "media2"))
    assert [s["video"] for s in two] == [s["video"] for s in one] == [
        "LossCurve_0000_loss-at-the-start.mp4", "LossCurve_0001_training.mp4", "LossCurve_0002_final-state.mp4"]
    assert two == one  # frame counts, durations, sizes
    for section in two:
        path = folder / "media2" / VIDEO / "sections" / section["video"]
        assert frame_count(path) == int(section["nb_frames"])


def test_subtitles_match_the_ones_of_one_process(renders):
    """The chapters' subtitles, joined from the parts: the same cues, each within a frame of where
    one process puts it (a part counts the plays it skips by their run times, not by frames)."""
    import srt

    folder, _ = renders
    serial = list(srt.parse((folder / "media1" / VIDEO / "LossCurve.srt").read_text()))
    parallel = list(srt.parse((folder / "media2" / VIDEO / "LossCurve.srt").read_text()))
    assert serial and [c.content for c in parallel] == [c.content for c in serial]
    for a, b in zip(serial, parallel):
        assert abs((a.start - b.start).total_seconds()) <= 1 / 15 + 1e-3
        assert abs((a.end - b.end).total_seconds()) <= 1 / 15 + 1e-3
    assert all(x.end <= y.start for x, y in zip(parallel, parallel[1:]))  # never overlapping


def test_subtitles_of_parts_keep_their_own_cues_on_the_joined_clock():
    part = "1\n00:00:{:06.3f} --> 00:00:{:06.3f}\n{}\n\n".format
    first = part(0, 1, "title").replace(".", ",") + part(4, 5, "made after the cut").replace(".", ",")
    # The second process skipped 4 s of plays (its clock says 4.0) that drew 4.2 s of frames.
    second = part(0, 1, "title").replace(".", ",") + part(4, 5, "second part").replace(".", ",")
    joined = join_subtitles([(first, -np.inf, 4.0, 0.0), (second, 4.0, np.inf, 0.2)])
    assert joined == ("1\n00:00:00,000 --> 00:00:01,000\ntitle\n\n"
                      "2\n00:00:04,200 --> 00:00:05,200\nsecond part\n\n")


def test_plays_are_cut_by_expected_time_not_by_count():
    assert split_plays([1] * 10, [0] * 10, 2) == [range(0, 5), range(5, 10)]
    assert split_plays([9, 1, 1, 1, 1, 1, 1, 1, 1], [0] * 9, 2) == [range(0, 1), range(1, 9)]
    # A later part first spends time getting to its plays, so it gets fewer of them.
    first, second = split_plays([1] * 10, [0.5 * k for k in range(10)], 2)
    assert len(first) > len(second) and first.stop == second.start
    assert split_plays([1, 1], [0, 0], 4) == [range(0, 1), range(1, 2)]


def longest(costs, reach, ranges) -> float:
    return max(reach[r.start] + sum(costs[r.start:r.stop]) for r in ranges)


def every_cut(n: int, parts: int):
    """Every way to cut plays 0..n-1 into at most ``parts`` contiguous ranges."""
    for count in range(1, min(parts, n) + 1):
        for cuts in itertools.combinations(range(1, n), count - 1):
            bounds = (0, *cuts, n)
            yield [range(a, b) for a, b in zip(bounds, bounds[1:])]


def test_the_cut_is_the_best_possible_for_random_costs_and_reaches():
    """Against every possible cut: at most ``jobs`` contiguous ranges covering every play once,
    whose longest is the least any cut achieves (a factor of 1), for 300 seeded random plans,
    reach growing by steps from nothing to more than a play's cost (a slow or busy machine)."""
    rng = np.random.default_rng(17)
    for _ in range(300):
        n, jobs = int(rng.integers(1, 10)), int(rng.integers(1, 5))
        costs = rng.exponential(1.0, n) * rng.choice([1, 1, 20], n)  # some long plays
        reach = np.cumsum(rng.exponential(rng.choice([0.0, 0.3, 3.0]), n)) - 0.0
        reach -= reach[0]
        ranges = split_plays(costs, reach, jobs)
        assert 1 <= len(ranges) <= jobs
        assert [k for r in ranges for k in r] == list(range(n))
        best = min(longest(costs, reach, cut) for cut in every_cut(n, jobs))
        assert longest(costs, reach, ranges) <= best * (1 + 1e-9)


def test_no_part_is_left_nearly_empty_on_a_lecture_sized_plan():
    """TrainingLecture's shape (150 plays, costs of 1-180 frames, reach up to a fifth of the
    work): two processes share it within 10 % of each other, whatever the reach."""
    rng = np.random.default_rng(3)
    costs = rng.integers(1, 180, 150).astype(float)
    for share in (0.0, 0.1, 0.2, 0.5):
        reach = np.linspace(0, share * costs.sum(), 150)
        first, second = (reach[r.start] + costs[r.start:r.stop].sum() for r in split_plays(costs, reach, 2))
        assert abs(first - second) <= 0.1 * max(first, second), share


def test_the_cut_does_not_change_with_the_speed_of_the_machine():
    """The plan's seconds of code and its seconds per frame come from the same pass, so a
    machine 2.5 times slower (both slower) cuts the plays at the same places."""
    plays = [{"frames": f, "still": k % 7 == 0, "reached": 0.05 * k} for k, f in enumerate(range(10, 160, 5))]
    quick = {"plays": plays, "frame_seconds": 0.012}
    slow = {"plays": [{**p, "reached": 2.5 * p["reached"]} for p in plays], "frame_seconds": 0.03}
    assert split_plays(*expected_costs(quick), 2) == split_plays(*expected_costs(slow), 2)
    assert split_plays(*expected_costs(quick), 3) == split_plays(*expected_costs(slow), 3)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it has just ended
        return b""


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def workers_of(process, count: int = 2, timeout: float = 60) -> list[int]:
    """The manim processes rendering parts, once ``count`` of them are running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [pid for pid in children(process.pid) if b"-n\x00" in cmdline(pid)]
        if len(found) == count:
            return found
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("the workers did not start")


def gone(pids, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


needs_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; prctl")


@needs_linux
def test_a_killed_worker_stops_the_render_with_one_line_and_no_file(tmp_path):
    (tmp_path / "manim.cfg").write_text(TINY_RUN)
    process = render(tmp_path, "--jobs", "2", "--media-dir", "media")
    workers = workers_of(process)
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert stderr.count("\n") == 1 and "killed by signal 9" in stderr, stderr
    log = Path(re.search(r"manim's output: (\S+\.log)\)", stderr).group(1))  # kept for the user
    assert log.is_file() and "LossCurve" in log.name
    log.unlink()
    assert gone(workers) and not children(process.pid)
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".mp4", ".json", ".srt", ".tmp")]
    assert not list(tmp_path.glob("nnviz-render-*"))


@needs_linux
def test_workers_die_with_nnviz(tmp_path):
    (tmp_path / "manim.cfg").write_text(TINY_RUN)
    process = render(tmp_path, "--jobs", "2", "--media-dir", "media")
    workers = workers_of(process)
    process.kill()  # SIGKILL: nnviz gets no chance to stop them itself
    process.communicate()
    assert gone(workers)
    assert not list((tmp_path / "media").rglob("LossCurve.mp4"))


def test_webm_is_joined_the_same_way(renders):
    folder, _ = renders
    process = render(folder, "--jobs", "2", "--format", "webm", "--media-dir", "webm")
    out, err = process.communicate()
    assert process.returncode == 0, err[-2000:]
    webm, mp4 = folder / "webm" / VIDEO / "LossCurve.webm", folder / "media1" / VIDEO / "LossCurve.mp4"
    assert out.splitlines()[-1] == f"wrote {webm}"
    one, two = decoded(mp4), decoded(webm)
    assert len(one) == len(two)
    assert np.abs(one[len(one) // 2].astype(int) - two[len(two) // 2]).mean() < 2
    index = json.loads((folder / "webm" / VIDEO / "sections/LossCurve.json").read_text())
    assert sum(int(s["nb_frames"]) for s in index) == len(two)
