"""What makes every picture true on any run: events, the renderers' clock, plot ranges and how
numbers are written."""
import numpy as np
import pytest

from nnviz_core import RunConfig, train
from nnviz_core.events import rising_steps, summary_lines
from nnviz_core.layout import (LOG_LOSS_SPAN, SQUASH_LIMIT, contribution_curves, fit_y_range, gradient_bars,
                               loss_axis, network_layout, off_plot_marks)
from nnviz_core.numbers import axis_scale, fmt_fixed, fmt_loss, fmt_value
from nnviz_core.timeline import MAX_GIF_EXTRA_FRAMES, Timeline, flagged_steps, gif_epochs


@pytest.fixture(scope="module")
def oscillating():
    return train(RunConfig(lr=0.9, epochs=300))


@pytest.fixture(scope="module")
def spiking():
    return train(RunConfig(layers=(1, 64, 1), lr=0.3, epochs=40))


# -- events -------------------------------------------------------------------------------------
def test_the_default_run_reports_nothing(seed_history):
    assert seed_history.events() == []
    assert summary_lines(seed_history) == []


def test_spikes_are_one_epoch_rises_of_more_than_double(spiking):
    spikes = [e for e in spiking.events() if e.kind == "spike"]
    loss = spiking.loss
    expected = [e for e in range(1, len(loss)) if loss[e] > 2 * loss[e - 1]]
    assert [s.epoch for s in spikes] == expected and expected
    first = spikes[0]
    assert fmt_value(loss[first.epoch]) in first.text and f"epoch {first.epoch}" in first.text


def test_a_spike_that_kills_units_is_said_in_one_sentence(spiking):
    """It says how many the spike killed (dead by two epochs after it, not dead before it), and
    how many end dead when that is more: never the final count as the spike's doing."""
    line = summary_lines(spiking)[0]
    dead_at = [spiking.at_epoch(e).dead_units()[0] for e in (0, 3, spiking.epochs)]
    killed, end = int((dead_at[1] & ~dead_at[0]).sum()), int(dead_at[2].sum())
    assert line.startswith("A spike at epoch 1") and f"killed {killed} of 64 units" in line, line
    assert (f"; {end} of 64 end dead" in line) == (end != killed), line


def test_oscillation_is_found_where_the_loss_flips_every_epoch(oscillating):
    stretches = [e for e in oscillating.events() if e.kind == "oscillation"]
    assert stretches
    d = np.diff(oscillating.loss)
    for s in stretches:
        steps = d[s.epoch:s.end]
        assert len(steps) >= 4 and np.all(np.sign(steps[1:]) != np.sign(steps[:-1]))


def test_underfit_compares_the_final_loss_with_the_noise(seed_history, spiking):
    assert not [e for e in seed_history.events() if e.kind == "underfit"]
    far = [e for e in spiking.events() if e.kind == "underfit"]
    assert far and far[0].values["final"] == spiking.final_loss


# -- the clock ------------------------------------------------------------------------------------
def frames_of(timeline, frames):
    return np.array([timeline.epoch_at(k / frames) for k in range(frames + 1)])


def test_with_frames_to_spare_the_clock_moves_evenly(seed_history):
    timeline = Timeline(seed_history, 0, 100, frames=1200)
    shown = frames_of(timeline, 1200)
    assert np.allclose(np.diff(shown), 100 / 1200)
    assert not timeline.sampling and timeline.stride_at(0.5) < 1


def test_where_the_loss_rises_every_epoch_gets_a_frame_showing_exactly_it():
    long_run = train(RunConfig(lr=0.9, epochs=1000, snapshot_every=20))
    frames = 800  # fewer frames than epochs: the rest is sampled, and said
    timeline = Timeline(long_run, 0, long_run.epochs, frames)
    shown = frames_of(timeline, frames)
    flagged = flagged_steps(long_run)
    assert timeline.holds and len(flagged) < frames / 2
    whole = set(shown[shown == np.floor(shown)].astype(int))
    assert set(flagged) <= whole  # each flagged epoch appears, exactly, in a frame
    assert np.all(np.diff(shown) >= -1e-9)  # time never runs backwards
    assert timeline.sampling and timeline.stride_at(0.0) == pytest.approx((1000 - len(flagged)) / (frames - len(flagged)))
    assert timeline.stride_at(timeline.knots_alpha[np.searchsorted(timeline.knots_epoch, flagged[0])] + 1e-6) == 1


