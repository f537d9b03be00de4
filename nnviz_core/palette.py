"""The one palette both renderers use.

Weights and gradients share one diverging map (matplotlib's coolwarm, as in the seed, or berlin
on the dark theme: blue for negative, red for positive) and each kind has one norm, symmetric
around 0 and fixed over the whole History, so a colour means the same value in every frame.
Named colours come from a Theme, which travels with what a renderer is given: a Palette
carries one (``Palette.for_history(history, THEMES["dark"])``), and every helper that picks a
colour takes the theme. There is no current theme to set.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .colormaps import MAPS

@dataclass(frozen=True)
class Theme:
    """Every named colour of both renderers, for one background. Text colours keep a WCAG
    contrast of at least 4.5:1 against the background, and curve and edge colours 3:1 (a test
    computes it); the weight map is the same on both, so its colours keep their sign."""
    name: str
    background: str  # the video's canvas
    figure: str  # the GIF's figure and axes
    ink: str  # text and axes
    muted_ink: str
    grid: str
    input_neuron: str
    hidden_neuron: str
    output_neuron: str
    backward_flow: str
    data_points: str
    prediction: str
    loss_curve: str
    loss_marker: str
    signal: str  # forward pulses: they read on any edge colour
    other_units: str  # the sum of the units behind an ellipsis
    output_bias: str  # the flat line of the output bias
    # Contribution curves: eight well-separated hues (CIE76 ΔE >= 25 from each other, the greys and
    # the weight map's ends; a test computes it), shared by each curve and the tab on its neuron.
    # Past eight units the largest eight get them and the rest are drawn thin and dashed in ink.
    unit_colours: tuple
    # Classes of 2-D data (Okabe-Ito, safe for colour blindness), each with a marker shape too
    # (nnviz_core.plane): the points, the decision regions and the output units' maps.
    class_colours: tuple = ("#e69f00", "#0072b2", "#009e73", "#cc79a7")
    accuracy: str = "#1a7f37"  # a classification's accuracy curve, beside the loss (layout.ACCURACY_AXIS)
    test_loss: str = "#c45200"  # the held-out points' loss (and accuracy) curve, dashed, beside the training one
    # The weight map: blue for negative, red for positive, pale (light) or dark (dark) at zero.
    cmap: str = "coolwarm"
    # The weakest edge or ring still reads at this contrast (WCAG ratio) on the background: the
    # map's colours are raised to it (``visible_rgb``). Coolwarm's pale middle keeps the seed's look.
    edge_contrast: float = 1.0
    data_alpha: float = 0.3  # the GIF's data points: the seed's 0.3 on white
    # An edge whose weight is exactly 0 (L1 stops weights there): a neutral grey, dotted
    # (``Palette.edge_styles``), at 3:1 on the background like every edge (a test computes it).
    zero_edge: str = "#85858a"
    neuron_names: tuple = ("sky blue", "light green", "salmon")  # input, hidden, output, in words
    # The loss landscape (nnviz_core.landscape): the surface on a sequential map, the same on both
    # themes (the plot is its own background); a single run's path in this core (``path_strokes``).
    landscape_cmap: str = "viridis"
    path: str = "#ffffff"


THEMES = {
    # The seed's colours (matplotlib names: skyblue, lightgreen, salmon, purple, blue, red) on a
    # light canvas, like the GIF, so colours read the same and hold up on a projector.
    "light": Theme("light", background="#fbfaf6", figure="#ffffff", ink="#1d1d1f", muted_ink="#6b6b70",
                   grid="#e4e2dc", input_neuron="#87ceeb", hidden_neuron="#90ee90", output_neuron="#fa8072",
                   backward_flow="#800080", data_points="#0000ff", prediction="#ff0000", loss_curve="#0000ff",
                   loss_marker="#ff0000", signal="#3a3a40", other_units="#808086", output_bias="#4d4d52",
                   unit_colours=("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#5a8f00", "#a6761d", "#0087a8",
                                 "#8c564b")),
    # For dark rooms: light ink, deeper neuron fills (their names are light), brighter curves.
    "dark": Theme("dark", background="#16161a", figure="#16161a", ink="#ececf0", muted_ink="#a6a6ad",
                  grid="#2e2e35", input_neuron="#2f6f8f", hidden_neuron="#2e6b33", output_neuron="#9a4236",
                  backward_flow="#d59bff", data_points="#7fb2ff", prediction="#ff5c5c", loss_curve="#7fb2ff",
                  loss_marker="#ff5c5c", signal="#d8d8e0", other_units="#9a9aa2", output_bias="#c4c4cc",
                  unit_colours=("#ff8a3d", "#3ccf9e", "#d08cff", "#ff6fb5", "#a6d854", "#e0b04a", "#4fc3d4",
                                "#f0e442"), class_colours=("#e69f00", "#56b4e9", "#2fbf8f", "#e08fc0"),
                  accuracy="#6fd08c", test_loss="#ff9d4d", cmap="berlin", edge_contrast=3.0, data_alpha=0.6,
                  zero_edge="#8e8e95",
                  neuron_names=("teal", "green", "rust")),
}
DEFAULT_THEME = "light"


_LUT_SIZE = 256


@functools.lru_cache(maxsize=None)
def _lut(cmap: str) -> np.ndarray:
    return np.array([hex_rgb("#" + colour) for colour in MAPS[cmap]])


@dataclass(frozen=True)
class SymmetricNorm:
    """Maps [-vmax, vmax] onto [0, 1], with 0 at 0.5; values beyond vmax are clipped."""
    vmax: float

    def __call__(self, values):
        vmax = self.vmax if self.vmax > 0 else 1.0
        return np.clip(0.5 + 0.5 * np.asarray(values, float) / vmax, 0.0, 1.0)


def diverging_rgb(values, norm: SymmetricNorm, theme: Theme) -> np.ndarray:
    """RGB in [0, 1], shape values.shape + (3,), as matplotlib draws ``theme``'s map."""
    idx = (norm(values) * _LUT_SIZE).astype(int)  # the same binning as a matplotlib Colormap
    return _lut(theme.cmap)[np.clip(idx, 0, _LUT_SIZE - 1)]


