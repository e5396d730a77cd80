"""What every magic-state factory model hands to the selection: its designs as parallel arrays.

A design is one factory layout with fixed distances: its physical qubits, the code cycles of one
run (expected, retries after failed post-selection included), the states one run outputs and the
error per output state. The families live in their own modules, each with its formulas and
citations next to them:

- :mod:`qmlc.estimators.gidney_fowler`: the two-level CCZ→2T factory (arXiv:1812.01238, Qualtran);
- :mod:`qmlc.estimators.distillation`: k-round 15-to-1 distillation (Beverland et al.
  arXiv:2211.07629), fed by injected states or by magic-state cultivation;
- :mod:`qmlc.estimators.litinski`: Litinski's factories (arXiv:1905.06903, Table 1);
- :mod:`qmlc.estimators.cultivation`: magic-state cultivation (arXiv:2409.17595).

Time models: ``runs`` (F factories run ⌈S/(F·outputs)⌉ times each for S states) and ``ccz2t``
(Qualtran's ``CCZ2TFactory.n_cycles``: ⌈(5.5·N + ⌈n_T/2⌉)·step⌉ cycles for N CCZ states, divided
among F factories as Qualtran's ``MultiFactory`` does; ``cycles`` then holds the step length
max(2·d1 + 1, d2)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True, eq=False)
class FactoryDesigns:
    """The designs of one factory family at one physical error rate (one entry per design).

    ``detail`` holds each design's parameters as numbers (distances, unit counts, table rows);
    ``namer`` turns one row of it into the design's name, so names are only built for the few
    designs a report shows."""

    family: str
    qubits: np.ndarray        # physical qubits of one factory
    cycles: np.ndarray        # code cycles of one run (``runs``) or of one step (``ccz2t``)
    outputs: np.ndarray       # magic states per run
    error: np.ndarray         # error per output state
    detail: np.ndarray        # (designs, k) parameters
    namer: Callable[[np.ndarray], str]
    state: str = "T"          # "T", or "CCZ" (one CCZ state per CCZ and per two T gates)
    time_model: str = "runs"

    def __len__(self) -> int:
        return len(self.qubits)

    def label(self, i: int) -> str:
        return self.namer(self.detail[i])

    def subset(self, mask) -> FactoryDesigns:
        return replace(self, qubits=self.qubits[mask], cycles=self.cycles[mask],
                       outputs=self.outputs[mask], error=self.error[mask],
                       detail=self.detail[mask])

    def nondominated(self) -> FactoryDesigns:
        """Drop designs another design beats or ties on every count: error ≤, qubits ≤, cycles
        per run ≤, among equal output counts (exact: for any workload the survivor costs no more
        than the design it removes)."""
        keep = np.zeros(len(self), dtype=bool)
        for out in np.unique(self.outputs):
            idx = np.flatnonzero(self.outputs == out)
            keep[idx[_pareto_3d(self.error[idx], self.qubits[idx], self.cycles[idx])]] = True
        return self.subset(keep)


def _pareto_3d(a: np.ndarray, b: np.ndarray, c: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Indices of the points not weakly dominated in (a, b, c) (of equal points the first is
    kept). Sweep in increasing a, a chunk at a time: each chunk is checked against a 2-D staircase
    of (b, least c) over the earlier chunks and, pairwise, against its own earlier members."""
    order = np.lexsort((c, b, a))
    stair_b = np.empty(0)
    stair_c = np.empty(0)
    kept = []
    for start in range(0, len(order), chunk):
        idx = order[start:start + chunk]
        if len(stair_b):
            k = np.searchsorted(stair_b, b[idx], side="right")
            idx = idx[~((k > 0) & (stair_c[np.maximum(k - 1, 0)] <= c[idx]))]
        B, C = b[idx], c[idx]
        earlier = np.tri(len(idx), k=-1, dtype=bool)            # j < i in sweep order
        dominated = (earlier & (B[None, :] <= B[:, None]) & (C[None, :] <= C[:, None])).any(1)
        survivors = idx[~dominated]
        kept.append(survivors)
        all_b = np.concatenate([stair_b, b[survivors]])
        all_c = np.concatenate([stair_c, c[survivors]])
        o = np.lexsort((all_c, all_b))
        cs = all_c[o]
        best_before = np.minimum.accumulate(np.concatenate([[np.inf], cs[:-1]]))
        stair_b, stair_c = all_b[o][cs < best_before], cs[cs < best_before]
    return np.sort(np.concatenate(kept)) if kept else np.zeros(0, dtype=int)


__all__ = ["FactoryDesigns"]
