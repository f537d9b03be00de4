"""The loss landscape around a run, and the run's real path across it, after Li et al. 2018,
"Visualizing the Loss Landscape of Neural Nets", section 7. Both renderers draw from here.

**The parameters.** Every weight and bias of the network is one coordinate of a vector θ (each
layer's weights, then each layer's biases: ``optim.flat``'s order). The run's *path* is θ at each
of its moments: every epoch for full batch, every step for minibatches (what the clock shows), or
evenly spaced epochs when that many vectors would take more than PATH_BYTES (``Landscape.sampled``;
the point drawn for the clock is always the projection of the State itself).

**The plane** passes through the final parameters θ_f (a comparison: the first run's) and is
spanned by the two principal directions of the path's displacements θ_t − θ_f: the top two right
singular vectors d1, d2 of the matrix D whose rows are θ_t − θ_f. D is not centred on its mean
(sklearn's PCA, which Li et al. use, would centre it): the plane must pass through θ_f, and of all
planes through θ_f this one lies closest to the path, in least squares. So its share,
``explained`` = (s1² + s2²) / Σ s², is exactly the share of Σ‖θ_t − θ_f‖² that the path's
projections keep, and 1 − explained is what the picture leaves out.

**The surface** is L(a, b) = loss(θ_f + a·d1 + b·d2) on a GRID_SIDE x GRID_SIDE grid over a square
(one scale on both axes: distances on the plane are distances between parameter vectors) that
holds the whole path with MARGIN to spare. The loss is training's own on its training points,
plus the penalty when the run has one (what training minimised: ``surface_name`` says which).

**The path's points are projections.** Moment t is drawn at c_t = (θ_t − θ_f)·[d1 d2]; the
surface there is the loss of θ_f + c_t·[d1 d2], which is the loss of θ_t only when θ_t lies in
the plane. So each point sits on the surface (its colour there is the surface's), and training's
own loss (``RunPath.real``: h.loss at its epochs) is given beside it; where the two differ, the
plane leaves something out, and the renderers say so. At the final moment c = 0 and the surface
there is training's final loss exactly.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .errors import NnvizError
from .layout import LossAxis, loss_axis
from .model import ACTIVATION_FUNCS, forward
from .optim import flat, unflat
from .plane import zero_contour

GRID_SIDE = 41  # surface points on each side: 1,681 networks, evaluated at once
MARGIN = 0.2  # of the path's larger extent, added on every side
PATH_BYTES = 16e6  # the path's parameter vectors; past this, epochs are sampled (a 1-64-64-1 net: 459)
CHUNK_FLOATS = 4e6  # a batch of surface networks holds at most this many activations at once
CLOSE = 0.01  # a projection's loss within this share of training's reads as "close"
_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # history -> Landscape
_shared: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # first history -> {runs: Landscape}


@dataclass(frozen=True)
class RunPath:
    """One run's path on the plane, at its moments (``times``: clock times e + s/steps)."""
    times: np.ndarray  # (m,)
    coords: np.ndarray  # (m, 2): each moment's parameters projected on the plane
    real: np.ndarray  # (m,): training's loss there (+ penalty); at whole epochs h.loss[e] (+ h.penalty[e])
    on_plane: np.ndarray  # (m,): the surface at coords: the loss of the projected parameters
    explained: float  # the share of this run's Σ‖θ_t − θ_f‖² its projections keep

    def upto(self, t: float) -> int:
        """How many of the moments are at or before clock time t."""
        return int(np.searchsorted(self.times, t + 1e-9, side="right"))


