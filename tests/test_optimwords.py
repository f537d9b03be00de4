"""Minibatches and optimisers on screen and in words, against training.

The update chapter works real steps through for one weight (nnviz_core.worked,
chapters.update_lines): its numbers are recomputed here in NumPy from training's own networks
(History.at_step) and the batch order (optim.batch_order), and the weight it says after each
step is training's after that step. The counters read the step; the gradient chapter's batch is
the first step's slice of the batch order; the words say the optimiser, the batches and the
penalty with the run's numbers; comparisons of optimisers and batch sizes draw in both renderers.
"""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from manim import tempconfig

from nnviz_core import RunConfig, train
from nnviz_core.chapters import (number_text, point_gradients, storyboard, update_end_lines, update_example,
                                 update_lines, weight_places)
from nnviz_core.layout import clock_text, weight_text
from nnviz_core.numbers import fmt_fixed, fmt_loss
from nnviz_core.optim import batch_order

from drawn import frameless, palette_for

SMALL = dict(layers=(1, 6, 1), samples=40, epochs=6, snapshot_every=3)
RUNS = {"sgd-batches": dict(batch_size=8, lr=0.2),
        "momentum": dict(optimizer="momentum", lr=0.05),
        "momentum-batches-l1": dict(optimizer="momentum", batch_size=12, lr=0.05, l1=0.01),
        "adam-batches": dict(optimizer="adam", batch_size=8, lr=0.02),
        "adam-l2": dict(optimizer="adam", lr=0.02, l2=0.01),
        "sgd-l2": dict(l2=0.01),
        "sgd-l1": dict(l1=0.005),
        "adam-2d": dict(dataset="moons", layers=(2, 6, 1), optimizer="adam", batch_size=10, lr=0.02)}
_trained = {}


def run(name):
    if name not in _trained:
        _trained[name] = train(RunConfig().updated({**SMALL, **RUNS[name]}))
    return _trained[name]


def after(h, e, s):
    return h.at_step(e, s + 1) if s + 1 < h.steps else h.at_epoch(e + 1)


def rows_of(h, e, s):
    """The step's batch, from the batch order alone (every point for full batch)."""
    n = len(h.X)
    if h.steps == 1:
        return np.arange(n)
    b = h.config.batch_size
    return batch_order(h.shuffle_key, e, n)[s * b:(s + 1) * b]


