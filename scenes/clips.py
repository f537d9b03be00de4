"""Short focused clips for slides, each one or two lecture steps. Render from the repo root:

    manim -qh scenes/clips.py ForwardPass Backpropagation GradientFromPoints WeightsEvolve FitEvolves \
        LossCurve NeuronContributions LossLandscape
"""
from manim import DOWN, LEFT, RIGHT, UP, UR, FadeIn, VGroup

from nnviz_core import landscape as ls
from nnviz_core.palette import run_colours
from scenes.lecture import LectureSteps, wrapped
from scenes.mobjects import EpochCounter, LossPanel, WeightHeatmap, data_panel
from scenes.mobjects.landscape import LandscapePanel
from scenes.mobjects.panel import fit_in
from scenes.run import has_comparison, load_comparison
from scenes.theme import SMALL_SIZE


class ForwardPass(LectureSteps):
    """About 15 s: one sample flows left to right; its loss."""

    plan = (("the-network", {}), ("forward-pass", {}), ("loss-for-one-sample", {}))

    def construct(self):
        self.build_network(animate=False)
        self.forward_pass()
        self.sample_loss()


class Backpropagation(LectureSteps):
    """About 19 s: gradient pulses from ŷ back to x, then the update they lead to."""

    plan = (("the-network", {}), ("backward-pass", {}), ("weight-update", {}))

    def construct(self):
        self.build_network(animate=False)
        self.backward_pass()
        self.update_weights()


class WeightsEvolve(LectureSteps):
    """About 16 s: the diagram's edges and bias rings, beside each weight matrix, over the run."""

    plan = (("weights-at-the-start", {}), ("training", {"seconds": 12}), ("final-state", {}))

    def construct(self):
        self.chapter("weights-at-the-start")
        self.cast()
        count = len(self.history.config.layers) - 1
        maps = [WeightHeatmap(self.history, self.palette, layer, width=4.5 / count, height=5.2)
                for layer in range(count)]
        fit_in(VGroup(*maps).arrange(RIGHT, buff=0.5, aligned_edge=UP), 0.4, 6.9, -3.6, 3.0)
        self.add(self.legend)
        self.evolve([self.net, *maps, self.counter])


class FitEvolves(LectureSteps):
    """About 16 s: the prediction curve settling onto the data, epoch by epoch."""

    plan = (("data-and-first-guess", {}), ("training", {"seconds": 12}), ("final-state", {}))

    def construct(self):
        self.chapter("data-and-first-guess")
        fit = data_panel(self.history, self.palette, width=10, height=5.2).move_to(0.3 * DOWN)
        counter = EpochCounter(self.history, self.palette).to_corner(UR, buff=0.4)
        self.evolve([fit, counter])


class LossCurve(LectureSteps):
    """About 10 s: the loss curve drawn epoch by epoch with a moving marker and its value."""

    plan = (("loss-at-the-start", {}), ("training", {"seconds": 6}), ("final-state", {}))

    def construct(self):
        self.chapter("loss-at-the-start")
        losses = LossPanel(self.history, self.palette, width=10, height=5).move_to(0.3 * DOWN)
        counter = EpochCounter(self.history, self.palette).to_corner(UR, buff=0.4)
        self.evolve([losses, counter])


class NeuronContributions(LectureSteps):
    """About 30 s: the final fit built unit by unit from the output bias, then training replayed
    with every unit's piece moving. On 2-D data: each first-layer unit's line and side, then the
    output's z built on the plane, its zero line the decision boundary."""


    plan = (("the-network", {}), ("what-each-neuron-computes", {}))

    def construct(self):
        self.build_network(animate=False)
        self.remove(self.fit)
        self.show_state([self.net, self.counter], float(self.history.epochs))
        self.add(self.counter)
        self.neuron_contributions()


class GradientFromPoints(LectureSteps):
    """About 24 s: one gradient per training point for one weight, their mean, and the update it
    leads to."""

    plan = (("the-network", {}), ("where-the-gradient-comes-from", {}), ("weight-update", {}))

    def construct(self):
        self.build_network(animate=False)
        self.gradient_from_points()
        self.update_weights()


