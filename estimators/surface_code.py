"""The surface-code data block: logical error per patch, code distance from an error budget, and
the layouts (tiles per logical qubit, time to consume a magic state) that hold the algorithm's
qubits. Float arithmetic throughout (numpy, vectorized over distances); nothing is an integer
count of nanoseconds, so no count of gates can wrap.

Two logical-error conventions are in use in the literature, and they must not be mixed silently:

``fowler-gidney``
    P_L(d) = 0.1·(p/0.01)^((d+1)/2) **per tile per code cycle**. Qualtran's
    ``QECScheme.make_gidney_fowler`` (citing Fowler & Gidney, arXiv:1808.06709 §XV; its docstring
    notes that "the pre-factor a has no clear provenance"), the same ``plog`` in Litinski's code for
    arXiv:1905.06903 (github.com/litinski/magicstates ``definitions.py``) and Gidney–Fowler's
    factory model (arXiv:1812.01238).
``beverland``
    P_L(d) = 0.03·(p/0.01)^((d+1)/2) **per logical qubit per logical cycle** of d code cycles.
    The Microsoft resource estimator's gate-based surface code (Beverland et al.,
    arXiv:2211.07629), which cites Fowler, Mariantoni, Martinis, Cleland, PRA 86:032324 (2012),
    arXiv:1208.0928, Eq. (11) for the prefactor and Eq. (13) for the threshold; 2d² physical
    qubits per logical qubit.

Per code cycle the ``beverland`` rate is 0.03/d, i.e. 3.3·d times smaller than ``fowler-gidney``.

Layouts (tiles of 2d² physical qubits; "routing overhead" = extra tiles per algorithm qubit):

- ``simple``: ⌈1.5·Q⌉ tiles (routing overhead 0.5); consuming a magic state takes no data-block
  time, the factories are assumed to be the bottleneck (Gidney & Fowler arXiv:1812.01238;
  Qualtran ``SimpleDataBlock``). qmlc pairs it with a single factory only, as Qualtran's default
  search does: with several factories the assumption fails and the time model would reward
  unbounded factory counts.
- ``compact`` ⌈1.5·Q⌉ tiles, 9 steps per magic state; ``intermediate`` 2·Q tiles, 5 steps;
  ``fast`` ⌈2·Q + √(8·Q) + 1⌉ tiles, 1 step (Litinski, "A Game of Surface Codes", Quantum 3:128
  (2019), arXiv:1808.02892, Figs. 9 and 13; Qualtran ``CompactDataBlock``, ``IntermediateDataBlock``,
  ``FastDataBlock``). A step is d code cycles.
- ``beverland``: 2·Q + ⌈√(8·Q)⌉ + 1 logical qubits (Beverland et al. arXiv:2211.07629 §IV, the
  Microsoft estimator's layout), one logical cycle per step of the logical depth.

qmlc counts the data block's time as steps × logical depth × d code cycles, with the logical depth
of :class:`qmlc.estimators.frontier.LogicalCounts` (by default the Microsoft estimator's
measurements + T + 3·CCZ, i.e. every non-Clifford gate in sequence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_DISTANCE = 3
MAX_DISTANCE = 99          # odd code distances 3..99 are searched; beyond, a model reports failure
THRESHOLD = 0.01           # both conventions: p_th = 1e-2


def odd_distances(lo: int = MIN_DISTANCE, hi: int = MAX_DISTANCE) -> np.ndarray:
    """Odd code distances in [lo, hi]."""
    return np.arange(lo | 1, hi + 1, 2)


@dataclass(frozen=True)
class SurfaceCodeModel:
    """P_L(d) = prefactor·(p/threshold)^((d+1)/2), per tile and per ``cycles_per_unit`` code cycles
    (1 for a per-code-cycle rate, d for a per-logical-cycle rate)."""

    name: str
    prefactor: float
    threshold: float
    per_logical_cycle: bool
    citation: str

    def rate(self, d, p: float):
        """Logical error per tile per unit (code cycle, or logical cycle of d code cycles)."""
        d = np.asarray(d)
        # float exponent, as Qualtran's QECScheme (identical to an integer power for odd d)
        return self.prefactor * np.power(p / self.threshold, (d + 1) / 2)

    def per_code_cycle(self, d, p: float):
        """Logical error per tile per code cycle."""
        d = np.asarray(d)
        return self.rate(d, p) / d if self.per_logical_cycle else self.rate(d, p)

    def storage_error(self, d, p: float, tiles, code_cycles):
        """Error of ``tiles`` patches of distance d kept for ``code_cycles`` code cycles."""
        return np.asarray(tiles, dtype=float) * np.asarray(code_cycles, dtype=float) * \
            self.per_code_cycle(d, p)

    def distance_for_rate(self, p: float, rate: float) -> int:
        """Smallest odd d ≥ 3 with rate(d) ≤ ``rate`` (log arithmetic; may exceed MAX_DISTANCE)."""
        if rate >= self.prefactor * (p / self.threshold) ** 2:
            return MIN_DISTANCE
        r = math.log(rate / self.prefactor) / math.log(p / self.threshold)
        d = max(MIN_DISTANCE, 2 * math.ceil(r) - 1)
        while self.rate(d, p) > rate:                 # guard the float inversion
            d += 2
        while d > MIN_DISTANCE and self.rate(d - 2, p) <= rate:
            d -= 2
        return d

    def describe(self) -> str:
        unit = "logical cycle (d code cycles)" if self.per_logical_cycle else "code cycle"
        return (f"{self.name}: P_L(d) = {self.prefactor:g}*(p/{self.threshold:g})^((d+1)/2) per "
                f"tile per {unit} [{self.citation}]")


FOWLER_GIDNEY = SurfaceCodeModel(
    "fowler-gidney", 0.1, THRESHOLD, per_logical_cycle=False,
    citation="Fowler & Gidney arXiv:1808.06709 sec. XV as used by Qualtran make_gidney_fowler, "
             "Gidney & Fowler arXiv:1812.01238 and Litinski arXiv:1905.06903 (code: plog)")
BEVERLAND = SurfaceCodeModel(
    "beverland", 0.03, THRESHOLD, per_logical_cycle=True,
    citation="Beverland et al. arXiv:2211.07629 (Microsoft estimator), prefactor from Fowler et "
             "al. arXiv:1208.0928 Eq. (11), threshold Eq. (13)")


@dataclass(frozen=True)
class DataBlock:
    """Tiles = ⌈a·Q + b·√(8·Q)⌉ + c (``ceil_sqrt``: ⌈√(8Q)⌉ rounded on its own, as Beverland's
    layout does); ``steps`` logical time steps (d code cycles each) per step of logical depth."""

    name: str
    a: float
    b: float
    c: float
    steps: int
    citation: str
    ceil_sqrt: bool = False
    single_factory: bool = False    # the ``simple`` block's time model holds for one factory only

    def tiles(self, qubits: int) -> int:
        root = math.sqrt(8 * qubits)
        if self.ceil_sqrt:
            return int(math.ceil(self.a * qubits) + self.b * math.ceil(root) + self.c)
        return int(math.ceil(self.a * qubits + self.b * root + self.c))

    def routing_overhead(self, qubits: int) -> float:
        """Extra tiles per algorithm qubit."""
        return self.tiles(qubits) / qubits - 1

    def physical_qubits(self, qubits: int, d):
        return self.tiles(qubits) * 2 * np.asarray(d) ** 2

    def code_cycles(self, depth: float, d):
        """Code cycles the data block needs to run a logical depth of ``depth`` at distance d."""
        return float(self.steps) * float(depth) * np.asarray(d, dtype=float)


SIMPLE = DataBlock("simple", 1.5, 0, 0, 0, single_factory=True,
                   citation="Gidney & Fowler arXiv:1812.01238; Qualtran SimpleDataBlock")
COMPACT = DataBlock("compact", 1.5, 0, 0, 9,
                    citation="Litinski arXiv:1808.02892 Fig. 9; Qualtran CompactDataBlock")
INTERMEDIATE = DataBlock("intermediate", 2, 0, 0, 5,
                         citation="Litinski arXiv:1808.02892 Fig. 13a; Qualtran IntermediateDataBlock")
FAST = DataBlock("fast", 2, 1, 1, 1,
                 citation="Litinski arXiv:1808.02892 Fig. 13b; Qualtran FastDataBlock")
BEVERLAND_LAYOUT = DataBlock("beverland", 2, 1, 1, 1, ceil_sqrt=True,
                             citation="Beverland et al. arXiv:2211.07629 (Microsoft estimator "
                                      "layout 2Q + ceil(sqrt(8Q)) + 1)")


__all__ = ["BEVERLAND", "BEVERLAND_LAYOUT", "COMPACT", "DataBlock", "FAST", "FOWLER_GIDNEY",
           "INTERMEDIATE", "MAX_DISTANCE", "MIN_DISTANCE", "SIMPLE", "SurfaceCodeModel",
           "odd_distances"]
