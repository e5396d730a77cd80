"""The two surface-code models of ``estimators.physical`` against independent references:
Qualtran's own grid searches (default and exhaustive grids), the Gidney–Fowler error and footprint
formulas evaluated by hand (arXiv:1812.01238, arXiv:1808.06709), and the Microsoft estimator's
published runtime formula (Beverland et al., arXiv:2211.07629)."""

from __future__ import annotations

import math
import warnings

import pytest

from qmlc.estimators.physical import gidney_fowler, msft_estimate

P3, BUDGET, Q = 1e-3, 1e-2, 300


def qualtran_search(t, ccz, q, p, budget, factories=None, blocks=None):
    """Qualtran's grid search as its users call it (default grid unless given)."""
    from qualtran.resource_counting import GateCounts
    from qualtran.surface_code import get_ccz2t_costs_from_grid_search

    kwargs = {}
    if factories is not None:
        kwargs = {"factory_iter": factories, "data_block_iter": blocks}
    cost, f, b = get_ccz2t_costs_from_grid_search(
        n_logical_gates=GateCounts(t=t, toffoli=ccz), n_algo_qubits=q, phys_err=p,
        error_budget=budget, **kwargs)
    return cost, f, b


def wide_grid(cap: int):
    from qualtran.surface_code import CCZ2TFactory, SimpleDataBlock

    return ([CCZ2TFactory(l1, l2) for l1 in range(3, cap - 1, 2)
             for l2 in range(l1 + 2, cap + 1, 2)],
            [SimpleDataBlock(data_d=d) for d in range(3, cap + 1, 2)])


def factory_distances(result: dict) -> tuple[int, int]:
    l1, l2 = (int(x.split("=")[1]) for x in result["factory"][len("CCZ2T("):-1].split(", "))
    return l1, l2


def assert_same_optimum(result, cost, factory, block):
    assert result["qubits"] == cost.footprint
    assert result["runtime_seconds"] == pytest.approx(cost.duration_hr * 3600, rel=1e-12)
    assert result["code_distance"] == block.data_d
    assert factory_distances(result) == (factory.distillation_l1_d, factory.distillation_l2_d)


# ---- Gidney–Fowler formulas by hand (arXiv:1812.01238 §2–3; P_L from arXiv:1808.06709) ----

def p_logical(d: int, p: float) -> float:
    return 0.1 * (p / 0.01) ** ((d + 1) / 2)


