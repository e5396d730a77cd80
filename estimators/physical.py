"""Physical resources from logical counts: two independent surface-code models side by side.

Both receive the *same* logical counts: T gates (rotations already synthesized into T with the
model of :mod:`estimators.logical`), CCZ-equivalents (Toffoli + And + CSWAP), measurements and
the declared logical qubits.

- ``qualtran-gidney-fowler``: Qualtran's ``get_ccz2t_costs_from_grid_search`` — Gidney–Fowler
  CCZ→2T factories (arXiv:1812.01238), surface-code cycle 1 µs, grid search over factory and
  data-block distances minimizing qubit·hours within the error budget. The default grid ends at
  distance 35; when no configuration fits the budget the grid is widened (to 61).
- ``msft-resource-estimator``: the Microsoft Azure Quantum resource estimator run locally
  (``qsharp.estimator.LogicalCounts(...).estimate``; Beverland et al., arXiv:2211.07629):
  gate-based surface code, P_L = 0.03·(p/0.01)^((d+1)/2), 2d² physical qubits per logical qubit,
  logical cycle (4·t_2q + 2·t_meas)·d with 50 ns gates and 100 ns measurements, error budget
  split by the estimator (thirds), distance ≤ 50. Physical error rate p is set on all operations.
"""

from __future__ import annotations

import math
import warnings

GF_MODEL = "qualtran-gidney-fowler (CCZ2T factories, arXiv:1812.01238; 1 us cycle)"
MSFT_MODEL = ("msft-resource-estimator (qsharp.estimator, gate-based surface code, "
              "Beverland et al. arXiv:2211.07629; 50 ns gates, 100 ns measurement)")

MSFT_MAX_COUNT = 2**62


def _plain(value) -> float:
    return float(value)


def gidney_fowler(t_count: int, ccz_count: int, qubits: int, physical_error_rate: float,
                  error_budget: float) -> dict:
    """Qualtran's Gidney–Fowler grid search on (T, CCZ) counts; a dict with an ``error`` key
    when no factory/data-block configuration meets the budget."""
    from qualtran.resource_counting import GateCounts
    from qualtran.surface_code import get_ccz2t_costs_from_grid_search
    from qualtran.surface_code.gidney_fowler_model import (
        iter_ccz2t_factories,
        iter_simple_data_blocks,
    )

    counts = GateCounts(t=int(t_count), toffoli=int(ccz_count))
    grids = [(tuple(iter_ccz2t_factories()), tuple(iter_simple_data_blocks())),
             (tuple(iter_ccz2t_factories(l1_start=9, l1_stop=41, l2_stop=61)),
              tuple(iter_simple_data_blocks(d_start=21, d_stop=63)))]
    last_error = ""
    for factories, blocks in grids:
        try:
            cost, factory, block = get_ccz2t_costs_from_grid_search(
                n_logical_gates=counts, n_algo_qubits=int(qubits),
                phys_err=physical_error_rate, error_budget=error_budget,
                factory_iter=factories, data_block_iter=blocks)
        except ValueError as exc:
            last_error = str(exc)
            continue
        return {"qubits": int(cost.footprint), "runtime_seconds": _plain(cost.duration_hr) * 3600,
                "code_distance": int(block.data_d), "failure_probability": _plain(cost.failure_prob),
                "factory": f"CCZ2T(l1_d={factory.distillation_l1_d}, "
                           f"l2_d={factory.distillation_l2_d})",
                "model": GF_MODEL}
    return {"qubits": None, "runtime_seconds": None, "code_distance": None, "model": GF_MODEL,
            "error": f"no factory/data block up to distance 61 meets the error budget "
                     f"{error_budget:g} ({last_error})"}


def msft_estimate(t_count: int, ccz_count: int, measurements: int, qubits: int,
                  physical_error_rate: float, error_budget: float) -> dict:
    """The Microsoft resource estimator on the same logical counts (runs locally)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qsharp.estimator import LogicalCounts

    largest = max(int(t_count), int(ccz_count), int(measurements))
    if largest >= MSFT_MAX_COUNT:
        # the estimator's counters are 64-bit; beyond ~4.6e18 it does not return
        return {"qubits": None, "runtime_seconds": None, "code_distance": None,
                "model": MSFT_MODEL,
                "error": f"logical counts ({largest:.3g}) exceed the estimator's 64-bit range "
                         f"(< {MSFT_MAX_COUNT:.2g}); not run"}
    p = physical_error_rate
    qubit_params = {
        "name": "qmlc_gate_ns", "instructionSet": "GateBased",
        "oneQubitMeasurementTime": "100 ns", "oneQubitGateTime": "50 ns",
        "twoQubitGateTime": "50 ns", "tGateTime": "50 ns",
        "oneQubitMeasurementErrorRate": p, "oneQubitGateErrorRate": p,
        "twoQubitGateErrorRate": p, "tGateErrorRate": p, "idleErrorRate": p,
    }
    counts = LogicalCounts({"numQubits": int(qubits), "tCount": int(t_count),
                            "rotationCount": 0, "rotationDepth": 0,
                            "cczCount": int(ccz_count), "measurementCount": int(measurements)})
    try:
        result = counts.estimate({"qubitParams": qubit_params, "errorBudget": error_budget})
        physical = result["physicalCounts"]
    except Exception as exc:  # the estimator reports infeasible inputs as exceptions
        return {"qubits": None, "runtime_seconds": None, "code_distance": None,
                "model": MSFT_MODEL, "error": " ".join(str(exc).split())[:300]}
    return {"qubits": int(physical["physicalQubits"]),
            "runtime_seconds": float(physical["runtime"]) * 1e-9,
            "code_distance": int(result["logicalQubit"]["codeDistance"]),
            "t_factories": int(physical["breakdown"]["numTfactories"]),
            "model": MSFT_MODEL}


def side_by_side(gf: dict, msft: dict) -> dict:
    """Ratios Microsoft / Gidney–Fowler of qubits and runtime (None where one is missing)."""
    def ratio(key):
        a, b = msft.get(key), gf.get(key)
        if a is None or b is None or b == 0 or not math.isfinite(b):
            return None
        return a / b
    return {"qubits_msft_over_gf": ratio("qubits"),
            "runtime_msft_over_gf": ratio("runtime_seconds")}
