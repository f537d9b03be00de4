"""The words and the beats of every chapter, from the run's own numbers, in one place.

Each chapter is declared once here: its section name, its title, the captions shown on screen,
one to three spoken sentences, and its beats: the run time of each of its plays, by name. From
these come the on-screen captions, the video's subtitles (.srt), the slides' speaker notes and
`nnviz script`. This module imports neither manim nor matplotlib, so the script needs no render.

A chapter lasts as long as its beats, or longer where its words need longer at READING_CPS; the
scene plays ``run_time=beats.<name>`` and holds the chapter's last frame until its end (it warns
if the plays are not the beats declared; a test renders every scene and checks each chapter).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np

from nnviz_core.events import (accuracy_ending, accuracy_path, deaths_sentence, diverged_words, loss_path, misclassified,
                               summary_lines)
from nnviz_core.layout import (accuracy_text, feature_text, network_layout, neuron_label, points_noun, points_text,
                               probability_text,
                               subscript, weight_label, weight_text)
from nnviz_core.numbers import fmt_fixed, fmt_loss, fmt_value, power_of_ten, superscript
from nnviz_core.problems import MSE, RAW
from nnviz_core.worked import WorkedStep, batch_gradients, batch_indices, next_step, work_step

MAX_SHOWN = 10  # units the network diagram draws per layer (as NetworkDiagram's default)
SAMPLE_X = 0.5  # the forward pass uses the training point nearest to this input
SAMPLE_POINT = (0.5, 0.5)  # 2-D data: the point nearest to this one (of a classification, a misclassified one)
SAMPLE_SHARE = 0.75  # a .csv file's points: the same place in their own range (0.5 is 3/4 through [-1, 1])
CUE_CHARS = 42  # a subtitle line
CUE_LINES = 2
READING_CPS = 19.0  # characters per second a subtitle asks of a reader (17-20 is comfortable)
MIN_CUE_SECONDS = 1.0  # no subtitle flashes by faster than this


@dataclass(frozen=True)
class Beat:
    seconds: float  # the run time of one play
    times: int = 1  # how many such plays the chapter has (one per layer, per unit)


class Beats:
    """A chapter's plays by name: ``beats.travel`` is the run time of each play called "travel";
    ``total`` is the time they all take, one after the other. ``stretch`` names the beat that
    takes the chapter's slack when its words need longer than its plays (a hold on something
    worth reading, rather than the chapter's last frame)."""

    def __init__(self, stretch: str | None = None, **beats: float | Beat):
        self.named = {name: b if isinstance(b, Beat) else Beat(float(b)) for name, b in beats.items()}
        if stretch is not None and stretch not in self.named:
            raise ValueError(f"the beat to stretch, {stretch!r}, is not among {list(self.named)}")
        self.stretch = stretch

    def lasting(self, seconds: float) -> "Beats":
        """These beats, the ``stretch`` beat grown so that they last at least ``seconds``."""
        slack = seconds - self.total
        if self.stretch is None or slack <= 0:
            return self
        beat = self.named[self.stretch]
        grown = {**self.named, self.stretch: Beat(beat.seconds + slack / beat.times, beat.times)}
        return Beats(self.stretch, **grown)

    def __getattr__(self, name: str) -> float:
        try:
            return self.__dict__["named"][name].seconds
        except KeyError:
            raise AttributeError(f"this chapter declares no beat {name!r}") from None

    @property
    def total(self) -> float:
        return sum(b.seconds * b.times for b in self.named.values())

    def __repr__(self) -> str:
        return "Beats(" + ", ".join(f"{n}={b.seconds:g}" + (f"x{b.times}" if b.times != 1 else "")
                                    for n, b in self.named.items()) + ")"


# The plays of LectureScene.say (a caption), LectureSteps.note and clear_notes: each chapter that
# uses them declares them among its beats, as many times as it plays them.
CAPTION = 0.8
NOTE = 0.8
CLEAR = 0.5


def reading_seconds(words: str) -> float:
    """How long a reader needs for ``words`` at READING_CPS."""
    return len(words) / READING_CPS


@dataclass(frozen=True)
class Chapter:
    name: str  # the section name (--save_sections files, slides)
    title: str
    captions: tuple[str, ...]  # on screen, in order; the first when the chapter starts
    narration: str  # spoken sentences with the run's numbers
    beats: Beats  # its plays, by name

    def __post_init__(self):  # the stretch beat takes what the words need beyond the plays
        object.__setattr__(self, "beats", self.beats.lasting(reading_seconds(self.narration)))

    @property
    def seconds(self) -> float:
        """How long the chapter runs: its beats, or longer where its words need longer (the
        scene holds the last frame)."""
        return max(self.beats.total, reading_seconds(self.narration))


ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}


def count(n: int, noun: str) -> str:
    """ "1 epoch", "100 epochs": a number with its noun agreeing."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# -- the facts the chapters show ----------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """The training point the forward pass follows, at epoch 0, as h.at_epoch(0) computes it.

    ``x``, ``y`` and ``y_hat`` are 1-D data's input, target and prediction (the data plot's dot
    and gap). For 2-D data ``x`` is x₁, and ``y``, ``y_hat`` are output 0's target and value (a
    2-D regression's y and ŷ; two classes: the 0/1 target and the logit): read the rest."""
    index: int  # its row in h.X
    x: float
    y: float
    y_hat: float
    inputs: tuple[float, ...]  # the raw point: (x,) or (x₁, x₂)
    features: tuple[float, ...]  # what the input layer receives, in config.features' order
    label: int | None  # its class; None for a regression
    logits: tuple[float, ...]  # the output layer's z at this point: one (of class 1) for two classes, k for k; ŷ for a regression
    probabilities: tuple[float, ...]  # p of each class, summing to 1 (two classes: p(class 0), p(class 1)); () for a regression
    predicted: int | None  # the class it is put in (the most probable); None for a regression
    loss: float  # its own loss: (ŷ − y)², or −log p of its own class
    errors: tuple[float, ...]  # its error factor at each output, d(its loss)/dz: 2(ŷ − y), p − y, or p_c − y_c

    @property
    def x1(self) -> float:
        return self.inputs[0]

    @property
    def x2(self) -> float:
        return self.inputs[1]

    @property
    def p(self) -> float:
        """The probability the network gives its own class (its loss is −log p)."""
        return self.probabilities[self.label]

    @property
    def wrong(self) -> bool:
        """Whether the untrained network puts it in another class than its own."""
        return self.label is not None and self.predicted != self.label


def sample_index(history) -> int:
    """1-D data: the training point nearest x = SAMPLE_X. 2-D data: the one nearest SAMPLE_POINT
    of those the untrained network puts in the wrong class (a classification's, when it gets
    any wrong) and that pull on the update's weight (update_example; a point where that weight's
    unit is off pulls with 0). A wrong answer is what the loss punishes (−log of a small p is
    large) and what pulls hardest on the weights, so the loss and gradient chapters have
    something to explain; the same place every time keeps the choice plain. Each preference is
    dropped when no point meets it.

    With minibatches, only the points of the first step's batch are candidates: the point the
    forward pass follows is one the update's step trains on. A batch holds few wrong points, so
    there one that pulls comes before one that is wrong."""
    X = history.X
    target = sample_target(history)
    batch = np.zeros(len(X), bool)
    batch[first_batch(history)] = True
    if X.shape[1] == 1:
        return int(np.argmin(np.where(batch, np.abs(X[:, 0] - target[0]), np.inf)))
    distance = np.where(batch, np.hypot(X[:, 0] - target[0], X[:, 1] - target[1]), np.inf)
    state = history.at_epoch(0)
    edge = update_example(history).edge
    wanted = [state.sample_gradients(edge.layer, edge.i, edge.j) != 0]
    if history.is_classification:
        wanted.insert(0, state.predicted_classes != history.problem.labels())
    order = ([wanted[0] & wanted[-1]] if len(wanted) > 1 else []) + (wanted[::-1] if history.steps > 1 else wanted)
    for keep in order:
        if (keep & batch).any():
            return int(np.argmin(np.where(keep, distance, np.inf)))
    return int(np.argmin(distance))


def first_batch(history) -> np.ndarray:
    """The training points the first step trains on (rows of h.X): every point for full batch."""
    return batch_indices(history, 0, 0)


def sample_target(history) -> tuple:
    """Where the forward pass looks for its point: SAMPLE_X or SAMPLE_POINT for the built-in data
    (in about [-1, 1]), the same share SAMPLE_SHARE through each input's range for a .csv file's."""
    if not history.config.data_columns:
        return (SAMPLE_X,) if history.X.shape[1] == 1 else SAMPLE_POINT
    lo, hi = history.X.min(axis=0), history.X.max(axis=0)
    return tuple(float(v) for v in lo + SAMPLE_SHARE * (hi - lo))


