"""The lecture's words for 2-D data (classification with two and k classes, 2-D regression): every
number in them recomputed here with NumPy from the weights training made (h.at_epoch) and
h.loss / h.accuracy, never read back from what the words were built from."""
import re

import numpy as np

from nnviz_core.layout import network_layout
import pytest

from nnviz_core import RunConfig, train
from nnviz_core.chapters import (SAMPLE_POINT, contribution_output, curve_count, forward_sample,
                                 sample_pull, storyboard, update_example)
from nnviz_core.data import DATASETS
from nnviz_core.events import AccuracyPath, summary_lines
from nnviz_core.frontends.cli import main
from nnviz_core.layout import accuracy_text, probability_text
from nnviz_core.numbers import fmt_fixed, fmt_loss
from nnviz_core.problems import FEATURES
from scenes.registry import SCENES

RUNS = {"circle": dict(dataset="circle"),
        "spiral k=3": dict(dataset="spiral", classes=3, layers=(2, 8, 8, 3)),
        "xor lr 3": dict(dataset="xor", lr=3.0),  # a loss that climbs for a while before it falls again
        "xor lr 8": dict(dataset="xor", lr=8.0),  # climbs 1.6x, oscillates, kills 7 of 8 units
        "bump": dict(dataset="bump"),
        "circle squares": dict(dataset="circle", features=("x1", "x2", "x1^2", "x2^2")),
        "moons deep tanh": dict(dataset="moons", activation="tanh", layers=(2, 6, 6, 1), epochs=60),
        "gauss sigmoid": dict(dataset="gauss", activation="sigmoid", epochs=40)}

