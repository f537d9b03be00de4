"""EpochCounter: "Epoch 37 / 100", following a State's (fractional) epoch."""
from __future__ import annotations

import math

from manim import LEFT, RIGHT, UP

from ..theme import LiveNumber, CAPTION_SIZE, label
from .panel import Panel


class EpochCounter(Panel):
    """Shows the last whole epoch the State has reached.

        counter = EpochCounter(history).to_corner(UR)
        self.add(counter.set_state(history.at(0)))
        counter.set_state(history.at(len(history) - 1))  # "Epoch 100 / 100"
    """

    def __init__(self, history, font_size: int = CAPTION_SIZE):
        super().__init__()
        epochs = len(history.loss) - 1
        self.number = LiveNumber(0, "{:.0f}", font_size, slots=8)
        word, total = label("Epoch", font_size), label(f"/ {epochs}", font_size)
        self.number.set_value(epochs)  # lay out at the widest value, right-aligned to "/"
        word.next_to(self.number, LEFT, buff=0.2)
        total.next_to(self.number, RIGHT, buff=0.2)
        # Share the digits' baseline ("p" and "/" descend, so centring would lift the words).
        baseline = self.number.get_bottom()[1]
        word.shift((baseline - word[0].get_bottom()[1]) * UP)
        total.shift((baseline - total[-1].get_bottom()[1]) * UP)
        self.static.add(word, total)
        self.live.add(self.number)
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
