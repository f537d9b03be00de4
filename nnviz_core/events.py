"""What happened in training, found in the History and said plainly, with the run's numbers.

Each detector looks at the per-epoch loss (and, for dead units, the per-epoch counts training
recorded) and reports only what occurred:

- ``spike``: the loss more than doubled in one epoch;
- ``oscillation``: the loss went up and down on alternate epochs for a stretch (the learning rate
  is near the edge of stability; with minibatches, or each step follows its own batch);
- ``dead``: units that output 0 on every training input (of an activation that can die), and how many died during training;
- ``underfit``: the final loss is still well above the label noise's variance (a .csv file's
  noise is not known: not said of its points);
- ``worse``: the final loss is above the first one;
- ``climb``: the loss first rose to more than CLIMB times its start (in one epoch or many), then fell;
- ``rebound``: the loss ended well above its lowest, which came earlier;
- ``diverged``: the loss grew without bound (``diverges``: not finite, or above
  DIVERGENCE_FACTOR times its start);

and for a run with held-out points (``test_fraction``):

- ``overfit``: from the epoch of its lowest test loss, the test loss rose clearly (to over
  OVERFIT_RISE times that) while the training loss kept falling, over a stretch of at least
  OVERFIT_STRETCH of the run;

and for a classification (where ``underfit``, a comparison with label noise, does not apply):

- ``majority``: the accuracy stuck at or below the share of the largest class (what answering
  that class for every point scores) from some epoch in the first half of training to the end;
- ``unpredicted``: a class that no training point is predicted as at the last epoch.

Every sentence about the loss as a whole comes from ``loss_path`` (fell, fell to its lowest then
rose, rose, diverged), so the words cannot say "falls" of a loss that rose; every sentence about
a classification's accuracy from ``accuracy_path`` and ``accuracy_ending``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layout import accuracy_text, points_text
from .model import CAN_DIE
from .numbers import fmt_loss, fmt_value, superscript

SPIKE_FACTOR = 2.0  # a loss that more than doubles in one epoch
MIN_OSCILLATION_RISES = 2  # alternating up/down steps with at least this many rises
UNDERFIT_FACTOR = 2.0  # final loss above this many times the noise variance (plus a margin)
RISE = 1e-6  # a step counts as rising when the loss grows by more than this fraction
DIVERGENCE_POWER = 6  # a loss above 10⁶ times its start grows without bound
DIVERGENCE_FACTOR = 10.0 ** DIVERGENCE_POWER
DIVERGENCE_WORDS = f"10{superscript(DIVERGENCE_POWER)}"
REBOUND = 0.05  # a final loss more than this share above the run's lowest rose after it
CLIMB = 1.5  # a loss that rose to more than this many times its start before its lowest
ACCURACY_DROP = 0.05  # an accuracy that ended this far (5 points) below its best fell back from it
OVERFIT_RISE = 1.2  # a test loss that ends more than this many times its lowest ...
OVERFIT_FALL = 0.95  # ... while the training loss ends below this share of where it was then,
OVERFIT_STRETCH = 0.1  # ... at least this share of the run's epochs (and 5) after that lowest


def diverges(loss: float, start: float) -> bool:
    """The divergence rule: a loss that is not finite, or more than DIVERGENCE_FACTOR times the
    loss at epoch 0 (gradient descent that far past its start is exploding: lr 5 on the default
    run passes 10⁶× at epoch 4 and reaches 10¹⁹⁰ by epoch 100, still finite)."""
    return not np.isfinite(loss) or loss > DIVERGENCE_FACTOR * start


@dataclass(frozen=True)
class LossPath:
    """The loss curve's shape, in the few numbers a sentence needs."""
    start: float
    end: float
    lowest: float
    lowest_epoch: int
    last_epoch: int
    diverged_at: int | None
    peak: float = 0.0  # the highest loss before the lowest one
    peak_epoch: int = 0
    dip: float = 0.0  # the lowest loss before that peak (it may have fallen first)
    dip_epoch: int = 0
    diverged_loss: float | None = None  # the loss at diverged_at (History.diverged_loss)

    @property
    def climbed(self) -> bool:
        """It first rose well above its start (CLIMB times), then came down to its lowest."""
        return self.peak > CLIMB * self.start

    @property
    def dipped_first(self) -> bool:
        """Before its climb it fell well below its start: the climb is from that low."""
        return self.dip < self.start / (1 + REBOUND)

    @property
    def kind(self) -> str:
        """diverged, fell, rebounded (fell to its lowest, then rose), rose, or flat."""
        if self.diverged_at is not None:
            return "diverged"
        if self.end > self.lowest * (1 + REBOUND):
            return "rebounded" if self.lowest < self.start / (1 + REBOUND) else "rose"
        return "fell" if self.end < self.start else "flat"

    def phrase(self) -> str:
        """What the loss did, to follow "the loss ": "fell from 0.5625 to 0.0152"."""
        a, b, low = fmt_loss(self.start), fmt_loss(self.end), fmt_loss(self.lowest)
        lowest = f"fell to its lowest, {low} at epoch {self.lowest_epoch}, then"
        if self.climbed and self.kind in ("fell", "rebounded"):  # the climb first, then the rest
            climb = (f"went from {a} down to {fmt_loss(self.dip)} at epoch {self.dip_epoch}, up to "
                     f"{fmt_loss(self.peak)} at epoch {self.peak_epoch}, then " if self.dipped_first else
                     f"first rose from {a} to {fmt_loss(self.peak)} at epoch {self.peak_epoch}, then ")
            return climb + (f"fell to {b}" if self.kind == "fell" else f"{lowest} rose to {b}")
        grew = "" if self.diverged_loss is None else f" (loss {b} → {fmt_loss(self.diverged_loss)})"
        return {"fell": f"fell from {a} to {b}",
                "rebounded": f"{lowest} rose to {b}",
                "rose": f"rose from {a} to {b}",
                "flat": f"stayed at about {a}, ending at {b}",
                "diverged": (f"{lowest} grew without bound" if self.lowest < self.start / (1 + REBOUND)
                             else f"grew without bound from {a}")
                            + f": training diverged at epoch {self.diverged_at}{grew}"}[self.kind]