def forward_sample(history) -> Sample:
    """The training point the forward pass follows, at epoch 0."""
    k = sample_index(history)
    state, problem = history.at_epoch(0), history.problem
    z, y = state.activations[-1][k:k + 1], problem.y[k:k + 1]
    classes = problem.classes > 0
    return Sample(k, float(history.X[k, 0]), float(history.y[k, 0]), float(z[0, 0]),
                  tuple(map(float, history.X[k])), tuple(map(float, problem.X[k])),
                  int(problem.labels()[k]) if classes else None, tuple(map(float, z[0])),
                  tuple(map(float, state.probabilities[k])) if classes else (),
                  int(state.predicted_classes[k]) if classes else None,
                  float(problem.loss.point_losses(z, y)[0]), tuple(map(float, problem.loss.point_delta(z, y)[0])))


def point_text(sample: Sample) -> str:
    """ "(0.52, −0.47)": a 2-D point as the words write it."""
    return "(" + ", ".join(fmt_fixed(v, 2) for v in sample.inputs) + ")"


def subtrahend(value: float) -> str:
    """A number after a minus sign: in parentheses when negative ("1.006 − (−0.187)", not "− −")."""
    text = fmt_fixed(value)
    return f"({text})" if value < 0 and text.startswith("−") else text


def error_words(history, sample: Sample, output: int = 0) -> tuple[str, str]:
    """The sample's error factor at ``output``, as a formula and worked out: ("2(ŷ − y)",
    "2 × (0.123 − 0.456) = −0.666"), ("p − y", "0.431 − 1 = −0.569") for two classes (p of
    class 1, y its 0/1 target), ("p₂ − y₂", "0.452 − 1 = −0.548") for output 2 of k."""
    factor = fmt_fixed(sample.errors[output])
    if history.problem.loss is MSE:
        return "2(ŷ − y)", f"2 × ({fmt_fixed(sample.y_hat)} − {subtrahend(sample.y)}) = {factor}"
    if history.problem.classes == 2:
        return "p − y", f"{probability_text(sample.probabilities[1])} − {sample.label} = {factor}"
    c = subscript(output)
    return f"p{c} − y{c}", f"{probability_text(sample.probabilities[output])} − {int(sample.label == output)} = {factor}"


@dataclass(frozen=True)
class Pull:
    """The sample's share of the update's gradient (where-the-gradient-comes-from): its own
    ∂(loss)/∂w, from its error factor at each output that w reaches, carried back to w."""
    gradient: float  # h.at_epoch(0).sample_gradients(edge)[sample.index]
    outputs: tuple[int, ...]  # the outputs whose error reaches w: (j,) for an edge into output j, else every output
    factors: tuple[float, ...]  # the sample's error factor at each of them (Sample.errors)
    through: float | None  # one output: gradient / factor, how that output's z moves with w (∂z/∂w); else None


def sample_pull(history) -> Pull:
    u, s = update_example(history), forward_sample(history)
    gradient = float(history.at_epoch(0).sample_gradients(u.edge.layer, u.edge.i, u.edge.j)[s.index])
    into_output = u.edge.layer == len(history.config.layers) - 2
    outputs = (u.edge.j,) if into_output else tuple(range(len(s.errors)))
    factors = tuple(s.errors[o] for o in outputs)
    through = gradient / factors[0] if len(outputs) == 1 and factors[0] else None
    return Pull(gradient, outputs, factors, through)


@dataclass(frozen=True)
class Update:
    """The update chapter's weight and the real steps it works through: the first step (from
    the network the forward pass, the loss and the gradient chapters show, epoch 0), and for
    momentum and adam the next one too, where the optimiser's memory is no longer zero."""
    edge: object  # the layout's Edge: edge.layer, edge.i, edge.j, edge.start.label, edge.end.label
    name: str  # w2[6]
    steps: tuple  # WorkedStep, in order (nnviz_core.worked)
    largest_move: float  # of any weight, over the chapter's steps
    largest_bias_move: float

    @property
    def first(self) -> WorkedStep:
        return self.steps[0]

    @property
    def w(self) -> float:
        return self.first.w

    @property
    def gradient(self) -> float:
        """∂L/∂w of the first step: the mean of its batch's points' own (the gradient chapter's)."""
        return self.first.data_gradient

    @property
    def new_w(self) -> float:
        """w after the first step."""
        return self.first.new_w

    @property
    def loss_before(self) -> float:
        return self.first.loss_before

    @property
    def loss_after(self) -> float:
        """The loss after the chapter's last step."""
        return self.steps[-1].loss_after

    @property
    def raised(self) -> bool:
        """Whether the chapter's steps made the loss go up."""
        return self.loss_after > self.loss_before


WORKED_STEPS = {"sgd": 1, "momentum": 2, "adam": 2}  # steps the update chapter works through


def update_example(history) -> Update:
    """The drawn edge with the largest |g| for the first step (its batch's gradient, with L2's
    part), and what the chapter's real steps do to it."""
    layout = network_layout(history.config.layers, MAX_SHOWN)
    grad_w, _ = batch_gradients(history, 0, 0)
    grads = np.array([grad_w[e.layer][e.i, e.j] for e in layout.edges])
    e = layout.edges[int(np.argmax(np.abs(grads)))]
    at = [(0, 0)]
    while len(at) < WORKED_STEPS[history.config.optimizer] and next_step(history, *at[-1]) is not None:
        at.append(next_step(history, *at[-1]))
    steps = tuple(work_step(history, e.layer, e.i, e.j, *moment) for moment in at)
    before, after = history.at_step(0, 0), history.at_step(*(next_step(history, *at[-1]) or (history.epochs, 0)))
    moved = max(np.abs(b - a).max() for a, b in zip(before.weights, after.weights))
    moved_bias = max(np.abs(b - a).max() for a, b in zip(before.biases, after.biases))
    return Update(e, weight_label(history.config.layers, e.layer, e.i, e.j), steps, float(moved), float(moved_bias))


def layer_pace(history) -> float:
    """Steps that go layer by layer take this share of their time, so a deep network's lecture
    is no longer than a shallow one's."""
    return min(1.0, 2.0 / (len(history.config.layers) - 1))


def unit_count(history, layer: int) -> int:
    """The drawn units of ``layer`` (of config.layers), plus one for the units behind its ellipsis."""
    layers = history.config.layers
    drawn = len(network_layout(layers, MAX_SHOWN).neurons[layer])
    return drawn + (1 if layers[layer] > drawn else 0)


def curve_count(history) -> int:
    """The contributions chapter's curves (2-D data: maps): the last hidden layer's drawn units,
    plus one for the units behind the ellipsis."""
    return unit_count(history, len(history.config.layers) - 2)


CURVE_PACE = 0.45  # seconds for a unit's curve to appear, and again for the sum to take it in


# -- what a run is about, in words --------------------------------------------------------------
def is_2d(h) -> bool:
    return h.problem.is_2d


def classes_of(h) -> int:
    """The classes a classification sorts into; 0 for a regression."""
    return h.problem.classes


def reads_features(h) -> bool:
    """Whether the input layer is other than the raw inputs (x, or x1 and x2)."""
    return tuple(h.config.features) != RAW[h.X.shape[1]]


def features_said(h) -> str:
    """ "x₁, x₂, x₁² and x₂²" """
    return joined(feature_text(f) for f in h.config.features)


def task(h) -> str:
    """What the network learns, after "learns ": the curve, or "to sort 100 points into 2 classes
    (a disc inside a ring)"; a .csv file's points by the file's name."""
    c, d = h.config, h.config.data
    if d.file:
        if classes_of(h):
            return f"to sort the {points_text(c)} of {d.file} into {classes_of(h)} classes"
        return f"{own_target(h)} from the {points_text(c)} of {d.file}"
    if classes_of(h):
        return f"to sort {points_text(c)} into {classes_of(h)} classes ({d.description})"
    return f"{d.description} from {points_text(c)}"


def own_target(h) -> str:
    """A .csv regression's target, as a function of its inputs: "y(x)" or "y(x₁, x₂)"."""
    return "y(x₁, x₂)" if is_2d(h) else "y(x)"


def title_task(h) -> str:
    """What the title card says is learned (its other line gives the points): a 1-D curve alone,
    else the task (a class's shape alone is no task)."""
    if is_2d(h):
        return task(h)
    d = h.config.data
    return f"{own_target(h)} from {d.file}" if d.file else d.description


def output_sentence(h) -> str:
    """What a classification's outputs are."""
    k = classes_of(h)
    if k == 2:
        return "its output, through a sigmoid, is the probability that a point is of class 1"
    return f"its {k} outputs, through a softmax, are the probabilities of the {k} classes"


def loss_name(h) -> str:
    return h.problem.loss.name


# -- how it learns: the optimiser, the batches, the penalty ----------------------------------------
METHODS = {"sgd": "gradient descent", "momentum": "momentum", "adam": "Adam"}


