"""The QLSA of Dalzell, "A shortcut to an optimal quantum linear system solver",
arXiv:2406.12086 (v2): kernel reflection (an extension of eigenstate filtering) on the augmented
operator G_t = Q_b'·A_t, with the solution norm estimated when it is not known.

**Abstract only for the constant.** The abstract states, for the case where ‖x‖ is unknown (the
case of a Carleman history system):

    "An explicit upper bound of 56κ + 1.05κ ln(1/ε) + o(κ) is given for the optimal QLSS"

and the implemented count is its explicit part, Q = ⌈56·κ' + 1.05·κ'·ln(1/ε)⌉ queries,
κ' = α·κ the condition number of the encoded A/α (Dalzell's κ bounds α/σ_min). The o(κ) part
is not stated in the abstract and is left out; a third-party code transcribes it as
"Eq. (48)": 56κ + 1.05κ·ln(√(1 − ε²)/ε) + 2.78·ln³κ + 3.17 (expected queries), i.e.
o(κ) = 2.78·ln³κ + 3.17, under 1 % of Q for κ' ≥ 10⁴ at ε = 10⁻³ (tests); unverified, not used.
Known ‖x‖ (not applicable here) costs (1 + O(ε))·κ·ln(2√2/ε) (abstract).

- Queries to U_b: each application of G_t uses U_A once and U_b twice (Q_b' = unprepare b',
  flag the all-zero state, prepare b'; App. A of the paper as transcribed by Qrisp's
  ``dalzell_inversion`` and by NWQLib's shortcut solver), :mod:`qmlc.circuits.bloqs.step_qlsa`.
- Success probability and repetitions: the bound covers the norm estimation and the repetitions
  of the whole solver (an expected count); no separate success probability is stated.
- Ancillas: + 3 beyond the block encoding: the extra coordinate of the augmented system (b' and
  A_t live in dimension N + 1, App. A.3), the ancilla of A_t's predicate-controlled Ry (App. A.2)
  and the QSVT signal qubit (as transcribed by NWQLib).
"""

from __future__ import annotations

import math

import attrs
import sympy
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

from qmlc.circuits.bloqs.step_qlsa import StepCountedQLSA, ceil

CITATION = ("Dalzell, arXiv:2406.12086 (v2), abstract: unknown ||x||, 56 kappa + 1.05 kappa "
            "ln(1/eps) + o(kappa) queries (o(kappa) not stated there, left out); App. A (1 U_A, "
            "2 U_b per application of G_t) as transcribed by Qrisp and NWQLib")
LINEAR = 56
LOG = sympy.Rational(105, 100)   # 1.05


def expected_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                     eps: SymbolicFloat) -> SymbolicFloat:
    """56·κ' + 1.05·κ'·ln(1/ε), κ' = α·κ."""
    kappa_eff = alpha * kappa
    if is_symbolic(kappa_eff, eps):
        return LINEAR * kappa_eff + LOG * kappa_eff * sympy.log(1 / eps)
    return LINEAR * kappa_eff + 1.05 * kappa_eff * math.log(1 / eps)


def block_encoding_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                           eps: SymbolicFloat) -> SymbolicInt:
    return ceil(expected_queries(alpha, kappa, eps))


@attrs.frozen
class DalzellQLSA(StepCountedQLSA):
    """⌈56·κ' + 1.05·κ'·ln(1/ε)⌉ queries of G_t (arXiv:2406.12086 abstract, unknown ‖x‖), each
    one U_A, two U_b and one projector-controlled phase; block-encoding qubits + 3."""

    EXTRA_QUBITS = 3

    def queries(self) -> SymbolicInt:
        return block_encoding_queries(self.block_encoding.alpha, self.kappa, self.eps)


__all__ = ["CITATION", "DalzellQLSA", "block_encoding_queries", "expected_queries"]
