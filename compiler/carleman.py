"""Discrete Carleman linearization and the history system over T steps.

Construction (Liu et al., Nat. Commun. 15:434 (2024), arXiv:2303.03428; discrete analogue of
Liu et al., PNAS 118 (2021), arXiv:2011.03185). For u⁺ = Σ_ℓ G_ℓ u^{⊗ℓ} the mixed-product rule
gives, exactly,

    (u⁺)^{⊗j} = Σ_k M_{j,k} u^{⊗k},   M_{j,k} = Σ_{ℓ1+…+ℓj = k} G_{ℓ1} ⊗ … ⊗ G_{ℓj}.

Terms with k = 0 form the constant c_j = G_0^{⊗j}; 1 ≤ k ≤ N form block (j, k) of the lift M;
k > N are dropped (the only approximation). The blocks are built by the recursion

    P_j[k] = Σ_ℓ G_ℓ ⊗ P_{j-1}[k − ℓ],   P_0[0] = 1,

which shares the partial Kronecker products between all j instead of forming every composition.
The history system over T steps is block lower-bidiagonal, A = I − S ⊗ M with S the (T+1)×(T+1)
down-shift, unknowns [y_0; …; y_T], right-hand side b = [y_in; c; …; c]. Everything is sparse.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.polymap import PolynomialMap
from qmlc.compiler.stage_io import (
    Stage,
    load_array,
    load_json,
    load_sparse,
    save_json,
    save_sparse,
)


def carleman_blocks(G: tuple, order: int) -> list[list]:
    """P[j][k] = M_{j,k} (sparse, n^j × n^k) for j = 1..N, k = 0..N; P[j][0] is c_j as a column."""
    n = G[0].shape[0]
    G_sparse = [sp.csr_matrix(np.asarray(G[0], dtype=float).reshape(n, 1))]
    G_sparse += [sp.csr_matrix(g) for g in G[1:]]
    previous = [sp.csr_matrix(np.ones((1, 1)))] + [None] * order
    blocks: list[list] = [[None] * (order + 1)]
    for _ in range(1, order + 1):
        current: list = []
        for k in range(order + 1):
            total = None
            for ell, g in enumerate(G_sparse):
                if ell > k or previous[k - ell] is None or g.nnz == 0:
                    continue
                term = sp.kron(g, previous[k - ell], format="csr")
                total = term if total is None else total + term
            current.append(total)
        blocks.append(current)
        previous = current
    return blocks


def carleman_lift(G: tuple, order: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The truncated lift: y⁺ ≈ M y + c with y = [u; u^{⊗2}; …; u^{⊗N}] (Δ = Σ_j n^j)."""
    n = G[0].shape[0]
    blocks = carleman_blocks(G, order)
    grid = [[blocks[j][k] if blocks[j][k] is not None else sp.csr_matrix((n**j, n**k))
             for k in range(1, order + 1)] for j in range(1, order + 1)]
    M = sp.csr_matrix(sp.block_array(grid, format="csr"))
    M.sum_duplicates()
    M.eliminate_zeros()
    c = np.concatenate([
        blocks[j][0].toarray().ravel() if blocks[j][0] is not None else np.zeros(n**j)
        for j in range(1, order + 1)
    ])
    return M, c