def optimizer_words(c) -> str:
    """ "gradient descent", "gradient descent with momentum 0.9", "Adam (β₁ 0.9, β₂ 0.999)"
    (and its ε, when it is not the usual 10⁻⁸)."""
    if c.optimizer == "sgd":
        return "gradient descent"
    if c.optimizer == "momentum":
        return f"gradient descent with momentum {c.momentum:g}"
    eps = "" if c.eps == 1e-8 else f", ε {fmt_value(c.eps)}"
    return f"Adam (β₁ {c.beta1:g}, β₂ {c.beta2:g}{eps})"


def batch_words(h, short: bool = False) -> str:
    """ "batches of 16 (7 steps per epoch)", or "batches of 16: 7 steps per epoch" (``short``,
    for a list of settings); "" for full batch. A last batch that holds fewer is said."""
    if h.steps == 1:
        return ""
    size = h.config.batch_size
    return f"batches of {size}: {steps_words(h)}" if short else f"batches of {size} ({steps_words(h)})"


def steps_words(h) -> str:
    """ "7 steps per epoch, the last of 4" (a last batch that holds fewer is said)."""
    c = h.config
    last = c.training_points - (h.steps - 1) * c.batch_size
    return f"{h.steps} steps per epoch" + (f", the last of {last}" if last != c.batch_size else "")


def penalty_words(c, short: bool = False) -> str:
    """ "an L2 penalty of 0.01 on the weights", or "L2 0.01" (``short``); "" without one."""
    named = [(name, value) for name, value in (("L2", c.l2), ("L1", c.l1)) if value]
    if not named:
        return ""
    if short:
        return ", ".join(f"{name} {value:g}" for name, value in named)
    return joined(f"an {name} penalty of {value:g}" for name, value in named) + " on the weights"


def training_words(h, lr: bool = False) -> str:
    """The settings of how it learns, as a list: "Adam (β₁ 0.9, β₂ 0.999), batches of 16: 7 steps
    per epoch, L2 0.01" (full batch: "every training point in one step per epoch"); with ``lr``
    the learning rate after the optimiser."""
    batches = batch_words(h, short=True) or "every training point in one step per epoch"
    penalty = penalty_words(h.config, short=True)
    rate = f"learning rate {h.config.lr:g}" if lr else ""
    return ", ".join(part for part in (optimizer_words(h.config), rate, batches, penalty) if part)


def how_it_learns(h) -> str:
    """ "by gradient descent with learning rate 0.1", and the batches and the penalty after commas."""
    c = h.config
    said = f"by {optimizer_words(c)} {'and' if c.optimizer == 'momentum' else 'with'} learning rate {c.lr:g}"
    extra = [part for part in (f"in {batch_words(h)}" if h.steps > 1 else "", f"with {penalty_words(c)}"
                               if penalty_words(c) else "") if part]
    return said + "".join(f", {part}" for part in extra) + ("," if extra else "")


def method_of(h) -> str:
    """What the montage runs: "gradient descent", "Adam in batches of 16" ..."""
    method = METHODS[h.config.optimizer]
    return method + (f" in batches of {h.config.batch_size}" if h.steps > 1 else "")


def steps_in_all(h) -> str:
    """ " (700 steps)" with minibatches, else ""."""
    return f" ({h.epochs * h.steps} steps)" if h.steps > 1 else ""


def number_text(value: float) -> str:
    """A worked number: three decimals, or three significant digits where those would hide it;
    0 as "0" (an optimiser's memory at the start)."""
    if value == 0:
        return "0"
    return fmt_fixed(value) if abs(value) >= 0.1 else fmt_value(float(f"{value:.3g}"))


def weight_places(step: WorkedStep) -> int:
    """Decimals for the weight in a worked step: enough that its smallest move shows."""
    moves = [abs(v) for v in (step.move, step.shrink) if v]
    return max(3, min(6, -power_of_ten(min(moves)))) if moves else 3


# -- the chapters ---------------------------------------------------------------------------------
def title(h, **_) -> Chapter:
    c = h.config
    shape = "-".join(map(str, c.layers))
    return Chapter("title", "How a neural network learns", (),
                   f"How a neural network learns. A {shape} network with {ACTIVATION_NAMES[c.activation]} units learns "
                   f"{task(h)}, {how_it_learns(h)} for {count(c.epochs, 'epoch')}.{diverged_sentence(h)}",
                   Beats("hold", write_title=1.5, card=1.0, hold=1.5, fade_out=1.0))


def diverged_sentence(h, short: bool = False) -> str:
    """ " Training diverged at epoch 4 (loss 3.72×10⁵ → 3.01×10⁷, ...)." after a sentence, or ""."""
    said = diverged_words(h, short)
    return f" {said[0].upper()}{said[1:]}." if said else ""


def network_sentence(h) -> str:
    """ "1 input, 10 hidden neurons and 1 output" """
    layers = h.config.layers
    if len(layers) == 2:
        return f"{count(layers[0], 'input')} and {count(layers[-1], 'output')}, no hidden layer"
    hidden = sum(layers[1:-1])
    inner = f"{count(hidden, 'hidden neuron')}" + (f" in {len(layers) - 2} layers" if len(layers) > 3 else "")
    return f"{count(layers[0], 'input')}, {inner} and {count(layers[-1], 'output')}"


def build_the_network(h, **_) -> Chapter:
    layers = h.config.layers
    shape = network_sentence(h)
    pace = layer_pace(h)
    # 2-D words say more (features, classes, probabilities): the network is looked at longer
    beats = Beats("look" if is_2d(h) else None, caption=Beat(CAPTION, 2), neurons=Beat(0.8 * pace, len(layers)),
                  edges=Beat(1.0 * pace, len(layers) - 1), sizes=0.8, look=1.0, fit=1.0, hold=1.5)
    n, k = points_text(h.config), classes_of(h)  # "100 points", or "42 training points"
    colours = ("Each edge's colour is the sign of its weight, blue for negative and red for positive, and its "
               "width is the weight's size.")
    if not is_2d(h):
        return Chapter("build-the-network", "The network",
                       (f"The network: {shape}", f"Its task: fit these {n}"),
                       f"The network has {shape}. {colours} Its task is to fit these {n}.", beats)
    inputs = f" Its inputs are the features {features_said(h)} of each point." if reads_features(h) else ""
    if k:
        its_task = (f"Its task: sort these {n} into {k} classes",
                    f"Its task is to sort these {n} into {k} classes: {output_sentence(h)}.")
    else:
        its_task = (f"Its task: fit these {n}", f"Its task is to fit these {n}, a value at each point "
                                                       "of the plane.")
    return Chapter("build-the-network", "The network", (f"The network: {shape}", its_task[0]),
                   f"The network has {shape}.{inputs} {colours} {its_task[1]}", beats)


def the_network(h, **_) -> Chapter:
    shape = network_sentence(h)
    return Chapter("the-network", "The network", (f"The network: {shape}",),
                   f"A network with {shape}; edge colour is the sign of each weight, width its size.",
                   Beats(caption=CAPTION))


def forward_pass(h, **_) -> Chapter:
    s = forward_sample(h)
    if not is_2d(h):
        return Chapter("forward-pass", "Forward pass", (f"Forward pass: one sample, x = {fmt_fixed(s.x, 2)}",),
                       f"A forward pass: the sample x = {fmt_fixed(s.x, 2)} flows from left to right, and each "
                       f"neuron fills by its activation. The untrained network predicts ŷ = {fmt_fixed(s.y_hat)}.",
                       forward_beats(h))
    point = point_text(s)
    of_class = f", of class {s.label}," if classes_of(h) else ""
    enters = f" enters as its features {features_said(h)} and" if reads_features(h) else ""
    start = (f"A forward pass: the point {point}{of_class}{enters} flows from left to right, and each neuron "
             "shows its activation, its map's value there.")
    return Chapter("forward-pass", "Forward pass", (f"Forward pass: one point, (x₁, x₂) = {point}",),
                   f"{start} {forward_outcome(h, s)}", forward_beats(h))


def forward_outcome(h, s: Sample) -> str:
    """What the untrained network says of the sample: ŷ, or its logit(s) and probabilities."""
    k = classes_of(h)
    if not k:
        return f"The untrained network predicts ŷ = {fmt_fixed(s.y_hat)}."
    verdict = f"it says class {s.predicted}, " + ("the wrong one." if s.wrong else "the right one.")
    if k == 2:
        return (f"The untrained network's output is the logit z = {fmt_fixed(s.logits[0])}; a sigmoid turns it into "
                f"p(class 1) = {probability_text(s.probabilities[1])}: {verdict}")
    logits = ", ".join(fmt_fixed(z) for z in s.logits)
    return (f"The untrained network's outputs are the logits ({logits}); a softmax turns them into the "
            f"probabilities {joined(probability_text(p) for p in s.probabilities)} of classes "
            f"{joined(str(c) for c in range(k))}: {verdict}")


