"""Worker processes that never outlive the nnviz process that started them.

A worker whose parent was killed (SIGKILL, the OOM killer) would otherwise keep rendering into a
pipe nobody reads and print BrokenPipeError tracebacks. Every process nnviz starts calls
``die_with_parent``: ``ordered_map``'s workers do, and a subprocess can with
``preexec_fn=functools.partial(die_with_parent, os.getpid())``.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time

from ..errors import NnvizError

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Make this process end, silently, as soon as ``parent_pid`` (its parent) ends, by any signal.

    On Linux the kernel sends SIGKILL when the parent's thread that forked us exits (nnviz forks
    from its main thread); elsewhere a thread polls for the parent.
    """
    if not (sys.platform.startswith("linux") and _set_parent_death_signal(signal.SIGKILL)):
        threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    # The parent may have died before the line above ran; then this process already has a new parent.
    if os.getppid() != parent_pid:
        os._exit(1)


def start_worker(parent_pid: int) -> None:
    """Run first in every worker: die with the parent, and leave Ctrl-C to it (Ctrl-C reaches the
    whole process group; the parent stops the workers and cleans up, once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler, inherited by fork
    die_with_parent(parent_pid)


def ordered_map(func, items, jobs: int, ahead: int = 2):
    """``map(func, items)`` on ``jobs`` forked worker processes: results are yielded in order,
    and each worker has at most ``ahead`` items in hand, so finished results never pile up in
    memory while the consumer is busy.

    Item k goes to worker k % jobs over that worker's own pipe. Nothing is shared between the
    workers, so one that is killed mid-message cannot leave a lock held that the others or the
    parent wait on (multiprocessing.Pool can then hang on exit). When the consumer stops early or
    anything fails, the workers are killed outright.
    """
    items = list(items)
    context = multiprocessing.get_context("fork")  # workers inherit what the parent has built
    workers, finished = [], False
    try:
        for _ in range(jobs):
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(func, theirs, os.getpid()), daemon=True)
            process.start()
            theirs.close()
            workers.append((process, mine))
        sent = 0
        for k in range(len(items)):
            while sent < len(items) and sent < k + jobs * ahead:
                workers[sent % jobs][1].send(items[sent])
                sent += 1
            process, pipe = workers[k % jobs]
            try:
                ok, value = pipe.recv()
            except EOFError:
                process.join()
                raise NnvizError(f"a worker process died (exit status {process.exitcode}, e.g. killed "
                                 "when memory ran out); try fewer --jobs") from None
            if not ok:
                raise value
            yield value
        for _, pipe in workers:
            pipe.send(None)  # done: each worker returns
        finished = True
    finally:
        for process, pipe in workers:
            if not finished:
                process.kill()
            process.join()
            pipe.close()


def _serve(func, pipe, parent_pid: int) -> None:
    """A worker's life: take an item, send back (True, result) or (False, the exception)."""
    start_worker(parent_pid)
    try:
        while (item := pipe.recv()) is not None:
            try:
                reply = (True, func(item))
            except Exception as exc:
                reply = (False, exc)
            pipe.send(reply)
    except (EOFError, OSError):  # the parent is gone or stopped listening
        pass


def _set_parent_death_signal(signum: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_when_orphaned(parent_pid: int, every: float = 0.5) -> None:
    while os.getppid() == parent_pid:
        time.sleep(every)
    os._exit(1)
