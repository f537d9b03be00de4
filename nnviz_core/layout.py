"""Where things go, for both renderers: neurons and edges for any architecture, in abstract
units each renderer scales, the names of neurons and weights, and the plots' fixed ranges.

Layer l sits at x = l. Shown neurons are one unit apart, centred on y = 0, first neuron on top.
A layer wider than ``max_shown`` is drawn as a lecturer would: its first neurons, a vertical
ellipsis, then its last neuron(s), with the true size available for a brace or label.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numbers import fmt_fixed, fmt_value
from .palette import unit_styles


@dataclass(frozen=True)
class Neuron:
    layer: int
    index: int  # the neuron's index in its layer (row/column of the weight matrices)
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Edge:
    layer: int  # weight matrix w[layer]
    i: int  # source neuron index (row)
    j: int  # target neuron index (column)
    start: Neuron
    end: Neuron


@dataclass(frozen=True)
class Ellipsis:
    layer: int
    x: float
    y: float
    hidden_count: int  # neurons not drawn


@dataclass(frozen=True)
class NetworkLayout:
    layers: tuple[int, ...]
    neurons: list[list[Neuron]]  # shown neurons, per layer, top to bottom
    edges: list[Edge]
    ellipses: list[Ellipsis]

    @property
    def height(self) -> float:
        """Span of the tallest column, in units (0 for a single neuron)."""
        return max(len(col) + (1 if self.has_ellipsis(l) else 0) for l, col in enumerate(self.neurons)) - 1

    def has_ellipsis(self, layer: int) -> bool:
        return any(e.layer == layer for e in self.ellipses)


def neuron_label(layers, layer: int, index: int) -> str:
    """x, h3, ŷ; with several hidden layers h2.3 (layer 2, unit 3); with several inputs or
    outputs x1, ŷ1. The same names in the video, the GIF and the README."""
    last = len(layers) - 1
    several = layers[layer] > 1
    if layer == 0:
        return f"x{index + 1}" if several else "x"
    if layer == last:
        return f"ŷ{index + 1}" if several else "ŷ"
    return f"h{index + 1}" if last == 2 else f"h{layer}.{index + 1}"


def gradient_name(config, of: str = "w") -> str:
    """What a gradient bar measures: ∂L/∂w, or with L2 ∂(L + L2)/∂w, the gradient training steps
    with (L1 is a move of its own, never in it)."""
    return f"∂(L + L2)/∂{of}" if config.l2 else f"∂L/∂{of}"


def weight_label(layers, layer: int, i: int, j: int) -> str:
    """w1[3] for a weight of a matrix with one row or column (x -> h3, h3 -> ŷ); w2[3,1] (row,
    column: from unit 3 to unit 1) between two wider layers."""
    if layers[layer] == 1 or layers[layer + 1] == 1:
        return f"w{layer + 1}[{max(i, j) + 1}]"
    return f"w{layer + 1}[{i + 1},{j + 1}]"


SQUASH_LIMIT = 2.5  # the fit plot may be at most this many data spans tall
OVERSHOOT = 0.75  # beyond that, it shows this many data spans past the data on either side


def fit_y_range(history) -> tuple[float, float]:
    """The data plot's y-range, fixed for the whole run: the data and every prediction of every
    epoch, unless that would squash the data into a thin band. Then it reaches OVERSHOOT data
    spans past the data and the renderers mark where the curve leaves the plot
    (``off_plot_marks``). The data are the training and the held-out points: both are drawn."""
    y = np.r_[history.y[:, 0], history.y_test[:, 0]]
    lo, hi = float(y.min()), float(y.max())
    span = max(hi - lo, 1e-6)
    p_lo, p_hi = history.prediction_bounds()
    low, high = min(lo, p_lo), max(hi, p_hi)
    if high - low <= SQUASH_LIMIT * span:
        return low, high
    return max(low, lo - OVERSHOOT * span), min(high, hi + OVERSHOOT * span)


def padded(lo: float, hi: float, share: float = 0.08) -> tuple[float, float]:
    """[lo, hi] widened by ``share`` of its span on each side (0.5 for an empty span)."""
    pad = (hi - lo) * share or 0.5
    return lo - pad, hi + pad


def contributions_range(history, layout) -> tuple[float, float]:
    """A y-range for the run's contributions plot: the fit plot's, widened for the unit curves at
    every checkpoint (within the same squash limit; off_plot_marks mark the rest)."""
    fit_lo, fit_hi = low, high = fit_y_range(history)
    for e in history.checkpoint_epochs:
        for _, _, values in contribution_curves(history.at_epoch(int(e)), layout):
            low, high = min(low, values.min()), max(high, values.max())
    span = fit_hi - fit_lo
    return max(low, fit_lo - span), min(high, fit_hi + span)


# -- curves that leave a plot: drawn up to the edge, broken, and marked -------------------------
MARK_GAP = 0.3  # off-plot marks on one side are at least this share of the x span apart
MARK_WIDTH = 0.18  # a mark's text is at most this share of the plot's width: marks never overlap


@dataclass(frozen=True)
class OffPlot:
    side: str  # "above" or "below"
    x: float  # where the stretch beyond the plot starts: the curve stops there
    value: float  # how far it goes: the stretch's most extreme true value
    curve: int = 0  # which of the curves given (a row of ys) it is

    @property
    def text(self) -> str:
        """What the mark says, in both renderers: "↑2.15", "↓−3.97"."""
        return mark_text(self.side, self.value)


def mark_text(side: str, value: float) -> str:
    from .numbers import fmt_value  # numbers is a leaf module; imported here to keep layout's top light

    return ("↑" if side == "above" else "↓") + fmt_value(value)


def _band(ys, low: float, high: float, log: bool) -> tuple[np.ndarray, float, float]:
    ys = np.asarray(ys, float)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.where(ys > 0, ys, 0.0)), np.log10(low), np.log10(high)
    return ys, low, high


def curve_pieces(xs, ys, low: float, high: float, log: bool = False) -> list[np.ndarray]:
    """The parts of the polyline (xs, ys) inside the band [low, high], each an (n, 2) array of
    (x, y): where the curve leaves, its piece ends on the edge, at the crossing, and the next
    piece starts where it comes back. Nothing runs along an edge. ``log``: straight in log10(y),
    as a log axis draws it."""
    xs, raw = np.asarray(xs, float), np.asarray(ys, float)
    y, lo, hi = _band(raw, low, high, log)
    if xs.size < 2:
        keep = np.isfinite(y) & (y >= lo) & (y <= hi)
        return [np.column_stack([xs, np.asarray(ys, float)])] if keep.all() and xs.size else []
    ya, yb = y[:-1], y[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = yb - ya
        t_lo, t_hi = (lo - ya) / rise, (hi - ya) / rise
        t0 = np.where(rise == 0, 0.0, np.maximum(0.0, np.minimum(t_lo, t_hi)))
        t1 = np.where(rise == 0, 1.0, np.minimum(1.0, np.maximum(t_lo, t_hi)))
    flat_inside = (ya >= lo) & (ya <= hi)
    keep = np.isfinite(ya) & np.isfinite(yb) & np.where(rise == 0, flat_inside, t1 - t0 > 1e-12)
    pieces, current, last = [], [], None
    for k in np.flatnonzero(keep):
        if not (last == k - 1 and t1[k - 1] == 1.0 and t0[k] == 0.0):  # not joined to the last
            if current:
                pieces.append(np.array(current))
            current = [_point(xs, raw, y, k, t0[k], log, lo, hi)]
        current.append(_point(xs, raw, y, k, t1[k], log, lo, hi))
        last = k
    if current:
        pieces.append(np.array(current))
    return pieces


def _point(xs, raw, y, k: int, t: float, log: bool, lo: float, hi: float) -> tuple[float, float]:
    """The point a share t along segment k, back in data units (a crossing exactly on its edge)."""
    x = xs[k] + t * (xs[k + 1] - xs[k])
    if t in (0.0, 1.0):  # a point of the curve itself: its own value
        return float(xs[k + int(t)]), float(raw[k + int(t)])
    v = float(np.clip(y[k] + t * (y[k + 1] - y[k]), lo, hi))
    return float(x), float(10 ** v if log else v)


def off_stretches(xs, ys, low: float, high: float, curve: int = 0) -> list[OffPlot]:
    """One OffPlot per stretch of consecutive points beyond the band: at the stretch's first point
    (where the curve stops), with its most extreme value."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    found = []
    for side, beyond in (("above", ys > high), ("below", ys < low)):  # NaN: no value, no mark
        edges = np.diff(np.r_[0, beyond.astype(int), 0])
        for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            part = ys[start:stop]
            value = part.max() if side == "above" else part.min()
            found.append(OffPlot(side, float(xs[start]), float(value), curve))
    return found


