"""CompareRuns: two to four runs side by side, one setting apart, on one clock.

    manim -qh scenes/compare.py CompareRuns          # with [nnviz] compare = lr: 0.02, 0.1, 1.5
    nnviz render CompareRuns --compare lr=0.02,0.1,1.5
"""
from manim import RIGHT, UR, FadeIn, Group, VGroup

from nnviz_core.palette import Palette

from scenes.lecture import LectureScene
from scenes.mobjects import EpochCounter
from scenes.mobjects.compare import RunColumn, SharedLossPanel
from nnviz_core.palette import Palette, run_colours
from scenes.mobjects.panel import fit_in
from scenes.run import load_comparison

ROW = (-6.9, 6.9, -1.3, 3.05)  # left, right, bottom, top of the runs' columns
LOSSES = (-6.6, 6.9, -3.95, -1.55)  # the shared loss plot under them


def shared_steps(comparison) -> bool:
    """Whether the counter reads the step: only where every run takes the same steps an epoch
    (then the clock's step is each run's too)."""
    return len({h.steps for h in comparison.histories}) == 1


class CompareRuns(LectureScene):
    """About 20 s: a small diagram and the fit of each run, all losses on one axis; a run that
    diverges is marked, and stays at its last finite state."""

    comparison = None  # set before render() to show given runs; else the cfg's [nnviz] compare
    plan = (("comparison", {}), ("runs-training", {"seconds": 14}), ("runs-final-state", {}))

    def setup(self):
        if self.comparison is None:
            self.comparison = load_comparison()
        self.history = self.comparison.clock()
        super().setup()

    def story_context(self) -> dict:
        return {"comparison": self.comparison}

    def construct(self):
        c = self.comparison
        beats = self.chapter("comparison").beats
        colours = run_colours(len(c.histories), self.theme)
        width = (ROW[1] - ROW[0]) / len(c.histories)
        palette = Palette.shared(c.histories, self.theme)  # one scale: the same weight looks the same in each run
        self.columns = [RunColumn(h, palette, name, colour, width=width)
                        for h, name, colour in zip(c.histories, c.headings, colours)]
        fit_in(Group(*self.columns).arrange(RIGHT, buff=0.3), *ROW)
        self.losses = fit_in(SharedLossPanel(c.histories, self.palette, c.labels, colours, width=11.5, height=1.3), *LOSSES)
        counter = self.counter = EpochCounter(self.history, self.palette, steps=shared_steps(c)).to_corner(UR, buff=0.3)
        # "1 frame per N steps": over the loss plot's right end (under the counter are the runs' names)
        plot = self.losses.plot
        counter.sampling_corner = [plot.x_axis.get_end()[0], plot.y_axis.get_end()[1] + 0.1, 0]
        panels = [*self.columns, self.losses, counter]
        self.say()
        self.show_state(panels, 0.0)
        self.play(*(FadeIn(p) for p in panels), run_time=beats.fade_in)
        beats = self.chapter("runs-training").beats
        self.drive(panels, float(self.history.epochs), beats.training)
        beats = self.chapter("runs-final-state").beats
        self.wait(beats.hold)
