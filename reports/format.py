"""Numbers for people: counts in scientific notation, runtimes in human units.

Formatting only; every value comes from a typed result.
"""

from __future__ import annotations

import math

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sci(value: float | int | None, digits: int = 3, plain_below: float = 1e5) -> str:
    """1.88 × 10²⁰ for large or small magnitudes, 12,345 or 0.25 otherwise; '—' for None."""
    if value is None:
        return "—"
    x = float(value)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < plain_below:
        if float(x).is_integer():
            return f"{int(x):,}"
        return f"{x:.{digits}g}"
    exponent = math.floor(math.log10(abs(x)))
    mantissa = x / 10**exponent
    if round(mantissa, digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f} × 10{str(exponent).translate(SUPERSCRIPT)}"


def duration(seconds: float | None) -> str:
    """The estimators' words for a runtime (:func:`qmlc.estimators.human.human_duration`:
    "41 s", "7.53 hours", "5,214 years"), with 10ⁿ notation past 10¹² years; '—' for None."""
    from qmlc.estimators.human import YEAR, human_duration

    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds / YEAR >= 1e12:
        return f"{sci(seconds / YEAR)} years"
    return human_duration(seconds)


def byte_size(size: int) -> str:
    """412 KB, 1.3 MB (powers of 1000, as file managers show them)."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"


def percent(share: float) -> str:
    if share >= 0.995 or share == 0:
        return f"{share:.0%}"
    if share >= 0.001:
        return f"{share:.1%}"
    return "< 0.1%"


__all__ = ["byte_size", "duration", "percent", "sci"]
