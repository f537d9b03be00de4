"""Text in a theme's ink, sizes readable at 1080p (numbers >= about 20 px). Every maker takes
the theme (or the colour): there is no current theme."""
from __future__ import annotations

import functools

import numpy as np
from manim import DOWN, LEFT, Text, VGroup, VMobject

from nnviz_core.palette import Theme

TITLE_SIZE = 56
CAPTION_SIZE = 32
LABEL_SIZE = 24
NUMBER_SIZE = 24
SMALL_SIZE = 20  # the smallest text used; digits are about 28 px tall at 1080p
FONT = "DejaVu Sans"  # Pango falls back to a default font where it is missing

# Stacking order, the same in every chapter: edges under pulses under neurons under their labels.
Z_EDGE, Z_PULSE, Z_NEURON, Z_LABEL, Z_NUMBER = 0, 1, 2, 3, 4


def label(text: str, theme: Theme, size: int = LABEL_SIZE, color: str | None = None, **kwargs) -> Text:
    """Text in ``theme``'s ink (or ``color``)."""
    return lighten(Text(text, font_size=size, color=color or theme.ink, font=FONT, **kwargs))


def muted(text: str, theme: Theme, size: int = SMALL_SIZE, **kwargs) -> Text:
    return label(text, theme, size, theme.muted_ink, **kwargs)


def lighten(text: Text) -> Text:
    """Drop each glyph's parsed SVG path, used only while building it: copies (every Fade or
    Transform makes one) get about six times faster."""
    for glyph in text.family_members_with_points():
        glyph.path_obj = None
    return text


ANCHOR_LENGTH = 0.01


@functools.lru_cache(maxsize=None)
def glyph_table(font_size: int) -> dict:
    """char -> (outline points relative to its cell's left and the baseline, advance), for
    LiveNumber: Pango runs once per font size, not once per number."""
    reference = Text(LiveNumber.CHARS, font_size=font_size, font=FONT)
    zeros = Text("0" * 10, font_size=font_size, font=FONT)
    advance = (zeros[9].get_left()[0] - zeros[0].get_left()[0]) / 9  # digits are tabular
    baseline = reference[0].get_bottom()[1]
    table = {}
    for char, glyph in zip(LiveNumber.CHARS, reference):
        width = advance * LiveNumber.NARROW.get(char, 1.0)
        offset = np.array([glyph.get_left()[0] - (width - glyph.width) / 2, baseline, 0])
        table[char] = (glyph.points - offset, width)
    return table