def forward_beats(h) -> Beats:
    """The plays of the forward pass. A classification has one more, ``squash``: the output's
    logit(s) turned into probabilities (sigmoid or softmax) once the signal has arrived."""
    pace, steps = layer_pace(h), len(h.config.layers) - 1
    squash = dict(squash=0.8) if classes_of(h) else {}
    return Beats("hold" if is_2d(h) else None, caption=CAPTION, ring=0.6, empty=0.6, fill_input=0.7,
                 pulses=Beat(0.3 * pace, steps), travel=Beat(1.2 * pace, steps), fill=Beat(0.7 * pace, steps),
                 **squash, mark=0.6, hold=1.5)


def loss_for_one_sample(h, **_) -> Chapter:
    s = forward_sample(h)
    n = points_text(h.config)  # the loss is the training points' mean
    if not classes_of(h):
        error = (s.y_hat - s.y) ** 2
        words = (f"The target is y = {fmt_fixed(s.y)}, so this {'point' if is_2d(h) else 'sample'}'s squared error is "
                 f"{fmt_loss(error)}. Averaged over all {n}, the loss is "
                 f"{fmt_loss(h.loss[0])}{data_loss_words(h)}.{batch_loss_words(h)}")
        beats = (Beats(caption=CAPTION, gap=0.6, note=NOTE, hold=2.5) if not is_2d(h)
                 else Beats("hold", caption=CAPTION, mark=0.6, note=NOTE, hold=2.5))
        return Chapter("loss-for-one-sample", "The loss", ("How wrong is it? The loss",), words, beats)
    # A classification: −log of the probability it gives the point's own class (no gap to draw:
    # ``mark`` shows that probability at the point).
    return Chapter("loss-for-one-sample", "The loss", ("How wrong is it? The loss: −log p",),
                   f"Its class is {s.label}, so its loss is −log p(class {s.label}) = −log {probability_text(s.p)} = "
                   f"{fmt_loss(s.loss)}: the less probable its own class, the larger the loss. Averaged over all "
                   f"{n}, the loss ({loss_name(h)}) is {fmt_loss(h.loss[0])}{data_loss_words(h)}.{batch_loss_words(h)}",
                   Beats("hold", caption=CAPTION, mark=0.6, note=NOTE, hold=2.5))


def data_loss_words(h) -> str:
    """ ", the data's loss without the penalty" with l1/l2 (History.loss, as the screen says); "" without."""
    return ", the data's loss without the penalty" if h.problem.penalised else ""


def batch_loss_words(h) -> str:
    """ " The first step trains on a batch of 16 of them, whose loss is 0.6012." (minibatches)"""
    if h.steps == 1:
        return ""
    return f" The first step's batch of {len(first_batch(h))} has a loss of {fmt_loss(h.batch_loss[0, 0])}."


def backward_pass(h, **_) -> Chapter:
    over = f" Each is the first batch's, over its {len(first_batch(h))} points." if h.steps > 1 else ""
    penalty = " Each weight's gradient includes the L2 penalty's 2·l2·w." if h.config.l2 else ""
    return Chapter("backward-pass", "Backward pass", ("Backward pass: ∂L/∂w for every weight",),
                   "The backward pass: gradients flow from the output back to the input, one pulse per "
                   f"weight. A red pulse says lowering that weight lowers the loss; a blue one says raise it.{over}"
                   f"{penalty}", backward_beats(h))


def backward_beats(h) -> Beats:
    pace, steps = layer_pace(h), len(h.config.layers) - 1
    return Beats("travel" if is_2d(h) else None, caption=CAPTION, restore=0.7, note=NOTE,  # 2-D: slower pulses
                 pulses_in=Beat(0.3 * pace, steps), travel=Beat(1.4 * pace, steps), pulses_out=Beat(0.3 * pace, steps),
                 hold=1.0)


@dataclass(frozen=True)
class PointGradients:
    """The gradient chapter's marks: every training point's own ∂loss/∂w for the update's
    weight at epoch 0, and the points of the first step's batch (every point for full batch),
    whose mean is the step's ∂L/∂w."""
    per_point: np.ndarray  # (n,): h.at_epoch(0).sample_gradients(edge)
    batch: np.ndarray  # rows of h.X: first_batch(h)

    @property
    def in_batch(self) -> np.ndarray:
        mask = np.zeros(len(self.per_point), bool)
        mask[self.batch] = True
        return mask

    @property
    def mean(self) -> float:
        """The batch's mean: Update.gradient, the first step's ∂L/∂w (to rounding)."""
        return float(self.per_point[self.batch].mean())


def point_gradients(h) -> PointGradients:
    u = update_example(h)
    return PointGradients(h.at_epoch(0).sample_gradients(u.edge.layer, u.edge.i, u.edge.j), first_batch(h))


def where_the_gradient_comes_from(h, **_) -> Chapter:
    u, s = update_example(h), forward_sample(h)
    size = len(first_batch(h))
    if h.steps > 1:
        captions = (f"Where ∂L/∂{u.name} comes from: the batch's {size} points",
                    f"The batch's mean is ∂L/∂{u.name} = {fmt_fixed(u.gradient)}")
    else:
        every = "every training point" if h.config.held_out else "every point"
        captions = (f"Where ∂L/∂{u.name} comes from: {every}", f"Their mean is ∂L/∂{u.name} = {fmt_fixed(u.gradient)}")
    beats = Beats("hold" if is_2d(h) else None, caption=Beat(CAPTION, 2), note=Beat(NOTE, 3), marks=1.5, look=1.2,
                  ring=0.6, hold=2.0, gather=1.2, mean=0.4, to_edge=1.2, fade_out=0.4)  # 2-D: the point's note held longer
    start = (f"The loss is a mean over the {points_text(h.config)}, so each weight's gradient is the "
             f"mean of one gradient per point.")
    together = "All of them together average to"
    if h.steps > 1:
        start += f" A step takes one batch: the first step's gradient is the mean over its {size} points alone."
        together = f"The batch's {size} together average to"
    if not is_2d(h):
        per_point = point_gradients(h).per_point
        return Chapter("where-the-gradient-comes-from", "Where a gradient comes from", captions,
                       f"{start} For {u.name}, the sample at x = {fmt_fixed(s.x, 2)} "
                       f"pulls with {fmt_fixed(per_point[s.index])}, from its error factor 2(ŷ − y) = "
                       f"{fmt_fixed(2 * (s.y_hat - s.y))}{no_pull_words(h, u, s, per_point[s.index])}. {together} "
                       f"{fmt_fixed(u.gradient)}.", beats)
    pull = sample_pull(h)
    return Chapter("where-the-gradient-comes-from", "Where a gradient comes from", captions,
                   f"{start} For {u.name}, the point at {point_text(s)} pulls with "
                   f"{fmt_fixed(pull.gradient)}, {pull_words(h, pull, s)}. {together} "
                   f"{fmt_fixed(u.gradient)}.", beats)


def no_pull_words(h, u: Update, s: Sample, pull: float) -> str:
    """Why a sample pulls with exactly 0 on the update's weight (after its error factor): the
    unit the weight leaves is 0 there, or the unit it enters is off there (a ReLU's flat side), so
    nothing flows back to the weight; "" when it pulls."""
    if pull != 0:
        return ""
    state, layers, e = h.at_epoch(0), h.config.layers, u.edge
    if e.layer > 0 and state.activations[e.layer - 1][s.index, e.i] == 0:
        unit = neuron_label(layers, e.layer, e.i)
        return f", times {unit} = 0 here: {unit} is off at this point, so the point cannot move {u.name}"
    if e.layer + 1 < len(layers) - 1 and h.config.activation == "relu" and state.pre_activations[e.layer][s.index, e.j] <= 0:
        unit = neuron_label(layers, e.layer + 1, e.j)
        return f", but {unit} is off at this point, so nothing flows back through it to {u.name}"
    return ""


def pull_words(h, pull: Pull, s: Sample) -> str:
    """Where the sample's pull on the update's weight comes from, after "pulls with −0.123, "."""
    if len(pull.outputs) == 1:
        formula, worked = error_words(h, s, pull.outputs[0])
        of = f"output {pull.outputs[0]}'s" if len(s.errors) > 1 else "its"
        said = f"from {of} error factor {formula} = {worked}"
        return said + (" (cross-entropy's error: the probability minus the target)" if classes_of(h) else "")
    factors = joined(fmt_fixed(f) for f in pull.factors)
    return (f"from its error factors p_c − y_c at the {len(pull.outputs)} outputs, {factors}, each carried back "
            "through its output's weights")


