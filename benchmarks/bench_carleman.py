"""Carleman lift + history construction: time and peak memory against nnz.

qmlc's construction (:func:`qmlc.compiler.carleman.carleman_lift`, one recursion sharing partial
Kronecker products) against the plain reference (:func:`carleman_lift_reference`, one
``scipy.sparse.kron`` chain per composition, accumulated into M), on random sparse polynomial
maps with fixed row sparsity. Medians of ``--repeats`` runs; peak memory from tracemalloc
(numpy and scipy allocations are traced). Run: ``python benchmarks/bench_carleman.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from functools import partial

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.carleman import (
    carleman_lift,
    carleman_lift_reference,
    carleman_vector,
    history_system,
    history_system_reference,
)
from qmlc.compiler.polymap import make_polynomial_map


def random_map(n: int, s1: int, s2: int, seed: int):
    rng = np.random.default_rng(seed)
    G1 = sp.random(n, n, density=min(1.0, s1 / n), random_state=rng) * 0.2 + 0.5 * sp.eye(n)
    G2 = sp.random(n, n * n, density=s2 / (n * n), random_state=rng) * 0.1
    return make_polynomial_map([0.01 * rng.normal(size=n), G1, G2], 0.01 * rng.normal(size=n))


def measure(build, repeats: int) -> tuple[float, float, object]:
    times, peaks, result = [], [], None
    for _ in range(repeats):
        tracemalloc.start()
        start = time.perf_counter()
        result = build()
        times.append(time.perf_counter() - start)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return statistics.median(times), statistics.median(peaks), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    cases = [(10, 2), (30, 2), (100, 2), (200, 2), (300, 2), (10, 3), (30, 3)]
    print(f"T = {args.steps}; G1 ≈ 4 random + diagonal per row, G2 ≈ 3 per row; "
          f"median of {args.repeats}; peer = one scipy.sparse.kron chain per composition (lift) "
          "and I − kron(S, M) (history)")
    print(f"{'n':>5} {'N':>2} {'rows':>10} {'nnz(A)':>11} | {'lift s':>7} {'ref s':>7} {'ratio':>6} | "
          f"{'hist s':>7} {'ref s':>7} {'ratio':>6} | {'peak MiB':>8} {'ref MiB':>8} {'ratio':>6}")
    for n, order in cases:
        pm = random_map(n, 4, 3, seed=n)
        y_in = carleman_vector(pm.u0, order)
        ref_repeats = args.repeats if n <= 100 else 1
        t_lift, _, (M, c) = measure(partial(carleman_lift, pm.G, order), args.repeats)
        t_lift_ref, _, (M_ref, _) = measure(partial(carleman_lift_reference, pm.G, order),
                                            ref_repeats)
        assert abs(M - M_ref).max() < 1e-12
        t_hist, _, (A, _) = measure(partial(history_system, M, c, y_in, args.steps),
                                       args.repeats)
        t_hist_ref, _, (A_ref, _) = measure(
            partial(history_system_reference, M, c, y_in, args.steps), ref_repeats)
        assert (A != A_ref).nnz == 0
        del A_ref

        def ours(pm=pm, order=order, y_in=y_in):
            M, c = carleman_lift(pm.G, order)
            return history_system(M, c, y_in, args.steps)

        def reference(pm=pm, order=order, y_in=y_in):
            M, c = carleman_lift_reference(pm.G, order)
            return history_system_reference(M, c, y_in, args.steps)

        _, peak, _ = measure(ours, 1)
        _, peak_ref, _ = measure(reference, 1)
        print(f"{n:>5} {order:>2} {A.shape[0]:>10} {A.nnz:>11} | {t_lift:7.3f} {t_lift_ref:7.3f} "
              f"{t_lift_ref / t_lift:6.2f} | {t_hist:7.3f} {t_hist_ref:7.3f} "
              f"{t_hist_ref / t_hist:6.2f} | {peak:8.1f} {peak_ref:8.1f} {peak_ref / peak:6.2f}")


if __name__ == "__main__":
    main()