def loss_path(history) -> LossPath:
    loss = history.loss
    k = int(np.argmin(loss))
    j = int(np.argmax(loss[:k])) if k > 0 else 0  # the highest before the lowest
    i = int(np.argmin(loss[:j + 1]))  # the lowest before that
    return LossPath(float(loss[0]), float(loss[-1]), float(loss[k]), k, len(loss) - 1, history.diverged_at,
                    float(loss[j]), j, float(loss[i]), i,
                    None if history.diverged_at is None else history.diverged_loss)


@dataclass(frozen=True)
class AccuracyPath:
    """A classification's training accuracy, in the few numbers a sentence needs."""
    start: float
    end: float
    best: float
    best_epoch: int  # the first epoch it reached its best

    @property
    def kind(self) -> str:
        """rose, fell, flat (the same, as written), or peaked (ended ACCURACY_DROP below its best,
        which was above both ends)."""
        if self.best >= max(self.start, self.end) + ACCURACY_DROP:
            return "peaked"
        a, b = accuracy_text(self.start), accuracy_text(self.end)
        return "flat" if a == b else "rose" if self.end > self.start else "fell"

    def phrase(self) -> str:
        """What the accuracy did, to follow "the accuracy ": "rose from 53 % to 83 %"."""
        a, b, best = accuracy_text(self.start), accuracy_text(self.end), accuracy_text(self.best)
        return {"rose": f"rose from {a} to {b}", "fell": f"fell from {a} to {b}", "flat": f"stayed at {a}",
                "peaked": f"went from {a} to its best, {best} at epoch {self.best_epoch}, then back to {b}"}[self.kind]


def accuracy_path(history) -> AccuracyPath | None:
    """The accuracy's path (None for a regression)."""
    accuracy = history.accuracy
    if accuracy is None:
        return None
    k = int(np.argmax(accuracy))
    return AccuracyPath(float(accuracy[0]), float(accuracy[-1]), float(accuracy[k]), k)


