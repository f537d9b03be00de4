"""A small progress bar on stderr, shown only for work that takes longer than a second."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, label: str, stream=None, delay: float = 1.0):
        # sys.stderr as it is now (not when this module was imported: it may have been replaced)
        self.label, self.stream, self.delay = label, stream or sys.stderr, delay
        self.start = time.monotonic()
        self.shown = False
        self.enabled = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (not self.shown and time.monotonic() - self.start < self.delay):
            return
        self.shown = True
        width = 30
        filled = int(width * done / max(total, 1))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