def weight_update(h, **_) -> Chapter:
    u = update_example(h)
    two = len(u.steps) > 1
    beats = dict(glow=0.8, look=1.5, marks_out=0.5, step=2.5, settle=0.5)
    if two:
        beats |= dict(look2=1.5, step2=2.5, settle2=0.5)
    return Chapter("weight-update", "The update", update_captions(h, u), update_words(h, u),
                   Beats("hold", caption=Beat(CAPTION, 2 + two), note=Beat(NOTE, 2 + two), **beats, hold=1.5,
                         glow_out=0.5))


def update_captions(h, u: Update) -> tuple[str, ...]:
    """Short: with minibatches the epoch counter beside them reads "· step 1 / 7" too."""
    c, two = h.config, len(u.steps) > 1
    first = {"sgd": "Update: each weight steps against its gradient",
             "momentum": "Momentum: v ← μ·v + g, w ← w − η·v",
             "adam": "Adam: each weight steps by η·m̂ / (√v̂ + ε)"}[c.optimizer]
    if h.steps > 1:
        last = f"{'Two steps' if two else 'One step'}, {len(u.first.batch)} points each: every weight moved"
    else:
        last = f"Two steps, epoch 0 → 2: every weight moved" if two else "One step, epoch 0 → 1: every weight moved at once"
    if not two:
        return first, last
    carried = "v carries μ of the last one" if c.optimizer == "momentum" else "m and v carry the last ones"
    return first, f"The next step: {carried}", last


def update_rule(h) -> str | None:
    """Plain gradient descent's rule, over its worked numbers (momentum's and Adam's are their
    captions)."""
    if h.config.optimizer != "sgd":
        return None
    then = ", then η·l1 towards 0" if h.config.l1 else ""
    if h.config.l2:
        return f"w ← w − η·g,  g = ∂L/∂w + 2·l2·w{then}"
    return f"w ← w − η·∂L/∂w{then}" if then else "w ← w − η·∂L/∂w   (η = learning rate)"


def paren(text: str) -> str:
    """A negative number in a product or a difference, in brackets: "(−0.524)"."""
    return f"({text})" if text.startswith("−") else text


def penalty_share(step: WorkedStep) -> str:
    """L2's part of g: "1.5 % of g", or "against ∂L/∂w" where it pulls the other way."""
    g, p = step.gradient, step.penalty_gradient
    if g == 0 or (p > 0) != (g > 0):
        return "against ∂L/∂w"
    return f"{100 * p / g:.1f} % of g".replace("-", "−")


NOTE_CHARS = 44  # a worked line longer than this goes on at its last " = ", indented


def split_line(text: str, chars: int = NOTE_CHARS) -> list[str]:
    """A worked line too long for the notes, broken before its result: ["v = 0.999 × ... + 0.001
    × 0.426²", "    = 3.64×10⁻⁴"]."""
    if len(text) <= chars or " = " not in text[1:]:
        return [text]
    head, result = text.rsplit(" = ", 1)
    return [head, f"    = {result}"]


def update_lines(h, u: Update, k: int, chars: int = NOTE_CHARS) -> list[str]:
    """The notes of the update chapter's k-th step, under its live "w2[6] now:" line: the step's
    gradient, then the optimiser's arithmetic with the step's own numbers (nnviz_core.worked):
    every number is training's, and the last is the weight after the step. A line longer than
    ``chars`` goes on at its last " = " (split_line)."""
    c, step = h.config, u.steps[k]
    places = weight_places(step)
    W = lambda v: weight_text(v, places)  # a weight L1 stopped at 0 reads "0"
    N = lambda v: fmt_fixed(v, places) if abs(v) >= 0.1 else number_text(v)  # as many decimals as w: the sums add up
    size = len(step.batch)
    if h.steps > 1:
        over = f"the next batch of {size}" if k else f"the batch's {size} points"
    else:
        over = f"all {points_noun(c)}, epoch {step.epoch}" if k else f"all {points_text(c, size)}"
    lines = [f"∂L/∂w = {N(step.data_gradient)} ({over})"]  # short: it is not split
    g = N(step.data_gradient)
    if c.l2:
        lines += [f"L2 adds 2·l2·w = 2 × {c.l2:g} × {paren(W(step.w))} = {N(step.penalty_gradient)}",
                  f"g = {g} + {paren(N(step.penalty_gradient))} = {N(step.gradient)} ({penalty_share(step)})"]
        g = N(step.gradient)
    if c.optimizer == "sgd":
        moved = f"{W(step.w)} − {c.lr:g} × {paren(g)}"
    elif c.optimizer == "momentum":
        lines.append(f"v = {c.momentum:g} × {paren(N(step.before['velocity']))} + {paren(g)} = "
                     f"{N(step.after['velocity'])}")
        moved = f"{W(step.w)} − {c.lr:g} × {paren(N(step.after['velocity']))}"
    else:
        t = superscript(step.t)
        m, v = N(step.after["m"]), N(step.after["v"])
        lines += [f"m = {c.beta1:g} × {paren(N(step.before['m']))} + {1 - c.beta1:g} × {paren(g)} = {m}",
                  f"v = {c.beta2:g} × {N(step.before['v'])} + {1 - c.beta2:g} × {paren(g)}² = {v}",
                  f"m̂ = {paren(m)} / (1 − {c.beta1:g}{t}) = {N(step.m_hat)}",
                  f"v̂ = {v} / (1 − {c.beta2:g}{t}) = {N(step.v_hat)}",
                  f"step = {c.lr:g} × {paren(N(step.m_hat))} / (√{N(step.v_hat)} + ε) = {N(step.move)}"]
        moved = f"{W(step.w)} − {paren(N(step.move))}"
    if not c.l1:
        lines.append(f"new w = {moved} = {W(step.new_w)}")
    else:
        stop = ": L1 stops it at 0" if step.stopped_at_zero else ""
        rule = {"sgd": "w − η·g", "momentum": "w − η·v", "adam": "w − step"}[c.optimizer]
        lines += [f"{rule} = {moved} = {W(step.stepped)}", f"L1: {c.lr:g} × {c.l1:g} = {step.shrink:g} towards 0",
                  f"new w = {W(step.new_w)}{stop}"]
    return lines[:1] + [part for line in lines[1:] for part in split_line(line, chars)]


def update_end_lines(h, u: Update) -> list[str]:
    """The update chapter's last notes: how far every weight and bias moved, and the loss."""
    two = len(u.steps) > 1  # the caption over them says how many steps
    losses = " → ".join(fmt_loss(v) for v in (u.first.loss_before, *(step.loss_after for step in u.steps)))
    verb = "these steps" if two else "this step"
    return [f"each weight moved by at most {fmt_fixed(u.largest_move)}",
            f"each bias by at most {fmt_fixed(u.largest_bias_move)}",
            f"loss {losses}" + (f": {verb} raised it" if u.raised else "")]


def update_words(h, u: Update) -> str:
    c, first = h.config, u.first
    W = lambda step: weight_text(step.new_w, weight_places(step))
    n = points_text(h.config)
    penalty = ""
    if c.l2:
        penalty = (f" Its gradient includes L2's 2·l2·w = {number_text(first.penalty_gradient)} "
                   f"({penalty_share(first)}).")

    def moved(step) -> str:
        """ "0.780 to 0.662"; with L1 in its order: the step, then L1's shrink towards 0."""
        start = f"{weight_text(step.w, weight_places(step))} to "
        if not c.l1:
            return start + W(step)
        after_l1 = ("then L1 stops it at 0" if step.stopped_at_zero else
                    f"then L1 moves it {step.shrink:g} towards zero, to {W(step)}")
        return f"{start}{weight_text(step.stepped, weight_places(step))}; {after_l1}"

    if h.steps > 1:
        one = f"This one step, on {len(first.batch)} of the {n},"
        two = f"These two steps, on {len(first.batch)} points each,"
        loss = f"the loss on all {n}"
    else:
        one, two, loss = "This one step", "These two steps", "the loss"
    change = f"{'raised' if u.raised else 'lowered'} {loss} from {fmt_loss(u.loss_before)} to {fmt_loss(u.loss_after)}."
    if c.optimizer == "sgd":
        gradient = "its batch's gradient" if h.steps > 1 else "its gradient"
        step = "the gradient step takes" if c.l1 else "moves"  # with L1: its step, then L1's
        said = f"{step} {u.name} from {moved(first)}" if c.l1 else f"{u.name} moves from {moved(first)}"
        return (f"Each weight steps against {gradient}, scaled by the learning rate {c.lr:g}: {said}.{penalty} "
                f"{one} {change}")
    if c.optimizer == "momentum":
        said = (f"Momentum keeps a velocity v for each weight, v ← {c.momentum:g}·v + g, and steps it by the "
                f"learning rate {c.lr:g} times v. v starts at 0, so the first step is plain gradient descent: "
                f"{'it takes ' + u.name if c.l1 else u.name + ' moves'} from {moved(first)}.{penalty}")
        if len(u.steps) > 1:
            second = u.steps[1]
            said += (f" At the next step v carries {c.momentum:g} of the last one, v = "
                     f"{number_text(second.after['velocity'])}, and {u.name} moves on to {W(second)}.")
        return f"{said} {two if len(u.steps) > 1 else one} {change}"
    about = (f", the learning rate" if abs(abs(first.move) - c.lr) < 0.01 * c.lr else "")
    said = (f"Adam steps each weight by the learning rate times m̂ / (√v̂ + ε), m and v being running means of its "
            f"gradient and its square, corrected for starting at 0. At the first step that makes m̂ = g and v̂ = g², so "
            f"{u.name} moves by {number_text(-first.move)}{about}: from {moved(first)}.{penalty}")
    if len(u.steps) > 1:
        said += f" Next, m and v carry that gradient with the new one: {u.name} moves on to {W(u.steps[1])}."
    return f"{said} {two if len(u.steps) > 1 else one} {change}"