class LiveNumber(VGroup):
    """A number that changes in place, cheaply: glyph outlines are copied, Pango runs once.

    DecimalNumber(mob_class=Text) deep-copies a Text per character on every change (~20 ms);
    this only swaps point arrays, so a montage can update numbers every frame.

        loss = LiveNumber(0.25, "{:.4f}", color=theme.ink).to_edge(UP)
        self.add(loss)
        loss.set_value(0.0123)  # loss.text == "0.0123"
    """

    CHARS = "0123456789.-+−×⁰¹²³⁴⁵⁶⁷⁸⁹⁻↑↓±"
    NARROW = {".": 0.5, **{c: 0.6 for c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"}}  # advance, in digit widths

    def __init__(self, value: float = 0.0, fmt="{:.2f}", font_size: int = NUMBER_SIZE, *,
                 color: str, slots: int = 10):
        super().__init__()
        self.fmt = fmt
        self._glyphs = glyph_table(font_size)
        style = dict(fill_color=color, fill_opacity=1.0, stroke_width=0)
        self._slots = [VMobject(**style) for _ in range(slots)]
        # An invisible tick that follows every move and scale of the number: its start is where
        # the text starts, its length (ANCHOR_LENGTH when built) gives the current scale.
        tick = np.array([[0, 0, 0], [ANCHOR_LENGTH, 0, 0], [ANCHOR_LENGTH, 0, 0], [ANCHOR_LENGTH, 0, 0]], float)
        self._anchor = VMobject(fill_opacity=0, stroke_width=0).set_points(tick)
        self.add(self._anchor, *self._slots)
        self.text = ""
        self.value = None
        self.set_value(value)

    def set_value(self, value: float) -> "LiveNumber":
        self.value = float(value)
        text = (self.fmt(self.value) if callable(self.fmt) else self.fmt.format(self.value)).replace("-", "−")
        if text == self.text:
            return self  # nothing visible changes: skip the work
        if len(text) > len(self._slots):
            raise ValueError(f"{text!r} needs more than {len(self._slots)} slots")
        self.text = text
        start, tick_end = self._anchor.points[0], self._anchor.points[-1]
        scale = np.linalg.norm(tick_end - start) / ANCHOR_LENGTH
        x = 0.0
        for slot, char in zip(self._slots, text.ljust(len(self._slots))):
            if char == " ":
                slot.clear_points()
                continue
            points, advance = self._glyphs[char]
            slot.set_points(start + scale * (points + [x, 0, 0]))
            x += advance
        return self

    def add_halo(self, color: str, width: float = 6) -> "LiveNumber":
        """A background-coloured outline under the glyphs, to read well over lines."""
        for slot in self._slots:
            slot.set_stroke(color, width, background=True)
        return self

    def get_value(self) -> float:
        return self.value

    def scale_factor(self) -> float:
        """How much the number was scaled since it was built."""
        return float(np.linalg.norm(self._anchor.points[-1] - self._anchor.points[0]) / ANCHOR_LENGTH)

    # Layout helpers measure the glyphs, not the anchor (which sits on the baseline).
    def get_critical_point(self, direction):
        shown = [s for s in self._slots if s.has_points()]
        return VGroup(*shown).get_critical_point(direction) if shown else self._anchor.points[0]


@functools.lru_cache(maxsize=4096)
def _word_width(word: str) -> float:
    return Text(word, font_size=LABEL_SIZE, font=FONT).width


def natural_width(text: str, size: int) -> float:
    """About the width of ``text`` as label() writes it at ``size``, unscaled, a little over
    rather than under: its words' widths (each measured once) and the spaces between them
    (building a long Text only to measure it takes about a third of a second)."""
    words = text.split()
    space = _word_width("x x") - 2 * _word_width("x")
    return (sum(map(_word_width, words)) + space * (len(words) - 1)) * size / LABEL_SIZE * 1.04


def fitted_lines(text: str, size: int, width: float, joiner: str = "; ") -> list[tuple[str, float]]:
    """The lines fitted() writes, as (text, scale): on one line, shrunk down to SMALL_SIZE at
    most; else broken in two (at the "; " nearest its middle, else between words), each part
    fitted the same way; two single lines take the same scale, the smaller."""
    whole = natural_width(text.replace("; ", joiner), size)
    clauses = [k for k in range(len(text)) if text.startswith("; ", k)]
    words = [k for k, c in enumerate(text) if c == " "]
    if whole <= width:
        return [(text.replace("; ", joiner), 1.0)]
    if whole * SMALL_SIZE / size <= width or not words:  # (a single word can only shrink)
        return [(text.replace("; ", joiner), width / whole)]
    breaks, gap = (clauses, 2) if clauses else (words, 1)
    k = min(breaks, key=lambda b: abs(2 * b - len(text)))  # the break nearest the middle
    parts = [fitted_lines(part, size, width, joiner) for part in (text[:k], text[k + gap:])]
    if all(len(part) == 1 for part in parts):
        least = min(scale for (_, scale), in parts)
        return [(line, least) for (line, _), in parts]
    return parts[0] + parts[1]


def fitted(text: str, theme: Theme, size: int, width: float, color: str | None = None,
           joiner: str = "; ") -> VMobject:
    """``text`` no wider than ``width`` and never smaller than SMALL_SIZE (fitted_lines): one
    Text, or its lines left-aligned. A line's "; " is written ``joiner``."""
    lines = [label(line, theme, size, color=color).scale(scale) for line, scale in fitted_lines(text, size, width, joiner)]
    for line in lines:  # natural_width only estimates
        if line.width > width:
            line.scale_to_fit_width(width)
    if len(lines) == 1:
        return lines[0]
    return VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.12 * size / LABEL_SIZE)
