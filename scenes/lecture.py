"""The lecture's steps, shared by TrainingLecture and the clips.

Every step is a method on ``LectureSteps``; a scene's construct() is the storyboard that calls
them. Each chapter starts with ``chapter(name)``, which a manim-slides subclass can extend with
``self.next_slide()``.

The clock is the epoch shown (``self.clock``, a float). ``drive`` moves it with every panel
following ``History.at``: between two epochs a tween of that one real step, and where the loss
goes up each epoch gets a frame of its own (``nnviz_core.timeline``).
"""
from __future__ import annotations

import math
import textwrap
from datetime import timedelta

import numpy as np
import srt
from manim import (DL, DOWN, LEFT, RIGHT, UL, UP, UR, Circle, Create, DashedLine, Dot, FadeIn,
                   FadeOut, GrowFromCenter, LaggedStart, Line, ManimColor, Scene, Text, Transform, Triangle,
                   ValueTracker, VGroup, VMobject, Write, config, linear, logger, smooth)

from manim.utils.exceptions import EndSceneEarlyException
from manim.utils.file_ops import write_to_movie

from nnviz_core.chapters import (ACTIVATION_NAMES, Beats, Chapter, count, cues, diverged_sentence, error_words,
                                 first_batch, forward_sample, penalty_lines, point_gradients, point_text, sample_pull,
                                 storyboard,
                                 subtrahend, task, title_task, training_words, update_end_lines, update_example,
                                 update_lines, update_rule, weight_places)
from nnviz_core.events import summary_lines
from nnviz_core.layout import (PENALTY_NOTE, points_noun, points_text, probability_text, subscript, switch_text,
                               weight_text)
from nnviz_core.numbers import fmt_fixed, fmt_loss
from nnviz_core.palette import THEMES, UNIT_NORM, Palette, SymmetricNorm, Theme, diverging_rgb, edge_width, to_hex
from nnviz_core.plane import class_colour, class_marker, explained_output, grid_span
from nnviz_core.timeline import Timeline
from nnviz_core.worked import batch_gradients

from .mobjects import ContributionsPanel, EpochCounter, LossPanel, NetworkDiagram, data_panel
from .mobjects.counter import sampling_text
from .mobjects.logit import LINE_DIM, LogitPanel
from .mobjects.network import EDGE_WIDTH, zero_key
from .mobjects.regions import marker, marker_size
from .run import load_history, load_theme_name
from .theme import (CAPTION_SIZE, LABEL_SIZE, SMALL_SIZE, TITLE_SIZE, Z_NUMBER, Z_PULSE, LiveNumber, fitted, fitted_lines,
                    label, muted, natural_width)

# Where things sit on the 14.2 x 8 frame: network on the left, plots on the right.
NETWORK_CENTER = np.array([-3.75, -0.2, 0])
FIT_CENTER = np.array([3.55, 1.35, 0])
FIT_CENTER_2D = np.array([3.55, 1.42, 0])  # 2-D data's panel: a square plot, its legend beside it
LOWER_RIGHT = np.array([3.55, -2.15, 0])
RIGHT_HALF = np.array([3.3, 0.0, 0])  # the contributions chapter's big plot
PLANE_SIZE = (7.1, 5.45)  # the 2-D contributions panel's room: its square plot, scale and legend
PLANE_TOP_LEFT = np.array([0.05, 2.1, 0])  # its plot's top left corner: clear of the caption, room for notes under it
NOTES_WIDTH = 5.4
SUMMARY_WIDTH = 5.9  # the summary's notes run to the frame's right edge
INDENT = 0.4  # a note line that goes on from the one above
UPDATE_NOTES_GAP = 0.5  # between the network and the update chapter's wide notes (Adam's)
MAX_SHRINK = 0.82  # a note line shrinks to fit down to this share of its size, then it wraps
FRAME_MARGIN = 0.25  # what stays clear at the frame's edges
PANEL_GAP = 0.15  # between the texts of panels side by side
CAPTION_WIDTH = 8.6  # the top row's left part; the epoch counter owns the right
ACTIVATION_SIZE = 18  # activations written in neurons: digits ~25 px tall at 1080p
MIN_ACTIVATION_SIZE = 12  # smaller than this to fit inside, and the number goes beside the neuron
MAP_DIM = 0.3  # 2-D data: a neuron map's strength in the forward pass until the signal reaches it
LIT_WIDTH = 6  # 2-D data: the forward pass's ring around a neuron the signal reached
LIT_GAP = 0.12  # between that neuron and its activation beside it
POINT_MARK_RING = 0.12  # the forward pass's ring around its point on the data panel
POINT_MARK_GAP = 0.06  # between that ring and what is written over and under it
BEATS_KEPT = 1e-6  # a chapter whose plays differ from its declared beats by more: a warning (a bug)
DRIVE_PIECE = 2.0  # seconds of video per play in drive()
CUE_MARGIN_FRAMES = 2  # a chapter's last subtitle ends this many frames before the chapter's planned end



def gradient_pulse(gradient: float, largest: float, theme: Theme) -> Dot:
    """A backward pulse: radius and colour grow with |gradient| / ``largest``, the largest
    gradient on screen in its chapter, so the strongest pulse is full-size and full-colour."""
    norm = SymmetricNorm(largest)
    strength = float(np.abs(2 * norm(gradient) - 1))
    return Dot(radius=PULSE_RADIUS[0] + (PULSE_RADIUS[1] - PULSE_RADIUS[0]) * strength,
               color=to_hex(diverging_rgb(gradient, norm, theme)), stroke_color=theme.backward_flow, stroke_width=2)


PULSE_RADIUS = (0.05, 0.15)  # a zero gradient's pulse, the largest's
FADED = 0.2  # the gradient chapter's marks of points outside the first step's batch

POINT_MARK_SIDES = ((0, 1), (0, -1), (1, 0), (-1, 0))  # over, under, right, left: the first of equals wins


def point_mark_place(at, size, corner, far, points, radius: float, taken=None) -> np.ndarray:
    """The centre of a (w, h) box of words beside the ring at ``at``: over, under, right or left
    of it (POINT_MARK_SIDES), moved inside the plot (``corner`` to ``far``), on the side whose box
    holds the fewest of ``points`` (the data markers, ``radius`` each). A box moved onto the ring,
    or onto the ``taken`` box (low, high) of the words already there, is taken only when every
    other is; with a taken box, the places just over and under it come last."""
    reach = POINT_MARK_RING + POINT_MARK_GAP
    centres = [at + np.array(side) * (reach + size / 2) for side in POINT_MARK_SIDES]
    if taken is not None:
        middle = (taken[0] + taken[1]) / 2
        centres += [np.array([middle[0], taken[0][1] - POINT_MARK_GAP - size[1] / 2]),
                    np.array([middle[0], taken[1][1] + POINT_MARK_GAP + size[1] / 2])]
    best = None
    for rank, centre in enumerate(centres):
        centre = np.clip(centre, corner + size / 2, far - size / 2)
        low, high = centre - size / 2, centre + size / 2
        covered = int(np.all((points > low - radius) & (points < high + radius), axis=1).sum())
        on_ring = np.linalg.norm(np.clip(at, low, high) - at) < POINT_MARK_RING
        clash = taken is not None and bool(np.all(np.minimum(high, taken[1]) - np.maximum(low, taken[0]) > -POINT_MARK_GAP))
        key = (clash, on_ring, covered, rank)
        if best is None or key < best[0]:
            best = (key, centre)
    return best[1]


