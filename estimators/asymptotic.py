"""Exact leading terms at x → ∞ of log-power expressions, and limits read off from them.

An expression f(x) built from constants, x, +, ×, constant powers, log (and log2), b^g with g a
constant plus a linear combination of logs, exp of the same, Abs, Max and Min has, in the
scale x^{e_0} · (log x)^{e_1} · (log log x)^{e_2} ⋯, an exact *leading term*

    f(x) / (c · x^{e_0} (log x)^{e_1} (log log x)^{e_2} ⋯) → 1,    c ≠ 0 constant,

computed bottom-up by rules that each preserve "ratio → 1" (Hardy, *Orders of Infinity*, 1910;
the same comparability-class idea as Gruntz's MRV sets, restricted to the iterated-log scale):

- sum: the terms with the largest monomial (lexicographic on the exponent tuple) dominate;
  their coefficients add, and the sum must be provably nonzero (otherwise the leading terms
  cancel and lower orders decide, which this method does not track: it gives up);
- product: coefficients multiply, exponents add;
- constant power r: (c·m)^r, for c > 0 or integer r;
- log h, with h ~ c·m, c > 0: if the first nonzero exponent of m is e_k, then
  log h = e_k · log^{(k+1)} x · (1 + o(1)) (log^{(j)}: j-fold iterated log); if m = 1, h → c and
  log h → log c, which must be ≠ 0 (c = 1 gives up);
- b^g with constant b > 0 and g = g_0 + Σ k_i log h_i exactly: b^g = b^{g_0} · Π h_i^{k_i log b};
  log(b^g) = g·log b, log(exp g) = g;
- Max/Min(a, b): the leading term of a − b has a definite sign, so Max/Min equals one argument
  for all large x (the limit of any expression containing it is unchanged by the replacement);
- Abs: |c|·m.

Signs and zero tests of the constant coefficients and exponents use sympy's assumptions
(structural where possible, otherwise ``evalf`` with tracked precision — the same test that
Gruntz's ``sign`` uses). Floats are converted with ``nsimplify`` first, as ``sympy.limit`` does,
so the limits are the same exact constants that Gruntz returns.

Whenever a rule's condition cannot be established (another function, an exponent that is not a
log-linear combination, leading-term cancellation, an undecidable sign, another free symbol),
:class:`NotInForm` is raised; :mod:`qmlc.estimators.scaling` then falls back to ``sympy.limit``.
Ceiling and floor are not in the form (the caller strips them first).

The limit follows from the leading term: lim f = c when every exponent is 0, otherwise 0 or
sign(c)·∞ as the first nonzero exponent is negative or positive (each log^{(j)} x → ∞, and
log^{(j+1)} x = o((log^{(j)} x)^δ) for every δ > 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy
from sympy.codegen.cfunctions import log2 as _Log2


class NotInForm(Exception):
    """The expression (or a rule's side condition) is outside what the leading-term method
    proves; the caller uses Gruntz instead."""


def _sign(c: sympy.Expr) -> int:
    """Sign of a constant, or NotInForm when sympy cannot decide it."""
    if c.is_zero:
        return 0
    if c.is_extended_positive:
        return 1
    if c.is_extended_negative:
        return -1
    if c.has(_Log2):  # sympy has no sign assumptions for log2: ask with log(a)/log(2)
        return _sign(c.replace(_Log2, lambda a: sympy.log(a) / sympy.log(2)))
    raise NotInForm(f"undecidable sign of {c}")


def _trim(exps: tuple) -> tuple:
    while exps and exps[-1] == 0:
        exps = exps[:-1]
    return exps


def _pad(a: tuple, b: tuple) -> tuple[tuple, tuple]:
    size = max(len(a), len(b))
    zero = sympy.S.Zero
    return a + (zero,) * (size - len(a)), b + (zero,) * (size - len(b))


def compare_monomials(a: tuple, b: tuple) -> int:
    """-1, 0, 1 as x^a(log x)^… is eventually smaller than, equal to, larger than x^b(…)."""
    for ea, eb in zip(*_pad(a, b)):
        s = _sign(ea - eb)
        if s:
            return s
    return 0


@dataclass(frozen=True)
class LeadingTerm:
    """f(x) ~ coeff · Π_j (log^{(j)} x)^{exponents[j]} (log^{(0)} x = x), coeff ≠ 0 constant."""

    coeff: sympy.Expr
    exponents: tuple = ()

    def __mul__(self, other: LeadingTerm) -> LeadingTerm:
        a, b = _pad(self.exponents, other.exponents)
        return LeadingTerm(self.coeff * other.coeff, _trim(tuple(x + y for x, y in zip(a, b))))

    def power(self, r: sympy.Expr) -> LeadingTerm:
        r = sympy.sympify(r)
        if not (r.is_integer or _sign(self.coeff) > 0):
            raise NotInForm("non-integer power of an eventually negative expression")
        return LeadingTerm(self.coeff**r, _trim(tuple(r * e for e in self.exponents)))

    def order(self) -> int:
        """1 if f → ±∞, 0 if f → coeff, -1 if f → 0."""
        for e in self.exponents:
            s = _sign(e)
            if s:
                return s
        return 0

    def limit(self) -> sympy.Expr:
        order = self.order()
        if order == 0:  # log2 → log/log 2, the form sympy.limit returns (and can sign)
            return self.coeff.replace(_Log2, lambda a: sympy.log(a) / sympy.log(2))
        if order < 0:
            return sympy.S.Zero
        return sympy.oo if _sign(self.coeff) > 0 else -sympy.oo


def _scale(j: int) -> LeadingTerm:
    """The j-fold iterated log of x, itself a monomial of the scale."""
    return LeadingTerm(sympy.S.One, (sympy.S.Zero,) * j + (sympy.S.One,))


def prepare(expr: sympy.Expr) -> sympy.Expr:
    """Exact rational constants for floats, as ``sympy.limit`` does.

    (log2 stays: rewriting it to log/log 2 in the tree lets sympy's automatic evaluation turn
    2**(c·log(y)/log 2) into powers with many-thousand-digit integers; the rules treat
    log2(h) = log(h)/log 2 directly.)"""
    floats = expr.atoms(sympy.Float)
    if floats:
        # nsimplify(expr) converts each Float by nsimplify(Float, rational=True) and then
        # substitutes with ``subs`` (seconds on these trees); the same map by ``xreplace``
        expr = expr.xreplace({fl: _exact(fl) for fl in floats})
    return expr


@lru_cache(maxsize=4096)
def _exact(fl: sympy.Float) -> sympy.Expr:
    """The rational nsimplify gives a Float (the formulas repeat their constants)."""
    return sympy.nsimplify(fl, rational=True)


def leading_term(expr: sympy.Expr, x: sympy.Symbol) -> LeadingTerm:
    """The exact leading term of ``prepare(expr)`` as x → ∞ (NotInForm when out of scope)."""
    return _lt(prepare(expr), x)


@lru_cache(maxsize=8192)
def _lt(e: sympy.Expr, x: sympy.Symbol) -> LeadingTerm:
    if not e.has(x):
        if e.free_symbols or not e.is_number:
            raise NotInForm(f"free symbols {e.free_symbols} besides {x}")
        if _sign(e) == 0:
            raise NotInForm("constant zero factor")
        return LeadingTerm(e)
    if e == x:
        return _scale(0)
    if e.is_Add:
        return _sum([_lt(t, x) for t in e.args])
    if e.is_Mul:
        out = LeadingTerm(sympy.S.One)
        for factor in e.args:
            out = out * _lt(factor, x)
        return out
    if e.is_Pow:
        base, exp = e.args
        if not exp.has(x):
            return _lt(base, x).power(exp)
        if base.has(x) or _sign(base) <= 0:
            raise NotInForm("x-dependent exponent of an x-dependent or non-positive base")
        return _exp_of(exp, sympy.log(base), x)
    if isinstance(e, sympy.exp):
        return _exp_of(e.args[0], sympy.S.One, x)
    if isinstance(e, sympy.log):
        return _log_of(e.args[0], x)
    if isinstance(e, _Log2):
        return _log_of(e.args[0], x) * LeadingTerm(1 / sympy.log(2))
    if isinstance(e, sympy.Abs):
        inner = _lt(e.args[0], x)
        return LeadingTerm(abs(inner.coeff), inner.exponents)
    if isinstance(e, (sympy.Max, sympy.Min)):
        return _lt(_eventual_extremum(e, x), x)
    raise NotInForm(f"unsupported {type(e).__name__}")


def _sum(terms: list[LeadingTerm]) -> LeadingTerm:
    top = terms[0].exponents
    coeffs = [terms[0].coeff]
    for term in terms[1:]:
        c = compare_monomials(term.exponents, top)
        if c > 0:
            top, coeffs = term.exponents, [term.coeff]
        elif c == 0:
            coeffs.append(term.coeff)
    total = sympy.Add(*coeffs)
    # a sum of positive coefficients is nonzero without evaluating it
    if len(coeffs) > 1 and not all(c.is_extended_positive for c in coeffs) \
            and _sign(total) == 0:
        raise NotInForm("leading terms cancel")
    return LeadingTerm(total, top)


def _log_of(arg: sympy.Expr, x: sympy.Symbol) -> LeadingTerm:
    # log(b^g) = g·log b and log(exp(g)) = g exactly for constant b > 0 and real g (g is real
    # wherever its own leading term exists)
    if isinstance(arg, sympy.exp):
        return _lt(arg.args[0], x)
    if arg.is_Pow and arg.exp.has(x) and not arg.base.has(x) and _sign(arg.base) > 0:
        return _lt(arg.exp * sympy.log(arg.base), x)
    return _log(_lt(arg, x))


def _log(inner: LeadingTerm) -> LeadingTerm:
    if _sign(inner.coeff) <= 0:
        raise NotInForm("log of an eventually non-positive expression")
    for k, e in enumerate(inner.exponents):
        if _sign(e):
            return LeadingTerm(e, (sympy.S.Zero,) * (k + 1) + (sympy.S.One,))
    value = sympy.log(inner.coeff)
    if _sign(value) == 0:
        raise NotInForm("log of an expression tending to 1")
    return LeadingTerm(value)


def _log_linear(g: sympy.Expr, x: sympy.Symbol) -> tuple[sympy.Expr, list]:
    """g = g0 + Σ k_i log(h_i) exactly, with constants g0, k_i; NotInForm otherwise."""
    if not g.has(x):
        return g, []
    if isinstance(g, sympy.log):
        return sympy.S.Zero, [(sympy.S.One, g.args[0])]
    if isinstance(g, _Log2):
        return sympy.S.Zero, [(1 / sympy.log(2), g.args[0])]
    if g.is_Add:
        g0, parts = sympy.S.Zero, []
        for term in g.args:
            c, p = _log_linear(term, x)
            g0, parts = g0 + c, parts + p
        return g0, parts
    if g.is_Mul:
        const, dependent = g.as_independent(x, as_Add=False)
        if dependent.is_Mul:
            raise NotInForm("product of x-dependent factors in an exponent")
        c, parts = _log_linear(dependent, x)
        return const * c, [(const * k, h) for k, h in parts]
    raise NotInForm(f"exponent {g} is not a linear combination of logs")


def _exp_of(g: sympy.Expr, log_base: sympy.Expr, x: sympy.Symbol) -> LeadingTerm:
    """exp(log_base · g) for log-linear g: exp(log_base·g0) · Π h_i^{k_i·log_base}."""
    g0, parts = _log_linear(g, x)
    out = LeadingTerm(sympy.exp(log_base * g0))
    for k, h in parts:
        inner = _lt(h, x)
        if _sign(inner.coeff) <= 0:
            raise NotInForm("log of an eventually non-positive expression")
        out = out * inner.power(k * log_base)
    return out


def _eventual_extremum(e: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """The argument of Max/Min that equals it for all large x (sign of pairwise differences)."""
    best = e.args[0]
    want = 1 if isinstance(e, sympy.Max) else -1
    for other in e.args[1:]:
        if _sign(_lt(other - best, x).coeff) == want:
            best = other
    return best


def limit_at_infinity(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """lim_{x→∞} expr from its leading term (NotInForm if the method does not apply)."""
    return leading_term(expr, x).limit()
