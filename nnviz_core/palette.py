"""The one palette both renderers use.

Weights and gradients share one diverging map (matplotlib's coolwarm, as in the seed: blue for
negative, red for positive) and each kind has one norm, symmetric around 0 and fixed over the
whole History, so a colour means the same value in every frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Named colours of the seed's dashboard (matplotlib names in comments).
INPUT_NEURON = "#87ceeb"  # skyblue
HIDDEN_NEURON = "#90ee90"  # lightgreen
OUTPUT_NEURON = "#fa8072"  # salmon
BACKWARD_FLOW = "#800080"  # purple
DATA_POINTS = "#0000ff"  # blue, drawn with alpha 0.3 in the GIF
PREDICTION = "#ff0000"  # red
LOSS_CURVE = "#0000ff"  # blue
LOSS_MARKER = "#ff0000"  # red
# Manim's canvas: light, like the GIF, so colours read the same and hold up on a projector.
BACKGROUND = "#fbfaf6"
INK = "#1d1d1f"  # text and axes
MUTED_INK = "#6b6b70"

CMAP_NAME = "coolwarm"
_LUT_SIZE = 256


def _coolwarm_lut() -> np.ndarray:
    from matplotlib import colormaps  # matplotlib is a core dependency; manim never needed

    return colormaps[CMAP_NAME](np.linspace(0, 1, _LUT_SIZE))[:, :3]


_LUT = _coolwarm_lut()


@dataclass(frozen=True)
class SymmetricNorm:
    """Maps [-vmax, vmax] onto [0, 1], with 0 at 0.5; values beyond vmax are clipped."""
    vmax: float

    def __call__(self, values):
        vmax = self.vmax if self.vmax > 0 else 1.0
        return np.clip(0.5 + 0.5 * np.asarray(values, float) / vmax, 0.0, 1.0)


def diverging_rgb(values, norm: SymmetricNorm) -> np.ndarray:
    """RGB in [0, 1], shape values.shape + (3,), exactly as matplotlib's coolwarm draws it."""
    idx = (norm(values) * _LUT_SIZE).astype(int)  # the same binning as a matplotlib Colormap
    return _LUT[np.clip(idx, 0, _LUT_SIZE - 1)]


def to_hex(rgb) -> str:
    r, g, b = (int(round(float(c) * 255)) for c in rgb[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def luminance(rgb) -> float:
    """Relative luminance (WCAG) of an sRGB colour in [0, 1]."""
    c = np.asarray(rgb, float)[:3]
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def text_color_on(rgb) -> str:
    """Black or white, whichever contrasts more with a cell of colour ``rgb``."""
    return "#000000" if luminance(rgb) > 0.179 else "#ffffff"


def edge_width(weight, norm: SymmetricNorm, thinnest: float, thickest: float):
    """Line width growing with |w|, capped at ``thickest`` for |w| >= vmax."""
    strength = np.abs(2 * norm(weight) - 1)  # |w| / vmax, clipped to [0, 1]
    return thinnest + (thickest - thinnest) * strength


UNIT_NORM = SymmetricNorm(1.0)


def sign_rgb(values) -> np.ndarray:
    """The map's two end colours by sign (grey for 0): for bars, whose height shows the size."""
    return diverging_rgb(np.sign(values), UNIT_NORM)


@dataclass(frozen=True)
class Palette:
    """The fixed norms for one History: weights, gradients, and biases (far smaller than weights)."""
    weights: SymmetricNorm
    grads: SymmetricNorm
    biases: SymmetricNorm

    @classmethod
    def for_history(cls, history) -> "Palette":
        return cls(*(SymmetricNorm(history.largest(name)) for name in ("weights", "grad_weights", "biases")))

    def weight_rgb(self, w):
        return diverging_rgb(w, self.weights)

    def grad_rgb(self, g):
        return diverging_rgb(g, self.grads)


# Contribution curves: one colour per unit the diagram draws, shared by the curve and the tab on
# its neuron. Chosen clear of the weight map's blue and red, each readable on the light canvas.
UNIT_COLOURS = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#17808f",
                "#8c564b", "#9467bd", "#b8860b")
OTHER_UNITS = "#8a8a8f"  # the sum of the units behind an ellipsis
OUTPUT_BIAS = "#4d4d52"  # the flat line of the output bias
DEAD_ALPHA = 0.3  # dead units are drawn faded


def unit_colour(k: int) -> str:
    return UNIT_COLOURS[k % len(UNIT_COLOURS)]
