"""Hessian spectra without the Hessian: Lanczos, stochastic Lanczos quadrature (SLQ) and extreme
eigenvalues from Hessian-vector products.

Everything here sees the symmetric n×n Hessian H only through ``matvec(v) = H v`` (for networks:
forward-over-reverse autodiff, :class:`qmlc.compiler.network_loss.LossOracle`), so memory is
O(n·m) and no n×n array is formed.

Spectral density by SLQ (Ubaru, Chen, Saad, SIAM J. Matrix Anal. Appl. 38:1075 (2017);
Ghorbani, Krishnan, Xiao, ICML 2019, arXiv:1901.10159, their Sec. 2 and Appendix). For p probe
vectors v_l with independent Rademacher (±1) entries, m Lanczos steps on H from v_l/‖v_l‖ give a
tridiagonal T_l = Q_lᵀ H Q_l; its eigenpairs (θ_lj, y_lj) are the nodes and τ_lj = (y_lj[0])² the
weights of the m-point Gauss quadrature of the measure μ_l = Σ_i (u_iᵀ v_l)²/n δ_{λ_i} (u_i the
eigenvectors of H). The SLQ estimate of the spectral measure (1/n) Σ_i δ_{λ_i} is

    φ̂ = (1/p) Σ_l Σ_j τ_lj δ_{θ_lj},

so for any f, (1/n) tr f(H) ≈ (1/p) Σ_l Σ_j τ_lj f(θ_lj). For a polynomial f of degree ≤ 2m − 1
the quadrature is exact (Golub & Meurant, "Matrices, Moments and Quadrature", 2010, Thm. 6.2):
Σ_j τ_lj θ_lj^k = v_lᵀ H^k v_l / n, which is Hutchinson's estimator of tr(H^k)/n, unbiased, with
variance 2(‖H^k‖_F² − Σ_i (H^k)_ii²)/n² per probe (Hutchinson 1990; Avron & Toledo, J. ACM 58
(2011), Sec. 2). The stated stochastic error of a moment is the sample standard error over the p
probes. The smoothed density for plots is φ̂ convolved with a Gaussian of width σ; Ghorbani et
al. use σ² = 1e-5 on the spectrum rescaled to [−1, 1] (``GHORBANI_SIGMA2``).

Lanczos in floating point loses orthogonality once Ritz values converge (Paige 1976); with full
reorthogonalization (classical Gram–Schmidt applied twice, "twice is enough", Giraud et al.,
Numer. Math. 101 (2005)) T_l is the exact Rayleigh quotient to working precision. qmlc
reorthogonalizes fully whenever the m·n floats of one Lanczos basis fit ``REORTH_MEMORY_BYTES``
and says so in every result; without it the quadrature stays accurate for the density
(Ghorbani et al., Appendix; Knizhnerman 1996) but ghost copies of converged eigenvalues appear.

Extreme eigenvalues. The SLQ runs already give Ritz values θ_min, θ_max with residuals
‖H x − θ x‖ (for symmetric H some eigenvalue lies within that residual of θ). When a residual is
too large, :func:`refine_extremes` restarts Lanczos explicitly from the sum of the two extreme
Ritz vectors of those runs (full reorthogonalization): that Krylov space already contains good
approximations of both extreme eigenvectors and improves them together (explicit restart,
Saad, "Numerical Methods for Large Eigenvalue Problems", 2nd ed., SIAM 2011), typically in a
handful of products where a cold start needs dozens. Implicitly restarted Lanczos (ARPACK through
``scipy.sparse.linalg.eigsh`` on a LinearOperator, :func:`extreme_eigenvalues`) is the fallback
and the general routine, with the residual of each Ritz pair reported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse.linalg as spla

from qmlc.compiler.results import Result

# Ghorbani et al. (2019), Sec. 2 / Appendix: Gaussian kernel variance on the [−1, 1]-rescaled
# spectrum.
GHORBANI_SIGMA2 = 1e-5
# A Lanczos basis (m·n float64, one probe at a time) kept for full reorthogonalization up to this size.
REORTH_MEMORY_BYTES = 1 << 30
# A Lanczos β below this fraction of the running ‖T‖ means the Krylov space is exhausted.
BREAKDOWN_TOL = 1e-10

Matvec = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class LanczosRun:
    """One Lanczos run: T = tridiag(beta, alpha, beta), ``steps`` = len(alpha); ``beta_next`` is
    ‖r‖ of the residual left after the last step (0 when the Krylov space was exhausted)."""

    alpha: np.ndarray
    beta: np.ndarray
    reorthogonalized: bool
    beta_next: float = 0.0
    basis: np.ndarray | None = None   # the Lanczos vectors (rows), when asked to keep them

    @property
    def steps(self) -> int:
        return int(self.alpha.size)

    @functools.cached_property
    def _eigh(self) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues (ascending) and eigenvectors of T, shared by the Ritz pairs below."""
        return sla.eigh_tridiagonal(self.alpha, self.beta)

    def ritz(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nodes θ_j (eigenvalues of T, ascending), Gauss weights τ_j = (y_j[0])² and the Ritz
        residuals ‖H x_j − θ_j x_j‖ = β_next·|y_j[−1]| (exact in exact arithmetic; Parlett,
        "The Symmetric Eigenvalue Problem", 1998, Sec. 13.2)."""
        if self.steps == 1:
            return self.alpha.copy(), np.ones(1), np.array([self.beta_next])
        nodes, vectors = self._eigh
        return nodes, vectors[0] ** 2, self.beta_next * np.abs(vectors[-1])

    def extreme_ritz_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit Ritz vectors x = Q y of the smallest and largest Ritz values (needs ``basis``)."""
        if self.basis is None:
            raise ValueError("the Lanczos basis was not kept")
        if self.steps == 1:
            return self.basis[0].copy(), self.basis[0].copy()
        _, vectors = self._eigh
        out = self.basis[:self.steps].T @ vectors[:, [0, -1]]
        return tuple(x / np.linalg.norm(x) for x in out.T)


def _extremes_converged(alpha: list, beta: list, beta_next: float, tol: float) -> bool:
    """Both extreme Ritz residuals β_next·|y[−1]| at most ``tol``·max|θ|."""
    if len(alpha) < 2:
        return False
    nodes, vectors = sla.eigh_tridiagonal(np.asarray(alpha), np.asarray(beta))
    scale = max(abs(nodes[0]), abs(nodes[-1]), np.finfo(float).tiny)
    return beta_next * max(abs(vectors[-1, 0]), abs(vectors[-1, -1])) <= tol * scale


def lanczos(matvec: Matvec, start: np.ndarray, steps: int, reorthogonalize: bool = True,
            keep_basis: bool = False, extremes_tol: float | None = None) -> LanczosRun:
    """``steps`` Lanczos steps on a symmetric operator from ``start`` (normalized here).

    Stops early when the Krylov space is exhausted (β < ``BREAKDOWN_TOL``·‖T‖), as it must for
    n ≤ steps, and, given ``extremes_tol``, as soon as both extreme Ritz residuals are at most
    that fraction of max|θ|. With ``reorthogonalize`` every new vector is orthogonalized twice
    against all previous ones (full reorthogonalization); ``keep_basis`` (which needs it) keeps
    the Lanczos vectors on the result.
    """
    q = np.asarray(start, dtype=float)
    q = q / np.linalg.norm(q)
    basis = np.empty((steps, q.size)) if reorthogonalize else None
    if reorthogonalize:
        basis[0] = q
    alpha, beta = [], []
    q_prev, b_prev, scale = np.zeros_like(q), 0.0, 0.0
    for j in range(steps):
        w = np.asarray(matvec(q), dtype=float)
        a = float(q @ w)
        w = w - a * q - b_prev * q_prev
        if reorthogonalize:
            Q = basis[:j + 1]
            for _ in range(2):
                w = w - Q.T @ (Q @ w)
        alpha.append(a)
        b = float(np.linalg.norm(w))
        scale = max(scale, abs(a) + b + b_prev)
        if b <= BREAKDOWN_TOL * max(scale, np.finfo(float).tiny):
            b = 0.0
            break
        if j == steps - 1 or (extremes_tol is not None
                              and _extremes_converged(alpha, beta, b, extremes_tol)):
            break
        beta.append(b)
        q_prev, q, b_prev = q, w / b, b
        if reorthogonalize:
            basis[j + 1] = q
    kept = basis[:len(alpha)] if keep_basis and reorthogonalize else None
    return LanczosRun(np.asarray(alpha), np.asarray(beta), reorthogonalize, b, kept)


def rademacher_probes(n: int, count: int, seed: int) -> np.ndarray:
    """``count`` independent Rademacher vectors of length n (rows), from ``seed``."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1.0, 1.0]), size=(count, n))


@dataclass(frozen=True)
class SpectralDensity(Result):
    """The SLQ estimate φ̂ of a symmetric operator's spectral measure (module docstring).

    ``nodes[l]``, ``weights[l]``, ``residuals[l]``: Gauss nodes, weights and Ritz residuals of
    probe l (each row's weights sum to 1); ``lengths[l]`` its Lanczos steps (a run stops early when
    its Krylov space is exhausted; the rest of its row is padding with weight 0). ``steps`` is the
    Lanczos steps asked for.
    """

    n: int
    probes: int
    steps: int
    seed: int
    reorthogonalized: bool
    nodes: np.ndarray
    weights: np.ndarray
    residuals: np.ndarray
    lengths: np.ndarray
    method: str = ("stochastic Lanczos quadrature (Ubaru, Chen, Saad 2017; Ghorbani, Krishnan, "
                   "Xiao 2019): Rademacher probes, Gauss quadrature of each Lanczos tridiagonal")

    def expectation(self, f: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
        """(estimate, standard error) of (1/n) tr f(H) = ∫ f dφ: mean and s/√p over probes."""
        per_probe = np.sum(self.weights * f(self.nodes), axis=1)
        mean = float(per_probe.mean())
        err = float(per_probe.std(ddof=1) / np.sqrt(self.probes)) if self.probes > 1 else np.inf
        return mean, err

    def moment(self, k: int) -> tuple[float, float]:
        """(estimate, standard error) of tr(H^k)/n; exact quadrature for k ≤ 2·steps − 1."""
        return self.expectation(lambda x: x**k)

    def fraction(self, predicate: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
        """(estimate, standard error) of the fraction of eigenvalues λ with predicate(λ)."""
        return self.expectation(lambda x: np.asarray(predicate(x), dtype=float))

    def below_bounds(self, x: float) -> tuple[float, float]:
        """Rigorous bracket of the SLQ estimate of the fraction of eigenvalues < x.

        For each probe's measure μ_l the Chebyshev–Markov–Stieltjes inequalities of Gauss
        quadrature (Golub & Meurant 2010, Sec. 6.2; Akhiezer, "The Classical Moment Problem",
        1965) give Σ_{θ_j < θ_k} τ_j ≤ μ_l((−∞, θ_k)) and μ_l((−∞, θ_k]) ≤ Σ_{θ_j ≤ θ_k} τ_j, so
        μ_l((−∞, x)) lies within the Gauss sum Σ_{θ_j < x} τ_j minus the weight of the node just
        below x and plus the weight of the node at or just above x; averaged over probes. Its
        width is what Lanczos cannot resolve near x."""
        lower = upper = 0.0
        for l in range(self.probes):
            theta = self.nodes[l, :self.lengths[l]]
            tau = self.weights[l, :self.lengths[l]]
            order = np.argsort(theta)
            theta, tau = theta[order], tau[order]
            k = int(np.searchsorted(theta, x, side="left"))  # nodes θ[:k] < x
            gauss = float(tau[:k].sum())
            lower += gauss - (float(tau[k - 1]) if k > 0 else 0.0)
            upper += gauss + (float(tau[k]) if k < theta.size else 0.0)
        return max(lower / self.probes, 0.0), min(upper / self.probes, 1.0)

    def ritz_extremes(self) -> tuple[float, float, float, float]:
        """(θ_min, residual, θ_max, residual): the extreme Ritz values over all probes. For
        symmetric H an eigenvalue lies within the residual of each; with full
        reorthogonalization a small residual at the end of the Ritz spectrum means λ_min/λ_max."""
        live = np.arange(self.nodes.shape[1])[None, :] < self.lengths[:, None]
        nodes = np.where(live, self.nodes, np.nan)
        lo = np.unravel_index(np.nanargmin(nodes), nodes.shape)
        hi = np.unravel_index(np.nanargmax(nodes), nodes.shape)
        return (float(self.nodes[lo]), float(self.residuals[lo]), float(self.nodes[hi]),
                float(self.residuals[hi]))

    def smoothed(self, grid: np.ndarray, sigma: float) -> np.ndarray:
        """φ̂ convolved with a Gaussian of standard deviation σ, on ``grid`` (integrates to 1)."""
        grid = np.asarray(grid, dtype=float)
        nodes, weights = self.nodes.ravel(), self.weights.ravel() / self.probes
        keep = weights > 0
        z = (grid[:, None] - nodes[keep][None, :]) / sigma
        return np.exp(-0.5 * z**2) @ weights[keep] / (sigma * np.sqrt(2 * np.pi))


def ghorbani_sigma(lower: float, upper: float) -> float:
    """Kernel width σ on the original scale for σ² = ``GHORBANI_SIGMA2`` on the [−1, 1] scale."""
    half_width = max(0.5 * (upper - lower), np.finfo(float).tiny)
    return float(np.sqrt(GHORBANI_SIGMA2) * half_width)


@dataclass(frozen=True, eq=False)
class SLQRun:
    """An SLQ density with the unit Ritz vectors of its extreme Ritz values (the probe runs
    holding ``density.ritz_extremes()``; None without reorthogonalization, whose basis is not
    kept), the start of :func:`refine_extremes`."""

    density: SpectralDensity
    lo_vector: np.ndarray | None
    hi_vector: np.ndarray | None


def slq_density(matvec: Matvec, n: int, probes: int = 4, steps: int = 60, seed: int = 0,
                reorthogonalize: bool | None = None) -> SpectralDensity:
    """SLQ spectral density of a symmetric n×n operator from ``probes`` Rademacher vectors and
    ``steps`` Lanczos steps each (full reorthogonalization when it fits in memory, see the module
    docstring; ``reorthogonalize`` forces the choice)."""
    return slq_run(matvec, n, probes, steps, seed, reorthogonalize, ritz_vectors=False).density


def slq_run(matvec: Matvec, n: int, probes: int = 4, steps: int = 60, seed: int = 0,
            reorthogonalize: bool | None = None, ritz_vectors: bool = True) -> SLQRun:
    """:func:`slq_density` and, with ``ritz_vectors`` and full reorthogonalization, the Ritz
    vectors of the extreme Ritz values over all probes (one basis kept at a time)."""
    if probes < 1 or steps < 1:
        raise ValueError("probes and steps must be >= 1")
    if reorthogonalize is None:
        reorthogonalize = 8 * n * min(steps, n) <= REORTH_MEMORY_BYTES
    nodes = np.zeros((probes, min(steps, n)))
    weights = np.zeros_like(nodes)
    residuals = np.zeros_like(nodes)
    lengths = np.zeros(probes, dtype=int)
    keep = ritz_vectors and reorthogonalize
    lo = hi = None   # (Ritz value, unit vector) of the extremes so far
    for l, v in enumerate(rademacher_probes(n, probes, seed)):
        run = lanczos(matvec, v, min(steps, n), reorthogonalize, keep_basis=keep)
        theta, tau, res = run.ritz()
        size = lengths[l] = theta.size
        nodes[l, :size], weights[l, :size], residuals[l, :size] = theta, tau, res
        nodes[l, size:] = theta[-1]  # padding: weight 0, any finite value
        if keep:
            x_lo, x_hi = run.extreme_ritz_vectors()
            if lo is None or theta[0] < lo[0]:
                lo = (theta[0], x_lo)
            if hi is None or theta[-1] > hi[0]:
                hi = (theta[-1], x_hi)
    density = SpectralDensity(n=n, probes=probes, steps=steps, seed=seed,
                              reorthogonalized=bool(reorthogonalize), nodes=nodes,
                              weights=weights, residuals=residuals, lengths=lengths)
    return SLQRun(density, lo[1] if keep else None, hi[1] if keep else None)


@dataclass(frozen=True)
class ExtremeEigenvalues(Result):
    """λ_min and λ_max of a symmetric operator with the residual ‖H x − λ x‖ of each Ritz pair."""

    lambda_min: float
    lambda_max: float
    residual_min: float
    residual_max: float
    matvecs: int
    method: str


def refine_extremes(matvec: Matvec, vectors: list[np.ndarray], tol: float,
                    max_steps: int = 40) -> ExtremeEigenvalues | None:
    """λ_min, λ_max by Lanczos (full reorthogonalization) restarted from the sum of approximate
    extreme eigenvectors (module docstring), stopped as soon as both extreme Ritz residuals are
    at most ``tol``·max|θ|; None when ``max_steps`` do not get there."""
    units = [np.asarray(x, dtype=float) / np.linalg.norm(x) for x in vectors]
    start = sum(units)
    if np.linalg.norm(start) < 1e-8:      # opposite vectors cancel: restart from one of them
        start = units[0]
    n = start.size
    run = lanczos(matvec, start, min(max_steps, n), reorthogonalize=True, extremes_tol=tol)
    nodes, _, residuals = run.ritz()
    scale = max(abs(nodes[0]), abs(nodes[-1]), np.finfo(float).tiny)
    if max(residuals[0], residuals[-1]) > tol * scale and run.beta_next > 0:
        return None
    return ExtremeEigenvalues(float(nodes[0]), float(nodes[-1]), float(residuals[0]),
                              float(residuals[-1]), run.steps,
                              f"Lanczos restarted from the extreme Ritz vectors ({run.steps} "
                              "steps, full reorthogonalization)")


def extreme_eigenvalues(matvec: Matvec, n: int, tol: float = 1e-10, seed: int = 0,
                        maxiter: int | None = None,
                        v0: np.ndarray | None = None) -> ExtremeEigenvalues:
    """λ_min, λ_max by implicitly restarted Lanczos (ARPACK ``eigsh``, which = 'SA' and 'LA'),
    started from ``v0`` (default: a random vector from ``seed``)."""
    count = [0]

    def counted(v: np.ndarray) -> np.ndarray:
        count[0] += 1
        return np.asarray(matvec(np.asarray(v, dtype=float).ravel()), dtype=float)

    if n <= 2:  # ARPACK needs k < n: a 1×1 or 2×2 operator is written out
        dense = np.column_stack([counted(e) for e in np.eye(n)])
        eig = np.linalg.eigvalsh(0.5 * (dense + dense.T))
        return ExtremeEigenvalues(float(eig[0]), float(eig[-1]), 0.0, 0.0, count[0], "dense (n <= 2)")
    op = spla.LinearOperator((n, n), matvec=counted, dtype=float)
    if v0 is None:
        v0 = np.random.default_rng(seed).standard_normal(n)
    values, residuals = [], []
    for which in ("SA", "LA"):
        lam, vec = spla.eigsh(op, k=1, which=which, v0=v0, tol=tol, maxiter=maxiter,
                              ncv=min(n, 40))
        x = vec[:, 0]
        values.append(float(lam[0]))
        residuals.append(float(np.linalg.norm(counted(x) - lam[0] * x)))
    return ExtremeEigenvalues(values[0], values[1], residuals[0], residuals[1], count[0],
                              "implicitly restarted Lanczos (ARPACK eigsh, which = SA and LA)")


__all__ = ["GHORBANI_SIGMA2", "REORTH_MEMORY_BYTES", "ExtremeEigenvalues", "LanczosRun",
           "SLQRun", "SpectralDensity", "extreme_eigenvalues", "ghorbani_sigma", "lanczos",
           "rademacher_probes", "refine_extremes", "slq_density", "slq_run"]
