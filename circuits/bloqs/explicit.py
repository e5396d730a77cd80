"""Concrete sparse-access block encodings of small real matrices that decompose fully in Qualtran.

Used to cross-validate the symbolic construction: Qualtran's ``SparseMatrix`` (U = D† O_r† SWAP
O_A O_c D, Lin arXiv:2201.08309 §6.5) with

- :class:`TableRowColumnOracle`: |l⟩|i⟩ → |r(i, l)⟩|i⟩ for an explicit table, made in-place by
  two QROM lookups — ``t ⊕= r(i, l)`` then ``l ⊕= r⁻¹(i, t)`` (which clears l) — and a SWAP;
  r(i, ·) is the sorted nonzero list of row i extended to a permutation of all indices;
- :class:`SignedEntryOracle`: Qualtran's ``ExplicitEntryOracle`` (QROM of arccos(A_ij)/π in b
  bits, b controlled Ry, unlookup) without its non-negativity restriction: cos(θ/2) covers
  [−1, 1], so signed entries are exact up to the b-bit angle.

The nonzero pattern is padded to an s-regular bipartite pattern (every row and column exactly s
entries, some of them zero), as SparseMatrix requires; α = s·max|A_ij| (Gilyén et al. 2019,
Lemma 48). Only for small matrices: the tables are dense in the index space.
"""

from __future__ import annotations

from functools import cached_property

import attrs
import numpy as np
import scipy.sparse as sp
from qualtran import BloqBuilder, Signature, SoquetT
from qualtran.bloqs.basic_gates import Ry, Swap
from qualtran.bloqs.block_encoding.sparse_matrix import EntryOracle, RowColumnOracle, SparseMatrix
from qualtran.bloqs.data_loading import QROM


def regular_pattern(A: sp.csr_matrix, size: int) -> tuple[np.ndarray, int]:
    """A boolean size×size pattern ⊇ supp(A) with exactly s entries per row and column.

    Greedy completion from s = max degree upward (a full pattern always works).
    """
    base = np.zeros((size, size), dtype=bool)
    coo = A.tocoo()
    base[coo.row, coo.col] = True
    start = int(max(base.sum(axis=1).max(), base.sum(axis=0).max(), 1))
    for s in range(start, size + 1):
        pattern = base.copy()
        ok = True
        for i in range(size):
            need = s - int(pattern[i].sum())
            if need < 0:
                ok = False
                break
            cols = [j for j in np.argsort(pattern.sum(axis=0), kind="stable")
                    if not pattern[i, j] and pattern[:, j].sum() < s]
            if len(cols) < need:
                ok = False
                break
            pattern[i, cols[:need]] = True
        if ok and (pattern.sum(axis=0) == s).all() and (pattern.sum(axis=1) == s).all():
            return pattern, s
    raise AssertionError("unreachable: the full pattern is regular")


def position_table(pattern: np.ndarray) -> np.ndarray:
    """r[i, l]: the l-th True column of row i, then the remaining columns (a permutation)."""
    size = pattern.shape[0]
    table = np.empty((size, size), dtype=int)
    for i in range(size):
        on = np.flatnonzero(pattern[i])
        off = np.flatnonzero(~pattern[i])
        table[i] = np.concatenate([on, off])
    return table


def _freeze(table: np.ndarray) -> tuple:
    return tuple(map(tuple, np.asarray(table).tolist()))


@attrs.frozen
class TableRowColumnOracle(RowColumnOracle):
    """In-place |l⟩|i⟩ → |table[i][l]⟩|i⟩ from two QROM lookups and a SWAP."""

    bits: int
    nonzeros: int
    table: tuple = attrs.field(converter=_freeze)

    @property
    def system_bitsize(self) -> int:
        return self.bits

    @property
    def num_nonzero(self) -> int:
        return self.nonzeros

    @cached_property
    def forward(self) -> QROM:
        return QROM.build_from_data(np.array(self.table), target_bitsizes=(self.bits,))

    @cached_property
    def inverse(self) -> QROM:
        table = np.array(self.table)
        inv = np.empty_like(table)
        for i in range(table.shape[0]):
            inv[i, table[i]] = np.arange(table.shape[1])
        return QROM.build_from_data(inv, target_bitsizes=(self.bits,))

    def build_composite_bloq(self, bb: BloqBuilder, l: SoquetT, i: SoquetT) -> dict:
        t = bb.allocate(self.bits)
        i, l, t = bb.add(self.forward, selection0=i, selection1=l, target0_=t)
        i, t, l = bb.add(self.inverse, selection0=i, selection1=t, target0_=l)
        l, t = bb.add(Swap(self.bits), x=l, y=t)
        bb.free(t)
        return {"l": l, "i": i}


