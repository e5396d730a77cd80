"""The leading-term limits of estimators.asymptotic against sympy's Gruntz ``limit`` (the
independent reference) on expressions of the T-count's shape, its fall-back to Gruntz outside
that shape, and the classes it proves for the real symbolic T-count."""

from __future__ import annotations

import mpmath
import pytest
import sympy
from sympy.codegen.cfunctions import log2

from qmlc.estimators import asymptotic, scaling
from qmlc.estimators.asymptotic import NotInForm, leading_term, limit_at_infinity

x = sympy.Symbol("x", positive=True)
log = sympy.log

# (expression, what sympy.limit says as x → ∞): zero, finite positive and infinite limits, built
# from the pieces the T-count is made of: powers, logs of polynomials and of products with logs,
# sqrt of nested logs, log2, Max/Min (qualtran smax/smin), 2**(c·log2(…)) from SelectSwap block
# sizes, floats from Qualtran's cost constants, negative coefficients in lower-order terms.
SHAPES = [
    (3 * x**2 * log(x + 1) + x * log2(x) ** 5 + 7) / (x**2 * log(x)),
    x * sympy.sqrt(log(5 * x**2 * log(3 * x + 1))) / (x * sympy.sqrt(log(x))),
    log(x) ** 3 / x,
    x * log(x) / x,
    (963.0 * sympy.pi * (2 * x + 2) + 1) * (3.02 * log(4000 * x**2) / log(2) + 0.77) / (x * log(x)),
    (3 * log2(x) - 1) / log(x),
    sympy.Max(x**2, 100 * x * log(x)) / x**2,
    sympy.Min(x**2, 100 * x * log(x)) / (x * log(x)),
    sympy.Max(7, log(x)) / log(x) ** 2,
    2 ** (sympy.Rational(1, 2) * log2(33 * x / (2 * log2(x)))) / sympy.sqrt(x / log(x)),
    sympy.exp(2 * log(x) + 1) / x**2,
    log(log(x)) / log(x),
    x**2 * log(log(x + 3)) / (x**2 + x),
    sympy.Abs(1 - x**3) / (x**3 + x),
    (x * log(x) ** 2 + 5 * x * log(x)) ** sympy.Rational(3, 2) / (x * log(x) ** 2) ** 1.5,
    (2 * log(x + 1) + 3 * log(x**2 + 1)) / log(x),
    (log2(316227) * x * log2(x) + 5) / (x * log(x)),
    log(x * log(x)) / log(x) ** 2,
    (sympy.E * sympy.sqrt(x**2 + 1) * (sympy.pi * (sympy.Rational(133, 125)
                                                    + 4 / (25 * x ** sympy.Rational(1, 3)))
                                       * log(2 * x + 3) + 1)) / (x * log(x)),
]


def _without_max_min(expr):
    """Max(a, b) = (a + b + |a − b|)/2, Min(a, b) = (a + b − |a − b|)/2: sympy.limit does not
    take Max/Min (it raises), but takes Abs."""
    expr = expr.replace(sympy.Max, lambda a, b: (a + b + sympy.Abs(a - b)) / 2)
    return expr.replace(sympy.Min, lambda a, b: (a + b - sympy.Abs(a - b)) / 2)


@pytest.mark.parametrize("expr", SHAPES, ids=[f"shape{i}" for i in range(len(SHAPES))])
def test_leading_term_limit_equals_gruntz(expr):
    reference = sympy.limit(_without_max_min(expr), x, sympy.oo)
    value = limit_at_infinity(expr, x)
    if reference.is_finite:
        assert value.is_finite
        assert sympy.simplify(sympy.expand_log(value - reference, force=True)) == 0
    else:
        assert value == reference


def test_shapes_cover_zero_finite_and_infinite_limits():
    values = [limit_at_infinity(e, x) for e in SHAPES]
    assert any(v == 0 for v in values)
    assert any(v == sympy.oo for v in values)
    assert sum(1 for v in values if v.is_finite and v.is_positive) >= 5