def hand_costs(t: int, ccz: int, q: int, p: float, l1: int, l2: int, d: int):
    """(total error, physical qubits, cycles) of a CCZ→2T factory (l1, l2) and a simple data
    block at distance d: level 0 = injection p + 100 cells at d1/2; level 1 = 1100 cells at l1 +
    35·e0³; level 2 = 1000 cells at l2 + 28·e1²; one CCZ state per CCZ and per two T; 5.5 + 1
    (catalysis) distillation steps of max(2·l1 + 1, l2) cycles; 1.5 tiles of 2d² per qubit."""
    e0 = p + 100 * p_logical(l1 // 2, p)
    e1 = 1100 * p_logical(l1, p) + 35 * e0**3
    e2 = 1000 * p_logical(l2, p) + 28 * e1**2
    pairs = math.ceil(t / 2)
    states = ccz + pairs
    cycles = math.ceil((states * 5.5 + pairs) * max(2 * l1 + 1, l2))
    tiles = math.ceil(1.5 * q)
    error = e2 * states + tiles * cycles * p_logical(d, p)
    factory_qubits = 6 * (64 * l1**2) + 64 * l2**2
    return error, factory_qubits + tiles * 2 * d**2, cycles


# ---- (1) same optimum as Qualtran's own searches ----

@pytest.mark.parametrize("t,ccz", [(10**4, 10**3), (10**8, 0), (10**9, 10**8)])
def test_moderate_counts_match_qualtran_default_grid(t, ccz):
    """Where Qualtran's default grid (l1 5..23, l2 ..39, d 7..33) has an interior optimum."""
    cost, f, b = qualtran_search(t, ccz, Q, P3, BUDGET)
    assert 5 < f.distillation_l1_d < 23 and 7 < b.data_d < 33  # interior: the grid is not binding
    assert_same_optimum(gidney_fowler(t, ccz, Q, P3, BUDGET), cost, f, b)


@pytest.mark.parametrize("t,ccz,q,p,budget", [(10**16, 0, Q, 1e-4, BUDGET),
                                              (10**20, 10**18, Q, 1e-5, BUDGET),
                                              (5 * 10**11, 0, Q, P3, BUDGET),
                                              (10**9, 10**8, 5000, 2e-3, 1e-1)])
def test_large_counts_match_exhaustive_qualtran_grid(t, ccz, q, p, budget):
    """Against Qualtran's search over every odd distance up to 61 (none of these optima is near
    61, so the exhaustive grid is not binding)."""
    factories, blocks = wide_grid(61)
    cost, f, b = qualtran_search(t, ccz, q, p, budget, factories, blocks)
    assert b.data_d < 59 and f.distillation_l2_d < 59
    assert_same_optimum(gidney_fowler(t, ccz, q, p, budget), cost, f, b)


# ---- (2) the distance meets the published error formula, and d − 2 would not ----

@pytest.mark.parametrize("t,p", [(10**16, 1e-4), (10**20, 1e-5), (10**11, P3)])
def test_distance_is_the_smallest_meeting_the_budget(t, p):
    r = gidney_fowler(t, 0, Q, p, BUDGET)
    l1, l2 = factory_distances(r)
    d = r["code_distance"]
    err, qubits, cycles = hand_costs(t, 0, Q, p, l1, l2, d)
    assert err <= BUDGET
    assert r["failure_probability"] == pytest.approx(err, rel=1e-9)
    assert hand_costs(t, 0, Q, p, l1, l2, d - 2)[0] > BUDGET
    # runtime: cycles × 1 µs; qubits: factory + 1.5 tiles of 2d² per logical qubit
    assert r["runtime_seconds"] == pytest.approx(cycles * 1e-6, rel=1e-12)
    assert r["qubits"] == qubits


@pytest.mark.parametrize("t", [10**12, 10**16, 10**20])
def test_counts_beyond_the_distillation_floor_are_refused_at_p_1e3(t):
    """28·(35·p³)²·⌈T/2⌉ ≥ budget: no distances can help (floor 3.43e-14 per CCZ at p = 1e-3)."""
    floor = 28 * (35 * P3**3) ** 2
    assert math.ceil(t / 2) * floor >= BUDGET
    r = gidney_fowler(t, 0, Q, P3, BUDGET)
    assert r["qubits"] is None and r["code_distance"] is None
    assert "28*(35 p^3)^2" in r["error"] and f"{floor:.3g}" in r["error"]
    # the largest p at which this count clears the floor, stated in the message, is consistent
    p_max = float(r["error"].rsplit("p < ", 1)[1])
    assert math.ceil(t / 2) * 28 * (35 * (0.99 * p_max) ** 3) ** 2 < BUDGET
    # just under the floor the same p is feasible (5e11 T: 2.5e11 · 3.43e-14 = 8.6e-3)
    assert gidney_fowler(5 * 10**11, 0, Q, P3, BUDGET)["qubits"] is not None


def test_near_threshold_states_the_distance_cap():
    r = gidney_fowler(10**4, 0, Q, 8e-3, BUDGET)
    assert r["qubits"] is None and "99" in r["error"]


# ---- (3) qubits grow with d as the data block's published footprint ----

def test_data_qubits_follow_two_d_squared_per_tile():
    seen = {}
    for t in (10**6, 10**8, 10**10, 5 * 10**11):
        r = gidney_fowler(t, 0, Q, P3, BUDGET)
        l1, l2 = factory_distances(r)
        d = r["code_distance"]
        seen[d] = r["qubits"] - (6 * 64 * l1**2 + 64 * l2**2)
        assert seen[d] == 2 * d**2 * math.ceil(1.5 * Q)
    assert len(seen) >= 3  # several distances, each with the 2d²·⌈1.5·Q⌉ data footprint


# ---- Microsoft estimator: its 64-bit runtime limit ----

def _msft_raw(t_count: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from qsharp.estimator import LogicalCounts
    params = {"name": "x", "instructionSet": "GateBased", "oneQubitMeasurementTime": "100 ns",
              "oneQubitGateTime": "50 ns", "twoQubitGateTime": "50 ns", "tGateTime": "50 ns",
              "oneQubitMeasurementErrorRate": P3, "oneQubitGateErrorRate": P3,
              "twoQubitGateErrorRate": P3, "tGateErrorRate": P3, "idleErrorRate": P3}
    counts = LogicalCounts({"numQubits": Q, "tCount": t_count, "rotationCount": 0,
                            "rotationDepth": 0, "cczCount": 0, "measurementCount": 0})
    return counts.estimate({"qubitParams": params, "errorBudget": BUDGET})


def test_msft_runtime_counter_wraps_at_2_to_the_64_ns():
    """The limit is real: at 1e16 T the reported runtime is (depth · (4·50 + 2·100)·d ns) mod
    2^64, and estimators.physical refuses to run it."""
    raw = _msft_raw(10**16)
    d = raw["logicalQubit"]["codeDistance"]
    true_ns = 10**16 * (4 * 50 + 2 * 100) * d
    assert true_ns >= 2**64 and raw["physicalCounts"]["runtime"] == true_ns % 2**64
    r = msft_estimate(10**16, 0, 0, Q, P3, BUDGET)
    assert r["qubits"] is None and "64-bit" in r["error"]


@pytest.mark.parametrize("t", [10**12, 10**15])
def test_msft_below_the_limit_follows_its_runtime_formula(t):
    r = msft_estimate(t, 0, 0, Q, P3, BUDGET)
    d = r["code_distance"]
    assert r["runtime_seconds"] == pytest.approx(t * (4 * 50 + 2 * 100) * d * 1e-9, rel=1e-12)
    layout = 2 * Q + math.ceil(math.sqrt(8 * Q)) + 1
    assert r["qubits"] > layout * 2 * d * d
