"""Physical resources from logical counts: two independent surface-code models side by side.

Both receive the *same* logical counts: bare T gates (rotations already synthesized into T with
the model of :mod:`qmlc.estimators.logical`), CCZ-equivalents (Toffoli + And + CSWAP), measurements and
the declared logical qubits.

``qualtran-gidney-fowler``
    Qualtran 0.7's ``get_ccz2t_costs_from_grid_search``: two-level Gidney–Fowler CCZ→2T factories
    (Gidney & Fowler, Quantum 3:135 (2019), arXiv:1812.01238) and a ``SimpleDataBlock`` (1.5 tiles
    per logical qubit, 2d² physical qubits per tile), logical error per tile and round
    P_L(d) = 0.1·(p/0.01)^((d+1)/2) (Fowler & Gidney, arXiv:1808.06709), 1 µs cycle; the search
    minimizes qubit·hours subject to factory error + data error ≤ the error budget.

    *Grid.* All distances are odd, in [3, ``GF_DISTANCE_CAP`` = 99]. Instead of Qualtran's fixed
    default grid (l1 ∈ [5, 23], l2 ≤ 39, data d ∈ [7, 33]) the grid is placed from the error
    budget, using Qualtran's own factory and error-model methods:

    1. l1_min = the smallest l1 whose factory meets the budget with l2 at the cap;
    2. l1 ∈ [l1_min, l1_min + 2·W] and, for each l1, l2 ∈ [l2_min(l1), max(l2_min(l1),
       2·l1 + 1) + 2·W], where l2_min(l1) is the smallest l2 > l1 whose factory error is below
       the budget. W = ``GF_WINDOW`` = 4 steps of 2, i.e. 10^-4 further suppression per level at
       p = 10^-3: enough that a larger distance can no longer buy a smaller data distance. l2 up
       to 2·l1 + 1 costs no time (a distillation step lasts max(2·l1 + 1, l2) cycles), so the l2
       window reaches past it;
    3. for each such factory, the smallest data distance d_f meeting the budget left over,
       budget − factory error ≥ tiles·cycles·P_L(d) (``QECScheme.code_distance_from_budget``);
       data distances d ∈ [min_f d_f − 2, max_f d_f + 2]. For a fixed factory the cost grows
       with d and the error falls, so d_f is that factory's optimum; the ±2 margin absorbs
       floating-point rounding in the inversion.

    Both monotonicities (factory error falls with l1 and l2; data error falls with d) hold in
    Qualtran's ``CCZ2TFactory`` and ``DataBlock`` formulas. The window holds ~25-60 factories
    and ~5-10 data blocks: a few hundred model evaluations, about 1-3 ms per call after
    Qualtran's import. Its optimum equals that of Qualtran's exhaustive search over every odd
    distance up to the cap (benchmarks/bench_gf_grid.py; tests/test_physical_models.py).

    *Infeasible regime.* The two-level factory cannot produce a CCZ state more reliable than its
    distillation floor: with every distance → ∞ the level-0 (injected) error tends to p, level 1
    to 35·p³ and level 2 to 28·(35·p³)² = 34300·p⁶ per CCZ state (3.43e-14 at p = 1e-3). With
    N = n_CCZ + ⌈n_T/2⌉ CCZ states (Qualtran's accounting: a CCZ state catalyzes two T states),
    the model is infeasible when N·34300·p⁶ ≥ budget, whatever the grid: at p = 1e-3 and budget
    0.01 that is N ≥ 2.9e11 (about 5.8e11 T gates). The result then carries an ``error`` that
    states the floor, the largest count this p allows, and the largest p this count allows. Near
    threshold (p → 0.01) the needed distances may exceed the cap instead; the error says so.

``msft-resource-estimator``
    The Microsoft resource estimator run locally (``qsharp.estimator.LogicalCounts(...).estimate``;
    Beverland et al., arXiv:2211.07629): gate-based surface code, P_L = 0.03·(p/0.01)^((d+1)/2),
    2d² physical qubits per logical qubit, logical cycle (4·t_2q + 2·t_meas)·d with 50 ns gates
    and 100 ns measurements, error budget split by the estimator, distance ≤ 50, up to three
    rounds of 15-to-1 distillation. Physical error rate p is set on all operations.

    *Range.* qsharp 1.31's estimator holds the runtime in nanoseconds as an unsigned 64-bit
    integer that wraps silently: for runtimes ≥ 2^64 ns (≈ 584.5 years) it returns
    runtime mod 2^64 together with factory counts and distances derived from it (measured: 1e16
    T gates on 300 qubits at p = 1e-3 report 8.43e18 ns instead of 1e16·15.6 µs = 1.56e20 ns), and
    near 1e18 CCZ it does not return at all. The logical counts themselves are accepted far
    beyond that. So the estimator is not run when a lower bound of its runtime, logical depth
    (measurements + T + 3·CCZ) × (4·t_2q + 2·t_meas) × d_min, is ≥ 2^64 ns, where d_min is the
    distance its own formula needs with the whole budget spent on data; and a returned runtime
    must equal logical depth × logical cycle time exactly (checked with Python integers).
"""

