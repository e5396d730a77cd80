"""qmlc's physical layer against Qualtran's grid search (the peer a user would pick: Qualtran 0.7
``get_ccz2t_costs_from_grid_search`` with its default grids) on the same logical counts.

Table 1, same question: the Gidney–Fowler search on Qualtran's default grid (190 factories × 14
data distances). Qualtran's call vs :func:`qmlc.estimators.physical.gidney_fowler_grid_search`
(qmlc's vectorized formulas), median of ``--repeats``, whether the optimum agrees (qubits and
hours), and the ratio.

Table 2, the whole answer: :func:`qmlc.estimators.physical.physical_estimates` (four factory
models, every design × factory count × layout × distance, cheapest by volume and the frontier),
without the Microsoft estimator call; "cold" clears qmlc's per-p design caches first, "warm" does
not. Columns: configurations enumerated, frontier points, the verdict, and the time relative to
Qualtran's default grid search at the same counts (which answers only within its floor).

``--wide``: Qualtran's grid search over qmlc's full CCZ2T grid (every odd d1 < d2 ≤ 61, data d ≤
61: the exhaustive search) vs qmlc on the same grid, for one case.

Run: ``python benchmarks/bench_physical_frontier.py [--repeats 5] [--wide]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = [  # (T, CCZ, logical qubits, p)
    (10**6, 10**5, 100, 1e-3), (10**8, 0, 300, 1e-3), (10**9, 10**8, 300, 1e-3),
    (10**11, 10**9, 300, 1e-3), (10**12, 0, 100, 1e-4), (10**5, 10**4, 500, 2e-3),
    (4 * 10**15, 7 * 10**14, 288, 1e-3), (2 * 10**20, 0, 301, 1e-3), (10**22, 0, 300, 1e-4),
]
BUDGET = 1e-2


def timed(repeats, fn, *args):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def qualtran(t, ccz, q, p, factories=None, blocks=None):
    from qualtran.resource_counting import GateCounts
    from qualtran.surface_code import get_ccz2t_costs_from_grid_search

    kwargs = {} if factories is None else {"factory_iter": factories, "data_block_iter": blocks}
    try:
        cost, f, b = get_ccz2t_costs_from_grid_search(
            n_logical_gates=GateCounts(t=t, toffoli=ccz), n_algo_qubits=q, phys_err=p,
            error_budget=BUDGET, **kwargs)
    except ValueError:
        return None
    return cost.footprint, cost.duration_hr


def clear_caches():
    from qmlc.estimators import distillation, physical

    distillation.round_based_designs.cache_clear()
    distillation.cultivation_chain_designs.cache_clear()
    physical._gf_designs.cache_clear()


def main() -> None:
    from qmlc.estimators.frontier import LogicalCounts
    from qmlc.estimators.physical import gidney_fowler_grid_search, physical_estimates

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--wide", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    qualtran(10**6, 0, 100, 1e-3)                      # imports outside the timings
    gidney_fowler_grid_search(LogicalCounts(t=10**6, ccz=0, qubits=100), 1e-3, BUDGET)

    print(f"== 1. Gidney-Fowler search on Qualtran's default grid, median of {args.repeats} ==")
    print(f"{'T':>8} {'CCZ':>8} {'Q':>4} {'p':>6} {'Qualtran (qubits, h)':>24} {'same':>5} "
          f"{'Qualtran ms':>11} {'qmlc ms':>8} {'ratio':>6}")
    peer_ms = {}
    for t, ccz, q, p in CASES:
        theirs, tq = timed(max(1, args.repeats // 2), qualtran, t, ccz, q, p)
        ours, to = timed(args.repeats, gidney_fowler_grid_search,
                         LogicalCounts(t=t, ccz=ccz, qubits=q), p, BUDGET)
        same = (theirs is None and not ours.ok) or (
            theirs is not None and ours.qubits == theirs[0]
            and abs(ours.runtime_seconds / 3600 - theirs[1]) <= 1e-12 * theirs[1])
        peer_ms[(t, ccz, q, p)] = tq * 1e3
        shown = "No valid factories" if theirs is None else f"({theirs[0]:,}, {theirs[1]:.4g})"
        print(f"{t:8.0e} {ccz:8.0e} {q:4d} {p:6.0e} {shown:>24} {str(same):>5} {tq * 1e3:11.1f} "
              f"{to * 1e3:8.2f} {tq / to:6.0f}")

    print("\n== 2. qmlc's whole library (4 models, cheapest + frontier) at the same counts ==")
    print(f"{'T':>8} {'p':>6} {'configs':>9} {'front':>5} {'cold ms':>8} {'warm ms':>8} "
          f"{'warm/Qualtran':>13}  verdict")
    for t, ccz, q, p in CASES:
        counts = LogicalCounts(t=t, ccz=ccz, qubits=q)
        cold = []
        for _ in range(max(1, args.repeats // 2)):
            clear_caches()
            start = time.perf_counter()
            physical_estimates(counts, p, BUDGET, run_msft=False)
            cold.append(time.perf_counter() - start)
        r, warm = timed(args.repeats, physical_estimates, counts, p, BUDGET, False)
        configs = sum(m.configurations or 0 for m in r.physical_models.values())
        verdict = (f"{r.physical.qubits:,} qubits, {r.physical.runtime_human} ({r.physical.model})"
                   if r.physical.ok else "none")
        print(f"{t:8.0e} {p:6.0e} {configs:9,d} {len(r.pareto):5d} "
              f"{statistics.median(cold) * 1e3:8.1f} {warm * 1e3:8.1f} "
              f"{warm * 1e3 / peer_ms[(t, ccz, q, p)]:13.2f}  {verdict}")

    if args.wide:
        from qualtran.surface_code import CCZ2TFactory, SimpleDataBlock

        cap = 61
        t, ccz, q, p = 10**16, 0, 300, 1e-4
        pairs = [(a, b) for a in range(3, cap - 1, 2) for b in range(a + 2, cap + 1, 2)]
        ds = list(range(3, cap + 1, 2))
        print(f"\n== 3. exhaustive grid (d1 < d2 <= {cap}, d <= {cap}: {len(pairs)} x {len(ds)}) "
              f"at T = {t:.0e}, p = {p:g} ==")
        theirs, tq = timed(1, qualtran, t, ccz, q, p, [CCZ2TFactory(a, b) for a, b in pairs],
                           [SimpleDataBlock(data_d=d) for d in ds])
        ours, to = timed(args.repeats, gidney_fowler_grid_search,
                         LogicalCounts(t=t, ccz=ccz, qubits=q), p, BUDGET, pairs, ds)
        print(f"Qualtran {theirs} in {tq:.2f} s; qmlc ({ours.qubits}, "
              f"{ours.runtime_seconds / 3600:.6g}) in {to * 1e3:.1f} ms; ratio {tq / to:.0f}")


if __name__ == "__main__":
    main()
