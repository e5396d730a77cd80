"""Structural statistics of the Carleman lift and history matrix, without building them.

Every statistic of a Kronecker product is a product of its factors' statistics (nnz, row and
column sparsity, max |entry|, induced 1- and ∞-norms), and every statistic of a sum is bounded
by the sum. Running the lift's recursion P_j[k] = Σ_ℓ G_ℓ ⊗ P_{j-1}[k−ℓ] (see
:mod:`qmlc.compiler.carleman`) on these numbers instead of matrices gives exact dimensions and upper
bounds on sparsity and norms for any n — the input of resource estimation for instances far too
large to build. Numbers are Python ints/floats so n^N stays exact for n = 10^8.

History matrix A = I − S ⊗ M over T steps (S the down-shift):
nnz(A) = (T+1)Δ + T·nnz(M) (the identity and M occupy disjoint blocks), ‖A‖ ≤ 1 + ‖M‖,
A⁻¹ = Σ_{t=0}^{T} S^t ⊗ M^t so ‖A⁻¹‖ ≤ Σ_t ‖M‖^t, and κ(A) ≤ (1 + ‖M‖)·Σ_t ‖M‖^t.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class SparsityStats:
    """Statistics of one sparse matrix (or upper bounds for a sum of Kronecker products)."""

    rows: int
    cols: int
    nnz: int
    max_row_nnz: int
    max_col_nnz: int
    max_abs: float
    norm_inf: float  # max absolute row sum = induced ∞-norm
    norm_one: float  # max absolute column sum = induced 1-norm

    def kron(self, other: SparsityStats) -> SparsityStats:
        """Exact statistics of the Kronecker product (all are multiplicative)."""
        return SparsityStats(
            rows=self.rows * other.rows, cols=self.cols * other.cols,
            nnz=self.nnz * other.nnz,
            max_row_nnz=self.max_row_nnz * other.max_row_nnz,
            max_col_nnz=self.max_col_nnz * other.max_col_nnz,
            max_abs=self.max_abs * other.max_abs,
            norm_inf=self.norm_inf * other.norm_inf, norm_one=self.norm_one * other.norm_one)

    def plus(self, other: SparsityStats) -> SparsityStats:
        """Upper bounds for the sum of two matrices of the same shape."""
        return SparsityStats(
            rows=self.rows, cols=self.cols, nnz=self.nnz + other.nnz,
            max_row_nnz=self.max_row_nnz + other.max_row_nnz,
            max_col_nnz=self.max_col_nnz + other.max_col_nnz,
            max_abs=self.max_abs + other.max_abs,
            norm_inf=self.norm_inf + other.norm_inf, norm_one=self.norm_one + other.norm_one)

    @classmethod
    def of_matrix(cls, matrix) -> SparsityStats:
        """Exact statistics of a concrete matrix (a vector counts as a column, like G_0)."""
        if not sp.issparse(matrix):
            matrix = np.asarray(matrix, dtype=float)
            if matrix.ndim == 1:
                matrix = matrix.reshape(-1, 1)
        mat = sp.csr_matrix(matrix)
        mat.eliminate_zeros()
        if mat.nnz == 0:
            return cls(mat.shape[0], mat.shape[1], 0, 0, 0, 0.0, 0.0, 0.0)
        absm = abs(mat)
        return cls(
            rows=mat.shape[0], cols=mat.shape[1], nnz=int(mat.nnz),
            max_row_nnz=int(np.diff(mat.indptr).max()),
            max_col_nnz=int(np.bincount(mat.indices, minlength=mat.shape[1]).max()),
            max_abs=float(absm.max()),
            norm_inf=float(absm.sum(axis=1).max()), norm_one=float(absm.sum(axis=0).max()))

    @classmethod
    def from_params(cls, n: int, power: int, row_sparsity: float, max_abs: float,
                    col_sparsity: float | None = None) -> SparsityStats:
        """Bounds for an n × n^power matrix with ≤ s nonzeros per row, entries ≤ max_abs."""
        s = row_sparsity
        c = s if col_sparsity is None else col_sparsity
        return cls(rows=n, cols=n**power, nnz=int(n * s), max_row_nnz=int(s), max_col_nnz=int(c),
                   max_abs=max_abs, norm_inf=s * max_abs, norm_one=c * max_abs)


def _zero(rows: int, cols: int) -> SparsityStats:
    return SparsityStats(rows, cols, 0, 0, 0, 0.0, 0.0, 0.0)


def block_stats(g_stats: list[SparsityStats], n: int, order: int) -> list[list[SparsityStats]]:
    """B[j][k] bounds the statistics of M_{j,k} (j = 1..N, k = 0..N), same recursion as the lift."""
    previous = [SparsityStats(1, 1, 1, 1, 1, 1.0, 1.0, 1.0)] + [_zero(1, n**k) for k in
                                                                 range(1, order + 1)]
    blocks: list[list[SparsityStats]] = [previous]
    for j in range(1, order + 1):
        current = []
        for k in range(order + 1):
            total = _zero(n**j, n**k)
            for ell, g in enumerate(g_stats):
                if ell <= k and g.nnz > 0 and previous[k - ell].nnz > 0:
                    total = total.plus(g.kron(previous[k - ell]))
            current.append(total)
        blocks.append(current)
        previous = current
    return blocks


@dataclass(frozen=True)
class HistoryStructure:
    """Dimensions (exact) and sparsity/norm bounds of the lift M and history matrix A."""

    n: int
    order: int
    steps: int
    delta: int
    dim: int
    lift_nnz_bound: int
    lift_max_row_nnz_bound: int
    lift_max_col_nnz_bound: int
    lift_max_abs_bound: float
    lift_norm_one_bound: float
    lift_norm_inf_bound: float
    lift_norm_two_bound: float
    history_nnz_bound: int
    history_max_row_nnz_bound: int
    history_max_col_nnz_bound: int
    history_max_abs_bound: float
    history_norm_two_bound: float
    history_inverse_norm_two_bound: float
    kappa_bound: float
    constant_norm: float  # ‖c‖₂ bound of the lifted constant term

    def to_dict(self) -> dict:
        return asdict(self)


def history_structure(g_stats: list[SparsityStats], n: int, order: int,
                      steps: int) -> HistoryStructure:
    """Statistics of M and A = I − S ⊗ M from the statistics of G_0..G_d alone."""
    blocks = block_stats(g_stats, n, order)
    ks = range(1, order + 1)
    delta = sum(n**j for j in ks)
    lift_nnz = sum(blocks[j][k].nnz for j in ks for k in ks)
    row_nnz = max(sum(blocks[j][k].max_row_nnz for k in ks) for j in ks)
    col_nnz = max(sum(blocks[j][k].max_col_nnz for j in ks) for k in ks)
    max_abs = max(blocks[j][k].max_abs for j in ks for k in ks)
    norm_inf = max(sum(blocks[j][k].norm_inf for k in ks) for j in ks)
    norm_one = max(sum(blocks[j][k].norm_one for j in ks) for k in ks)
    norm_two = math.sqrt(norm_inf * norm_one)
    # ‖c_j‖₂ = ‖G_0‖₂^j exactly for c_j = G_0^{⊗j}; ‖G_0‖₂ ≤ √(‖G_0‖₁ ‖G_0‖_∞) for a column
    g0 = g_stats[0]
    g0_two = math.sqrt(g0.norm_one * g0.norm_inf)
    constant = math.sqrt(sum(power(g0_two, 2 * j) for j in ks))
    inverse = geometric_sum(norm_two, steps)
    return HistoryStructure(
        n=n, order=order, steps=steps, delta=delta, dim=(steps + 1) * delta,
        lift_nnz_bound=lift_nnz, lift_max_row_nnz_bound=row_nnz, lift_max_col_nnz_bound=col_nnz,
        lift_max_abs_bound=max_abs, lift_norm_one_bound=norm_one, lift_norm_inf_bound=norm_inf,
        lift_norm_two_bound=norm_two,
        history_nnz_bound=(steps + 1) * delta + steps * lift_nnz,
        history_max_row_nnz_bound=1 + row_nnz, history_max_col_nnz_bound=1 + col_nnz,
        history_max_abs_bound=max(1.0, max_abs),
        history_norm_two_bound=1.0 + norm_two,
        history_inverse_norm_two_bound=inverse,
        kappa_bound=(1.0 + norm_two) * inverse,
        constant_norm=constant)


def power(base: float, exponent: int) -> float:
    """``base ** exponent`` for base ≥ 0, ``inf`` where float64 overflows (Python raises)."""
    try:
        return float(base) ** exponent
    except OverflowError:
        return math.inf


def geometric_sum(ratio: float, steps: int) -> float:
    """Σ_{t=0}^{T} r^t in closed form (r ≥ 0), ``inf`` where it overflows float64."""
    if ratio == 1.0:
        return float(steps + 1)
    if ratio < 1.0:
        return (1.0 - power(ratio, steps + 1)) / (1.0 - ratio)
    top = power(ratio, steps + 1)
    return math.inf if math.isinf(top) else (top - 1.0) / (ratio - 1.0)


def polymap_g_stats(G: tuple) -> list[SparsityStats]:
    """Exact statistics of each G_ℓ of a concrete polynomial map."""
    return [SparsityStats.of_matrix(g) for g in G]
