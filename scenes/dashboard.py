"""DashboardLecture: the seed's seven-panel dashboard, animated smoothly over the whole run.

    manim -qh scenes/dashboard.py DashboardLecture
"""
from manim import DOWN, RIGHT, UL, UP, UR, VGroup

from scenes.lecture import LectureScene
from scenes.mobjects.network import zero_key
from scenes.mobjects.panel import fit_in
from scenes.mobjects import (BiasBars, EpochCounter, GradientBars, LossPanel, NetworkDiagram, WeightHeatmap,
                             data_panel)
from scenes.theme import CAPTION_SIZE, label


# The seed's 3 x 3 grid: (left, right) per column, (bottom, top) per row; the top strip holds
# the title and the epoch counter.
COLUMNS = [(-7.0, -2.45), (-2.3, 2.3), (2.45, 7.0)]
TOP_ROW, BOTTOM_ROW = (-0.95, 3.3), (-3.95, -1.25)


class DashboardLecture(LectureScene):
    """About 40 s. A 3 x 3 grid as in the seed: data fit and loss on the left, the network and
    biases in the middle, the weight matrices and gradients on the right."""

    plan = (("dashboard", {}), ("training", {"seconds": 32}), ("final-state", {}))

    def construct(self):
        self.chapter("dashboard")
        h = self.history
        count = len(h.config.layers) - 1
        # 2-D data: a square plot with its legend beside it takes the column's whole width
        fit = fit_in(data_panel(h, self.palette, width=4.4 if h.problem.is_2d else 3.6, height=2.9), *COLUMNS[0], *TOP_ROW)
        losses = fit_in(LossPanel(h, self.palette, width=3.6, height=1.5), *COLUMNS[0], *BOTTOM_ROW)
        net = fit_in(NetworkDiagram(h, self.palette, width=3.4, height=4.0), *COLUMNS[1], *TOP_ROW)
        zero = zero_key(h, self.theme)  # "w = 0", on a run with zero weights
        if len(zero):
            zero.next_to(net, DOWN, buff=0.1)
        biases = fit_in(BiasBars(h, self.palette, width=4.1, height=1.4), *COLUMNS[1], *BOTTOM_ROW)
        maps = VGroup(*(WeightHeatmap(h, self.palette, layer, width=3.4 / count, height=3.4)
                        for layer in range(count)))
        maps = fit_in(maps.arrange(RIGHT, buff=0.4, aligned_edge=UP), *COLUMNS[2], *TOP_ROW)
        grads = fit_in(GradientBars(h, self.palette, width=4.1, height=1.4), *COLUMNS[2], *BOTTOM_ROW)
        counter = EpochCounter(h, self.palette).to_corner(UR, buff=0.35)
        title = label("Training dashboard", self.theme, CAPTION_SIZE).to_corner(UL, buff=0.35)
        self.add(title, zero)
        self.evolve([net, fit, losses, biases, *maps, grads, counter])
