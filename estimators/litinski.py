"""Litinski's magic-state factories (D. Litinski, "Magic State Distillation: Not as Costly as You
Think", Quantum 3:205 (2019), arXiv:1905.06903, Table 1), with the qubit and cycle formulas of his
published code next to them.

Provenance. The paper's text was not reachable here. Every row below was checked against
Litinski's own code, github.com/litinski/magicstates @ 79d99a5f21e63f992f63e644ea43a665944b4bb5
("Update for version 2 of the paper"):

- ``p_out``: the stored arbitrary-precision outputs of ``Mathematica/distillation.nb`` (his Python
  prints errors below ~1e-13 wrongly, as his README says). The output error is not a closed formula:
  it comes from a density-matrix simulation of the protocol with storage errors.
- ``pfail1``, ``pfail2``: failure (post-selection) probabilities of level 1 and level 2 from
  re-running his ``Python/*.py`` (qmlc does not ship that code; the numbers are transcribed).
  For the small-footprint (9,3,3) row his Python (pfail 0.00468, p_out 1.539e-9, 36.169 cycles)
  and his notebook (1.5148e-9, 36.1676 cycles) differ slightly; qmlc takes the notebook's p_out and
  the Python's pfail; both round to the paper's 1.5e-9 and 36.2.
- qubits and cycles: his formulas (below), evaluated here; ``paper`` holds the values as printed
  (3 significant figures), as transcribed by Microsoft qdk ``_litinski.py``, Gidney's CSV and
  benchq, which agree.

Corrections to earlier transcriptions: the 4.5e-20 row is (15-to-1)⁶₁₇,₇,₇ × (15-to-1)₄₁,₁₇,₁₇
(qdk has ₁₅,₇,₇ from v1 of the paper, which gives 68,936 qubits, not 73,400); the single-level
(15-to-1)₁₇,₇,₇ at p = 1e-3 makes 4.5e-8 per T (not 1.9e-8); the p = 1e-4 single-level rows are
(7,3,3) → 4.4e-8, 810 qubits, (9,3,3) → 9.3e-10, 1,150 and (11,5,5) → 1.9e-11, 2,070. The paper
prints 73,400 qubits for the 4.5e-20 row where the formula gives 73,460, and 67.8 cycles where it
gives 67.75 (all other rows agree to 3 significant figures).

Costs (``L`` = distances (dx, dz, dm) of level 1, ``L2`` of level 2, n level-1 factories; cycles
are code cycles per run, retries included via 1/(1 - p_fail)):

- one-level 15-to-1: qubits 2·((dx + 4dz)·3dx + 2dm), cycles 6dm/(1 - pfail)
- two-level 15-to-1: t1 = max(6dm/(n/2)/(1 - pfail1), dm2);
  qubits 2·((dx2 + 4dz2)·3dx2 + n·((dx + 4dz)(3dx + dm2/2) + 2dm) + 20dm2² + 2dx2·dm2),
  cycles 7.5·t1/(1 - pfail2)
- 15-to-1 × 20-to-4: first term (4dx2 + 3dz2)·3dx2, cycles 10·t1/(1 - pfail2), 4 states per run
- 15-to-1 × 8-to-CCZ: first term (3dx2 + dz2)·3dx2, cycles 4·t1/(1 - pfail2), one CCZ per run
- small footprint, one level: qubits 2·(2dx(dx + 4dz) + dm), cycles 12dm/(1 - pfail)
- small footprint, two levels: t1 = max(6dm/(1 - pfail1), 2dm2);
  qubits 2·((dx2 + 4dz2 + dm2)·2dx2 + (dx + 4dz)·3dx + 2dm + 2dm2²), cycles 15·t1/(1 - pfail2)

Litinski's logical error model is ``fowler-gidney`` (P_L = 0.1·(100p)^((d+1)/2) per code cycle);
the states are made at the row's p. Valid range: a row computed at p_row is used for any
p ≤ p_row with its p_row figures (an upper bound: the same layout only gets better with less
noise). The CCZ rows are kept for reproduction only: a workload with T gates would need the
catalysed CCZ→2T conversion, whose cost the table does not give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qmlc.estimators.factories import FactoryDesigns

CITATION = ("Litinski, Quantum 3:205 (2019), arXiv:1905.06903, Table 1; values checked against "
            "github.com/litinski/magicstates @ 79d99a5")


@dataclass(frozen=True)
class LitinskiRow:
    """One row of Table 1: the protocol, its p_out (Litinski's notebook), failure probabilities
    (his Python) and the values as the paper prints them (p_out, qubits, cycles)."""

    p: float
    kind: str               # one-level | two-level | 20-to-4 | 8-to-ccz | small | small-two-level
    level1: tuple[int, int, int]
    level2: tuple[int, int, int] | None
    n: int                  # level-1 factories
    p_out: float
    pfail1: float
    pfail2: float
    paper: tuple[float, int, float]

    @property
    def outputs(self) -> int:
        return 4 if self.kind == "20-to-4" else 1

    @property
    def state(self) -> str:
        return "CCZ" if self.kind == "8-to-ccz" else "T"

    @property
    def label(self) -> str:
        copies = "" if self.level2 is None or self.kind == "small-two-level" else f"^{self.n}"
        l1 = f"(15-to-1){copies}_{{{_ds(self.level1)}}}"
        if self.kind.startswith("small"):
            l1 = "small-footprint " + l1
        if self.level2 is None:
            return l1
        second = {"two-level": "15-to-1", "small-two-level": "15-to-1", "20-to-4": "20-to-4",
                  "8-to-ccz": "8-to-CCZ"}[self.kind]
        return f"{l1} x ({second})_{{{_ds(self.level2)}}}"

    def qubits(self) -> float:
        dx, dz, dm = self.level1
        if self.kind == "one-level":
            return 2 * ((dx + 4 * dz) * 3 * dx + 2 * dm)
        if self.kind == "small":
            return 2 * (2 * dx * (dx + 4 * dz) + dm)
        dx2, dz2, dm2 = self.level2
        if self.kind == "small-two-level":
            return 2 * ((dx2 + 4 * dz2 + dm2) * 2 * dx2 + (dx + 4 * dz) * 3 * dx + 2 * dm
                        + 2 * dm2**2)
        first = {"two-level": (dx2 + 4 * dz2) * 3 * dx2, "20-to-4": (4 * dx2 + 3 * dz2) * 3 * dx2,
                 "8-to-ccz": (3 * dx2 + dz2) * 3 * dx2}[self.kind]
        return 2 * (first + self.n * ((dx + 4 * dz) * (3 * dx + dm2 / 2) + 2 * dm)
                    + 20 * dm2**2 + 2 * dx2 * dm2)

    def cycles(self) -> float:
        """Code cycles of one run (4 output states for 20-to-4, one otherwise)."""
        dm = self.level1[2]
        if self.kind == "one-level":
            return 6 * dm / (1 - self.pfail1)
        if self.kind == "small":
            return 12 * dm / (1 - self.pfail1)
        dm2 = self.level2[2]
        if self.kind == "small-two-level":
            t1 = max(6 * dm / (1 - self.pfail1), 2 * dm2)
            return 15 * t1 / (1 - self.pfail2)
        t1 = max(6 * dm / (self.n / 2) / (1 - self.pfail1), dm2)
        steps = {"two-level": 7.5, "20-to-4": 10, "8-to-ccz": 4}[self.kind]
        return steps * t1 / (1 - self.pfail2)


def _ds(distances: tuple[int, int, int]) -> str:
    return ",".join(str(d) for d in distances)


_row = LitinskiRow        # a short name for the table's rows


# pfail values: Litinski's Python re-run (level 1 at full precision, level 2 to 10 digits)
_PF = {(1e-4, 7, 3, 3): 0.003053743569928935, (1e-4, 9, 3, 3): 0.0036484234371040314,
       (1e-4, 11, 5, 5): 0.0010319110864254188, (1e-3, 17, 7, 7): 0.014887234561426821,
       (1e-3, 13, 5, 5): 0.04705748915324581, (1e-3, 11, 5, 5): 0.041533324893556545,
       (1e-3, 13, 7, 7): 0.013783442616914221, (1e-3, 9, 5, 5): 0.03626783510208054}

TABLE_1 = (
    # p = 1e-4
    _row(1e-4, "one-level", (7, 3, 3), None, 1, 4.3941e-8, _PF[1e-4, 7, 3, 3], 0.0,
         (4.4e-8, 810, 18.1)),
    _row(1e-4, "one-level", (9, 3, 3), None, 1, 9.2996e-10, _PF[1e-4, 9, 3, 3], 0.0,
         (9.3e-10, 1150, 18.1)),
    _row(1e-4, "one-level", (11, 5, 5), None, 1, 1.8744e-11, _PF[1e-4, 11, 5, 5], 0.0,
         (1.9e-11, 2070, 30.0)),
    _row(1e-4, "20-to-4", (9, 3, 3), (15, 7, 9), 4, 2.3911e-15, _PF[1e-4, 9, 3, 3],
         3.215909459e-07, (2.4e-15, 16400, 90.3)),
    _row(1e-4, "two-level", (9, 3, 3), (25, 9, 9), 4, 6.3317e-25, _PF[1e-4, 9, 3, 3],
         3.57487574e-08, (6.3e-25, 18600, 67.8)),
    _row(1e-4, "small", (9, 3, 3), None, 1, 1.5148e-9, 0.004678671864, 0.0,
         (1.5e-9, 762, 36.2)),
    _row(1e-4, "8-to-ccz", (7, 3, 3), (15, 7, 9), 4, 7.2257e-14, _PF[1e-4, 7, 3, 3],
         3.98415134e-07, (7.2e-14, 12400, 36.1)),
    # p = 1e-3
    _row(1e-3, "one-level", (17, 7, 7), None, 1, 4.5065e-8, _PF[1e-3, 17, 7, 7], 0.0,
         (4.5e-8, 4620, 42.6)),
    _row(1e-3, "20-to-4", (13, 5, 5), (23, 11, 13), 6, 1.4427e-10, _PF[1e-3, 13, 5, 5],
         0.0001128431881, (1.4e-10, 43300, 130)),
    _row(1e-3, "20-to-4", (13, 5, 5), (27, 13, 15), 4, 2.6140e-11, _PF[1e-3, 13, 5, 5],
         4.587087477e-05, (2.6e-11, 46800, 157)),
    _row(1e-3, "two-level", (11, 5, 5), (25, 11, 11), 6, 2.6556e-12, _PF[1e-3, 11, 5, 5],
         0.0003875174921, (2.7e-12, 30700, 82.5)),
    _row(1e-3, "two-level", (13, 5, 5), (29, 11, 13), 6, 3.2573e-14, _PF[1e-3, 13, 5, 5],
         0.000103496734, (3.3e-14, 39100, 97.5)),
    _row(1e-3, "two-level", (17, 7, 7), (41, 17, 17), 6, 4.4785e-20, _PF[1e-3, 17, 7, 7],
         1.091913229e-06, (4.5e-20, 73400, 128)),
    _row(1e-3, "small-two-level", (9, 5, 5), (21, 9, 11), 1, 6.0761e-10, _PF[1e-3, 9, 5, 5],
         0.003254653625, (6.1e-10, 7780, 469)),
    _row(1e-3, "8-to-ccz", (13, 7, 7), (25, 15, 15), 6, 5.2446e-11, _PF[1e-3, 13, 7, 7],
         1.031514864e-05, (5.2e-11, 47000, 60)),
)


def litinski_designs(p: float) -> FactoryDesigns | None:
    """The T-state rows computed at p_row ≥ p (None when p is above every row's p)."""
    index = [i for i, r in enumerate(TABLE_1) if r.state == "T" and p <= r.p]
    if not index:
        return None
    rows = [TABLE_1[i] for i in index]
    return FactoryDesigns(
        family="litinski-2019",
        qubits=np.array([r.qubits() for r in rows], dtype=float),
        cycles=np.array([r.cycles() for r in rows], dtype=float),
        outputs=np.array([r.outputs for r in rows], dtype=float),
        error=np.array([r.p_out for r in rows], dtype=float),
        detail=np.array(index, dtype=float)[:, None], namer=_name)


def _name(detail) -> str:
    row = TABLE_1[int(detail[0])]
    return f"Litinski {row.label} (Table 1, p = {row.p:g})"


__all__ = ["CITATION", "LitinskiRow", "TABLE_1", "litinski_designs"]
