"""Physical figures in the units a person reads: years, days, millions of qubits."""

from __future__ import annotations

import math

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
YEAR = 365.25 * DAY          # Julian year


def human_duration(seconds: float | None) -> str | None:
    """``"5,214 years"``, ``"3.2 days"``, ``"7.53 hours"``, ``"41 s"``; scientific past 10^12 years."""
    if seconds is None or not math.isfinite(seconds):
        return None
    if seconds < MINUTE:
        return f"{seconds:.3g} s"
    for unit, size in (("minutes", MINUTE), ("hours", HOUR), ("days", DAY)):
        if seconds < (HOUR if unit == "minutes" else DAY if unit == "hours" else YEAR):
            return f"{seconds / size:.3g} {unit}"
    years = seconds / YEAR
    if years < 10:
        return f"{years:.3g} years"
    if years < 1e12:
        return f"{years:,.0f} years"
    return f"{years:.3g} years"


def human_count(n: float | None) -> str | None:
    """``"400,000"``, ``"12.3 million"``, ``"4.1 billion"``; scientific past 10^15."""
    if n is None or not math.isfinite(n):
        return None
    if n < 1e6:
        return f"{n:,.0f}"
    for word, size in (("million", 1e6), ("billion", 1e9), ("trillion", 1e12)):
        if n < size * 1e3:
            return f"{n / size:.3g} {word}"
    return f"{n:.3g}"


__all__ = ["YEAR", "human_count", "human_duration"]
