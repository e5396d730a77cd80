"""Concrete decompositions of the history block encoding for small first-order instances.

The estimates cost :class:`~qmlc.circuits.bloqs.history_block_encoding.HistoryBlockEncoding` from its
call graph with symbolic sizes; that bloq had no circuit. This module gives concrete instances
(actual G tables, small n and T, Carleman order N = 1) a ``build_composite_bloq`` made of real
Qualtran bloqs (QROM, Add, LessThanConstant, CNOT, Swap, controlled Ry,
PrepareUniformSuperposition), so that the factored bloq itself can be contracted and counted:

- index map: system register = ``time`` (tb high bits) · ``digit`` (db bits); layout index
  t·2^db + d holds history row t·n + d (numpy Kronecker order of compiler/carleman.py).
  Indices with t > T or d ≥ n are padding, where the encoded matrix is zero:
  ⟨0|U|0⟩ = A_pad/α with A_pad = A ⊕ 0, α = s_A · max(1, max|G_1|), s_A = 1 + s_G.
- ancilla register = N + 1 flags (high bits) · the enumeration register l (system width, of
  which the tables read the low 1 + db "slot" bits x; D puts x < s_A there, high bits 0).
- circuit (:func:`build_block_encoding`): D, O_A, O_c, SWAP, O_r†, D† — Qualtran's
  ``SparseMatrix`` circuit (Gilyén, Su, Low, Wiebe 2019, Lemma 48; Lin arXiv:2201.08309 §6.5)
  with O_A moved before O_c: the entry is a function of (column, slot), so its table needs no
  row index.
- O_r / O_c (:func:`build_row_column`): row (t, d) of A = I − S ⊗ G_1 lists the identity
  (x = 0 → (t, d)) and −G_1's row d one block earlier (x = 1 + k → (t − 1, the k-th column of
  G_1's row d, padded with zero positions to s_G)); columns likewise with G_1ᵀ and t + 1. A
  QROM over (digit, x) writes (δ, d'), its inverse clears x (Lin's in-place trick), a SWAP
  moves d' into l, two modular ``Add`` form the time t ∓ δ (+ 2·l_hi, which makes the map a
  permutation of l) and δ is cleared from the parity of the new time. The tables hold
  2·n_pad² words whatever T is.
- O_A (:func:`build_entry`): two time predicates [t < T], [t ≤ T] by ``LessThanConstant``
  (the second only if there is a padding time block), a QROM of b-bit angles
  arccos(v/a_max)/(2π) over (predicates, digit, x), b controlled Ry on flag 0, the QROM's
  adjoint, the predicates uncomputed.

Where this circuit differs from the symbolic call graph (counts compared and the differences
asserted in tests/test_estimate_decomposition.py): its lookups are over the (digit, slot) grid
(dense, 2·n_pad² words) rather than over the L stored nonzeros plus an N·s_A term table; it
routes no digits (one term, so none of the formula's 2·N·d controlled SWAPs); its time
arithmetic is two ``Add`` per row/column oracle and the comparators (the formula: one
``AddK``); it needs no level rotation (N = 1). Like the formula, its data access does not
depend on T. Order N ≥ 2 uses the term-label construction instead (its factored enumeration lists
Kronecker terms separately and G_0⊗G_1, G_1⊗G_0 hit the same columns, so an in-place O_r over
the l register is not injective): :mod:`qmlc.circuits.bloqs.history_labels`, decomposed for tiny
instances in :mod:`qmlc.circuits.bloqs.history_label_circuit`.
"""

from __future__ import annotations

import attrs
import numpy as np
import scipy.sparse as sp
from qualtran import BloqBuilder, QAny, QUInt, Register, SoquetT
from qualtran.bloqs.arithmetic import Add, LessThanConstant
from qualtran.bloqs.basic_gates import CNOT, Ry, Swap
from qualtran.bloqs.bookkeeping.auto_partition import AutoPartition, Unused
from qualtran.bloqs.data_loading import QROM
from qualtran.bloqs.state_preparation import PrepareUniformSuperposition

from qmlc.circuits.bits import bits_for


def _freeze(table):
    """Nested tuples of ints (hashable, as attrs-frozen bloq fields must be)."""
    if isinstance(table, (list, tuple, np.ndarray)):
        return tuple(_freeze(x) for x in table)
    return int(table)