def test_too_many_rising_epochs_are_sampled_and_that_is_said(oscillating):
    timeline = Timeline(oscillating, 0, oscillating.epochs, frames=40)
    assert not timeline.holds and timeline.sampling and timeline.stride_at(0.3) == pytest.approx(300 / 40)


def test_gif_frames_are_whole_epochs_with_every_rising_one(oscillating, seed_history):
    epochs, note = gif_epochs(seed_history)
    assert epochs == list(range(0, 101, 5)) and note is None
    epochs, note = gif_epochs(oscillating)
    assert all(isinstance(e, int) for e in epochs) and note is None
    for step in rising_steps(oscillating.loss):
        assert step in epochs and step + 1 in epochs
    assert set(range(0, 301, 5)) <= set(epochs)
    assert gif_epochs(seed_history, every=5) == ([0, 25, 50, 75, 100], None)
    assert gif_epochs(seed_history, every=10, smooth=4)[0][:6] == [0, 10, 20, 30, 40, 50]


def test_gif_says_when_it_samples_rising_epochs():
    long_run = train(RunConfig(lr=0.9, epochs=3000, snapshot_every=50))
    epochs, note = gif_epochs(long_run)
    assert len(flagged_steps(long_run)) * 2 > MAX_GIF_EXTRA_FRAMES
    assert note and "sample" in note and len(epochs) == len(long_run.checkpoint_epochs)


# -- ranges ---------------------------------------------------------------------------------------
def test_the_fit_range_holds_every_prediction_unless_that_squashes_the_data(seed_history, spiking):
    low, high = fit_y_range(seed_history)
    p_lo, p_hi = seed_history.prediction_bounds()
    assert low <= min(p_lo, seed_history.y.min()) and high >= max(p_hi, seed_history.y.max())
    low, high = fit_y_range(spiking)  # a guess of 28 would flatten the data: capped, and marked
    span = np.ptp(spiking.y)
    assert spiking.prediction_bounds()[1] > high and high - low <= SQUASH_LIMIT * span + 1e-9
    assert low <= spiking.y.min() and high >= spiking.y.max()


def test_off_plot_marks_sit_where_each_stretch_leaves_with_its_most_extreme_value():
    xs = np.linspace(-1, 1, 11)
    ys = np.array([0, 3, 5, 1, 0, -4, -7, 0, 0, 0, 0], float)
    marks = off_plot_marks(xs, ys, -2, 2)
    assert [(m.side, m.x, m.value) for m in marks] == [("above", xs[1], 5.0), ("below", xs[5], -7.0)]
    assert off_plot_marks(xs, np.zeros(11), -2, 2) == []


def test_a_loss_spanning_decades_gets_a_log_axis(seed_history, spiking):
    axis = loss_axis(spiking.loss)
    assert axis.log and axis.low <= spiking.loss.min() and axis.high >= spiking.loss.max()
    assert all(np.log10(t).is_integer() for t in axis.ticks)
    flat = np.linspace(1.0, 0.5, 30)
    assert flat.max() / flat.min() < LOG_LOSS_SPAN and not loss_axis(flat).log


def test_wide_networks_get_one_gradient_bar_per_matrix():
    assert len(gradient_bars((1, 10, 1))) == 20
    wide = gradient_bars((1, 64, 64, 1))
    assert [b.label for b in wide] == ["‖∂L/∂W1‖", "‖∂L/∂W2‖", "‖∂L/∂W3‖"]


def test_hidden_units_behind_the_ellipsis_are_summed_into_one_curve():
    h = train(RunConfig(layers=(1, 64, 1), lr=0.05, epochs=5))
    s = h.at(3)
    curves = contribution_curves(s, network_layout(h.config.layers))
    assert [c[0] for c in curves][-1] == "other 55 units" and len(curves) == 10
    total = sum(values for _, _, values in curves) + s.biases[-1][0, 0]
    np.testing.assert_allclose(total, s.prediction[:, 0], atol=1e-9)