# -- the update chapter's numbers are training's ------------------------------------------------------
@pytest.mark.parametrize("name", RUNS)
def test_the_update_chapter_works_trainings_own_steps(name):
    h, c = run(name), run(name).config
    u = update_example(h)
    e_ = u.edge
    assert len(u.steps) == (1 if c.optimizer == "sgd" else 2)
    memory = {slot: 0.0 for slot in c.optimizer_slots}  # the optimiser starts from zeros
    for k, step in enumerate(u.steps):
        e, s = step.epoch, step.step
        assert (e, s) == ((0, k) if h.steps > 1 else (k, 0))  # the first steps of the run, in order
        before, later = h.at_step(e, s), after(h, e, s)
        w = before.weights[e_.layer][e_.i, e_.j]
        # the batch's gradient: the mean of its points' own (State.sample_gradients, not backward)
        rows = rows_of(h, e, s)
        np.testing.assert_array_equal(step.batch, rows)
        data = before.sample_gradients(e_.layer, e_.i, e_.j)[rows].mean()
        assert step.w == w and step.data_gradient == pytest.approx(data, abs=1e-12)
        g = data + 2 * c.l2 * w
        # the optimiser's rule, in NumPy, from the memory the steps before left
        assert step.before == pytest.approx(memory, abs=1e-15)
        if c.optimizer == "sgd":
            move = c.lr * g
        elif c.optimizer == "momentum":
            memory = {"velocity": c.momentum * memory["velocity"] + g}
            move = c.lr * memory["velocity"]
        else:
            t = e * h.steps + s + 1
            memory = {"m": c.beta1 * memory["m"] + (1 - c.beta1) * g, "v": c.beta2 * memory["v"] + (1 - c.beta2) * g * g}
            m_hat, v_hat = memory["m"] / (1 - c.beta1 ** t), memory["v"] / (1 - c.beta2 ** t)
            assert step.t == t and (step.m_hat, step.v_hat) == pytest.approx((m_hat, v_hat), rel=1e-9)
            move = c.lr * m_hat / (np.sqrt(v_hat) + c.eps)
        assert step.after == pytest.approx(memory, rel=1e-9, abs=1e-15)
        new = w - move
        if c.l1:
            new = np.sign(new) * max(abs(new) - c.lr * c.l1, 0.0)
        truth = later.weights[e_.layer][e_.i, e_.j]
        assert new == pytest.approx(truth, abs=1e-12)
        assert step.new_w == truth  # what the chapter says is training's weight after the step, exactly
        # ... and the notes say it, and the numbers of the rule
        lines = update_lines(h, u, k)
        places = weight_places(step)
        shown = lambda v: fmt_fixed(v, places) if abs(v) >= 0.1 else number_text(v)  # w's decimals, or 3 digits
        assert lines[-1].endswith(f"= {weight_text(truth, places)}") or lines[-1].startswith(f"new w = {weight_text(truth, places)}")
        said = " ".join(lines)
        assert f"∂L/∂w = {shown(data)} (" in said
        for value in memory.values():
            assert f"= {shown(value)}" in said
        if c.l2:
            assert f"= {shown(2 * c.l2 * w)}" in said and f"= {shown(g)}" in said
        if c.l1:
            assert f"{c.lr:g} × {c.l1:g} = {c.lr * c.l1:g} towards 0" in said
        over = f"the batch's {len(rows)} points" if h.steps > 1 and k == 0 else None
        assert over is None or over in lines[0]
        memory = step.after
    # the chapter's last words: how far everything moved over its steps, and the loss at each end
    first, last = h.at_step(0, 0), after(h, u.steps[-1].epoch, u.steps[-1].step)
    moved = max(np.abs(b - a).max() for a, b in zip(first.weights, last.weights))
    ends = update_end_lines(h, u)
    assert ends[0].startswith(f"each weight moved by at most {fmt_fixed(moved)}")
    losses = [first.loss] + [after(h, st.epoch, st.step).loss for st in u.steps]
    assert ends[2].startswith("loss " + " → ".join(fmt_loss(v) for v in losses))
    words = storyboard(h, [("weight-update", {})])[0].narration
    assert f"to {weight_text(u.steps[-1].new_w, weight_places(u.steps[-1]))}" in words
    assert f"from {fmt_loss(losses[0])} to {fmt_loss(losses[-1])}" in words


def test_l1_stops_a_weight_at_zero_and_says_so():
    from nnviz_core.worked import work_step

    h = train(RunConfig().updated({**SMALL, "l1": 0.5, "lr": 0.1}))
    before, later = h.at_step(0, 0), h.at_epoch(1)
    stopped = [(l, i, j) for l, w in enumerate(later.weights) for i, j in zip(*np.nonzero(w == 0))
               if before.weights[l][i, j] != 0]
    assert stopped  # a shrink of 0.05 stops some weights at 0 in the first step
    step = work_step(h, *stopped[0])
    assert step.new_w == 0.0 and step.stopped_at_zero and abs(step.stepped) < step.shrink


