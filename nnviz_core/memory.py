"""How much memory the machine has free, and how to say an amount of it.

RunConfig and `nnviz gif` compare their estimates with ``available_bytes()`` before they allocate,
so a run that cannot fit is refused in one line instead of dying in NumPy or the OOM killer.
"""
from __future__ import annotations

import os

MEMINFO = "/proc/meminfo"


def available_bytes() -> int | None:
    """Memory that can be allocated without swapping: Linux's MemAvailable, else the free
    physical pages where the OS reports them, else None (unknown: callers then do not refuse)."""
    try:
        with open(MEMINFO, encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file counts in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def fits(needed: int) -> bool:
    available = available_bytes()
    return available is None or needed <= available


def shown(nbytes: float) -> str:
    """An amount of memory as people say it: 840 MB, 3.2 GB, 160 GB."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= size:
            value = nbytes / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{max(nbytes, 0) / 1e3:.0f} kB"


def available_shown() -> str:
    available = available_bytes()
    return "unknown" if available is None else shown(available)
