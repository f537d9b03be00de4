"""Output paths: checked before any work starts, and written so that a crash or Ctrl-C never
leaves a half-written file (or a folder nnviz made for it) behind."""
from __future__ import annotations

import errno
import os
import shlex
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import NnvizError


def check_output_path(path, flag: str, *, folder: bool = False, make_parents: bool = False,
                      example: str = "out") -> Path:
    """Refuse now, in one line that names ``flag`` and ``path``, an output nnviz could not write
    later, so that no training or rendering is wasted on it. Nothing is created here.

    ``folder``: ``path`` is a folder nnviz writes into; it may be missing (it is created then),
    but the folder it sits in must exist. ``make_parents``: missing folders above the output may
    be created; only nnviz's own default paths allow it. Otherwise a missing folder is refused
    with the advice to create it, so a typo never grows a tree of folders. ``example`` is a
    file name to suggest when ``path`` is a folder.
    """
    raw, path = str(path), Path(path)
    said = f"{flag} {raw}"
    if folder:
        if path.exists() and not path.is_dir():
            raise NnvizError(f"{said}: cannot write, it is a file, not a folder; choose a folder for {flag}")
        parent = path if path.is_dir() else path.parent
    else:
        if path.is_dir() or raw.endswith(("/", os.sep)):
            raise NnvizError(f"{said}: cannot write, it is a folder; give a file name in it, "
                             f"e.g. {path / example}")
        if path.exists() and not path.is_file():
            raise NnvizError(f"{said}: cannot write, it is not a regular file (a device, pipe or "
                             f"socket); choose another {flag}")
        parent = path.parent
    existing = parent
    while not existing.is_dir():
        if existing.exists():  # a file where a folder should be
            raise NnvizError(f"{said}: cannot write, {existing} is a file, not a folder; choose another {flag}")
        existing = existing.parent
    if existing != parent and not make_parents:
        raise NnvizError(f"{said}: cannot write, folder {parent} does not exist; create it first "
                         f"(mkdir -p {shlex.quote(str(parent))}) or choose another {flag}")
    try:
        _probe(existing)
    except OSError as exc:
        raise NnvizError(f"{said}: cannot write, {write_failure(exc, existing)}; choose another {flag}") from None
    return path


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder``: the one sure test that nnviz may write there
    (permission bits say nothing about read-only mounts, and root ignores them)."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".nnviz-probe-")
    os.close(fd)
    os.unlink(name)


def write_failure(exc: OSError, folder: Path) -> str:
    """Why a file could not be written in ``folder``, in words (from the OSError's errno)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to create files in {folder}"
    if exc.errno == errno.EROFS:
        return f"{folder} is on a read-only file system"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device of {folder}"
    if exc.errno == errno.ENOTDIR:
        return f"{folder} is not a folder"
    return exc.strerror or str(exc)


@contextmanager
def atomic_output(path, make_parents: bool = False):
    """Yield a temporary name beside ``path``; when the block succeeds, rename it to ``path``.

    In every other case the temporary file, and any folder made for it (``make_parents``), is
    removed; an OSError becomes one line that names the path.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    made = [p for p in [path.parent, *path.parent.parents] if not p.exists()] if make_parents else []
    try:
        for folder in reversed(made):
            folder.mkdir(exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(FileNotFoundError, NotADirectoryError):  # the temp file may never have been made
            tmp.unlink()
        for folder in made:  # deepest first; only folders made here, and only while empty
            with suppress(OSError):
                folder.rmdir()
        if isinstance(exc, OSError):
            raise NnvizError(f"cannot write {path}: {write_failure(exc, path.parent)}; choose a writable path") from None
        raise
