"""Scaling of the symbolic T-count in n and T: vectorized sweep, fits, and sympy limit proofs.

The T-count of one solve is a sympy expression f(n, T, κ, ε) (:mod:`qmlc.estimators.logical`). For the
sweep, κ follows the almost-dissipative model of Liu et al. (Theorem 2): κ grows linearly with the
horizon, κ(T) = κ_0·(T+1)/(T_0+1) from the estimate's (κ_0, T_0) — for ‖M‖ ≤ 1 the history
matrix obeys κ ≤ (1 + ‖M‖)(T + 1), so this is the worst case the headline claim covers.

- Sweep: ``sympy.lambdify`` to numpy over n ∈ [10³, 10⁸] × T ∈ [10, 10⁴] (log-spaced grid).
- Fits: the exponent p of T (least squares of log f on log T at fixed n, over the upper decade
  too, since log factors inflate short-range slopes); the power q of n and the polylog degree k
  (log f on log log n) at fixed T.
- Proofs: with ceilings/floors replaced by their arguments (ceil(x)/x → 1 as x → ∞, so the
  class is unchanged), lim f / (T^p · log^a T) as T → ∞ and lim f / (n^q · log^k n) as n → ∞;
  a finite positive limit proves f = Θ(that class). The limits come from the exact leading
  term of f in the scale x^e0 (log x)^e1 (log log x)^e2 … (:mod:`qmlc.estimators.asymptotic`: a
  constructive proof by rules that each preserve f/term → 1, milliseconds on these formulas);
  only when f is outside that form (another function, cancelling leading terms, an undecidable
  sign) does it fall back to sympy's ``limit`` (Gruntz; 1–300 s here), memoized on disk.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from qmlc.circuits.cache import cache_dir
from qmlc.estimators import asymptotic
from qmlc.estimators.logical import EPS_SYM, KAPPA_SYM, N_SYM, T_SYM

N_RANGE = (1e3, 1e8)
T_RANGE = (10.0, 1e4)


def strip_rounding(expr: sympy.Expr) -> sympy.Expr:
    """Replace ceiling(x) and floor(x) by x (asymptotically equivalent when x → ∞)."""
    return expr.replace(sympy.ceiling, lambda x: x).replace(sympy.floor, lambda x: x)


def kappa_model(kappa0: float, steps0: float):
    """κ(T) = κ_0 (T + 1)/(T_0 + 1) as a sympy expression in T."""
    return sympy.nsimplify(kappa0 / (steps0 + 1)) * (T_SYM + 1)


@lru_cache(maxsize=64)
def sweep_function(t_count: sympy.Expr, kappa0: float, steps0: float, eps: float):
    """numpy-vectorized f(n, T) with κ(T) and ε substituted (cached: the sweep and the
    report's curves lambdify the same counts)."""
    expr = t_count.subs({KAPPA_SYM: kappa_model(kappa0, steps0), EPS_SYM: eps})
    return sympy.lambdify((N_SYM, T_SYM), expr, modules="numpy")


@dataclass(frozen=True)
class SweepResult:
    n: np.ndarray
    T: np.ndarray
    values: np.ndarray  # shape (len(n), len(T))
    seconds: float


def run_sweep(t_count: sympy.Expr, kappa0: float, steps0: float, eps: float,
              points: int = 10_000) -> SweepResult:
    """Evaluate f on a √points × √points log-spaced grid; ``seconds`` covers lambdify (unless
    :func:`sweep_function` already holds it) + eval."""
    side = max(2, int(round(math.sqrt(points))))
    start = time.perf_counter()
    f = sweep_function(t_count, kappa0, steps0, eps)
    n = np.geomspace(*N_RANGE, side)
    T = np.round(np.geomspace(*T_RANGE, side))
    values = np.asarray(f(n[:, None], T[None, :]), dtype=float)
    values = np.broadcast_to(values, (side, side))
    return SweepResult(n=n, T=T, values=values, seconds=time.perf_counter() - start)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(x, y, 1)[0])


def fit_exponents(result: SweepResult, t_power: int | None = None,
                  n_power: float | None = None) -> dict:
    """Exponent of T at the middle n; power of n and polylog degree at the middle T.

    With ``t_power`` (``n_power``) also the log-degree left after dividing by T^p (n^q): the
    slope of log(f/T^p) on log log T — the starting guess for the limit proofs.
    """
    i_n = len(result.n) // 2
    i_t = len(result.T) // 2
    log_f_T = np.log(result.values[i_n, :])
    log_f_n = np.log(result.values[:, i_t])
    upper = result.T >= result.T.max() / 10
    extra = {}
    if t_power is not None:
        extra["T_log_degree"] = _slope(np.log(np.log(result.T)),
                                       log_f_T - t_power * np.log(result.T))
    if n_power is not None:
        extra["n_log_degree"] = _slope(np.log(np.log(result.n)),
                                       log_f_n - float(n_power) * np.log(result.n))
    return extra | {
        "fixed_n": float(result.n[i_n]),
        "T_exponent": _slope(np.log(result.T), log_f_T),
        "T_exponent_upper_decade": _slope(np.log(result.T[upper]), log_f_T[upper]),
        "fixed_T": float(result.T[i_t]),
        "n_power": _slope(np.log(result.n), log_f_n),
        "n_polylog_degree": _slope(np.log(np.log(result.n)), log_f_n),
    }


