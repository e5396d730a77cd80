"""Sparse-access oracles of the Carleman history matrix A = I − S ⊗ M, built from G-table lookups.

Used for Carleman order N = 1. Index layout of the system register (numpy Kronecker order,
as in compiler/carleman.py):
``time`` (⌈log2(T+1)⌉ bits) · ``level`` j (⌈log2 N⌉ bits) · N digits of ⌈log2 n⌉ bits (level j
uses the first j digits: u^{⊗j} index (i1..ij)).

Row j of the lift holds the blocks M_{j,k} = Σ_{ℓ1+…+ℓj=k} G_{ℓ1} ⊗ … ⊗ G_{ℓj}. The ``l``-th
entry of a history row is enumerated as (identity | term (k, ℓ1..ℓj), one nonzero index per
factor): a nonzero of a Kronecker product is the tuple of its factors' nonzeros, so

- row / column oracle: a small classical *term table* (Clifford+T QROM, size N·s_A, independent of
  n and T) decodes l into the term and per-factor indices; for each of the N factors one lookup
  in the G index table (L = Σ_ℓ nnz(G_ℓ) words of d·⌈log2 n⌉ bits) gives the factor's ℓ column
  digits, and one lookup in the inverse table uncomputes the row digit (the in-place map
  |l⟩|i⟩ → |c(i,l)⟩|i⟩ of Lin, arXiv:2201.08309 §6.5); controlled swaps route the digits; a
  decrement of the time register applies the shift S (column block t − 1);
- entry oracle: N angle lookups (b bits each), N·b controlled Ry on N flag qubits (one per
  factor: the product of entries is the all-zero amplitude, no arithmetic), one level constant.

These in-place oracles need a duplicate-free enumeration, which holds for N = 1 (one term,
G_1): α = s_A · max(1, g_1). For N ≥ 2 different compositions hit the same column (G_0⊗G_1 and
G_1⊗G_0 in M_{2,1}), an in-place O_r over the l register is then not injective, and the
estimates use the term-label construction of :mod:`qmlc.circuits.bloqs.history_labels` instead
(labels kept in an ancilla, so coinciding terms add). The N = 1 circuit is decomposed in
:mod:`qmlc.circuits.bloqs.history_decomposition` (tests/test_estimate_decomposition.py).
"""

from __future__ import annotations

from functools import cached_property

import attrs
from qualtran import Bloq, BloqBuilder, DecomposeTypeError, QAny, QUInt, Signature, SoquetT
from qualtran.bloqs.arithmetic import AddK
from qualtran.bloqs.basic_gates import CSwap, Ry
from qualtran.bloqs.data_loading import QROM
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicInt, smax

from qmlc.circuits.bits import bits_for
from qmlc.circuits.bloqs.data_access import TableLookup, lookup_qubits
from qmlc.circuits.bloqs.history_decomposition import build_entry, build_row_column


class SystemRegisterSizes:
    """The system register of the history matrix, for layouts with ``n``, ``steps``, ``order``:
    time (⌈log2(T+1)⌉ bits) · level (⌈log2 N⌉ bits, none for N = 1) · N digits (⌈log2 n⌉)."""

    @cached_property
    def time_bits(self) -> SymbolicInt:
        return bits_for(self.steps + 1)

    @cached_property
    def level_bits(self) -> int:
        return 0 if self.order == 1 else bits_for(self.order)

    @cached_property
    def digit_bits(self) -> SymbolicInt:
        return bits_for(self.n)

    @cached_property
    def system_bits(self) -> SymbolicInt:
        return self.time_bits + self.level_bits + self.order * self.digit_bits


@attrs.frozen
class HistoryLayout(SystemRegisterSizes):
    """Sizes of the history system that the oracles need (numbers or sympy symbols).

    n, steps: may be symbolic. order (N), degree (d), enum_sparsity (s_A, the number of enumerated
    entries per history row), factor_sparsity (max row nnz of any G_ℓ) are concrete integers.
    table_size: L = Σ_ℓ nnz(G_ℓ) (symbolic as λ·n in flag mode). value_bits: b.
    """

    n: SymbolicInt
    steps: SymbolicInt
    order: int
    degree: int
    enum_sparsity: int
    factor_sparsity: int
    table_size: SymbolicInt
    value_bits: SymbolicInt

    @cached_property
    def index_word_bits(self) -> SymbolicInt:
        """Output of one G index lookup: up to d column digits."""
        return self.degree * self.digit_bits

    @cached_property
    def term_table_size(self) -> int:
        return self.order * self.enum_sparsity

    @cached_property
    def term_word_bits(self) -> int:
        return self.level_bits + self.order * (bits_for(self.degree + 1)
                                               + bits_for(self.factor_sparsity))