class LectureScene(Scene):
    """A Scene on the light canvas that knows its run (a History) and its chapters.

    ``plan`` lists the scene's chapters in order, as (name, options) for nnviz_core.chapters; each
    step starts its chapter with ``self.chapter(name)``."""

    history = None  # set before render() to show a given History; else the cfg's run
    theme_name = None  # "light" or "dark"; else the cfg's theme
    plan: tuple = ()

    def setup(self):
        super().setup()
        self.theme = THEMES[self.theme_name or load_theme_name()]  # resolved once; every panel is handed it
        self.camera.background_color = ManimColor(self.theme.background)  # ManimColor: manim-slides reads .to_hex()
        if self.history is None:
            self.history = load_history()
        self.palette = Palette.for_history(self.history, self.theme)
        self.clock = ValueTracker(0.0)  # the epoch shown: the one driver of every panel
        self.storyboard = {c.name: c for c in storyboard(self.history, self.plan, **self.story_context())}
        self.chapters: list[str] = []
        self.chapter_starts: list[float] = []
        self.chapter_end = None
        self.nominal = 0.0  # the scene's time as the sum of its plays' run times
        self.beats = Beats()  # the chapter's, for its steps: run_time=self.beats.<name>
        self.beats_begun = 0.0  # self.nominal when the chapter started
        self.undrawn = 0.0  # what drive() leaves of its run time to the chapter's end to hold
        self.played: dict[str, float] = {}  # each chapter's plays, by their nominal run times
        self.ended_early = False
        self.planned_end = 0.0  # where the plan ends the chapters so far
        self.captions: list[str] = []
        self.caption = VGroup()

    def story_context(self) -> dict:
        """More the chapters' words need beside the run (a comparison's runs)."""
        return {}

    def chapter(self, name: str) -> Chapter:
        """Start the next chapter of the plan: a named section (``--save_sections``; a slides
        subclass makes it a slide), its narration as subtitles, its captions queued for ``say``."""
        self.finish_chapter()
        expected = self.plan[len(self.chapters)][0] if len(self.chapters) < len(self.plan) else None
        if name != expected:
            raise RuntimeError(f"{type(self).__name__} starts chapter {name!r}, its plan says {expected!r}")
        chapter = self.storyboard[name]
        self.chapters.append(name)
        self.chapter_starts.append(self.renderer.time)
        self.next_section(name)
        self.planned_end += chapter.seconds  # the plan's clock: a frame short never adds up
        self.chapter_end = self.planned_end
        self.beats, self.beats_begun, self.undrawn = chapter.beats, self.nominal, 0.0
        if self.writes_video():  # the last cue ends early: manim's frame rounding may start the next chapter early
            for start, end, text in cues(chapter, margin=CUE_MARGIN_FRAMES / config.frame_rate):
                self.add_subcaption(text, duration=end - start, offset=start)
        self.captions = list(chapter.captions)
        return chapter

    def writes_video(self) -> bool:
        """Whether this render writes a video, beside which manim writes the .srt (it has nowhere
        to write one otherwise): not for stills, dry runs or a renderer told to skip everything,
        but yes for a range of animations (-n), whose skipped part still counts."""
        ranged = config.from_animation_number > 0 or config.upto_animation_number not in (None, -1, float("inf"))
        return write_to_movie() and (ranged or not self.renderer.skip_animations)

    def play(self, *args, **kwargs):
        try:
            super().play(*args, **kwargs)
        except EndSceneEarlyException:  # a render of a range of plays (-n): its chapter is cut short
            self.ended_early = True
            raise
        self.nominal += self.duration

    def finish_chapter(self) -> None:
        """Hold the last frame until the chapter's planned end (its beats, or longer where its
        words need longer), so subtitles, scripts and notes keep their times.

        Times here are the plays' nominal run times, which do not depend on whether a play is
        drawn or skipped, so every process of a render in parts (-n) holds the same frames. The
        hold is whole frames, rounded up, so a chapter never ends before its subtitles. Plays that
        are not the chapter's beats are a bug: a warning here, and a test checks every chapter."""
        if self.chapter_end is None:
            return
        name = self.chapters[-1]
        self.played[name] = self.nominal - self.beats_begun + self.undrawn
        if abs(self.played[name] - self.beats.total) > BEATS_KEPT and not self.ended_early:
            logger.warning(f"nnviz: chapter {name} played {self.played[name]:.2f} s, its beats say "
                           f"{self.beats.total:.2f} s")
        left = self.chapter_end - self.nominal
        frames = math.ceil(left * config.frame_rate - 1e-6)  # whole frames, never fewer: no cue outlasts its chapter
        if frames >= 1:
            self.wait(frames / config.frame_rate + 1e-9, frozen_frame=True)  # + 1e-9: manim counts int(t / dt)
        self.chapter_end = None

    def tear_down(self):
        try:
            self.finish_chapter()
        except EndSceneEarlyException:  # a render of a range of plays (-n) ended before this hold
            pass
        super().tear_down()

    def render(self, *args, **kwargs):
        result = super().render(*args, **kwargs)
        if config.save_sections and self.writes_video():
            self.write_section_subtitles()
        return result

    def write_section_subtitles(self) -> None:
        """Beside each chapter's section video (--save_sections), that chapter's subtitles, timed
        from the section's start."""
        writer = self.renderer.file_writer
        sections = [s for s in writer.sections if s.video is not None and s.name in self.chapters]
        for section in sections:
            k = self.chapters.index(section.name)
            start = self.chapter_starts[k]
            end = self.chapter_starts[k + 1] if k + 1 < len(self.chapters) else self.renderer.time
            own = [srt.Subtitle(i + 1, c.start - timedelta(seconds=start), c.end - timedelta(seconds=start), c.content)
                   for i, c in enumerate(c for c in writer.subcaptions
                                         if start - 1e-6 <= c.start.total_seconds() < end - 1e-6)]
            path = (writer.sections_output_dir / section.video).with_suffix(".srt")
            path.write_text(srt.compose(own, reindex=True), encoding="utf-8")

    def drive(self, panels, t_end: float, run_time: float, *animations, also=()) -> None:
        """Move the clock to epoch ``t_end`` with every panel following History.at in place.

        Frames go through the epochs at an even pace, except that each epoch of a stretch where
        the loss rises gets a frame of its own; an EpochCounter among the panels says when the
        frames skip epochs. ``also``: more callables that take each State.

        It plays in pieces of about DRIVE_PIECE seconds (``animations``, if any, play alongside
        in one piece): `nnviz render --jobs` can cut a scene only between plays."""
        history = self.history
        frames = max(int(round(run_time * config.frame_rate)), 1)
        timeline = Timeline(history, self.clock.get_value(), t_end, frames)
        dt = 1 / config.frame_rate
        # Whole frames that fit in run_time (never more, so a chapter keeps to its plan; the
        # chapter's end pads what is left).
        drawn = max(int(run_time * config.frame_rate + 1e-9), 1)
        frame = ValueTracker(0.0)  # the frame drawn, counted from the drive's start
        counters = [p for p in panels if isinstance(p, EpochCounter)]

        def follow(_):
            k = int(frame.get_value() + 0.5)
            alpha = 1.0 if k >= drawn else k * dt / run_time  # as one play would have it at frame k
            epoch = timeline.epoch_at(alpha)
            self.clock.set_value(epoch)
            state = history.at(epoch)
            for panel in panels:
                panel.set_state(state)
            for follower in also:
                follower(state)
            for counter in counters:
                counter.set_stride(timeline.stride_at(alpha))

        # Static parts first, so manim paints them once per play instead of every frame.
        self.remove(*panels)
        self.add(*(p.static for p in panels), *(p.live for p in panels))
        driver = panels[0].live
        driver.add_updater(follow)
        piece = drawn if animations else max(int(round(DRIVE_PIECE * config.frame_rate)), 1)
        for start in range(0, drawn, piece):
            stop = min(start + piece, drawn)
            frame.set_value(start)
            # Half a frame short of stop, so manim draws frames start .. stop - 1, no more.
            self.play(frame.animate.set_value(stop - 0.5), *animations, run_time=(stop - start - 0.5) * dt,
                      rate_func=linear)
            self.undrawn += 0.5 * dt  # the pieces' half frames, and below the whole frames left
        self.undrawn += run_time - drawn * dt
        driver.remove_updater(follow)
        self.clock.set_value(t_end)
        for counter in counters:
            counter.set_stride(0)  # no frames skip anything now

    def evolve(self, panels) -> None:
        """Fade the panels in at epoch 0, run the whole History, hold the end (the chapters
        "training" and "final-state" of the plan)."""
        self.show_state(panels, 0.0)
        self.play(*(FadeIn(p) for p in panels), run_time=self.beats.fade_in)
        self.wait(self.beats.hold)
        beats = self.chapter("training").beats
        self.drive(panels, self.history.epochs, beats.training)
        beats = self.chapter("final-state").beats
        self.wait(beats.hold)

    def say(self, text: str | None = None, run_time: float | None = None) -> None:
        """Replace the caption at the top left: ``text``, or the chapter's next caption, in the
        chapter's ``caption`` beat."""
        run_time = self.beats.caption if run_time is None else run_time
        text = text if text is not None else self.captions.pop(0)
        new = self.caption_text(text)
        self.play(FadeOut(self.caption), run_time=run_time / 2)  # one after the other: never overlapping
        self.play(FadeIn(new), run_time=run_time / 2)
        self.caption = new

    def caption_room(self) -> float:
        """How wide a caption may be: clear of the epoch counter."""
        room = CAPTION_WIDTH
        counter = getattr(self, "counter", None)
        # "· step 3 / 7" makes the counter wider (these chapters fade it in under their first caption)
        coming = self.chapters and self.chapters[-1] in ("weight-update", "comparison")
        if counter is not None and counter.steps > 1 and (self.on_screen(counter) or coming):
            room = min(room, counter.static.get_left()[0] - 0.35 - (0.4 - config.frame_width / 2))
        return room

    def caption_text(self, text: str) -> VMobject:
        """``text`` at the top left, clear of the epoch counter: on one line, shrunk at most to
        SMALL_SIZE; else in two smaller lines in the same band (never below SMALL_SIZE), then
        clear of the data panel's heading too."""
        size, room = self.caption_size(text)
        new = fitted(text, self.theme, size, room).to_corner(UL, buff=0.4)
        net = getattr(self, "net", None)
        if size != CAPTION_SIZE and net is not None and any(overlap(new, m) for m in net.sizes):
            # Two lines would meet a wide layer's "12 units" over the network: one line, as small as it takes.
            new = label(text, self.theme, CAPTION_SIZE)
            new.scale_to_fit_width(self.caption_room()).to_corner(UL, buff=0.4)
        return new

    def caption_size(self, text: str) -> tuple[int, float]:
        """The caption's size and width: CAPTION_SIZE where it fits one line (shrunk at most to
        SMALL_SIZE), else LABEL_SIZE in lines that keep clear of the data panel's heading."""
        room = self.caption_room()
        if natural_width(text, CAPTION_SIZE) * SMALL_SIZE / CAPTION_SIZE <= room:
            return CAPTION_SIZE, room
        fit = getattr(self, "fit", None)
        if fit is not None:  # a second line reaches the band of the data panel's heading
            room = min(room, fit.get_left()[0] - 0.3 - (0.4 - config.frame_width / 2))
        return LABEL_SIZE, room

    def caption_lines(self, text: str) -> int:
        """How many lines caption_text writes ``text`` in."""
        return len(fitted_lines(text, *self.caption_size(text)))

    def on_screen(self, mobject) -> bool:
        """drive() swaps a panel for its static and live parts: either counts."""
        return any(m in self.mobjects for m in (mobject, getattr(mobject, "static", None)))

    def show_state(self, panels, t: float) -> None:
        self.clock.set_value(t)
        state = self.history.at(t)
        for panel in panels:
            panel.set_state(state)


