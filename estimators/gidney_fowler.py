"""The Gidney–Fowler two-level CCZ→2T factory (Gidney & Fowler, "Efficient magic state factories
with a catalyzed |CCZ> to 2|T> transformation", Quantum 3:135 (2019), arXiv:1812.01238), with the
error and footprint formulas exactly as Qualtran 0.7's ``CCZ2TFactory`` evaluates them, vectorized
over the level distances (d1, d2). P(d) is the ``fowler-gidney`` rate per tile per code cycle.

- level 0 (injected T): p + 100·P(⌊d1/2⌋)
- level 1 (15-to-1):    35·e0³ + 1000·P(d1) (factory) + 100·P(d1) (moving the state)
- level 2 (CCZ):        28·e1² + 1000·P(d2), per CCZ state, i.e. per CCZ or per two T gates
- qubits: 6 level-1 factories and one level-2 factory of 4·8 tiles of 2d² each
- time: 5.5 distillation steps of max(2·d1 + 1, d2) cycles per CCZ state, plus one step per T
  pair for the catalysed CCZ→2T conversion (Qualtran's accounting).

Valid range: any p below the 1 % threshold, but with every distance → ∞ the level-2 error tends
to the distillation floor 28·(35·p³)² per CCZ state (3.43e-14 at p = 1e-3, 3.43e-20 at 1e-4):
N CCZ states need N·28·(35p³)² < budget, whatever the distances.
"""

from __future__ import annotations

import numpy as np

from qmlc.estimators.factories import FactoryDesigns
from qmlc.estimators.surface_code import FOWLER_GIDNEY, MAX_DISTANCE, MIN_DISTANCE, odd_distances

CITATION = ("Gidney & Fowler, Quantum 3:135 (2019), arXiv:1812.01238; formulas of Qualtran 0.7 "
            "CCZ2TFactory")
CCZ_DEPTH = 5.5       # distillation steps per CCZ state ("naive depth 8.5, overlapped to 5.5")


def distillation_floor(p: float) -> float:
    """Level-2 error per CCZ state with every distance → ∞: 28·(35·p³)²."""
    return 28 * (35 * p**3) ** 2


def level2_error(p: float, d1, d2):
    """Error per CCZ state (or T pair) of the factory with level distances (d1, d2)."""
    P = FOWLER_GIDNEY.rate
    d1 = np.asarray(d1)
    e0 = p + 100 * P(d1 // 2, p)
    e1 = 1000 * P(d1, p) + 100 * P(d1, p) + 35 * e0**3
    return 1000 * P(np.asarray(d2), p) + 28 * e1**2


def factory_qubits(d1, d2):
    return 6 * (4 * 8 * 2 * np.asarray(d1) ** 2) + 4 * 8 * 2 * np.asarray(d2) ** 2


def ccz2t_designs(p: float, l1=None, l2_max: int = MAX_DISTANCE) -> FactoryDesigns:
    """Every (d1, d2) with d1 in ``l1`` (default odd 3..97) and d1 < d2 ≤ ``l2_max``, odd."""
    l1 = odd_distances(MIN_DISTANCE, l2_max - 2) if l1 is None else np.asarray(l1)
    pairs = [(a, b) for a in l1 for b in range(int(a) + 2, l2_max + 1, 2)]
    return ccz2t_grid(p, pairs)


def ccz2t_grid(p: float, pairs) -> FactoryDesigns:
    """The designs at the given (d1, d2) pairs, in that order."""
    d1, d2 = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    return FactoryDesigns(
        family="gidney-fowler",
        qubits=factory_qubits(d1, d2).astype(float),
        cycles=np.maximum(2 * d1 + 1, d2).astype(float),
        outputs=np.ones(len(d1)),
        error=level2_error(p, d1, d2),
        detail=np.column_stack([d1, d2]), namer=_name, state="CCZ", time_model="ccz2t")


def _name(detail) -> str:
    return f"CCZ2T(d1={int(detail[0])}, d2={int(detail[1])})"


__all__ = ["CCZ_DEPTH", "CITATION", "ccz2t_designs", "ccz2t_grid", "distillation_floor",
           "factory_qubits", "level2_error"]