# -- numbers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, text", [(0.0, "0"), (1.8e-5, "1.8×10⁻⁵"), (-0.25, "−0.250"), (95.21, "95.2"),
                                         (3.0073e29, "3.01×10²⁹"), (0.000999, "9.99×10⁻⁴"), (12345.0, "12345")])
def test_numbers_never_turn_into_unreadable_exponents(value, text):
    assert fmt_value(value) == text


def test_fixed_and_loss_formats():
    assert fmt_fixed(-0.0001, 2) == "0.00" and fmt_fixed(-0.25, 2) == "−0.25" and fmt_fixed(0.5, 2, plus=True) == "+0.50"
    assert fmt_loss(0.5625118) == "0.5625" and fmt_loss(1.2e-5) == "1.2×10⁻⁵" and fmt_loss(3.5e6) == "3.5×10⁶"
    assert axis_scale(0.012) == -3 and axis_scale(5.0) == 0 and axis_scale(2e-5) == -6


# -- the tween rule: every frame a real epoch, or honestly between two ---------------------------
def between_the_two(history, t: float, state) -> bool:
    """Whether ``state`` (shown at clock time t) is a real epoch's, or its loss and prediction lie
    between those of the two real epochs around t, as training recorded them."""
    from nnviz_core.timeline import INVISIBLE, ROUNDING, TWEEN_SLACK

    e = int(np.floor(state.epoch))
    if state.epoch == e:
        return abs(e - t) <= 0.5 + 1e-9 and state.loss == history.loss[e]
    a, b = history.loss[e], history.loss[e + 1]
    slack = TWEEN_SLACK * abs(b - a) + ROUNDING * (1 + max(a, b))
    pa, pb = history.at_epoch(e).prediction, history.at_epoch(e + 1).prediction
    p_slack = TWEEN_SLACK * np.abs(pb - pa).max() + INVISIBLE * np.ptp(history.y) + ROUNDING * (1 + np.abs(pb).max())
    return (e <= t < e + 1 and min(a, b) - slack <= state.loss <= max(a, b) + slack
            and np.all(state.prediction >= np.minimum(pa, pb) - p_slack)
            and np.all(state.prediction <= np.maximum(pa, pb) + p_slack))


def test_an_overshooting_step_is_cut_not_tweened():
    """lr 0.8: half way through an oscillating step the weights pass the valley floor (a loss
    4-10x below either epoch); the clock shows the nearer real epoch instead."""
    h = train(RunConfig(lr=0.8))
    overshoots = [e for e in range(h.epochs) if h.between(e, 0.5).loss < 0.9 * min(h.loss[e], h.loss[e + 1])]
    assert 96 in overshoots and len(overshoots) > 40
    for e in overshoots:
        assert h.at(e + 0.25).epoch == e and h.at(e + 0.75).epoch == e + 1
        assert h.at(e + 0.5).loss == h.loss[e + 1]
    timeline = Timeline(h, 0, h.epochs, frames=16 * 15)  # the montage at -ql
    for alpha in np.linspace(0, 1, 16 * 15 + 1):
        t = float(np.interp(alpha, timeline.knots_alpha, timeline.knots_epoch))
        state = h.at(timeline.epoch_at(alpha))
        assert between_the_two(h, t, state), (alpha, state.epoch, state.loss)


def test_a_smooth_step_is_tweened(seed_history):
    h = seed_history
    s = h.at(12.5)
    assert s.epoch == 12.5 and h.loss[13] < s.loss < h.loss[12]
    for w, w0, w1 in zip(s.weights, h.at_epoch(12).weights, h.at_epoch(13).weights):
        np.testing.assert_allclose(w, (w0 + w1) / 2, atol=1e-15)


# -- words that follow the loss curve --------------------------------------------------------------
def test_an_oscillating_run_is_said_to_rise_after_its_lowest():
    from nnviz_core.chapters import storyboard

    h = train(RunConfig(lr=0.8))
    best = int(np.argmin(h.loss))
    said = f"fell to its lowest, {fmt_loss(h.loss[best])} at epoch {best}, then rose to {fmt_loss(h.final_loss)}"
    board = {c.name: c.narration for c in storyboard(h, [("training-montage", {}), ("summary", {}), ("training", {})])}
    for name, words in board.items():
        assert said in words and "falls" not in words and "fell from" not in words, name
    assert any(f"epoch {best}" in line for line in summary_lines(h, most=4))  # as the summary shows


