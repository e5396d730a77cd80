"""QSVT matrix inversion with amplitude amplification (the κ²-type QLSA).

Polynomial: the Childs–Kothari–Somma (SIAM J. Comput. 46:1920, 2017) Chebyshev approximation of
1/x on [1/κ', 1] as implemented in pyqsp's ``PolyOneOverX``:
b = ⌊κ'² ln(κ'/ε)⌋, j0 = ⌊√(b·ln(4b/ε))⌋, odd degree d = 2·j0 + 1, rescaled so that
P(x) ≈ 1/(2κ'x). QSVT (Gilyén, Su, Low, Wiebe 2019) on U_A uses d alternating calls of U_A / U_A†
and d + 1 projector-controlled phase rotations.

κ' is the condition number QSVT sees: singular values of A/α lie in [σ_min/α, ‖A‖/α], so
κ' = α/σ_min = α·κ/‖A‖ ≤ α·κ (‖A‖ ≥ 1 for the unit-diagonal history matrix). We use α·κ.

Postselection succeeds with amplitude ≥ 1/(2κ'), so plain amplitude amplification needs
k = ⌈π·κ'/2⌉ rounds (k ≥ π/(4·asin a) − 1/2), 2k + 1 applications of (QSVT · state preparation)
and k reflections about |0…0⟩: O(κ'² log(κ'/ε)) queries in total.
"""

from __future__ import annotations

import math
from functools import cached_property

import attrs
import sympy
from qualtran import Bloq, QAny, Signature
from qualtran.bloqs.basic_gates import Rz
from qualtran.bloqs.mcmt import And
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

CITATION = ("Childs, Kothari, Somma, SIAM J. Comput. 46:1920 (2017) (Chebyshev 1/x polynomial, "
            "degree as in pyqsp PolyOneOverX); Gilyén, Su, Low, Wiebe, STOC 2019 (QSVT); "
            "Brassard, Høyer, Mosca, Tapp 2002 (amplitude amplification)")


def cks_degree(kappa: SymbolicFloat, eps: SymbolicFloat) -> SymbolicInt:
    """Odd degree 2·⌊√(b ln(4b/ε))⌋ + 1, b = ⌊κ² ln(κ/ε)⌋ (CKS 2017 / pyqsp)."""
    if is_symbolic(kappa, eps):
        b = sympy.floor(kappa**2 * sympy.log(kappa / eps))
        return 2 * sympy.floor(sympy.sqrt(b * sympy.log(4 * b / eps))) + 1
    b = math.floor(kappa**2 * math.log(kappa / eps))
    return 2 * math.floor(math.sqrt(b * math.log(4 * b / eps))) + 1


def aa_rounds(kappa: SymbolicFloat) -> SymbolicInt:
    """k = ⌈π·κ'/2⌉ amplitude-amplification rounds for success amplitude ≥ 1/(2κ')."""
    if is_symbolic(kappa):
        return sympy.ceiling(sympy.pi * kappa / 2)
    return math.ceil(math.pi * kappa / 2)


def block_encoding_queries(alpha: SymbolicFloat, kappa: SymbolicFloat,
                           eps: SymbolicFloat) -> SymbolicInt:
    """(2k + 1)·d for κ' = α·κ: 2k + 1 amplified passes of the degree-d QSVT sequence."""
    kappa_eff = alpha * kappa
    return (2 * aa_rounds(kappa_eff) + 1) * cks_degree(kappa_eff, eps)


@attrs.frozen
class ZeroReflection(Bloq):
    """Reflection about |0…0⟩ on ``bitsize`` qubits: a (bitsize−1)-fold And ladder and back."""

    bitsize: SymbolicInt

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(x=QAny(self.bitsize))

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {And(): self.bitsize - 1, And().adjoint(): self.bitsize - 1}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return 2 * self.bitsize - 1
        return NotImplemented


@attrs.frozen
class ProjectorControlledPhase(Bloq):
    """e^{iφ(2Π−I)} on the block-encoding ancilla: compute [ancilla = 0] into one qubit with an
    And ladder, Rz(φ) on it, uncompute (Gilyén et al. 2019, Fig. 1)."""

    bitsize: SymbolicInt

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(x=QAny(self.bitsize))

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {And(): self.bitsize - 1, And().adjoint(): self.bitsize - 1,
                Rz(ssa.new_symbol("phi")): 1}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return 2 * self.bitsize
        return NotImplemented


@attrs.frozen
class QSVTInversion(Bloq):
    """Degree-d QSVT sequence approximating (A/α)^{-1}/(2κ'), κ' = α·κ."""

    block_encoding: Bloq
    kappa: SymbolicFloat
    eps: SymbolicFloat

    @cached_property
    def signature(self) -> Signature:
        return self.block_encoding.signature

    @cached_property
    def kappa_eff(self) -> SymbolicFloat:
        return self.block_encoding.alpha * self.kappa

    @cached_property
    def degree(self) -> SymbolicInt:
        return cks_degree(self.kappa_eff, self.eps)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        # U_A and U_A† alternate; both cost the same, so they are counted together.
        return {self.block_encoding: self.degree,
                ProjectorControlledPhase(self.block_encoding.ancilla_bits): self.degree + 1}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            # one extra qubit holds [ancilla = 0] for the phase rotations
            return self.block_encoding.my_static_costs(cost_key) + 1
        return NotImplemented


@attrs.frozen
class AmplifiedQSVTSolver(Bloq):
    """QLSA: (QSVT inversion ∘ state preparation), amplified by k = ⌈π κ'/2⌉ rounds."""

    inversion: QSVTInversion
    state_prep: Bloq

    @cached_property
    def signature(self) -> Signature:
        return self.inversion.signature

    @cached_property
    def kappa_eff(self) -> SymbolicFloat:
        return self.inversion.kappa_eff

    @cached_property
    def rounds(self) -> SymbolicInt:
        return aa_rounds(self.inversion.kappa_eff)

    def success_probability(self) -> SymbolicFloat:
        """Of one QSVT pass: the postselected amplitude is ≥ 1/(2κ')."""
        return 1 / (4 * self.kappa_eff**2)

    def repetitions(self) -> SymbolicInt:
        """Passes of (QSVT ∘ state preparation) under amplitude amplification: 2k + 1."""
        return 2 * self.rounds + 1

    @cached_property
    def block_encoding_queries(self) -> SymbolicInt:
        return (2 * self.rounds + 1) * self.inversion.degree

    @cached_property
    def state_prep_calls(self) -> SymbolicInt:
        return 2 * self.rounds + 1

    @cached_property
    def reflection_bits(self) -> SymbolicInt:
        be = self.inversion.block_encoding
        return be.layout.system_bits + be.ancilla_bits + 1

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {self.inversion: 2 * self.rounds + 1,
                self.state_prep: 2 * self.rounds + 1,
                ZeroReflection(self.reflection_bits): self.rounds}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            # +1 QSVT signal qubit; the state preparation runs on the system register with its own
            # work space, sequentially with the inversion.
            from qualtran.symbolics import smax
            be = self.inversion.block_encoding
            prep_work = self.state_prep.my_static_costs(cost_key) - be.layout.system_bits
            return smax(self.inversion.my_static_costs(cost_key) + 1,
                        be.layout.system_bits + smax(prep_work, 0) + be.ancilla_bits + 2)
        return NotImplemented