@pytest.mark.parametrize("expr", [
    log(x + 1) - log(x),            # leading terms cancel: lower orders decide
    x * log(1 + 1 / x),             # log of an expression tending to 1
    sympy.sin(x) / x,               # a function outside the form
    x ** (1 / log(log(x))) / x,     # an exponent that is not a linear combination of logs
    sympy.ceiling(x) / x,           # rounding is stripped by the caller, not handled here
])
def test_outside_the_form_falls_back_to_gruntz(expr, monkeypatch, tmp_path):
    with pytest.raises(NotInForm):
        leading_term(expr, x)
    monkeypatch.setenv("QMLC_CACHE_DIR", str(tmp_path))
    assert scaling._limit(expr, x) == sympy.limit(expr, x, sympy.oo)


def _ratio_errors(ratio_expr, var, powers=(100, 1000, 10000, 100000)) -> list:
    """|ratio(10^k) - 1| for k in ``powers``, in 40-digit arithmetic far beyond floats."""
    ratio = sympy.lambdify(var, ratio_expr, modules="mpmath")
    mpmath.mp.dps = 40
    return [abs(ratio(mpmath.mpf(10) ** k) - 1) for k in powers]


def test_leading_term_is_asymptotic_to_the_expression():
    """f / (c·x^2·log(x)^3) → 1, checked in high precision at x = 10^k far beyond floats."""
    f = (963 * sympy.pi * x**2 + 17 * x) * log(x**3 * log(x)) ** 2 * (log2(x + 1) + 5)
    lead = leading_term(f, x)
    assert lead.exponents == (2, 3)
    assert sympy.simplify(lead.coeff - 9 * 963 * sympy.pi / log(2)) == 0
    errors = _ratio_errors(f / (lead.coeff * x**2 * log(x) ** 3), x, (10, 100, 1000, 10000))
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-3


# --- the real symbolic T-count ----------------------------------------------------------------

@pytest.fixture(scope="module")
def flag_formulas():
    from qmlc.estimators.logical import symbolic_estimate
    from qmlc.estimators.requests import flag_inputs

    inputs = flag_inputs(10**8, 2, 16)
    return {(alg, model): symbolic_estimate(inputs, alg, model)[1].t_count
            for alg in ("qsvt", "jennings") for model in ("qram", "qrom", "select-swap")}


def _T_expr(t_count, n0=31622):
    """The T-count at n = n0, eps = 1e-3, kappa(T) of the sweep (rounding stripped)."""
    from qmlc.estimators.logical import EPS_SYM, KAPPA_SYM, N_SYM

    return scaling.strip_rounding(t_count).subs({
        N_SYM: n0, EPS_SYM: sympy.Rational(1, 1000),
        KAPPA_SYM: scaling.kappa_model(2002.0, 1000)})


def _n_expr(t_count, T0=300):
    from qmlc.estimators.logical import EPS_SYM, KAPPA_SYM, T_SYM

    return asymptotic.prepare(scaling.strip_rounding(t_count).subs({
        T_SYM: T0, EPS_SYM: sympy.Rational(1, 1000),
        KAPPA_SYM: scaling.kappa_model(2002.0, 1000).subs(T_SYM, T0)}))


@pytest.mark.slow
@pytest.mark.parametrize("model,power", [("qrom", 1), ("qram", 0)])
def test_n_class_of_the_real_t_count_equals_gruntz(flag_formulas, model, power, monkeypatch,
                                                   tmp_path):
    """The class and limit proved for the qsvt T-count in n are the ones sympy.limit finds for
    the same expression: finite positive at the proved log power, ∞ one power below."""
    from qmlc.estimators.logical import N_SYM

    monkeypatch.setenv("QMLC_CACHE_DIR", str(tmp_path))
    proof = scaling.prove_n_class(flag_formulas[("qsvt", model)], 300, 2002.0, 1000, 1e-3,
                                  sympy.Integer(power), 0)
    assert proof["proved"] and proof["method"] == "leading-term"
    k = len(proof["tried"]) - 1  # the walk started at 0 and went up by one each time
    f = _n_expr(flag_formulas[("qsvt", model)])
    reference = sympy.limit(f / (N_SYM**power * log(N_SYM) ** k), N_SYM, sympy.oo)
    assert reference.is_finite and reference.is_positive
    assert sympy.N(sympy.sympify(proof["limit"]) / reference - 1, 50) == 0 or \
        abs(sympy.N(sympy.sympify(proof["limit"]) / reference - 1, 50)) < 1e-40
    if k:
        assert sympy.limit(f / (N_SYM**power * log(N_SYM) ** (k - 1)), N_SYM, sympy.oo) \
            == sympy.oo