@attrs.frozen
class HistoryData:
    """The classical tables of one concrete first-order history matrix in the layout above.

    words[d][x] (row and column oracle): δ · 2^db + d', a permutation of the (1 + db)-bit x for
    each digit d; x = 0 is the identity term (δ = 0, d' = d), x = 1 + k the k-th enumerated
    entry (δ = 1: one time block earlier for rows, later for columns). angles[p][q][d][x]:
    round(2^b · arccos(v/a_max)/(2π)) of the entry v listed by slot x of column (t, d), with
    p = [t < T] and q = [t ≤ T] (q is dropped when T + 1 = 2^tb).
    """

    steps: int
    time_bits: int
    digit_bits: int
    value_bits: int
    sparsity: int
    row_words: tuple = attrs.field(converter=_freeze)
    col_words: tuple = attrs.field(converter=_freeze)
    angles: tuple = attrs.field(converter=_freeze)

    @property
    def system_bits(self) -> int:
        return self.time_bits + self.digit_bits

    @property
    def slot_bits(self) -> int:
        """Width of the low part x of l that the tables read (s_A ≤ 1 + n ≤ 2^(1 + db))."""
        return 1 + self.digit_bits

    @property
    def time_padding(self) -> bool:
        return self.steps + 1 < 2**self.time_bits



def enumeration_pattern(support: np.ndarray, count: int) -> np.ndarray:
    """Each row's nonzero columns, then the smallest other columns up to ``count`` (rows and
    columns are enumerated by separate oracles, so no regularity is needed: a padded pair is
    listed by both only where A is zero, and the entry oracle returns zero there)."""
    pattern = support.copy()
    for d in range(pattern.shape[0]):
        extra = np.flatnonzero(~pattern[d])[:count - int(pattern[d].sum())]
        pattern[d, extra] = True
    return pattern


def _words(pattern: np.ndarray, digit_bits: int) -> np.ndarray:
    """words[d][x]: x = 0 → (0, d); x = 1 + k → (1, k-th True column of pattern row d); the
    other x take the unused words in increasing order (a permutation per d)."""
    size = 2 ** (1 + digit_bits)
    words = np.empty((2**digit_bits, size), dtype=int)
    for d in range(2**digit_bits):
        first = [d] + [(1 << digit_bits) | int(c) for c in np.flatnonzero(pattern[d])]
        words[d] = first + sorted(set(range(size)) - set(first))
    return words