def carleman_lift_reference(G: tuple, order: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The plain construction: one Kronecker chain per composition (ℓ1, …, ℓj).

    Independent of :func:`carleman_blocks`' recursion; used by tests and as the benchmark peer.
    """
    n = G[0].shape[0]
    mats = [sp.csr_matrix(np.asarray(G[0], dtype=float).reshape(n, 1))]
    mats += [sp.csr_matrix(g) for g in G[1:]]
    offsets = np.concatenate([[0], np.cumsum([n**j for j in range(1, order + 1)])])
    delta = int(offsets[-1])
    M = sp.csr_matrix((delta, delta))
    c = np.zeros(delta)
    for j in range(1, order + 1):
        for combo in itertools.product(range(len(mats)), repeat=j):
            k = sum(combo)
            if k > order:
                continue
            term = mats[combo[0]]
            for ell in combo[1:]:
                term = sp.kron(term, mats[ell], format="csr")
            rows = slice(offsets[j - 1], offsets[j])
            if k == 0:
                c[rows] += term.toarray().ravel()
            else:
                placed = sp.coo_matrix(term)
                padded = sp.csr_matrix(
                    (placed.data, (placed.row + offsets[j - 1], placed.col + offsets[k - 1])),
                    shape=(delta, delta))
                M = M + padded
    M.eliminate_zeros()
    return sp.csr_matrix(M), c


def carleman_vector(u: np.ndarray, order: int) -> np.ndarray:
    """y = [u; u^{⊗2}; …; u^{⊗N}] in numpy's Kronecker order."""
    parts, power = [], np.ones(1)
    for _ in range(order):
        power = np.kron(np.asarray(u, dtype=float), power)   # kron(u, [1]) = u
        parts.append(power)
    return np.concatenate(parts)


def history_system(M: sp.csr_matrix, c: np.ndarray, y_in: np.ndarray,
                   steps: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """A = I − S ⊗ M (identity blocks on the diagonal, −M below), b = [y_in; c; …; c].

    Assembled directly in CSR: block row t ≥ 1 is the row pattern of M shifted by (t−1)Δ columns
    followed by the diagonal entry, so one template of length nnz(M) + Δ is tiled T times. This
    avoids the general sparse kron/sum (3× the memory and time at 10⁶ rows).
    """
    M = sp.csr_matrix(M)
    M.sum_duplicates()
    M.sort_indices()
    delta = M.shape[0]
    dim = (steps + 1) * delta
    index_type = np.int32 if dim + M.nnz * steps < np.iinfo(np.int32).max else np.int64
    row_nnz = np.diff(M.indptr)
    ends = M.indptr[1:]
    # template for one block row: row r holds −M[r, :] then +1 at local column Δ + r
    template_idx = np.insert(M.indices.astype(index_type), ends, np.arange(delta, 2 * delta,
                                                                             dtype=index_type))
    template_data = np.insert(-M.data, ends, 1.0)
    shifts = (np.arange(steps, dtype=index_type) * delta)[:, None]
    indices = np.concatenate([np.arange(delta, dtype=index_type),
                              (template_idx[None, :] + shifts).ravel()])
    data = np.concatenate([np.ones(delta), np.tile(template_data, steps)])
    counts = np.concatenate([np.ones(delta, dtype=np.int64), np.tile(row_nnz + 1, steps)])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(index_type)
    A = sp.csr_matrix((data, indices, indptr), shape=(dim, dim))
    b = np.concatenate([y_in] + [c] * steps)
    return A, b


def history_system_reference(M: sp.csr_matrix, c: np.ndarray, y_in: np.ndarray,
                             steps: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The same system from scipy.sparse.kron: I − S ⊗ M (test oracle and benchmark peer)."""
    shift = sp.eye(steps + 1, k=-1, format="csr")
    A = sp.identity((steps + 1) * M.shape[0], format="csr") - sp.kron(shift, M, format="csr")
    A = sp.csr_matrix(A)
    A.eliminate_zeros()
    return A, np.concatenate([y_in] + [c] * steps)


def history_trajectory(x: np.ndarray, n: int, delta: int, steps: int) -> np.ndarray:
    """The first block u_t of each y_t from a history-system solution: a (T+1, n) array."""
    return x.reshape(steps + 1, delta)[:, :n]


@dataclass(frozen=True, eq=False)
class CarlemanSystem(Stage):
    """The lift (M, c) of a PolynomialMap at order N and its history system (A, b) over T steps."""

    stage_name: ClassVar[str] = "carleman"

    polymap: PolynomialMap
    order: int
    steps: int
    M: sp.csr_matrix
    c: np.ndarray
    A: sp.csr_matrix
    b: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.polymap.n

    @property
    def delta(self) -> int:
        return self.M.shape[0]

    @property
    def dim(self) -> int:
        return self.A.shape[0]

    def trajectory(self, x: np.ndarray) -> np.ndarray:
        """u_0..u_T read off a solution x of A x = b."""
        return history_trajectory(x, self.n, self.delta, self.steps)

    # -- stage I/O (qmlc.compiler.stage_io) ------------------------------------------------------

    def describe(self) -> dict:
        return dict(self.meta)

    def write_files(self, out_dir: Path) -> None:
        """The polymap's files and ``polymap_meta.json``, plus ``lift.npz``, ``lift_rhs.npy``,
        ``history.npz`` and ``history_rhs.npy``."""
        self.polymap.write_files(out_dir)
        save_json(out_dir / "polymap_meta.json", self.polymap.describe())
        save_sparse(out_dir / "lift.npz", self.M)
        np.save(out_dir / "lift_rhs.npy", self.c)
        save_sparse(out_dir / "history.npz", self.A)
        np.save(out_dir / "history_rhs.npy", self.b)

    @classmethod
    def read_files(cls, in_dir: Path, meta: dict) -> CarlemanSystem:
        polymap = PolynomialMap.read_files(in_dir, load_json(in_dir / "polymap_meta.json"))
        meta = {k: v for k, v in meta.items() if k != "qmlc_version"}
        return cls(polymap=polymap, order=int(meta["order"]), steps=int(meta["steps"]),
                   M=load_sparse(in_dir / "lift.npz"), c=load_array(in_dir / "lift_rhs.npy"),
                   A=load_sparse(in_dir / "history.npz"), b=load_array(in_dir / "history_rhs.npy"),
                   meta=meta)


def build_carleman_system(polymap: PolynomialMap, order: int, steps: int,
                          meta: dict | None = None) -> CarlemanSystem:
    """Lift ``polymap`` at order N and assemble its history system over T steps."""
    M, c = carleman_lift(polymap.G, order)
    y_in = carleman_vector(polymap.u0, order)
    A, b = history_system(M, c, y_in, steps)
    return CarlemanSystem(polymap=polymap, order=order, steps=steps, M=M, c=c, A=A, b=b,
                          meta=dict(meta or {}))