class LectureSteps(LectureScene):
    """The steps of the lecture, each fitting on one screen."""

    # -- the cast ----------------------------------------------------------------------------
    def cast(self) -> None:
        """Build every panel once (not shown yet); later steps only change them."""
        if hasattr(self, "net"):
            return
        h = self.history
        self.net = NetworkDiagram(h, self.palette, width=5.2, height=5.6).move_to(NETWORK_CENTER)
        if h.problem.is_2d:  # a square plot, taller: the loss plot (with its accuracy rows) gives way
            self.fit = data_panel(h, self.palette, width=4.9, height=2.3).move_to(FIT_CENTER_2D)
            height = 1.5
        else:
            self.fit = data_panel(h, self.palette, width=4.9, height=2.4).move_to(FIT_CENTER)
            height = 2.0
        self.losses = LossPanel(h, self.palette, width=4.9, height=height)
        # Its rows (a note under the ticks, held-out readouts over the plot) make it taller: the
        # plot gives way, so its header stays clear of the data plot's ticks and its note on the frame.
        ceiling, floor = self.fit.get_bottom()[1] - PANEL_GAP, FRAME_MARGIN - config.frame_height / 2
        excess = self.losses.height - (ceiling - floor)
        if excess > 0:
            self.losses = LossPanel(h, self.palette, width=4.9, height=height - excess)
        self.losses.move_to(LOWER_RIGHT)
        self.losses.shift(max(floor - self.losses.get_bottom()[1], 0) * UP + max(self.losses.get_top()[1] - ceiling, 0) * DOWN)
        self.counter = EpochCounter(h, self.palette).to_corner(UR, buff=0.4)
        self.legend = weight_legend(self.palette, zero_key(h, self.theme)).to_corner(DL, buff=0.3)
        room = self.losses.get_left()[0] - PANEL_GAP - self.legend.get_left()[0]
        if self.legend.width > room:  # with "w = 0" it reaches under the loss panel's ticks
            self.legend.scale(room / self.legend.width, about_edge=DL)
        self.notes = VGroup()
        self.sample_marks = VGroup()  # the forward pass's marks on the data plot
        self.activation_values = VGroup()
        self.show_state([self.net, self.fit, self.losses, self.counter], 0.0)

    def note(self, *lines, run_time: float | None = None, color=None, at=None, top: float | None = None,
             size: int = LABEL_SIZE, width: float = NOTES_WIDTH, left=None, buff: float = 0.22) -> None:
        """Replace the notes in the lower right (where the loss panel goes later), in the
        chapter's ``note`` beat. Text lines too long for the notes' width wrap onto more lines
        instead of shrinking. ``left``: what their left edge lines up with (the data plot's)."""
        run_time = self.beats.note if run_time is None else run_time
        left = self.fit.plot.y_axis if left is None else left
        new = self.note_lines(lines, color, size, width, left, buff)
        new.move_to(LOWER_RIGHT if at is None else at).align_to(left, LEFT)
        if top is not None:
            room = top - (FRAME_MARGIN - config.frame_height / 2)  # down to the frame's bottom margin
            if new.height > room:  # a long summary shrinks rather than leave the frame (summary() keeps clear of it)
                new.scale_to_fit_height(room).align_to(left, LEFT)
            new.shift((top - new.get_top()[1]) * UP)
        self.play(FadeOut(self.notes), run_time=run_time / 2)
        self.play(FadeIn(new), run_time=run_time / 2)
        self.notes = new

    def note_lines(self, lines, color=None, size: int = LABEL_SIZE, width: float = NOTES_WIDTH, left=None,
                   buff: float = 0.22, made: dict | None = None) -> VGroup:
        """The notes note() shows, laid out but not placed; ``made``: the lines built so far, by
        their text (a caller that tries several sets of lines builds each once)."""
        left = self.fit.plot.y_axis if left is None else left
        if self.history.problem.is_2d:  # the square plot starts further right: the notes stop at the frame's margin
            width = min(width, config.frame_width / 2 - FRAME_MARGIN - left.get_left()[0])
        made = {} if made is None else made
        for line in lines:
            if isinstance(line, str) and line not in made:
                made[line] = wrapped(line.lstrip(), self.theme, size, color, width)
        new = VGroup(*(made[line] if isinstance(line, str) else line for line in lines))
        new.arrange(DOWN, aligned_edge=LEFT, buff=buff)
        for line, made in zip(lines, new):  # a line that goes on from the one above: indented
            if isinstance(line, str) and line.startswith("  "):
                made.shift(INDENT * RIGHT)
        if new.width > width:
            new.scale_to_fit_width(width)
        return new

    def clear_notes(self) -> None:
        self.play(FadeOut(self.notes), run_time=self.beats.clear)
        self.notes = VGroup()

    # -- 1. title ----------------------------------------------------------------------------
    def show_title(self) -> None:
        chapter = self.chapter("title")
        beats = chapter.beats
        c = self.history.config
        shape = "-".join(map(str, c.layers))
        title = label(chapter.title, self.theme, TITLE_SIZE)
        learns = title_task(self.history)
        what = label(f"A {shape} network ({ACTIVATION_NAMES[c.activation]}) learns {learns}", self.theme, LABEL_SIZE + 4)
        points = f"{c.training_points} training points" + (f" ({c.held_out} held out)" if c.held_out else "")
        how = muted(f"{points} · gradient descent · learning rate {c.lr:g} · "
                    f"{count(c.epochs, 'epoch')}", self.theme, LABEL_SIZE)
        if (c.optimizer, self.history.steps, c.l1, c.l2) != ("sgd", 1, 0, 0):  # how it learns, on a line of its own
            how = VGroup(muted(f"{points} · learning rate {c.lr:g} · {count(c.epochs, 'epoch')}",
                               self.theme, LABEL_SIZE),
                         muted(training_words(self.history), self.theme, LABEL_SIZE)).arrange(DOWN, buff=0.2)
        lines = [title, what, how]
        if self.history.diverged_at is not None:  # a saved diverged run: said from the start
            lines.append(label(diverged_sentence(self.history).strip(), self.theme, LABEL_SIZE,
                               color=self.theme.prediction))
        card = VGroup(*lines).arrange(DOWN, buff=0.45)
        if card.width > 13:
            card.scale_to_fit_width(13)
        self.play(Write(title), run_time=beats.write_title)
        self.play(*(FadeIn(line, shift=0.2 * UP) for line in lines[1:]), run_time=beats.card)
        self.wait(beats.hold)
        self.play(FadeOut(card), run_time=beats.fade_out)

    # -- 2. the network ----------------------------------------------------------------------
    def build_network(self, animate: bool = True) -> None:
        beats = self.chapter("build-the-network" if animate else "the-network").beats
        self.cast()
        net = self.net
        self.say()
        if not animate:
            self.add(net, self.legend, self.fit)
            return
        layers = self.history.config.layers
        maps = net.maps  # 2-D data: each neuron's map, grown with its neuron
        if maps is not None:
            self.add(maps.set_sizes({key: 0.0 for key in maps.keys}))
        for layer in range(len(layers)):
            if layer > 0:  # edges are drawn under the neurons (their z-index), never over them
                self.play(LaggedStart(*(Create(line) for line, _ in net.layer_edges(layer - 1)), lag_ratio=0.02),
                          run_time=beats.edges)
            grow = [] if maps is None else [maps.grow_with([(layer, n.index) for n in net.layout.neurons[layer]])]
            self.play(LaggedStart(*(GrowFromCenter(c) for c in net.layer_neurons(layer)), lag_ratio=0.05),
                      FadeIn(net.layer_labels(layer)), *grow, run_time=beats.neurons)
        self.add(net)  # the whole diagram, including the size labels of wide layers
        self.play(FadeIn(net.sizes), FadeIn(self.legend), run_time=beats.sizes)
        self.wait(beats.look)
        self.say()
        self.play(FadeIn(self.fit), run_time=beats.fit)
        self.wait(beats.hold)

    # -- 3. forward pass ---------------------------------------------------------------------
    def forward_pass(self) -> None:
        beats = self.chapter("forward-pass").beats
        net, h = self.net, self.history
        state = h.at(self.clock.get_value())
        self.sample = s = forward_sample(h)
        k, x = s.index, s.x
        plane = h.problem.is_2d
        acts = [a[k:k + 1] for a in state.activations]  # the State's own, for sample k
        values = [h.problem.X[k:k + 1] if plane else np.array([[x]])] + acts  # activations per layer, input first
        self.say()
        at = self.fit.point(s.x1, s.x2) if plane else self.fit.point(x, s.y)
        ring = Circle(POINT_MARK_RING, color=self.theme.ink, stroke_width=4).move_to(at)
        self.play(Create(ring), run_time=beats.ring)
        if plane:  # the names give way to the values; the maps dim until the signal reaches them
            self.play(FadeOut(net.labels), net.maps.fade_to({key: MAP_DIM for key in net.maps.keys}),
                      run_time=beats.empty)
        else:  # neurons empty out; each then fills by its activation as the signal arrives
            self.play(*(c.animate.set_fill(opacity=0.12) for c in net.circles), FadeOut(net.labels), run_time=beats.empty)
        scale = [np.abs(v).max() or 1.0 for v in [h.problem.X if plane else h.X] + state.activations]
        fill = self._light_layer if plane else self._fill_layer
        fill(0, values[0][0], scale[0], beats.fill_input)
        for layer in range(len(values) - 1):
            pulses = VGroup()
            for line, e in net.layer_edges(layer):
                strength = abs(values[layer][0, e.i] * state.weights[layer][e.i, e.j]) / scale[layer + 1]
                pulses.add(Dot(line.get_start(), radius=0.04 + 0.08 * min(strength, 1.0), color=self.theme.signal))
            pulses.set_z_index(Z_PULSE)  # under the neurons and their numbers
            self.play(FadeIn(pulses), run_time=beats.pulses)
            self.play(*(p.animate.move_to(line.get_end()) for p, (line, _) in zip(pulses, net.layer_edges(layer))),
                      run_time=beats.travel, rate_func=smooth)
            self.remove(pulses)
            fill(layer + 1, values[layer + 1][0], scale[layer + 1], beats.fill)
        if plane and h.problem.classes:
            self._squash(beats.squash)
        mark = self._point_mark(at, 0) if plane else self._true_value_mark(x, s.y_hat)
        self.sample_marks = VGroup(ring, mark)
        self.play(FadeIn(mark, scale=2), run_time=beats.mark)
        self.wait(beats.hold)

    def _true_value_mark(self, x: float, value: float) -> VMobject:
        """A dot at (x, value) on the data plot; off the plot, a triangle on its edge pointing
        the way (the note beside it gives the true value)."""
        at = self.fit.point(x, value)
        if self.fit.plot.inside([value])[0]:
            return Dot(at, radius=0.09, color=self.theme.prediction)
        pointing = 0.0 if value > self.fit.plot.y_span[1] else np.pi
        return Triangle(fill_color=self.theme.prediction, fill_opacity=1, stroke_width=0).scale(0.12).rotate(pointing).move_to(at)

    def _fill_layer(self, layer: int, values, scale: float, run_time: float) -> None:
        """Fill each drawn neuron by its activation and write it: inside the neuron where the
        number fits, else just beside it, on a halo."""
        neurons = self.net.layer_neurons(layer)
        numbers = VGroup()
        for n, c in zip(self.net.layout.neurons[layer], neurons):
            numbers.add(LiveNumber(values[n.index], lambda v: fmt_fixed(v, 2), ACTIVATION_SIZE, color=self.theme.ink))
        # One size for the layer: the widest number's, shrunk to fit inside its neuron.
        room = min(1.0, self.net.inner_width() / max(m.width for m in numbers))
        for number, c in zip(numbers, neurons):
            if room >= MIN_ACTIVATION_SIZE / ACTIVATION_SIZE:
                number.scale(room).move_to(c)
            else:  # beside it, on a halo, on the side where no edge leaves (the input: left)
                number.add_halo(self.theme.background).next_to(c, LEFT if layer == 0 else RIGHT, buff=0.08)
        numbers.set_z_index(Z_NUMBER)
        fills = [c.animate.set_fill(opacity=0.12 + 0.88 * min(abs(values[n.index]) / scale, 1.0))
                 for n, c in zip(self.net.layout.neurons[layer], neurons)]
        self.play(*fills, FadeIn(numbers), run_time=run_time)
        self.activation_values.add(numbers)

    def _light_layer(self, layer: int, values, scale: float, run_time: float) -> None:
        """2-D data: each drawn neuron lights up as the signal arrives: its map back to full
        colour, the point marked in it (its value there is the activation), a ring around it as
        strong as the activation (of the layer's largest over every point, as a 1-D neuron
        fills), and the activation written beside it on a halo, where its name was."""
        net, s, theme = self.net, self.sample, self.theme
        marks, keys = VGroup(), []
        neurons = list(zip(net.layout.neurons[layer], net.layer_neurons(layer)))
        numbers = [LiveNumber(values[n.index], lambda v: fmt_fixed(v, 2), ACTIVATION_SIZE, color=theme.ink).add_halo(theme.background)
                   for n, _ in neurons]
        # One size for the layer: the widest number's, shrunk to fit between its column and the next.
        last = layer == len(net.layout.neurons) - 1
        room = net.spacing - 2 * (net.radius + LIT_GAP) if 0 < layer and not last else np.inf
        shrink = min(1.0, room / max(m.width for m in numbers))
        beside = shrink >= MIN_ACTIVATION_SIZE / ACTIVATION_SIZE
        for (n, c), number in zip(neurons, numbers):
            key = (layer, n.index)
            keys.append(key)
            strength = min(abs(values[n.index]) / scale, 1.0)
            lit = Circle(net.radius + 0.05, stroke_color=theme.signal, stroke_width=LIT_WIDTH,
                         stroke_opacity=0.2 + 0.8 * strength).move_to(c)
            if beside:  # the input's on the left, like its name; the others' on the right
                number.scale(shrink).next_to(c, LEFT if layer == 0 else RIGHT, buff=LIT_GAP)
            else:  # a deep net's narrow columns: inside, over the map
                number.scale(min(1.0, net.inner_width() / number.width)).move_to(c)
            marks.add(lit, number)
            at = net.maps.point_in(key, s.x1, s.x2)
            if at is not None:
                marks.add(Dot(at, radius=0.035, color=theme.ink, stroke_color=theme.background, stroke_width=2))
        marks.set_z_index(Z_NUMBER)
        self.play(FadeIn(marks), net.maps.fade_to({key: 1.0 for key in keys}), run_time=run_time)
        self.activation_values.add(marks)
        self.output_numbers = numbers

    def _squash(self, run_time: float) -> None:
        """A classification's output: each logit z, written beside its neuron, becomes its
        probability (sigmoid or softmax): "z = 0.42" over "→ p = 0.60" (with k classes each
        class's z and p, subscripted)."""
        s, theme = self.sample, self.theme
        old, new = VGroup(*self.output_numbers), VGroup()
        two = len(s.logits) == 1
        for c, number in enumerate(self.output_numbers):
            sub = "" if two else subscript(c)
            p = s.probabilities[1] if two else s.probabilities[c]
            lines = VGroup(label(f"z{sub} = {fmt_fixed(s.logits[c], 2)}", theme, ACTIVATION_SIZE),
                           label(f"→ p{sub} = {probability_text(p)}", theme, ACTIVATION_SIZE))
            lines.arrange(DOWN, aligned_edge=LEFT, buff=0.06).set_stroke(theme.background, 6, background=True)
            new.add(lines.scale(number.scale_factor()).next_to(number.get_left(), RIGHT, buff=0))
        room = self.fit.plot.mobject.get_left()[0] - FRAME_MARGIN - new.get_left()[0]  # clear of the data plot's ticks
        if new.width > room:
            new.scale(room / new.width, about_edge=LEFT)
        new.set_z_index(Z_NUMBER)
        self.play(FadeOut(old), FadeIn(new), run_time=run_time)
        self.activation_values.add(new)

    def _point_mark(self, at, row: int) -> VMobject:
        """2-D data: beside the forward pass's point at ``at`` on the data panel, on a halo,
        inside the plot: row 0 what the network says (the class it puts the point in, or ŷ), row
        1 what its loss measures that against (the probability of its own class, or y); each on
        the side of the point where it covers the fewest data markers (point_mark_place), row 1
        clear of row 0."""
        s, theme = self.sample, self.theme
        if self.history.problem.classes:
            k = s.predicted if row == 0 else s.label
            text = f"says class {k}" if row == 0 else f"p = {probability_text(s.p)}"  # the p of its class, by its marker
            mark = VGroup(marker(class_marker(k), np.zeros(3), 0.07, class_colour(k, theme), theme.ink),
                          label(text, theme, SMALL_SIZE)).arrange(RIGHT, buff=0.1)
        else:
            mark = VGroup(label(f"ŷ = {fmt_fixed(s.y_hat)}" if row == 0 else f"y = {fmt_fixed(s.y)}", theme, SMALL_SIZE))
        for part in mark:
            part.set_stroke(theme.background, 6, background=True)
        plot, problem = self.fit.plot, self.history.problem
        corner, far = plot.x_axis.get_start()[:2], np.array([plot.x_axis.get_end()[0], plot.y_axis.get_end()[1]])
        inputs = problem.raw_inputs if problem.test_inputs is None else np.r_[problem.raw_inputs, problem.test_inputs]
        first = [m for m in self.sample_marks if getattr(m, "point_row", None) == 0] if row else []
        taken = (first[0].get_corner(DL)[:2], first[0].get_corner(UR)[:2]) if first else None
        centre = point_mark_place(np.asarray(at, float)[:2], np.array([mark.width, mark.height]), corner, far,
                                  plot.points(*inputs.T)[:, :2], marker_size(plot), taken)
        mark.point_row = row
        return mark.move_to([*centre, 0]).set_z_index(Z_NUMBER)

    def free_plot_corner(self, plot, gap: float = 0.1):
        """The loss plot's top right corner, inside it, for "1 frame / 12 epochs" (its lower right
        point), when neither loss curve passes under the note at any epoch; else None."""
        h = self.history
        note = muted(sampling_text(h.epochs, short=True, unit="epochs" if h.steps == 1 else "steps"), self.theme, SMALL_SIZE)
        right, top = plot.x_axis.get_end()[0] - gap, plot.y_axis.get_end()[1] - gap
        left, bottom = right - note.width - gap, top - note.height - gap
        epochs = np.linspace(0, h.epochs, 8 * h.epochs + 1)  # each segment sampled, not only its ends
        for loss in (h.loss, h.test_loss):
            at = plot.points(epochs, np.interp(epochs, np.arange(len(loss)), loss))
            if np.any((at[:, 0] > left) & (at[:, 1] > bottom)):
                return None
        return [right, top - note.height, 0]

    # -- 4. the loss for that sample -----------------------------------------------------------
    def sample_loss(self) -> None:
        beats = self.chapter("loss-for-one-sample").beats
        s, h = self.sample, self.history
        if h.problem.is_2d:
            self.plane_sample_loss(beats)
            return
        state = h.at(self.clock.get_value())
        gap = DashedLine(self.fit.point(s.x, s.y), self.fit.point(s.x, s.y_hat), color=self.theme.ink, stroke_width=3)
        self.say()
        self.play(Create(gap), run_time=beats.gap)
        self.note(f"prediction ŷ = {fmt_fixed(s.y_hat)},  target y = {fmt_fixed(s.y)}",
                  f"this sample's loss (ŷ − y)² = {fmt_loss((s.y_hat - s.y) ** 2)}",
                  *self.mean_lines(state.loss), *self.batch_loss_line())
        self.sample_marks.add(gap)
        self.wait(beats.hold)

    def plane_sample_loss(self, beats) -> None:
        """2-D data: beside the point, what its loss is made of (the probability of its own
        class, or its target y), then the loss worked out and the mean over every point."""
        s, h = self.sample, self.history
        self.say()
        mark = self._point_mark(self.fit.point(s.x1, s.x2), 1)
        self.play(FadeIn(mark, scale=2), run_time=beats.mark)
        mean = self.mean_lines(h.loss[0])  # the Sample's epoch: 0
        if h.problem.classes:
            p = probability_text(s.p)
            self.note(f"its class is {s.label}: p(class {s.label}) = {p}", f"its loss −log p = −log {p} = {fmt_loss(s.loss)}",
                      *mean, *self.batch_loss_line())
        else:
            self.note(f"prediction ŷ = {fmt_fixed(s.y_hat)},  target y = {fmt_fixed(s.y)}",
                      f"this point's loss (ŷ − y)² = {fmt_loss(s.loss)}", *mean, *self.batch_loss_line())
        self.sample_marks.add(mark)
        self.wait(beats.hold)

    def mean_lines(self, loss: float) -> list[str]:
        """ "mean over all 100 points: L = 0.5625"; with points held out the longer count on a
        line of its own, L under it, rather than broken where the width ends."""
        c = self.history.config
        data = [f"  ({PENALTY_NOTE})"] if self.history.problem.penalised else []  # as the loss panel says
        if not c.held_out:
            return [f"mean over all {points_text(c)}: L = {fmt_loss(loss)}", *data]
        return [f"mean over all {points_text(c)}:", f"  L = {fmt_loss(loss)}", *data]

    def batch_loss_line(self) -> list[str]:
        """With minibatches, the first step's batch loss (History.batch_loss), under the mean."""
        h = self.history
        if h.steps == 1:
            return []
        return [f"the first step's batch of {len(first_batch(h))}: L = {fmt_loss(h.batch_loss[0, 0])}"]

    # -- 5. backward pass --------------------------------------------------------------------
    def swatch(self, sign: float) -> Dot:
        """A pulse of the largest gradient's size and colour, of one sign: for a legend."""
        return gradient_pulse(sign, 1.0, self.theme)

    def backward_pass(self) -> None:
        beats = self.chapter("backward-pass").beats
        net = self.net
        self.say()
        # The neurons as they were: 1-D's filled again, 2-D's clear over their maps.
        restore = [] if net.maps is not None else [c.animate.set_fill(opacity=0.9) for c in net.circles]
        self.play(FadeOut(self.activation_values), FadeIn(net.labels), *restore, run_time=beats.restore)
        self.activation_values = VGroup()
        self.note(label("Pulses run from ŷ back to x", self.theme, LABEL_SIZE, color=self.theme.backward_flow),
                  VGroup(self.swatch(1.0), label("∂L/∂w > 0: lower w", self.theme, LABEL_SIZE)).arrange(RIGHT),
                  VGroup(self.swatch(-1.0), label("∂L/∂w < 0: raise w", self.theme, LABEL_SIZE)).arrange(RIGHT),
                  label("size: |∂L/∂w|, averaged over " + (f"the batch's {len(first_batch(self.history))} points"
                        if self.history.steps > 1 else f"all {points_noun(self.history.config)}"), self.theme,
                        SMALL_SIZE, color=self.theme.muted_ink))
        # the gradient the first step takes: its batch's, with L2's part (L1 is a move of its own)
        step = self.history.clock(self.clock.get_value())
        grads = net.edge_values(batch_gradients(self.history, step[0], step[1])[0])
        largest = float(np.abs(grads).max())  # the chapter's own scale: a spike later on does not shrink these
        for layer in reversed(range(len(self.history.config.layers) - 1)):
            pulses, moves = VGroup(), []
            for k, (line, e) in enumerate(zip(net.edges, net.layout.edges)):
                if e.layer != layer:
                    continue
                pulse = gradient_pulse(grads[k], largest, self.theme).move_to(line.get_end())
                pulses.add(pulse)
                moves.append(pulse.animate.move_to(line.get_start()))
            pulses.set_z_index(Z_PULSE)  # they travel under the neurons and their names
            self.play(FadeIn(pulses), run_time=beats.pulses_in)
            self.play(*moves, run_time=beats.travel, rate_func=smooth)
            self.play(FadeOut(pulses), run_time=beats.pulses_out)
        self.wait(beats.hold)

    # -- 6. where a gradient comes from --------------------------------------------------------
    def gradient_from_points(self) -> None:
        """The update's weight: one gradient per training point on the data plot, the forward
        pass's point with its error factor (2(ŷ − y), or p − y), then all of them gathering into
        their mean, the very pulse and number the update uses. With minibatches the first step's
        batch is marked: its points in full, the others faded, and the mean is the batch's."""
        beats = self.chapter("where-the-gradient-comes-from").beats
        h, net, fit = self.history, self.net, self.fit
        u, s = update_example(h), forward_sample(h)
        plane = h.problem.is_2d
        points = point_gradients(h)
        per_point, in_batch = points.per_point, points.in_batch
        batched = h.steps > 1
        largest = float(np.abs(per_point).max()) or 1.0
        colours = [to_hex(rgb) for rgb in self.palette.sign_rgb(per_point)]
        where = h.X[:, :2] if plane else np.column_stack([h.X[:, 0], h.y[:, 0]])  # (x1, x2), or (x, y)
        marks = VGroup(*(Dot(fit.point(a, b), radius=0.03 + 0.09 * abs(g) / largest, color=c,
                             stroke_color=self.theme.backward_flow, stroke_width=1.5)
                         for (a, b), g, c in zip(where, per_point, colours)))
        for mark, kept in zip(marks, in_batch):
            if not kept:  # not in this step's batch: there, but it does not pull now
                mark.set_opacity(FADED)
        self.gradient_marks_shown = marks  # for a check: which points pull in this step
        self.say()
        glow = net.edge_line(u.edge.layer, u.edge.i, u.edge.j).copy().set_stroke(self.theme.backward_flow, EDGE_WIDTH[1] + 6,
                                                                                 opacity=0.35)
        said = self.sample_marks[1:] if plane else []  # the forward pass's words at its point give way to the marks
        self.play(FadeOut(self.notes), FadeIn(glow), LaggedStart(*(FadeIn(m, scale=0.5) for m in marks),
                                                                 lag_ratio=0.01), *(FadeOut(m) for m in said),
                  run_time=beats.marks)
        self.sample_marks.remove(*said)
        self.notes = VGroup()
        of = points_text(h.config, len(per_point))
        faded = ([label(f"faded: not in the first batch ({len(points.batch)} of {of})", self.theme, SMALL_SIZE,
                        color=self.theme.muted_ink)] if batched else [])
        self.note(VGroup(self.swatch(1.0), label(f"this point's ∂loss/∂{u.name} > 0", self.theme, SMALL_SIZE + 2)).arrange(RIGHT),
                  VGroup(self.swatch(-1.0), label("< 0", self.theme, SMALL_SIZE + 2)).arrange(RIGHT),
                  label("size: how hard the point pulls", self.theme, SMALL_SIZE, color=self.theme.muted_ink), *faded)
        self.wait(beats.look)
        ring = Circle(0.16, color=self.theme.ink, stroke_width=4).move_to(marks[s.index])
        self.play(Create(ring), run_time=beats.ring)
        if plane:
            self.note(*self.pull_lines(u, s), size=SMALL_SIZE + 2, width=SUMMARY_WIDTH)
        else:  # the forward pass's point: its error factor 2(ŷ − y) times how ŷ moves with the weight
            factor = 2 * (s.y_hat - s.y)
            moves_y_hat = per_point[s.index] / factor if factor else 0.0
            self.note(f"the point at x = {fmt_fixed(s.x, 2)}:",
                      f"2(ŷ − y) = 2 × ({fmt_fixed(s.y_hat)} − {subtrahend(s.y)}) = {fmt_fixed(factor)}",
                      f"× ∂ŷ/∂{u.name} = {fmt_fixed(moves_y_hat)}  →  {fmt_fixed(per_point[s.index])}", size=SMALL_SIZE + 2,
                      width=SUMMARY_WIDTH)
        self.wait(beats.hold)
        # The batch's marks gather into their mean: the pulse, and the number, of the update (on
        # a plane, at the plot's centre; on 1-D data, at the data's mean height); the others leave.
        self.say()
        middle = float(np.mean(grid_span(h.problem))) if plane else None
        gather = fit.point(middle, middle) if plane else fit.point(0.0, float(np.mean(h.y)))
        mean = gradient_pulse(u.gradient, largest, self.theme).move_to(gather)
        self.play(FadeOut(ring), *(m.animate.move_to(mean).set_opacity(0.2) if kept else FadeOut(m)
                                   for m, kept in zip(marks, in_batch)), run_time=beats.gather)
        self.play(*(FadeOut(m) for m, kept in zip(marks, in_batch) if kept), FadeIn(mean), run_time=beats.mean)
        mean_of = f"batch mean ({len(points.batch)} points)" if batched else f"mean of {points_text(h.config)}"
        self.note(f"{mean_of}: ∂L/∂{u.name} = {fmt_fixed(u.gradient)}", size=SMALL_SIZE + 2, width=SUMMARY_WIDTH)
        line = net.edge_line(u.edge.layer, u.edge.i, u.edge.j)
        self.play(mean.animate.move_to(line.get_center()), run_time=beats.to_edge)
        self.play(FadeOut(mean), run_time=beats.fade_out)
        self.update_glow = glow

    def pull_lines(self, u, s) -> list[str]:
        """2-D data: the forward pass's point's own ∂loss/∂w, from its error factor (sample_pull,
        error_words): one output's factor times how that output moves with w, or, for a weight
        that reaches every output, the factors at all of them."""
        h = self.history
        pull = sample_pull(h)
        lines = [f"the point at {point_text(s)}:"]
        if len(pull.outputs) == 1:
            o = pull.outputs[0]
            formula, worked = error_words(h, s, o)
            z = "ŷ" if not h.problem.classes else "z" + ("" if len(s.logits) == 1 else subscript(o))
            lines += [f"{formula} = {worked}",
                      f"× ∂{z}/∂{u.name} = {fmt_fixed(pull.through or 0.0)}  →  {fmt_fixed(pull.gradient)}"]
        else:
            factors = ", ".join(fmt_fixed(f) for f in pull.factors)
            lines += [f"p − y at its {len(pull.outputs)} outputs: {factors}",
                      f"carried back to {u.name}  →  {fmt_fixed(pull.gradient)}"]
        return lines

    # -- 7. the update -----------------------------------------------------------------------
    def update_weights(self) -> None:
        """The chapter's real steps from epoch 0 (one; momentum and adam: two, the second with
        the optimiser's memory no longer zero), each worked through for the edge with the
        largest gradient in the optimiser's own arithmetic with training's numbers
        (chapters.update_lines), then played: that one step, its weight live beside it."""
        beats = self.chapter("weight-update").beats
        h, net = self.history, self.net
        u = update_example(h)
        e = u.edge
        glow = getattr(self, "update_glow", None)
        if glow is None:  # a clip without the gradient chapter
            glow = net.edge_line(e.layer, e.i, e.j).copy().set_stroke(self.theme.backward_flow, EDGE_WIDTH[1] + 6, opacity=0.35)
        top = self.fit.plot.labels.get_bottom()[1] - 0.3
        for k, step in enumerate(u.steps):
            self.say()
            lines = update_lines(h, u, k)  # few lines (sgd, momentum) are written larger than Adam's many
            size, buff, chars = ((LABEL_SIZE, 0.22, 36) if len(lines) <= 3 else (SMALL_SIZE + 2, 0.16, 40)
                                 if len(lines) <= 6 else (SMALL_SIZE, 0.12, 44))
            room = dict(width=SUMMARY_WIDTH)
            if len(lines) > 6:  # Adam's many lines: from the network's (and its legend's) right edge, fewer broken
                x = max(net.get_right()[0], self.legend.get_right()[0]) + UPDATE_NOTES_GAP
                room = dict(left=Dot([x, top, 0], radius=0), width=config.frame_width / 2 - FRAME_MARGIN - x)
                chars = 52
            lines = update_lines(h, u, k, chars)  # the longer lines broken for that size
            # The weight, live: it moves from w to the new w while the step below runs.
            places = weight_places(step)
            live_w = LiveNumber(step.w, lambda v, places=places: weight_text(v, places), size, color=self.theme.ink)
            now = VGroup(label(f"{u.name} ({e.start.label}→{e.end.label}) now:", self.theme, size,
                               color=self.theme.backward_flow), live_w).arrange(RIGHT, buff=0.2)
            rule = [update_rule(h)] if update_rule(h) and k == 0 else []
            self.note(*rule, now, *lines, size=size, top=top, buff=buff, **room)
            if k == 0:
                self.play(FadeIn(glow), FadeIn(self.counter), run_time=beats.glow)
                self.wait(beats.look)
                # The forward pass's marks belong to this epoch: they leave before the epoch moves on.
                self.play(FadeOut(self.sample_marks), run_time=beats.marks_out)
            else:
                self.wait(beats.look2)
            # An updater marks the number as moving, so manim redraws it every frame (the notes are
            # otherwise painted once per play): it shows the weight of the state drawn.
            live_w.add_updater(lambda m: m)
            self.drive([self.net, self.fit, self.counter], step.epoch + (step.step + 1) / h.steps,
                       beats.step2 if k else beats.step,
                       also=[lambda s, live_w=live_w: live_w.set_value(s.weights[e.layer][e.i, e.j])])
            live_w.clear_updaters()
            self.wait(beats.settle2 if k else beats.settle)
        self.say()
        self.note(*update_end_lines(h, u), size=SMALL_SIZE + 2, top=top, width=SUMMARY_WIDTH)
        self.wait(beats.hold)
        self.play(FadeOut(glow), run_time=beats.glow_out)

    # -- 8. the montage ----------------------------------------------------------------------
    def training_montage(self) -> None:
        beats = self.chapter("training-montage").beats
        h = self.history
        self.cast()
        self.say()
        self.show_state([self.losses], self.clock.get_value())
        shown = [m for m in (self.net, self.legend, self.fit, self.counter) if not self.on_screen(m)]
        self.clear_notes()  # first, so the notes never show through the loss panel
        self.play(FadeIn(self.losses), *(FadeIn(m) for m in shown), run_time=beats.fade_in)
        # "1 frame per N epochs": over the loss plot's right end, the one free row (under the
        # counter it would sit on the 1-D data fit's header); 2-D data's loss panel has its
        # accuracy row there, and its data panel's heading is short: under the counter.
        plot = self.losses.plot
        if h.problem.is_2d:
            self.counter.sampling_corner = [self.counter.get_right()[0], self.counter.get_bottom()[1] - 0.45, 0]
        else:  # with held-out points the test row is over the plot: inside it, where it is free
            inside = self.free_plot_corner(plot) if h.test_loss is not None else None
            self.counter.sampling_corner = inside or [plot.x_axis.get_end()[0], plot.y_axis.get_end()[1] + 0.15, 0]
        self.drive([self.net, self.fit, self.losses, self.counter], h.epochs, beats.training)
        self.counter.sampling_corner = None
        if h.diverged_at is not None:  # where the run stopped, and why
            self.say()

    # -- 9. what each neuron computes ----------------------------------------------------------
    def neuron_contributions(self) -> None:
        """The prediction at the final epoch built as a running sum of the output bias and each
        last-hidden unit's weighted output; then training replayed with these curves."""
        beats = self.chapter("what-each-neuron-computes").beats
        h, net = self.history, self.net
        self.cast()
        if len(h.config.layers) < 3:
            return
        if h.problem.is_2d:
            self.plane_contributions(beats)
            return
        end = float(h.epochs)
        state = h.at(end)
        parts = ContributionsPanel(h, self.palette, width=6.6, height=3.6).move_to(RIGHT_HALF)
        self.contributions = parts
        parts.set_state(state)
        gone = [m for m in (self.fit, self.losses, self.notes, self.legend) if self.on_screen(m)]
        self.say()
        self.play(*(FadeOut(m) for m in gone), FadeIn(parts.static), net.show_tabs(), run_time=beats.fade)
        self.notes = VGroup()
        # A running sum, from the output bias alone to the full prediction.
        b = float(state.biases[-1][0, 0])
        running = parts.bias_line.copy().set_stroke(self.theme.prediction, 5)
        self.play(Create(parts.bias_line), FadeIn(running), run_time=beats.bias)
        below = parts.plot.labels.get_bottom()[1] - 0.3
        self.note(f"start: the output bias, b = {fmt_fixed(b)}", top=below, size=SMALL_SIZE + 2, width=SUMMARY_WIDTH)
        layer = len(h.config.layers) - 2
        for k, (curve, index) in enumerate(zip(parts.unit_curves, parts.units)):
            # The unit and its two edges glow in its curve's colour while its piece is added.
            glow = VGroup()
            if index is not None:
                glow = net.edges_of_unit(layer, index).copy().set_stroke(parts.colours[k], EDGE_WIDTH[1] + 4, opacity=0.45)
                glow.add(net.neurons[(layer, index)].copy().set_fill(opacity=0).set_stroke(parts.colours[k], 8))
            total = parts.running_sum(state, k + 1)
            step = parts.draw(VMobject(), total).match_style(running)
            self.play(Create(curve), FadeIn(glow), run_time=beats.curve)
            self.play(Transform(running, step), run_time=beats.add)
            self.play(FadeOut(glow), run_time=beats.unglow)
        self.play(FadeIn(parts.switch_marks), FadeIn(parts.dead_tags), FadeIn(parts.total), FadeOut(running),
                  run_time=beats.marks)
        self.add(parts)
        dead = int(state.dead_units()[-1].sum())
        width = h.config.layers[-2]
        self.note("the red sum is the prediction, exactly", f"▲ {switch_text(h.config.activation)}",
                  *([f"{dead} of {width} units dead (faded)"] if dead else []), top=below, size=SMALL_SIZE + 2,
                  width=SUMMARY_WIDTH)
        self.wait(beats.look)
        # Replay training with the curves: kinks slide, units switch on and off.
        self.say()
        self.clear_notes()
        self.show_state([net, parts, self.counter], 0.0)
        self.wait(beats.rewind)
        self.drive([net, parts, self.counter], end, beats.replay)
        self.wait(beats.hold)
        self.show_state([self.fit, self.losses], end)  # they come back at the epoch the counter shows
        self.play(FadeOut(parts), net.show_tabs(False), FadeIn(self.fit), FadeIn(self.losses), FadeIn(self.legend),
                  run_time=beats.back)

    def unit_glow(self, layer: int, index: int, colour: str) -> VGroup:
        """A unit and its edges glowing in ``colour`` on the diagram, as the 1-D chapter has them."""
        net = self.net
        glow = net.edges_of_unit(layer, index).copy().set_stroke(colour, EDGE_WIDTH[1] + 4, opacity=0.45)
        return glow.add(net.neurons[(layer, index)].copy().set_fill(opacity=0).set_stroke(colour, 8))

    def plane_contributions(self, beats) -> None:
        """For 2-D data: each first-layer unit's line and the side where it is on, then an output's
        z at the final epoch built from its bias and each last-hidden unit's weighted map, its zero
        line the decision boundary; then training replayed with the lines and the map."""
        h, net = self.history, self.net
        end = float(h.epochs)
        state = h.at(end)
        output = explained_output(h.problem, forward_sample(h).index)
        panel = LogitPanel(h, self.palette, *PLANE_SIZE, output=output)
        panel.shift(PLANE_TOP_LEFT - panel.plot.y_axis.get_end())
        self.contributions = panel
        deep = panel.deep
        # Nothing of z yet: the first layer's lines come first (a deep net's last layer is another).
        panel.revealed, panel.terms, panel.map, panel.contour_alpha, panel.tags = 0.0, 0.0, 0.0, 0.0, 0.0
        panel.line_alpha, panel.legend = 1.0, 0.0 if deep else 1.0
        panel.set_state(state)
        gone = [m for m in (self.fit, self.losses, self.notes, self.legend) if self.on_screen(m)]
        self.say()
        self.play(*(FadeOut(m) for m in gone), FadeIn(panel), net.show_tabs(), run_time=beats.fade)
        self.notes = VGroup()
        below = panel.plot.labels.get_bottom()[1] - 0.3
        notes = dict(top=below, size=SMALL_SIZE + 2, width=panel.get_right()[0] - panel.plot.y_axis.get_x(),
                     left=panel.plot.y_axis)
        z = panel.unit_equation.removesuffix(" = 0")
        on = f"where it passes {z} on" if h.config.activation in ("relu", "leaky_relu") else "where it is above its middle"
        shape = "line" if panel.linear else "curve"
        self.note(f"each {shape}: a first-layer unit's {panel.unit_equation}", f"the arrow: its side, {on}", **notes)
        for k, unit in enumerate(panel.first_units):
            glow = self.unit_glow(1, unit, panel.line_styles[k][0])
            self.play(panel.change(state, revealed=k + 1.0, tint=(k, 1.0)), FadeIn(glow), run_time=beats.line)
            self.play(panel.change(state, tint=(k, 0.0)), FadeOut(glow), run_time=beats.unline)
        # z: the output's bias alone, a flat colour; then each last-hidden unit's weighted map added.
        b = float(state.biases[-1][0, output])
        self.say()
        self.play(panel.change(state, pointers=0.0, line_alpha=LINE_DIM, map=1.0, contour_alpha=1.0, legend=1.0),
                  run_time=beats.bias)
        self.note(f"start: the output bias, b = {fmt_fixed(b)}", "then + each unit's weight × its output", **notes)
        layer = len(h.config.layers) - 2
        for k, index in enumerate(panel.units):
            glow = self.unit_glow(layer, index, panel.colours[k]) if index is not None else VGroup()
            line = panel.first_units.index(index) if not deep and index in panel.first_units else None
            self.play(FadeIn(glow), panel.change(state, bold=(line, 1.0)), run_time=beats.glow)
            self.play(panel.change(state, terms=k + 1.0), run_time=beats.add)
            self.play(FadeOut(glow), panel.change(state, bold=(line, 0.0)), run_time=beats.unglow)
        self.play(panel.change(state, tags=1.0), run_time=beats.boundary)
        if not panel.classification:
            said = ["the sum is the prediction ŷ, exactly"]
        elif panel.softmax:  # with k classes z = 0 is not the boundary: class c wins where its z is largest
            said = [f"the thick line is z = 0 for class {output}",
                    f"class {output} wins inside the thin line: its z is largest"]
        else:
            said = ["the thick line is z = 0: the decision boundary, p = 0.5"]
        dead = int(state.dead_units()[-1].sum())
        width = h.config.layers[-2]
        self.note(*said, *([f"{dead} of {width} units dead (faded)"] if dead else []), **notes)
        self.wait(beats.look)
        # Replay training: the lines turn and slide, the map and its boundary follow.
        self.say()
        self.clear_notes()
        self.show_state([net, panel, self.counter], 0.0)
        self.wait(beats.rewind)
        # "1 frame per N epochs" under the plot, where the notes were (under the counter: on the scale)
        self.counter.sampling_corner = [panel.plot.x_axis.get_end()[0], below - 0.35, 0]
        self.drive([net, panel, self.counter], end, beats.replay)
        self.counter.sampling_corner = None
        self.wait(beats.hold)
        self.remove(panel.static, panel.live)  # drive() left its parts on screen: fade the whole
        self.add(panel)
        self.show_state([self.fit, self.losses], end)  # they come back at the epoch the counter shows
        self.play(FadeOut(panel), net.show_tabs(False), FadeIn(self.fit), FadeIn(self.losses), FadeIn(self.legend),
                  run_time=beats.back)

    # -- 10. summary -------------------------------------------------------------------------
    def summary(self) -> None:
        beats = self.chapter("summary").beats
        h = self.history
        caption = self.captions.pop(0)
        if self.caption_lines(caption) > 2:  # "After 150 epochs: " goes: the epoch counter beside it says so
            caption = caption.split(": ", 1)[1]
        self.say(caption)
        penalty = penalty_lines(h)  # what training minimised, and L1's zeros: a penalised run's story
        happened = summary_lines(h, most=4)  # what the narration says, and the rebound it says in words
        if penalty or happened:  # in the loss panel's place: the caption already gives both losses
            self.play(FadeOut(self.losses), run_time=beats.losses_out)
            below_fit = self.fit.plot.labels.get_bottom()[1] - 0.35
            room = below_fit - (FRAME_MARGIN - config.frame_height / 2)
            made = {}
            for most in range(max(4 - len(penalty), 0), -1, -1):  # as many as fit at this size, never smaller
                lines = ["What happened:", *(f"• {line}" for line in penalty + summary_lines(h, most=most))]
                shown = self.note_lines(lines, size=SMALL_SIZE, width=SUMMARY_WIDTH, made=made)
                if shown.height <= room:
                    break
            self.note(shown, top=below_fit, width=SUMMARY_WIDTH)
        self.play(self.fit.curve.animate.set_stroke(width=8), rate_func=lambda t: smooth(1 - abs(2 * t - 1)),
                  run_time=beats.glow)
        self.wait(beats.hold)


