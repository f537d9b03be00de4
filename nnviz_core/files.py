"""Writing outputs so that a crash or Ctrl-C never leaves a half-written file behind."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from .errors import NnvizError


@contextmanager
def atomic_output(path):
    """Yield a temporary name beside ``path``; when the block succeeds, rename it to ``path``.

    The temporary file is removed in every other case; an OSError becomes one line that names
    the path.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise NnvizError(f"cannot write {path}: {exc.strerror or exc}; choose a writable path") from None
    finally:
        tmp.unlink(missing_ok=True)
