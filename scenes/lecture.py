"""The lecture's steps, shared by TrainingLecture and the clips.

Every step is a method on ``LectureSteps``; a scene's construct() is the storyboard that calls
them. Each chapter starts with ``chapter(name)``, which a manim-slides subclass can extend with
``self.next_slide()``.
"""
from __future__ import annotations

import numpy as np
from manim import (DL, DOWN, LEFT, RIGHT, UL, UP, UR, Circle, Create, DashedLine, Dot, FadeIn,
                   FadeOut, GrowFromCenter, LaggedStart, Line, ManimColor, Scene, ValueTracker, VGroup,
                   Write, smooth)

from nnviz_core.data import DATASETS
from nnviz_core.palette import (BACKGROUND, BACKWARD_FLOW, INK, MUTED_INK,
                                PREDICTION, Palette, UNIT_NORM, diverging_rgb, to_hex)

from .mobjects import DataFitPanel, EpochCounter, LossPanel, NetworkDiagram
from .mobjects.network import EDGE_WIDTH, shown_label
from .run import load_history
from .theme import CAPTION_SIZE, LABEL_SIZE, SMALL_SIZE, TITLE_SIZE, LiveNumber, count, label, muted, signed

# Where things sit on the 14.2 x 8 frame: network on the left, plots on the right.
NETWORK_CENTER = np.array([-3.75, -0.2, 0])
FIT_CENTER = np.array([3.55, 1.35, 0])
LOWER_RIGHT = np.array([3.55, -2.15, 0])
NOTES_WIDTH = 5.4
CAPTION_WIDTH = 8.6  # the top row's left part; the epoch counter owns the right
ACTIVATION_SIZE = 18  # "−0.58" fits inside a neuron; digits still ~25 px tall at 1080p
SIGNAL = "#3a3a40"  # forward pulses: dark, so they read on any edge colour