def off_plot_marks(xs, ys, low: float, high: float, x_span=None) -> list[OffPlot]:
    """Where curves leave a plot of y-range [low, high]: one mark per stretch beyond it, where the
    stretch starts, with its most extreme true value. ``ys`` may hold several curves, one per
    row (``xs`` the same shape, or one row for all; pad shorter curves with NaN). Marks on one side closer than MARK_GAP of
    ``x_span`` (default: the xs' own span) are one mark, the most extreme of them, so no two
    marks overlap. Above first, then below, each from left to right."""
    ys = np.atleast_2d(np.asarray(ys, float))
    xs = np.broadcast_to(np.atleast_2d(np.asarray(xs, float)), ys.shape)
    if ys.size == 0:
        return []
    lo_x, hi_x = x_span if x_span is not None else (float(np.nanmin(xs)), float(np.nanmax(xs)))
    gap = MARK_GAP * (hi_x - lo_x)
    marks = []
    for side in ("above", "below"):
        further = (lambda m: -m.value) if side == "above" else (lambda m: m.value)
        found = sorted((m for row, (row_x, row_y) in enumerate(zip(xs, ys))
                        for m in off_stretches(row_x, row_y, low, high, row)
                        if m.side == side), key=further)
        kept: list[OffPlot] = []
        for m in found:  # the most extreme first: a nearby, smaller exit is covered by its mark
            if all(abs(m.x - k.x) >= gap for k in kept):
                kept.append(m)
        marks += sorted(kept, key=lambda m: m.x)
    return marks