from __future__ import annotations

import math
import warnings

GF_MODEL = "qualtran-gidney-fowler (CCZ2T factories, arXiv:1812.01238; 1 us cycle)"
MSFT_MODEL = ("msft-resource-estimator (qsharp.estimator, gate-based surface code, "
              "Beverland et al. arXiv:2211.07629; 50 ns gates, 100 ns measurement)")

GF_DISTANCE_CAP = 99
GF_MIN_DISTANCE = 3
GF_WINDOW = 4
GF_THRESHOLD = 0.01          # QECScheme.make_gidney_fowler().error_rate_threshold
GF_CYCLE_US = 1.0

# Microsoft estimator (qsharp 1.31): runtime is a u64 count of nanoseconds
MSFT_RUNTIME_LIMIT_NS = 2**64
MSFT_GATE_NS, MSFT_MEAS_NS = 50, 100
MSFT_MAX_DISTANCE = 50


def distillation_floor(physical_error_rate: float) -> float:
    """Error per CCZ state of the two-level CCZ→2T factory with all distances → ∞:
    28·(35·p³)² (Gidney & Fowler arXiv:1812.01238, as in Qualtran's ``CCZ2TFactory``)."""
    return 28 * (35 * physical_error_rate**3) ** 2


def ccz_states(t_count: int, ccz_count: int) -> int:
    """CCZ states the factory must make: one per CCZ, one per two T (catalyzed CCZ→2T)."""
    return int(ccz_count) + (int(t_count) + 1) // 2


def _infeasible(message: str) -> dict:
    return {"qubits": None, "runtime_seconds": None, "code_distance": None, "model": GF_MODEL,
            "error": message}


def _odd_range(lo: int, hi: int) -> range:
    """Odd integers in [lo, hi]."""
    return range(lo | 1, hi + 1, 2)


def _first(pred, candidates):
    return next((c for c in candidates if pred(c)), None)


def gf_search_grid(t_count: int, ccz_count: int, qubits: int, physical_error_rate: float,
                   error_budget: float):
    """(factories, data blocks) to hand to Qualtran's grid search, placed from the error budget
    as described in the module docstring; raises ``ValueError`` with the reason when no
    configuration within the distance cap can meet the budget."""
    from qualtran.resource_counting import GateCounts
    from qualtran.surface_code import (
        CCZ2TFactory,
        LogicalErrorModel,
        QECScheme,
        SimpleDataBlock,
    )

    p, budget, cap = physical_error_rate, error_budget, GF_DISTANCE_CAP
    scheme = QECScheme.make_gidney_fowler()
    model = LogicalErrorModel(physical_error=p, qec_scheme=scheme)
    counts = GateCounts(t=int(t_count), toffoli=int(ccz_count))
    n_states = ccz_states(t_count, ccz_count)

    if not 0 < p < scheme.error_rate_threshold:
        raise ValueError(f"physical error rate {p:g} is not below the surface-code threshold "
                         f"{scheme.error_rate_threshold:g} of the Gidney-Fowler model")
    floor = distillation_floor(p)
    if n_states * floor >= budget:
        max_t = 2 * budget / floor
        max_p = (budget / (34300 * n_states)) ** (1 / 6)
        raise ValueError(
            f"{n_states:.3g} CCZ states exceed what a two-level CCZ2T factory can distil within "
            f"the error budget {budget:g}: its floor is 28*(35 p^3)^2 = {floor:.3g} per CCZ "
            f"state at p = {p:g} (all distances -> infinity), so at most ~{max_t:.3g} T gates "
            f"fit; this count needs p < {max_p:.3g}")

    def factory_error(l1: int, l2: int) -> float:
        return CCZ2TFactory(l1, l2).factory_error(counts, model)

    l1_min = _first(lambda l1: factory_error(l1, cap) < budget,
                    _odd_range(GF_MIN_DISTANCE, cap - 2))
    if l1_min is None:
        raise ValueError(f"no CCZ2T factory with distances <= {cap} meets the error budget "
                         f"{budget:g} for {n_states:.3g} CCZ states at p = {p:g}")
    factories = []
    for l1 in _odd_range(l1_min, min(l1_min + 2 * GF_WINDOW, cap - 2)):
        l2_min = _first(lambda l2, l1=l1: factory_error(l1, l2) < budget,
                        _odd_range(l1 + 2, cap))
        if l2_min is None:
            continue
        # l2 up to 2·l1 + 1 adds no cycles (the distillation time is max(2·l1 + 1, l2) per step)
        l2_hi = max(l2_min, 2 * l1 + 1) + 2 * GF_WINDOW
        factories += [CCZ2TFactory(l1, l2) for l2 in _odd_range(l2_min, min(l2_hi, cap))]

    tiles = SimpleDataBlock(data_d=3).n_tiles(int(qubits))
    data_ds = []
    for factory in factories:
        left = budget - factory.factory_error(counts, model)
        cycles = factory.n_cycles(counts, model)
        data_ds.append(scheme.code_distance_from_budget(p, left / (tiles * cycles)))
    d_lo = max(GF_MIN_DISTANCE, min(data_ds) - 2)
    d_hi = min(cap, max(data_ds) + 2)
    if d_lo > cap:
        raise ValueError(f"the data block needs a code distance above the cap {cap} to meet the "
                         f"error budget {budget:g} at p = {p:g}")
    blocks = [SimpleDataBlock(data_d=d) for d in _odd_range(d_lo, d_hi)]
    return factories, blocks