MONTAGE_SECONDS = 16.0


def with_accuracy(h) -> str:
    """ " The accuracy rose from 53 % to 83 %." after a sentence, or "" for a regression."""
    path = accuracy_path(h)
    return f" The accuracy {path.phrase()}." if path else ""


def training_montage(h, **_) -> Chapter:
    """A diverged run's montage ends on a second caption: where and how it diverged."""
    steps = f", {h.steps} steps each" if h.steps > 1 else ""
    captions = (f"Training: {count(h.config.epochs, 'epoch')} of {METHODS[h.config.optimizer]}{steps}",)
    if h.diverged_at is not None:
        captions += (diverged_sentence(h, short=True).strip().rstrip("."),)
    return Chapter("training-montage", "Training", captions,
                   f"Then {count(h.epochs, 'epoch')} of {method_of(h)}{steps_in_all(h)}, every weight stepping at once: "
                   f"the loss {loss_path(h).phrase()}." + with_accuracy(h) + with_deaths(h),
                   Beats("training", caption=Beat(CAPTION, len(captions)), clear=CLEAR, fade_in=1.0,
                         training=MONTAGE_SECONDS))


REPLAY_SECONDS = 7.0


def contribution_output(h) -> int:
    """The output whose z the contributions chapter builds unit by unit: the only one, or for k
    classes the logit of the forward pass's point's own class (as the scene draws it)."""
    from nnviz_core.plane import explained_output

    return explained_output(h.problem, forward_sample(h).index)


UNIT_SIDES = {"relu": "a ReLU outputs 0 on the negative side",
              "leaky_relu": "a leaky ReLU shrinks it to a hundredth on the negative side",
              "tanh": "tanh squeezes it into −1 to 1", "sigmoid": "a sigmoid squeezes it into 0 to 1, 0.5 on the line"}


def what_each_neuron_computes(h, **_) -> Chapter:
    if len(h.config.layers) < 3:
        return Chapter("what-each-neuron-computes", "What each neuron computes", (), "", Beats())
    state = h.at_epoch(h.epochs)
    width = h.config.layers[-2]
    dead = int(state.dead_units()[-1].sum())
    dead_text = (f" {dead} of the {width} units {'is' if dead == 1 else 'are'} dead: "
                 f"{'it outputs' if dead == 1 else 'they output'} zero on every point." if dead else "")
    if not is_2d(h):
        return Chapter("what-each-neuron-computes", "What each neuron computes",
                       ("What each neuron computes: ŷ = b + Σ w·h", "Replay: each unit's piece moves as training runs"),
                       f"The prediction is the output bias, {fmt_fixed(float(state.biases[-1][0, 0]))}, plus each "
                       f"last hidden unit's output times its weight. Adding the {count(width, 'unit')} one by one "
                       f"rebuilds the red curve exactly.{dead_text} Then training replays, every unit's piece "
                       "moving and switching.", contributions_beats(h))
    # 2-D: each first-layer unit's line (a curve, of other features), then the output's z as a
    # sum of maps, built unit by unit.
    o, k = contribution_output(h), classes_of(h)
    lines = state.first_layer_lines() is not None
    shape = "line" if lines else "curve"
    if lines:
        drawn = "Each first-layer unit draws a line across the plane, where its w·x + b is 0"
    else:
        drawn = (f"Each first-layer unit reads the features {features_said(h)}, so where its w·φ(x) + b is 0 is a "
                 "curve in the plane, not a line")
    sides = f"{drawn}: its z is positive on one side and negative on the other, and {UNIT_SIDES[h.config.activation]}."
    deeper = " Deeper units combine these pieces into bent regions." if len(h.config.layers) > 3 else ""
    bias = fmt_fixed(float(state.biases[-1][0, o]))
    if k == 2:
        built, named = "the logit z", "The logit z = b + Σ w·h"
        ending = "; where it crosses 0 is the boundary between the two classes"
    elif k:
        built, named = f"class {o}'s logit z{subscript(o)}", f"Class {o}'s logit z{subscript(o)} = b + Σ w·h"
        ending = "; each point goes to the class whose logit is largest"
    else:
        built, named, ending = "the prediction ŷ", "The prediction ŷ = b + Σ w·h", ""
    return Chapter("what-each-neuron-computes", "What each neuron computes",
                   (f"What each neuron computes: a {shape} each", f"{named}, unit by unit",
                    "Replay: each unit's map changes as training runs"),
                   f"{sides}{deeper} {built[0].upper() + built[1:]} is the output bias, {bias}, plus each last hidden unit's map times "
                   f"its weight: adding the {count(width, 'unit')} one by one rebuilds it exactly{ending}."
                   f"{dead_text} Then training replays, every unit's map changing.", plane_contributions_beats(h))


def contributions_beats(h) -> Beats:
    """1-D: each last-hidden unit's weighted curve, added into the prediction."""
    curves = curve_count(h)
    return Beats(caption=Beat(CAPTION, 2), note=Beat(NOTE, 2), clear=CLEAR, fade=1.0, bias=0.8,
                 curve=Beat(CURVE_PACE, curves), add=Beat(CURVE_PACE, curves), unglow=Beat(0.2, curves),
                 marks=0.6, look=1.5, rewind=0.5, replay=REPLAY_SECONDS, hold=1.0, back=0.8)


def plane_contributions_beats(h) -> Beats:
    """The 2-D chapter's plays: each drawn first-layer unit's line and half-plane, then the output's
    z from its bias alone, each last-hidden piece added in turn, then training replayed."""
    lines = len(network_layout(h.config.layers, MAX_SHOWN).neurons[1])
    pieces = curve_count(h)
    return Beats("look", caption=Beat(CAPTION, 3), note=Beat(NOTE, 3), clear=CLEAR, fade=1.0,
                 line=Beat(0.5, lines), unline=Beat(0.25, lines), bias=0.8, glow=Beat(0.3, pieces),
                 add=Beat(CURVE_PACE, pieces), unglow=Beat(0.2, pieces), boundary=0.6, look=1.5, rewind=0.5,
                 replay=REPLAY_SECONDS, hold=1.0, back=0.8)


def summary(h, **_) -> Chapter:
    happened = summary_lines(h)
    said = " ".join(line + "." for line in summary_lines(h, leave_out=("climb", "rebound", "worse", "accuracy",
                                                                        "diverged")))  # the path says them
    caption = f"After {count(h.epochs, 'epoch')}: loss {fmt_loss(h.loss[0])} → {fmt_loss(h.final_loss)}"
    if h.diverged_at is not None:
        caption += f", diverged at epoch {h.diverged_at}"
    accuracy = ""
    if classes_of(h):
        caption += f", accuracy {accuracy_text(h.accuracy[0])} → {accuracy_text(h.accuracy[-1])}"
        accuracy = f" The accuracy {accuracy_path(h).phrase()}; {still_wrong(h)}."
    test = test_sentence(h)
    if test:  # the caption breaks here when it is too long for one line
        caption += f"; test loss {fmt_loss(h.test_loss[0])} → {fmt_loss(h.test_loss[-1])}"
        if h.test_accuracy is not None:
            caption += f", test accuracy {accuracy_text(h.test_accuracy[-1])}"
    noted = happened or penalty_lines(h)  # the summary screen's notes, in the loss panel's place
    return Chapter("summary", "Summary", (caption,),
                   f"After {count(h.epochs, 'epoch')}{steps_in_all(h)}, the loss {loss_path(h).phrase()}." + accuracy + test
                   + penalty_summary(h) + (f" {said}" if said else ""),
                   Beats("hold", caption=CAPTION, **(dict(losses_out=0.5, note=NOTE) if noted else {}),
                         glow=1.5, hold=4.5 if noted else 3.0))