# Written out again here, not imported: the network as the lecture says it computes.
ACT = {"relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
       "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
FEATURE = {"x1": lambda p: p[:, 0], "x2": lambda p: p[:, 1], "x1^2": lambda p: p[:, 0] ** 2,
           "x2^2": lambda p: p[:, 1] ** 2, "x1*x2": lambda p: p[:, 0] * p[:, 1],
           "sin(x1)": lambda p: np.sin(p[:, 0]), "sin(x2)": lambda p: np.sin(p[:, 1])}


@pytest.fixture(scope="module", params=list(RUNS))
def run(request):
    h = train(RunConfig().updated(RUNS[request.param]))
    return h, {c.name: c for c in storyboard(h, SCENES["TrainingLecture"].load().plan)}


def outputs(h, points, weights, biases):
    """The output layer's z at raw points, from the weights alone."""
    a = np.stack([FEATURE[f](points) for f in h.config.features], axis=1)
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w + b
        a = ACT[h.config.activation](z) if l < len(weights) - 1 else z
    return a


def probabilities(z):
    if z.shape[1] == 1:
        p1 = 1 / (1 + np.exp(-z[:, 0]))
        return np.stack([1 - p1, p1], axis=1)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def labels(h):
    return (h.y[:, 0] > 0.5).astype(int) if h.y.shape[1] == 1 else np.argmax(h.y, axis=1)


def own_losses(h, weights, biases):
    """Each training point's own loss: −log p of its class, or (ŷ − y)²."""
    z = outputs(h, h.X, weights, biases)
    if not h.is_classification:
        return (z[:, 0] - h.y[:, 0]) ** 2
    return -np.log(probabilities(z)[np.arange(len(h.X)), labels(h)])


def test_the_sample_is_a_real_point_with_its_true_logits_probabilities_and_loss(run):
    h, board = run
    s, start = forward_sample(h), h.at_epoch(0)
    z = outputs(h, h.X, start.weights, start.biases)
    assert s.inputs == (s.x1, s.x2) == tuple(h.X[s.index]) and s.features == tuple(h.problem.X[s.index])
    np.testing.assert_allclose(s.logits, z[s.index], atol=1e-12)
    np.testing.assert_allclose(s.loss, own_losses(h, start.weights, start.biases)[s.index], rtol=1e-9)
    assert np.mean(own_losses(h, start.weights, start.biases)) == pytest.approx(h.loss[0], rel=1e-9)
    said = board["forward-pass"].narration + board["loss-for-one-sample"].narration
    assert "(" + ", ".join(fmt_fixed(v, 2) for v in h.X[s.index]) + ")" in board["forward-pass"].captions[0]
    assert fmt_loss(h.loss[0]) in board["loss-for-one-sample"].narration
    if not h.is_classification:
        assert s.label is None and s.probabilities == ()
        assert f"ŷ = {fmt_fixed(z[s.index, 0])}" in said and f"y = {fmt_fixed(h.y[s.index, 0])}" in said
        assert f"squared error is {fmt_loss((z[s.index, 0] - h.y[s.index, 0]) ** 2)}" in said
        return
    p = probabilities(z)
    own = labels(h)[s.index]
    np.testing.assert_allclose(s.probabilities, p[s.index], atol=1e-12)
    assert (s.label, s.p, s.predicted) == (own, pytest.approx(p[s.index, own]), int(np.argmax(p[s.index])))
    assert s.loss == pytest.approx(-np.log(p[s.index, own]))
    assert f"of class {own}," in said
    if h.problem.classes == 2:
        assert f"logit z = {fmt_fixed(z[s.index, 0])}" in said and f"p(class 1) = {probability_text(p[s.index, 1])}" in said
    else:
        assert "(" + ", ".join(fmt_fixed(v) for v in z[s.index]) + ")" in said
        assert all(probability_text(v) in said for v in p[s.index])
    assert f"−log p(class {own}) = −log {probability_text(p[s.index, own])} = {fmt_loss(-np.log(p[s.index, own]))}" in said
    assert ("the wrong one" in said) == (np.argmax(p[s.index]) != own)


def test_the_sample_is_the_nearest_wrong_point_that_pulls(run):
    """The rule forward_sample documents, checked from the weights: of the points the untrained
    network gets wrong and that pull on the update's weight, the nearest to (0.5, 0.5)."""
    h, _ = run
    s, u, start = forward_sample(h), update_example(h), h.at_epoch(0)
    pulls = start.sample_gradients(u.edge.layer, u.edge.i, u.edge.j) != 0
    keep = pulls.copy()
    if h.is_classification:
        wrong = np.argmax(probabilities(outputs(h, h.X, start.weights, start.biases)), axis=1) != labels(h)
        keep = wrong & pulls if (wrong & pulls).any() else wrong
    distance = np.hypot(*(h.X - SAMPLE_POINT).T)
    assert keep.any() and keep[s.index] and distance[s.index] == distance[keep].min()


def point_gradient(h, index, edge, step=1e-6):
    """The sample's own ∂loss/∂w by central differences on the weights: no backward pass."""
    start = h.at_epoch(0)
    grads = []
    for sign in (1, -1):
        weights = [w.copy() for w in start.weights]
        weights[edge.layer][edge.i, edge.j] += sign * step
        grads.append(own_losses(h, weights, start.biases)[index])
    return (grads[0] - grads[1]) / (2 * step)


def test_the_gradient_chapter_says_the_points_true_pull_and_its_error_factor(run):
    h, board = run
    s, u, pull = forward_sample(h), update_example(h), sample_pull(h)
    words = board["where-the-gradient-comes-from"].narration
    g = point_gradient(h, s.index, u.edge)
    assert pull.gradient == pytest.approx(g, abs=1e-6) and pull.gradient != 0
    assert f"pulls with {fmt_fixed(g)}" in words and f"average to {fmt_fixed(u.gradient)}" in words
    z = outputs(h, h.X[s.index:s.index + 1], h.at_epoch(0).weights, h.at_epoch(0).biases)
    if not h.is_classification:
        error = 2 * (z[0, 0] - h.y[s.index, 0])
        y = fmt_fixed(h.y[s.index, 0])
        y = f"({y})" if y.startswith("−") else y  # a negative y after the minus, in parentheses
        assert f"2(ŷ − y) = 2 × ({fmt_fixed(z[0, 0])} − {y}) = {fmt_fixed(error)}" in words
        return
    assert "2(ŷ − y)" not in words  # cross-entropy's error factor is p − y
    p = probabilities(z)[0]
    if h.problem.classes == 2:
        assert pull.outputs == (0,) and pull.factors[0] == pytest.approx(p[1] - s.label)
        assert f"p − y = {probability_text(p[1])} − {s.label} = {fmt_fixed(p[1] - s.label)}" in words
        assert pull.through == pytest.approx(g / (p[1] - s.label), abs=1e-5)
        return
    target = np.eye(h.problem.classes)[s.label]
    if u.edge.layer == len(h.config.layers) - 2:  # an edge into output j: that output's error alone
        j = u.edge.j
        assert pull.outputs == (j,) and f"p{'₀₁₂'[j]} − y{'₀₁₂'[j]} = " in words
    else:
        assert pull.outputs == tuple(range(h.problem.classes)) and pull.through is None
        np.testing.assert_allclose(pull.factors, p - target, atol=1e-12)
        assert "p_c − y_c" in words and all(fmt_fixed(v) in words for v in p - target)


def accuracy_of(h, epoch):
    state = h.at_epoch(epoch)
    return np.mean(np.argmax(probabilities(outputs(h, h.X, state.weights, state.biases)), axis=1) == labels(h))


def test_the_accuracy_words_are_the_accuracy_training_reached(run):
    h, board = run
    if not h.is_classification:
        assert not any("accuracy" in c.narration or "class" in c.narration for c in board.values())
        return
    first, last = accuracy_of(h, 0), accuracy_of(h, h.epochs)
    assert (first, last) == (h.accuracy[0], h.accuracy[-1])
    a, b = accuracy_text(first), accuracy_text(last)
    wrong = int(round((1 - last) * h.config.samples))
    montage, end = board["training-montage"].narration, board["summary"]
    best = h.accuracy.max()
    if best >= max(first, last) + 0.05:
        assert f"to its best, {accuracy_text(best)} at epoch {int(np.argmax(h.accuracy))}, then back to {b}" in montage
    elif a == b:
        assert f"The accuracy stayed at {a}" in montage
    else:
        assert f"The accuracy {'rose' if last > first else 'fell'} from {a} to {b}" in montage
    assert f"accuracy {a} → {b}" in end.captions[0]
    assert f"{wrong} of {h.config.samples} points {'is' if wrong == 1 else 'are'} still misclassified" in end.narration
    ending = f"Accuracy {b} at the end; {wrong} of {h.config.samples} points"
    assert summary_lines(h, most=4)[0].startswith(ending)  # the summary note's first line
    assert ending not in end.narration  # the narration says it once, in its own words


def test_the_loss_words_follow_the_loss(run):
    """A loss that rose is never called falling: each overview's sentence, read against h.loss."""
    h, board = run
    start, end = fmt_loss(h.loss[0]), fmt_loss(h.loss[-1])
    for name in ("training-montage", "summary"):
        words = board[name].narration
        fell = re.search(r"loss (?:first rose from \S+ to \S+ at epoch \d+, then |went from \S+ down to \S+ at epoch \d+, "
                         r"up to \S+ at epoch \d+, then )?fell (?:from \S+ )?to (\S+?)[.,;:]?(?:\s|$)", words)
        assert fell and fell.group(1) == end and h.loss[-1] < h.loss[0], words  # every run here ends lower
        if "first rose" in words or "went from" in words:
            k = int(np.argmin(h.loss))
            peak = h.loss[:k].max()
            assert f"to {fmt_loss(peak)} at epoch {int(np.argmax(h.loss[:k]))}, then" in words
            assert peak > 1.5 * h.loss[0]
        else:
            assert f"fell from {start} to {end}" in words
    u = update_example(h)
    verb = "raised" if h.loss[1] > h.loss[0] else "lowered"
    assert f"{verb} the loss from {start} to {fmt_loss(h.loss[1])}" in board["weight-update"].narration


def test_a_classification_is_sorted_not_fitted(run):
    h, board = run
    every = " ".join(c.narration + " " + " ".join(c.captions) for c in board.values())
    n = h.config.samples
    if h.is_classification:
        k = h.problem.classes
        assert not [w for w in ("fit ", "the curve", "red curve", "sample") if w in every]  # 1-D's words
        assert f"sort these {n} points into {k} classes" in board["build-the-network"].narration
        assert f"Its task: sort these {n} points into {k} classes" in board["build-the-network"].captions
        assert f"learns to sort {n} points into {k} classes ({DATASETS[h.config.dataset].description})" in every
    else:
        assert f"fit these {n} points" in every and "class" not in every


def test_what_each_neuron_computes_names_lines_or_curves_and_the_output_built(run):
    h, board = run
    c = board["what-each-neuron-computes"]
    lines = sorted(h.config.features) == ["x1", "x2"]
    assert ("draws a line" in c.narration) == lines and ("a curve in the plane" in c.narration) == (not lines)
    assert c.captions[0] == f"What each neuron computes: a {'line' if lines else 'curve'} each"
    o = contribution_output(h)
    bias = h.at_epoch(h.epochs).biases[-1][0, o]
    assert f"output bias, {fmt_fixed(bias)}" in c.narration
    if h.problem.classes > 2:
        assert o == forward_sample(h).label and f"Class {o}'s logit" in c.captions[1]
    elif h.is_classification:
        assert "boundary between the two classes" in c.narration
    # The 2-D plays: a line per drawn first-layer unit, a map per last-hidden unit, one more caption.
    drawn_first = len(network_layout(h.config.layers).neurons[1])
    assert c.beats.named["line"].times == drawn_first and c.beats.named["add"].times == curve_count(h)
    assert c.beats.named["caption"].times == 3 == len(c.captions) and "curve" not in c.beats.named
    last = h.at_epoch(h.epochs).activations[-2]
    dead = int(np.all(last <= 0, axis=0).sum()) if h.config.activation == "relu" else 0
    assert (f"{dead} of the {h.config.layers[-2]} units" in c.narration) == bool(dead)


def test_the_forward_pass_of_a_classification_plays_the_squash():
    h = train(RunConfig(dataset="circle", layers=(2, 8, 1), features=("x1", "x2"), epochs=3))
    regression = train(RunConfig(dataset="bump", layers=(2, 8, 1), features=("x1", "x2"), epochs=3))
    one_d = train(RunConfig(epochs=3))
    beats = {name: storyboard(run, [("forward-pass", {}), ("loss-for-one-sample", {})])
             for name, run in (("class", h), ("bump", regression), ("1-d", one_d))}
    assert "squash" in beats["class"][0].beats.named and "squash" not in beats["bump"][0].beats.named
    assert "squash" not in beats["1-d"][0].beats.named
    assert "gap" in beats["1-d"][1].beats.named  # the 1-D data plot's gap; a 2-D point marks instead
    assert "gap" not in beats["class"][1].beats.named and "mark" in beats["class"][1].beats.named


def test_accuracy_path_words():
    def path(*acc):
        return AccuracyPath(acc[0], acc[-1], max(acc), int(np.argmax(acc)))

    assert path(0.4, 0.7, 0.99).phrase() == "rose from 40 % to 99.0 %"
    assert path(0.9, 0.6).phrase() == "fell from 90 % to 60 %"
    assert path(0.5, 0.5).phrase() == "stayed at 50 %"
    assert path(0.5, 0.95, 0.6).phrase() == "went from 50 % to its best, 95.0 % at epoch 1, then back to 60 %"
    assert path(0.5, 0.52, 0.5).kind == "flat"  # 2 points up and back: no peak to speak of


def test_the_clips_and_the_dashboard_say_the_accuracy_too():
    h = train(RunConfig(dataset="gauss", layers=(2, 8, 1), features=("x1", "x2"), epochs=20))
    plan = [("dashboard", {}), ("data-and-first-guess", {}), ("loss-at-the-start", {}), ("training", {}),
            ("final-state", {})]
    words = {c.name: c.narration for c in storyboard(h, plan)}
    a, b = accuracy_text(h.accuracy[0]), accuracy_text(h.accuracy[-1])
    assert "the fit" not in words["dashboard"] and "accuracy" in words["dashboard"]
    assert f"puts {a} of them in their own class" in words["data-and-first-guess"]
    assert f"and the accuracy {a}." in words["loss-at-the-start"]
    assert f"the accuracy {b}" in words["final-state"]


@pytest.mark.parametrize("flags", [["--dataset", "circle"], ["--dataset", "spiral", "--classes", "3", "--layers", "2,8,8,3"],
                                   ["--dataset", "xor", "--lr", "3"], ["--dataset", "bump"]])
def test_nnviz_script_narrates_a_2d_run(flags, capsys):
    assert main(["script", *flags, "--format", "txt"]) == 0
    text = capsys.readouterr().out
    h = train(RunConfig().updated(dict(zip([f.lstrip("-") for f in flags[::2]], flags[1::2]))))
    assert fmt_loss(h.loss[0]) in text and fmt_loss(h.final_loss) in text
    if h.is_classification:
        assert accuracy_text(h.accuracy[-1]) in text and "sort these" in text
    assert "[0:00  How a neural network learns]" in text and "(total " in text


def test_help_lists_every_dataset_feature_and_class_choice(capsys):
    for argv in (["--help"], ["render", "--help"], ["train", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        text = " ".join(capsys.readouterr().out.split())
        for name, d in DATASETS.items():
            assert f"{name} ({d.description})" in text and " ".join(d.noise.split()) in text, (argv, name)
        for feature in (f for table in FEATURES.values() for f in table):
            assert feature in text, (argv, feature)
        assert "classes of the spiral (its arms): 2 or 3" in text


def test_the_2d_words_read_at_a_readers_pace(run):
    """The longer 2-D words lengthen their chapters (the stretch beat), never the reading pace."""
    import srt

    from nnviz_core.chapters import READING_CPS, script

    h, board = run
    for chapter in board.values():
        assert chapter.beats.total == pytest.approx(chapter.seconds) or chapter.beats.stretch is None
        assert len(chapter.narration) / READING_CPS <= chapter.seconds + 1e-9
    for cue in srt.parse(script(list(board.values()), "srt")):
        shown = (cue.end - cue.start).total_seconds()
        assert shown >= 1.0 - 1e-3 and len(cue.content.replace("\n", " ")) / (shown + 1e-3) <= 20.0, cue.content