def gidney_fowler(t_count: int, ccz_count: int, qubits: int, physical_error_rate: float,
                  error_budget: float) -> dict:
    """Qualtran's Gidney–Fowler grid search on (T, CCZ) counts over the budget-placed grid of
    :func:`gf_search_grid`; a dict with an ``error`` key when no configuration meets the budget."""
    from qualtran.resource_counting import GateCounts
    from qualtran.surface_code import get_ccz2t_costs_from_grid_search

    try:
        factories, blocks = gf_search_grid(t_count, ccz_count, qubits, physical_error_rate,
                                           error_budget)
        cost, factory, block = get_ccz2t_costs_from_grid_search(
            n_logical_gates=GateCounts(t=int(t_count), toffoli=int(ccz_count)),
            n_algo_qubits=int(qubits), phys_err=physical_error_rate, error_budget=error_budget,
            cycle_time_us=GF_CYCLE_US, factory_iter=factories, data_block_iter=blocks)
    except ValueError as exc:
        return _infeasible(str(exc))
    return {"qubits": int(cost.footprint), "runtime_seconds": float(cost.duration_hr) * 3600,
            "code_distance": int(block.data_d), "failure_probability": float(cost.failure_prob),
            "factory": f"CCZ2T(l1_d={factory.distillation_l1_d}, "
                       f"l2_d={factory.distillation_l2_d})",
            "factory_qubits": int(factory.n_physical_qubits()),
            "model": GF_MODEL}


def msft_min_distance(depth: int, qubits: int, physical_error_rate: float,
                      error_budget: float) -> int:
    """Smallest odd d with 0.03·(p/0.01)^((d+1)/2) ≤ budget / (Q_layout · depth): a lower bound
    of the estimator's data distance (it spends only part of the budget on data)."""
    layout = 2 * qubits + math.ceil(math.sqrt(8 * qubits)) + 1
    target = error_budget / (layout * max(depth, 1))
    r = math.log(target / 0.03) / math.log(physical_error_rate / 0.01)
    return max(3, 2 * math.ceil(r) - 1)


def msft_estimate(t_count: int, ccz_count: int, measurements: int, qubits: int,
                  physical_error_rate: float, error_budget: float) -> dict:
    """The Microsoft resource estimator on the same logical counts (runs locally)."""
    def failed(message: str) -> dict:
        return {"qubits": None, "runtime_seconds": None, "code_distance": None,
                "model": MSFT_MODEL, "error": message}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qsharp.estimator import LogicalCounts

    p = physical_error_rate
    depth = int(measurements) + int(t_count) + 3 * int(ccz_count)
    d_min = msft_min_distance(depth, int(qubits), p, error_budget)
    # beyond its maximum distance the estimator refuses by itself; the bound uses at most that
    d_min = min(d_min, MSFT_MAX_DISTANCE)
    runtime_lb = depth * (4 * MSFT_GATE_NS + 2 * MSFT_MEAS_NS) * d_min
    if runtime_lb >= MSFT_RUNTIME_LIMIT_NS:
        return failed(f"runtime >= {runtime_lb:.3g} ns (logical depth {depth:.3g} x logical "
                      f"cycle at d >= {d_min}) exceeds the estimator's unsigned 64-bit "
                      f"nanosecond counter (2^64 ns = 584.5 years), which wraps; not run")
    qubit_params = {
        "name": "qmlc_gate_ns", "instructionSet": "GateBased",
        "oneQubitMeasurementTime": f"{MSFT_MEAS_NS} ns", "oneQubitGateTime": f"{MSFT_GATE_NS} ns",
        "twoQubitGateTime": f"{MSFT_GATE_NS} ns", "tGateTime": f"{MSFT_GATE_NS} ns",
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
        return failed(" ".join(str(exc).split())[:300])
    runtime_ns = int(physical["runtime"])
    exact_ns = int(physical["breakdown"]["logicalDepth"]) * int(
        result["logicalQubit"]["logicalCycleTime"])
    if runtime_ns != exact_ns:
        return failed(f"the estimator's runtime {runtime_ns} ns differs from logical depth x "
                      f"cycle time = {exact_ns} ns (64-bit wrap-around); result discarded")
    return {"qubits": int(physical["physicalQubits"]),
            "runtime_seconds": runtime_ns * 1e-9,
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
