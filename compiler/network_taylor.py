"""The Taylor-expansion pass of ``kind = "sparse-network"``: a pruned MLP's gradient descent as a
PolynomialMap.

Construction (Liu et al., "Towards provably efficient quantum algorithms for large-scale
machine-learning models", Nat. Commun. 15:434 (2024), arXiv:2303.03428). Gradient descent on the
training loss, θ(t+1) = θ(t) − η ∇L(θ(t)), is Taylor-expanded around an expansion point θ0. With
u = θ − θ0 and the loss expanded to order q + 1 (``taylor_order``), the step is the polynomial map

    u⁺ = G_0 + G_1 u + G_2 u^{⊗2},   G_0 = −η ∇L(θ0),  G_1 = I − η ∇²L(θ0),
                                     G_2 = −(η/2) ∇³L(θ0) reshaped n × n²,

(G_2 only for ``taylor_order = 3``), in numpy's Kronecker order: G_2[a, b·n + c] = −(η/2) ∂_a∂_b∂_c L.
The derivatives are exact (JAX autodiff in float64), computed densely in n (n ≤ a few hundred
for the third derivative) and stored sparse (scipy CSR, exact zeros dropped).

Sparsification (optional ``sparsify = s``): entries of F_ℓ with |F_ℓ| < s · max|F_ℓ| are dropped,
where F_0 = G_0, F_1 = G_1 − I = −ηH (the identity is structure, not a small term; the diagonal of
F_1 is always kept) and F_2 = G_2; the dropped relative Frobenius mass ‖dropped‖_F / ‖F_ℓ‖_F is
recorded in the map's meta. Independently of ``sparsify``, gradient entries below the float64
round-off floor 64 ε · max(|L|, max|∇²L| · max|θ0|) are set to zero, so that expanding at a
stationary point gives G_0 = 0 exactly (count recorded in meta).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.network_loss import loss_derivatives
from qmlc.compiler.network_spec import NetworkProblem, as_network_problem
from qmlc.compiler.polymap import PolynomialMap, check_map_magnitudes, make_polynomial_map
from qmlc.compiler.progress import task
from qmlc.compiler.spec import ModelSpec


def _sparsify(mat: sp.csr_matrix, threshold: float,
              keep_diagonal: bool = False) -> tuple[sp.csr_matrix, dict]:
    """Drop entries below ``threshold · max|mat|`` (the diagonal too unless ``keep_diagonal``);
    report the dropped relative Frobenius mass ‖dropped‖_F / ‖mat‖_F."""
    mat = sp.csr_matrix(mat)
    mat.eliminate_zeros()
    mat.sort_indices()
    total = float(np.sqrt(np.sum(mat.data**2)))
    info = {"nnz_before": int(mat.nnz), "nnz_after": int(mat.nnz), "dropped_relative_fro": 0.0}
    if threshold <= 0 or mat.nnz == 0:
        return mat, info
    cut = threshold * float(np.max(np.abs(mat.data)))
    small = np.abs(mat.data) < cut
    if keep_diagonal:
        rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
        small &= rows != mat.indices
    dropped = float(np.sqrt(np.sum(mat.data[small] ** 2)))
    mat.data[small] = 0.0
    mat.eliminate_zeros()
    info.update(nnz_after=int(mat.nnz), cut=cut,
                dropped_relative_fro=dropped / total if total > 0 else 0.0)
    return mat, info


def polynomial_map_from_problem(problem: NetworkProblem) -> PolynomialMap:
    """The Taylor-expanded gradient-descent map of a validated network problem."""
    eta, n = problem.learning_rate, problem.n
    third = problem.taylor_order == 3
    label = "exact derivatives of the loss (∇L, ∇²L" + (", ∇³L)" if third else ")")
    with task(f"{label}, n = {n}"):
        derivs = loss_derivatives(problem, third=third)
    # At a stationary expansion point the computed gradient is pure float64 round-off (~1e-16),
    # which would fill G0 (and the lift's G0 ⊗ G_ℓ blocks) with noise: entries below a round-off
    # floor, 64 ε · max(|L|, max|∇²L| · max|θ0|), are set to exactly zero.
    floor = 64 * np.finfo(float).eps * max(abs(derivs.value),
                                           float(np.abs(derivs.hess).max(initial=0.0))
                                           * float(np.abs(problem.theta0).max(initial=0.0)))
    grad = np.where(np.abs(derivs.grad) <= floor, 0.0, derivs.grad)
    F = [sp.csr_matrix(-eta * grad.reshape(n, 1)), sp.csr_matrix(-eta * derivs.hess)]
    if third:
        F.append(-(eta / 2.0) * derivs.third)
    sparsify_info = {"threshold": problem.sparsify,
                     "applied_to": ["G0", "G1 - I (off-diagonal)", "G2"][:len(F)]}
    sparse_F = []
    for ell, mat in enumerate(F):
        # the diagonal of G1 = I − ηH (per-weight curvature) always stays: dropping it could
        # turn a contracting mode into an expanding one
        kept, info = _sparsify(mat, problem.sparsify, keep_diagonal=ell == 1)
        sparse_F.append(kept)
        sparsify_info[f"G{ell}"] = info
    G0 = sparse_F[0].toarray().ravel()
    G1 = sp.csr_matrix(sp.identity(n, format="csr") + sparse_F[1])
    G = [G0, G1] + sparse_F[2:]
    meta = {
        "name": problem.name,
        "source": "sparse-network",
        "learning_rate": eta,
        "taylor_order": problem.taylor_order,
        "loss": problem.loss,
        "activation": problem.activation,
        "layers": list(problem.layers),
        "n": n,
        "num_samples": int(problem.X.shape[0]),
        "expansion_point": problem.expansion_point,
        "variable_names": list(problem.variable_names),
        "variables": "surviving weights (mask 1, default: nonzero W entries); biases without a "
                     "mask are fixed, not variables",
        "loss_at_expansion_point": derivs.value,
        "grad_norm_at_expansion_point": float(np.linalg.norm(derivs.grad)),
        "gradient_roundoff_floor": floor,
        "gradient_entries_zeroed_as_roundoff": int(np.count_nonzero(derivs.grad)
                                                   - np.count_nonzero(grad)),
        "formula": "u+ = G0 + G1 u + G2 u⊗u, u = θ − θ0: G0 = −η∇L(θ0), G1 = I − η∇²L(θ0), "
                   "G2 = −(η/2)∇³L(θ0) (Liu et al., Nat. Commun. 15:434 (2024))",
        "sparsify": sparsify_info,
    }
    u0 = problem.theta_init - problem.theta0
    return make_polynomial_map(G, u0, offset=problem.theta0, meta=meta)


def polynomial_map_from_network(spec: ModelSpec) -> PolynomialMap:
    """Front end of ``kind = "sparse-network"``: validate the spec and build its PolynomialMap.

    The map's magnitudes are checked like a polynomial-map spec's (u^{⊗N} and the lift's products
    must fit in float64): large weights, data or learning rates show up here, in G."""
    problem = as_network_problem(spec)
    polymap = polynomial_map_from_problem(problem)
    check_map_magnitudes(polymap.u0, list(polymap.G), spec.model.order,
                         f"{spec.where('training.learning_rate')} = {problem.learning_rate:g} "
                         "with network.weights and training.data: the Taylor-expanded map")
    return polymap


__all__ = ["polynomial_map_from_network", "polynomial_map_from_problem"]