def misclassified(history, epoch: int | None = None) -> int:
    """How many training points are not in their own class at ``epoch`` (default: the last)."""
    share = history.accuracy[history.epochs if epoch is None else epoch]
    return int(round((1 - share) * len(history.problem.y)))  # the training points (some may be held out)


def accuracy_ending(history) -> str | None:
    """ "accuracy 97 % at the end; 3 of 200 points still misclassified" (None for a regression)."""
    if not history.is_classification:
        return None
    wrong, n = misclassified(history), points_text(history.config, len(history.problem.y))
    if wrong == 0:
        return f"accuracy {accuracy_text(history.accuracy[-1])} at the end: every one of the {n} in its class"
    return (f"accuracy {accuracy_text(history.accuracy[-1])} at the end; {wrong} of {n} "
            f"{'is' if wrong == 1 else 'are'} still misclassified")


@dataclass(frozen=True)
class Event:
    kind: str  # spike, oscillation, dead, underfit, worse, climb, rebound, overfit, diverged, majority, unpredicted
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


STABLE_LIMIT = "the learning rate is near its stable limit"


def oscillation_cause(history) -> str:
    """Why the loss goes up and down: the learning rate, or with minibatches maybe the batches."""
    if history.steps == 1:
        return STABLE_LIMIT
    return f"each step follows its own batch of {history.config.batch_size}, or {STABLE_LIMIT}"


def oscillations(loss, cause: str = STABLE_LIMIT) -> list[Event]:
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
                             f"the loss oscillated from epoch {first} to {last}: {cause}", {"rises": rises}))
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
    text = f"{dead_end} of {total} hidden units {'ends' if dead_end == 1 else 'end'} dead (0 on every input)"
    if died:
        text += f"; {died} died during training"
        if worst and int(rises[worst - 1]) == died:
            text += f", at epoch {worst}"
        elif worst:
            text += f", {int(rises[worst - 1])} of them at epoch {worst}"
    return [Event("dead", worst, history.epochs, text,
                  {"dead": dead_end, "total": total, "died": died, "worst_epoch": worst})]


def underfit(history) -> list[Event]:
    if history.config.data_columns:  # a .csv file's points: the noise in its y is not known
        return []
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
    total = history.loss + history.penalty  # what training minimised
    if total[-1] < total[0]:  # the penalty traded the data's fit for smaller weights: not the lr
        return [Event("worse", history.epochs, history.epochs,
                      f"the data loss ended above its start ({fmt_value(start)} → {fmt_value(end)}), while what "
                      f"training minimised, with the penalty, fell ({fmt_value(total[0])} → {fmt_value(total[-1])}): "
                      "the penalty shrank the weights at the fit's cost", {"start": start, "end": end})]
    return [Event("worse", history.epochs, history.epochs,
                  f"training made the loss worse ({fmt_value(start)} → {fmt_value(end)}): the "
                  "learning rate is too large", {"start": start, "end": end})]


def rebound(history) -> list[Event]:
    """A loss that ended well above the lowest it reached earlier (a run that did not diverge)."""
    path = loss_path(history)
    if path.kind != "rebounded":
        return []
    return [Event("rebound", path.lowest_epoch, path.last_epoch,
                  f"the loss was lowest at epoch {path.lowest_epoch} ({fmt_loss(path.lowest)}), then rose "
                  f"to {fmt_loss(path.end)}, {path.end / path.lowest:.1f}× that",
                  {"lowest": path.lowest, "end": path.end})]


def climb(history) -> list[Event]:
    """A loss that first rose well above its start before it came down (over one epoch or many:
    a spike says only the one-epoch jumps)."""
    path = loss_path(history)
    if not path.climbed or path.kind not in ("fell", "rebounded"):
        return []
    times = f"{path.peak / path.start:.1f}× its start, before it fell"
    return [Event("climb", path.dip_epoch, path.peak_epoch,
                  f"the loss climbed from {fmt_loss(path.dip)} at epoch {path.dip_epoch} to {fmt_loss(path.peak)} "
                  f"at epoch {path.peak_epoch}, {times}" if path.dipped_first else
                  f"the loss first rose from {fmt_loss(path.start)} to {fmt_loss(path.peak)} at epoch "
                  f"{path.peak_epoch}, {times}",
                  {"start": path.start, "peak": path.peak})]