def test_sentence(h) -> str:
    """With held-out points: " On the 12 held-out points the test loss ended at 0.2237 (lowest
    0.1234, at epoch 54)." (and the test accuracy); "" without."""
    if h.test_loss is None:
        return ""
    test = h.test_loss
    words = (f" On the {count(len(h.X_test), 'held-out point')} the test loss ended at {fmt_loss(test[-1])} "
             f"(lowest {fmt_loss(test.min())}, at epoch {int(test.argmin())})")
    if h.test_accuracy is not None:
        words += f", the test accuracy at {accuracy_text(h.test_accuracy[-1])}"
    return words + "."


def penalty_summary(h) -> str:
    """ " With the penalty, what training minimised ended at 0.0312: the loss 0.0150 plus a
    penalty of 0.0162. L1 left 7 of the 20 weights at exactly 0." ("" without a penalty)."""
    return "".join(f" {line}." for line in penalty_lines(h))


def penalty_lines(h) -> list[str]:
    """What the penalty did, for the summary's words and its screen: what training minimised at
    the end (the data loss plus the penalty), and with L1 how many weights it left at exactly 0;
    all of them, and the network's output is a constant. [] without a penalty."""
    if not h.problem.penalised:
        return []
    loss, penalty = float(h.loss[-1]), float(h.penalty[-1])
    minimised = f"With the penalty, what training minimised ended at {fmt_loss(loss + penalty)}: the loss {fmt_loss(loss)}"
    zeros = total = 0
    if h.config.l1:
        weights = h.at_epoch(h.epochs).weights
        zeros, total = sum(int((w == 0).sum()) for w in weights), sum(w.size for w in weights)
    if h.config.l1 and penalty == 0 and zeros == total:  # only L1 gets there: every weight at exactly 0
        return [f"{minimised} plus a penalty of 0: L1 left every weight at 0 (all {total}), so the network's output "
                f"is a constant, whatever the input"]
    lines = [f"{minimised} plus a penalty of {fmt_loss(penalty)}"]
    if zeros:
        lines.append(f"L1 left {zeros} of the {total} weights at exactly 0")
    return lines


def still_wrong(h) -> str:
    """ "17 of 100 points are still misclassified", or "every point is in its own class" ("every
    training point" when points are held out: the test accuracy is said apart)."""
    wrong = misclassified(h)
    if not wrong:
        return f"every {'training ' if h.config.held_out else ''}point is in its own class"
    return f"{wrong} of {points_text(h.config)} {'is' if wrong == 1 else 'are'} still misclassified"


# The chapters of the clips and the dashboard: a still start, the run, its end.
def at_the_start(name: str, title_: str, sentence):
    def chapter(h, **_) -> Chapter:
        return Chapter(name, title_, (), sentence(h), Beats(fade_in=1.0, hold=0.5))
    return chapter


def first_guess(h) -> str:
    c = h.config
    points = f"The {points_text(c)}" + (f" (and {c.held_out} held out)" if c.held_out else "")
    if not classes_of(h):
        return f"{points} and the untrained network's first guess; the loss is {fmt_loss(h.loss[0])}."
    them = "the training points" if c.held_out else "them"  # the accuracy is theirs
    return (f"{points} and the untrained network's first guess: it puts "
            f"{accuracy_text(h.accuracy[0])} of {them} in their own class; the loss is {fmt_loss(h.loss[0])}.")


def start_loss(h) -> str:
    said = f"The loss at epoch 0 is {fmt_loss(h.loss[0])}"
    return said + (f" and the accuracy {accuracy_text(h.accuracy[0])}." if classes_of(h) else ".")


def dashboard_words(h) -> str:
    if not is_2d(h):
        return ("The training dashboard at epoch 0: the fit, the loss, the network, its "
                "weights, biases and gradients.")
    shown = "the classes it gives the plane, the loss and the accuracy" if classes_of(h) else "its map of the plane, the loss"
    return f"The training dashboard at epoch 0: {shown}, the network, its weights, biases and gradients."


weights_at_the_start = at_the_start("weights-at-the-start", "The weights at the start",
                                    lambda h: "The network and its weight matrices at epoch 0: colour is each "
                                              "weight's sign and size, on one scale for the whole run.")
data_and_first_guess = at_the_start("data-and-first-guess", "The data and a first guess", first_guess)
loss_at_the_start = at_the_start("loss-at-the-start", "The loss at the start", start_loss)
dashboard = at_the_start("dashboard", "The dashboard", dashboard_words)


def training(h, seconds: float = 12.0, **_) -> Chapter:
    return Chapter("training", "Training", (),
                   f"Training from epoch 0 to {h.epochs}, every panel following the same weights: the loss "
                   f"{loss_path(h).phrase()}." + with_accuracy(h) + with_deaths(h), Beats(training=seconds))


def final_state(h, **_) -> Chapter:
    accuracy = f" and the accuracy {accuracy_text(h.accuracy[-1])}: {still_wrong(h)}" if classes_of(h) else ""
    return Chapter("final-state", "The end of training", (),
                   f"At epoch {h.epochs} the loss is {fmt_loss(h.final_loss)}{accuracy}.", Beats(hold=2.0))


def with_deaths(h) -> str:
    """ " 3 of 10 hidden units end dead ..." after a sentence, or "" when none does."""
    said = deaths_sentence(h)
    return f" {said}" if said else ""


def joined(words) -> str:
    """ "a", "a and b", "a, b and c" """
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def comparison(h, comparison=None, **_) -> Chapter:
    c = comparison
    return Chapter("comparison", "Runs side by side", (f"Comparing {c.field}: {' · '.join(c.values)}",),
                   f"{len(c.values)} runs that differ only in {c.field}: {joined(compared_values(c))}. "
                   f"{start_words(c)}", Beats(caption=CAPTION, fade_in=1.0))


def start_words(c) -> str:
    """What the runs share at the start, as the runs themselves hold it (compare.shared_start):
    other layers draw other weights, so such runs do not start alike."""
    from nnviz_core.compare import shared_start

    data, weights = shared_start(c.histories)
    if data and weights == "same":
        return "Everything else is the same, the data and the starting weights included."
    if not data and weights == "own":
        return "Each run has its own data and starts from its own random weights."
    said = {"same": "the starting weights are the same",
            "scaled": "the starting weights are the same draws, at each run's own scale",
            "own": "each run starts from its own random weights"}[weights]
    return f"{'The data are the same' if data else 'Each run has its own data'}; {said}."


def compared_values(c) -> list[str]:
    """The compared values as the words say them: an optimiser by its name and settings, a
    batch size with the steps it makes ("16 (7 steps per epoch)"); others as written."""
    if c.field == "optimizer":
        said = {"sgd": lambda k: "plain gradient descent", "momentum": lambda k: f"μ {k.momentum:g}",
                "adam": lambda k: f"β₁ {k.beta1:g}, β₂ {k.beta2:g}"}
        return [f"{v} ({said[h.config.optimizer](h.config)})" for v, h in zip(c.values, c.histories)]
    if c.field == "batch_size":
        return [f"{v} ({'every point in one step' if h.steps == 1 else steps_words(h)})"
                for v, h in zip(c.values, c.histories)]
    return list(c.values)


def runs_training(h, seconds: float = 14.0, comparison=None, **_) -> Chapter:
    c = comparison

    def ended(run) -> str:
        accuracy = f" (accuracy {accuracy_text(run.accuracy[-1])} at the end)" if run.is_classification else ""
        return f"the loss {loss_path(run).phrase()}{accuracy}"

    ends = [f"with {c.field} {value} {ended(run)}" for value, run in zip(c.values, c.histories)]
    deaths = [f" With {c.field} {value}: {deaths_sentence(run)}" for value, run in zip(c.values, c.histories)
              if deaths_sentence(run)]
    return Chapter("runs-training", "Training side by side", (),
                   f"One clock for all of them: {joined(ends)}." + "".join(deaths), Beats(training=seconds))


def runs_final_state(h, comparison=None, **_) -> Chapter:
    c = comparison
    steady = [(v, r) for v, r in zip(c.values, c.histories) if r.diverged_at is None]
    if not steady:
        return Chapter("runs-final-state", "The end", (), "Every run diverged.", Beats(hold=2.0))
    value, best = min(steady, key=lambda vr: vr[1].final_loss)
    lowest = f"The lowest final loss, {fmt_loss(best.final_loss)}"
    if not best.is_classification:
        said = f"{lowest}, came with {c.field} {value}."
    else:
        most = max(r.accuracy[-1] for _, r in steady)
        tops = [v for v, r in steady if r.accuracy[-1] == most]  # a tie names every run in it
        highest = f"the highest final accuracy, {accuracy_text(most)}"
        tie = " (a tie)" if len(tops) > 1 else ""
        said = (f"{lowest}, and {highest}, came with {c.field} {value}." if tops == [value] else
                f"{lowest}, came with {c.field} {value}; {highest}, with {c.field} {joined(map(str, tops))}{tie}.")
    return Chapter("runs-final-state", "The end", (), said + test_words(c, steady), Beats(hold=2.0))


