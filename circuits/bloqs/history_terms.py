"""The Kronecker terms of the Carleman history matrix and the enumeration sizes they imply.

A = I − S ⊗ M with M_{j,k} = Σ_{ℓ1+…+ℓj = k} G_{ℓ1} ⊗ … ⊗ G_{ℓj} (Liu et al., Nat. Commun. 15:434
(2024); references/carleman.md). A *term* τ = (ℓ1, …, ℓj) is one composition with 1 ≤ k ≤ N
(k = 0 goes to the right-hand side); together with the identity the terms list every
contribution to A. Two terms may hit the same entry for N ≥ 2 (G_0⊗G_1 and G_1⊗G_0 in
M_{2,1}): the term-label block encoding (:mod:`qmlc.circuits.bloqs.history_labels`) lets them add.

Per term the block encoding loads each factor ℓ_m ≥ 1 by sparse access (amplitude
G_ℓ[r, c]/g_ℓ on a flag, g_ℓ = max|G_ℓ|) and each factor ℓ_m = 0 — the vector G_0 — by
amplitude loading (G_0[i]/γ, γ = ‖G_0‖₂), so

    a_τ = Π_{ℓ_m ≥ 1} g_{ℓ_m} · γ^{#(ℓ_m = 0)},      a = max(1, max_τ a_τ),

and a term-constant rotation scales each term to a_τ/a. A row of level j enumerates 1 (the
identity) + Σ_{τ at level j} Π_{ℓ_m ≥ 1} s_row(ℓ_m) labels; a column of level k enumerates
1 + Σ_{τ → k} Π_{ℓ_m ≥ 1} s_col(ℓ_m) labels, s_col(ℓ) counting the entries of G_ℓ (as an
n × n^ℓ matrix) whose *first* column digit is fixed (the column side looks entries up by that
digit; the other digits are compared through the row register). G_0 factors add no slots on
either side: amplitude loading replaces enumeration, which is what keeps a dense G_0 (a
gradient) from making the columns of M_{j,k} n-dense.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class FactorStats:
    """What the block encoding needs of one G_ℓ (ℓ ≥ 1): row nonzeros, entries per first
    column digit, largest |entry|, stored nonzeros."""

    row_sparsity: int
    col_sparsity: int
    max_abs: float
    nnz: int

    @classmethod
    def of_matrix(cls, matrix, n: int) -> FactorStats:
        """Exact statistics of G_ℓ as an n × n^ℓ sparse matrix."""
        mat = sp.csr_matrix(matrix)
        mat.eliminate_zeros()
        if mat.nnz == 0:
            return cls(0, 0, 0.0, 0)
        first_digit = mat.indices // (mat.shape[1] // n)
        return cls(row_sparsity=int(np.diff(mat.indptr).max()),
                   col_sparsity=int(np.bincount(first_digit, minlength=n).max()),
                   max_abs=float(abs(mat).max()), nnz=int(mat.nnz))


def compositions(order: int, degree: int, present: tuple) -> list[tuple[int, ...]]:
    """All terms (ℓ1, …, ℓj), 1 ≤ j ≤ N, 0 ≤ ℓ ≤ d with G_ℓ present, 1 ≤ Σℓ ≤ N."""
    terms = []
    for j in range(1, order + 1):
        for ells in product(range(degree + 1), repeat=j):
            if 1 <= sum(ells) <= order and all(present[e] for e in ells):
                terms.append(ells)
    return terms


@dataclass(frozen=True)
class TermStructure:
    """Enumeration sizes and normalization of the history matrix's terms (module docstring)."""

    order: int
    terms: tuple
    row_slots: int       # s_r: largest row enumeration (identity included)
    col_slots: int       # s_c: largest column enumeration (identity included)
    term_norm: float     # a = max(1, max_τ a_τ)
    term_norms: tuple    # a_τ per term, in ``terms`` order

    @property
    def alpha(self) -> float:
        """√(s_r·s_c)·a (Gilyén, Su, Low, Wiebe 2019, Lemma 48, rectangular sparsity)."""
        return math.sqrt(self.row_slots * self.col_slots) * self.term_norm


def term_structure(factors: dict[int, FactorStats], g0_norm: float, order: int) -> TermStructure:
    """Enumerate the terms of an order-N history matrix from G_0's norm and G_ℓ statistics."""
    degree = max(factors)
    present = (g0_norm > 0,) + tuple(factors.get(e, FactorStats(0, 0, 0.0, 0)).nnz > 0
                                     for e in range(1, degree + 1))
    terms = compositions(order, degree, present)
    rows = [1] * (order + 1)
    cols = [1] * (order + 1)
    norms = []
    for ells in terms:
        fs = [factors[e] for e in ells if e >= 1]
        rows[len(ells)] += math.prod(f.row_sparsity for f in fs)
        cols[sum(ells)] += math.prod(f.col_sparsity for f in fs)
        norms.append(math.prod(f.max_abs for f in fs) * g0_norm ** ells.count(0))
    return TermStructure(order=order, terms=tuple(terms), row_slots=max(rows[1:]),
                         col_slots=max(cols[1:]), term_norm=max([1.0] + norms),
                         term_norms=tuple(norms))


def polymap_factor_stats(G: tuple) -> tuple[dict[int, FactorStats], float]:
    """(FactorStats of G_1..G_d, ‖G_0‖₂) of a concrete polynomial map."""
    g0 = G[0].toarray().ravel() if sp.issparse(G[0]) else np.asarray(G[0], dtype=float).ravel()
    n = g0.size
    return ({e: FactorStats.of_matrix(G[e], n) for e in range(1, len(G))},
            float(np.linalg.norm(g0)))


__all__ = ["FactorStats", "TermStructure", "compositions", "polymap_factor_stats",
           "term_structure"]
