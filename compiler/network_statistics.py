"""What a resource estimate needs of a sparse network too large for explicit construction, taken
from the model itself (never from flags, never forming H or ∇³L).

For the Taylor-expanded map u⁺ = G_0 + G_1 u + G_2 u^{⊗2} at θ0 (G_0 = −η∇L(θ0),
G_1 = I − η∇²L(θ0), G_2 = −(η/2)∇³L(θ0); :mod:`qmlc.compiler.network_taylor`):

- G_0 = −η∇L(θ0), exact (one gradient): ‖G_0‖₂, max |entry| and nonzero count.
- u_0 = θ_init − θ0, exact (0 when the map is expanded at the initial weights).
- G_1: row and column sparsity exactly from the connectivity
  (:mod:`qmlc.compiler.hessian_structure`; G_1 is symmetric); max |entry| ≤ ‖G_1‖₂ =
  max(|1 − ηλ_min|, |1 − ηλ_max|) of H(θ0) (an entry of a symmetric matrix is at most its spectral
  norm), from the Lanczos extremes at the first checkpoint plus η times the larger of their Ritz
  residuals r: an eigenvalue lies within r of each extreme Ritz value θ (symmetric H), so this is
  an upper bound whenever the Ritz values approximate λ_min and λ_max themselves (what Lanczos from
  random starts finds; a Ritz value alone lies inside [λ_min, λ_max] and would understate it).
- G_2 (``taylor_order = 3``): row sparsity ≤ s_a² per row a and nnz ≤ Σ_a s_a² (the stated bound
  of :mod:`qmlc.compiler.hessian_structure`; entries per first column digit b obey the same bound
  by the symmetry of ∇³L); max |entry| ≤ (η/2)‖∇³L(θ0)‖_F, the Frobenius norm estimated without
  bias by nested Hutchinson sampling, ‖T‖_F² = E_{v,w}‖T(v, w, ·)‖² for independent Rademacher
  v, w (Hutchinson 1990 applied to each of the two contracted indices), reported with its
  standard error; qmlc uses the estimate plus three standard errors.
- Dynamics: Hessian spectra along the spec's gradient descent over its T steps
  (:func:`qmlc.compiler.dissipation_trace.dissipation_trace`), whose largest ρ(G_1(θ_t)) stands in
  for ‖M‖ in the contractive-lift bound κ ≤ (1 + ρ)·Σ_{t=0}^{T} ρ^t (the same formula as the
  explicit path, :mod:`qmlc.estimators.requests`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from qmlc.compiler import limits
from qmlc.compiler.dissipation_trace import DissipationTrace, dissipation_trace, snapshot
from qmlc.compiler.hessian_spectrum import rademacher_probes
from qmlc.compiler.hessian_structure import HessianStructure, hessian_structure
from qmlc.compiler.network_loss import loss_oracle, numpy_blas_single_threaded
from qmlc.compiler.network_spec import NetworkProblem
from qmlc.compiler.results import Result, optional

THIRD_SAMPLES = 6
ESTIMATE_ADVICE = ("lower steps, or estimate from the bare parameters (n, steps, order, "
                   "row_sparsity) instead of the spec")
SAFETY_STDERRS = 3.0


@dataclass(frozen=True)
class NetworkStatistics(Result):
    """Structural inputs of the estimate, measured on the model (module docstring)."""

    n: int
    learning_rate: float
    taylor_order: int
    steps: int
    loss: float
    grad_norm: float
    g0_norm: float
    g0_max_abs: float
    g0_nnz: int
    u0_norm: float
    structure: HessianStructure
    g1_row_sparsity: int
    g1_nnz: int
    g1_max_abs_bound: float
    rho_max: float
    rho_max_step: int
    trace: DissipationTrace
    seconds: float
    third_frobenius: float | None = optional()
    third_frobenius_stderr: float | None = optional()
    g2_row_sparsity_bound: int | None = optional()
    g2_nnz_bound: int | None = optional()
    g2_max_abs_bound: float | None = optional()


def third_frobenius(problem: NetworkProblem, theta: np.ndarray, samples: int = THIRD_SAMPLES,
                    seed: int = 0) -> tuple[float, float]:
    """(estimate, standard error) of ‖∇³L(θ)‖_F by nested Hutchinson (module docstring)."""
    oracle = loss_oracle(problem)
    probes = rademacher_probes(problem.n, 2 * samples, seed)
    values = np.array([np.sum(oracle.third(theta, probes[2 * s], probes[2 * s + 1]) ** 2)
                       for s in range(samples)])
    mean = float(values.mean())
    err = float(values.std(ddof=1) / np.sqrt(samples)) if samples > 1 else float("inf")
    # ‖T‖_F = sqrt(E[X]); the standard error of the square root by the delta method
    root = float(np.sqrt(mean))
    return root, (err / (2 * root) if root > 0 else err)


def network_statistics(problem: NetworkProblem, steps: int, every: int | None = None,
                       probes: int = 2, lanczos_steps: int = 40, seed: int = 0,
                       third_samples: int = THIRD_SAMPLES) -> NetworkStatistics:
    """Measure the estimate's structural inputs on the model (module docstring)."""
    start = time.perf_counter()
    steps = limits.check_int(steps, "steps", limits.MIN_STEPS, limits.MAX_STEPS)
    eta = problem.learning_rate
    oracle = loss_oracle(problem)
    loss, grad = oracle.value_and_grad(problem.theta0)
    structure = hessian_structure(problem)
    every = max(1, steps // 10) if every is None else every
    trace = dissipation_trace(problem, steps, every, probes=probes, lanczos_steps=lanczos_steps,
                              seed=seed, advice=ESTIMATE_ADVICE)
    # the spectra along training start at θ_init; the map is expanded at θ0, which is θ_init
    # unless the spec names another expansion point: then H(θ0) gets its own analysis
    first = trace.snapshots[0]
    with numpy_blas_single_threaded():
        if problem.expansion_point != "initial":
            first = snapshot(oracle, problem.theta0, 0, every, probes, lanczos_steps, seed,
                             trace.proxy_cut, trace.proxy_scale, value_and_grad=(loss, grad))
        if problem.taylor_order == 3:
            frob, frob_err = third_frobenius(problem, problem.theta0, third_samples, seed)
    worst = max(trace.snapshots, key=lambda s: s.g1_spectral_radius)
    extra: dict = {}
    if problem.taylor_order == 3:
        extra = {"third_frobenius": frob, "third_frobenius_stderr": frob_err,
                 "g2_row_sparsity_bound": structure.g2_max_row_bound,
                 "g2_nnz_bound": structure.g2_nnz_bound,
                 "g2_max_abs_bound": 0.5 * eta * (frob + SAFETY_STDERRS * frob_err)}
    return NetworkStatistics(
        n=problem.n, learning_rate=eta, taylor_order=problem.taylor_order, steps=steps,
        loss=loss, grad_norm=float(np.linalg.norm(grad)),
        g0_norm=float(eta * np.linalg.norm(grad)),
        g0_max_abs=float(eta * np.abs(grad).max(initial=0.0)),
        g0_nnz=int(np.count_nonzero(grad)),
        u0_norm=float(np.abs(problem.theta_init - problem.theta0).max(initial=0.0)),
        structure=structure,
        g1_row_sparsity=structure.g1_max_row, g1_nnz=structure.g1_nnz,
        g1_max_abs_bound=first.g1_spectral_radius + eta * max(first.residual_min,
                                                               first.residual_max),
        rho_max=worst.g1_spectral_radius, rho_max_step=worst.step, trace=trace,
        seconds=time.perf_counter() - start, **extra)


__all__ = ["NetworkStatistics", "network_statistics", "third_frobenius"]
