"""The classical tables of the term-label block encoding, and an executable model of its maps.

:class:`qmlc.circuits.bloqs.history_labels.HistoryLabelBlockEncoding` is costed from its call graph.
This module builds, for a concrete small polynomial map, exactly the tables that construction
loads — the padded row-major entries of each G_ℓ (column digits and value per (ℓ, i, k)), the
pointer table (ℓ, first column digit c, slot k') → entry id, G_0 — and applies the three maps
V_C, O_A, V_R to basis states register by register (labels, the second register E, amplitudes
of the uniform slot superpositions and of the G_0 amplitude loading, flag amplitudes). The
resulting ancilla-|0⟩ block is what the circuit encodes; tests compare α times it with the
history matrix from an independent brute-force lift (compiler.carleman.*_reference).

Layout of the system register (as :class:`~qmlc.circuits.bloqs.history_labels.LabelLayout`):
time (tb bits) · level j − 1 (lb bits) · N digits (db bits each; level j uses the first j).
History row t·Δ + offset_j + (i_1 … i_j) sits at (t, j − 1, i_1, …, i_j, 0, …). Every other
index is padding, where the construction encodes the identity (A ⊕ I).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import numpy as np
import scipy.sparse as sp

from qmlc.circuits.bits import bits_for
from qmlc.circuits.bloqs.history_terms import TermStructure, polymap_factor_stats, term_structure


@dataclass(frozen=True)
class LabelTables:
    """Tables of one concrete instance (module docstring)."""

    n: int
    order: int
    steps: int
    time_bits: int
    level_bits: int
    digit_bits: int
    slot_bits: int
    structure: TermStructure
    row_slots_per_factor: dict     # ℓ → s_row(ℓ)
    col_slots_per_factor: dict     # ℓ → s_col(ℓ)
    entries: dict                  # ℓ → list over (i, k) of (column digits tuple, value) | None
    pointers: dict                 # ℓ → dict (c, k') → (i, k) for real entries
    g0: np.ndarray
    g0_norm: float
    factor_norms: dict             # ℓ → g_ℓ

    @property
    def system_bits(self) -> int:
        return self.time_bits + self.level_bits + self.order * self.digit_bits

    def split(self, index: int) -> tuple[int, int, tuple]:
        """(t, level value, digits) of a system basis index."""
        db, N = self.digit_bits, self.order
        digits = tuple((index >> (db * (N - 1 - m))) & (2**db - 1) for m in range(N))
        rest = index >> (db * N)
        return rest >> self.level_bits, rest & (2**self.level_bits - 1), digits

    def join(self, t: int, level: int, digits: tuple) -> int:
        db, N = self.digit_bits, self.order
        index = ((t % 2**self.time_bits) << self.level_bits) | level
        for m in range(N):
            index = (index << db) | (digits[m] if m < len(digits) else 0)
        return index


def label_tables(G: tuple, order: int, steps: int) -> LabelTables:
    """The tables for u⁺ = Σ_ℓ G_ℓ u^{⊗ℓ} (G_0 a vector, G_ℓ n × n^ℓ sparse) at order N ≥ 2."""
    factors, g0_norm = polymap_factor_stats(G)
    n = G[1].shape[0]
    structure = term_structure(factors, g0_norm, order)
    slots = max(max(f.row_sparsity, f.col_sparsity, 1) for f in factors.values())
    kb = bits_for(slots)
    entries, pointers = {}, {}
    for ell in factors:
        mat = sp.csr_matrix(G[ell])
        mat.eliminate_zeros()
        table, point, fill = [], {}, {}
        for i in range(n):
            row = mat.indices[mat.indptr[i]:mat.indptr[i + 1]]
            vals = mat.data[mat.indptr[i]:mat.indptr[i + 1]]
            for k in range(2**kb):
                if k < len(row):
                    col = np.unravel_index(int(row[k]), (n,) * ell)
                    table.append((tuple(int(c) for c in col), float(vals[k])))
                    c1 = int(col[0])
                    point[(c1, fill.get(c1, 0))] = (i, k)
                    fill[c1] = fill.get(c1, 0) + 1
                else:
                    table.append(None)
        entries[ell], pointers[ell] = table, point
    g0 = G[0].toarray().ravel() if sp.issparse(G[0]) else np.asarray(G[0], float).ravel()
    return LabelTables(
        n=n, order=order, steps=steps, time_bits=bits_for(steps + 1), level_bits=bits_for(order),
        digit_bits=bits_for(n), slot_bits=kb, structure=structure,
        row_slots_per_factor={e: f.row_sparsity for e, f in factors.items()},
        col_slots_per_factor={e: f.col_sparsity for e, f in factors.items()},
        entries=entries, pointers=pointers, g0=g0, g0_norm=g0_norm,
        factor_norms={e: f.max_abs for e, f in factors.items()})


def factor_entry(tab: LabelTables, ell: int, i: int, k: int):
    """(column digits, value) of slot k of row i of G_ℓ, or None for a padding slot."""
    if i >= tab.n:
        return None
    return tab.entries[ell][i * 2**tab.slot_bits + k]


def row_side(tab: LabelTables, row: int) -> dict:
    """V_R|0⟩|0⟩|row⟩ as {label: (E, amplitude)}: one basis label per slot (dummy slots omitted;
    they carry labels the column side never produces)."""
    t, lev, digits = tab.split(row)
    amp = 1 / math.sqrt(tab.structure.row_slots)
    out = {("id", tuple((d, 0) for d in digits)): (row, amp)}
    j = lev + 1
    if j > tab.order:
        return out
    for ti, ells in enumerate(tab.structure.terms):
        if len(ells) != j:
            continue
        ranges = [range(tab.row_slots_per_factor[e]) if e else range(1) for e in ells]
        for ks in product(*ranges):
            comps, cols = [], []
            for m, (e, k) in enumerate(zip(ells, ks)):
                comps.append((digits[m], k))
                if e:
                    hit = factor_entry(tab, e, digits[m], k)
                    cols.extend(hit[0] if hit else (0,) * e)
            comps.extend((d, 0) for d in digits[j:])
            label = (ti, tuple(comps))
            assert label not in out, "row enumeration is not injective"
            out[label] = (tab.join(t - 1, sum(ells) - 1, tuple(cols)), amp)
    return out


def column_side(tab: LabelTables, col: int) -> list:
    """V_C|0⟩|0⟩|col⟩ as [(label, E, amplitude)] (G_0 factors in superposition)."""
    t, lev, digits = tab.split(col)
    amp = 1 / math.sqrt(tab.structure.col_slots)
    out = [(("id", tuple((d, 0) for d in digits)), col, amp)]
    k = lev + 1
    if k > tab.order:
        return out
    for ti, ells in enumerate(tab.structure.terms):
        if sum(ells) != k:
            continue
        offsets = np.concatenate([[0], np.cumsum(ells)[:-1]]).astype(int)
        choices = []
        for e, off in zip(ells, offsets):
            if e == 0:   # amplitude loading of G_0 into the digit half of the component
                choices.append([((i, 0), i, tab.g0[i] / tab.g0_norm)
                                for i in range(tab.n) if tab.g0[i] != 0])
                continue
            c1 = digits[off]
            opts = []
            for kp in range(tab.col_slots_per_factor[e]):
                hit = tab.pointers[e].get((c1, kp)) if c1 < tab.n else None
                # padding slots point into the dummy half of the component space
                opts.append((hit, hit[0], 1.0) if hit else (("dummy", c1, kp), 0, 1.0))
            choices.append(opts)
        for combo in product(*choices):
            comps = [c[0] for c in combo] + [(0, 0)] * (tab.order - len(ells))
            rows = [c[1] for c in combo]
            weight = amp * math.prod(c[2] for c in combo)
            out.append(((ti, tuple(comps)), tab.join(t + 1, len(ells) - 1, tuple(rows)), weight))
    return out


def entry_factors(tab: LabelTables, label, col: int) -> list[float]:
    """O_A flag by flag: [term constant (a_τ/a, signed, times [t < T]), factor 1, …, factor N]
    — the |0⟩ amplitude of each of the N + 1 flags. Identity and G_0 / unused factor
    positions leave their flag at 1."""
    N = tab.order
    a = tab.structure.term_norm
    if label[0] == "id":
        return [1.0 / a] + [1.0] * N
    ti, comps = label
    t = tab.split(col)[0]
    ells = tab.structure.terms[ti]
    # [t < T]: no shift out of the last block (or of padding)
    out = [-tab.structure.term_norms[ti] / a if t < tab.steps else 0.0]
    for m in range(N):
        e = ells[m] if m < len(ells) else 0
        out.append(factor_value(tab, e, comps[m]))
    return out


def factor_value(tab: LabelTables, ell: int, comp) -> float:
    """G_ℓ[entry]/g_ℓ of a component (1 for ℓ = 0, 0 for padding and dummy entries)."""
    if ell == 0:
        return 1.0
    if comp[0] == "dummy":
        return 0.0
    hit = factor_entry(tab, ell, *comp)
    return 0.0 if hit is None else hit[1] / tab.factor_norms[ell]


def entry_amplitude(tab: LabelTables, label, col: int) -> float:
    """O_A: the |0…0⟩ amplitude of the N + 1 flags for this label at column ``col``."""
    return math.prod(entry_factors(tab, label, col))


def encoded_block(tab: LabelTables) -> np.ndarray:
    """⟨0|V_R† · SWAP · O_A · V_C|0⟩ on the system register, from the maps above."""
    size = 2**tab.system_bits
    rows = [row_side(tab, i) for i in range(size)]
    block = np.zeros((size, size))
    for j in range(size):
        for label, row, amp in column_side(tab, j):
            hit = rows[row].get(label)
            if hit is not None and hit[0] == j:
                block[row, j] += hit[1] * entry_amplitude(tab, label, j) * amp
    return block


def padded_history(tab: LabelTables, A: sp.spmatrix) -> np.ndarray:
    """The history matrix in the system layout, identity on padding (A ⊕ I)."""
    n, N = tab.n, tab.order
    size = 2**tab.system_bits
    where = []
    for t in range(tab.steps + 1):
        for j in range(1, N + 1):
            for digits in product(range(n), repeat=j):
                where.append(tab.join(t, j - 1, digits))
    where = np.array(where)
    out = np.eye(size)
    out[where, :] = 0
    A = sp.coo_matrix(A)
    out[where[A.row], where[A.col]] += A.data
    return out


__all__ = ["LabelTables", "column_side", "encoded_block", "entry_amplitude", "entry_factors",
           "factor_entry", "factor_value", "label_tables",
           "padded_history", "row_side"]
