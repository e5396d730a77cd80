"""PolynomialMap: the IR of a polynomial discrete-time map u⁺ = Σ_ℓ G_ℓ u^{⊗ℓ}.

G_0 is a vector (n,), G_ℓ for ℓ ≥ 1 a scipy CSR matrix of shape (n, n^ℓ) acting on the Kronecker
power u^{⊗ℓ} in numpy's order (index (i1..iℓ) ↦ i1·n^{ℓ-1} + … + iℓ). For a network, u = θ − θ0
is the displacement of the surviving weights from the expansion point θ0 (``offset``), so that
the recovered parameters are θ = offset + u.

The map is applied with :func:`apply_tensor_power`, which never forms u^{⊗ℓ}: it decodes each
stored column index into its ℓ digits and multiplies the corresponding entries of u, O(nnz(G_ℓ)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.errors import DataError
from qmlc.compiler.schema import SparseFiles
from qmlc.compiler.spec import (
    ModelSpec,
    check_finite,
    check_magnitude,
    check_shape,
    data_path,
    load_npz,
    log10_abs_max,
    real_array,
)
from qmlc.compiler.stage_io import Stage, load_array, load_sparse, save_sparse

MAX_DEGREE = 3


@dataclass(frozen=True, eq=False)
class PolynomialMap(Stage):
    """u_{t+1} = G_0 + G_1 u + G_2 u^{⊗2} (+ G_3 u^{⊗3}); ``G[ℓ]`` has shape (n, n^ℓ)."""

    stage_name: ClassVar[str] = "polymap"

    G: tuple
    u0: np.ndarray
    offset: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.u0.shape[0])

    @property
    def degree(self) -> int:
        return len(self.G) - 1

    def step(self, u: np.ndarray) -> np.ndarray:
        """One application of the map."""
        out = np.array(self.G[0], dtype=float, copy=True)
        for ell in range(1, len(self.G)):
            out += apply_tensor_power(self.G[ell], u, ell)
        return out

    def iterate(self, steps: int) -> np.ndarray:
        """The true trajectory u_0..u_T as a (T+1, n) array."""
        traj = np.empty((steps + 1, self.n))
        traj[0] = self.u0
        for t in range(steps):
            traj[t + 1] = self.step(traj[t])
        return traj

    # -- stage I/O (qmlc.compiler.stage_io) ------------------------------------------------------

    def write_files(self, out_dir: Path) -> None:
        """``G0.npy``, ``G1.npz``… (scipy sparse), ``u0.npy``, ``offset.npy``."""
        np.save(out_dir / "G0.npy", np.asarray(self.G[0], dtype=float))
        for ell in range(1, len(self.G)):
            save_sparse(out_dir / f"G{ell}.npz", self.G[ell])
        np.save(out_dir / "u0.npy", self.u0)
        np.save(out_dir / "offset.npy", self.offset)

    def describe(self) -> dict:
        """Metadata of the map: sizes, sparsity and provenance."""
        return {
            "stage": self.stage_name,
            "n": self.n,
            "degree": self.degree,
            "nnz": {f"G{ell}": int(self.G[ell].nnz) for ell in range(1, len(self.G))},
            **self.meta,
        }

    @classmethod
    def read_files(cls, in_dir: Path, meta: dict) -> PolynomialMap:
        degree = int(meta["degree"])
        G = [load_array(in_dir / "G0.npy")]
        G += [load_sparse(in_dir / f"G{ell}.npz") for ell in range(1, degree + 1)]
        provenance = {k: v for k, v in meta.items() if k not in DESCRIBED_KEYS}
        return cls(G=tuple(G), u0=load_array(in_dir / "u0.npy"),
                   offset=load_array(in_dir / "offset.npy"), meta=provenance)


# keys that describe() derives from the arrays; everything else in meta.json is provenance
DESCRIBED_KEYS = ("stage", "qmlc_version", "n", "degree", "nnz")


def apply_tensor_power(G: sp.csr_matrix, u: np.ndarray, ell: int) -> np.ndarray:
    """G @ u^{⊗ℓ} without forming u^{⊗ℓ}: decode column indices into their ℓ base-n digits."""
    n = u.shape[0]
    coo = G.tocoo()
    weights = coo.data.astype(float, copy=True)
    cols = coo.col.astype(np.int64)
    for _ in range(ell):
        weights *= u[cols % n]
        cols //= n
    return np.bincount(coo.row, weights=weights, minlength=G.shape[0])


def make_polynomial_map(G: list, u0: np.ndarray, offset: np.ndarray | None = None,
                        meta: dict | None = None) -> PolynomialMap:
    """Normalize G_ℓ to CSR (sparse in, sparse out), drop trailing all-zero terms, check shapes."""
    u0 = np.asarray(u0, dtype=float).reshape(-1)
    n = u0.shape[0]
    G0 = np.asarray(G[0], dtype=float).reshape(-1)
    check_shape(G0, (n,), "G0")
    mats = [G0]
    for ell in range(1, len(G)):
        mat = G[ell]
        mat = sp.csr_matrix(mat if sp.issparse(mat) else np.asarray(mat, dtype=float), dtype=float)
        check_shape(mat, (n, n**ell), f"G{ell}")
        mat.eliminate_zeros()
        mat.sort_indices()
        mats.append(mat)
    while len(mats) > 2 and mats[-1].nnz == 0:
        mats.pop()
    offset = np.zeros(n) if offset is None else np.asarray(offset, dtype=float).reshape(-1)
    return PolynomialMap(G=tuple(mats), u0=u0, offset=offset, meta=dict(meta or {}))


def polynomial_map_from_spec(spec: ModelSpec) -> PolynomialMap:
    """Front end of ``kind = "polynomial-map"``.

    ``data`` names an ``.npz`` with ``u0`` (n,), ``G0`` (n,), ``G1`` (n, n), ``G2`` (n, n²) and
    optionally ``G3`` (n, n³) as dense real arrays. Any G_ℓ (ℓ ≥ 1) may instead come from its own
    ``scipy.sparse.save_npz`` file named in a ``[sparse]`` table (``G2 = "g2.npz"``). Shapes are
    checked against n = len(u0), values must be finite, and magnitudes must leave the Carleman
    vector (entries up to max|u0|^N) and the lift (products of up to N entries of G) inside float64.
    """
    model = spec.model
    path = data_path(spec, "data")
    where = spec.where("data")
    arrays = load_npz(path, where)
    sparse_files = {key: value for key, value in (model.sparse or SparseFiles()).model_dump().items()
                    if value is not None}
    extra = sorted(set(arrays) - {"u0"} - {f"G{ell}" for ell in range(MAX_DEGREE + 1)})
    if extra:
        raise DataError(f"{where}: {path.name} has unknown arrays {extra}; expected u0, G0..G3")
    if "u0" not in arrays:
        raise DataError(f"{where}: {path.name} has no array 'u0'; add the initial state")
    u0 = real_array(arrays["u0"], f"{where}: u0 in {path.name}")
    if u0.ndim != 1 or u0.size == 0:
        raise DataError(f"{where}: u0 has shape {u0.shape}; expected a vector (n,)")
    n = u0.shape[0]
    G: list = []
    for ell in range(MAX_DEGREE + 1):
        key = f"G{ell}"
        if key in sparse_files:
            if key in arrays:
                raise DataError(f"{where}: {key} is given twice, in {path.name} and in "
                                f"[sparse]; keep one")
            mat = _load_sparse_file(spec, key)
            label = f"{spec.where('sparse.' + key)}: {key}"
        elif key in arrays:
            mat = real_array(arrays[key], f"{where}: {key} in {path.name}")
            label = f"{where}: {key} in {path.name}"
        elif ell <= 1:
            raise DataError(f"{where}: {path.name} has no array '{key}'; it is required")
        else:
            continue
        if ell > len(G):
            raise DataError(f"{where}: {key} given but G{ell - 1} missing; "
                            "give every lower-degree term (zeros allowed)")
        expected = (n,) if ell == 0 else (n, n**ell)
        if tuple(mat.shape) != expected:
            raise DataError(f"{label} has shape {tuple(mat.shape)}; expected {expected} for "
                            f"n = {n} (the length of u0)")
        check_finite(mat, label)
        G.append(mat)
    check_map_magnitudes(u0, G, spec.model.order, where)
    return make_polynomial_map(G, u0, meta={"name": spec.name, "source": "polynomial-map"})


def check_map_magnitudes(u0: np.ndarray, G: list, order: int, where: str) -> None:
    """u^{⊗N} has entries up to max|u0|^N and the lift's blocks products of up to N entries of
    G: both must stay inside float64 (:func:`qmlc.compiler.spec.check_magnitude`)."""
    check_magnitude(order * max(0.0, log10_abs_max(u0)), where,
                    f"max|u0|^N (N = {order}, the largest entry of u^(⊗N))",
                    "rescale the variables or lower 'order'")
    for ell, mat in enumerate(G):
        values = mat.data if sp.issparse(mat) else np.asarray(mat)
        if not np.all(np.isfinite(values)):
            raise DataError(f"{where}: G{ell} holds NaN or inf (an overflow); rescale the "
                            "inputs it is computed from")
        check_magnitude(order * max(0.0, log10_abs_max(mat)), where,
                        f"max|G{ell}|^N (N = {order}, entries of the lift)",
                        f"rescale G{ell} or lower 'order'")


def _load_sparse_file(spec: ModelSpec, key: str) -> sp.csr_matrix:
    field = f"sparse.{key}"
    path = data_path(spec, field)
    try:
        matrix = sp.load_npz(path)
    except Exception as exc:  # corrupt archives raise many types
        raise DataError(f"{spec.where(field)}: cannot read {path.name} as a scipy sparse matrix "
                        f"({type(exc).__name__}); write it with scipy.sparse.save_npz") from None
    if matrix.dtype.kind not in "biuf":
        raise DataError(f"{spec.where(field)}: {path.name} holds a {matrix.dtype} matrix; "
                        "expected real numbers")
    return sp.csr_matrix(matrix, dtype=float)
