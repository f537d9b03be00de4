"""EpochCounter: "Epoch 37 / 100", following a State's (fractional) epoch, and saying so when
the frames sample the epochs instead of showing each one."""
from __future__ import annotations

import math

from manim import DOWN, LEFT, RIGHT, UP, VGroup

from ..theme import CAPTION_SIZE, SMALL_SIZE, LiveNumber, label, muted
from .panel import Panel


def sampling_text(stride: float, short: bool = False) -> str:
    return f"{'' if short else 'fast-forward: '}1 frame per {round(stride)} epochs"


class EpochCounter(Panel):
    """Shows the last whole epoch the State has reached.

        counter = EpochCounter(history, palette).to_corner(UR)
        self.add(counter.set_state(history.at(0)))
        counter.set_state(history.at(history.epochs))  # "Epoch 100 / 100"
        counter.set_stride(8)  # "fast-forward: 1 frame per 8 epochs" under it (or at sampling_corner)
    """

    def __init__(self, history, palette, font_size: int = CAPTION_SIZE):
        super().__init__(palette)
        epochs = history.epochs
        self.number = LiveNumber(0, "{:.0f}", font_size, color=self.theme.ink, slots=8)
        word, total = label("Epoch", self.theme, font_size), label(f"/ {epochs}", self.theme, font_size)
        self.number.set_value(epochs)  # lay out at the widest value, right-aligned to "/"
        word.next_to(self.number, LEFT, buff=0.2)
        total.next_to(self.number, RIGHT, buff=0.2)
        # Share the digits' baseline ("p" and "/" descend, so centring would lift the words).
        baseline = self.number.get_bottom()[1]
        word.shift((baseline - word[0].get_bottom()[1]) * UP)
        total.shift((baseline - total[-1].get_bottom()[1]) * UP)
        self.sampling = VGroup()  # filled by set_stride when frames skip epochs
        self.sampling_corner = None  # where its lower right corner goes; None: under the counter
        self.stride_shown = None
        self.static.add(word, total)
        self.live.add(self.number, self.sampling)
        self.set_epoch(0)

    @staticmethod
    def shown(epoch: float) -> int:
        return int(math.floor(epoch + 1e-6))

    def set_state(self, state) -> "EpochCounter":
        return self.set_epoch(state.epoch)

    def set_epoch(self, epoch: float) -> "EpochCounter":
        right = self.number.get_right()
        self.number.set_value(self.shown(epoch))
        self.number.shift(right - self.number.get_right())  # keep digits right-aligned
        return self

    def set_stride(self, stride: float) -> "EpochCounter":
        """About ``stride`` epochs pass between frames: above 1.5, say so under the counter."""
        shown = round(stride) if stride > 1.5 else None
        if shown == self.stride_shown:
            return self
        self.stride_shown = shown
        self.sampling.remove(*self.sampling.submobjects)
        if shown:
            if self.sampling_corner is not None:  # a narrower row: fewer words
                note = muted(sampling_text(stride, short=True), self.theme, SMALL_SIZE)
                note.move_to(self.sampling_corner, aligned_edge=DOWN + RIGHT)
            else:
                note = muted(sampling_text(stride), self.theme, SMALL_SIZE)
                note.next_to(VGroup(*self.static, self.number), DOWN, buff=0.15).align_to(self.number, RIGHT)
            self.sampling.add(note)
        return self
