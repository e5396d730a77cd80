"""Term-label block encoding of the Carleman history matrix for order N ≥ 2.

For N ≥ 2 different Kronecker terms land on the same entry (G_0⊗G_1 and G_1⊗G_0 in M_{2,1}),
so the in-place sparse access of :mod:`qmlc.circuits.bloqs.history_oracles` (which needs a
duplicate-free column enumeration) does not exist. This construction keeps the *term label*
in an ancilla register instead of overwriting it, so duplicates simply add (the
"non-in-place" form of Gilyén, Su, Low, Wiebe, STOC 2019, Lemma 48):

    U_A = V_R† · SWAP(system, E) · O_A · V_C,

    V_C |0⟩_Λ|0⟩_E|j⟩ = Σ_λ c_λ(j) |λ⟩ |row(λ, j)⟩_E |j⟩,
    V_R |0⟩_Λ|0⟩_E|i⟩ = Σ_λ s_r^{-1/2} |λ⟩ |col(λ, i)⟩_E |i⟩,

so ⟨0, i|U_A|0, j⟩ = Σ_λ r_λ c_λ f_λ [row(λ) = i][col(λ) = j] = A_ij/α. A label λ = (term τ,
one component per factor position m): (i_m, k_m), the row digit and the slot among G_ℓ's
row-i_m nonzeros (a row-major padded id, so the row side only copies i_m); G_0 factors load
G_0[i]/γ by amplitude loading on the column side (γ = ‖G_0‖₂), the identity copies the digits.
See :mod:`qmlc.circuits.bloqs.history_terms` for the term list, s_r, s_c and α = √(s_r s_c)·a.

- V_R: the term register is prepared with weights ∝ the term's number of slots at the row's
  level (a rotation tree over the term register, controlled by the level), one uniform
  superposition per factor over its slots k_m, the row digits copied into the components, one
  index lookup per factor (the ≤ d column digits of entry (i_m, k_m)), routed by controlled
  SWAPs to the digit positions the term's composition gives, the column level from a term
  table, and the time decremented for −S ⊗ M terms.
- V_C: the same term preparation with column weights; per factor the slot k' among the
  entries whose first column digit is c (c routed to an address register by controlled
  SWAPs), a pointer lookup (ℓ, c, k') → (i, k), a second lookup clearing k' from (i, k);
  controlled amplitude loading of G_0 for ℓ_m = 0 factors; controlled copies for the identity;
  row digits copied to E; the time incremented.
- O_A: per factor a b-bit angle lookup of G_ℓ[entry]/g_ℓ and b controlled Ry on its flag, a
  term-constant angle (a_τ/a, the sign of −S⊗M) on one more flag, and a comparator [t < T]
  that zeroes shift terms out of the last block (T + 1 ≠ 2^tb leaves padding: there, and on
  padded digits and levels, the encoded matrix is the identity, A ⊕ I).

The tables: entry tables over (ℓ, i, k) hold d·n·2^kb words (kb slot bits, the largest row or
first-digit column count); the pointer table as many; the term tables N·|τ| words. An
executable model of exactly these maps (:mod:`qmlc.circuits.bloqs.history_label_tables`) rebuilds
A/α of concrete instances from the tables alone (tests/test_history_labels.py), and for tiny
instances (n = 2) the bloq decomposes into a Qualtran circuit of the same maps with dense
tables (:mod:`qmlc.circuits.bloqs.history_label_circuit`, tests/test_history_label_circuit.py).
"""

from __future__ import annotations

from functools import cached_property

import attrs
from qualtran import Bloq, BloqBuilder, DecomposeTypeError, QAny, QUInt, Signature, SoquetT
from qualtran.bloqs.arithmetic import AddK, LessThanConstant
from qualtran.bloqs.basic_gates import CNOT, CSwap, Ry, Swap, Toffoli
from qualtran.bloqs.data_loading import QROM
from qualtran.bloqs.state_preparation import PrepareUniformSuperposition
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicInt, smax

from qmlc.circuits.bits import bits_for
from qmlc.circuits.bloqs.data_access import TableLookup, lookup_qubits
from qmlc.circuits.bloqs.history_label_circuit import build_stages
from qmlc.circuits.bloqs.history_oracles import SystemRegisterSizes
from qmlc.circuits.bloqs.state_prep import ControlledG0Loading