def overlap(a, b) -> bool:
    """Whether the bounding boxes of two mobjects meet."""
    return (a.get_left()[0] < b.get_right()[0] and b.get_left()[0] < a.get_right()[0]
            and a.get_bottom()[1] < b.get_top()[1] and b.get_bottom()[1] < a.get_top()[1])


def wrapped(text: str, theme: Theme, size: int, color=None, width: float = NOTES_WIDTH) -> VGroup:
    """``text`` as Text lines no wider than ``width``, broken between words (a hanging indent
    after a leading bullet)."""
    made = label(text, theme, size, color=color)
    least = max(MAX_SHRINK, SMALL_SIZE / size)  # never below the smallest size
    if made.width * least <= width:  # a little too wide: the note shrinks, the line stays whole
        return made
    per_line = max(int(len(text) * width / made.width) - 1, 10)
    indent = "  " if text.startswith("• ") else ""
    while True:  # the character count only estimates the width: narrower until every line fits
        lines = textwrap.wrap(text, per_line, subsequent_indent=indent)
        if per_line <= 10 or max(natural_width(line, size) for line in lines) * least <= width:
            return VGroup(*(label(line, theme, size, color=color) for line in lines)).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        per_line -= 2


def weight_legend(palette: Palette, zero: VGroup | None = None) -> VGroup:
    """Edge colour = sign of w, width = |w|, ring colour = sign of the bias: one line under the
    network; then ``zero``, the dotted "w = 0" entry of a run with zero weights (zero_key)."""
    legend = Palette(palette.theme, UNIT_NORM, UNIT_NORM, UNIT_NORM)  # the edges' own colours, on a scale of 1

    def swatch(sign: float):
        """Weak to strong, as the edges of that sign are drawn: colour and width."""
        values = sign * np.array([0.1, 0.4, 0.7, 1.0])
        return VGroup(*(Line(0.08 * LEFT, 0.08 * RIGHT, stroke_width=width, color=to_hex(rgb))
                        for rgb, width in zip(legend.edge_rgb(values), edge_width(values, UNIT_NORM, *EDGE_WIDTH))
                        )).arrange(RIGHT, buff=0)

    def ring(value: float):
        return Circle(0.11, stroke_color=to_hex(legend.ring_rgb(value)), stroke_width=4, fill_opacity=0)

    rings = VGroup(ring(-0.8), ring(0.8)).arrange(RIGHT, buff=0.06)
    items = [(swatch(-1.0), "w < 0"), (swatch(1.0), "w > 0"), (VGroup(), "width = |w|"), (rings, "bias")]
    entries = [VGroup(mark, muted(text, palette.theme)).arrange(RIGHT, buff=0.1) for mark, text in items]
    return VGroup(*entries, *([zero] if zero is not None and len(zero) else [])).arrange(RIGHT, buff=0.25)
