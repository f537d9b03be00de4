"""Worker processes: results in order, errors raised in the parent, and no worker outlives it."""
import os
import signal
import subprocess
import sys
import time

import pytest

from nnviz_core.errors import NnvizError
from nnviz_core.frontends.workers import ordered_map


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended while we looked
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def square_slowly(x):
    time.sleep(0.01 * (x % 3))  # uneven work, so results finish out of order
    return x * x


def fail_on_five(x):
    if x == 5:
        raise ValueError("five")
    return x


def test_results_come_in_order_from_every_worker():
    assert list(ordered_map(square_slowly, range(20), jobs=3)) == [x * x for x in range(20)]


def test_a_workers_error_is_raised_in_the_parent_and_no_worker_is_left():
    with pytest.raises(ValueError, match="five"):
        list(ordered_map(fail_on_five, range(10), jobs=2))
    assert [p for p in children(os.getpid()) if alive(p)] == []


def test_a_consumer_that_stops_early_leaves_no_worker():
    results = ordered_map(square_slowly, range(100), jobs=2)
    assert next(results) == 0
    results.close()
    assert [p for p in children(os.getpid()) if alive(p)] == []


def test_a_worker_that_dies_is_one_line(monkeypatch):
    with pytest.raises(NnvizError, match="worker process died") as err:
        list(ordered_map(os._exit, [3, 3], jobs=2))
    assert "\n" not in str(err.value)


SLEEPER = """
import multiprocessing, os, sys, time
from nnviz_core.frontends.workers import die_with_parent

def sleep(parent):
    die_with_parent(parent)
    time.sleep(60)  # far longer than the test waits: only the parent's death can end it

child = multiprocessing.get_context("fork").Process(target=sleep, args=(os.getpid(),))
child.start()
print(child.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_dies_with_its_parent_even_when_it_is_busy():
    parent = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    child = int(parent.stdout.readline())
    try:
        assert alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 3
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
        parent.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_gif_workers_die_quietly_when_the_parent_is_killed(tmp_path):
    (tmp_path / "empty.cfg").write_text("")
    output = tmp_path / "terminal.txt"
    command = [sys.executable, "-m", "nnviz_core.frontends.cli", "gif", "--config", "empty.cfg", "--epochs", "400",
               "--snapshot-every", "1", "--dpi", "20", "--jobs", "2", "--out", "x.gif"]
    with open(output, "w") as terminal:  # stdout and stderr of the parent and of every worker
        parent = subprocess.Popen(command, stdout=terminal, stderr=terminal, cwd=tmp_path,
                                  start_new_session=True)
    workers = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.05)
            workers = children(parent.pid)
        assert len(workers) == 2, "the workers never started"
        time.sleep(0.5)  # let them get busy rendering
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        time.sleep(3)
        assert [p for p in workers if alive(p)] == []
        assert output.read_text() == ""
    finally:
        for pid in workers:  # only if the test failed: our own processes, by their ids
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
