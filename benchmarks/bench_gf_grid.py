"""The budget-placed Gidney–Fowler grid of ``estimators.physical`` against Qualtran's exhaustive
grid search over every odd distance up to the same cap (the peer), on the same counts.

For each (T-count, CCZ-count, logical qubits, p, budget) case both searches run through
``qualtran.surface_code.get_ccz2t_costs_from_grid_search``; the table shows whether the optimum
(factory distances, data distance, qubit·hours) agrees, the two times (median of ``--repeats``)
and their ratio. The exhaustive grid is l1 ∈ [3, cap−2], l2 ∈ (l1, cap], d ∈ [3, cap], odd.

Run: ``python benchmarks/bench_gf_grid.py [--repeats 3] [--cap 99] [--random 40]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [  # (t_count, ccz_count, qubits, p, budget)
    (10**8, 0, 300, 1e-3, 1e-2), (10**10, 10**9, 300, 1e-3, 1e-2), (5 * 10**11, 0, 300, 1e-3, 1e-2),
    (10**6, 0, 100, 5e-3, 1e-2), (10**9, 10**8, 5000, 2e-3, 1e-1), (10**16, 0, 300, 1e-4, 1e-2),
    (10**16, 10**15, 300, 1e-4, 1e-3), (10**20, 0, 300, 1e-5, 1e-2), (10**22, 0, 300, 1e-5, 1e-2),
    (10**4, 10**3, 20, 1e-4, 1e-2), (10**13, 0, 2000, 3e-4, 1e-2),
]


def exhaustive(t, ccz, q, p, budget, cap):
    from qualtran.resource_counting import GateCounts
    from qualtran.surface_code import (
        CCZ2TFactory,
        SimpleDataBlock,
        get_ccz2t_costs_from_grid_search,
    )

    factories = [CCZ2TFactory(l1, l2) for l1 in range(3, cap - 1, 2)
                 for l2 in range(l1 + 2, cap + 1, 2)]
    blocks = [SimpleDataBlock(data_d=d) for d in range(3, cap + 1, 2)]
    try:
        cost, f, b = get_ccz2t_costs_from_grid_search(
            n_logical_gates=GateCounts(t=t, toffoli=ccz), n_algo_qubits=q, phys_err=p,
            error_budget=budget, factory_iter=factories, data_block_iter=blocks)
    except ValueError:
        return None
    return (f.distillation_l1_d, f.distillation_l2_d, b.data_d, cost.qubit_hours)


def windowed(t, ccz, q, p, budget):
    from qmlc.estimators.physical import gidney_fowler

    r = gidney_fowler(t, ccz, q, p, budget)
    if r["qubits"] is None:
        return None
    l1, l2 = (int(x.split("=")[1]) for x in r["factory"][6:-1].split(", "))
    return (l1, l2, r["code_distance"], r["qubits"] * r["runtime_seconds"] / 3600)


def agree_on(w, e) -> bool:
    """Both infeasible, or the same optimal qubit·hours (ties may pick different distances)."""
    if w is None or e is None:
        return w is None and e is None
    return abs(w[3] - e[3]) <= 1e-9 * e[3]


def fmt(x) -> str:
    return "infeasible" if x is None else str(x[:3])


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def main() -> None:
    import numpy as np

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cap", type=int, default=99)
    ap.add_argument("--random", type=int, default=40, help="extra random cases (agreement only)")
    args = ap.parse_args()
    import qmlc.estimators.physical as physical

    physical.GF_DISTANCE_CAP = args.cap
    windowed(10**6, 0, 100, 1e-3, 1e-2)  # import Qualtran once, outside the timings
    print(f"== Gidney-Fowler search: budget-placed window vs exhaustive grid (cap {args.cap}), "
          f"median of {args.repeats} ==")
    print(f"{'T':>8} {'CCZ':>8} {'Q':>5} {'p':>7} {'budget':>7} {'window (l1,l2,d)':>17} "
          f"{'exhaustive':>14} {'same':>5} {'window ms':>9} {'exh. ms':>9} {'ratio':>7}")
    for case in CASES:
        w, tw = timed(lambda c=case: windowed(*c), args.repeats)
        e, te = timed(lambda c=case: exhaustive(*c, args.cap), 1)
        same = agree_on(w, e)
        print(f"{case[0]:8.0e} {case[1]:8.0e} {case[2]:5d} {case[3]:7.0e} {case[4]:7.0e} "
              f"{fmt(w):>17} {fmt(e):>14} {str(same):>5} {tw * 1e3:9.2f} {te * 1e3:9.1f} "
              f"{te / tw:7.0f}")
    rng = np.random.default_rng(1)
    agree = total = 0
    worst = []
    for _ in range(args.random):
        p = float(10 ** rng.uniform(-5, -2.3))
        case = (int(10 ** rng.uniform(3, 22)), int(10 ** rng.uniform(0, 20)),
                int(10 ** rng.uniform(1, 4)), p, float(10 ** rng.uniform(-3, -0.5)))
        w, e = windowed(*case), exhaustive(*case, args.cap)
        total += 1
        ok = agree_on(w, e)
        agree += ok
        if not ok:
            worst.append((case, w, e))
    print(f"random cases: window optimum == exhaustive optimum in {agree}/{total}")
    for case, w, e in worst:
        print("  differs:", case, w, e)


if __name__ == "__main__":
    main()