def test_the_update_chapter_plays_its_steps_and_ends_on_trainings_weight(tmp_path):
    """GradientFromPoints (the gradient chapter, then the update): the batch's marks in full, the
    others faded; the notes are update_lines; each step's live weight ends on training's."""
    from scenes.clips import GradientFromPoints
    from scenes.lecture import FADED
    from scenes.theme import LiveNumber

    h = run("adam-batches")
    u = update_example(h)
    seen, live, faded = [], [], []

    class Checked(GradientFromPoints):
        def drive(self, panels, t_end, run_time, *animations, also=()):
            super().drive(panels, t_end, run_time, *animations, also=also)
            number = [m for m in self.notes[0].get_family() if isinstance(m, LiveNumber)][0]
            live.append((t_end, number.text, self.counter.text))

        def note(self, *lines, **kwargs):
            super().note(*lines, **kwargs)
            seen.append(" ".join(getattr(m, "original_text", "") for m in self.notes.get_family()))
            if self.chapters[-1] == "where-the-gradient-comes-from" and not faded:  # the marks, as they first show
                faded.extend(m.get_fill_opacity() < FADED + 1e-6 for m in self.gradient_marks_shown)

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Checked(renderer=frameless())
        scene.history = h
        scene.render()
    np.testing.assert_array_equal(~np.array(faded), point_gradients(h).in_batch)
    said = "\n".join(" ".join(note.split()) for note in seen)  # a line too long for the smallest size wraps
    assert f"batch mean ({h.config.batch_size} points): ∂L/∂{u.name} = {fmt_fixed(u.gradient)}" in said
    for k, step in enumerate(u.steps):
        for line in update_lines(h, u, k, chars=44):  # at the notes' size, Adam's lines as made
            assert " ".join(line.split()) in said, line
    assert [(t, text) for t, text, _ in live] == [
        ((s.step + 1) / h.steps, fmt_fixed(after(h, s.epoch, s.step).weights[u.edge.layer][u.edge.i, u.edge.j],
                                           weight_places(s))) for s in u.steps]
    assert [counter for _, _, counter in live] == [f"Epoch 0 / {h.epochs} · step {k + 1} / {h.steps}" for k in range(2)]


# -- the gradient chapter's batch -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sgd-batches", "adam-2d", "momentum"])
def test_the_gradient_chapters_batch_is_the_first_steps_slice_of_the_batch_order(name):
    h = run(name)
    points, u = point_gradients(h), update_example(h)
    rows = rows_of(h, 0, 0)
    np.testing.assert_array_equal(np.flatnonzero(points.in_batch), np.sort(rows))
    assert points.mean == pytest.approx(u.gradient, abs=1e-12)  # the mean the update steps with
    from nnviz_core.chapters import forward_sample
    assert points.in_batch[forward_sample(h).index]  # the forward pass follows a point of that batch
    words = storyboard(h, [("where-the-gradient-comes-from", {})])[0]
    if h.steps > 1:
        assert f"The batch's {len(rows)} together average to {fmt_fixed(u.gradient)}" in words.narration
        assert words.captions[1] == f"The batch's mean is ∂L/∂{u.name} = {fmt_fixed(u.gradient)}"


