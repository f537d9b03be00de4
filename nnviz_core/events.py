"""What happened in training, found in the History and said plainly, with the run's numbers.

Each detector looks at the per-epoch loss (and, for dead units, the per-epoch counts training
recorded) and reports only what occurred:

- ``spike``: the loss more than doubled in one epoch;
- ``oscillation``: the loss went up and down on alternate epochs for a stretch (the learning rate
  is near the edge of stability);
- ``dead``: units that output 0 on every training input (of an activation that can die), and how many died during training;
- ``underfit``: the final loss is still well above the label noise's variance;
- ``worse``: the final loss is above the first one;
- ``diverged``: the loss stopped being finite.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import CAN_DIE
from .numbers import fmt_value

SPIKE_FACTOR = 2.0  # a loss that more than doubles in one epoch
MIN_OSCILLATION_RISES = 2  # alternating up/down steps with at least this many rises
UNDERFIT_FACTOR = 2.0  # final loss above this many times the noise variance (plus a margin)
RISE = 1e-6  # a step counts as rising when the loss grows by more than this fraction


@dataclass(frozen=True)
class Event:
    kind: str  # spike, oscillation, dead, underfit, worse, diverged
    epoch: int  # where it starts (or, for underfit, the last epoch)
    end: int  # where it ends (== epoch for a single moment)
    text: str  # one plain sentence with the run's numbers
    values: dict = field(default_factory=dict)


def rising_steps(loss: np.ndarray) -> np.ndarray:
    """Epochs e whose update made the loss go up: loss[e + 1] > loss[e]."""
    return np.flatnonzero(np.diff(loss) > RISE * np.abs(loss[:-1]))


def spikes(loss) -> list[Event]:
    out = []
    for e in np.flatnonzero(loss[1:] > SPIKE_FACTOR * loss[:-1]) + 1:
        e = int(e)
        out.append(Event("spike", e, e, f"a loss spike at epoch {e} ({fmt_value(loss[e - 1])} → "
                                         f"{fmt_value(loss[e])})",
                         {"before": float(loss[e - 1]), "after": float(loss[e])}))
    return out


def oscillations(loss) -> list[Event]:
    """Stretches where each step's direction flips (up, down, up, ...) with enough rises."""
    d = np.diff(loss)
    up = d > RISE * np.abs(loss[:-1])
    out, start = [], 0
    for k in range(1, len(d) + 1):
        flips = k < len(d) and up[k] != up[k - 1]
        if flips:
            continue
        stretch = range(start, k)  # steps start..k-1 alternate
        rises = int(up[start:k].sum())
        if len(stretch) >= 2 * MIN_OSCILLATION_RISES and rises >= MIN_OSCILLATION_RISES:
            first, last = start, k  # epochs first..last
            out.append(Event("oscillation", first, last,
                             f"the loss oscillated from epoch {first} to {last}: the learning "
                             "rate is near its stable limit", {"rises": rises}))
        start = k
    return out


def dead_units(history) -> list[Event]:
    counts = history.trace["dead_counts"]  # (epochs + 1, hidden layers)
    if history.config.activation not in CAN_DIE or counts.size == 0:
        return []
    total = int(sum(history.config.layers[1:-1]))
    first, last = history.at_epoch(0).dead_units(), history.at_epoch(history.epochs).dead_units()
    dead_end = int(sum(d.sum() for d in last))
    if dead_end == 0:
        return []
    died = int(sum((b & ~a).sum() for a, b in zip(first, last)))
    per_epoch = counts.sum(axis=1)
    # The epoch that killed the most units: the largest one-epoch rise in the count.
    rises = np.diff(per_epoch)
    worst = int(np.argmax(rises)) + 1 if len(rises) and rises.max() > 0 else 0
    text = f"{dead_end} of {total} hidden units end dead (0 on every input)"
    if died:
        text += f"; {died} died during training"
        if worst:
            text += f", {int(rises[worst - 1])} of them at epoch {worst}"
    return [Event("dead", worst, history.epochs, text,
                  {"dead": dead_end, "total": total, "died": died, "worst_epoch": worst})]


def underfit(history) -> list[Event]:
    noise_var = history.config.noise ** 2
    margin = 0.02 * float(np.var(history.y))
    limit = UNDERFIT_FACTOR * noise_var + margin
    final = history.final_loss
    if final <= limit:
        return []
    return [Event("underfit", history.epochs, history.epochs,
                  f"still far from the data: loss {fmt_value(final)}, against "
                  f"{fmt_value(noise_var)} from the noise alone",
                  {"final": final, "noise_variance": noise_var})]


def worse(history) -> list[Event]:
    """Training that ends with a higher loss than it started: the steps are too big."""
    start, end = float(history.loss[0]), history.final_loss
    if end <= start:
        return []
    return [Event("worse", history.epochs, history.epochs,
                  f"training made the loss worse ({fmt_value(start)} → {fmt_value(end)}): the "
                  "learning rate is too large", {"start": start, "end": end})]


def diverged(history) -> list[Event]:
    if history.diverged_at is None:
        return []
    e = history.diverged_at
    return [Event("diverged", e, e, f"training diverged at epoch {e}: the loss was no longer a "
                                    "finite number", {})]


def detect(history) -> list[Event]:
    loss = history.loss
    events = (spikes(loss) + oscillations(loss) + dead_units(history) + underfit(history) + worse(history)
              + diverged(history))
    return sorted(events, key=lambda e: (e.epoch, e.kind))


def summary_lines(history, most: int = 3) -> list[str]:
    """Up to ``most`` sentences for a summary slide or a dashboard note, joined where one event
    explains another (a spike that killed units)."""
    events = history.events()
    by_kind = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)
    lines = []
    dead = by_kind.get("dead", [None])[0]
    spikes_ = by_kind.get("spike", [])
    if dead and dead.values["died"] and spikes_:
        near = [s for s in spikes_ if s.epoch <= dead.values["worst_epoch"] <= s.epoch + 2]
        if near:
            s = near[0]
            lines.append(f"A spike at epoch {s.epoch} (loss {fmt_value(s.values['before'])} → "
                         f"{fmt_value(s.values['after'])}) left {dead.values['dead']} of "
                         f"{dead.values['total']} units dead")
            spikes_ = [x for x in spikes_ if x is not s]
            dead = None
    if len(spikes_) > 2:
        lines.append(f"{len(spikes_)} loss spikes, the first at epoch {spikes_[0].epoch}")
    else:
        lines += [_sentence(s.text) for s in spikes_]
    for kind in ("worse", "diverged", "oscillation", "underfit"):
        found = by_kind.get(kind, [])
        if kind == "oscillation" and len(found) > 1:
            lines.append(f"The loss oscillated in {len(found)} stretches, from epoch {found[0].epoch} "
                         f"to {found[-1].end}: the learning rate is near its stable limit")
        else:
            lines += [_sentence(e.text) for e in found]
    if dead:
        lines.append(_sentence(dead.text))
    return lines[:most]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]
