"""Which epochs the renderers show, and when.

The video's clock moves through epochs. With frames to spare, every epoch gets frames and the
ones between are tweens of one real step. With more epochs than frames, frames sample the run,
and the screen says so (``Timeline.stride_at``). One rule holds either way: where the loss goes
up (a spike, an oscillation), each epoch of that stretch gets a frame of its own, showing that
exact epoch, so a network flipping back and forth is drawn flipping, not gliding.

The tween rule: every frame is a real moment of training, or honestly between two. An epoch of
k steps (minibatches; k = 1 for full batch) spans [e, e + 1) in k equal parts, step s of it
[e + s/k, e + (s + 1)/k) (History.clock). A tween of one step, from its start to the next step's
start (for full batch: epoch e to e + 1), is shown only where, all along that step, its loss and
its prediction at every grid point stay between the step's two ends' own values (within
TWEEN_SLACK of the step's change; ``tween_allowed``). An oscillating step overshoots: half done,
it passes through the valley floor and would look far better than either end. Such a step is
not tweened: its frames hold its start, then cut to its end halfway (``shown_epoch``;
History.at follows it, so both renderers and every caller do). No tween spans more than one
step. During an allowed tween every readout shows the drawn state's own numbers: its loss lies
between the two ends' losses, the loss trace grows to it, and the counter shows the step's
start until its end is reached.

The GIF shows whole epochs only: the checkpoints, and every epoch of a stretch where the loss
goes up.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from .events import rising_steps

TWEEN_SLACK = 0.02  # a tween may leave the two epochs' range by this share of the step's change
ROUNDING = 1e-9  # relative: far below any digit a readout prints
INVISIBLE = 1e-3  # of the targets' span: a prediction this far out of range is under a pixel
TWEEN_PROBES = (0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875)  # fractions of a step checked
_allowed: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # history -> {step: bool}


def _within(values, a, b, floor: float = 0.0) -> bool:
    """Whether ``values`` (probes, ...) stay between a and b (elementwise), give or take
    TWEEN_SLACK of the largest |b − a|, ``floor`` and a rounding margin."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    slack = TWEEN_SLACK * np.max(high - low) + floor + ROUNDING * (1.0 + np.max(np.abs(high)))
    return bool(np.all(values >= low - slack) and np.all(values <= high + slack))


def tween_allowed(history, e: int, s: int = 0) -> bool:
    """Whether step s of epoch e (for full batch: the step from epoch e to e + 1) may be drawn
    part done: at every probed fraction its loss stays between the losses at its two ends, and
    its prediction at every grid point between the two ends' predictions there (give or take
    TWEEN_SLACK of the step's change, and, for the prediction, INVISIBLE of the targets' span: a
    ReLU kink crossing a grid point bends it by far less than a pixel). Cached per history."""
    cache = _allowed.setdefault(history, {})
    if (e, s) not in cache:
        a = history.at_step(e, s)
        b = history.at_step(e, s + 1) if s + 1 < history.steps else history.at_epoch(e + 1)
        tweens = [history.tween(e, s, f) for f in TWEEN_PROBES]
        floor = INVISIBLE * float(np.ptp(history.y))
        cache[(e, s)] = (_within(np.array([t.loss for t in tweens]), a.loss, b.loss)
                         and _within(np.array([t.prediction for t in tweens]), a.prediction, b.prediction, floor))
    return cache[(e, s)]


def shown_epoch(history, t: float) -> float:
    """The clock time a frame at clock time t shows: t itself where the step around it may be
    tweened (or t is a step's start), else the nearer of that step's two ends (a cut)."""
    e, s, f = history.clock(t)
    if f < 1e-12 or e >= history.epochs or tween_allowed(history, e, s):
        return t
    return e + (s + (f >= 0.5)) / history.steps

def shown_between(values, state, own: float) -> float:
    """What a frame shows of a per-epoch quantity (``values``, one per epoch) with ``state``: at a
    whole epoch that epoch's; at a tween ``own`` (the State's) where it lies between the two
    epochs' values, else the nearer of the two."""
    last = len(values) - 1
    e = min(int(math.floor(state.epoch + 1e-9)), last)
    if state.epoch - e < 1e-12 or e >= last:
        return float(values[e])
    a, b = values[e], values[e + 1]
    return float(np.clip(own, min(a, b), max(a, b)))


def shown_test_loss(history, state) -> float:
    """The held-out points' loss a frame shows with ``state`` (shown_between)."""
    return shown_between(history.test_loss, state, state.test_loss)


def shown_test_accuracy(history, state) -> float:
    """The held-out points' accuracy a frame shows with ``state`` (shown_between: a count, as
    shown_accuracy says)."""
    return shown_between(history.test_accuracy, state, state.test_accuracy)


def shown_accuracy(history, state) -> float:
    """The accuracy a frame shows with ``state``: at a whole epoch that epoch's (with minibatches,
    at a step's start that step's); at a tween the State's own where it lies between the
    accuracies at the two ends of its step (two epochs, or two steps), else the nearer of the two.
    (Accuracy counts points: part way through a step one point may cross early and another
    late, so the drawn network can count a point more or fewer than either epoch; the loss and
    the grid's prediction are held between by tween_allowed, a count is not.)"""
    accuracy = history.accuracy
    e = min(int(math.floor(state.epoch + 1e-9)), history.epochs)
    if state.epoch - e < 1e-12 or e >= history.epochs:
        return float(accuracy[e])
    if history.steps > 1:  # minibatches: between the two ends of the step the state is in
        _, s, f = history.clock(state.epoch)
        if f < 1e-12:
            return float(history.at_step(e, s).accuracy)  # a real step's own
        a = history.at_step(e, s).accuracy
        b = history.at_step(e, s + 1).accuracy if s + 1 < history.steps else accuracy[e + 1]
    else:
        a, b = accuracy[e], accuracy[e + 1]
    return float(np.clip(state.accuracy, min(a, b), max(a, b)))


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
        self.history = history
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
        """The epoch to draw at ``alpha``: a whole, exact epoch inside a flagged step, and inside
        a step that may not be tweened (``shown_epoch``)."""
        u = float(np.interp(alpha, self.knots_alpha, self.knots_epoch))
        if self.holds:
            e = math.floor(u)
            if e < self.end and e in self._flagged:
                return float(e)
        return shown_epoch(self.history, u)

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