# -- the clock shows the step -------------------------------------------------------------------------
def test_the_counters_read_the_epoch_and_the_step():
    from nnviz_core.dashboard.panel import epoch_text
    from scenes.mobjects import EpochCounter

    h = run("sgd-batches")
    assert h.steps == 5
    with tempconfig({"quality": "low_quality"}):
        counter = EpochCounter(h, palette_for(h))
        for e, s in [(0, 0), (2, 3), (5, 4)]:
            state = h.at_step(e, s)
            assert counter.set_state(state).text == clock_text(state, h.epochs, h.epochs) == \
                f"Epoch {e} / {h.epochs} · step {s} / 5"
            assert epoch_text(state, h.epochs) == f"{e} · step {s} / 5"  # the GIF's titles
        tween = h.tween(2, 3, 0.5)  # part through the 4th step: 3 done, as the epoch shows 2
        assert counter.set_state(tween).text == f"Epoch 2 / {h.epochs} · step 3 / 5"
        last = h.at_epoch(h.epochs)  # takes no steps: none said
        assert counter.set_state(last).text == f"Epoch {h.epochs} / {h.epochs}" == clock_text(last, h.epochs, h.epochs)
        assert EpochCounter(h, palette_for(h), steps=False).set_state(h.at_step(2, 3)).text == f"Epoch 2 / {h.epochs}"
        full = run("momentum")
        assert EpochCounter(full, palette_for(full)).set_state(full.at_epoch(3)).text == f"Epoch 3 / {full.epochs}"
        counter.set_stride(0.6)  # 0.6 epochs a frame: 3 steps
        assert counter.sampling[0].original_text == "fast-forward: 1 frame per 3 steps"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_drive_from_a_step_never_tweens_across_two_steps(seed):
    """The update chapter's drives start at a step's start and end at the next: every frame is
    that step's start, its end, or the step part done within its two ends' loss (and, for a
    classification, accuracy) - over seeded runs of every optimiser."""
    from nnviz_core.timeline import TWEEN_SLACK, Timeline, shown_accuracy

    rng = np.random.default_rng(seed)
    config = RunConfig().updated(dict(layers=(2, 5, 1), dataset="moons", samples=30, epochs=4, snapshot_every=2,
                                      optimizer=["sgd", "momentum", "adam"][seed % 3], batch_size=int(rng.integers(4, 12)),
                                      lr=float(10 ** rng.uniform(-1.5, 0)), seed=seed))
    h = train(config, keep_diverged=True)
    tweens = 0
    for e, s in [(0, 0), (0, 1), (1, h.steps - 1)]:
        a, b = h.at_step(e, s), after(h, e, s)
        start = e + s / h.steps
        timeline = Timeline(h, start, start + 1 / h.steps, 12)
        for alpha in np.linspace(0, 1, 13):
            t = timeline.epoch_at(alpha)
            state = h.at(t)
            ee, ss, f = h.clock(t)
            assert (ee, ss) in ((e, s), (b.epoch_step if f == 0 else None))
            if f > 0:  # training's step, part done: its two ends' weights, f of the way
                tweens += 1
                for drawn, w0, w1 in zip(state.weights + state.biases, a.weights + a.biases, b.weights + b.biases):
                    np.testing.assert_allclose(drawn, w0 + f * (w1 - w0), rtol=0, atol=1e-12)
                slack = TWEEN_SLACK * abs(b.loss - a.loss) + 1e-12
                assert min(a.loss, b.loss) - slack <= state.loss <= max(a.loss, b.loss) + slack
                shown = shown_accuracy(h, state)
                assert min(a.accuracy, b.accuracy) <= shown <= max(a.accuracy, b.accuracy)
            else:
                real = a if (ee, ss) == (e, s) else b
                assert state.loss == real.loss and shown_accuracy(h, state) == real.accuracy
    assert tweens > 0  # these gentle steps are drawn part done: the checks above saw some


# -- the words -----------------------------------------------------------------------------------------
def test_the_words_say_the_optimiser_the_batches_and_the_penalty():
    h = run("adam-batches")
    c = h.config
    board = {ch.name: ch for ch in storyboard(h, [("title", {}), ("loss-for-one-sample", {}), ("training-montage", {}),
                                                    ("summary", {})])}
    assert (f"by Adam (β₁ 0.9, β₂ 0.999) with learning rate {c.lr:g}, in batches of 8 (5 steps per epoch), for "
            f"{c.epochs} epochs.") in board["title"].narration
    assert f"The first step's batch of 8 has a loss of {fmt_loss(h.batch_loss[0, 0])}." in board["loss-for-one-sample"].narration
    assert f"Then {h.epochs} epochs of Adam in batches of 8 ({h.epochs * 5} steps)" in board["training-montage"].narration
    assert board["training-montage"].captions == (f"Training: {h.epochs} epochs of Adam, 5 steps each",)
    assert f"After {h.epochs} epochs ({h.epochs * 5} steps), the loss" in board["summary"].narration
    l1 = run("sgd-l1")
    words = storyboard(l1, [("title", {}), ("summary", {})])
    assert "with an L1 penalty of 0.005 on the weights, for" in words[0].narration
    zeros = sum(int((w == 0).sum()) for w in l1.at_epoch(l1.epochs).weights)
    total = l1.final_loss + l1.penalty[-1]
    assert f"what training minimised ended at {fmt_loss(total)}: the loss {fmt_loss(l1.final_loss)}" in words[1].narration
    assert (f"L1 left {zeros} of the" in words[1].narration) == (zeros > 0)


