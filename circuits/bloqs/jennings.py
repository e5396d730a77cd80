"""The QLSA of Jennings, Lostaglio, Pallister, Sornborger, Subaşı 2023 (arXiv:2305.11352),
Theorem 1: randomized adiabatic evolution + eigenstate filtering, with explicit constants.

For an (α, a, 0) block encoding of A with condition number κ, valid for ε ≤ 0.24, κ ≥ √12:

    Q* = (1741·α·e/500)·√(κ²+1)·[(133/125 + 4/(25·κ^{1/3}))·π·ln(2κ+3) + 1]
         + (351/50)·ln²(2κ+3)·[ln(451·ln²(2κ+3)/ε) + 1] + α·κ·ln(32/ε),

expected block-encoding queries Q*/(0.39 − 0.204·ε) (the two public implementations differ:
0.204 vs 0.201; we use 0.204), expected state-preparation calls twice that, qubits = block
encoding qubits + 6. The formula is stated for ‖A‖ ≤ 1; for the history matrix (‖A‖ ≥ 1) we
rescale A/‖A‖ whose block encoding has α/‖A‖ ≤ α, so using α itself is conservative.

Source status: the v1 text itself was not reachable here. The formula, its validity range, the
0.39 − 0.204ε divisor, the factor 2 for state preparations and the + 6 qubits are as two public
codes transcribe Theorem 1 (zapatacomputing qsub ``get_taylor_qlsa_num_block_encoding_calls``,
"as shown in Thm. 1"; QuBRAbench ``qlsa``, which has 0.201). v2 of the same preprint replaces
this bound (:mod:`qmlc.circuits.bloqs.jennings_v2`).
"""

from __future__ import annotations

import math
from functools import cached_property

import attrs
import sympy
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

from qmlc.circuits.bloqs.step_qlsa import StepCountedQLSA, ceil

CITATION = ("Jennings, Lostaglio, Pallister, Sornborger, Subaşı, arXiv:2305.11352v1 (2023), "
            "Theorem 1 (expected queries Q*/(0.39 - 0.204 eps), qubits + 6), as transcribed by "
            "zapatacomputing qsub and QuBRAbench")
SUCCESS_CONSTANT = 0.39
SUCCESS_SLOPE = 0.204
EXTRA_QUBITS = 6


def q_star(alpha: SymbolicFloat, kappa: SymbolicFloat, eps: SymbolicFloat) -> SymbolicFloat:
    """Q* of Theorem 1 (numbers in, float out; symbols in, sympy expression out)."""
    if is_symbolic(alpha, kappa, eps):
        ln, sqrt, e, pi = sympy.log, sympy.sqrt, sympy.E, sympy.pi
        third = sympy.Rational(1, 3)
        r = sympy.Rational
    else:
        ln, sqrt, e, pi = math.log, math.sqrt, math.e, math.pi
        third = 1 / 3

        def r(p, q):
            return p / q
    log_k = ln(2 * kappa + 3)
    return (r(1741, 500) * alpha * e * sqrt(kappa**2 + 1)
            * ((r(133, 125) + r(4, 25) / kappa**third) * pi * log_k + 1)
            + r(351, 50) * log_k**2 * (ln(451 * log_k**2 / eps) + 1)
            + alpha * kappa * ln(32 / eps))


def expected_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                     eps: SymbolicFloat) -> SymbolicFloat:
    """Expected block-encoding calls Q*/(0.39 − 0.204·ε)."""
    return q_star(alpha, kappa, eps) / (SUCCESS_CONSTANT - SUCCESS_SLOPE * eps)


def block_encoding_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                           eps: SymbolicFloat) -> SymbolicInt:
    """⌈Q*/(0.39 − 0.204·ε)⌉."""
    return ceil(expected_queries(alpha, kappa, eps))


def check_validity(kappa: float, eps: float) -> list[str]:
    """The theorem's hypotheses that a concrete (κ, ε) violates (empty when valid)."""
    problems = []
    if eps > 0.24:
        problems.append(f"epsilon = {eps:g} > 0.24")
    if kappa < math.sqrt(12):
        problems.append(f"kappa = {kappa:g} < sqrt(12)")
    return problems


@attrs.frozen
class JenningsQLSA(StepCountedQLSA):
    """Jennings et al. v1, Theorem 1: ⌈Q*/(0.39 − 0.204ε)⌉ block-encoding queries, twice as many
    state preparations, one projector-controlled phase per query, block-encoding qubits + 6.

    The theorem takes (α, κ) separately: ``kappa`` is the condition number of A and α enters
    Q* explicitly. Success probability of one attempt 0.39 − 0.204ε (the divisor of Q*); the
    expected count includes the 1/p repetitions."""

    EXTRA_QUBITS = EXTRA_QUBITS

    @cached_property
    def kappa_eff(self) -> SymbolicFloat:
        return self.kappa

    def queries(self) -> SymbolicInt:
        return block_encoding_queries(self.block_encoding.alpha, self.kappa, self.eps)

    def success_probability(self) -> SymbolicFloat:
        return SUCCESS_CONSTANT - SUCCESS_SLOPE * self.eps

    def repetitions(self) -> SymbolicFloat:
        return 1 / self.success_probability()
