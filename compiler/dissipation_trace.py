"""Dissipation along sparse training: Hessian spectra every k steps of the spec's gradient descent,
the fractions of dissipative and divergent modes, the error proxy of Liu et al. and the windows
where the almost-dissipative condition holds.

Training. The spec's gradient descent on its surviving weights only (pruned weights are not
variables, so the mask is respected exactly): θ(t+1) = θ(t) − η ∇L(θ(t)) from θ(0) = θ_init,
t = 0..T−1. At t = 0, k, 2k, … ≤ T the Hessian H(θ(t)) is analysed matrix-free
(:mod:`qmlc.compiler.hessian_spectrum`): its SLQ spectral density, λ_min and λ_max.

Modes (Liu et al., Nat. Commun. 15:434 (2024): "dissipative" and "divergent" modes). For the
learning rate η a Hessian eigenvalue λ is *dissipative* when |1 − ηλ| < 1 (0 < ηλ < 2: the
linearized step contracts that mode) and *divergent* when |1 − ηλ| > 1 (λ < 0 or ηλ > 2). Their
fractions are SLQ estimates (1/n)·#{λ_i : …} with the standard error over probes. Lanczos
resolves the spectrum only to the spacing of its Gauss nodes: a trained network's Hessian has a
large bulk around 0 that one node may carry, on either side of 0 depending on the step. The
``*_bounds`` are the rigorous Chebyshev–Markov–Stieltjes brackets of the same estimates
(:meth:`~qmlc.compiler.hessian_spectrum.SpectralDensity.below_bounds`); a wide bracket means the
sign of that bulk is not resolved.

Error proxy (Liu et al., Eqs. 7–8, as summarized in references/carleman.md): for the Hessian
spectral density ρ(a), with a = −(eigenvalue),

    proxy(t) = (1/N_c) ∫_{|a| ≥ c} ρ(a) |1 + a|^t da,   N_c = ∫_{|a| ≥ c} ρ(a) da,

with the cut c = 0.4 in the paper (a parameter here). The paper's main text does not say how a
scales with the learning rate; qmlc takes a = −s·λ with s = η by default, so that |1 + a|^t =
|1 − ηλ|^t is exactly the growth of mode λ over t steps of the linearized map (s is a parameter,
``proxy_scale``; s = 1 is the literal a = −λ). ρ is the SLQ estimate, so the integrals are the
quadrature sums over its nodes. At checkpoint t the proxy uses the density measured at t and the
exponent t (steps since the start, the last upload of the weights); ``proxy_horizon`` also gives,
for each checkpoint's density, the proxy for horizons h = 0..k (the k steps to the next one).
When no mode lies beyond the cut (N_c = 0) the proxy is undefined (None).

Windows. Each checkpoint is classified by :func:`qmlc.compiler.dissipation.classify` over the
horizon of the k steps that follow it, from ρ(G_1) = max(|1 − ηλ_min|, |1 − ηλ_max|) (exact for the
symmetric G_1 = I − ηH, from the extreme eigenvalues) and the number of expanding modes
n·(divergent fraction) (an SLQ estimate): fully dissipative when ρ(G_1) < 1; almost dissipative
when the expanding modes are at most max(1, n/4) and ρ(G_1)^k ≤ 10; non-dissipative otherwise.
``classification_resolved`` says whether every expanding-mode count inside the divergent bracket
gives the same class. A window is a maximal run of consecutive checkpoints that are fully or
almost dissipative (by the point estimate); it covers the training steps
[first checkpoint, last checkpoint + k) ∩ [0, T].
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from qmlc.compiler import limits, resources
from qmlc.compiler.dissipation import MAX_AMPLIFICATION, classify
from qmlc.compiler.errors import NonDissipativeError
from qmlc.compiler.hessian_spectrum import (
    REORTH_MEMORY_BYTES,
    SLQRun,
    SpectralDensity,
    extreme_eigenvalues,
    refine_extremes,
    slq_run,
)
from qmlc.compiler.network_loss import LossOracle, loss_oracle, numpy_blas_single_threaded
from qmlc.compiler.network_spec import NetworkProblem
from qmlc.compiler.progress import task
from qmlc.compiler.results import Result, optional
from qmlc.compiler.spec import ModelSpec

PAPER_CUT = 0.4  # Liu et al. (2024), Eqs. 7–8: |a| < 0.4 left out of both integrals
# The extreme Ritz values of the SLQ runs serve as λ_min/λ_max when their residual ‖Hx − θx‖ is at
# most this fraction of max|θ|; otherwise Lanczos restarted from their Ritz vectors (then ARPACK,
# if that takes more than REFINE_STEPS products) recomputes them to that relative tolerance. A
# Ritz value lies inside [λ_min, λ_max] and within its residual of an eigenvalue; its error is of
# the order residual²/gap (Parlett 1998, Thm. 11.7.1), far below the residual itself.
RITZ_TOLERANCE = 1e-3
RUN_ADVICE = "lower steps, raise every, or lower probes or lanczos_steps"
REFINE_STEPS = 40

PROXY_DEFINITION = ("proxy(t) = (1/N_c) sum_{|a| >= cut} rho(a) |1 + a|^t, N_c = sum_{|a| >= cut} "
                    "rho(a), a = -scale * lambda (Liu et al., Nat. Commun. 15:434 (2024), Eqs. "
                    "7-8; rho the SLQ estimate; the paper's main text does not fix how a scales "
                    "with eta: scale = eta makes |1 + a|^t the growth of mode lambda over t "
                    "linearized steps)")
MODES_DEFINITION = ("dissipative: |1 - eta*lambda| < 1; divergent: |1 - eta*lambda| > 1 (Liu et al. "
                    "2024); fractions are SLQ estimates with their standard error over probes")
CLASS_DEFINITION = ("per checkpoint, over the next `every` steps: fully dissipative if rho(G1) < 1; "
                    "almost dissipative if expanding modes <= max(1, n/4) and rho(G1)^every <= "
                    f"{MAX_AMPLIFICATION:g}; rho(G1) = max(|1 - eta*lambda_min|, |1 - eta*lambda_max|)"
                    ", expanding modes = n * divergent fraction (SLQ estimate)")


def error_proxy(nodes: np.ndarray, weights: np.ndarray, t: float, scale: float,
                cut: float = PAPER_CUT) -> float | None:
    """The proxy of Liu et al. (module docstring) for a discrete spectral measure Σ w_i δ_{λ_i}."""
    a = -scale * np.asarray(nodes, dtype=float)
    w = np.asarray(weights, dtype=float)
    kept = np.abs(a) >= cut
    norm = float(np.sum(w[kept]))
    if norm <= 0.0:
        return None
    return float(np.sum(w[kept] * np.abs(1.0 + a[kept]) ** t) / norm)


@dataclass(frozen=True)
class SpectrumSnapshot(Result):
    """The Hessian at one checkpoint of training (module docstring)."""

    step: int
    loss: float
    grad_norm: float
    lambda_min: float
    lambda_max: float
    residual_min: float
    residual_max: float
    extremes_method: str
    dissipative_fraction: float
    dissipative_stderr: float
    divergent_fraction: float
    divergent_stderr: float
    dissipative_bounds: tuple
    divergent_bounds: tuple
    g1_spectral_radius: float
    expanding_modes_estimate: int
    classification: str
    classification_resolved: bool
    proxy: float | None
    proxy_horizon: tuple
    trace_over_n: float
    trace_over_n_stderr: float
    hessian_vector_products: int
    seconds: float
    density: SpectralDensity


@dataclass(frozen=True)
class DissipationWindow(Result):
    """Training steps [start, end) covered by consecutive fully/almost-dissipative checkpoints."""

    start: int
    end: int
    checkpoints: tuple
    classes: tuple


@dataclass(frozen=True)
class DissipationTrace(Result):
    """Hessian spectra along the spec's sparse gradient descent (module docstring)."""

    name: str
    n: int
    learning_rate: float
    steps: int
    every: int
    probes: int
    lanczos_steps: int
    seed: int
    proxy_cut: float
    proxy_scale: float
    snapshots: tuple
    windows: tuple
    definitions: dict
    seconds: float
    final_loss: float
    reorthogonalized: bool
    hessian_vector_products: int
    notes: tuple = optional()

    @property
    def checkpoints(self) -> list[int]:
        return [s.step for s in self.snapshots]