def _require_data(bloq: Bloq) -> None:
    """Only concrete first-order instances with tables decompose (history_decomposition)."""
    if bloq.data is None:
        raise DecomposeTypeError(f"{bloq} has no tables: a cost model only")
    if bloq.layout.order != 1:
        raise DecomposeTypeError(f"{bloq}: order {bloq.layout.order} has no circuit (N = 1 only)")


@attrs.frozen
class HistoryRowColumnOracle(Bloq):
    """O_r (or O_c): |l⟩|i⟩ → |r(i, l)⟩|i⟩ for the history matrix (see the module docstring)."""

    layout: HistoryLayout
    model: str
    kind: str = "row"
    data: object = None   # HistoryData of a concrete instance (only then a circuit exists)

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(l=QAny(self.layout.system_bits),
                                           i=QAny(self.layout.system_bits))

    @cached_property
    def index_lookup(self) -> TableLookup:
        lay = self.layout
        return TableLookup(self.model, lay.table_size, lay.index_word_bits)

    @cached_property
    def term_table(self) -> Bloq:
        lay = self.layout
        return QROM.build_from_bitsize((lay.term_table_size,), (lay.term_word_bits,))

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        lay = self.layout
        return {
            self.term_table: 2,                      # decode l, and uncompute the decoding
            self.index_lookup: 2 * lay.order,        # column digits, then inverse (row digit)
            CSwap(lay.digit_bits): 2 * lay.order * lay.degree,   # route digits in and out
            AddK(QUInt(lay.time_bits), 1): 1,        # time shift S (a decrement costs the same)
        }

    def build_composite_bloq(self, bb: BloqBuilder, l: SoquetT, i: SoquetT) -> dict:
        _require_data(self)

        return build_row_column(bb, self.data, self.kind, l, i)

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            lay = self.layout
            return (2 * lay.system_bits + lay.term_word_bits + lay.order * lay.index_word_bits
                    + smax(lookup_qubits(self.model, lay.table_size, lay.index_word_bits)
                           - bits_for(lay.table_size) - lay.index_word_bits, 0))
        return NotImplemented

    def __str__(self) -> str:
        return f"O_{self.kind[0]}[history]"


@attrs.frozen
class HistoryEntryOracle(Bloq):
    """O_A on N + 1 flag qubits: amplitude Π_i (G_{ℓi})_{r c}/g_max^j · (level constant) on |0…0⟩.

    A term's entry is a product of its j factors' entries, so instead of multiplying values
    (b² Toffolis each) and computing an arcsin, each factor gets its own flag qubit rotated by
    the factor's looked-up angle arccos(G_rc/g_max) (b controlled Ry, as Qualtran's
    ExplicitEntryOracle does for one entry): the all-zero amplitude of the flags is then the
    product — the tensor product of block encodings. One more flag, rotated by a level-dependent
    constant, equalizes the normalization g_max^j across levels; signs are a looked-up phase.
    """

    layout: HistoryLayout
    model: str
    data: object = None   # HistoryData of a concrete instance (only then a circuit exists)

    @cached_property
    def signature(self) -> Signature:
        bits = self.layout.system_bits
        return Signature.build_from_dtypes(q=QAny(self.layout.order + 1), i=QAny(bits),
                                           j=QAny(bits))

    @cached_property
    def value_lookup(self) -> TableLookup:
        lay = self.layout
        return TableLookup(self.model, lay.table_size, lay.value_bits)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        lay = self.layout
        return {
            QROM.build_from_bitsize((lay.term_table_size,), (lay.term_word_bits,)): 2,
            self.value_lookup: 2 * lay.order,            # angle of each factor, uncomputed after
            Ry(ssa.new_symbol("theta")).controlled(): lay.order * lay.value_bits,
            Ry(ssa.new_symbol("level")).controlled(): lay.order,   # level normalization
        }

    def build_composite_bloq(self, bb: BloqBuilder, q: SoquetT, i: SoquetT,
                             j: SoquetT) -> dict:
        """Concrete N = 1 circuit: there ``i`` is the enumeration register (O_A runs before
        O_c, see :func:`qmlc.circuits.bloqs.history_decomposition.build_block_encoding`)."""
        _require_data(self)

        return build_entry(bb, self.data, q, i, j)

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            lay = self.layout
            b = lay.value_bits
            return (lay.order + 1 + 2 * lay.system_bits + lay.term_word_bits + lay.order * b
                    + smax(lookup_qubits(self.model, lay.table_size, b)
                           - bits_for(lay.table_size) - b, 0))
        return NotImplemented

    def __str__(self) -> str:
        return "O_A[history]"