@attrs.frozen
class LabelLayout(SystemRegisterSizes):
    """Sizes of the term-label construction (n, steps may be sympy symbols).

    row_slots / col_slots: s_r, s_c; factor_slots: the largest per-factor slot count (row
    nonzeros or entries per first column digit of any G_ℓ); term_count: |τ| (identity
    excluded); has_g0: whether G_0 ≠ 0 factors occur.
    """

    n: SymbolicInt
    steps: SymbolicInt
    order: int
    degree: int
    row_slots: int
    col_slots: int
    factor_slots: int
    term_count: int
    has_g0: bool
    value_bits: SymbolicInt

    @cached_property
    def slot_bits(self) -> int:
        return bits_for(self.factor_slots)

    @cached_property
    def term_bits(self) -> int:
        """Terms, the identity and one dummy term (the unused weight of short rows)."""
        return bits_for(self.term_count + 2)

    @cached_property
    def component_bits(self) -> SymbolicInt:
        """(dummy flag, digit, slot): the dummy half holds the column side's padding slots."""
        return 1 + self.digit_bits + self.slot_bits

    @cached_property
    def label_bits(self) -> SymbolicInt:
        return self.term_bits + self.order * self.component_bits

    @cached_property
    def entry_table_size(self) -> SymbolicInt:
        """Words of an entry-indexed table: (ℓ, i, k) for ℓ = 1..d, padded to 2^kb slots."""
        return self.degree * self.n * 2**self.slot_bits

    @cached_property
    def index_word_bits(self) -> SymbolicInt:
        return self.degree * self.digit_bits

    @cached_property
    def ancilla_bits(self) -> SymbolicInt:
        """Label register, the second system-sized register E, and N + 1 flags."""
        return self.label_bits + self.system_bits + self.order + 1


def _side_counts(lay: LabelLayout, ssa: SympySymbolAllocator) -> BloqCountDictT:
    """What V_R and V_C both do. Term preparation: weights ∝ slot counts over the term
    register, per level (a rotation tree of 2^term_bits − 1 controlled Ry for each of the N
    levels), one controlled uniform superposition over the slots of each factor position;
    the other side's level from a term table; t ∓ 1 for −S ⊗ M terms; N digits copied."""
    from qualtran.symbolics import is_symbolic

    counts = {Ry(ssa.new_symbol("term_weight")).controlled(): lay.order * (2**lay.term_bits - 1),
              QROM.build_from_bitsize((lay.term_count + 2,), (lay.level_bits,)): 1,
              AddK(QUInt(lay.time_bits), 1): 1,
              CNOT(): lay.order * lay.digit_bits}
    # one slot per factor (row sparsity 1) needs no superposition; Qualtran's
    # PrepareUniformSuperposition(1) has a 0-bit target and cannot decompose
    if is_symbolic(lay.factor_slots) or lay.factor_slots > 1:
        counts[PrepareUniformSuperposition(lay.factor_slots, cvs=(1,))] = lay.order
    return counts


@attrs.frozen
class LabelSide(Bloq):
    """What V_R and V_C share: the label register Λ, the system-sized register E and the system
    index; each side adds its own work register on top (:meth:`work_qubits`)."""

    layout: LabelLayout
    model: str

    @cached_property
    def signature(self) -> Signature:
        lay = self.layout
        return Signature.build_from_dtypes(label=QAny(lay.label_bits), e=QAny(lay.system_bits),
                                           index=QAny(lay.system_bits))

    def work_qubits(self) -> SymbolicInt:
        raise NotImplementedError

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            lay = self.layout
            return lay.label_bits + 2 * lay.system_bits + self.work_qubits()
        return NotImplemented


@attrs.frozen
class HistoryRowLabels(LabelSide):
    """V_R: |0⟩_Λ|0⟩_E|i⟩ → s_r^{-1/2} Σ_λ |λ⟩|col(λ, i)⟩|i⟩ (module docstring)."""

    @cached_property
    def index_lookup(self) -> TableLookup:
        lay = self.layout
        return TableLookup(self.model, lay.entry_table_size, lay.index_word_bits)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        lay = self.layout
        counts = _side_counts(lay, ssa)       # its copies: row digits into components
        counts.update({
            self.index_lookup: lay.order,                         # column digits of each entry
            CSwap(lay.digit_bits): lay.order * lay.degree * lay.order,   # route to positions
        })
        return counts

    def work_qubits(self) -> SymbolicInt:
        lay = self.layout
        return lay.index_word_bits + smax(
            lookup_qubits(self.model, lay.entry_table_size, lay.index_word_bits)
            - lay.index_word_bits - lay.component_bits, 0)

    def __str__(self) -> str:
        return "V_R[history labels]"


@attrs.frozen
class HistoryColumnLabels(LabelSide):
    """V_C: |0⟩_Λ|0⟩_E|j⟩ → Σ_λ c_λ |λ⟩|row(λ, j)⟩|j⟩ (module docstring)."""

    @cached_property
    def pointer_lookup(self) -> TableLookup:
        lay = self.layout
        return TableLookup(self.model, lay.entry_table_size, lay.component_bits)

    @cached_property
    def slot_lookup(self) -> TableLookup:
        """Clears k' from the entry id (both halves of the component space)."""
        lay = self.layout
        return TableLookup(self.model, 2 * lay.entry_table_size, lay.slot_bits)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:

        lay = self.layout
        counts = _side_counts(lay, ssa)       # its copies: row digits into E
        counts.update({
            CSwap(lay.digit_bits): 2 * lay.order * lay.order,     # first column digit in, out
            self.pointer_lookup: lay.order,                       # (ℓ, c, k') → (i, k)
            self.slot_lookup: lay.order,                          # clear k'
            Toffoli(): 2 * lay.order * lay.digit_bits,            # identity: controlled copies
        })
        if lay.has_g0:   # controlled on "ℓ_m = 0": each of its controlled Ry becomes a CC-Ry
            counts[ControlledG0Loading(lay.n, lay.value_bits, self.model)] = lay.order
        return counts

    def work_qubits(self) -> SymbolicInt:
        lay = self.layout
        pointer = (lay.digit_bits + lay.component_bits
                   + smax(lookup_qubits(self.model, lay.entry_table_size, lay.component_bits)
                          - lay.component_bits - lay.component_bits, 0))
        if lay.has_g0:
            return smax(pointer, lookup_qubits(self.model, lay.n, lay.value_bits) + 1)
        return pointer

    def __str__(self) -> str:
        return "V_C[history labels]"