LOG_LOSS_SPAN = 20.0  # a loss spanning more than this factor gets a log axis


@dataclass(frozen=True)
class LossAxis:
    log: bool
    low: float
    high: float
    ticks: tuple[float, ...]


def loss_axis(loss) -> LossAxis:
    """The loss plot's y-axis, fixed for the run: log when the loss spans more than 20x (so a
    spike does not flatten the rest of training to a line at 0), else linear from 0."""
    loss = np.asarray(loss, float)
    top = float(loss.max())
    positive = loss[loss > 0]
    bottom = float(positive.min()) if positive.size else top
    if bottom > 0 and top / bottom > LOG_LOSS_SPAN:
        low, high = 10 ** np.floor(np.log10(bottom)), 10 ** np.ceil(np.log10(top))
        return LossAxis(True, float(low), float(high), tuple(log_ticks(low, high)))
    high = top * 1.1 if top > 0 else 1.0
    return LossAxis(False, 0.0, high, ())


def shared_loss_axis(histories) -> LossAxis:
    """One loss axis for runs side by side: set by the runs that did not diverge and ended no
    worse than they began, their test losses too (the others leave it, marked); by the first
    losses when none did."""
    steady = [h for h in histories if h.diverged_at is None and h.final_loss <= h.loss[0]]
    losses = [loss for h in steady for loss in (h.loss, h.test_loss) if loss is not None]
    return loss_axis(np.concatenate(losses or [h.loss[:1] for h in histories]))


# A classification's accuracy: on the loss panel's right-hand axis, 0 to 100 %, in theme.accuracy.
ACCURACY_AXIS = (0.0, 1.0)
ACCURACY_TICKS = (0.0, 0.5, 1.0)


def accuracy_text(share: float) -> str:
    """ "87 %" of a share in [0, 1], as every renderer writes it (one decimal between 90 and 100,
    so 99.6 % is not called 100 %)."""
    percent = 100 * share
    return f"{percent:.1f} %" if 90 < percent < 100 else f"{percent:.0f} %"


def points_noun(config) -> str:
    """ "points", or "training points" when some are held out (the loss is their mean alone)."""
    return "training points" if config.held_out else "points"


def points_text(config, n: int | None = None) -> str:
    """ "100 points", or with points held out "42 training points"; ``n``: how many (default
    every training point, config.training_points)."""
    return f"{config.training_points if n is None else n} {points_noun(config)}"


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int) -> str:
    return str(n).translate(_SUBSCRIPTS)


def feature_text(name: str) -> str:
    """A feature as it is read and said: x1 -> x₁, x1^2 -> x₁², x1*x2 -> x₁x₂, sin(x2) -> sin x₂."""
    if name.startswith("sin(") and name.endswith(")"):
        return "sin " + feature_text(name[4:-1])
    text = name.replace("^2", "²").replace("*", "")
    return text.replace("x1", "x₁").replace("x2", "x₂")


def probability_text(p: float) -> str:
    """ "0.431" of a probability, as every renderer and the narration write it: three decimals,
    more where three would round it to 0 or 1 (a sure answer is not called certain), and
    "2.1×10⁻⁷" past that."""
    for places in range(3, 7):
        text = fmt_fixed(p, places)
        if 0 < float(text.replace("−", "-")) < 1 or p in (0.0, 1.0):
            return text
    return fmt_value(p) if p < 0.5 else f"1 − {fmt_value(1 - p)}"


