"""Where the T gates of one solve go: the solver's Qualtran call graph cut into components.

The T-count of an estimate (:func:`qmlc.estimators.logical.logical_counts`) is linear in the gate
classes, t_count = T + 4·(Toffoli + And + CSWAP) + t_rot·rotations, with t_rot the per-rotation
synthesis cost of the whole solve. The breakdown walks the same bloq tree top-down, multiplying
call counts along the way, and charges every leaf gate to one component:

- ``data_access``: every G-table lookup (:class:`~qmlc.circuits.bloqs.data_access.TableLookup`)
  wherever it sits (block encoding, G_0 loading, state preparation), under the estimate's
  data-access model: the figure the qram / qrom / select-swap question is about;
- ``state_preparation``: the rest of |b⟩
  (:class:`~qmlc.circuits.bloqs.state_prep.HistoryRHSPreparation`: rotation trees, the uniform
  superposition over time blocks);
- ``amplitude_amplification``: the reflections about |0…0⟩ between the amplified QSVT rounds;
- ``qlsa_phases``: the projector-controlled phases of the QSVT polynomial, or of the adiabatic
  walk and eigenstate filtering (Jennings et al.);
- inside the block encoding: ``g0_loading`` (amplitude loading of G_0 on the column side for
  N ≥ 2, without its lookups), ``rotations`` (the remaining arbitrary rotations: entry angles,
  term weights) and ``block_encoding_other`` (label preparation, routing SWAPs, comparators,
  adders, copies).

Repetitions are not components: each call's cost is counted as often as the tree calls it (the
CKS degree, the 2k + 1 amplification rounds, Jennings' expected queries). Because the T-count is
linear and every leaf is charged exactly once, the components add up to ``t_count`` exactly
(tested). The ℓ∞ readout then multiplies the whole solve.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmlc.compiler.results import Result
from qmlc.estimators.logical import T_PER_TOFFOLI, LogicalCounts, SolverTree

COMPONENTS = {
    "data_access": "data access (G-table lookups)",
    "g0_loading": "G\u2080 amplitude loading (rotations, controls)",
    "rotations": "rotations (entry angles, term weights)",
    "block_encoding_other": "block-encoding arithmetic (labels, routing, comparators)",
    "qlsa_phases": "QLSA phases (QSVT polynomial / walk and filtering)",
    "state_preparation": "state preparation |b\u27e9 (rotation trees)",
    "amplitude_amplification": "amplitude amplification (reflections)",
}


@dataclass(frozen=True)
class CostComponent(Result):
    """One component's gates per solve and the T gates they cost."""

    name: str
    label: str
    t_count: int
    t_gates: int
    ccz_class: int
    rotations: int
    share: float


@dataclass(frozen=True)
class CostBreakdown(Result):
    """Components of one solve (they sum to ``t_count``) and the readout multiplier."""

    components: list
    t_count: int
    t_per_rotation: int
    t_per_toffoli: int
    readout_repetitions: int
    model: str

    def component(self, name: str) -> CostComponent:
        return next(c for c in self.components if c.name == name)

    @property
    def dominant(self) -> CostComponent:
        return max(self.components, key=lambda c: c.t_count)


def _category(bloq) -> str | None:
    from qmlc.circuits.bloqs.qsvt_inversion import ProjectorControlledPhase, ZeroReflection
    from qmlc.circuits.bloqs.state_prep import ControlledG0Loading, HistoryRHSPreparation

    for kind, name in ((HistoryRHSPreparation, "state_preparation"),
                       (ZeroReflection, "amplitude_amplification"),
                       (ProjectorControlledPhase, "qlsa_phases"),
                       (ControlledG0Loading, "g0_loading")):
        if isinstance(bloq, kind):
            return name
    return None


def _gate_counts(bloq, cache: dict) -> dict:
    from qualtran.resource_counting import QECGatesCost, get_cost_value

    gc = get_cost_value(bloq, QECGatesCost(), costs_cache=cache)
    return {"t": int(gc.t), "ccz": int(gc.toffoli + gc.and_bloq + gc.cswap),
            "rotation": int(gc.rotation)}


def _charge(acc: dict, name: str, counts: dict, times: int) -> None:
    entry = acc.setdefault(name, {"t": 0, "ccz": 0, "rotation": 0})
    for key, value in counts.items():
        entry[key] += times * value


def _atomic(bloq) -> bool:
    """Whether ``QECGatesCost`` counts the bloq as one gate (it never asks for callees): the
    walk stops exactly where the total's count stops, so both see the same leaves."""
    from qualtran.resource_counting import GateCounts, QECGatesCost

    key = QECGatesCost()
    if bloq.my_static_costs(key) is not NotImplemented:   # get_cost_value's strategy 2
        return True
    asked = []
    key.compute(bloq, lambda callee: asked.append(callee) or GateCounts())
    return not asked


def _walk(bloq, times: int, acc: dict, cache: dict, context: str | None = None) -> None:
    """Charge ``bloq`` called ``times`` times: lookups to data access wherever they sit, leaves
    to the innermost named component around them (``context``), other leaves by gate class."""
    from qualtran.resource_counting import get_bloq_callee_counts

    from qmlc.circuits.bloqs.data_access import TableLookup

    if isinstance(bloq, TableLookup):
        _charge(acc, "data_access", _gate_counts(bloq, cache), times)
        return
    context = _category(bloq) or context
    callees = [] if _atomic(bloq) else get_bloq_callee_counts(bloq)
    if not callees:
        counts = _gate_counts(bloq, cache)
        if context is not None:
            _charge(acc, context, counts, times)
        else:   # a leaf of the block encoding outside every named part: split by gate class
            _charge(acc, "rotations", {"rotation": counts["rotation"]}, times)
            _charge(acc, "block_encoding_other", {"t": counts["t"], "ccz": counts["ccz"]},
                    times)
        return
    for callee, count in callees:
        _walk(callee, times * int(count), acc, cache, context)


def t_count_breakdown(tree: SolverTree, counts: LogicalCounts) -> CostBreakdown:
    """The components of a concrete solve (numbers, not symbols) under ``counts``' rotation
    model; raises ``AssertionError`` if they do not add up to ``counts.t_count``."""
    acc: dict = {}
    _walk(tree.solver, 1, acc, {})
    t_rot = int(counts.t_per_rotation)
    rows = []
    for name, label in COMPONENTS.items():
        c = acc.get(name, {"t": 0, "ccz": 0, "rotation": 0})
        rows.append({"name": name, "label": label, "t_gates": c["t"], "ccz_class": c["ccz"],
                     "rotations": c["rotation"],
                     "t_count": c["t"] + T_PER_TOFFOLI * c["ccz"] + t_rot * c["rotation"]})
    total = sum(r["t_count"] for r in rows)
    if total != int(counts.t_count):  # pragma: no cover - a bug, not a user error
        raise AssertionError(f"breakdown {total} != t_count {counts.t_count}")
    return CostBreakdown(
        components=[CostComponent(**r, share=r["t_count"] / total if total else 0.0)
                    for r in rows],
        t_count=total, t_per_rotation=t_rot, t_per_toffoli=T_PER_TOFFOLI,
        readout_repetitions=int(tree.readout),
        model="Qualtran QECGatesCost of each sub-bloq of the solver's call graph, times its call "
              "count along the tree; T = t + 4 (Toffoli + And + CSWAP) + t_rot * rotations, the "
              "same conversion as the total")


__all__ = ["COMPONENTS", "CostBreakdown", "CostComponent", "t_count_breakdown"]