@attrs.frozen
class HistoryLabelEntry(Bloq):
    """O_A on N + 1 flags: Π_m G_ℓm[entry]/g_ℓm · (a_τ/a, signed) · [t < T for shifts]."""

    layout: LabelLayout
    model: str

    @cached_property
    def signature(self) -> Signature:
        lay = self.layout
        return Signature.build_from_dtypes(flags=QAny(lay.order + 1),
                                           label=QAny(lay.label_bits), j=QAny(lay.system_bits))

    @cached_property
    def value_lookup(self) -> TableLookup:
        lay = self.layout
        return TableLookup(self.model, lay.entry_table_size, lay.value_bits)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        lay = self.layout
        return {
            self.value_lookup: 2 * lay.order,                      # angle of each factor, undo
            QROM.build_from_bitsize((lay.term_count + 2,), (lay.value_bits,)): 2,  # term constant
            Ry(ssa.new_symbol("theta")).controlled(): (lay.order + 1) * lay.value_bits,
            LessThanConstant(lay.time_bits, lay.steps): 2,         # [t < T], and uncompute
        }

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            lay = self.layout
            return (lay.order + 1 + lay.label_bits + lay.system_bits + 1 + lay.value_bits
                    + smax(lookup_qubits(self.model, lay.entry_table_size, lay.value_bits)
                           - lay.value_bits - lay.component_bits, 0))
        return NotImplemented

    def __str__(self) -> str:
        return "O_A[history labels]"


@attrs.frozen
class HistoryLabelBlockEncoding(Bloq):
    """(α, label + system + N + 1, ε) block encoding of the order-N history matrix,
    α = √(s_r·s_c)·a (:mod:`qmlc.circuits.bloqs.history_terms`)."""

    layout: LabelLayout
    term_norm: float
    model: str
    data: object = attrs.field(default=None, eq=False)   # LabelCircuitData (tiny instances)

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(system=QAny(self.layout.system_bits),
                                           ancilla=QAny(self.ancilla_bits))

    def build_composite_bloq(self, bb: BloqBuilder, system: SoquetT, ancilla: SoquetT) -> dict:
        """Only for tiny concrete instances carrying tables: the stage circuit of
        :mod:`qmlc.circuits.bloqs.history_label_circuit` on ancilla = label · E · N + 1 flags (it
        uses flag 0; its work register is allocated here and returned clean). The estimates
        cost :meth:`build_call_graph`, never this circuit."""
        if self.data is None:
            raise DecomposeTypeError(f"{self} has no tables: a cost model only")

        return build_stages(bb, self.data, system, ancilla, self.layout.order + 1)

    @cached_property
    def alpha(self):
        from qualtran.symbolics import ssqrt

        return ssqrt(self.layout.row_slots * self.layout.col_slots) * self.term_norm

    @cached_property
    def ancilla_bits(self) -> SymbolicInt:
        return self.layout.ancilla_bits

    @cached_property
    def row_side(self) -> HistoryRowLabels:
        return HistoryRowLabels(self.layout, self.model)

    @cached_property
    def column_side(self) -> HistoryColumnLabels:
        return HistoryColumnLabels(self.layout, self.model)

    @cached_property
    def entry_oracle(self) -> HistoryLabelEntry:
        return HistoryLabelEntry(self.layout, self.model)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {self.column_side: 1, self.entry_oracle: 1, Swap(self.layout.system_bits): 1,
                self.row_side: 1}     # V_R† costs what V_R costs

    @cached_property
    def qubits(self) -> SymbolicInt:
        """System + flags + the largest of the three stages (each holds Λ, E and system)."""
        lay = self.layout
        flags = lay.order + 1
        return flags + smax(smax(self.row_side.my_static_costs(QubitCount()),
                                 self.column_side.my_static_costs(QubitCount())),
                            self.entry_oracle.my_static_costs(QubitCount()) - flags
                            + lay.system_bits)

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return self.qubits
        return NotImplemented

    def __str__(self) -> str:
        return f"U_A[history labels, {self.model}]"


__all__ = ["HistoryColumnLabels", "HistoryLabelBlockEncoding", "HistoryLabelEntry", "LabelSide",
           "HistoryRowLabels", "LabelLayout"]
