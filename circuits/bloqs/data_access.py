"""Data-access oracles for the G tensors under three cost models.

Every access to the classical data of the polynomial map (the nonzero positions and values of
G_0..G_d) is one *table lookup*: an address register of ⌈log2 L⌉ bits selects one of L stored
words of ``word_bits`` bits, XORed into an output register. How much a lookup costs is the whole
question of quantum advantage for this problem (see references/qlsa_costs.md), so the model is a
parameter and every estimate states it:

- ``qram``: a bucket-brigade QRAM query (Giovannetti, Lloyd, Maccone, PRL 100:160501 (2008)),
  the assumption of Liu et al. (Nat. Commun. 15:434, 2024). Counted as its *active* gates: each of
  the ``word_bits`` bus qubits and the address are routed through ⌈log2 L⌉ router levels and back,
  2·(word_bits + 1)·⌈log2 L⌉ controlled-SWAPs. The O(L) router qubits are QRAM hardware and are
  not counted as logical qubits. Polylogarithmic in L.
- ``qrom``: Clifford+T QROM by unary iteration (Babbush et al., PRX 8:041015 (2018)), Qualtran's
  :class:`~qualtran.bloqs.data_loading.QROM`: L − 2 Toffolis (And gates). Linear in L.
- ``select-swap``: SelectSwap QROM (Low, Kliuchnikov, Schaeffer, arXiv:1812.00954), Qualtran's
  :class:`~qualtran.bloqs.data_loading.SelectSwapQROM` with its default block size ≈ √(L/b):
  ~2·L/k Toffolis + O(b·k) T, k·b extra qubits. ~√L.
"""

from __future__ import annotations

from functools import cached_property

import attrs
from qualtran import Bloq, QAny, Signature
from qualtran.bloqs.basic_gates import CSwap
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicInt, ceil, log2

from qmlc.circuits.bits import bits_for

DATA_ACCESS_MODELS = ("qram", "qrom", "select-swap")

CITATIONS = {
    "qram": "Giovannetti, Lloyd, Maccone, PRL 100:160501 (2008) (bucket-brigade QRAM); "
            "unit-cost query as assumed by Liu et al., Nat. Commun. 15:434 (2024)",
    "qrom": "Babbush et al., PRX 8:041015 (2018) (unary-iteration QROM, L-2 Toffolis)",
    "select-swap": "Low, Kliuchnikov, Schaeffer, arXiv:1812.00954 (SelectSwap QROM, ~sqrt(L))",
}


@attrs.frozen
class QRAMQuery(Bloq):
    """One bucket-brigade QRAM query over ``table_size`` words of ``word_bits`` bits.

    Active-gate model: 2·(word_bits + 1)·⌈log2 L⌉ controlled-SWAPs (route in and out through
    ⌈log2 L⌉ levels). Logical qubits: address + output register only (routers are hardware).
    """

    table_size: SymbolicInt
    word_bits: SymbolicInt

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(
            address=QAny(bits_for(self.table_size)), target=QAny(self.word_bits))

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {CSwap(1): 2 * (self.word_bits + 1) * bits_for(self.table_size)}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return bits_for(self.table_size) + self.word_bits
        return NotImplemented

    def __str__(self) -> str:
        return f"QRAM[{self.table_size}x{self.word_bits}]"


@attrs.frozen
class TableLookup(Bloq):
    """A lookup of one of ``table_size`` classical words into a ``word_bits``-bit register.

    Decomposes (in the call graph) into the bloq of the chosen data-access ``model``; its qubit
    count is declared from that model (address + output + the model's own ancillas).
    """

    model: str
    table_size: SymbolicInt
    word_bits: SymbolicInt

    def __attrs_post_init__(self):
        if self.model not in DATA_ACCESS_MODELS:
            raise ValueError(f"unknown data-access model {self.model!r}")

    @cached_property
    def signature(self) -> Signature:
        return Signature.build_from_dtypes(
            address=QAny(bits_for(self.table_size)), target=QAny(self.word_bits))

    @cached_property
    def implementation(self) -> Bloq:
        from qualtran.bloqs.data_loading import QROM, SelectSwapQROM

        if self.model == "qram":
            return QRAMQuery(self.table_size, self.word_bits)
        if self.model == "qrom":
            return QROM.build_from_bitsize((self.table_size,), (self.word_bits,))
        return SelectSwapQROM.build_from_bitsize(
            (self.table_size,), (self.word_bits,),
            log_block_sizes=log_block_size(self.table_size, self.word_bits))

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {self.implementation: 1}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return lookup_qubits(self.model, self.table_size, self.word_bits)
        return NotImplemented

    def __str__(self) -> str:
        return f"Lookup[{self.model}, {self.table_size}x{self.word_bits}]"


def log_block_size(table_size: SymbolicInt, word_bits: SymbolicInt) -> SymbolicInt:
    """SelectSwap block size log2 k = ⌈½·log2(L/b)⌉ (the √(L/b) optimum of Low et al.), clipped
    to [1, ⌊log2 L⌋] for concrete sizes (0 for a one-word table, which has nothing to swap:
    Qualtran requires 2^k ≤ L). The same rule is used symbolically and concretely so the two cost
    paths agree."""
    from qualtran.symbolics import is_symbolic

    if is_symbolic(table_size, word_bits):
        return ceil(0.5 * log2(table_size / word_bits))
    import math

    if table_size < 2:
        return 0
    raw = math.ceil(0.5 * math.log2(table_size / word_bits)) if table_size > word_bits else 1
    return int(min(max(1, raw), max(1, int(math.floor(math.log2(table_size))))))


def lookup_qubits(model: str, table_size: SymbolicInt, word_bits: SymbolicInt) -> SymbolicInt:
    """Declared logical qubits of one lookup (address, output, and the model's ancillas).

    qrom: b + 2⌈log2 L⌉ − 1 (address, output, unary-iteration ancillas);
    select-swap: k·b + b + 2⌈log2 L⌉ − log2 k − 1 with k = 2^⌈½ log2(L/b)⌉;
    qram: ⌈log2 L⌉ + b. The first two are checked against Qualtran's decomposition in the tests.
    """
    a = bits_for(table_size)
    if model == "qram":
        return a + word_bits
    if model == "qrom":
        return word_bits + 2 * a - 1
    log_k = log_block_size(table_size, word_bits)
    return 2**log_k * word_bits + word_bits + 2 * a - log_k - 1