def overfitting(history) -> list[Event]:
    """The test loss rising while the training loss falls: the network learns its training
    points' noise. Measured from the lowest test loss to the end of the run."""
    test = history.test_loss
    if test is None:
        return []
    k, end = int(np.argmin(test)), history.epochs
    train_then, train_end = float(history.loss[k]), history.final_loss
    if (end - k < max(5, OVERFIT_STRETCH * end) or not test[end] > OVERFIT_RISE * test[k]
            or not train_end < OVERFIT_FALL * train_then):
        return []
    return [Event("overfit", k, end,
                  f"from epoch {k} the test loss rose from {fmt_loss(test[k])} to {fmt_loss(test[end])} while "
                  f"the training loss kept falling ({fmt_loss(train_then)} → {fmt_loss(train_end)})",
                  {"lowest_test": float(test[k]), "final_test": float(test[end]),
                   "train_then": train_then, "train_end": train_end})]


def diverged_words(history, short: bool = False) -> str | None:
    """ "training diverged at epoch 4 (loss 3.72×10⁵ → 8.41×10⁸, past 10⁶ times its start
    0.5625)": the last finite epoch's loss, then the one that stopped training (History.diverged_loss);
    ``short``: without what the rule is. None for a run that did not diverge."""
    if history.diverged_at is None:
        return None
    last, grew = history.final_loss, history.diverged_loss
    why = (f", past {DIVERGENCE_WORDS} times its start {fmt_loss(history.loss[0])}" if np.isfinite(grew)
           else ": it overflowed")
    return (f"training diverged at epoch {history.diverged_at} (loss {fmt_loss(last)} → {fmt_loss(grew)}"
            f"{'' if short else why})")


def diverged(history) -> list[Event]:
    if history.diverged_at is None:
        return []
    e, grew = history.diverged_at, history.diverged_loss
    return [Event("diverged", e, e, diverged_words(history), {"last": history.final_loss, "loss": grew})]


def majority_share(history) -> tuple[int, float]:
    """The largest class of the training points and its share of them."""
    counts = np.bincount(history.problem.labels(), minlength=history.problem.classes)
    return int(np.argmax(counts)), float(counts.max() / counts.sum())


def stuck_at_majority(history) -> list[Event]:
    """Accuracy no better than always answering the largest class, from an epoch in the first
    half of training to the end."""
    accuracy = history.accuracy
    majority, share = majority_share(history)
    above = np.flatnonzero(accuracy > share + 1e-12)
    start = int(above[-1]) + 1 if len(above) else 0  # the stretch at or below the share, to the end
    if start > history.epochs // 2:
        return []
    best = accuracy_text(float(accuracy[start:].max()))  # what it reached, not only the bound it stayed under
    if start > 0:
        when = f"was at most {best} from epoch {start} on"
    else:
        when = f"never rose above {best}"
    return [Event("majority", start, history.epochs,
                  f"the accuracy {when}: no better than the {accuracy_text(share)} of answering class {majority} "
                  "for every point",
                  {"share": share, "majority": majority, "accuracy": float(accuracy[-1])})]


def unpredicted_classes(history) -> list[Event]:
    """Classes that no training point is predicted as at the last epoch, since when."""
    counts = history.trace["predicted_counts"]  # (epochs + 1, classes)
    out = []
    for c in np.flatnonzero(counts[-1] == 0):
        seen = np.flatnonzero(counts[:, c] > 0)
        since = int(seen[-1]) + 1 if len(seen) else 0
        text = (f"class {int(c)} is never predicted: no training point gets it at any epoch" if since == 0
                else f"class {int(c)} is never predicted from epoch {since} on: no training point gets it")
        out.append(Event("unpredicted", since, history.epochs, text, {"class": int(c)}))
    return out