def _windows(snapshots: list[SpectrumSnapshot], every: int, steps: int) -> list[DissipationWindow]:
    windows, run = [], []
    for snap in [*snapshots, None]:
        if snap is not None and snap.classification != "non-dissipative":
            run.append(snap)
            continue
        if run:
            windows.append(DissipationWindow(
                start=run[0].step, end=min(run[-1].step + every, steps),
                checkpoints=tuple(s.step for s in run),
                classes=tuple(s.classification for s in run)))
        run = []
    return windows


def _extremes(oracle: LossOracle, theta: np.ndarray, run: SLQRun, tol: float,
              seed: int) -> tuple[float, float, float, float, str, int]:
    """λ_min, λ_max from the SLQ Ritz values; where their residual is large, Lanczos restarted
    from their Ritz vectors, and ARPACK if that does not converge in REFINE_STEPS products."""
    lo, res_lo, hi, res_hi = run.density.ritz_extremes()
    scale = max(abs(lo), abs(hi), np.finfo(float).tiny)
    if max(res_lo, res_hi) <= tol * scale:
        return lo, hi, res_lo, res_hi, "extreme Ritz values of the SLQ Lanczos runs", 0

    def matvec(v: np.ndarray) -> np.ndarray:
        return oracle.hvp(theta, v)

    used = 0
    if run.lo_vector is not None:
        ext = refine_extremes(matvec, [run.lo_vector, run.hi_vector], tol, REFINE_STEPS)
        if ext is not None:
            return (ext.lambda_min, ext.lambda_max, ext.residual_min, ext.residual_max,
                    ext.method + " of the SLQ runs", ext.matvecs)
        used = REFINE_STEPS
    ext = extreme_eigenvalues(matvec, oracle.problem.n, tol=tol, seed=seed, v0=run.lo_vector)
    return (ext.lambda_min, ext.lambda_max, ext.residual_min, ext.residual_max, ext.method,
            ext.matvecs + used)


