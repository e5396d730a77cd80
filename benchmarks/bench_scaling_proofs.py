"""Asymptotic-class proofs of the sweep: leading-term method vs sympy's Gruntz ``limit``.

For the flag configuration of issue 4 (n = 1e8, T = 1000, order 2, s = 16, ε = 1e-3, κ from the
contractive-lift bound) and each algorithm, the three proofs ``qmlc estimate --sweep`` makes
(T class under qram, n class under qram and qrom) are run with

- new: :func:`qmlc.estimators.scaling._search_class` (exact leading term, Gruntz only as fall-back),
  cold (its memos and sympy's cache cleared) — median of ``--reps`` runs;
- peer: the previous implementation, the same walk over log powers with ``sympy.limit`` on
  f/reference for every try (at most 3 tries), no disk cache — one run (minutes).

Prints the classes, whether the limits agree (exactly, by ``expand_log`` + ``expand`` of the
difference, else the relative difference to 60 digits), the times and their ratio.
Usage: python benchmarks/bench_scaling_proofs.py [--reps 5] [--skip-gruntz] [--gruntz-timeout 900]
"""

from __future__ import annotations

import argparse
import math
import signal
import statistics
import time

import sympy
from sympy.core.cache import clear_cache

from qmlc.estimators import asymptotic, scaling
from qmlc.estimators.logical import EPS_SYM, KAPPA_SYM, N_SYM, T_SYM, symbolic_estimate
from qmlc.estimators.requests import flag_inputs
from qmlc.estimators.scaling import fit_exponents, kappa_model, run_sweep, strip_rounding
from qmlc.estimators.sweep import SWEEP_POINTS

N, STEPS, ORDER, SPARSITY, EPS = 10**8, 1000, 2, 16, 1e-3
KAPPA = 2.0 * (STEPS + 1)  # the CLI's contractive-lift bound κ = 2(T+1)


def proof_cases(algorithm: str):
    """(label, f, variable, reference(a), name(a), guess) as qmlc.estimators.sweep builds them."""
    inputs = flag_inputs(N, ORDER, SPARSITY)
    t_power = 2 if algorithm == "qsvt" else 1
    cases = []
    for model, n_power in (("qram", 0), ("qrom", 1)):
        t_count = symbolic_estimate(inputs, algorithm, model)[1].t_count
        fits = fit_exponents(run_sweep(t_count, KAPPA, STEPS, EPS, SWEEP_POINTS), t_power,
                             n_power)
        stripped = strip_rounding(t_count)
        if model == "qram":
            f = stripped.subs({N_SYM: int(fits["fixed_n"]), EPS_SYM: sympy.nsimplify(EPS),
                               KAPPA_SYM: kappa_model(KAPPA, STEPS)})
            cases.append((f"{model} T", f, T_SYM,
                          lambda a, p=t_power: T_SYM**p * sympy.log(T_SYM)**a,
                          lambda a, p=t_power: f"T^{p}*log(T)^{a}",
                          max(0, math.ceil(fits["T_log_degree"]))))
        T0 = int(fits["fixed_T"])
        f = stripped.subs({T_SYM: T0, EPS_SYM: sympy.nsimplify(EPS),
                           KAPPA_SYM: kappa_model(KAPPA, STEPS).subs(T_SYM, T0)})
        cases.append((f"{model} n", f, N_SYM,
                      lambda a, p=n_power: N_SYM**p * sympy.log(N_SYM)**a,
                      lambda a, p=n_power: f"n^{p}*log(n)^{a}",
                      max(0, math.ceil(fits["n_log_degree"]))))
    return cases


class _Timeout(BaseException):  # not caught by sympy's `except Exception`
    pass


def _alarm(signum, frame):
    raise _Timeout


def gruntz_search(f, var, reference, name, guess, timeout, max_tries=3):
    """The previous implementation: sympy.limit for every try (``timeout`` seconds in all)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        return _gruntz_walk(f, var, reference, name, guess, max_tries)
    except _Timeout:
        return f"timeout {timeout} s", None
    finally:
        signal.alarm(0)


def _gruntz_walk(f, var, reference, name, guess, max_tries):
    a, seen = guess, set()
    for _ in range(max_tries):
        if a in seen or a < 0:
            break
        seen.add(a)
        value = sympy.limit(f / reference(a), var, sympy.oo)
        if value.is_finite and value.is_positive:
            return name(a), value
        a = a + 1 if value == sympy.oo else a - 1
    return None, None


def same_limit(a, b) -> str:
    if a is None or b is None:
        return "n/a"
    # expand_log + expand settles these constants; simplify can take many minutes on them
    if sympy.expand(sympy.expand_log(a - b, force=True)) == 0:
        return "exact"
    digits = abs(sympy.N(a / b - 1, 60))
    return f"|rel diff| {float(digits):.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-gruntz", action="store_true")
    parser.add_argument("--gruntz-timeout", type=int, default=900,
                        help="seconds per proof for the Gruntz peer")
    args = parser.parse_args()
    print(f"{'algorithm':9} {'proof':7} {'new class':22} {'Gruntz class':22} {'limits':18} "
          f"{'new s (med)':>11} {'Gruntz s':>9} {'ratio':>7}")
    totals = {"new": 0.0, "gruntz": 0.0}
    for algorithm in ("qsvt", "jennings"):
        for label, f, var, reference, name, guess in proof_cases(algorithm):
            # the peer first, as the CLI ran it before this change (sympy caches assumptions on
            # shared subexpressions; a run after the new method's sign queries was slower)
            clear_cache()
            if args.skip_gruntz:
                old_class, old_limit, old_time = "skipped", None, math.nan
            else:
                start = time.perf_counter()
                old_class, old_limit = gruntz_search(f, var, reference, name, guess,
                                                     args.gruntz_timeout)
                old_time = time.perf_counter() - start
                totals["gruntz"] += old_time
            times = []
            for _ in range(args.reps):
                asymptotic._lt.cache_clear()  # cold: no memo of earlier reps or cases
                asymptotic._exact.cache_clear()
                clear_cache()
                start = time.perf_counter()
                proof = scaling._search_class(f, var, reference, guess, 3, name)
                times.append(time.perf_counter() - start)
            new_time = statistics.median(times)
            new_class = proof["class"] and proof["class"][6:-1]
            new_limit = sympy.sympify(proof["limit"]) if proof["proved"] else None
            totals["new"] += new_time
            if args.skip_gruntz or str(old_class).startswith("timeout"):
                agree = "not compared"
            elif new_class == old_class:
                agree = same_limit(new_limit, old_limit)
            else:
                agree = "DIFFERENT CLASS"
            print(f"{algorithm:9} {label:7} {str(new_class):22} {str(old_class):22} {agree:18} "
                  f"{new_time:11.3f} {old_time:9.1f} {old_time / new_time:7.0f}")
    print(f"total proof time: new {totals['new']:.2f} s (sum of medians), "
          f"Gruntz {totals['gruntz']:.1f} s")


if __name__ == "__main__":
    main()