def heatmap_transposed(layers, index: int) -> bool:
    """Whether weight matrix ``index`` (shape inputs x outputs) is drawn transposed, so that each
    row is one unit of its hidden side, as in the seed: the first matrix's targets, the last one's
    sources. A matrix with no hidden side, or two, puts its longer side in rows."""
    last = len(layers) - 2
    if 0 == index < last:
        return True
    if 0 < index == last:
        return False
    return layers[index] < layers[index + 1]


def weight_text(w: float, places: int = 2, plus: bool = False) -> str:
    """A weight as every readout writes it: "0" for exactly 0 (L1's zeros: no sign, no
    decimals), else ``places`` decimals ("0.00" is a weight that is not 0, only small)."""
    return "0" if w == 0 else fmt_fixed(w, places, plus)


def heatmap_cell_text(w: float) -> str:
    """A cell's value, signed ("+0.42", "−0.42"), so its sign reads without its colour; "0" for
    exactly 0."""
    return weight_text(w, 2, plus=True)


ZERO_WEIGHT_KEY = "w = 0"  # the legend's entry for the dotted grey edge (palette.ZERO_DASH)


def zero_weight_key(history) -> str:
    """The network legend's entry for a zero weight's edge: ZERO_WEIGHT_KEY on a run with any
    weight exactly 0 at some step (History.has_zero_weights), else "" (no entry)."""
    return ZERO_WEIGHT_KEY if history.has_zero_weights else ""


def log_tick_text(value: float) -> str:
    """1, 10, 0.1, 0.01 as written; beyond, 10⁴ and 10⁻³ (both renderers' log ticks)."""
    from .numbers import superscript

    p = int(round(np.log10(value)))
    return f"{value:g}" if -2 <= p <= 3 else f"10{superscript(p)}".replace("-", "−")


def log_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Powers of ten from low to high, every other one (or sparser) when there are many."""
    first, last = int(round(np.log10(low))), int(round(np.log10(high)))
    step = max(1, int(np.ceil((last - first + 1) / most)))
    return [10.0 ** p for p in range(first, last + 1, step)]


def shown_indices(width: int, max_shown: int) -> tuple[list[int], int]:
    """Which neurons of a layer are drawn, and the slot where the ellipsis goes (-1 if none)."""
    if width <= max_shown:
        return list(range(width)), -1
    head = max_shown - 2  # keep room for the ellipsis and the last neuron
    return list(range(head)) + [width - 1], head


def network_layout(layers, max_shown: int = 10) -> NetworkLayout:
    layers = tuple(layers)
    neurons, edges, ellipses = [], [], []
    for l, width in enumerate(layers):
        indices, dots_slot = shown_indices(width, max_shown)
        slots = len(indices) + (dots_slot >= 0)
        top = (slots - 1) / 2
        column = []
        for k, index in enumerate(indices):
            slot = k + (1 if 0 <= dots_slot <= k else 0)
            column.append(Neuron(l, index, float(l), top - slot, neuron_label(layers, l, index)))
        if dots_slot >= 0:
            ellipses.append(Ellipsis(l, float(l), top - dots_slot, width - len(indices)))
        neurons.append(column)
    for l in range(len(layers) - 1):
        edges += [Edge(l, a.index, b.index, a, b) for a in neurons[l] for b in neurons[l + 1]]
    return NetworkLayout(layers, neurons, edges, ellipses)


# -- what the bar panels and the contributions panel show, in both renderers ------------------
MAX_WEIGHT_BARS = 24  # more weights than this: one bar per weight matrix (its gradient's norm)


@dataclass(frozen=True)
class Bar:
    label: str
    layer: int
    i: int | None = None  # a weight's row, or None for a whole matrix
    j: int | None = None  # a weight's column, or a bias's unit


def bias_bars(layout: NetworkLayout) -> list[Bar]:
    """One bar per bias of a unit the diagram draws (wide layers: the same units as its ellipsis)."""
    return [Bar(n.label, l - 1, None, n.index) for l, column in enumerate(layout.neurons) if l > 0
            for n in column]


def gradient_bars(layers) -> list[Bar]:
    """∂L/∂w bars: one per weight in a small network; one per weight matrix (the norm of its
    gradient) once there are more than MAX_WEIGHT_BARS weights, where single bars would be hairs."""
    layers = tuple(layers)
    count = sum(a * b for a, b in zip(layers[:-1], layers[1:]))
    if count <= MAX_WEIGHT_BARS:
        return [Bar(weight_label(layers, l, i, j), l, i, j) for l in range(len(layers) - 1)
                for i in range(layers[l]) for j in range(layers[l + 1])]
    return [Bar(f"‖∂L/∂W{l + 1}‖", l) for l in range(len(layers) - 1)]


def gradient_values(bars: list[Bar], grad_weights) -> np.ndarray:
    """The bars' values: a weight's ∂L/∂w, or a matrix's ‖∂L/∂W‖ (Frobenius norm)."""
    return np.array([grad_weights[b.layer][b.i, b.j] if b.i is not None
                     else np.linalg.norm(grad_weights[b.layer]) for b in bars])