def snapshot(oracle: LossOracle, theta: np.ndarray, step: int, every: int, probes: int,
             lanczos_steps: int, seed: int, cut: float, scale: float,
             tol: float = RITZ_TOLERANCE,
             value_and_grad: tuple[float, np.ndarray] | None = None) -> SpectrumSnapshot:
    """Analyse H(θ) at one checkpoint (module docstring); ``value_and_grad``: L(θ), ∇L(θ) when
    the caller has them."""
    start = time.perf_counter()
    problem = oracle.problem
    eta, n = problem.learning_rate, problem.n
    loss, grad = value_and_grad or oracle.value_and_grad(theta)
    run = slq_run(lambda v: oracle.hvp(theta, v), n, probes=probes, steps=lanczos_steps,
                  seed=seed)
    density = run.density
    lo, hi, res_lo, res_hi, method, extra = _extremes(oracle, theta, run, tol, seed)
    dissipative = density.fraction(lambda lam: np.abs(1 - eta * lam) < 1)
    divergent = density.fraction(lambda lam: np.abs(1 - eta * lam) > 1)
    radius = max(abs(1 - eta * lo), abs(1 - eta * hi))
    expanding = int(round(divergent[0] * n))
    # Chebyshev–Markov–Stieltjes brackets of the same SLQ estimates (what Lanczos resolves)
    edge = 2.0 / eta
    below0, below0_plus = density.below_bounds(0.0), density.below_bounds(np.nextafter(0.0, 1.0))
    below_edge = density.below_bounds(edge)
    below_edge_plus = density.below_bounds(np.nextafter(edge, np.inf))
    dissipative_bounds = (max(0.0, below_edge[0] - below0_plus[1]),
                          min(1.0, below_edge[1] - below0[0]))
    divergent_bounds = (max(0.0, below0[0] + 1.0 - below_edge_plus[1]),
                        min(1.0, below0[1] + 1.0 - below_edge_plus[0]))
    classes = {classify(radius, int(np.ceil(f * n)) if k else int(np.floor(f * n)), n, every)
               for k, f in enumerate(divergent_bounds)}
    classification = classify(radius, expanding, n, every)
    weights = density.weights / density.probes
    trace = density.moment(1)
    return SpectrumSnapshot(
        step=step, loss=loss, grad_norm=float(np.linalg.norm(grad)),
        lambda_min=lo, lambda_max=hi, residual_min=res_lo, residual_max=res_hi,
        extremes_method=method,
        dissipative_fraction=dissipative[0], dissipative_stderr=dissipative[1],
        divergent_fraction=divergent[0], divergent_stderr=divergent[1],
        dissipative_bounds=dissipative_bounds, divergent_bounds=divergent_bounds,
        g1_spectral_radius=float(radius), expanding_modes_estimate=expanding,
        classification=classification, classification_resolved=len(classes) == 1,
        proxy=error_proxy(density.nodes, weights, step, scale, cut),
        proxy_horizon=tuple(error_proxy(density.nodes, weights, h, scale, cut)
                            for h in range(every + 1)),
        trace_over_n=trace[0], trace_over_n_stderr=trace[1],
        hessian_vector_products=int(density.lengths.sum()) + extra,
        seconds=time.perf_counter() - start, density=density)


