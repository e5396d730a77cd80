"""Block encoding of the Carleman history matrix A = I − S ⊗ M by sparse access.

Construction (Gilyén, Su, Low, Wiebe, STOC 2019, Lemma 48; the circuit of Lin,
arXiv:2201.08309 §6.5, as Qualtran's ``SparseMatrix``):

    U_A = (D† ⊗ I) · O_r† · SWAP · O_A · O_c · (D ⊗ I),

D a uniform superposition over the s_A enumerated entries of a row, O_r / O_c / O_A the oracles
of :mod:`qmlc.circuits.bloqs.history_oracles`. Then ⟨0|U_A|0⟩ = A/α with

    α = s_A · a,   a = max(1, max|G_1|),

s_A the number of enumerated entries per row and column (1 + the larger of G_1's row and column
nonzero counts). This is the order N = 1 encoding; for N ≥ 2 coinciding Kronecker terms rule
out the in-place oracles and :mod:`qmlc.circuits.bloqs.history_labels` is used.
One query costs one O_r, one O_c, one O_A, one SWAP and two D. Qubits: system
⌈log2(T+1)⌉ + ⌈log2 N⌉ + N⌈log2 n⌉, ancilla system + N + 1 (the l register, as in Qualtran's
SparseMatrix, and N + 1 flags), plus the oracles' work registers (:attr:`qubits`).
"""

from __future__ import annotations

from functools import cached_property

import attrs
from qualtran import Bloq, BloqBuilder, DecomposeTypeError, QAny, Signature, SoquetT
from qualtran.bloqs.basic_gates import Swap
from qualtran.bloqs.state_preparation import PrepareUniformSuperposition
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicFloat, SymbolicInt, smax

from qmlc.circuits.bloqs.history_decomposition import build_block_encoding
from qmlc.circuits.bloqs.history_oracles import (
    HistoryEntryOracle,
    HistoryLayout,
    HistoryRowColumnOracle,
)


@attrs.frozen
class HistoryBlockEncoding(Bloq):
    """(α, system + N + 1, ε) block encoding of the history matrix, α = s_A · max_abs."""

    layout: HistoryLayout
    max_abs: SymbolicFloat
    model: str
    data: object = None   # HistoryData of a concrete N = 1 instance: then it decomposes

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(system=QAny(self.layout.system_bits),
                                           ancilla=QAny(self.ancilla_bits))

    @cached_property
    def alpha(self) -> SymbolicFloat:
        return self.layout.enum_sparsity * self.max_abs

    @cached_property
    def ancilla_bits(self) -> SymbolicInt:
        return self.layout.system_bits + self.layout.order + 1

    @cached_property
    def row_oracle(self) -> HistoryRowColumnOracle:
        return HistoryRowColumnOracle(self.layout, self.model, "row", self.data)

    @cached_property
    def col_oracle(self) -> HistoryRowColumnOracle:
        return HistoryRowColumnOracle(self.layout, self.model, "column", self.data)

    @cached_property
    def entry_oracle(self) -> HistoryEntryOracle:
        return HistoryEntryOracle(self.layout, self.model, self.data)

    def build_composite_bloq(self, bb: BloqBuilder, system: SoquetT, ancilla: SoquetT) -> dict:
        """Only for concrete N = 1 instances carrying tables (history_decomposition); the
        costs of the estimates come from :meth:`build_call_graph`, never from this circuit."""
        if self.data is None or self.layout.order != 1:
            raise DecomposeTypeError(f"{self}: no circuit without tables or for order > 1")

        return build_block_encoding(bb, self, system, ancilla)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {
            PrepareUniformSuperposition(self.layout.enum_sparsity): 2,   # D and D†
            self.col_oracle: 1,
            self.entry_oracle: 1,
            Swap(self.layout.system_bits): 1,
            self.row_oracle: 1,      # O_r† costs what O_r costs
        }

    @cached_property
    def qubits(self) -> SymbolicInt:
        """System + ancilla + the largest oracle work space (oracles run one after another)."""
        lay = self.layout
        work_row = self.row_oracle.my_static_costs(QubitCount()) - 2 * lay.system_bits
        work_entry = (self.entry_oracle.my_static_costs(QubitCount()) - 2 * lay.system_bits
                      - lay.order - 1)
        return lay.system_bits + self.ancilla_bits + smax(work_row, work_entry)

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return self.qubits
        return NotImplemented

    def __str__(self) -> str:
        return f"U_A[history, {self.model}]"