@dataclass(frozen=True, eq=False)
class Landscape:
    origin: np.ndarray  # (P,): θ_f, the plane's centre
    directions: np.ndarray  # (2, P): d1, d2, orthonormal
    explained: np.ndarray  # (2,): each direction's share of Σ‖θ_t − θ_f‖² over every path given
    paths: tuple  # a RunPath per run
    a_span: tuple  # the plot's range along d1 (equal in length to b_span)
    b_span: tuple
    problem: object  # the training points and the loss every run shares
    layers: tuple
    sampled: bool  # the path's moments are evenly spaced epochs, not every one
    centre_name: str = ""  # a comparison: whose final parameters the plane is centred on
    steady: tuple = (0,)  # the runs (of paths) that did not diverge: the plane, the range and the scale are theirs

    # -- the plane ----------------------------------------------------------------------------
    @property
    def share(self) -> float:
        """The share of the path's spread about θ_f that the plane holds."""
        return float(self.explained.sum())

    def project(self, state) -> np.ndarray:
        """(2,): a State's parameters on the plane."""
        return (params_of(state) - self.origin) @ self.directions.T

    def parameters(self, coords) -> np.ndarray:
        """(P,) or (N, P): θ_f + a·d1 + b·d2."""
        return self.origin + np.asarray(coords, float) @ self.directions

    def loss_at(self, coords) -> float:
        """The surface at one point, exactly as training computes a loss: the loss (+ penalty)
        of the network θ_f + a·d1 + b·d2 (at (0, 0), θ_f itself)."""
        weights, biases = self._split(self.parameters(coords))
        p = self.problem
        value = p.loss.value(forward(p.X, weights, biases, p.activation)[1][-1], p.y)
        return value + p.penalty(weights) if p.penalised else value

    def _split(self, vector):
        like = [np.empty((a, b)) for a, b in zip(self.layers[:-1], self.layers[1:])]
        like += [np.empty((1, b)) for b in self.layers[1:]]
        parts = unflat(vector, like)
        return parts[:len(like) // 2], parts[len(like) // 2:]

    # -- the surface --------------------------------------------------------------------------
    @cached_property
    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """The grid's a (columns) and b (rows) values."""
        return np.linspace(*self.a_span, GRID_SIDE), np.linspace(*self.b_span, GRID_SIDE)

    @cached_property
    def surface(self) -> np.ndarray:
        """(GRID_SIDE, GRID_SIDE): L at every grid point, [row of b, column of a], b rising
        with the row (as the plane's images: a renderer flips the rows to draw b upward)."""
        a, b = self.axes
        coords = np.stack(np.meshgrid(a, b), axis=-1).reshape(-1, 2)
        return batch_losses(self, coords).reshape(GRID_SIDE, GRID_SIDE)

    @cached_property
    def scale(self) -> LossAxis:
        """The colour scale: it covers every finite value of the surface and every loss of the
        paths (training's and on the plane), so no colour is clipped; log when they span more
        than 20x (layout.loss_axis, as the loss plot). A diverged run's losses may pass it: its
        readout gives them."""
        values = np.concatenate([self.surface.ravel(),
                                 *(np.r_[self.paths[k].real, self.paths[k].on_plane] for k in self.steady)])
        values = values[np.isfinite(values)]
        axis = loss_axis(values)
        if axis.log:
            return axis
        # Linear: the values' own range, not the loss plot's from 0 (a surface of 1.07 to 1.14,
        # a 3-class run that barely learns, would otherwise be one colour with no contour line).
        low, high = float(values.min()), float(values.max())
        pad = 0.05 * (high - low) if high > low else 0.05 * abs(high) or 0.05
        return LossAxis(False, max(low - pad, 0.0), high + pad, ())

    @property
    def unfinite(self) -> int:
        """Grid points whose loss is not finite (drawn in grey, and said)."""
        return int((~np.isfinite(self.surface)).sum())

    def levels(self) -> list[float]:
        """The contour lines' losses: the colour bar's ticks, and on a log scale the half
        decades between them when it spans few decades."""
        s = self.scale
        if not s.log:
            return [float(v) for v in nice_levels(s.low, s.high) if s.low < v < s.high]
        first, last = np.log10(s.low), np.log10(s.high)
        step = 0.5 if last - first <= 4 else 1.0
        return [float(10 ** p) for p in np.arange(first + step, last, step)]

    def contours(self) -> list[tuple[float, np.ndarray]]:
        """(level, segments (m, 2, 2) in plane coordinates) for each contour line (marching
        squares on the grid, in log10 of the loss on a log scale)."""
        field = np.log10(np.maximum(self.surface, 1e-300)) if self.scale.log else self.surface
        field = np.where(np.isfinite(field), field, np.nanmax(np.where(np.isfinite(field), field, np.nan)))
        out = []
        for level in self.levels():
            units = zero_contour(field - (np.log10(level) if self.scale.log else level), (0.0, 1.0))
            if len(units):
                a = self.a_span[0] + units[..., 0] * (self.a_span[1] - self.a_span[0])
                b = self.b_span[0] + units[..., 1] * (self.b_span[1] - self.b_span[0])
                out.append((level, np.stack([a, b], axis=-1)))
        return out

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(left, right, bottom, top) of the plot: the grid's span and half a cell, so that each
        pixel of the surface's image is centred on its grid point."""
        a, b = self.axes
        half_a, half_b = (a[1] - a[0]) / 2, (b[1] - b[0]) / 2
        return a[0] - half_a, a[-1] + half_a, b[0] - half_b, b[-1] + half_b

    def inside(self, coords) -> bool:
        """Whether a point on the plane is inside the plot."""
        left, right, bottom, top = self.extent
        return bool(left <= coords[0] <= right and bottom <= coords[1] <= top)


# -- building it ---------------------------------------------------------------------------------
def params_of(state) -> np.ndarray:
    return flat([*state.weights, *state.biases])


def path_moments(history) -> tuple[list[tuple[int, int]], bool]:
    """The (epoch, step) moments a path is made of: every step (every epoch for full batch)
    and the last epoch; or, past PATH_BYTES, evenly spaced epochs with the first and the last,
    taken from the checkpoints when there are enough of them (no replay). The second value says
    whether they are sampled."""
    size = sum(a * b + b for a, b in zip(history.config.layers[:-1], history.config.layers[1:]))
    every = [(e, s) for e in range(history.epochs) for s in range(history.steps)] + [(history.epochs, 0)]
    most = max(int(PATH_BYTES // (8 * size)), 2)
    if len(every) <= most:
        return every, False
    checkpoints = [int(e) for e in history.checkpoint_epochs]
    candidates = checkpoints if len(checkpoints) >= most else list(range(history.epochs + 1))
    picks = np.unique(np.round(np.linspace(0, len(candidates) - 1, most)).astype(int))
    return [(candidates[k], 0) for k in picks], True


def path_parameters(history) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(times (m,), θ at each moment (m, P), training's loss (+ penalty) there (m,), sampled)."""
    moments, sampled = path_moments(history)
    rows, real = [], []
    for e, s in moments:
        state = history.at_step(e, s)
        rows.append(params_of(state))
        # At whole epochs training's own record; at a step between, the State's (the same computation)
        real.append(history.loss[e] + history.penalty[e] if s == 0 else state.total_loss)
    times = np.array([e + s / history.steps for e, s in moments])
    return times, np.array(rows), np.array(real), sampled


def principal_plane(displacements: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The top two right singular vectors of D (m, P), as orthonormal rows (2, P), and each one's
    share of ‖D‖² (s_k² / Σ s²). Found from the smaller Gram matrix (m x m or P x P): a run of a
    thousand moments of four thousand parameters takes a fraction of a second. When D has rank
    below 2 the missing directions are any orthonormal completion (their share is 0)."""
    D = np.asarray(displacements, float)
    m, P = D.shape
    total = float(np.sum(D * D))
    if m <= P:
        values, vectors = np.linalg.eigh(D @ D.T)  # D Dᵀ = U S² Uᵀ; d_k = Dᵀ u_k / s_k
        order = np.argsort(values)[::-1][:2]
        found = [D.T @ vectors[:, k] for k in order]
    else:
        values, vectors = np.linalg.eigh(D.T @ D)
        order = np.argsort(values)[::-1][:2]
        found = [vectors[:, k] for k in order]
    basis = []
    for v, value in zip(found, values[order]):
        if total > 0 and value > 1e-12 * total:
            basis.append(v)
    basis = orthonormal(basis, P)
    # Each direction's share, from the projections themselves (the SVD's s_k² to rounding).
    shares = np.sum((D @ basis.T) ** 2, axis=0) / total if total > 0 else np.array([1.0, 0.0])
    return basis, shares


def orthonormal(vectors, size: int) -> np.ndarray:
    """(2, size): ``vectors`` made orthonormal (Gram-Schmidt, twice for rounding), completed
    with unit vectors of the coordinates where they are smallest when fewer than two."""
    out: list[np.ndarray] = []
    candidates = list(vectors)
    k = 0
    while len(out) < min(2, size):
        if candidates:
            v = np.array(candidates.pop(0), float)
        else:
            v = np.zeros(size)
            weight = np.abs(np.sum(out, axis=0)) if out else np.zeros(size)
            v[np.argsort(weight, kind="stable")[k]] = 1.0
            k += 1
        for _ in range(2):
            for u in out:
                v = v - (v @ u) * u
        norm = np.linalg.norm(v)
        if norm > 1e-9:
            out.append(v / norm)
    while len(out) < 2:  # a network of one parameter: no plane to draw on
        out.append(np.zeros(size))
    return np.array(out)


def batch_losses(landscape: Landscape, coords: np.ndarray) -> np.ndarray:
    """(N,): the surface at many points at once, vectorised over the networks in chunks: the
    same forward pass and loss as ``Landscape.loss_at`` (equal to rounding)."""
    p, layers = landscape.problem, landscape.layers
    f, _ = ACTIVATION_FUNCS[p.activation]
    n = len(p.X)
    per = max(1, int(CHUNK_FLOATS // (n * max(layers))))
    out = np.empty(len(coords))
    weight_mask = np.zeros(landscape.origin.size, bool)
    weight_mask[:sum(a * b for a, b in zip(layers[:-1], layers[1:]))] = True
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, len(coords), per):
            theta = landscape.parameters(coords[start:start + per])  # (N, P)
            N, at = len(theta), 0
            weights, biases = [], []
            for a, b in zip(layers[:-1], layers[1:]):
                weights.append(theta[:, at:at + a * b].reshape(N, a, b))
                at += a * b
            for b in layers[1:]:
                biases.append(theta[:, at:at + b].reshape(N, 1, b))
                at += b
            act = p.X[None]  # (1, n, d0)
            for l, (w, b) in enumerate(zip(weights, biases)):
                z = act @ w + b  # (N, n, d_l) @ (N, d_l, d_l+1)
                act = z if l == len(weights) - 1 else f(z)
            d = act.shape[-1]
            points = p.loss.point_losses(act.reshape(N * n, d), np.broadcast_to(p.y[None], (N, n, d)).reshape(N * n, d))
            values = points.reshape(N, n).mean(axis=1)
            if p.penalised:
                w = theta[:, weight_mask]
                values = values + p.l2 * np.sum(w * w, axis=1) + p.l1 * np.sum(np.abs(w), axis=1)
            out[start:start + N] = values
    return out


def square_spans(coords: np.ndarray) -> tuple[tuple, tuple]:
    """A square over the points (m, 2), MARGIN of its side to spare on every side."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    centre, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2
    half = half * (1 + 2 * MARGIN) if half > 0 else 1.0
    return (float(centre[0] - half), float(centre[0] + half)), (float(centre[1] - half), float(centre[1] + half))


def landscape(history) -> Landscape:
    """The landscape of one run, centred on its final parameters (computed once per History)."""
    if history not in _cache:
        _cache[history] = build([history])
    return _cache[history]


def shared_landscape(histories, labels) -> Landscape:
    """Runs on one plane: the PCA of every run's path together, centred on the first run's final
    parameters (of the runs that did not diverge: see build). Only for runs of one network on one loss (the same data, architecture,
    activation and penalty); otherwise one line says what differs."""
    check_shared(histories, labels)
    key = (tuple(map(id, histories)), tuple(labels))
    made = _shared.setdefault(histories[0], {})
    if key not in made:  # computed once: the scene and its chapters each ask
        made[key] = build(list(histories), list(labels))
    return made[key]


def check_shared(histories, labels) -> None:
    first, name = histories[0], labels[0]
    for h, other in zip(histories[1:], labels[1:]):
        a, b = first.problem, h.problem
        differs = ("the network's layers" if tuple(first.config.layers) != tuple(h.config.layers)
                   else "the activation" if a.activation != b.activation
                   else "the training data" if (a.X.shape != b.X.shape or a.y.shape != b.y.shape
                                                or not np.array_equal(a.X, b.X) or not np.array_equal(a.y, b.y))
                   else "the penalty" if (a.l1, a.l2) != (b.l1, b.l2) else None)
        if differs:
            raise NnvizError(f"the landscape puts runs on one plane only when they share the network and the loss; "
                             f"{name} and {other} differ in {differs}: compare a setting such as optimizer, lr "
                             "or batch_size, or leave the landscape out")


def build(histories, names=None) -> Landscape:
    """The landscape of ``histories`` on one plane. A run that diverged (a comparison's) is drawn
    on the plane of the others and may leave the plot (its dot then waits on the edge, and says
    so): its exploding weights would otherwise be the only direction there is."""
    made = [path_parameters(h) for h in histories]
    steady = [k for k, h in enumerate(histories) if h.diverged_at is None] or list(range(len(histories)))
    first = histories[steady[0]]
    origin = params_of(first.at_epoch(first.epochs))
    displacements = np.concatenate([made[k][1] - origin for k in steady])
    directions, explained = principal_plane(displacements)
    # Signs: the first run starts on the left, and the path's farthest point off d1 lies above it.
    start = (made[steady[0]][1][0] - origin) @ directions.T
    if start[0] > 0:
        directions[0] = -directions[0]
    offs = displacements @ directions[1]
    if offs.size and offs[np.argmax(np.abs(offs))] < 0:
        directions[1] = -directions[1]
    centre_name = names[steady[0]] if names else ""
    shell = Landscape(origin, directions, explained, (), (0.0, 1.0), (0.0, 1.0), first.problem,
                      tuple(first.config.layers), any(s for *_, s in made), centre_name)
    paths = []
    for times, rows, real, _ in made:
        d = rows - origin
        coords = d @ directions.T
        kept = float(np.sum(coords ** 2) / np.sum(d * d)) if np.sum(d * d) > 0 else 1.0
        # Exact at every point (one forward pass each): the final moment's is training's loss bit for bit.
        with np.errstate(over="ignore", invalid="ignore"):
            on_plane = np.array([shell.loss_at(c) for c in coords])
        paths.append(RunPath(times, coords, real, on_plane, kept))
    a_span, b_span = square_spans(np.concatenate([paths[k].coords for k in steady]))
    return Landscape(origin, directions, explained, tuple(paths), a_span, b_span, first.problem,
                     tuple(first.config.layers), shell.sampled, centre_name, tuple(steady))


def on_edge(coords, a_span, b_span) -> np.ndarray:
    """Where a point beyond the box is shown: on its edge, in the point's direction from the
    box's centre (a point inside stays where it is)."""
    c = np.array([np.mean(a_span), np.mean(b_span)])
    half = np.array([a_span[1] - a_span[0], b_span[1] - b_span[0]]) / 2
    v = np.asarray(coords, float) - c
    with np.errstate(divide="ignore"):
        t = float(np.min(np.where(v != 0, half / np.abs(v), np.inf)))
    return c + min(t, 1.0) * v


def clipped(points: np.ndarray, a_span, b_span) -> list[np.ndarray]:
    """The polyline ``points`` (m, 2) cut to the box a_span x b_span: the pieces inside, each
    ending on the edge where the line leaves (Liang-Barsky per segment), so nothing runs along
    an edge and no point is moved."""
    lo, hi = np.array([a_span[0], b_span[0]]), np.array([a_span[1], b_span[1]])
    pieces, current = [], []
    for p, q in zip(points[:-1], points[1:]):
        t0, t1, d = 0.0, 1.0, q - p
        for k in range(2):
            if d[k] == 0:
                if not lo[k] <= p[k] <= hi[k]:
                    t0, t1 = 1.0, 0.0
                continue
            ta, tb = sorted(((lo[k] - p[k]) / d[k], (hi[k] - p[k]) / d[k]))
            t0, t1 = max(t0, ta), min(t1, tb)
        if t0 > t1:
            if current:
                pieces.append(np.array(current))
            current = []
            continue
        a, b = p + t0 * d, p + t1 * d
        if not current or t0 > 0:
            if current:
                pieces.append(np.array(current))
            current = [a]
        current.append(b)
        if t1 < 1:
            pieces.append(np.array(current))
            current = []
    if current:
        pieces.append(np.array(current))
    if len(points) == 1 and lo[0] <= points[0][0] <= hi[0] and lo[1] <= points[0][1] <= hi[1]:
        pieces.append(points[:1].copy())
    return pieces


# -- what both renderers draw and write ------------------------------------------------------------
PATH_WIDTHS = (1.8, 3.6, 5.4)  # points: a path's core, casing and edge (palette.path_strokes)
MARKER_SIZE = 9.0  # points: the moving dot of the moment shown, filled with training's loss


def axis_names(landscape: Landscape) -> tuple[str, str]:
    """ "direction 1 (87.7 %)": each axis with its share of the path's spread."""
    return tuple(f"direction {k + 1} ({share_text(s)})" for k, s in enumerate(landscape.explained))


def plane_words(landscape: Landscape, history) -> str:
    """Where the plane is and what it holds, one line."""
    whose = f" of {landscape.centre_name}" if landscape.centre_name else ""
    paths = "the paths'" if len(landscape.paths) > 1 else "the path's"
    return (f"plane through the final weights{whose} (epoch {history.epochs}): "
            f"it holds {share_text(landscape.share)} of {paths} spread")


MARKS_WORDS = ("□ the start, epoch 0", "× the plane's centre")
def pointers_words(problem) -> str:
    return f"▶ {real_name(problem)} at the dot   ▷ the plane's, under it"


def left_out_words(landscape: Landscape) -> str:
    """What the projection loses, one line (the renderers write it under the plane's words)."""
    if 1 - landscape.share <= 1e-9:  # a path of rank 2 or less (one epoch, say): nothing is lost
        return f"nothing lies off the plane: the map under the dot is {real_name(landscape.problem)}"
    return (f"the other {share_text(1 - landscape.share)} lies off the plane, so the map under the "
            f"dot can differ from {real_name(landscape.problem)}")


def share_text(share: float) -> str:
    """ "97.3 %": a share with one decimal, never rounded to a whole 100 % or a 0 % it is not
    ("> 99.9 %" and its rest "< 0.1 %"; a no-break space before the %, so no line breaks there)."""
    text = f"{100 * share:.1f}\u00a0%"
    if text == "100.0\u00a0%" and share < 1:
        return "> 99.9\u00a0%"
    return "< 0.1\u00a0%" if text == "0.0\u00a0%" and share > 0 else text


def real_name(problem) -> str:
    """What the dot and its readout give: "training's loss", or with a penalty "training's loss
    + penalty" (the surface's own quantity, so the two compare)."""
    return "training's loss + penalty" if problem.penalised else "training's loss"


def surface_name(problem) -> str:
    """What the surface's value is: "loss (mean squared error)", "loss + penalty"."""
    return "loss + penalty" if problem.penalised else f"loss ({problem.loss.name})"


def level_text(value: float, levels) -> str:
    """A linear colour bar's tick, with as many decimals as its step needs (0.0005 apart: 1.0675)."""
    step = float(levels[1] - levels[0]) if len(levels) > 1 else abs(float(value)) or 1.0
    text = f"{value:.{max(0, int(np.ceil(-np.log10(step) - 1e-9)))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def nice_levels(lo: float, hi: float, count: int = 5) -> np.ndarray:
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** np.floor(np.log10(raw))
    step = min((s * power for s in (1, 2, 5, 10)), key=lambda s: abs(s - raw))
    return np.arange(np.ceil(lo / step) * step, hi + 1e-9 * step, step)
