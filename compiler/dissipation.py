"""Dissipation analysis: is the training map contracting, and how does κ grow with T?

Per linear mode the discrete map u ↦ G_1 u contracts iff |λ(G_1)| < 1; for gradient descent
G_1 = I − ηH, so a Hessian eigenvalue λ_H contracts iff 0 < ηλ_H < 2 (Liu et al., Nat. Commun.
15:434 (2024), "dissipative modes"). Classification used by qmlc (stated in every report):

- ``fully-dissipative``: spectral radius ρ(G_1) < 1. The history matrix's κ grows at most
  linearly in T and saturates (the paper's Theorem 1 regime).
- ``almost-dissipative``: ρ(G_1) ≥ 1, but the expanding modes (|λ| > 1) are a minority
  (≤ max(1, n/4)) and their amplification over the horizon ρ^T stays ≤ 10, so κ grows
  polynomially over the T steps requested (Theorem 2 regime, the O(T² polylog n) headline).
  Neutral modes (|λ| = 1, e.g. weights whose gradient and curvature vanish because they feed a
  pruned-away unit) neither contract nor amplify and are counted but not held against the map.
- ``non-dissipative``: anything else; κ grows like ρ^T and no QLSA helps. Refused by default.

The spectrum comes from a dense eigensolver for n ≤ 2000 and from Lanczos/Arnoldi
(``eigsh``/``eigs``) on the largest-magnitude eigenvalues beyond that.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from qmlc.compiler.carleman import history_system
from qmlc.compiler.structure import power

DENSE_SPECTRUM_LIMIT = 2000
EXACT_KAPPA_LIMIT = 1500
ESTIMATED_KAPPA_LIMIT = 2_000_000
GROWTH_KAPPA_LIMIT = 300_000
MAX_AMPLIFICATION = 10.0
CONTRACTION_TOL = 1e-12
NEUTRAL_TOL = 1e-9
ARNOLDI_MODES = 24


@dataclass(frozen=True)
class DissipationReport:
    """Spectrum summary of G_1 and the resulting class."""

    classification: str
    spectral_radius: float
    n_modes: int
    non_contracting_modes: int
    expanding_modes: int
    non_contracting_is_lower_bound: bool
    amplification_over_horizon: float
    eigenvalue_min_real: float
    eigenvalue_max_real: float
    symmetric: bool
    method: str
    steps: int

    def to_dict(self) -> dict:
        return asdict(self)


def g1_spectrum(G1: sp.csr_matrix) -> tuple[np.ndarray, bool, str, bool]:
    """Eigenvalues of G_1 (all, or the largest in magnitude for large n).

    Returns (eigenvalues, symmetric, method, partial).
    """
    n = G1.shape[0]
    symmetric = abs(G1 - G1.T).max() <= 1e-12 * max(1.0, abs(G1).max()) if G1.nnz else True
    if n <= DENSE_SPECTRUM_LIMIT:
        dense = G1.toarray()
        eig = np.linalg.eigvalsh(dense) if symmetric else np.linalg.eigvals(dense)
        return np.asarray(eig), symmetric, "dense", False
    k = min(ARNOLDI_MODES, n - 2)
    if symmetric:
        eig = spla.eigsh(G1.astype(float), k=k, which="LM", return_eigenvectors=False)
        method = "lanczos (eigsh, largest magnitude)"
    else:
        eig = spla.eigs(G1.astype(float), k=k, which="LM", return_eigenvectors=False)
        method = "arnoldi (eigs, largest magnitude)"
    return np.asarray(eig), symmetric, method, True


def classify(spectral_radius: float, expanding: int, n: int, steps: int) -> str:
    if spectral_radius < 1.0 - CONTRACTION_TOL:
        return "fully-dissipative"
    amplification = power(spectral_radius, steps)
    if expanding <= max(1, n // 4) and amplification <= MAX_AMPLIFICATION:
        return "almost-dissipative"
    return "non-dissipative"


def analyze_dissipation(G1: sp.csr_matrix, steps: int) -> DissipationReport:
    """Spectrum of G_1 → dissipation class over a horizon of ``steps``."""
    eig, symmetric, method, partial = g1_spectrum(sp.csr_matrix(G1))
    magnitudes = np.abs(eig)
    radius = float(magnitudes.max()) if eig.size else 0.0
    non_contracting = int(np.sum(magnitudes >= 1.0 - CONTRACTION_TOL))
    expanding = int(np.sum(magnitudes > 1.0 + NEUTRAL_TOL))
    n = G1.shape[0]
    lower_bound = partial and non_contracting == eig.size
    return DissipationReport(
        classification=classify(radius, expanding, n, steps),
        spectral_radius=radius, n_modes=n, non_contracting_modes=non_contracting,
        expanding_modes=expanding,
        non_contracting_is_lower_bound=bool(lower_bound),
        amplification_over_horizon=power(radius, steps),
        eigenvalue_min_real=float(np.real(eig).min()) if eig.size else 0.0,
        eigenvalue_max_real=float(np.real(eig).max()) if eig.size else 0.0,
        symmetric=bool(symmetric), method=method, steps=steps)


def condition_number(A: sp.csr_matrix) -> tuple[float, str]:
    """κ₂(A) = σ_max/σ_min: exact (dense SVD) for small A, estimated (svds) for medium A.

    The estimate runs Lanczos bidiagonalization (``svds``) on A and on A⁻¹ (applied through a
    fill-free LU of the triangular A). Returns (kappa, kind) with kind "exact" or "estimated";
    (nan, "unavailable") when too large — callers then fall back to the structural bound.
    """
    dim = A.shape[0]
    if dim <= EXACT_KAPPA_LIMIT:
        sigma = np.linalg.svd(A.toarray(), compute_uv=False)
        return float(sigma[0] / sigma[-1]), "exact"
    if dim > ESTIMATED_KAPPA_LIMIT:
        return float("nan"), "unavailable"
    # σ estimates to 1e-3 relative for very large systems: κ is reported to 3 digits anyway
    tol = 1e-3 if dim > 100_000 else 1e-10
    sigma_max = spla.svds(A, k=1, which="LM", return_singular_vectors=False, random_state=0,
                          tol=tol)[0]
    lu = spla.splu(sp.csc_matrix(A), permc_spec="NATURAL")
    inverse = spla.LinearOperator(A.shape, matvec=lu.solve,
                                  rmatvec=lambda v: lu.solve(v, trans="T"), dtype=float)
    inv_norm = spla.svds(inverse, k=1, which="LM", return_singular_vectors=False,
                         random_state=0, tol=tol)[0]
    return float(sigma_max * inv_norm), "estimated"


def kappa_growth(M: sp.csr_matrix, steps: int,
                 max_rows: int = GROWTH_KAPPA_LIMIT) -> list[dict]:
    """κ of the history system I − S⊗M for horizons 1, 2, 4, … up to ``steps``, while the
    system has at most ``max_rows`` rows."""

    horizons = sorted({*(2**k for k in range(int(np.log2(max(steps, 1))) + 1)), steps})
    zeros = np.zeros(M.shape[0])
    rows = []
    for horizon in horizons:
        if (horizon + 1) * M.shape[0] > max_rows:
            break
        A, _ = history_system(M, zeros, zeros, horizon)
        kappa, kind = condition_number(A)
        rows.append({"steps": horizon, "kappa": kappa, "kind": kind})
    return rows