def test_a_loss_that_explodes_while_finite_is_divergence(capsys, tmp_path):
    from nnviz_core import TrainingDiverged
    from nnviz_core.compare import compare
    from nnviz_core.model import forward, mse, sgd_step
    from nnviz_core.chapters import storyboard

    with pytest.raises(TrainingDiverged, match="10⁶ times its start"):
        train(RunConfig(lr=5))
    c = compare(RunConfig(), "lr", ["0.05", "0.5", "5"])
    run = c.histories[2]
    # Independently: the kept epochs stay under 10⁶ times the start, and one more real step does not.
    assert np.all(run.loss <= 1e6 * run.loss[0]) and run.diverged_at == run.epochs + 1
    last = run.at_epoch(run.epochs)
    w, b = sgd_step(last.weights, last.biases, last.grad_weights, last.grad_biases, 5.0)
    with np.errstate(all="ignore"):
        assert not mse(forward(run.X, w, b, "relu")[1][-1], run.y) <= 1e6 * run.loss[0]
    words = storyboard(run, [("runs-training", {})], comparison=c)[0].narration
    assert f"with lr 5 the loss grew without bound from {fmt_loss(run.loss[0])}: training diverged at epoch " \
           f"{run.diverged_at}" in words and "falls" not in words
    dead = int(np.all(last.activations[0] <= 0, axis=0).sum())  # every unit 0 on every input
    assert dead == 10 and "With lr 5: 10 of 10 hidden units end dead" in words


def test_the_update_says_a_step_raised_the_loss_and_how_far_biases_moved():
    from nnviz_core.chapters import storyboard, update_example

    h = train(RunConfig(layers=(1, 4, 4, 4, 1), activation="tanh", dataset="step", lr=0.5))
    assert h.loss[1] > h.loss[0]
    words = storyboard(h, [("weight-update", {})])[0].narration
    assert f"This one step raised the loss from {fmt_loss(h.loss[0])} to {fmt_loss(h.loss[1])}" in words
    a, b = h.at_epoch(0), h.at_epoch(1)
    u = update_example(h)
    assert u.largest_bias_move == max(np.abs(y - x).max() for x, y in zip(a.biases, b.biases)) > u.largest_move


def test_a_climb_after_a_fall_is_not_called_a_first_rise():
    """A loss that fell, spiked far above its start, then fell again (a review's CSV run): the
    words start the climb at its low, and "first rose" is kept for a loss that rose at once."""
    from types import SimpleNamespace

    from nnviz_core.events import climb, loss_path

    fell_then_spiked = SimpleNamespace(loss=np.array([0.65, 0.3, 0.06, 3.96, 0.5, 0.02, 0.03, 0.021]), diverged_at=None)
    path = loss_path(fell_then_spiked)
    assert path.phrase() == "went from 0.6500 down to 0.0600 at epoch 2, up to 3.9600 at epoch 3, then fell to 0.0210"
    assert climb(fell_then_spiked)[0].text.startswith("the loss climbed from 0.0600 at epoch 2 to 3.9600 at epoch 3")
    rose_at_once = SimpleNamespace(loss=np.array([0.65, 1.2, 2.0, 0.4, 0.1]), diverged_at=None)
    assert loss_path(rose_at_once).phrase() == "first rose from 0.6500 to 2.0000 at epoch 2, then fell to 0.1000"


@pytest.mark.parametrize("settings, off", [(dict(l1=0.1, layers=(1, 12, 1)), True),
                                           (dict(seed=5, layers=(1, 8, 8, 1)), True), ({}, False)])
def test_a_sample_that_cannot_pull_says_which_unit_is_off(settings, off):
    """The gradient chapter's sample pulls on the worked weight with a_i·δ_j; where its a_i is 0
    the words name that unit, read here from our own forward pass at epoch 0."""
    import re

    from nnviz_core.chapters import forward_sample, update_example, where_the_gradient_comes_from
    from nnviz_core.layout import neuron_label
    from nnviz_core.model import forward

    h = train(RunConfig(epochs=3).updated(settings))
    s, e = forward_sample(h), update_example(h).edge
    state = h.at_epoch(0)
    acts = forward(h.problem.X, state.weights, state.biases, h.config.activation)[1]
    a_i = (h.problem.X if e.layer == 0 else acts[e.layer - 1])[s.index, e.i]
    assert (a_i == 0) == off  # the runs are chosen for it
    words = where_the_gradient_comes_from(h).narration
    said = re.search(r"pulls with 0\.000, .*, times (\S+) = 0 here: \1 is off at this point", words)
    assert bool(said) == off, words
    if off:
        assert said.group(1) == neuron_label(h.config.layers, e.layer, e.i)