def test_words(c, steady) -> str:
    """With held-out points, which run ended with the lowest test loss (h.test_loss[-1]), its
    training loss beside it: the lowest training loss need not generalise best."""
    tested = [(v, r) for v, r in steady if r.test_loss is not None]
    if not tested:
        return ""
    value, best = min(tested, key=lambda vr: vr[1].test_loss[-1])
    accuracy = (f", test accuracy {accuracy_text(best.test_accuracy[-1])}" if best.is_classification else "")
    return (f" The lowest final test loss, {fmt_loss(best.test_loss[-1])}, came with {c.field} {value} "
            f"(training loss {fmt_loss(best.final_loss)}{accuracy}).")


# -- the loss landscape (nnviz_core.landscape) ------------------------------------------------------
def landscape_of(h, comparison=None):
    """The run's landscape, or the comparison's runs on one shared plane."""
    from nnviz_core.landscape import landscape, shared_landscape

    return shared_landscape(comparison.histories, comparison.labels) if comparison else landscape(h)


def loss_landscape(h, comparison=None, **_) -> Chapter:
    from nnviz_core.landscape import share_text

    land, c = landscape_of(h, comparison), comparison
    penalty = f" Here the loss is the {loss_name(h)} plus the penalty: what training minimised." if h.problem.penalised else ""
    if c:
        centre = f"the run with {c.field} {c.values[land.steady[0]]}"
        said = (f"The loss of every network on one plane through the final weights of {centre}, along the two "
                f"directions the {len(c.values)} runs' weights travelled most: it holds {share_text(land.share)} of "
                "their paths' spread.")
    else:
        said = ("The loss of every network on a plane through the final weights, along the two directions the "
                f"weights travelled most: it holds {share_text(land.share)} of the path's spread.")
    return Chapter("loss-landscape", "The loss landscape", ("The loss landscape and the real path",), said + penalty,
                   Beats("hold", caption=CAPTION, fade_in=1.0, hold=2.0))


def the_path(h, seconds: float = 10.0, comparison=None, **_) -> Chapter:
    every = "epoch" if h.steps == 1 else "step"
    if comparison:
        c = comparison
        went = joined(f"with {c.field} {v} it {loss_path(run).phrase()}" for v, run in zip(c.values, c.histories))
        return Chapter("the-path", "The paths", (),
                       "The paths: each run's weights dropped onto the plane, each dot filled with its run's own "
                       f"loss: {went}.", Beats(training=seconds))
    if h.problem.penalised:
        total = h.loss + h.penalty
        said = (f"which with its penalty went from {fmt_loss(total[0])} to {fmt_loss(total[-1])} "
                f"(the loss alone {loss_path(h).phrase()})")
    else:
        said = f"which {loss_path(h).phrase()}"
    return Chapter("the-path", "The path", (),
                   f"The path: each {every}'s weights dropped onto the plane, the dot filled with training's own "
                   f"loss, {said}.", Beats(training=seconds))


def landscape_end(h, comparison=None, **_) -> Chapter:
    """The path's two ends: at the plane's centre training's final loss exactly; at the start the
    plane's loss under the dot against training's. A comparison: how much of each run's own path
    the shared plane holds."""
    from nnviz_core.landscape import CLOSE, share_text

    land = landscape_of(h, comparison)
    penalty = " with its penalty" if h.problem.penalised else ""
    if comparison:
        c, k = comparison, land.steady[0]
        held = joined(f"{share_text(p.explained)} of {v}'s path" for v, p in zip(c.values, land.paths))
        shorter = (" A path mostly off the plane looks shorter here than it was."
                   if min(p.explained for p in land.paths) < 0.5 else "")
        return Chapter("landscape-end", "The end of the paths", (),
                       f"The run with {c.field} {c.values[k]} ends at the plane's centre, on its final loss{penalty}, "
                       f"{fmt_loss(land.paths[k].real[-1])}. The plane holds {held}.{shorter}", Beats("hold", hold=2.0))
    path = land.paths[0]
    start, real = float(path.on_plane[0]), float(path.real[0])
    end = f"It ends at the plane's centre, on training's final loss{penalty}, {fmt_loss(path.real[-1])}."
    if abs(start - real) <= CLOSE * real:
        begun = f" At the start the plane reads {fmt_loss(start)}, as training had {fmt_loss(real)}."
    else:
        begun = (f" At the start the plane reads {fmt_loss(start)}, where training had {fmt_loss(real)}: "
                 "what lies off the plane is left out.")
    return Chapter("landscape-end", "The end of the path", (), end + begun, Beats("hold", hold=2.0))


CHAPTERS = {"title": title, "build-the-network": build_the_network, "the-network": the_network,
            "forward-pass": forward_pass, "loss-for-one-sample": loss_for_one_sample,
            "backward-pass": backward_pass, "where-the-gradient-comes-from": where_the_gradient_comes_from,
            "weight-update": weight_update, "training-montage": training_montage,
            "what-each-neuron-computes": what_each_neuron_computes, "summary": summary,
            "weights-at-the-start": weights_at_the_start, "data-and-first-guess": data_and_first_guess,
            "loss-at-the-start": loss_at_the_start, "dashboard": dashboard, "training": training,
            "final-state": final_state, "comparison": comparison, "runs-training": runs_training,
            "runs-final-state": runs_final_state, "loss-landscape": loss_landscape, "the-path": the_path,
            "landscape-end": landscape_end}


def storyboard(history, plan, **context) -> list[Chapter]:
    """The chapters of a scene, from its plan: (chapter name, options) pairs, e.g.
    ``[("loss-at-the-start", {}), ("training", {"seconds": 6}), ("final-state", {})]``;
    ``context`` holds what else the words need (a comparison's runs)."""
    return [CHAPTERS[name](history, **options, **context) for name, options in plan]


# -- subtitles and scripts ----------------------------------------------------------------------------
def cue_texts(words: str) -> list[str]:
    """``words`` as subtitle texts of at most CUE_LINES lines of CUE_CHARS characters, as few as
    fit, with the lines as even as can be: a short tail ("epochs.") joins its neighbours instead
    of flashing by on its own."""
    def wrap(width: int) -> list[str]:
        return textwrap.wrap(words, width, break_long_words=False, break_on_hyphens=False)

    needed = len(wrap(CUE_CHARS))
    longest_word = max(len(word) for word in words.split())
    width = next(w for w in range(min(longest_word, CUE_CHARS), CUE_CHARS + 1)
                 if len(wrap(w)) <= needed)  # the narrowest that needs no more lines
    lines = wrap(width)
    return ["\n".join(lines[k:k + CUE_LINES]) for k in range(0, len(lines), CUE_LINES)]


def cues(chapter: Chapter, margin: float = 0.0) -> list[tuple[float, float, str]]:
    """The chapter's narration as subtitle cues (start, end, text), relative to its start, one
    after another, each shown for a share of the chapter (less ``margin`` at its end) in
    proportion to its length: a chapter as long as its words' reading time reads at READING_CPS."""
    if not chapter.narration or chapter.seconds <= margin:
        return []
    texts = cue_texts(chapter.narration)
    weights = np.array([len(t) for t in texts], float)
    edges = np.concatenate([[0.0], np.cumsum(weights / weights.sum())]) * (chapter.seconds - margin)
    return [(float(a), float(b), text) for a, b, text in zip(edges, edges[1:], texts)]


def timestamp(seconds: float, srt: bool = False) -> str:
    whole = int(seconds)
    h, m, s = whole // 3600, whole // 60 % 60, whole % 60
    if srt:
        return f"{h:02d}:{m:02d}:{s:02d},{int(round((seconds - whole) * 1000)):03d}"
    return f"{m}:{s:02d}" if not h else f"{h}:{m:02d}:{s:02d}"


def script(chapters: list[Chapter], fmt: str = "md", scene: str = "") -> str:
    """The narration as Markdown, plain text or SRT, with chapter titles and start times."""
    starts = np.concatenate([[0.0], np.cumsum([c.seconds for c in chapters])])
    if fmt == "srt":
        blocks, k = [], 0
        for chapter, start in zip(chapters, starts):
            for a, b, text in cues(chapter):
                k += 1
                blocks.append(f"{k}\n{timestamp(start + a, True)} --> {timestamp(start + b, True)}\n{text}\n")
        return "\n".join(blocks)
    out = [f"# {scene}\n" if fmt == "md" and scene else f"{scene}\n" if scene else ""]
    for chapter, start in zip(chapters, starts):
        if not chapter.narration:
            continue
        head = f"{timestamp(start)}  {chapter.title}"
        out.append(f"## {head}\n\n{chapter.narration}\n" if fmt == "md" else f"[{head}]\n{chapter.narration}\n")
    out.append(f"(total {timestamp(starts[-1])})\n")
    return "\n".join(part for part in out if part)