class LossLandscape(LectureSteps):
    """About 27 s: the loss over the plane of training's two main directions of travel (PCA of
    the path's weights, through the final ones), and the real path growing across it with the
    clock, the dot filled with training's own loss; what the plane holds and leaves out, said.
    With a comparison (``[nnviz] compare``, ``--compare``), every run's path on one shared plane."""

    comparison = None  # set before render() to show given runs; else the cfg's compare, if any
    plan = (("loss-landscape", {}), ("the-path", {"seconds": 10}), ("landscape-end", {}))
    PANEL = (-6.9, 6.9, -3.75, 2.6)  # left, right, bottom, top (the plot's): under the caption and the counter

    def setup(self):
        if self.comparison is None and self.history is None and has_comparison():
            self.comparison = load_comparison()
        if self.comparison is not None:
            self.history = self.comparison.clock()
        super().setup()

    def story_context(self) -> dict:
        return {"comparison": self.comparison}

    def construct(self):
        beats = self.chapter("loss-landscape").beats
        h, c = self.history, self.comparison
        if c is None:
            land, runs, extra = ls.landscape(h), [h], {}
        else:
            land, runs = ls.shared_landscape(c.histories, c.labels), list(c.histories)
            extra = dict(colours=run_colours(len(runs), self.theme), names=list(c.values))
        self.landscape_panel = panel = LandscapePanel(land, runs, self.palette, side=5.6, **extra)
        left, right, bottom, top = self.PANEL
        panel.shift((left - panel.get_left()[0]) * RIGHT + (top - panel.plot.y_axis.get_end()[1]) * UP)
        room = right - panel.readout.get_left()[0]
        if panel.readout.width > room:  # a comparison's long run names ("momentum") widen the table past the frame
            panel.readout.scale_to_fit_width(room, about_edge=UP + LEFT)
        notes = self.landscape_notes(land, panel)
        counter = EpochCounter(h, self.palette).to_corner(UR, buff=0.4)
        counter.sampling_corner = [right, bottom, 0]  # "1 frame per N epochs": the notes' column has room at its foot
        self.say()
        self.show_state([panel, counter], 0.0)
        self.play(FadeIn(panel), FadeIn(counter), FadeIn(notes), run_time=beats.fade_in)
        self.wait(beats.hold)
        beats = self.chapter("the-path").beats
        self.drive([panel, counter], float(h.epochs), beats.training)
        beats = self.chapter("landscape-end").beats
        self.wait(beats.hold)

    def landscape_notes(self, land, panel) -> VGroup:
        """What the plane is and what it leaves out, under the readout, as wide as the room left."""
        c = self.comparison
        lines = ["     ".join(ls.MARKS_WORDS), ls.plane_words(land, self.history), ls.left_out_words(land)]
        if c is not None:
            lines.insert(1, f"{c.field}: " + ", ".join(f"{v} keeps {ls.share_text(p.explained)} of its path"
                                                      for v, p in zip(c.values, land.paths)))
        if land.sampled:
            lines.append(f"the path: {len(land.paths[0].times)} evenly spaced epochs")
        if land.unfinite:
            lines.append(f"grey: {land.unfinite} points whose loss is not finite")
        left = panel.readout.get_left()[0]
        width = self.PANEL[1] - left
        notes = VGroup(*(wrapped(line, self.theme, SMALL_SIZE, self.theme.muted_ink, width) for line in lines))
        if len(land.steady) < len(land.paths) or land.sampled:
            # A dot can wait on the plot's edge: its words go at the notes' foot, shown only then
            # (inside the plot they lay over the paths).
            panel.live.remove(panel.off_plot)
            panel.off_plot = wrapped("a dot beyond the plot waits on its edge, its values in the readout", self.theme,
                                     SMALL_SIZE, self.theme.ink, width).set_opacity(0.0)
            panel.live.add(panel.off_plot)
            notes.add(panel.off_plot)
        notes.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        if notes.width > width:  # wrapped lets a line run a little over, to be shrunk
            notes.scale_to_fit_width(width)
        notes.next_to(panel.readout, DOWN, buff=0.5).align_to(panel.readout, LEFT)
        if notes.get_bottom()[1] < self.PANEL[2] + 0.5:  # clear of the sampling note at the foot
            notes.scale_to_fit_height(notes.get_top()[1] - self.PANEL[2] - 0.5, about_edge=UP + LEFT)
        notes.remove(panel.off_plot)  # the panel's: it fades with the clock, not with the notes
        return notes