class LectureScene(Scene):
    """A Scene on the light canvas that knows its run (a History)."""

    history = None  # set before render() to show a given History; else the cfg's run
    drive_rate = staticmethod(smooth)

    def setup(self):
        super().setup()
        self.camera.background_color = ManimColor(BACKGROUND)  # ManimColor: manim-slides reads .to_hex()
        if self.history is None:
            self.history = load_history()
        self.palette = Palette.for_history(self.history)
        self.clock = ValueTracker(0.0)  # fractional snapshot index: the one driver of every panel
        self.chapters: list[str] = []

    def chapter(self, name: str) -> None:
        """A named section (``--save_sections``); a slides subclass adds ``self.next_slide()``."""
        self.chapters.append(name)
        self.next_section(name)

    def drive(self, panels, t_end: float, run_time: float, *animations, rate_func=None):
        """Move the clock to ``t_end`` with every panel following History.at(t) in place."""
        history = self.history

        def follow(_):
            state = history.at(min(max(self.clock.get_value(), 0.0), len(history) - 1))
            for panel in panels:
                panel.set_state(state)

        # Static parts first, so manim paints them once per play instead of every frame.
        self.remove(*panels)
        self.add(*(p.static for p in panels), *(p.live for p in panels))
        driver = panels[0].live
        driver.add_updater(follow)
        self.play(self.clock.animate.set_value(t_end), *animations, run_time=run_time,
                  rate_func=rate_func or self.drive_rate)
        driver.remove_updater(follow)

    def evolve(self, panels, run_time: float, name: str = "training") -> None:
        """Fade the panels in at the first snapshot, run the whole History, hold the end."""
        self.show_state(panels, 0.0)
        self.play(*(FadeIn(p) for p in panels), run_time=1)
        self.wait(0.5)
        self.chapter(name)
        self.drive(panels, len(self.history) - 1, run_time)
        self.chapter("final-state")
        self.wait(2)

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

    sample_x = 0.5  # the forward pass uses the training sample nearest to this input

    # -- the cast ----------------------------------------------------------------------------
    def cast(self) -> None:
        """Build every panel once (not shown yet); later steps only change them."""
        if hasattr(self, "net"):
            return
        h = self.history
        self.net = NetworkDiagram(h, width=5.2, height=5.6, palette=self.palette).move_to(NETWORK_CENTER)
        self.fit = DataFitPanel(h, width=4.9, height=2.4).move_to(FIT_CENTER)
        self.losses = LossPanel(h, width=4.9, height=2.0).move_to(LOWER_RIGHT)
        self.counter = EpochCounter(h).to_corner(UR, buff=0.4)
        self.legend = weight_legend().to_corner(DL, buff=0.3)
        self.caption = VGroup()
        self.notes = VGroup()
        self.sample_marks = VGroup()  # the forward pass's marks on the data plot
        self.activation_values = VGroup()
        self.show_state([self.net, self.fit, self.losses, self.counter], 0.0)

    def say(self, text: str, run_time: float = 0.8) -> None:
        """Replace the caption at the top left."""
        new = label(text, CAPTION_SIZE)
        if new.width > CAPTION_WIDTH:  # keep clear of the epoch counter; stays >= 24 pt
            new.scale_to_fit_width(CAPTION_WIDTH)
        new.to_corner(UL, buff=0.4)
        self.play(FadeOut(self.caption), run_time=run_time / 2)  # one after the other: never overlapping
        self.play(FadeIn(new), run_time=run_time / 2)
        self.caption = new

    def note(self, *lines, run_time: float = 0.8, color=INK) -> None:
        """Replace the notes in the lower right (where the loss panel goes later)."""
        new = VGroup(*(line if not isinstance(line, str) else label(line, LABEL_SIZE, color=color)
                       for line in lines)).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        if new.width > NOTES_WIDTH:
            new.scale_to_fit_width(NOTES_WIDTH)
        new.move_to(LOWER_RIGHT).align_to(self.fit.plot.y_axis, LEFT)
        self.play(FadeOut(self.notes), run_time=run_time / 2)
        self.play(FadeIn(new), run_time=run_time / 2)
        self.notes = new

    def clear_notes(self) -> None:
        self.play(FadeOut(self.notes), run_time=0.5)
        self.notes = VGroup()

    # -- 1. title ----------------------------------------------------------------------------
    def show_title(self) -> None:
        self.chapter("title")
        c = self.history.config
        shape = "-".join(map(str, c.layers))
        title = label("How a neural network learns", TITLE_SIZE)
        what = label(f"A {shape} network ({c.activation}) learns {DATASETS[c.dataset][1]}", LABEL_SIZE + 4)
        how = muted(f"{c.samples} training points · gradient descent · learning rate {c.lr:g} · "
                    f"{count(c.epochs, 'epoch')}", LABEL_SIZE)
        card = VGroup(title, what, how).arrange(DOWN, buff=0.45)
        self.play(Write(title), run_time=1.5)
        self.play(FadeIn(what, shift=0.2 * UP), FadeIn(how, shift=0.2 * UP))
        self.wait(2)
        self.play(FadeOut(card))

    # -- 2. the network ----------------------------------------------------------------------
    def build_network(self, animate: bool = True) -> None:
        self.chapter("build-the-network")
        self.cast()
        net = self.net
        layers = self.history.config.layers
        sizes = " + ".join(str(n) for n in layers[1:-1])
        hidden = f"{sizes} hidden neuron{'s' if sum(layers[1:-1]) != 1 else ''}" if sizes else "no hidden layer"
        self.say(f"The network: {count(layers[0], 'input')}, {hidden}, {count(layers[-1], 'output')}")
        if not animate:
            self.add(net, self.legend, self.fit)
            return
        for layer in range(len(layers)):
            neurons = net.layer_neurons(layer)
            labels = VGroup(*(net.labels[net.circles.submobjects.index(c)] for c in neurons))
            if layer > 0:
                self.play(LaggedStart(*(Create(line) for line, _ in net.layer_edges(layer - 1)), lag_ratio=0.02),
                          run_time=1)
            self.play(LaggedStart(*(GrowFromCenter(c) for c in neurons), lag_ratio=0.05),
                      FadeIn(labels), run_time=0.8)
        self.add(net)  # the whole diagram, including the size braces of wide layers
        self.play(FadeIn(net.sizes), FadeIn(self.legend), run_time=0.8)
        self.wait(1.5)
        self.say(f"Its task: fit these {self.history.config.samples} points")
        self.play(FadeIn(self.fit), run_time=1)
        self.wait(2)

    # -- 3. forward pass ---------------------------------------------------------------------
    def forward_pass(self) -> None:
        self.chapter("forward-pass")
        net, h = self.net, self.history
        state = h.at(self.clock.get_value())
        k = int(np.argmin(np.abs(h.X[:, 0] - self.sample_x)))
        x, y = h.X[k, 0], h.y[k, 0]
        acts = [a[k:k + 1] for a in state.activations]  # the History's own, for sample k
        values = [np.array([[x]])] + acts  # activations per layer, input first
        self.sample = (x, y, float(acts[-1][0, 0]))
        self.say(f"Forward pass: one sample, x = {signed(x, 2)}")
        ring = Circle(0.12, color=INK, stroke_width=4).move_to(self.fit.point(x, y))
        self.play(Create(ring), run_time=0.6)
        # Neurons empty out; each then fills by its activation as the signal arrives.
        self.play(*(c.animate.set_fill(opacity=0.12) for c in net.circles), FadeOut(net.labels), run_time=0.6)
        scale = [np.abs(v).max() or 1.0 for v in [h.X] + state.activations]
        self._fill_layer(0, values[0][0], scale[0])
        for layer in range(len(values) - 1):
            pulses = VGroup()
            for line, e in net.layer_edges(layer):
                strength = abs(values[layer][0, e.i] * state.weights[layer][e.i, e.j]) / scale[layer + 1]
                pulses.add(Dot(line.get_start(), radius=0.04 + 0.08 * min(strength, 1.0), color=SIGNAL))
            self.play(FadeIn(pulses), run_time=0.3)
            self.play(*(p.animate.move_to(line.get_end()) for p, (line, _) in zip(pulses, net.layer_edges(layer))),
                      run_time=1.2, rate_func=smooth)
            self.remove(pulses)
            self._fill_layer(layer + 1, values[layer + 1][0], scale[layer + 1])
        prediction = Dot(self.fit.point(x, self.sample[2]), radius=0.09, color=PREDICTION)
        self.play(FadeIn(prediction, scale=2), run_time=0.6)
        self.sample_marks = VGroup(ring, prediction)
        self.wait(1.5)

    def _fill_layer(self, layer: int, values, scale: float) -> None:
        neurons = self.net.layer_neurons(layer)
        numbers = VGroup(*(LiveNumber(values[n.index], "{:.2f}", ACTIVATION_SIZE).move_to(c)
                           for n, c in zip(self.net.layout.neurons[layer], neurons)))
        fills = [c.animate.set_fill(opacity=0.12 + 0.88 * min(abs(values[n.index]) / scale, 1.0))
                 for n, c in zip(self.net.layout.neurons[layer], neurons)]
        self.play(*fills, FadeIn(numbers), run_time=0.7)
        self.activation_values.add(numbers)

    # -- 4. the loss for that sample -----------------------------------------------------------
    def sample_loss(self) -> None:
        self.chapter("loss-for-one-sample")
        x, y, y_hat = self.sample
        state = self.history.at(self.clock.get_value())
        gap = DashedLine(self.fit.point(x, y), self.fit.point(x, y_hat), color=INK, stroke_width=3)
        self.say("How wrong is it? The loss")
        self.play(Create(gap), run_time=0.6)
        self.note(f"prediction ŷ = {signed(y_hat)},  target y = {signed(y)}",
                  f"this sample's loss (ŷ − y)² = {(y_hat - y) ** 2:.4f}",
                  f"mean over all {self.history.config.samples} points: L = {state.loss:.4f}")
        self.sample_marks.add(gap)
        self.wait(3)

    # -- 5. backward pass --------------------------------------------------------------------
    def backward_pass(self) -> None:
        self.chapter("backward-pass")
        net = self.net
        state = self.history.at(self.clock.get_value())
        self.say("Backward pass: ∂L/∂w for every weight")
        restore = [c.animate.set_fill(opacity=0.9) for c in net.circles]
        self.play(FadeOut(self.activation_values), FadeIn(net.labels), *restore, run_time=0.7)
        def swatch(sign: float) -> Dot:
            rgb = self.palette.grad_rgb(sign * self.palette.grads.vmax)
            return Dot(radius=0.1, color=to_hex(rgb), stroke_color=BACKWARD_FLOW, stroke_width=2)

        self.note(label("Pulses run from ŷ back to x", LABEL_SIZE, color=BACKWARD_FLOW),
                  VGroup(swatch(1.0), label("∂L/∂w > 0: lower w", LABEL_SIZE)).arrange(RIGHT),
                  VGroup(swatch(-1.0), label("∂L/∂w < 0: raise w", LABEL_SIZE)).arrange(RIGHT),
                  label("size: |∂L/∂w|, averaged over all points", SMALL_SIZE, color=MUTED_INK))
        grads = net.edge_values(state.grad_weights)
        strength = np.abs(2 * self.palette.grads(grads) - 1)  # |g| / largest |g| of the run
        colors = [to_hex(rgb) for rgb in self.palette.grad_rgb(grads)]
        for layer in reversed(range(len(self.history.config.layers) - 1)):
            pulses, moves = VGroup(), []
            for k, (line, e) in enumerate(zip(net.edges, net.layout.edges)):
                if e.layer != layer:
                    continue
                pulse = Dot(line.get_end(), radius=0.05 + 0.1 * strength[k], color=colors[k],
                            stroke_color=BACKWARD_FLOW, stroke_width=2)
                pulses.add(pulse)
                moves.append(pulse.animate.move_to(line.get_start()))
            self.play(FadeIn(pulses), run_time=0.3)
            self.play(*moves, run_time=1.4, rate_func=smooth)
            self.play(FadeOut(pulses), run_time=0.3)
        self.wait(1.5)

    # -- 6. the update -----------------------------------------------------------------------
    def update_weights(self) -> None:
        self.chapter("weight-update")
        h, net = self.history, self.net
        state = h.at(self.clock.get_value())
        grads = net.edge_values(state.grad_weights)
        k = int(np.argmax(np.abs(grads)))
        e = net.layout.edges[k]
        w, g, lr = state.weights[e.layer][e.i, e.j], grads[k], h.config.lr
        name = f"{shown_label(e.start.label)}→{shown_label(e.end.label)}"
        self.say("Update: each weight steps against its gradient")
        self.note("w  ←  w − η · ∂L/∂w   (η = learning rate)",
                  f"{name}:  w = {signed(w)},  ∂L/∂w = {signed(g)}",
                  f"new w = {signed(w)} − {lr:g} × ({signed(g)}) = {signed(w - lr * g)}")
        edge = net.edges[k]
        glow = edge.copy().set_stroke(BACKWARD_FLOW, EDGE_WIDTH[1] + 6, opacity=0.35)
        self.play(FadeIn(glow), FadeIn(self.counter), run_time=0.8)
        self.wait(2)
        t_next = min(1.0, len(h) - 1)
        self.say(f"Epochs 0 → {int(h.snapshot_epochs[int(t_next)])}: edges recolour as weights move")
        # The worked numbers belong to epoch 0: they leave before the epochs move on.
        self.play(FadeOut(glow), FadeOut(self.sample_marks), FadeOut(self.notes), run_time=0.5)
        self.notes = VGroup()
        self.drive([self.net, self.fit, self.counter], t_next, 3)
        self.wait(1)

    # -- 7. the montage ----------------------------------------------------------------------
    def training_montage(self, run_time: float = 20.0) -> None:
        self.chapter("training-montage")
        h = self.history
        self.cast()
        self.say(f"Training: {count(h.config.epochs, 'epoch')} of gradient descent")
        self.show_state([self.losses], self.clock.get_value())
        shown = [m for m in (self.net, self.legend, self.fit, self.counter) if not self.on_screen(m)]
        self.clear_notes()  # first, so the notes never show through the loss panel
        self.play(FadeIn(self.losses), *(FadeIn(m) for m in shown), run_time=1)
        self.drive([self.net, self.fit, self.losses, self.counter], len(h) - 1, run_time)

    # -- 8. summary --------------------------------------------------------------------------
    def summary(self) -> None:
        self.chapter("summary")
        h = self.history
        self.say(f"After {count(h.config.epochs, 'epoch')}: loss {h.loss[0]:.4f} → {h.final_loss:.4f}")
        self.play(self.fit.curve.animate.set_stroke(width=8), rate_func=lambda t: smooth(1 - abs(2 * t - 1)),
                  run_time=1.5)
        self.wait(3)


def weight_legend() -> VGroup:
    """Edge colour = sign of w, width = |w|, ring = bias: one line under the network."""
    def swatch(value: float):
        return Line(0.25 * LEFT, 0.25 * RIGHT, stroke_width=8, color=to_hex(diverging_rgb(value, UNIT_NORM)))

    ring = Circle(0.11, stroke_color=to_hex(diverging_rgb(0.7, UNIT_NORM)), stroke_width=4, fill_opacity=0)
    items = [(swatch(-1.0), "w < 0"), (swatch(1.0), "w > 0"), (VGroup(), "width = |w|"), (ring, "ring = bias")]
    return VGroup(*(VGroup(mark, muted(text)).arrange(RIGHT, buff=0.1) for mark, text in items)).arrange(RIGHT, buff=0.3)