def sequential_colours(theme: Theme) -> np.ndarray:
    """(256, 3): the theme's sequential map (the landscape's), for a colour bar."""
    return _lut(theme.landscape_cmap)


def sequential_rgb(values, low: float, high: float, log: bool, theme: Theme) -> np.ndarray:
    """RGB in [0, 1], values.shape + (3,): ``values`` on ``theme``'s sequential map from ``low``
    to ``high`` (in log10 when ``log``), binned as matplotlib bins it. The scale is meant to hold
    every value (landscape.scale does); anything past it takes the end colour, and what is not
    finite (or not positive on a log scale) the theme's muted ink."""
    v = np.asarray(values, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((np.log10(v) - np.log10(low)) / (np.log10(high) - np.log10(low)) if log
             else (v - low) / ((high - low) or 1.0))
    idx = np.clip(np.nan_to_num(t * _LUT_SIZE, nan=0.0, posinf=_LUT_SIZE, neginf=0.0).astype(int), 0, _LUT_SIZE - 1)
    rgb = _lut(theme.landscape_cmap)[idx]
    return np.where(np.isfinite(t)[..., None], rgb, hex_rgb(theme.muted_ink))


# A path over the landscape is three strokes: its core, a casing and an edge, the casing and the
# edge these two, so the path reads on every colour of the map (one of them at least 4:1 against
# each: a test computes it) and its core against its casing.
PATH_LIGHT, PATH_DARK = "#ffffff", "#1d1d1f"
CONTOUR_ALPHA = 0.45  # the landscape's contour lines: thin, in PATH_LIGHT


def path_strokes(core: str) -> tuple[str, str]:
    """(casing, edge) of a path whose core is ``core``: the casing is whichever of PATH_LIGHT and
    PATH_DARK contrasts more with the core, the edge the other."""
    if contrast(core, PATH_DARK) >= contrast(core, PATH_LIGHT):
        return PATH_DARK, PATH_LIGHT
    return PATH_LIGHT, PATH_DARK


def to_hex(rgb) -> str:
    r, g, b = (int(round(float(c) * 255)) for c in rgb[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def luminance(rgb) -> float:
    """Relative luminance (WCAG) of an sRGB colour in [0, 1]."""
    c = np.asarray(rgb, float)[:3]
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5)])


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours given as #rrggbb."""
    la, lb = (luminance(hex_rgb(c)) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@functools.lru_cache(maxsize=None)
def _visible_share(cmap: str, background: str, sign: int, floor: float) -> float:
    """The smallest share of the map's half, from its centre toward ``sign``'s end, whose colour
    reaches contrast ``floor`` against ``background``."""
    lut, back = _lut(cmap), luminance(hex_rgb(background))
    for step in range(_LUT_SIZE // 2):
        lum = luminance(lut[_LUT_SIZE // 2 + sign * step - (sign < 0)])
        if (max(lum, back) + 0.05) / (min(lum, back) + 0.05) >= floor:
            return step / (_LUT_SIZE // 2)
    return 1.0


def visible_rgb(values, norm: SymmetricNorm, theme: Theme, background: str | None = None) -> np.ndarray:
    """The map's colours of ``values``, with the weakest raised to the first colour of their sign
    that reaches the theme's ``edge_contrast`` against the background (on berlin, dark at 0, small weights would
    vanish into a dark canvas). Stronger values keep their colour; 0 is muted ink."""
    values = np.asarray(values, float)
    share = 2 * norm(values) - 1  # signed |v| / vmax
    background = background or theme.background
    if theme.edge_contrast <= 1.0:
        return diverging_rgb(values, norm, theme)
    floor = np.where(share > 0, *(_visible_share(theme.cmap, background, sign, theme.edge_contrast)
                                  for sign in (1, -1)))
    lifted = np.sign(share) * np.maximum(np.abs(share), floor)
    return np.where((share == 0)[..., None], hex_rgb(theme.muted_ink), diverging_rgb(lifted, UNIT_NORM, theme))


def text_color_on(rgb) -> str:
    """Black or white, whichever contrasts more with a cell of colour ``rgb``."""
    return "#000000" if luminance(rgb) > 0.179 else "#ffffff"


# Line widths in points, as the GIF draws them (each renderer scales them to its own unit):
EDGE_WIDTH = (0.5, 6.0)  # an edge for |w| near 0 (exactly 0: ZERO_EDGE_WIDTH) and for |w| >= the run's largest
RING_WIDTH = (0.6, 4.5)  # the same for the ring a bias draws around its neuron


# A weight of exactly 0 belongs to no sign: its edge is thin, dotted and in the theme's zero_edge
# grey, in both renderers, never a hair of a sign's colour (which reads as "small", not "zero").
# Only the exact 0 of the state drawn counts: a tween between a step at 0 and one away from it
# holds the value in between, not 0.
ZERO_EDGE_WIDTH = 1.2  # points
ZERO_DASH = (2.5, 2.5)  # a dash and the gap after it, in points


def zero_weights(values) -> np.ndarray:
    """Where ``values`` are exactly 0 (either sign of zero): the edges drawn as zero."""
    return np.asarray(values, float) == 0


@dataclass(frozen=True)
class EdgeStyles:
    """How edges of some weights are drawn: rgb (n, 3) in [0, 1], width (n,) in points (each
    renderer scales them to its own unit) and zero (n,) bool: dotted in the zero grey."""
    rgb: np.ndarray
    width: np.ndarray
    zero: np.ndarray


def edge_width(weight, norm: SymmetricNorm, thinnest: float, thickest: float):
    """Line width growing with |w|, capped at ``thickest`` for |w| >= vmax."""
    strength = np.abs(2 * norm(weight) - 1)  # |w| / vmax, clipped to [0, 1]
    return thinnest + (thickest - thinnest) * strength


UNIT_NORM = SymmetricNorm(1.0)


def sign_rgb(values, theme: Theme) -> np.ndarray:
    """The map's two end colours by sign (grey for 0): for bars, whose height shows the size."""
    return diverging_rgb(np.sign(values), UNIT_NORM, theme)


@dataclass(frozen=True)
class Palette:
    """What a renderer draws one History with: the theme, and the fixed norms for weights,
    gradients and biases (far smaller than weights)."""
    theme: Theme
    weights: SymmetricNorm
    grads: SymmetricNorm
    biases: SymmetricNorm

    @classmethod
    def for_history(cls, history, theme: Theme) -> "Palette":
        return cls.shared([history], theme)

    @classmethod
    def shared(cls, histories, theme: Theme) -> "Palette":
        """One scale for runs shown side by side, so the same weight looks the same in each: the
        largest over the runs that did not diverge (a diverged run's edges saturate), as the
        comparison's shared loss axis does."""
        calm = [h for h in histories if h.diverged_at is None] or list(histories)
        return cls(theme, *(SymmetricNorm(max(h.largest(name) for h in calm))
                            for name in ("weights", "grad_weights", "biases")))

    def weight_rgb(self, w):
        return diverging_rgb(w, self.weights, self.theme)

    def edge_rgb(self, w, background: str | None = None):
        """An edge's colour: the weight map's, kept visible (``visible_rgb``)."""
        return visible_rgb(w, self.weights, self.theme, background)

    def edge_styles(self, weights, background: str | None = None) -> EdgeStyles:
        """Each edge's colour, width (points) and whether it is a zero's: the one decision both
        renderers draw edges by. A nonzero weight has the map's colour, kept visible, and a width
        growing with |w|; an exact 0 the theme's zero_edge grey, ZERO_EDGE_WIDTH, dotted."""
        w = np.asarray(weights, float).reshape(-1)
        zero = zero_weights(w)
        rgb = np.where(zero[:, None], hex_rgb(self.theme.zero_edge), self.edge_rgb(w, background).reshape(-1, 3))
        width = np.where(zero, ZERO_EDGE_WIDTH, edge_width(w, self.weights, *EDGE_WIDTH))
        return EdgeStyles(rgb, width, zero)

    def ring_rgb(self, b):
        """A bias ring's colour: the map's on the bias norm, kept visible."""
        return visible_rgb(b, self.biases, self.theme)

    def grad_rgb(self, g):
        return diverging_rgb(g, self.grads, self.theme)

    def bias_rgb(self, b):
        return diverging_rgb(b, self.biases, self.theme)

    def sign_rgb(self, values):
        return sign_rgb(values, self.theme)

    def unit_rgb(self, values):
        """Values in [-1, 1] on the map (legend swatches)."""
        return diverging_rgb(values, UNIT_NORM, self.theme)

    def unit_colour(self, k: int) -> str:
        return unit_colour(k, self.theme)



DEAD_ALPHA = 0.3  # dead units are drawn faded


def neuron_fills(theme: Theme, layer_count: int) -> list[str]:
    """Each layer's neuron fill, input to output."""
    return [theme.input_neuron] + [theme.hidden_neuron] * (layer_count - 2) + [theme.output_neuron]


def run_colours(count: int, theme: Theme) -> list[str]:
    """A comparison's runs, one colour each: the first unit colours."""
    return [unit_colour(k, theme) for k in range(count)]


def unit_colour(k: int, theme: Theme) -> str:
    colours = theme.unit_colours
    return colours[k % len(colours)]


@dataclass(frozen=True)
class UnitStyle:
    colour: str
    minor: bool  # past the palette's size: drawn thin and dashed, in ink


def unit_styles(peaks, theme: Theme) -> list[UnitStyle]:
    """One style per contribution curve, given each curve's largest |contribution| (None for the
    "other units" curve): the largest units take the palette's colours, in diagram order, so no
    two coloured curves share a colour; the rest are minor."""
    colours, t = theme.unit_colours, theme
    units = [k for k, peak in enumerate(peaks) if peak is not None]
    coloured = sorted(sorted(units, key=lambda k: -peaks[k])[:len(colours)])
    styles, given = [], iter(colours)
    for k, peak in enumerate(peaks):
        if peak is None:
            styles.append(UnitStyle(t.other_units, False))
        else:
            styles.append(UnitStyle(next(given), False) if k in coloured else UnitStyle(t.ink, True))
    return styles


# Held-out points (test_fraction): the training points' colour and shape rule, drawn hollow
# (outline only), so the points the network never trains on read apart from the ones it does.
# The outline's width in each renderer's own units; the caption each data panel shows with them.
HELD_OUT_CAPTION = "hollow: held out"
HELD_OUT_EDGE_POINTS = 1.6  # matplotlib: the marker edge, in points
HELD_OUT_STROKE = 3.0  # manim: the outline's stroke width
# On the plane (region or ŷ colours behind, which a point's own colour may match) the ring is
# edged in ink on both sides, as a training point is: this much ink, in each renderer's units.
HELD_OUT_INK_POINTS = 0.6
HELD_OUT_INK_STROKE = 1.5
