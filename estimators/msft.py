"""The Microsoft resource estimator (``qsharp.estimator``, Beverland et al. arXiv:2211.07629) as one
entry of ``physical_models``, run only inside its valid range, and qmlc's re-implementation of its
selection rule on qmlc's own round-based factories (:func:`msft_reference`), which holds at any
count.

The estimator: gate-based surface code, P_L = 0.03·(p/0.01)^((d+1)/2) per logical cycle, 2d²
physical qubits per logical qubit on 2·Q + ⌈√(8·Q)⌉ + 1 logical qubits, logical cycle
(4·t_2q + 2·t_meas)·d with 50 ns gates and 100 ns measurements (0.4 µs code cycle), error budget
split in halves between the data and the T states when there are no rotations, distance ≤ 50,
up to three rounds of 15-to-1 distillation (four when nothing fits), factory distances ≤ the data
distance; the factory of least qubits·duration per output that finishes within the algorithm's
runtime, as many copies as keep up with the T gates. p is set on every operation.

Range. qsharp 1.31's estimator holds the runtime in nanoseconds as an unsigned 64-bit integer
that wraps silently past 2^64 ns ≈ 584.5 years (measured: 1e16 T gates on 300 qubits at
p = 1e-3 report 8.43e18 ns instead of 1.56e20 ns); near 5e18 T it does not return; from 2e19 it
rejects the counts ("expected u64"). So it is not run when a lower bound of its runtime,
logical depth × (4·t_2q + 2·t_meas) × d_min, is ≥ 2^64 ns, and a returned runtime must equal
logical depth × logical cycle time exactly (checked with Python integers).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from qmlc.estimators.distillation import (
    EXTRA_ROUNDS,
    MAX_ROUNDS,
    round_based_designs,
    rounds_label,
)
from qmlc.estimators.frontier import LogicalCounts, PhysicalEstimate, failed
from qmlc.estimators.human import human_duration
from qmlc.estimators.surface_code import BEVERLAND, BEVERLAND_LAYOUT

NAME = "msft-estimator"
MODEL = ("qsharp.estimator (Beverland et al. arXiv:2211.07629), gate-based "
         "surface code P_L = 0.03(p/0.01)^((d+1)/2) per logical cycle, 50 ns gates, 100 ns "
         "measurement (0.4 us code cycle), budget split data/T states, d <= 50, 15-to-1 rounds")
RUNTIME_LIMIT_NS = 2**64
GATE_NS, MEAS_NS = 50, 100
CODE_CYCLE_NS = 4 * GATE_NS + 2 * MEAS_NS
MAX_DISTANCE = 50


def min_distance(depth: int, qubits: int, p: float, budget: float) -> int:
    """The estimator's data distance with the whole budget on data: a lower bound of its choice
    (``compute_smallest_code_parameter_with_inverse_formula``: ⌈2·ln(a/r)/ln(p_th/p) − 1⌉ | 1)."""
    layout = BEVERLAND_LAYOUT.tiles(qubits)
    rate = budget / (layout * max(depth, 1))
    d = math.ceil(2 * math.log(BEVERLAND.prefactor / rate) / math.log(BEVERLAND.threshold / p)
                  - 1)
    return max(1, d) | 1


def msft_estimate(counts: LogicalCounts, p: float, budget: float) -> PhysicalEstimate:
    """The Microsoft resource estimator on the same logical counts (runs locally)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qsharp.estimator import EstimatorError
        from qsharp.estimator import LogicalCounts as MsftCounts

    depth = int(counts.measurements) + int(counts.t) + 3 * int(counts.ccz)
    d_min = min(min_distance(depth, int(counts.qubits), p, budget), MAX_DISTANCE)
    runtime_lb = depth * CODE_CYCLE_NS * d_min
    if runtime_lb >= RUNTIME_LIMIT_NS:
        return failed(NAME, f"not run: its runtime would be >= {runtime_lb:.3g} ns (logical depth "
                             f"{depth:.3g} x logical cycle at d >= {d_min}), past the estimator's "
                             "unsigned 64-bit nanosecond counter (2^64 ns = 584.5 years), which "
                             "wraps silently", MODEL)
    qubit_params = {
        "name": "qmlc_gate_ns", "instructionSet": "GateBased",
        "oneQubitMeasurementTime": f"{MEAS_NS} ns", "oneQubitGateTime": f"{GATE_NS} ns",
        "twoQubitGateTime": f"{GATE_NS} ns", "tGateTime": f"{GATE_NS} ns",
        "oneQubitMeasurementErrorRate": p, "oneQubitGateErrorRate": p,
        "twoQubitGateErrorRate": p, "tGateErrorRate": p, "idleErrorRate": p,
    }
    logical = MsftCounts({"numQubits": int(counts.qubits), "tCount": int(counts.t),
                          "rotationCount": 0, "rotationDepth": 0, "cczCount": int(counts.ccz),
                          "measurementCount": int(counts.measurements)})
    try:
        result = logical.estimate({"qubitParams": qubit_params, "errorBudget": budget})
        physical = result["physicalCounts"]
    except (Exception, EstimatorError) as exc:  # infeasible inputs (EstimatorError is a
        return failed(NAME, " ".join(str(exc).split())[:300], MODEL)   # BaseException)
    runtime_ns = int(physical["runtime"])
    exact_ns = int(physical["breakdown"]["logicalDepth"]) * int(
        result["logicalQubit"]["logicalCycleTime"])
    if runtime_ns != exact_ns:
        return failed(NAME, f"result discarded: the estimator's runtime {runtime_ns} ns differs "
                             f"from logical depth x cycle time = {exact_ns} ns (64-bit "
                             "wrap-around)", MODEL)
    factory = result.get("tfactory") or {}
    rounds = [f"d={d} {name.removeprefix('15-to-1 ')} x{n}" for d, name, n in
              zip(factory.get("codeDistancePerRound", []), factory.get("unitNamePerRound", []),
                  factory.get("numUnitsPerRound", []))]
    breakdown = physical["breakdown"]
    runtime = runtime_ns * 1e-9
    return PhysicalEstimate(
        model=NAME, model_details=MODEL, qubits=int(physical["physicalQubits"]), runtime_seconds=runtime,
        runtime_human=human_duration(runtime),
        code_distance=int(result["logicalQubit"]["codeDistance"]),
        factory=rounds_label(rounds) if rounds else None,
        factory_count=int(breakdown["numTfactories"]),
        factory_qubits=int(breakdown["physicalQubitsForTfactories"]),
        data_qubits=int(breakdown["physicalQubitsForAlgorithm"]), data_block="beverland",
        code_cycle_seconds=CODE_CYCLE_NS * 1e-9)