def test_nnviz_info_says_how_the_run_learns(tmp_path, capsys):
    from nnviz_core.frontends.cli import main

    (tmp_path / "empty.cfg").touch()
    out = str(tmp_path / "run.npz")
    assert main(["train", "--optimizer", "momentum", "--momentum", "0.8", "--batch-size", "16", "--l2", "0.001",
                 "--epochs", "5", "--config", str(tmp_path / "empty.cfg"), "--out", out]) == 0
    capsys.readouterr()
    assert main(["info", out]) == 0
    text = capsys.readouterr().out
    assert ("learning        gradient descent with momentum 0.8, learning rate 0.1, batches of 16: 7 steps per "
            "epoch, the last of 4, L2 0.001\n") in text
    assert main(["info", "--json", out]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["optimizer"] == {"name": "momentum", "words": "gradient descent with momentum 0.8", "lr": 0.1,
                                 "momentum": 0.8}
    assert (info["batch_size"], info["steps_per_epoch"], info["steps"]) == (16, 7, 35)
    assert info["penalty"] == {"l1": 0.0, "l2": 0.001} and info["test_fraction"] == 0.0


# -- runs side by side ---------------------------------------------------------------------------------
def test_comparing_optimisers_and_batch_sizes_in_both_renderers(tmp_path):
    from nnviz_core.compare import compare
    from nnviz_core.dashboard.compare import CompareDashboard
    from scenes.compare import CompareRuns, shared_steps

    base = RunConfig().updated({**SMALL, "lr": 0.05})
    by_batch = compare(base, "batch_size", ["0", "8"])
    assert by_batch.headings == ["batch_size = 0 (full batch)", "batch_size = 8 (5 steps/epoch)"]
    assert by_batch.labels == ["batch_size = 0", "batch_size = 8"]  # the shared loss panel's keys
    words = storyboard(by_batch.clock(), [("comparison", {})], comparison=by_batch)[0].narration
    assert "differ only in batch_size: 0 (every point in one step) and 8 (5 steps per epoch)." in words
    by_optimizer = compare(base.updated({"batch_size": 8}), "optimizer", ["sgd", "momentum", "adam"])
    words = storyboard(by_optimizer.clock(), [("comparison", {})], comparison=by_optimizer)[0].narration
    assert "sgd (plain gradient descent), momentum (μ 0.9) and adam (β₁ 0.9, β₂ 0.999)" in words
    # the GIF: each run's title its own loss at its own epoch (and the steps it shares)
    d = CompareDashboard(by_optimizer, dpi=30)
    d.render_rgb(by_optimizer.histories[0].at_epoch(3))
    for panel, run_, name in zip(d.panels[:-1], by_optimizer.histories, by_optimizer.labels):
        assert panel.title.get_text() == f"{name} (Epoch 3 · step 0 / 5)\nLoss: {fmt_loss(run_.loss[3])}"
    # the video: the counter reads the step only when every run takes the same steps
    assert shared_steps(by_optimizer) and not shared_steps(by_batch)
    read = []  # what the counter read after each play of the training, and the clock's state then

    class Checked(CompareRuns):
        comparison = by_optimizer

        def play(self, *args, **kwargs):
            super().play(*args, **kwargs)
            if self.chapters[-1] == "runs-training":
                state = self.history.at(self.clock.get_value())
                read.append((self.counter.text, clock_text(state, self.history.epochs, self.history.epochs)))

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        Checked(renderer=frameless()).render()
    assert len(read) > 2 and all(shown == said for shown, said in read)
    assert any("· step" in shown for shown, _ in read) and read[-1][0] == f"Epoch {base.epochs} / {base.epochs}"


# -- the loss chapter of a penalised run: L is the data's loss, said so ----------------------------------
@pytest.mark.parametrize("changes", [dict(l1=0.1, lr=0.1), dict(l2=0.01, activation="tanh"),
                                     dict(dataset="moons", layers=(2, 4, 1), l2=0.001, batch_size=16, test_fraction=0.25),
                                     dict()], ids=["l1", "l2", "2-d-l2-batches", "plain"])
def test_the_loss_chapter_says_its_mean_is_the_data_loss_without_the_penalty(changes, tmp_path):
    import manim
    from scenes.clips import ForwardPass

    h = train(RunConfig().updated({**SMALL, **changes}))
    seen = []

    class Watched(ForwardPass):
        def note(self, *given, **kwargs):
            super().note(*given, **kwargs)
            if self.chapters[-1] == "loss-for-one-sample":
                seen.extend(m.original_text for m in self.notes.get_family() if isinstance(m, manim.Text))

    with tempconfig({"dry_run": True, "quality": "low_quality", "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Watched(renderer=frameless())
        scene.history = h
        scene.render()
    drawn = " ".join(" ".join(seen).split())
    words = storyboard(h, [("loss-for-one-sample", {})])[0].narration
    assert f"L = {fmt_loss(h.loss[0])}" in drawn
    penalty = h.trace["penalty"][0, 0]  # training minimised h.loss + this: the L shown leaves it out
    assert (penalty > 0) == bool(h.config.l1 or h.config.l2)
    assert ("(data loss, no penalty)" in drawn) == (penalty > 0)
    assert ("the data's loss without the penalty" in words) == (penalty > 0)


def test_the_update_chapter_says_l1_after_the_gradient_step_with_trainings_numbers():
    """r2 of the review: 1-12-1, l1 0.1, lr 0.1. The words follow the update's order: the gradient
    step first (w − η·∂L/∂w, from training's gradient), then L1's shrink to training's next weight."""
    h = train(RunConfig().updated({"l1": 0.1, "lr": 0.1, "layers": (1, 12, 1), "epochs": 3}))
    u = update_example(h)
    e = u.edge
    w = h.at_epoch(0).weights[e.layer][e.i, e.j]
    stepped = w - h.config.lr * h.at_epoch(0).grad_weights[e.layer][e.i, e.j]
    new = h.at_epoch(1).weights[e.layer][e.i, e.j]
    shrink = h.config.lr * h.config.l1
    assert abs(stepped) > shrink and new == pytest.approx(stepped - np.sign(stepped) * shrink)  # training's order
    places = weight_places(u.first)
    words = storyboard(h, [("weight-update", {})])[0].narration
    assert (f"the gradient step takes {u.name} from {weight_text(w, places)} to {weight_text(stepped, places)}; "
            f"then L1 moves it {shrink:g} towards zero, to {weight_text(new, places)}.") in words


def test_the_update_works_the_largest_gradient_among_the_drawn_edges_as_the_readme_says():
    """A 1-64-1 net draws 10 of its 64 units: its largest |∂L/∂w| (training's, epoch 0) is on a unit
    left out, and the chapter works the largest of the drawn ones; the README says so."""
    from pathlib import Path

    from nnviz_core.chapters import MAX_SHOWN
    from nnviz_core.layout import network_layout

    h = train(RunConfig().updated({"layers": (1, 64, 1), "epochs": 2}))
    g = h.at_epoch(0).grad_weights
    drawn = network_layout(h.config.layers, MAX_SHOWN).edges
    every = max(((abs(g[l][i, j]), (l, i, j)) for l in range(len(g)) for i in range(g[l].shape[0])
                 for j in range(g[l].shape[1])))
    assert every[1] not in {(e.layer, e.i, e.j) for e in drawn}  # the largest of all is not drawn
    largest_drawn = max(drawn, key=lambda e: abs(g[e.layer][e.i, e.j]))
    u = update_example(h)
    assert (u.edge.layer, u.edge.i, u.edge.j) == (largest_drawn.layer, largest_drawn.i, largest_drawn.j)
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert "for the weight with the largest gradient among the edges drawn" in readme


def test_adam_s_first_move_is_said_with_the_sign_of_the_weight_s_change():
    """Adam's first step moves each weight by ∓η (m̂ / √v̂ = ±1): the words give the change in w,
    new − old, as training made it (h.at_step), so a weight that rose is not said to step by −η."""
    import re

    from nnviz_core.chapters import update_example, update_words

    h = train(RunConfig(optimizer="adam", batch_size=16, lr=0.01, epochs=2))
    u = update_example(h)
    e = u.edge
    before, after = (h.at_step(0, k).weights[e.layer][e.i, e.j] for k in (0, 1))
    said = re.search(rf"{re.escape(u.name)} moves by (−?[0-9.]+)", update_words(h, u))
    assert said, update_words(h, u)
    value = float(said.group(1).replace("−", "-"))
    assert np.sign(value) == np.sign(after - before) and abs(value - (after - before)) < 1e-4