def classification_events(history) -> list[Event]:
    return stuck_at_majority(history) + unpredicted_classes(history)


def detect(history) -> list[Event]:
    loss = history.loss
    fit = classification_events(history) if history.is_classification else underfit(history)
    events = (spikes(loss) + oscillations(loss, oscillation_cause(history)) + dead_units(history) + fit
              + worse(history) + climb(history) + rebound(history) + overfitting(history) + diverged(history))
    return sorted(events, key=lambda e: (e.epoch, e.kind))


def summary_lines(history, most: int = 3, leave_out: tuple = ()) -> list[str]:
    """Up to ``most`` sentences for a summary slide or a dashboard note, the gravest first
    (divergence; then a classification's accuracy at the end, kind "accuracy"; deaths, a loss
    that ended above its lowest), joined where one event explains another (a spike that killed
    units); none of the kinds in ``leave_out`` (what a sentence around them says already). An
    overfitting run always says so: that sentence keeps a slot."""
    by_kind = {}
    for e in history.events():
        if e.kind not in leave_out:
            by_kind.setdefault(e.kind, []).append(e)
    lines = [_sentence(e.text) for e in by_kind.get("diverged", [])]
    ending = accuracy_ending(history)
    if ending and "accuracy" not in leave_out:
        lines.append(_sentence(ending))
    dead = by_kind.get("dead", [None])[0]
    spikes_ = by_kind.get("spike", [])
    if dead and dead.values["died"]:
        near = [s for s in spikes_ if s.epoch <= dead.values["worst_epoch"] <= s.epoch + 2]
        if near:  # how many the spike killed (within two epochs), and how many end dead
            s = near[0]
            dead_then = history.trace["dead_counts"].sum(axis=1)
            killed = int(dead_then[min(s.epoch + 2, history.epochs)] - dead_then[s.epoch - 1])
            ends = ("" if killed == dead.values["dead"]
                    else f"; {dead.values['dead']} of {dead.values['total']} end dead")
            lines.append(f"A spike at epoch {s.epoch} (loss {fmt_value(s.values['before'])} → "
                         f"{fmt_value(s.values['after'])}) killed {killed} of {dead.values['total']} "
                         f"units{ends}")
            spikes_ = [x for x in spikes_ if x is not s]
        else:
            lines.append(_sentence(dead.text))
        dead = None
    lines += oscillation_lines(by_kind.get("oscillation", []), oscillation_cause(history))  # the lr, or the batches
    lines += [_sentence(e.text) for kind in ("climb", "rebound", "worse", "overfit") for e in by_kind.get(kind, [])]
    if len(spikes_) > 2:
        lines.append(f"{len(spikes_)} loss spikes, the first at epoch {spikes_[0].epoch}")
    else:
        lines += [_sentence(s.text) for s in spikes_]
    lines += [_sentence(e.text) for e in by_kind.get("underfit", [])]
    lines += [_sentence(e.text) for kind in ("majority", "unpredicted") for e in by_kind.get(kind, [])]
    if dead:
        lines.append(_sentence(dead.text))
    # Overfitting is what held-out points are for: it is always said, in the last slot if graver
    # sentences fill the others.
    overfit = [line for line in (_sentence(e.text) for e in by_kind.get("overfit", [])) if line not in lines[:most]]
    return lines[:max(most - len(overfit), 0)] + overfit[:most]


def oscillation_lines(found, cause: str = STABLE_LIMIT) -> list[str]:
    if len(found) > 1:
        return [f"The loss oscillated in {len(found)} stretches, from epoch {found[0].epoch} "
                f"to {found[-1].end}: {cause}"]
    return [_sentence(e.text) for e in found]


def deaths_sentence(history) -> str:
    """ "3 of 10 hidden units end dead (0 on every input); 3 died during training, 2 of them at
    epoch 4." or "" when no unit ends dead."""
    dead = [e for e in history.events() if e.kind == "dead"]
    return _sentence(dead[0].text) + "." if dead else ""


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]
