"""Which epochs the renderers show, and when.

The video's clock moves through epochs. With frames to spare, every epoch gets frames and the
ones between are tweens of one real step. With more epochs than frames, frames sample the run,
and the screen says so (``Timeline.stride_at``). One rule holds either way: where the loss goes
up (a spike, an oscillation), each epoch of that stretch gets a frame of its own, showing that
exact epoch, so a network flipping back and forth is drawn flipping, not gliding.

The GIF shows whole epochs only: the checkpoints, and every epoch of a stretch where the loss
goes up.
"""
from __future__ import annotations

import math

import numpy as np

from .events import rising_steps

MAX_GIF_EXTRA_FRAMES = 300  # epochs added for stretches where the loss rises


def flagged_steps(history, start: int = 0, end: int | None = None) -> np.ndarray:
    """Steps e (epoch e -> e + 1) in [start, end) that must not be glided over: every step where
    the loss rises, and the steps of every oscillation stretch."""
    end = history.epochs if end is None else end
    steps = set(int(e) for e in rising_steps(history.loss))
    for event in history.events():
        if event.kind == "oscillation":
            steps.update(range(event.epoch, event.end))
    return np.array(sorted(e for e in steps if start <= e < end), dtype=int)


class Timeline:
    """Maps the share of a play's run time, alpha in [0, 1], to the epoch shown (a float for
    History.at) for ``frames`` frames from epoch ``start`` to ``end``.

        timeline = Timeline(history, 0, history.epochs, frames=1200)
        state = history.at(timeline.epoch_at(0.5))
    """

    def __init__(self, history, start: float, end: float, frames: int):
        self.start, self.end = float(start), float(end)
        frames = max(int(frames), 1)
        first, last = math.ceil(start - 1e-9), math.floor(end + 1e-9)
        self.flagged = flagged_steps(history, first, last)
        self._flagged = set(self.flagged.tolist())
        steps = max(self.end - self.start, 1e-9)
        room = frames - len(self.flagged)
        # Flagged steps take one frame each (so each shows its exact epoch) while that leaves the
        # other steps at least half the frames; else every step is sampled alike, and said so.
        self.holds = len(self.flagged) > 0 and steps > frames and room >= frames / 2
        if not self.holds:
            self.knots_alpha = np.array([0.0, 1.0])
            self.knots_epoch = np.array([self.start, self.end])
            self.sampling = steps > frames
            self.plain_stride = steps / frames
            return
        # Piecewise-linear time: a flagged step lasts exactly one frame, the rest share the others.
        other = steps - len(self.flagged)
        per_other = (room / frames) / other  # alpha per unflagged epoch
        per_flagged = 1.0 / frames
        alpha, epoch = [0.0], [self.start]
        for e in self.flagged:
            a = alpha[-1] + (e - epoch[-1]) * per_other
            alpha += [a, a + per_flagged]
            epoch += [float(e), float(e + 1)]
        alpha.append(alpha[-1] + (self.end - epoch[-1]) * per_other)
        epoch.append(self.end)
        self.knots_alpha = np.array(alpha) / alpha[-1]
        self.knots_epoch = np.array(epoch)
        self.sampling = other > room
        self.plain_stride = other / room

    def epoch_at(self, alpha: float) -> float:
        """The epoch to draw at ``alpha``: a whole, exact epoch inside a flagged step."""
        u = float(np.interp(alpha, self.knots_alpha, self.knots_epoch))
        if self.holds:
            e = math.floor(u)
            if e < self.end and e in self._flagged:
                return float(e)
        return u

    def stride_at(self, alpha: float) -> float:
        """About how many epochs pass between two frames at ``alpha`` (<= 1: none is skipped)."""
        if self.holds and math.floor(self.epoch_at(alpha)) in self._flagged:
            return 1.0
        return self.plain_stride


def gif_epochs(history, every: int = 1, smooth: int = 0) -> tuple[list[int], str | None]:
    """The GIF's frames, as whole epochs, and a note when they sample a stretch where the loss
    rises (None when every such epoch has its frame).

    Every ``every``-th checkpoint and the last epoch; ``smooth`` more frames between neighbours,
    at the epochs evenly between them; and every epoch of the steps where the loss goes up.
    """
    checkpoints = [int(e) for e in history.checkpoint_epochs]
    keys = checkpoints[::every]
    if keys[-1] != checkpoints[-1]:
        keys.append(checkpoints[-1])
    chosen = set(keys)
    for a, b in zip(keys, keys[1:]):
        chosen.update(int(round(a + (b - a) * k / (smooth + 1))) for k in range(1, smooth + 1))
    rising = flagged_steps(history)
    extra = {int(e) for s in rising for e in (s, s + 1)} - chosen
    note = None
    if len(extra) <= MAX_GIF_EXTRA_FRAMES:
        chosen |= extra
    elif len(rising):
        note = (f"the loss rises in {len(rising)} steps between epochs {rising[0]} and "
                f"{rising[-1] + 1}; frames sample them")
    return sorted(chosen), note
