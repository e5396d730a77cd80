"""An a-priori bound on the Carleman truncation error, from norms of the G_ℓ alone.

Take the max-norm ‖·‖_∞ on every level of the Carleman vector and the induced norm (largest
absolute row sum) on matrices. Both are multiplicative under Kronecker products
(‖A⊗B‖_∞ = ‖A‖_∞‖B‖_∞, ‖u⊗v‖_∞ = ‖u‖_∞‖v‖_∞), so with g_ℓ = ‖G_ℓ‖_∞ (G_0 as an n × 1 column)
and the scalar *majorant* polynomial φ(x) = Σ_ℓ g_ℓ x^ℓ, every block of the exact lift obeys

    ‖M_{j,k}‖_∞ ≤ m_{j,k} = [x^k] φ(x)^j         (M_{j,k} = Σ_{ℓ1+…+ℓj=k} G_ℓ1 ⊗ … ⊗ G_ℓj).

The untruncated lift is exact: y_t^{(j)} = u_t^{⊗j} obeys y_{t+1}^{(j)} = Σ_{k≥0} M_{j,k}
y_t^{(k)} (y^{(0)} = 1). The order-N system keeps k ≤ N (Liu et al., Nat. Commun. 15:434
(2024)), so the error e_t = y_t − ŷ_t on levels 1..N obeys

    e_{t+1} = M e_t + r_t,   e_0 = 0,   r_t^{(j)} = Σ_{k>N} M_{j,k} u_t^{⊗k}.

Unrolled, e_T is a sum over level paths that pass through some level > N, each a product of
blocks applied to u_0^{⊗k}. The triangle inequality bounds each path's norm by the same
product of the scalars m_{j,k} and ‖u_0‖_∞^k, and those scalar products sum to the truncation
error of the *scalar* map x ↦ φ(x) from x_0 = ‖u_0‖_∞ — all its terms are non-negative. Hence

    max_t ‖u_t − û_t‖_∞ ≤ max_t E_t,   E_{t+1} = m E_t + ρ_t,  ρ_t^{(j)} = Σ_{k>N} m_{j,k} x_t^k,

with x_{t+1} = φ(x_t): computed here in that form (non-negative terms only, no cancellation).
For a one-dimensional map with non-negative coefficients and u_0 ≥ 0 the bound is the error
itself (tested), otherwise it may be loose — it uses no cancellation and no contraction that
the norms cannot see. It is +∞ when the majorant iteration overflows (φ expands: then the
norms alone promise no convergence at all, which is the point of the check).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.results import Result


def infinity_norms(G: Sequence) -> list[float]:
    """‖G_ℓ‖_∞ (largest absolute row sum; ‖G_0‖_∞ = max_i |G_0[i]|) of each tensor."""
    norms = []
    for ell, g in enumerate(G):
        mat = abs(sp.csr_matrix(g if ell else np.reshape(g.toarray() if sp.issparse(g) else g,
                                                         (-1, 1))))
        rows = np.asarray(mat.sum(axis=1)).ravel()
        norms.append(float(rows.max()) if rows.size else 0.0)
    return norms


def lift_majorants(norms: Sequence[float], order: int) -> np.ndarray:
    """m[j, k] = [x^k] φ(x)^j for j = 0..N and k = 0..d·N (m[0, 0] = 1)."""
    phi = np.asarray(norms, dtype=float)
    degree = len(phi) - 1
    m = np.zeros((order + 1, degree * order + 1))
    power = np.array([1.0])
    for j in range(order + 1):
        m[j, :power.size] = power
        power = np.convolve(power, phi)
    return m


@dataclass(frozen=True)
class TruncationBound(Result):
    """max_{t ≤ T} of the majorant bound for each truncation order 1..N (see module doc)."""

    norms: list
    u0_norm: float
    steps: int
    orders: list
    bounds: list
    majorant_max: float
    model: str


def truncation_bound(norms: Sequence[float], u0_norm: float, order: int,
                     steps: int) -> float:
    """max_{t ≤ T} E_t at level 1 for truncation order N (module docstring)."""
    return _majorant_bounds(norms, u0_norm, [order], steps)[0][0]


def _majorant_bounds(norms: Sequence[float], u0_norm: float, orders: Sequence[int],
                     steps: int) -> tuple[list[float], float]:
    """(max_t E_t for each order, max_t x_t): one pass of the majorant iteration x_{t+1} = φ(x_t)
    shared by every order; an order's bound is +∞ from the first step where its E_t or x_t is
    not finite."""
    coefficients = np.asarray(norms, float)[::-1]
    states = []                       # per order: kept, dropped, powers, E on levels 0..N
    for order in orders:
        m = lift_majorants(norms, order)
        states.append((m[1:, :order + 1], m[1:, order + 1:], np.arange(order + 1, m.shape[1]),
                       np.zeros(order + 1)))
    worst = [0.0] * len(orders)       # level 0 (the constant) is exact
    x = biggest = float(u0_norm)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            x_next = float(np.polyval(coefficients, x))
            for k, (kept, dropped, powers, error) in enumerate(states):
                if math.isinf(worst[k]):
                    continue
                residual = dropped @ (x ** powers) if powers.size else 0.0
                error[1:] = kept @ error + residual
                if not np.isfinite(error[1]) or not np.isfinite(x_next):
                    worst[k] = math.inf
                else:
                    worst[k] = max(worst[k], float(error[1]))
            x = x_next
            if not np.isfinite(x):    # every order is +∞ from here on, and so is max_t x_t
                return [math.inf] * len(orders), math.inf
            biggest = max(biggest, x)
    return worst, biggest


def truncation_bounds(norms: Sequence[float], u0_norm: float, max_order: int,
                      steps: int) -> TruncationBound:
    """The bound for every order 1..max_order, and the majorant's largest value max_t x_t."""
    orders = list(range(1, max_order + 1))
    bounds, biggest = _majorant_bounds(norms, u0_norm, orders, steps)
    return TruncationBound(
        norms=[float(v) for v in norms], u0_norm=float(u0_norm), steps=int(steps),
        orders=orders, bounds=bounds, majorant_max=biggest,
        model="a-priori majorant bound: max_t ||u_t - u_hat_t||_inf <= truncation error of the "
              "scalar map x -> sum_l ||G_l||_inf x^l from ||u_0||_inf (induced inf-norms are "
              "multiplicative under Kronecker products); an upper bound, exact for 1-d maps "
              "with non-negative coefficients")


__all__ = ["TruncationBound", "infinity_norms", "lift_majorants", "truncation_bound",
           "truncation_bounds"]