def contribution_curves(state, layout: NetworkLayout, output: int = 0) -> list[tuple[str, int | None, np.ndarray]]:
    """(label, unit index or None, values on the grid) for each last-hidden unit the diagram
    draws, then one curve summing the units behind its ellipsis ("other N units"), so that the
    curves plus the bias of ``output`` always add up to its z (the prediction, or a logit)."""
    if len(layout.layers) < 3:
        return []
    parts = state.contributions(output)  # (G, H)
    shown = [n.index for n in layout.neurons[-2]]
    curves = [(n.label, n.index, parts[:, n.index]) for n in layout.neurons[-2]]
    hidden = np.setdiff1d(np.arange(parts.shape[1]), shown)
    if hidden.size:
        curves.append((f"other {hidden.size} units", None, parts[:, hidden].sum(axis=1)))
    return curves


def contribution_styles(history, layout: NetworkLayout, theme):
    """The style of each contribution curve (``palette.unit_styles``), ranked by the units' largest
    |contribution| at the last epoch, the trained network each renderer explains."""
    curves = contribution_curves(history.at_epoch(history.epochs), layout)
    return unit_styles([float(np.abs(values).max()) if index is not None else None for _, index, values in curves],
                       theme)


# -- the loss panel's words ----------------------------------------------------------------------
LOSS_LEGEND = ("train", "test")  # the training curve (solid) and the held-out points' (dashed)


def switch_text(activation: str, unit: str = "each unit", short: bool = False) -> str:
    """What the contributions' ▲ marks are, for the activation: where the unit's z = 0
    (History.switch_points), which a ReLU switches on at but a tanh or a sigmoid only crosses
    its centre: "where each unit switches on", "each unit's centre (z = 0)"; ``short`` (the GIF's
    title line): "where a unit switches", "a unit's centre"."""
    on, zero = ("", "") if short else (" on", " (z = 0)")
    return {"relu": f"where {unit} switches{on}", "leaky_relu": f"where {unit} bends{zero}",
            "tanh": f"{unit}'s centre{zero}", "sigmoid": f"{unit}'s middle{zero}"}[activation]


PENALTY_NOTE = "data loss, no penalty"  # History.loss of a run with l1/l2: the penalty is apart


def loss_note(history) -> str:
    """What the plotted loss is, when it could be mistaken: History.loss is the data's loss on
    the training points over the full set, once per epoch. With l1/l2 the penalty is not in it;
    with minibatches it is not a batch's loss. "" for a plain full-batch run. Its parts are
    joined by "; "."""
    words = []
    if history.problem.penalised:
        words.append(PENALTY_NOTE)
    if history.steps > 1:
        words.append("full training loss per epoch")
    return "; ".join(words)


# -- the clock, as both renderers' counters write it ----------------------------------------
def steps_done(state) -> int | None:
    """The steps of its epoch a State has taken (a tween: the one it is part through is not
    counted yet, as the epoch counter shows e through epoch e's update); None for full batch."""
    steps = getattr(state, "steps", 1)
    return None if steps <= 1 else int(state.epoch_step[1])


def step_text(state, last_epoch: int | None = None) -> str:
    """ "step 3 / 7" for a run of 7 steps an epoch: 3 of the epoch's steps done; "" for full
    batch, and at ``last_epoch`` (the last epoch recorded takes no steps)."""
    done = steps_done(state)
    if done is None or (last_epoch is not None and state.epoch_step[0] >= last_epoch):
        return ""
    return f"step {done} / {state.steps}"


def clock_text(state, last_epoch: int | None = None, epochs: int | None = None) -> str:
    """The epoch (and step) on screen: "Epoch 12 / 100 · step 3 / 7", "Epoch 12 / 100" for full
    batch ("Epoch 12" without ``epochs``). The epoch is the last whole one reached."""
    epoch = int(np.floor(state.epoch + 1e-6))
    said = f"Epoch {epoch}" + (f" / {epochs}" if epochs is not None else "")
    step = step_text(state, last_epoch)
    return f"{said} · {step}" if step else said
