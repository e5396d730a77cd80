"""The QLSA of Jennings, Lostaglio, Pallister, Sornborger, Subaşı, arXiv:2305.11352 v2
("Randomized adiabatic quantum linear solver algorithm with optimal complexity scaling and
detailed running costs"): randomized walk-operator adiabatic evolution, eigenstate filtering
(Lin, Tong, Quantum 4, 361 (2020)) and Poissonization (Cunningham et al., arXiv:2406.03972).

**Abstract only.** The theorem of v2, its number, its validity ranges and its state-preparation
count were not reachable here (the arXiv HTML render of v2 strips the numbers; no PDF or source
is stored). What the abstract states, and what is implemented:

    "We obtain a closed formula rigorously upper bounding the expected number of times one needs
    to apply a block-encoding of the linear system matrix to output a quantum state encoding the
    solution to the linear system. The upper bound is 837κ at ε = 10⁻¹⁰ for Hermitian matrices."

so Q = ⌈837·κ'⌉ expected block-encoding queries, κ' = α·κ the condition number of the encoded
A/α (the abstract's κ, for a block encoding normalized to ‖·‖ ≤ 1). The statement is made at
ε = 10⁻¹⁰ only; it bounds every ε ≥ 10⁻¹⁰ as well, because a state within 10⁻¹⁰ of the solution
is within any larger ε (the bound is conservative there, it ignores the log(1/ε) saving).
Below 10⁻¹⁰ the abstract says nothing, and the estimate lists the violation.

- Hermitian A: the abstract's case. The history matrix is not Hermitian; its Hermitian dilation
  [[0, A], [A†, 0]] has the same singular values (same κ) and costs one query of U_A or U_A† per
  query of the dilation, so the count is unchanged.
- Success probability and repetitions: the bound is on the expected number of applications "to
  output" the solution state, i.e. it already includes the repetitions; no separate success
  probability is stated.
- State preparations (2 per query) and the + 6 ancillas: not stated in the abstract; carried
  over from v1's Theorem 1 (the same H(s) walk construction, :mod:`qmlc.circuits.bloqs.step_qlsa`).
- A third-party code (an unnamed benchmarking repository) quotes "arXiv:2305.11352v3,
  Eq. (175) with α = 1": 835.4κ + ⌈κ·ln(2/(√(1 + ε/4) − 1)) + 2⌉. It gives 861.2κ at
  ε = 10⁻¹⁰, not 837κ (its filtering term alone exceeds 2.82κ for every ε < 1), so it is not
  the v2 statement; unverified and not used.
"""

from __future__ import annotations

import attrs
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

from qmlc.circuits.bloqs.step_qlsa import StepCountedQLSA, ceil

CITATION = ("Jennings, Lostaglio, Pallister, Sornborger, Subaşı, arXiv:2305.11352v2, abstract "
            "(expected block-encoding applications <= 837 kappa at eps = 1e-10, Hermitian A); "
            "abstract only: theorem, state-preparation count and qubits not available")
CONSTANT = 837
STATED_EPSILON = 1e-10


def expected_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                     eps: SymbolicFloat) -> SymbolicFloat:
    """837·α·κ: the abstract's bound at ε = 10⁻¹⁰, used for every ε ≥ 10⁻¹⁰ (``eps`` only
    enters :func:`check_validity`)."""
    return CONSTANT * alpha * kappa


def block_encoding_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                           eps: SymbolicFloat) -> SymbolicInt:
    return ceil(expected_queries(alpha, kappa, eps))


def check_validity(kappa: float, eps: float) -> list[str]:
    """The abstract's statement covers ε ≥ 10⁻¹⁰ (by monotonicity in ε) and Hermitian A."""
    if not is_symbolic(eps) and eps < STATED_EPSILON:
        return [f"epsilon = {eps:g} < 1e-10: the v2 abstract states its bound at eps = 1e-10 "
                "only; smaller errors are not covered"]
    return []


@attrs.frozen
class JenningsV2QLSA(StepCountedQLSA):
    """⌈837·α·κ⌉ expected block-encoding queries (arXiv:2305.11352v2 abstract), two state
    preparations and one projector-controlled phase per query, block-encoding qubits + 6
    (carried over from v1). Repetitions are inside the expected count."""

    def queries(self) -> SymbolicInt:
        return block_encoding_queries(self.block_encoding.alpha, self.kappa, self.eps)


__all__ = ["CITATION", "CONSTANT", "JenningsV2QLSA", "block_encoding_queries", "check_validity",
           "expected_queries"]
