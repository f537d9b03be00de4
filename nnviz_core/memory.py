"""How much memory the machine has free, and how to say an amount of it.

Training, drawing a saved run and `nnviz gif` compare their estimates with ``available_bytes()``
before they allocate, so a run that cannot fit is refused in one line instead of dying in NumPy
or the OOM killer. Making a RunConfig or loading a run file checks nothing: whether a saved run
loads never depends on today's free memory.
"""
from __future__ import annotations

import os

from .config import parameter_counts
from .data import GRID_POINTS
from .errors import ConfigError, NnvizError

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


def check_run_memory(config) -> None:
    """Refuse to train a run (a RunConfig) that would not fit in the memory available now, and
    say what to change, naming the setting (ConfigError)."""
    parts = config.memory_needed()
    needed, available = sum(parts.values()), available_bytes()
    if available is None or needed <= available:
        return
    what = f"needs about {shown(needed)} of memory (available {shown(available)})"
    biggest = max(parts, key=parts.get)
    params = sum(parameter_counts(config.layers))
    per_snapshot = params * (1 + len(config.optimizer_slots))  # with the optimiser's memory of them
    room = (available - needed + parts["checkpoints"]) // (8 * per_snapshot)  # snapshots that would fit
    if biggest == "checkpoints" and room >= 2:
        every = config.epochs // (room - 1) + 1  # the smallest with epochs // every + 2 <= room
        raise ConfigError("snapshot_every", config.snapshot_every,
                          f"{what}, mostly for {config.snapshots:,} snapshots of {params:,} weights and "
                          f"biases; keep a snapshot every {every} epochs or more, or use smaller layers")
    if biggest == "batch_losses":
        raise ConfigError("batch_size", config.batch_size,
                          f"{what}, mostly for the batch loss of each of {config.epochs * config.steps_per_epoch:,} "
                          f"steps; use a larger batch size or fewer epochs")
    if biggest == "activations" and config.data_columns:  # a .csv file's points
        raise ConfigError("dataset", config.dataset, f"{what}, mostly for its {config.samples:,} points; use a file "
                                                     "with fewer points or smaller layers")
    if biggest == "activations" and config.samples > GRID_POINTS:
        raise ConfigError("samples", config.samples, f"{what}; use fewer samples or smaller layers")
    if biggest == "trace":
        raise ConfigError("epochs", config.epochs, f"{what}; use fewer epochs or fewer layers")
    raise ConfigError("layers", config.layers, f"{what}; use smaller layers or fewer samples")


def check_replay_memory(history, path) -> None:
    """Refuse to draw a loaded run (saved at ``path``) whose replay would not fit now: replaying
    an epoch holds the weights, their gradients and every layer's activations (the checkpoints
    and the trace are already in memory)."""
    parts = history.config.memory_needed()
    needed = parts["weights"] + parts["activations"]
    if not fits(needed):
        raise NnvizError(f"{path}: drawing this run needs about {shown(needed)} of memory "
                         f"(available {available_shown()}); close other programs and try again")