def dissipation_trace(spec_or_problem: ModelSpec | NetworkProblem, steps: int, every: int,
                      probes: int = 4, lanczos_steps: int = 50, seed: int = 0,
                      cut: float = PAPER_CUT, scale: float | None = None,
                      advice: str = RUN_ADVICE) -> DissipationTrace:
    """Run the spec's gradient descent for ``steps`` steps and analyse the Hessian every
    ``every`` steps (module docstring). ``scale`` defaults to the learning rate η. Every argument
    is checked against its documented range (:mod:`qmlc.compiler.limits`) and the run against
    this machine's memory and time (:func:`preflight`, whose refusal ends with ``advice``) before
    it starts."""
    steps = limits.check_int(steps, "steps", limits.MIN_STEPS, limits.MAX_STEPS)
    every = limits.check_int(every, "every", 1, steps,
                             "a checkpoint every k <= T steps (step 0 is always one)")
    probes = limits.check_int(probes, "probes", limits.MIN_PROBES, limits.MAX_PROBES,
                              "the standard errors need two probes")
    lanczos_steps = limits.check_int(lanczos_steps, "lanczos_steps", limits.MIN_LANCZOS_STEPS,
                                     limits.MAX_LANCZOS_STEPS)
    seed = limits.check_seed(seed)
    cut = limits.check_real(cut, "proxy_cut", 0.0)
    if scale is not None:
        # a = −scale·λ plays the role of ηλ: the learning rate's range
        scale = limits.check_real(scale, "proxy_scale", 0.0, limits.MAX_LEARNING_RATE,
                                  low_open=True)
    oracle = loss_oracle(spec_or_problem)
    problem = oracle.problem
    eta = problem.learning_rate
    scale = eta if scale is None else scale
    start = time.perf_counter()
    with numpy_blas_single_threaded():
        preflight(oracle, steps, every, probes, lanczos_steps, advice)
        snapshots, final_loss = _train_and_analyse(oracle, steps, every, probes, lanczos_steps,
                                                   seed, cut, scale)
    notes = []
    if all(s.proxy is None for s in snapshots):
        notes.append(f"no Hessian eigenvalue has |a| = {scale:g}*|lambda| >= {cut:g} at any "
                     "checkpoint: the error proxy is undefined (lower proxy_cut or raise "
                     "proxy_scale)")
    return DissipationTrace(
        name=problem.name, n=problem.n, learning_rate=eta, steps=steps, every=every,
        probes=probes, lanczos_steps=lanczos_steps, seed=seed, proxy_cut=cut, proxy_scale=scale,
        snapshots=tuple(snapshots), windows=tuple(_windows(snapshots, every, steps)),
        definitions={"proxy": PROXY_DEFINITION, "modes": MODES_DEFINITION,
                     "classification": CLASS_DEFINITION,
                     "density": snapshots[0].density.method,
                     "training": "full-batch gradient descent on the surviving weights "
                                 "(theta - eta * grad L), from the spec's weights"},
        seconds=time.perf_counter() - start, final_loss=final_loss,
        reorthogonalized=all(s.density.reorthogonalized for s in snapshots),
        hessian_vector_products=sum(s.hessian_vector_products for s in snapshots),
        notes=tuple(notes) or None)


