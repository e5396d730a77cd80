"""Benchmarks of ``qmlc estimate``: CLI latency at n = 10⁸, the lambdified sweep against calling
Qualtran's cost counting once per point, and the two surface-code models side by side.

Run: ``python benchmarks/bench_estimate.py [--repeats 3] [--per-point 20]``. Prints tables with
medians; the sweep ratio is measured in the same run (the per-point cost is timed on
``--per-point`` points and the 10⁴-point total extrapolated linearly from its median — each point
is an independent call, so this is exact up to noise).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLI = [sys.executable, "-m", "qmlc.reports.cli", "estimate", "--n", "1e8", "--steps", "1000",
       "--order", "2", "--row-sparsity", "16", "--epsilon", "1e-3", "--json"]


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_cli(repeats: int) -> None:
    print("== qmlc estimate at n = 1e8 (end to end, fresh interpreter, median of "
          f"{repeats}) ==")
    print(f"{'algorithm':<10} {'data access':<12} {'seconds':>8}")
    for algorithm in ("qsvt", "jennings"):
        for model in ("qram", "qrom"):
            cmd = CLI + ["--algorithm", algorithm, "--data-access", model]
            t = median_time(lambda cmd=cmd: subprocess.run(cmd, cwd=ROOT, check=True,
                                                           capture_output=True), repeats)
            print(f"{algorithm:<10} {model:<12} {t:8.2f}")


def bench_sweep(per_point: int, repeats: int) -> None:
    import numpy as np

    from qmlc.estimators.logical import concrete_estimate, symbolic_estimate
    from qmlc.estimators.requests import flag_inputs
    from qmlc.estimators.scaling import run_sweep, sweep_function

    inputs = flag_inputs(1000, 2, 16)
    print("\n== 10^4-point sweep: lambdify vs Qualtran cost counting per point ==")
    print(f"{'algorithm':<10} {'model':<12} {'lambdify s':>11} {'per-point s':>12} "
          f"{'1e4 points s (extrap.)':>23} {'ratio':>9}")
    rng = np.random.default_rng(0)
    for algorithm in ("qsvt", "jennings"):
        for model in ("qram", "qrom", "select-swap"):
            _, sym = symbolic_estimate(inputs, algorithm, model)
            sweep_s = statistics.median(
                (sweep_function.cache_clear(),      # time lambdify too, every repeat
                 run_sweep(sym.t_count, 2002.0, 1000, 1e-3, 10_000).seconds)[1]
                for _ in range(repeats))
            ns = np.round(10 ** rng.uniform(3, 8, per_point)).astype(int)
            ts = np.round(10 ** rng.uniform(1, 4, per_point)).astype(int)
            per = []
            for n, T in zip(ns, ts):
                start = time.perf_counter()
                concrete_estimate(inputs, algorithm, model, int(n), int(T), 2.0 * (T + 1), 1e-3)
                per.append(time.perf_counter() - start)
            point = statistics.median(per)
            total = point * 10_000
            print(f"{algorithm:<10} {model:<12} {sweep_s:11.3f} {point:12.4f} {total:23.1f} "
                  f"{total / sweep_s:9.0f}")


def bench_physical() -> None:
    from qmlc.estimators.frontier import LogicalCounts
    from qmlc.estimators.logical import concrete_estimate
    from qmlc.estimators.msft import msft_estimate
    from qmlc.estimators.physical import physical_estimates
    from qmlc.estimators.requests import flag_inputs

    print("\n== physical models on the same logical counts (p = 1e-3, budget 1e-2) ==")
    print(f"{'instance':<34} {'T-count':>10} {'qmlc qubits':>12} {'qmlc s':>10} {'model':>16} "
          f"{'MS qubits':>10} {'MS s':>10} {'qmlc ms':>8} {'MS ms':>7}")
    cases = [(1000, 10, 1, 4, 1e-2, "jennings"), (1000, 10, 1, 4, 1e-2, "qsvt"),
             (10_000, 20, 1, 8, 1e-2, "jennings"), (10**6, 50, 2, 4, 1e-2, "jennings")]
    for n, steps, order, s, eps, algorithm in cases:
        inputs = flag_inputs(n, order, s)
        _, c = concrete_estimate(inputs, algorithm, "qram", n, steps, 2.0 * (steps + 1), eps)
        counts = LogicalCounts(t=int(c.t_count) - 4 * int(c.toffoli), ccz=int(c.toffoli),
                               qubits=int(c.qubits), measurements=int(c.measurement))
        start = time.perf_counter()
        ours = physical_estimates(counts, 1e-3, 1e-2, run_msft=False).physical
        ours_ms = (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        ms = msft_estimate(counts, 1e-3, 1e-2)
        ms_ms = (time.perf_counter() - start) * 1e3

        def fmt(x, spec):
            return format(x, spec) if x is not None else "-"
        name = f"{algorithm} n={n} T={steps} N={order} s={s}"
        print(f"{name:<34} {c.t_count:10.3g} {fmt(ours.qubits, '12d')} "
              f"{fmt(ours.runtime_seconds, '10.3g')} {ours.model:>16} {fmt(ms.qubits, '10d')} "
              f"{fmt(ms.runtime_seconds, '10.3g')} {ours_ms:8.1f} {ms_ms:7.1f}")
    print("(qmlc: 1 us code cycle, joint budget; Microsoft estimator: 0.4 us cycle, budget halves)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-point", type=int, default=20)
    args = parser.parse_args()
    bench_cli(args.repeats)
    bench_sweep(args.per_point, args.repeats)
    bench_physical()


if __name__ == "__main__":
    main()
