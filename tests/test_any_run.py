"""True and legible on any run: seeded random configurations far from the defaults (depth 1-4,
widths 1-64, every activation and dataset, learning rates at the edge of divergence), rendered
as stills by both renderers. In every still no two texts overlap, no text leaves the frame,
every curve point is inside its plot or the plot marks where it leaves, and the numbers shown
are the State's."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from nnviz_core import RunConfig, TrainingDiverged, train
from nnviz_core.data import CURVES
from nnviz_core.model import ACTIVATION_FUNCS
from nnviz_core.numbers import fmt_loss

EXAMPLES = int(os.environ.get("NNVIZ_EXAMPLES", 6))  # more for a deeper check by hand


def random_configs(count: int, seed: int = int(os.environ.get("NNVIZ_SEED", 20261129))) -> list[RunConfig]:
    rng = np.random.default_rng(seed)
    configs = []
    for _ in range(count):
        depth = int(rng.integers(1, 5))
        widths = [int(round(math.exp(rng.uniform(0, math.log(64))))) for _ in range(depth)]
        configs.append(RunConfig(layers=(1, *widths, 1), activation=str(rng.choice(sorted(ACTIVATION_FUNCS))),
                                 dataset=str(rng.choice(sorted(CURVES))), lr=float(10 ** rng.uniform(-1.3, 0.6)),
                                 epochs=int(rng.integers(12, 40)), snapshot_every=int(rng.integers(2, 9)),
                                 samples=int(rng.integers(12, 40)), seed=int(rng.integers(0, 1000))))
    return configs


def at_the_edge(config: RunConfig):
    """The run with the largest of lr, lr/2, lr/4, ... that does not diverge."""
    while True:
        try:
            return train(config)
        except TrainingDiverged:
            config = config.updated({"lr": config.lr / 2})


RUNS = random_configs(EXAMPLES)


def run_id(c: RunConfig) -> str:
    return f"{'-'.join(map(str, c.layers))}-{c.activation}-{c.dataset}-lr{c.lr:.2g}"


@pytest.fixture(scope="module", params=RUNS, ids=run_id)
def history(request):
    return at_the_edge(request.param)


def overlapping(boxes, shrink: float) -> list[tuple[int, int]]:
    """Pairs of (x0, y0, x1, y1) boxes that overlap by more than ``shrink`` on every side."""
    pairs = []
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes[a], boxes[b]
            if min(ax1, bx1) - max(ax0, bx0) > shrink and min(ay1, by1) - max(ay0, by0) > shrink:
                pairs.append((a, b))
    return pairs


# -- the matplotlib dashboard ---------------------------------------------------------------------
def test_dashboard_stills_are_legible_and_true(history, monkeypatch):
    from matplotlib.text import Text

    from nnviz_core.dashboard import Dashboard
    from nnviz_core.panels import PANELS

    drawn = []  # (text, box) of every text matplotlib actually draws
    draw = Text.draw

    def recorded(text, renderer):
        if text.get_visible() and text.get_text().strip() and (text.get_alpha() is None or text.get_alpha() > 0):
            drawn.append((text.get_text(), tuple(text.get_window_extent(renderer).extents)))
        return draw(text, renderer)

    d = Dashboard(history, panels=tuple(PANELS), dpi=40)
    monkeypatch.setattr(Text, "draw", recorded)
    for epoch in sorted({0, history.epochs // 2, history.epochs}):
        state = history.at_epoch(epoch)
        drawn.clear()
        d.update(state)
        d.fig.canvas.draw()  # the parts drawn once (frames blit over them)
        d.render_rgb(state)  # the parts each frame draws
        boxes = [box for _, box in drawn]
        clashes = [(drawn[a][0], drawn[b][0]) for a, b in overlapping(boxes, 1.0)]
        assert not clashes, f"epoch {epoch}: overlapping texts {clashes[:5]}"
        width, height = d.fig.bbox.width, d.fig.bbox.height
        for text, (x0, y0, x1, y1) in drawn:
            assert x0 >= -1 and y0 >= -1 and x1 <= width + 1 and y1 <= height + 1, f"{text!r} leaves the frame"
        # Every curve point is inside its plot, or a mark says where it leaves.
        for name in ("fit", "contributions"):
            panel = d.panels[name]
            low, high = panel.ax.get_ylim()
            lines = [panel.line] if name == "fit" else [*panel.lines, panel.total, panel.bias]
            ys = np.concatenate([line.get_ydata() for line in lines])
            for side, beyond in (("above", ys > high), ("below", ys < low)):
                assert panel.marks.artists[side][0].get_visible() == bool(beyond.any()), (name, side)
        # The numbers shown are the State's.
        assert f"Loss: {fmt_loss(state.loss)}" in d.axes["fit"].get_title()
        assert f"(Epoch {epoch})" in d.axes["network"].get_title()
        assert list(d.panels["loss"].marker.get_ydata()) == [state.loss]
        np.testing.assert_array_equal(d.panels["fit"].line.get_ydata(), state.prediction[:, 0])
        biases = [r.get_height() for r in d.panels["biases"].rects]
        np.testing.assert_array_equal(biases, d.panels["biases"].values(state))


# -- the Manim lecture ------------------------------------------------------------------------------
def manim_text_boxes(scene):
    """(mobject, box) for every visible text and number on screen."""
    from manim import Text

    from scenes.theme import LiveNumber

    found, seen = [], set()

    def visit(m):
        if id(m) in seen:
            return
        seen.add(id(m))
        if isinstance(m, (Text, LiveNumber)):
            glyphs = [g for g in m.family_members_with_points() if g.get_fill_opacity() > 0.05]
            if glyphs:
                xs = np.concatenate([g.points[:, 0] for g in glyphs])
                ys = np.concatenate([g.points[:, 1] for g in glyphs])
                found.append((m, (xs.min(), ys.min(), xs.max(), ys.max())))
            return
        for sub in m.submobjects:
            visit(sub)

    for m in scene.mobjects:
        visit(m)
    return found


def test_lecture_stills_are_legible_and_true(history, tmp_path):
    from manim import config, tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from scenes.narration import storyboard
    from scenes.training import TrainingLecture

    problems, starts = [], []

    class Checked(TrainingLecture):
        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            self.check()

        def next_section(self, *args, **kwargs):
            starts.append(self.renderer.time)
            super().next_section(*args, **kwargs)

        def check(self):
            where = f"{self.chapters[-1]}, animation {self.renderer.num_plays}"
            texts = manim_text_boxes(self)
            boxes = [box for _, box in texts]
            for a, b in overlapping(boxes, 0.02):
                problems.append(f"{where}: {getattr(texts[a][0], 'text', texts[a][0])!r} overlaps "
                                f"{getattr(texts[b][0], 'text', texts[b][0])!r}")
            half_w, half_h = config.frame_width / 2, config.frame_height / 2
            for m, (x0, y0, x1, y1) in texts:
                if x0 < -half_w or x1 > half_w or y0 < -half_h or y1 > half_h:
                    problems.append(f"{where}: {getattr(m, 'text', m)!r} at {np.round([x0, y0, x1, y1], 2)} leaves the frame")
            if not hasattr(self, "fit"):
                return
            state = self.history.at(self.clock.get_value())
            if self.on_screen(self.counter):
                assert self.counter.number.text == str(math.floor(state.epoch + 1e-6)), where
            if self.on_screen(self.losses):
                assert self.losses.value.text == fmt_loss(state.loss), where
            if self.on_screen(self.fit):
                xs, ys = scene_data(self.fit.plot, self.fit.curve.points[::4])
                lo, hi = self.fit.plot.y_span
                inside = (ys > lo + 1e-6) & (ys < hi - 1e-6)
                truth = state.prediction[:-1, 0]
                np.testing.assert_allclose(ys[inside], truth[inside], atol=1e-6, err_msg=where)
            panels = [self.fit] + ([self.contributions] if getattr(self, "contributions", None) else [])
            for panel in panels:
                if not self.on_screen(panel):
                    continue
                curves = [panel.curve] if panel is self.fit else [*panel.unit_curves, panel.total]
                lo, hi = panel.plot.y_span
                marked = {m.side for m in panel.marks.shown}
                for curve in curves:
                    _, ys = scene_data(panel.plot, curve.points[::4])
                    if np.any(ys >= hi - 1e-6) and "above" not in marked and np.any(np.isclose(ys, hi)):
                        problems.append(f"{where}: a curve is flattened on the top edge with no mark")
                    if np.any(ys <= lo + 1e-6) and "below" not in marked and np.any(np.isclose(ys, lo)):
                        problems.append(f"{where}: a curve is flattened on the bottom edge with no mark")

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Checked(renderer=CairoRenderer(skip_animations=True))
        scene.history = history
        scene.render()
    assert not problems, "\n".join(problems[:8])
    # Every chapter starts where its plan, and so the script and the subtitles, say.
    planned = np.cumsum([0.0] + [c.seconds for c in storyboard(history, TrainingLecture.plan)])
    np.testing.assert_allclose(starts, planned[:-1], atol=1 / 15 + 1e-6)  # within a frame (-ql: 15 fps)
    assert scene.renderer.time == pytest.approx(planned[-1], abs=1 / 15 + 1e-6) and planned[-1] < 120
    state = history.at_epoch(history.epochs)
    assert scene.losses.value.text == fmt_loss(state.loss)  # the montage ended on the run's last loss


def scene_data(plot, points):
    corner = plot.x_axis.get_start()
    ex = (plot.x_axis.get_end() - corner)[0] / (plot.x_span[1] - plot.x_span[0])
    ey = (plot.y_axis.get_end() - corner)[1] / (plot.y_span[1] - plot.y_span[0])
    return (points[:, 0] - corner[0]) / ex + plot.x_span[0], (points[:, 1] - corner[1]) / ey + plot.y_span[0]