def padded_history(A: sp.spmatrix, n: int, steps: int, time_bits: int,
                   digit_bits: int) -> np.ndarray:
    """A (rows t·n + d) placed at layout indices t·2^db + d of a 2^system square, zero elsewhere."""
    A = sp.coo_matrix(A)
    size = 2 ** (time_bits + digit_bits)
    out = np.zeros((size, size))
    place = lambda k: (k // n) * 2**digit_bits + k % n  # noqa: E731
    out[place(A.row), place(A.col)] = A.data
    return out


def history_data(G1: sp.spmatrix, steps: int, sparsity: int, max_abs: float,
                 value_bits: int) -> HistoryData:
    """Tables of the first-order history matrix A = I − S ⊗ G_1 (n × n G_1, T steps).

    ``sparsity`` is the layout's s_A: each row (column) of G_1 is enumerated with s_A − 1
    distinct columns (rows), its nonzeros first. Only G_1 is stored: the identity and the
    time structure are arithmetic, so no table depends on T.
    """
    G1 = sp.csr_matrix(G1)
    n = G1.shape[0]
    time_bits, digit_bits = bits_for(steps + 1), bits_for(n)
    g = np.zeros((2**digit_bits, 2**digit_bits))
    g[:n, :n] = G1.toarray()
    s = sparsity - 1
    support = g != 0
    if max(support.sum(axis=0).max(), support.sum(axis=1).max()) > s:
        raise ValueError(f"G_1 has more than s_A − 1 = {s} nonzeros in a row or column")
    if max(1.0, np.abs(g).max()) > max_abs + 1e-12:
        raise ValueError("an entry of A exceeds the declared a_max")
    col_pattern = enumeration_pattern(support.T, s)
    slots = 2 ** (1 + digit_bits)
    values = np.zeros((2, 2, 2**digit_bits, slots))
    for d in range(2**digit_bits):
        values[:, 1, d, 0] = 1.0 if d < n else 0.0              # identity, t ≤ T
        for k, r in enumerate(np.flatnonzero(col_pattern[d])):
            values[1, :, d, 1 + k] = -g[r, d]                     # −G_1 below, t < T
    if steps + 1 == 2**time_bits:
        values = values[:, 1]
    frac = np.arccos(np.clip(values / max_abs, -1, 1)) / (2 * np.pi)
    return HistoryData(
        steps=steps, time_bits=time_bits, digit_bits=digit_bits, value_bits=value_bits,
        sparsity=sparsity, row_words=_words(enumeration_pattern(support, s), digit_bits),
        col_words=_words(col_pattern, digit_bits),
        angles=np.round(frac * 2**value_bits).astype(int))


def _inverse_words(words: np.ndarray) -> np.ndarray:
    inv = np.empty_like(words)
    for d in range(words.shape[0]):
        inv[d, words[d]] = np.arange(words.shape[1])
    return inv


def _split_system(bb: BloqBuilder, data: HistoryData, reg: SoquetT):
    bits = bb.split(reg)
    tb = data.time_bits
    return bb.join(bits[:tb], dtype=QUInt(tb)), bb.join(bits[tb:], dtype=QUInt(data.digit_bits))


def _join(bb: BloqBuilder, bits: list, dtype=None) -> SoquetT:
    return bb.join(np.array(bits), dtype=dtype or QAny(len(bits)))


def build_row_column(bb: BloqBuilder, data: HistoryData, kind: str, l: SoquetT,
                     i: SoquetT) -> dict:
    """In-place |l⟩|t, d⟩ → |(t ∓ δ + 2·l_hi mod 2^tb, d')⟩|t, d⟩ with (δ, d') = words[d][x],
    l = (l_hi, x): a QROM over (d, x) writes (δ, d'), its inverse clears x (Lin's in-place
    trick), a SWAP moves d' into l, two modular adders form the time, and δ is cleared from
    the parity of the new time (δ ≡ t_out − t mod 2). A permutation of l for every (t, d)."""
    words = np.array(data.row_words if kind == "row" else data.col_words)
    tb, db, lo = data.time_bits, data.digit_bits, data.slot_bits
    t, d = _split_system(bb, data, i)
    lbits = bb.split(l)
    high, x = list(lbits[:tb - 1]), _join(bb, list(lbits[tb - 1:]), QUInt(lo))
    w = bb.allocate(lo)
    d, x, w = bb.add(QROM.build_from_data(words, target_bitsizes=(lo,)),
                     selection0=d, selection1=x, target0_=w)
    d, w, x = bb.add(QROM.build_from_data(_inverse_words(words), target_bitsizes=(lo,)),
                     selection0=d, selection1=w, target0_=x)
    wbits, xbits = bb.split(w), bb.split(x)
    delta = wbits[0]
    xd, wd = bb.add(Swap(db), x=_join(bb, list(xbits[1:])), y=_join(bb, list(wbits[1:])))
    bb.free(wd)
    time = _join(bb, high + [xbits[0]], QUInt(tb))          # 2·l_hi
    # ∓δ as a tb-bit number: (0…0, δ) for columns, (δ…δ) = −δ mod 2^tb for rows
    pad = [bb.allocate(1) for _ in range(tb - 1)]
    if kind == "row":
        for k in range(tb - 1):
            delta, pad[k] = bb.add(CNOT(), ctrl=delta, target=pad[k])
    shift = _join(bb, pad + [delta], QUInt(tb))
    shift, time = bb.add(Add(QUInt(tb)), a=shift, b=time)
    t, time = bb.add(Add(QUInt(tb)), a=t, b=time)
    sbits = bb.split(shift)
    pad, delta = list(sbits[:-1]), sbits[-1]
    if kind == "row":
        for k in range(tb - 1):
            delta, pad[k] = bb.add(CNOT(), ctrl=delta, target=pad[k])
    for q in pad:
        bb.free(q)
    tbits, ttbits = bb.split(time), bb.split(t)
    tbits[-1], delta = bb.add(CNOT(), ctrl=tbits[-1], target=delta)
    ttbits[-1], delta = bb.add(CNOT(), ctrl=ttbits[-1], target=delta)
    bb.free(delta)
    t = _join(bb, list(ttbits), QUInt(tb))
    out = _join(bb, list(tbits) + list(bb.split(xd)))
    return {"l": out, "i": _join(bb, list(bb.split(t)) + list(bb.split(d)))}


def build_entry(bb: BloqBuilder, data: HistoryData, q: SoquetT, i: SoquetT, j: SoquetT) -> dict:
    """Applied to (flags, l, column j) *before* the column oracle: rotates flag 0 so that its
    |0⟩ amplitude is v/a_max for the entry v that slot x (low bits of l) of column j = (t, d)
    lists (identity 1, or −G_1 one block below). The time enters only through p = [t < T] and
    q = [t ≤ T] (Qualtran ``LessThanConstant``); a QROM over (p, q, d, x) of b-bit angles,
    b controlled Ry(4π·2^-(k+1)) (cos(2π f) = v/a_max), the QROM's adjoint."""
    b, tb, lo = data.value_bits, data.time_bits, data.slot_bits
    t, d = _split_system(bb, data, j)
    lbits = bb.split(i)
    x = _join(bb, list(lbits[tb - 1:]), QUInt(lo))
    preds = [(data.steps, bb.allocate(1))]
    if data.time_padding:
        preds.append((data.steps + 1, bb.allocate(1)))
    for k, (bound, p) in enumerate(preds):
        t, p = bb.add(LessThanConstant(tb, bound), x=t, target=p)
        preds[k] = (bound, p)
    qrom = QROM.build_from_data(np.array(data.angles), target_bitsizes=(b,))
    sel = {f"selection{k}": p for k, (_, p) in enumerate(preds)}
    sel.update({f"selection{len(preds)}": d, f"selection{len(preds) + 1}": x})
    target = bb.allocate(b)
    *sel_out, target = bb.add(qrom, **sel, target0_=target)
    flags, bits = bb.split(q), bb.split(target)
    for k in range(b):   # bit 0 is the most significant
        bits[k], flags[0] = bb.add(Ry(4 * np.pi * 2.0 ** -(k + 1)).controlled(),
                                   ctrl=bits[k], q=flags[0])
    target = bb.join(bits)
    *sel_out, target = bb.add(qrom.adjoint(), **dict(zip(sel, sel_out, strict=True)),
                              target0_=target)
    bb.free(target)
    preds = [(bound, p) for (bound, _), p in zip(preds, sel_out[:len(preds)], strict=True)]
    d, x = sel_out[len(preds)], sel_out[len(preds) + 1]
    for bound, p in preds:
        t, p = bb.add(LessThanConstant(tb, bound), x=t, target=p)
        bb.free(p)
    l_out = _join(bb, list(lbits[:tb - 1]) + list(bb.split(x)))
    return {"q": bb.join(flags), "i": l_out,
            "j": _join(bb, list(bb.split(t)) + list(bb.split(d)))}


def diffusion(sparsity: int, system_bits: int) -> AutoPartition:
    """D: uniform superposition over l ∈ [0, s_A) on the low bits of the l register."""
    unused = system_bits - (sparsity - 1).bit_length()
    return AutoPartition(
        PrepareUniformSuperposition(n=sparsity),
        partitions=[(Register("target", QAny(system_bits)), [Unused(unused), "target"])])


def build_block_encoding(bb: BloqBuilder, be, system: SoquetT, ancilla: SoquetT) -> dict:
    """U_A = D† O_r† SWAP O_c O_A D on (system, ancilla = flags · l). O_A acts before O_c,
    on (l, column): the entry is a function of the column and the slot, so its table is
    T-independent; the matrix element is unchanged (Lin §6.5: the slot fixes the row)."""
    m = be.layout.system_bits
    flags_count = be.layout.order + 1
    anc = bb.split(ancilla)
    flags, l = bb.join(anc[:flags_count]), bb.join(anc[flags_count:])
    d = diffusion(be.layout.enum_sparsity, m)
    l = bb.add(d, target=l)
    flags, l, system = bb.add(be.entry_oracle, q=flags, i=l, j=system)
    l, system = bb.add(be.col_oracle, l=l, i=system)
    l, system = bb.add(Swap(m), x=l, y=system)
    l, system = bb.add(be.row_oracle.adjoint(), l=l, i=system)
    l = bb.add(d.adjoint(), target=l)
    return {"system": system,
            "ancilla": bb.join(np.concatenate([bb.split(flags), bb.split(l)]))}


__all__ = ["HistoryData", "build_block_encoding", "build_entry", "build_row_column",
           "diffusion", "enumeration_pattern", "history_data",
           "padded_history"]
