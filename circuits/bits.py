"""Register widths: the one bit-count rule of every circuit and bloq."""

from __future__ import annotations

import numbers


def bits_for(count):
    """⌈log2 count⌉ qubits to index ``count`` values, at least 1; symbolic counts (sympy) give
    Qualtran's symbolic ``ceil(log2(count))``."""
    if isinstance(count, numbers.Integral):
        return max(1, (int(count) - 1).bit_length())
    from qualtran.symbolics import ceil, log2

    return ceil(log2(count))


__all__ = ["bits_for"]
