"""With minibatches every video frame is a real step of training or part way through one step:
never a tween across two steps, and a part-done step only where its loss stays between its two
ends (the truth rule, nnviz_core.timeline). Each frame's network is checked against training's
steps (History.at_step), with the tween recomputed in NumPy."""
import numpy as np
import pytest

from nnviz_core import RunConfig, train
from nnviz_core.timeline import TWEEN_SLACK, Timeline

RUNS = {"adam": dict(optimizer="adam", batch_size=8, lr=0.05),
        "sgd-oscillating": dict(optimizer="sgd", batch_size=10, lr=0.6, seed=3),
        "momentum-l2": dict(optimizer="momentum", batch_size=12, lr=0.3, l2=0.01, seed=5)}


def real_step(h, e: int, s: int):
    """Training's network before step s of epoch e, and before the next step."""
    after = h.at_step(e, s + 1) if s + 1 < h.steps else h.at_epoch(e + 1)
    return h.at_step(e, s), after


@pytest.mark.parametrize("name", RUNS)
@pytest.mark.parametrize("per_step", [7, 0.5])  # frames to spare; frames that sample the steps
def test_every_frame_is_a_step_or_part_of_one(name, per_step):
    h = train(RunConfig().updated(dict(layers=(1, 6, 1), epochs=6, snapshot_every=3, samples=40, **RUNS[name])))
    assert h.steps > 1
    frames = int(h.epochs * h.steps * per_step)
    timeline = Timeline(h, 0, h.epochs, frames)
    tweens = cuts = 0
    for alpha in np.linspace(0, 1, frames):
        t = timeline.epoch_at(alpha)
        state = h.at(t)
        e, s, f = h.clock(t)
        if e >= h.epochs:
            a = b = h.at_epoch(h.epochs)
        else:
            a, b = real_step(h, e, s)
        if f == 0.0:  # a real step's start: training's network exactly
            expected = a
        else:  # one step part done, and only where its loss stays between the step's ends
            tweens += 1
            slack = TWEEN_SLACK * abs(b.loss - a.loss) + 1e-12
            assert min(a.loss, b.loss) - slack <= state.loss <= max(a.loss, b.loss) + slack
            expected = None
        for drawn, w0, w1 in zip(state.weights + state.biases, a.weights + a.biases, b.weights + b.biases):
            want = w0 if expected is not None else w0 + f * (w1 - w0)
            np.testing.assert_allclose(drawn, want, rtol=0, atol=1e-12)
        clock = float(np.interp(alpha, timeline.knots_alpha, timeline.knots_epoch))
        cuts += f == 0.0 and h.clock(clock)[2] > 0  # the clock is part way, the frame shows an end
    if per_step > 1:
        assert tweens > 0
        if name == "sgd-oscillating":
            assert cuts > 0  # this run has steps that may not be tweened: the test sees them cut
