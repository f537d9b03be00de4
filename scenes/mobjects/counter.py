"""EpochCounter: "Epoch 37 / 100", following a State's (fractional) epoch, with minibatches
"Epoch 37 / 100 · step 3 / 7" (the steps of the epoch done: nnviz_core.layout.step_text), and
saying so when the frames sample the epochs (or the steps) instead of showing each one."""
from __future__ import annotations

import math

from manim import DOWN, LEFT, RIGHT, UP, VGroup

from nnviz_core.layout import steps_done

from ..theme import CAPTION_SIZE, SMALL_SIZE, LiveNumber, label, muted
from .panel import Panel


def sampling_text(stride: float, short: bool = False, unit: str = "epochs") -> str:
    """ "fast-forward: 1 frame per 8 epochs", or in a narrow place "1 frame / 8 epochs"."""
    if short:
        return f"1 frame / {round(stride)} {unit}"
    return f"fast-forward: 1 frame per {round(stride)} {unit}"


class EpochCounter(Panel):
    """Shows the last whole epoch the State has reached.

        counter = EpochCounter(history, palette).to_corner(UR)
        self.add(counter.set_state(history.at(0)))
        counter.set_state(history.at(history.epochs))  # "Epoch 100 / 100"
        counter.set_stride(8)  # "fast-forward: 1 frame per 8 epochs" under it (or at sampling_corner)

    A run of k > 1 steps an epoch gets "· step s / k" after it, smaller, on the same
    baseline: s of the epoch's steps done (a tween part through step s + 1 shows s, as the epoch
    does), left out at the last epoch, which takes no steps. ``steps`` False leaves it out
    (runs side by side with different steps share one counter).
    """

    def __init__(self, history, palette, font_size: int = CAPTION_SIZE, steps: bool = True):
        super().__init__(palette)
        epochs = history.epochs
        self.epochs = epochs
        self.steps = history.steps if steps else 1
        self.number = LiveNumber(0, "{:.0f}", font_size, color=self.theme.ink, slots=8)
        word, total = label("Epoch", self.theme, font_size), label(f"/ {epochs}", self.theme, font_size)
        self.number.set_value(epochs)  # lay out at the widest value, right-aligned to "/"
        word.next_to(self.number, LEFT, buff=0.2)
        total.next_to(self.number, RIGHT, buff=0.2)
        # Share the digits' baseline ("p" and "/" descend, so centring would lift the words).
        baseline = self.number.get_bottom()[1]
        word.shift((baseline - word[0].get_bottom()[1]) * UP)
        total.shift((baseline - total[-1].get_bottom()[1]) * UP)
        self.step_part = VGroup()  # "· step 3 / 7": live, it leaves at the last epoch
        self.step_shown = False
        if self.steps > 1:
            size = SMALL_SIZE + 2  # smaller than the epoch: the captions beside it keep their room
            self.step_number = LiveNumber(self.steps - 1, "{:.0f}", size, color=self.theme.ink,
                                          slots=len(str(self.steps)))
            lead = label("· step", self.theme, size).next_to(total, RIGHT, buff=0.2)
            self.step_number.next_to(lead, RIGHT, buff=0.12)
            of = label(f"/ {self.steps}", self.theme, size).next_to(self.step_number, RIGHT, buff=0.12)
            for part, glyph in ((lead, 1), (of, -1)):  # "s" and the digit sit on the baseline
                part.shift((baseline - part[glyph].get_bottom()[1]) * UP)
            self.step_number.shift((baseline - self.step_number.get_bottom()[1]) * UP)
            self.step_part.add(lead, self.step_number, of)
        self.sampling = VGroup()  # filled by set_stride when frames skip epochs
        self.sampling_corner = None  # where its lower right corner goes; None: under the counter
        self.stride_shown = None
        self.static.add(word, total)
        self.live.add(self.number, self.step_part, self.sampling)
        self.set_epoch(0)

    @staticmethod
    def shown(epoch: float) -> int:
        return int(math.floor(epoch + 1e-6))

    def set_state(self, state) -> "EpochCounter":
        self.set_epoch(state.epoch)
        if self.steps > 1:
            done = steps_done(state) if state.steps == self.steps else None
            self.set_step(done)
        return self

    def set_epoch(self, epoch: float) -> "EpochCounter":
        right = self.number.get_right()
        self.number.set_value(self.shown(epoch))
        self.number.shift(right - self.number.get_right())  # keep digits right-aligned
        if self.steps > 1:  # the clock alone: its step, from the fraction of the epoch
            e = self.shown(epoch)
            self.set_step(min(int((epoch - e) * self.steps + 1e-6), self.steps - 1))
        return self

    def set_step(self, done: int | None) -> "EpochCounter":
        """ "· step done / k", hidden at the last epoch (or with None)."""
        shown = done is not None and self.number.value < self.epochs
        if shown:
            right = self.step_number.get_right()
            self.step_number.set_value(done)
            self.step_number.shift(right - self.step_number.get_right())
        if shown != self.step_shown:
            self.step_part.set_opacity(1.0 if shown else 0.0)
            self.step_shown = shown
        return self

    @property
    def text(self) -> str:
        """What the counter reads, as nnviz_core.layout.clock_text writes it."""
        said = f"Epoch {self.number.text} / {self.epochs}"
        if self.step_shown:
            said += f" · step {self.step_number.text} / {self.steps}"
        return said

    def set_stride(self, stride: float) -> "EpochCounter":
        """About ``stride`` epochs pass between frames: above 1.5, say so under the counter; with
        minibatches, more than 1.5 steps a frame is said in steps. 0: nothing is skipped."""
        unit = "epochs"
        if 0 < stride <= 1.5 and self.steps > 1 and stride * self.steps > 1.5:
            stride, unit = stride * self.steps, "steps"
        shown = (round(stride), unit) if stride > 1.5 else None
        if shown == self.stride_shown:
            return self
        self.stride_shown = shown
        self.sampling.remove(*self.sampling.submobjects)
        if shown:
            if self.sampling_corner is not None:  # a narrower row: fewer words
                note = muted(sampling_text(stride, short=True, unit=unit), self.theme, SMALL_SIZE)
                note.move_to(self.sampling_corner, aligned_edge=DOWN + RIGHT)
            else:
                note = muted(sampling_text(stride, unit=unit), self.theme, SMALL_SIZE)
                note.next_to(VGroup(*self.static, self.number), DOWN, buff=0.15).align_to(self.number, RIGHT)
            self.sampling.add(note)
        return self