def test_T_class_of_the_real_t_count(flag_formulas):
    """QSVT: Θ(T²·log³T), with the same limit sympy.limit finds (too slow for a test: 258 s;
    see benchmarks/bench_scaling_proofs.py, which compares them).
    Jennings: Θ(T·log³T). Here sympy.limit is *wrong*: it returns a finite constant for
    f/(T·log²T) (on this formula and on the one before it), while ``sympy.series.gruntz.gruntz``
    on that expression returns ∞ (checked once by hand, 289 s); each summand alone sympy.limit
    gets right, one of them is ~T·log³T. Reference here: the ratio f/(c·T·log³T) evaluated in
    40-digit arithmetic tends to 1 as T → 10^100000."""
    from qmlc.estimators.logical import T_SYM

    qsvt = scaling.prove_T_class(flag_formulas[("qsvt", "qram")], 31622, 2002.0, 1000, 1e-3, 2,
                                 log_power_guess=1)
    assert qsvt["class"] == "Theta(T^2*log(T)^3)" and qsvt["method"] == "leading-term"
    jen = scaling.prove_T_class(flag_formulas[("jennings", "qram")], 31622, 2002.0, 1000, 1e-3,
                                1, log_power_guess=1)
    assert jen["class"] == "Theta(T^1*log(T)^3)"
    f = _T_expr(flag_formulas[("jennings", "qram")])
    c = sympy.sympify(jen["limit"])
    errors = _ratio_errors(f / (c * T_SYM * log(T_SYM) ** 3), T_SYM)
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.01


def test_select_swap_n_class_of_the_real_t_count(flag_formulas):
    """SelectSwap (block size 2^ceil(log2 √(L/b))): Θ(√n·log n), which sympy.limit needs minutes
    for. Reference: the ratio f/(c·√n·log n) in 40-digit arithmetic tends to 1."""
    from qmlc.estimators.logical import N_SYM

    t_count = flag_formulas[("qsvt", "select-swap")]
    proof = scaling.prove_n_class(t_count, 300, 2002.0, 1000, 1e-3, sympy.Rational(1, 2), 0)
    assert proof["class"] == "Theta(n^1/2*log(n)^1)" and proof["method"] == "leading-term"
    c = sympy.sympify(proof["limit"])
    f = _n_expr(t_count)
    errors = _ratio_errors(f / (c * sympy.sqrt(N_SYM) * log(N_SYM)), N_SYM)
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.01


@pytest.mark.parametrize("algorithm", ["jennings-v2", "costa-da", "costa-da-empirical",
                                       "dalzell"])
def test_T_class_of_the_kappa_linear_models(algorithm):
    """The models linear in κ (no log κ factor, unlike Jennings v1) are Θ(T·log²T) per solve
    under qram: the two logs come from the value bits and the rotation synthesis. The walk
    started one log power below, where the limit is ∞. Reference: the ratio f/(c·T·log²T) in
    40-digit arithmetic tends to 1 as T → 10^100000."""
    from qmlc.estimators.logical import T_SYM, symbolic_estimate
    from qmlc.estimators.requests import flag_inputs

    t_count = symbolic_estimate(flag_inputs(10**8, 2, 16), algorithm, "qram")[1].t_count
    proof = scaling.prove_T_class(t_count, 31622, 2002.0, 1000, 1e-3, 1, log_power_guess=1)
    assert proof["class"] == "Theta(T^1*log(T)^2)" and proof["method"] == "leading-term"
    assert proof["tried"][0] == {"class": "T^1*log(T)^1", "limit": "oo"}
    f = _T_expr(t_count)
    c = sympy.sympify(proof["limit"])
    errors = _ratio_errors(f / (c * T_SYM * log(T_SYM) ** 2), T_SYM)
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.01
