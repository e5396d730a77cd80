"""Preparation of the history right-hand side |b⟩ ∝ [y_in; c; …; c].

y_in = [u_0; u_0^{⊗2}; …; u_0^{⊗N}] and c = [G_0; G_0^{⊗2}; …] (for c_j = G_0^{⊗j}, the
constant term of the lift; the higher-order contributions to c are bounded by the same tensor
structure and not counted separately). Both are sums over levels of tensor powers of one n-dim
vector, so |b⟩ is prepared by

1. a rotation tree over (time block 0 | 1..T) × level j, with the exact norms as angles:
   a uniform superposition over the T constant blocks plus N + 1 Ry rotations;
2. N copies of an n-dimensional amplitude-loading circuit for u_0 and N for G_0 (the j-th copy
   controlled on level ≥ j), each the Grover–Rudolph tree (quant-ph/0208112) over a classical
   binary-tree data structure (Kerenidis–Prakash, ITCS 2017): ⌈log2 n⌉ levels, each one lookup of
   a b-bit angle (table ≤ n words, the data-access model decides its cost), b controlled Ry
   rotations, and the lookup's uncomputation.
"""

from __future__ import annotations

from functools import cached_property

import attrs
from qualtran import Bloq, QAny, Signature
from qualtran.bloqs.basic_gates import Ry, Toffoli
from qualtran.bloqs.state_preparation import PrepareUniformSuperposition
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicInt

from qmlc.circuits.bits import bits_for
from qmlc.circuits.bloqs.data_access import TableLookup, lookup_qubits
from qmlc.circuits.bloqs.history_oracles import HistoryLayout

CITATION = ("Grover, Rudolph, quant-ph/0208112 (2002); Kerenidis, Prakash, ITCS 2017 "
            "(binary-tree data structure for amplitude loading)")


@attrs.frozen
class VectorStatePreparation(Bloq):
    """|v⟩ = Σ_i v_i|i⟩/‖v‖ for a stored n-vector: ⌈log2 n⌉ levels of (lookup, b × C-Ry,
    unlookup)."""

    n: SymbolicInt
    value_bits: SymbolicInt
    model: str

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(x=QAny(bits_for(self.n)))

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        levels = bits_for(self.n)
        return {TableLookup(self.model, self.n, self.value_bits): 2 * levels,
                Ry(ssa.new_symbol("theta")).controlled(): levels * self.value_bits}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return bits_for(self.n) + lookup_qubits(self.model, self.n, self.value_bits)
        return NotImplemented


@attrs.frozen
class ControlledG0Loading(Bloq):
    """Amplitude loading of G_0[i]/‖G_0‖₂ controlled on a factor label ℓ_m = 0 (the column side
    of the term-label block encoding): the Grover–Rudolph tree of
    :class:`VectorStatePreparation`, each of its ⌈log2 n⌉·b controlled Ry made doubly controlled
    by one Toffoli pair (compute the conjunction of the two controls, rotate, uncompute)."""

    n: SymbolicInt
    value_bits: SymbolicInt
    model: str

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(x=QAny(bits_for(self.n)))

    @cached_property
    def vector_prep(self) -> VectorStatePreparation:
        return VectorStatePreparation(self.n, self.value_bits, self.model)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {self.vector_prep: 1, Toffoli(): 2 * bits_for(self.n) * self.value_bits}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return self.vector_prep.my_static_costs(cost_key) + 1   # the conjunction qubit
        return NotImplemented

    def __str__(self) -> str:
        return f"G0Loading[{self.n}]"


@attrs.frozen
class HistoryRHSPreparation(Bloq):
    """|b⟩ of the history system on the system register (see the module docstring)."""

    layout: HistoryLayout
    model: str

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(system=QAny(self.layout.system_bits))

    @cached_property
    def vector_prep(self) -> VectorStatePreparation:
        return VectorStatePreparation(self.layout.n, self.layout.value_bits, self.model)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        from qualtran.symbolics import is_symbolic

        lay = self.layout
        counts: dict = {Ry(ssa.new_symbol("level")): lay.order + 1,
                        self.vector_prep: 2 * lay.order}
        if is_symbolic(lay.steps) or lay.steps > 1:  # one constant block needs no superposition
            counts[PrepareUniformSuperposition(lay.steps)] = 1
        return counts

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            lay = self.layout
            return lay.system_bits + lookup_qubits(self.model, lay.n, lay.value_bits)
        return NotImplemented