def msft_reference(counts: LogicalCounts, p: float, budget: float,
                   code_cycle_seconds: float = CODE_CYCLE_NS * 1e-9,
                   max_distance: int = MAX_DISTANCE) -> PhysicalEstimate:
    """The estimator's selection rule, re-implemented in floats on qmlc's round-based designs
    (:func:`qmlc.estimators.distillation.round_based_designs`): budget halves, data distance from
    the depth, the least qubits·duration per output among factories (distances ≤ the data
    distance) meeting the T-state error and finishing within the algorithm's runtime, and
    ⌈M / (⌊runtime/duration⌋·outputs)⌉ copies. Differences from the estimator: qmlc enumerates
    every non-decreasing distance sequence (the estimator prunes its search heuristically) and
    does not lengthen the algorithm when no factory fits within its runtime (it reports that)."""
    model = "msft-reference"
    details = ("the Microsoft estimator's selection rule on qmlc's round-based 15-to-1 designs "
               "(float arithmetic)")
    depth = counts.logical_depth
    states = counts.states("T")
    layout = BEVERLAND_LAYOUT.tiles(counts.qubits)
    rate = (budget / 2) / (layout * depth)
    d = min_distance(int(depth), counts.qubits, p, budget / 2)
    if d > max_distance:
        return failed(model, f"the data block needs d = {d} > {max_distance} (required logical "
                             f"error {rate:.3g} per qubit and logical cycle)", details)
    target = (budget / 2) / states
    algorithm_cycles = depth * d
    if target > p:      # the estimator's trivial 1-to-1 unit at the data distance: no distillation
        best = (2.0 * d * d, float(d), 1.0, f"injected T state, no distillation (d={d})")
    else:
        best = _least_volume_factory(p, d, target, algorithm_cycles)
    if best is None:
        return failed(model, f"no round-based factory with distances <= {d} reaches "
                             f"{target:.3g} per T state within the algorithm's {depth:.3g} "
                             "logical cycles", details)
    qubits, cycles, outputs, label = best
    runs = math.floor(algorithm_cycles / cycles)
    factories = math.ceil(states / (runs * outputs))
    factory_qubits = factories * qubits
    data_qubits = layout * 2 * d * d
    runtime = algorithm_cycles * code_cycle_seconds
    return PhysicalEstimate(
        model=model, model_details=details, qubits=int(round(data_qubits + factory_qubits)),
        runtime_seconds=runtime,
        runtime_human=human_duration(runtime), code_distance=d, factory=label,
        factory_count=factories, factory_qubits=int(round(factory_qubits)),
        data_qubits=data_qubits, data_block="beverland", code_cycle_seconds=code_cycle_seconds)


def _least_volume_factory(p: float, d: int, target: float, algorithm_cycles: float):
    """(qubits, cycles, outputs, name) of the least qubits·cycles per output among 1–3-round
    designs with distances ≤ d meeting ``target`` within ``algorithm_cycles`` (4 rounds if none)."""
    for rounds in (tuple(range(1, MAX_ROUNDS + 1)), (EXTRA_ROUNDS,)):
        designs = round_based_designs(p, rounds, BEVERLAND, d)
        if designs is None:
            continue
        fits = (designs.error <= target) & (designs.cycles <= algorithm_cycles)
        if fits.any():
            volume = np.where(fits, designs.qubits * designs.cycles / designs.outputs, np.inf)
            k = int(np.argmin(volume))
            return designs.qubits[k], designs.cycles[k], designs.outputs[k], designs.label(k)
    return None


__all__ = ["MODEL", "NAME", "msft_estimate", "msft_reference", "min_distance"]