def _train_and_analyse(oracle: LossOracle, steps: int, every: int, probes: int,
                       lanczos_steps: int, seed: int, cut: float, scale: float
                       ) -> tuple[list[SpectrumSnapshot], float]:
    """Gradient descent from θ_init with a snapshot every ``every`` steps; the final loss."""
    problem = oracle.problem
    eta = problem.learning_rate
    theta = problem.theta_init.copy()
    snapshots: list[SpectrumSnapshot] = []
    label = f"{problem.name}: gradient descent, Hessian spectrum every {every} steps"
    with task(label, steps) as advance:
        for t in range(steps + 1):
            loss, grad = oracle.value_and_grad(theta)
            if t % every == 0:
                snapshots.append(snapshot(oracle, theta, t, every, probes, lanczos_steps, seed,
                                          cut, scale, value_and_grad=(loss, grad)))
            if t == steps:
                break
            theta = theta - eta * grad
            if not np.all(np.isfinite(theta)):
                raise NonDissipativeError(
                    f"{problem.name}: gradient descent diverged at step {t + 1} with "
                    f"training.learning_rate = {eta:g}; lower the learning rate or run fewer "
                    "steps",
                    field="training.learning_rate")
            advance(1, loss=loss, rho=snapshots[-1].g1_spectral_radius)
    return snapshots, loss


def planned_products(n: int, steps: int, every: int, probes: int, lanczos_steps: int) -> int:
    """Hessian-vector products of a run before any refinement of the extremes: probes ×
    min(m, n) per checkpoint, at steps 0, k, 2k, … ≤ T."""
    return (steps // every + 1) * probes * min(lanczos_steps, n)


def preflight(oracle: LossOracle, steps: int, every: int, probes: int, lanczos_steps: int,
              advice: str = RUN_ADVICE) -> None:
    """Refuse a run this machine cannot hold or finish (:mod:`qmlc.compiler.resources`).

    Memory: one Lanczos basis of min(m, n)·n float64 (kept only under full reorthogonalization,
    :data:`~qmlc.compiler.hessian_spectrum.REORTH_MEMORY_BYTES`) and the probes × m quadrature
    nodes, weights and residuals; the network's own arrays were checked when its files were read.
    Time: one gradient and one Hessian-vector product are timed here, on this model and machine
    (after compilation), and the run is T + 1 gradients plus :func:`planned_products` products —
    a lower estimate, since refining the extremes adds up to ``REFINE_STEPS`` products per
    checkpoint."""
    problem = oracle.problem
    n, m = problem.n, min(lanczos_steps, problem.n)
    basis = 8 * n * m if 8 * n * m <= REORTH_MEMORY_BYTES else 0
    nodes = 3 * 8 * probes * m
    resources.require(resources.Requirement(
        f"the Hessian spectra of {n:,} weights ({probes} probes x {m} Lanczos steps)",
        basis + nodes, f"8·n·m bytes for one Lanczos basis ({'kept' if basis else 'not kept'}) "
                       "+ 24·probes·m bytes of quadrature nodes"),
        problem.name, advice=advice)
    theta = problem.theta_init
    oracle.value_and_grad(theta)           # compiles both kernels; timed below, compiled
    oracle.hvp(theta, theta)
    start = time.perf_counter()
    oracle.value_and_grad(theta)
    gradient = time.perf_counter() - start
    start = time.perf_counter()
    oracle.hvp(theta, theta)
    product = time.perf_counter() - start
    products = planned_products(n, steps, every, probes, lanczos_steps)
    seconds = (steps + 1) * gradient + products * product
    resources.require_time(
        seconds, f"{steps:,} gradient steps ({gradient * 1e3:.3g} ms each, measured) and "
                 f"{products:,} Hessian-vector products ({product * 1e3:.3g} ms each)",
        problem.name, advice=advice)


__all__ = ["PAPER_CUT", "DissipationTrace", "DissipationWindow", "SpectrumSnapshot",
           "dissipation_trace", "error_proxy", "planned_products", "preflight", "snapshot"]