def test_a_sample_behind_an_off_unit_says_nothing_flows_back():
    """seed 1: the worked weight is w1[8], x -> h8, and h8's z is below 0 at the sample (ReLU
    off), from our own forward pass: its pull is 0 because nothing flows back through h8."""
    from nnviz_core.chapters import forward_sample, update_example, where_the_gradient_comes_from
    from nnviz_core.layout import neuron_label
    from nnviz_core.model import forward

    h = train(RunConfig(epochs=3, seed=1))
    s, e = forward_sample(h), update_example(h).edge
    state = h.at_epoch(0)
    zs = forward(h.problem.X, state.weights, state.biases, h.config.activation)[0]
    assert e.layer == 0 and zs[0][s.index, e.j] <= 0
    unit = neuron_label(h.config.layers, 1, e.j)
    assert f"pulls with 0.000, from its error factor" in where_the_gradient_comes_from(h).narration
    assert f"but {unit} is off at this point, so nothing flows back" in where_the_gradient_comes_from(h).narration


def test_a_penalty_s_trade_is_not_called_a_too_large_learning_rate():
    """L1 0.1 at lr 0.1: the data loss ends above its start while loss + penalty falls (read from
    h.loss and h.penalty): the words say the penalty's trade, never that the lr is too large."""
    from nnviz_core.events import worse

    h = train(RunConfig().updated(dict(l1="0.1", layers="1,16,1", test_fraction="0.3")))
    total = h.loss + h.penalty
    assert h.loss[-1] > h.loss[0] and total[-1] < total[0]  # the run is chosen for it
    [event] = worse(h)
    assert "learning rate" not in event.text
    assert f"({fmt_value(total[0])} → {fmt_value(total[-1])})" in event.text
    assert f"({fmt_value(h.loss[0])} → {fmt_value(h.loss[-1])})" in event.text
    plain = train(RunConfig(lr=2.0, epochs=6), keep_diverged=True)  # no penalty: the lr is the cause
    assert all("learning rate is too large" in e.text for e in worse(plain))


def test_all_zero_gradients_are_titled_0_not_1():
    """lr 2 kills every unit: training's gradient is 0 everywhere; the GIF's bars say 0."""
    import matplotlib.pyplot as plt

    from drawn import palette_for
    from nnviz_core.dashboard.bars import GradientBars

    h = train(RunConfig(lr=2.0), keep_diverged=True)
    state = h.at_epoch(h.epochs)
    assert max(float(np.abs(g).max()) for g in state.grad_weights) == 0.0
    fig, ax = plt.subplots()
    bars = GradientBars(ax, h, palette_for(h))
    bars.set_state(state)
    assert "| = 0)" in bars.title.get_text(), bars.title.get_text()
    plt.close(fig)


def test_a_tie_for_the_highest_accuracy_names_every_run_in_it():
    """moons, three optimisers: momentum and adam end at the same training accuracy (h.accuracy)."""
    from nnviz_core.chapters import runs_final_state
    from nnviz_core.compare import compare
    from nnviz_core.layout import accuracy_text

    c = compare(RunConfig().updated(dict(dataset="moons", test_fraction="0.3", batch_size="16", epochs="40",
                                         lr="0.05")), "optimizer", ["sgd", "momentum", "adam"])
    final = {v: r.accuracy[-1] for v, r in zip(c.values, c.histories)}
    best = max(final.values())
    tied = [v for v, a in final.items() if a == best]
    assert len(tied) == 2  # the run is chosen for it
    said = runs_final_state(c.histories[0], comparison=c).narration
    assert f"the highest final accuracy, {accuracy_text(best)}, with optimizer {tied[0]} and {tied[1]} (a tie)" in said, said
