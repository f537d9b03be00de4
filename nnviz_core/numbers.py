"""How numbers are written, in both renderers: a true minus sign, and no unreadable exponents
("1.8×10⁻⁵", never "1.8e-05")."""
from __future__ import annotations

import math

MINUS = "−"
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(n: int) -> str:
    return str(n).translate(_SUPERSCRIPTS)


def fmt_fixed(value: float, places: int = 3, plus: bool = False) -> str:
    """A fixed number of decimals, with a true minus sign: "−0.251" (or "+0.251" with ``plus``).
    Never "−0.000"; from 10⁵ up, three significant digits ("4.18×10⁵⁷"), not a wall of digits."""
    if not abs(value) < 1e5:
        text = fmt_value(value)
        return "+" + text if plus and value > 0 else text
    text = f"{value:.{places}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    elif plus and not text.startswith("-"):
        text = "+" + text
    return text.replace("-", MINUS)


def power_of_ten(value: float) -> int:
    """The exponent p with 10^p <= |value| < 10^(p+1) (0 for 0)."""
    value = abs(float(value))
    return 0 if value == 0 or not math.isfinite(value) else math.floor(math.log10(value))


def fmt_value(value: float, digits: int = 3) -> str:
    """About ``digits`` significant digits: plain decimals from 0.001 to 99999, else
    "1.8×10⁻⁵" / "2.4×10⁶"."""
    value = float(value)
    if not math.isfinite(value):
        return {math.inf: "∞", -math.inf: MINUS + "∞"}.get(value, "NaN")
    if value == 0:
        return "0"
    p = power_of_ten(value)
    if -3 <= p <= 4:
        places = max(digits - 1 - p, 0)
        return fmt_fixed(value, places)
    mantissa = value / 10 ** p
    if round(abs(mantissa), digits - 1) >= 10:  # 9.999 rounds up to the next power
        mantissa, p = mantissa / 10, p + 1
    text = f"{mantissa:.{digits - 1}f}".rstrip("0").rstrip(".")
    return f"{text}×10{superscript(p)}".replace("-", MINUS)


def fmt_loss(value: float) -> str:
    """A loss as the lecture and the dashboard print it: 4 decimals ("0.5625"), or 3
    significant digits where 4 decimals would hide it (below 0.001, or huge)."""
    value = float(value)
    if 1e-3 <= abs(value) < 1e5:
        return fmt_fixed(value, 4)
    return fmt_value(value)


def axis_scale(vmax: float) -> int:
    """The exponent p to write an axis in units of 10^p, so its largest value reads 1 to 999
    (0 when plain numbers from 0.1 to 999 already read well)."""
    p = power_of_ten(vmax)
    if -1 <= p <= 2:
        return 0
    return 3 * math.floor(p / 3)


def axis_places(vmax: float) -> int:
    """Decimals for values on an axis whose largest value is ``vmax``: two significant digits
    of the largest, at least."""
    return max(0, 1 - power_of_ten(vmax))