@attrs.frozen
class SignedEntryOracle(EntryOracle):
    """|0⟩|i⟩|j⟩ → (A_ij/a)|0⟩ + …|1⟩ for real A_ij ∈ [−a, a] (QROM of b-bit angles)."""

    bits: int
    data: tuple = attrs.field(converter=_freeze)
    entry_bits: int

    @property
    def system_bitsize(self) -> int:
        return self.bits

    @cached_property
    def qrom(self) -> QROM:
        # fraction f = arccos(x)/(2π) ∈ [0, ½] of a 4π turn: Ry(4π f) = Ry(2 arccos x)
        angles = np.arccos(np.clip(np.array(self.data), -1, 1)) / (2 * np.pi) * 2**self.entry_bits
        return QROM.build_from_data(np.round(angles).astype(int),
                                    target_bitsizes=(self.entry_bits,))

    def build_composite_bloq(self, bb: BloqBuilder, q: SoquetT, i: SoquetT, j: SoquetT) -> dict:
        target = bb.allocate(self.entry_bits)
        i, j, target = bb.add(self.qrom, selection0=i, selection1=j, target0_=target)
        bits = bb.split(target)
        # bit 0 is the most significant: Ry(4π · Σ_k bit_k 2^-(k+1))
        for k in range(len(bits)):
            bits[k], q = bb.add(Ry(4 * np.pi * 2.0 ** -(k + 1)).controlled(), ctrl=bits[k], q=q)
        target = bb.join(bits)
        i, j, target = bb.add(self.qrom.adjoint(), selection0=i, selection1=j, target0_=target)
        bb.free(target)
        return {"q": q, "i": i, "j": j}


@attrs.frozen
class ExplicitBlockEncoding:
    """The SparseMatrix bloq of a padded matrix with its α and padded matrix."""

    bloq: SparseMatrix
    alpha: float
    matrix: np.ndarray  # the padded 2^bits × 2^bits matrix that ⟨0|U|0⟩ equals α⁻¹ times
    sparsity: int

    @property
    def signature(self) -> Signature:
        return self.bloq.signature

    @property
    def qubits(self) -> int:
        """Declared peak qubits: the oracles run one after another on system (m) + ancilla
        (m + 1) qubits; the entry oracle adds b target bits and 2m − 1 unary-iteration ancillas
        (4m + b in all), a row/column oracle the m-bit table register and 2m − 1 ancillas (5m),
        the diffusion its own work space on the m-bit l register."""
        from qualtran.bloqs.state_preparation import PrepareUniformSuperposition
        from qualtran.resource_counting import QubitCount, get_cost_value

        m = self.bloq.system_bitsize
        b = self.bloq.entry_oracle.entry_bits
        diffusion = get_cost_value(PrepareUniformSuperposition(self.sparsity), QubitCount())
        return max(4 * m + b, 5 * m, m + 1 + max(diffusion, m))


def explicit_block_encoding(A, entry_bits: int = 12) -> ExplicitBlockEncoding:
    """Sparse-access block encoding of a small real matrix, padded with zeros to 2^bits."""
    A = sp.csr_matrix(A, dtype=float)
    dim = max(A.shape)
    bits = max(1, int(np.ceil(np.log2(dim))))
    size = 2**bits
    padded = np.zeros((size, size))
    padded[:A.shape[0], :A.shape[1]] = A.toarray()
    pattern, s = regular_pattern(sp.csr_matrix(padded), size)
    scale = float(np.abs(padded).max()) or 1.0
    row = TableRowColumnOracle(bits, s, position_table(pattern))
    col = TableRowColumnOracle(bits, s, position_table(pattern.T))
    entry = SignedEntryOracle(bits, padded / scale, entry_bits)
    bloq = SparseMatrix(row, col, entry, eps=0)
    return ExplicitBlockEncoding(bloq=bloq, alpha=s * scale, matrix=padded, sparsity=s)


def block_of(bloq, system_bits: int) -> np.ndarray:
    """⟨0_anc|U|0_anc⟩ by tensor contraction with |0⟩ / ⟨0| on the ancilla register only."""
    from qualtran.bloqs.basic_gates import IntEffect, IntState

    anc = bloq.signature.get_left("ancilla").bitsize
    bb = BloqBuilder()
    system = bb.add_register("system", system_bits)
    ancilla = bb.add(IntState(0, anc))
    system, ancilla = bb.add(bloq, system=system, ancilla=ancilla)
    bb.add(IntEffect(0, anc), val=ancilla)
    cbloq = bb.finalize(system=system)
    return cbloq.tensor_contract()


__all__ = ["ExplicitBlockEncoding", "SignedEntryOracle", "TableRowColumnOracle", "block_of",
           "explicit_block_encoding", "position_table", "regular_pattern"]