def _cache_path():

    return cache_dir() / "limits.json"


def _gruntz_limit(expr: sympy.Expr, var: sympy.Symbol):
    """sympy's ``limit`` as var → ∞, memoized on disk by the expression's srepr hash.

    Only the fallback of :func:`_limit`; Gruntz takes 1–300 s on these expressions, so repeated
    ``--sweep`` runs reuse earlier results (the cached value is the sympy result itself,
    re-parsed with ``sympy.sympify``). Set QMLC_CACHE_DIR to relocate.
    """
    import hashlib
    import json
    import os

    try:
        key = hashlib.sha256(f"{sympy.srepr(expr)}|{var}".encode()).hexdigest()
    except ValueError:  # an integer beyond Python's str conversion limit: no cache key
        return sympy.limit(expr, var, sympy.oo)
    path = _cache_path()
    try:
        cache = json.loads(path.read_text())
    except (OSError, ValueError):
        cache = {}
    if key in cache:
        return sympy.sympify(cache[key])
    value = sympy.limit(expr, var, sympy.oo)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cache[key] = sympy.srepr(value)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home only costs the next run the same time
    return value


def _limit(expr: sympy.Expr, var: sympy.Symbol):
    """lim_{var→∞} expr: from the exact leading term when expr is in its form, else Gruntz."""
    try:
        return asymptotic.limit_at_infinity(expr, var)
    except asymptotic.NotInForm:
        return _gruntz_limit(expr, var)


def _finite_positive(value) -> bool:
    return bool(value.is_finite and value.is_positive) if isinstance(value, sympy.Basic) else \
        (math.isfinite(value) and value > 0)


def prove_T_class(t_count: sympy.Expr, n0: float, kappa0: float, steps0: float, eps: float,
                  power: int, max_tries: int = 3, log_power_guess: int = 3) -> dict:
    """Find a with lim_{T→∞} f/(T^power · log^a T) finite and > 0, trying a near a guess.

    Returns the class as a string, the limit, and every (a, limit) tried.
    """
    expr = strip_rounding(t_count).subs({N_SYM: sympy.Integer(int(n0)), EPS_SYM:
                                         sympy.nsimplify(eps),
                                         KAPPA_SYM: kappa_model(kappa0, steps0)})
    result = _search_class(expr, T_SYM, lambda a: T_SYM**power * sympy.log(T_SYM)**a,
                           log_power_guess, max_tries,
                           lambda a: f"T^{power}" + (f"*log(T)^{a}" if a else ""))
    return result | {"power": power}


def prove_n_class(t_count: sympy.Expr, T0: float, kappa0: float, steps0: float, eps: float,
                  power: sympy.Rational, log_power_guess: int, max_tries: int = 3) -> dict:
    """Find k with lim_{n→∞} f/(n^power · log^k n) finite and > 0."""
    expr = strip_rounding(t_count).subs({T_SYM: sympy.Integer(int(T0)), EPS_SYM:
                                         sympy.nsimplify(eps),
                                         KAPPA_SYM: kappa_model(kappa0, steps0).subs(T_SYM,
                                                                                     int(T0))})
    base = N_SYM**power

    def name(k):
        parts = [] if power == 0 else [f"n^{power}"]
        if k:
            parts.append(f"log(n)^{k}")
        return "*".join(parts) or "1"
    return _search_class(expr, N_SYM, lambda k: base * sympy.log(N_SYM)**k, log_power_guess,
                         max_tries, name)


# With the leading term known each try is exact arithmetic on exponents, so the walk from the
# fitted guess may go further than the Gruntz budget ``max_tries`` allows.
FAST_TRIES = 12


def _search_class(expr, var, reference, guess: int, max_tries: int, name) -> dict:
    """Walk a from the guess (up after ∞, down after 0) until lim expr/reference(a) is finite
    and positive. The limits come from the leading term of expr when it is in the form of
    :mod:`qmlc.estimators.asymptotic` (reference(a) is a monomial of the scale, its own leading term),
    otherwise from Gruntz on expr/reference(a); ``method`` says which."""
    expr = asymptotic.prepare(expr)  # floats → exact, as sympy.limit would do on every call
    try:
        lead = asymptotic.leading_term(expr, var)
    except asymptotic.NotInForm:
        lead = None

    def limit(a):
        if lead is None:   # outside the form: the ratio is too, so straight to Gruntz
            return _gruntz_limit(expr / reference(a), var)
        return (lead * asymptotic.leading_term(reference(a), var).power(-1)).limit()

    method = "gruntz" if lead is None else "leading-term"
    tried = []
    a = max(0, guess)
    seen = set()
    for _ in range(max_tries if lead is None else max(max_tries, FAST_TRIES)):
        if a in seen or a < 0:
            break
        seen.add(a)
        value = limit(a)
        tried.append({"class": name(a), "limit": str(value)})
        if _finite_positive(value):
            return {"class": f"Theta({name(a)})", "limit": str(value), "proved": True,
                    "method": method, "tried": tried}
        a = a + 1 if value == sympy.oo else a - 1
    return {"class": None, "proved": False, "method": method, "tried": tried}
