"""What an estimate is asked for: bare parameters (n, T, N, s, ε, …) or a model spec, validated
and turned into the structural inputs of :mod:`qmlc.estimators.logical`.

From a spec (kinds ``polynomial-map``, ``sparse-network``): the exact statistics of the G tensors
(:func:`qmlc.compiler.structure.polymap_g_stats`) — never the explicit history matrix — and κ from
the dissipation analysis of G_1 (or a given κ). A ``sparse-network`` too large for the exact
Taylor tensors (n above :func:`qmlc.compiler.network_spec.explicit_limit`) is measured instead
(:func:`request_from_network`): its inputs come from
:func:`qmlc.compiler.network_statistics.network_statistics` (connectivity, gradient, Hessian
spectra along the T steps, a sampled ∇³L norm), G_2 is never formed, and every measured input
with its status (exact, bound, estimate) travels as ``model_statistics`` into the estimate's
assumptions.

From parameters: a quadratic map with s nonzeros per row of each G_ℓ (ℓ ≥ 1), |entries| ≤ 1,
column sparsity = row sparsity, G_0 dense with ‖G_0‖₂ given (default 1), κ given or the
contractive-lift bound 2(T+1).

Errors name the parameter (``n``, ``row_sparsity``, …) and its allowed range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from qmlc.circuits.bloqs.data_access import DATA_ACCESS_MODELS as DATA_ACCESS
from qmlc.circuits.bloqs.history_terms import FactorStats
from qmlc.compiler import limits
from qmlc.compiler.dissipation import MAX_AMPLIFICATION, analyze_dissipation
from qmlc.compiler.errors import NonDissipativeError, UsageError
from qmlc.compiler.network_spec import NetworkProblem, as_network_problem, explicit_limit
from qmlc.compiler.network_statistics import NetworkStatistics, network_statistics
from qmlc.compiler.pipeline import lower_to_polymap, order_and_steps
from qmlc.compiler.spec import ModelSpec
from qmlc.compiler.structure import geometric_sum, history_structure, polymap_g_stats
from qmlc.compiler.truncation_bound import infinity_norms
from qmlc.estimators.estimate import (
    ResourceEstimate,
    SolverComparison,
    compare_solvers,
    estimate_resources,
)
from qmlc.estimators.logical import (
    ALGORITHMS,
    ALL,
    StructuralInputs,
    polymap_inputs,
    structural_inputs,
)

FLAG_DEGREE = 2
MAX_ORDER = limits.MAX_ORDER


@dataclass(frozen=True)
class EstimateOptions:
    """The choices every estimate takes, validated: solver (a QLSA cost model of
    :mod:`qmlc.circuits.bloqs.qlsa_models`, or ``all`` for every model side by side), data
    access, physical model inputs."""

    algorithm: str = "qsvt"
    data_access: str = "qram"
    physical_error_rate: float = 1e-3
    error_budget: float = 1e-2
    kappa: float | None = None
    sweep: bool = False
    breakdown: bool = False

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS + (ALL,):
            raise UsageError(f"algorithm = {self.algorithm!r}: use one of "
                             f"{', '.join(ALGORITHMS + (ALL,))}", field="algorithm")
        if self.data_access not in DATA_ACCESS:
            raise UsageError(f"data_access = {self.data_access!r}: use one of "
                             f"{', '.join(DATA_ACCESS)}", field="data_access")
        p = _real(self.physical_error_rate, "physical_error_rate")
        if not 0 < p < 0.01:
            raise UsageError(f"physical_error_rate = {p:g}: must be in (0, 0.01) (below the "
                             "surface-code threshold)", field="physical_error_rate")
        budget = _real(self.error_budget, "error_budget")
        if not 0 < budget < 1:
            raise UsageError(f"error_budget = {budget:g}: must be in (0, 1)", field="error_budget")
        _kappa(self.kappa)


def _real(value: object, name: str) -> float:
    """A finite real library argument (a UsageError naming it otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{name} = {value!r}: must be a number", field=name)
    if not math.isfinite(value):
        raise UsageError(f"{name} = {value}: must be finite", field=name)
    return float(value)


def _kappa(kappa: object) -> float | None:
    if kappa is None:
        return None
    kappa = _real(kappa, "kappa")
    if not limits.MIN_KAPPA <= kappa <= limits.MAX_KAPPA:
        raise UsageError(f"kappa = {kappa:g}: a condition number must be "
                         f"{limits.interval(limits.MIN_KAPPA, limits.MAX_KAPPA)}", field="kappa")
    return kappa


def _integer(value: float | None, name: str, minimum: int, maximum: int) -> int | None:
    """An integer given as a number (flags are read as floats so that 1e8 works)."""
    if value is None:
        return None
    value = _real(value, name)
    if value != int(value) or not minimum <= value <= maximum:
        raise UsageError(f"{name} = {value:g}: must be an integer "
                         f"{limits.interval(minimum, maximum)}", field=name)
    return int(value)


def _order(order: int | None) -> int | None:
    if order is None:
        return None
    if isinstance(order, bool) or not isinstance(order, int) or not (
            limits.MIN_ORDER <= order <= limits.MAX_ORDER):
        raise UsageError(f"order = {order}: must be an integer "
                         f"{limits.interval(limits.MIN_ORDER, limits.MAX_ORDER)}", field="order")
    return order


def _epsilon(eps: float | None) -> float | None:
    if eps is None:
        return None
    eps = _real(eps, "epsilon")
    if not limits.MIN_EPSILON <= eps < limits.MAX_EPSILON:
        raise UsageError(f"epsilon = {eps:g}: must be in [{limits.MIN_EPSILON:g}, 1) (a target "
                         "error below 1e-15 is beneath float64 resolution)", field="epsilon")
    return eps


def flag_inputs(n: int, order: int, row_sparsity: int, g0_norm: float = 1.0) -> StructuralInputs:
    """Structural inputs for a quadratic map with s nonzeros per row, entries ≤ 1."""
    factors = {ell: FactorStats(row_sparsity, row_sparsity, 1.0, n * row_sparsity)
               for ell in range(1, FLAG_DEGREE + 1)}
    source = (f"flags: quadratic map G_0..G_{FLAG_DEGREE}, {row_sparsity} nonzeros per row of "
              f"each G_l (l >= 1) and per first column digit, |entries| <= 1; G_0 dense with "
              f"||G_0||_2 = {g0_norm:g} (loaded by amplitude)")
    return structural_inputs(factors, g0_norm, n, order, source)


@dataclass(frozen=True)
class EstimateRequest:
    """A validated request: the structure and sizes an estimate is computed for, before any
    option (solver, data access, physical model) is chosen. One request serves many estimates
    (every solver × data-access model, other error rates) without re-reading a spec.

    ``factor_nnz``: stored nonzeros of each G_ℓ (ℓ ≥ 1) and of G_0 (key 0); ``g_norms``:
    ‖G_ℓ‖_∞ (largest absolute row sum) for ℓ = 0..d and ``u0_norm`` = ‖u_0‖_∞ — exact for a
    spec; for flags the bounds the flag model implies (‖G_0‖_∞ ≤ ‖G_0‖₂, ‖G_ℓ‖_∞ ≤ s·1) and
    u_0 = 0 (the map expanded at the initial weights); for a measured network the bounds of
    :func:`network_g_norms`. ``polymap``: the spec's polynomial map (None for flags and measured
    networks). ``model_statistics``: the inputs measured on a network and their status, added
    to every estimate's assumptions (None unless measured); ``dissipation``: the
    :class:`~qmlc.compiler.dissipation_trace.DissipationTrace` those were measured along (the
    report's Fig. 2-style section).
    """

    inputs: StructuralInputs
    n: int
    steps: int
    eps: float
    kappa: float
    kappa_source: str
    source: str
    factor_nnz: dict
    g_norms: list
    u0_norm: float
    kappa_details: dict | None = None
    polymap: object = field(default=None, compare=False, repr=False)
    spec: ModelSpec | None = field(default=None, compare=False, repr=False)
    model_statistics: dict | None = field(default=None, compare=False, repr=False)
    model_structure: dict | None = field(default=None, compare=False, repr=False)
    dissipation: object = field(default=None, compare=False, repr=False)


def request_from_parameters(n: float, steps: float, order: int, row_sparsity: float,
                            epsilon: float, gradient_norm: float = 1.0,
                            kappa: float | None = None) -> EstimateRequest:
    """Validated bare parameters (see the module docstring for the map they stand for)."""
    for name, value in (("n", n), ("steps", steps), ("order", order),
                        ("row_sparsity", row_sparsity), ("epsilon", epsilon)):
        if value is None:
            raise UsageError(f"{name} is required for an estimate from parameters", field=name)
    n_int = _integer(n, "n", limits.MIN_N, limits.MAX_N)
    steps_int = _integer(steps, "steps", limits.MIN_STEPS, limits.MAX_STEPS)
    order = _order(order)
    sparsity = _integer(row_sparsity, "row_sparsity", 1, limits.MAX_N)
    if sparsity > n_int:
        raise UsageError(f"row_sparsity = {sparsity} exceeds n = {n_int}: at most n nonzeros "
                         "fit in a row", field="row_sparsity")
    eps = _epsilon(epsilon)
    gradient_norm = _real(gradient_norm, "gradient_norm")
    if not 0 <= gradient_norm <= limits.MAX_GRADIENT_NORM:
        raise UsageError(f"gradient_norm = {gradient_norm:g}: must be a norm "
                         f"{limits.interval(0.0, limits.MAX_GRADIENT_NORM)}",
                         field="gradient_norm")
    kappa = _kappa(kappa)
    inputs = flag_inputs(n_int, order, sparsity, gradient_norm)
    if kappa is not None:
        source = "given (--kappa)"
    else:
        kappa = 2.0 * (steps_int + 1)
        source = "bound 2(T+1) for a contractive lift (kappa <= (1+||M||)(T+1), ||M|| <= 1)"
    nnz = {0: n_int} | {ell: n_int * sparsity for ell in range(1, FLAG_DEGREE + 1)}
    norms = [float(gradient_norm)] + [float(sparsity)] * FLAG_DEGREE
    return EstimateRequest(inputs=inputs, n=n_int, steps=steps_int, eps=eps, kappa=kappa,
                           kappa_source=source, source="flags", factor_nnz=nnz, g_norms=norms,
                           u0_norm=0.0)


def _spec_overrides(spec: ModelSpec, order: int | None, steps: float | None,
                    epsilon: float | None, kappa: float | None
                    ) -> tuple[int, int, float, float | None]:
    """Validated (order, steps, epsilon, kappa): each override where given, else the spec's."""
    spec_order, spec_steps = order_and_steps(spec)
    return (_order(order) or spec_order,
            _integer(steps, "steps", limits.MIN_STEPS, limits.MAX_STEPS) or spec_steps,
            _epsilon(epsilon) or spec.model.epsilon, _kappa(kappa))


def request_from_spec(spec: ModelSpec, order: int | None = None, steps: float | None = None,
                      epsilon: float | None = None, kappa: float | None = None) -> EstimateRequest:
    """A Carleman spec's request; ``order``, ``steps``, ``epsilon`` override the spec's. A
    sparse network above the explicit limits is measured (:func:`request_from_network`)."""
    if spec.kind == "sparse-network":
        problem = as_network_problem(spec, explicit=False)
        if problem.n > explicit_limit(problem.taylor_order):
            return request_from_network(spec, problem, order, steps, epsilon, kappa)
    order, steps, eps, kappa = _spec_overrides(spec, order, steps, epsilon, kappa)
    polymap = lower_to_polymap(spec)
    g_stats = polymap_g_stats(polymap.G)
    inputs = polymap_inputs(polymap.G, order,
                            f"{spec.path}: exact statistics of G_0..G_{polymap.degree}")
    details: dict = {}
    try:
        details["structural_bound"] = history_structure(g_stats, polymap.n, order,
                                                        steps).kappa_bound
    except OverflowError:
        details["structural_bound"] = math.inf
    if kappa is not None:
        source = "given (--kappa)"
    else:
        kappa, source, details["dissipation"] = _kappa_from_dissipation(spec, polymap, steps)
    nnz = {ell: int(stats.nnz) for ell, stats in enumerate(g_stats)}
    return EstimateRequest(inputs=inputs, n=polymap.n, steps=steps, eps=eps, kappa=kappa,
                           kappa_source=source, source=str(spec.path), factor_nnz=nnz,
                           g_norms=infinity_norms(polymap.G),
                           u0_norm=float(np.abs(polymap.u0).max(initial=0.0)),
                           kappa_details=details, polymap=polymap, spec=spec)


def request_from_network(spec: ModelSpec, problem: NetworkProblem | None = None,
                         order: int | None = None, steps: float | None = None,
                         epsilon: float | None = None, kappa: float | None = None
                         ) -> EstimateRequest:
    """A sparse network's request from statistics measured on the model itself, without the
    Taylor tensors (module docstring; what is exact and what is a bound:
    :mod:`qmlc.compiler.network_statistics`). κ from the largest ρ(G_1(θ_t)) over the T steps
    in the contractive-lift formula of the explicit path; refused when ρ^T exceeds
    ``MAX_AMPLIFICATION`` unless κ is given."""
    problem = problem or as_network_problem(spec, explicit=False)
    order, steps, eps, kappa = _spec_overrides(spec, order, steps, epsilon, kappa)
    stats = network_statistics(problem, steps)
    factors = network_factor_stats(stats)
    source = (f"{spec.path}: statistics measured on the model (n = {problem.n}): G_1 sparsity "
              "exact from connectivity, norms from Lanczos extremes and the gradient"
              + (", G_2 by the stated bound" if 2 in factors else ""))
    inputs = structural_inputs(factors, stats.g0_norm, problem.n, order, source)
    rho = stats.rho_max
    details = {"checkpoints": [{"step": s.step, "lambda_min": s.lambda_min,
                                "lambda_max": s.lambda_max,
                                "g1_spectral_radius": s.g1_spectral_radius,
                                "divergent_fraction": s.divergent_fraction,
                                "divergent_stderr": s.divergent_stderr,
                                "classification": s.classification}
                               for s in stats.trace.snapshots],
               "rho_max": rho, "rho_max_step": stats.rho_max_step,
               "amplification_over_horizon": rho**steps,
               "rule": f"refused when rho_max^T > {MAX_AMPLIFICATION:g} (kappa exponential in "
                       "T); the explicit path's minority-of-expanding-modes condition is not "
                       "applied: SLQ does not resolve the sign of eigenvalues inside the "
                       "near-zero bulk (divergent fractions listed per checkpoint)"}
    if kappa is not None:
        kappa_source = "given (--kappa)"
    else:
        if rho**steps > MAX_AMPLIFICATION:
            raise NonDissipativeError(
                f"{spec.path}: Hessian spectra along {steps} steps give rho(G1) = {rho:.4g} "
                f"(step {stats.rho_max_step}), amplification rho^T = {rho**steps:.3g} > "
                f"{MAX_AMPLIFICATION:g}: kappa grows exponentially in T; lower the learning "
                "rate or steps, or give kappa explicitly to estimate anyway")
        kappa = _contractive_kappa(rho, steps, spec)
        kappa_source = (f"from the model's Hessian spectra along its {steps} training steps: "
                        f"largest rho(G1) = {rho:.4g} (step {stats.rho_max_step}) in place of "
                        "||M||: (1+rho)*sum_t rho^t")
    nnz = {0: stats.g0_nnz, 1: stats.g1_nnz}
    if 2 in factors:
        nnz[2] = stats.g2_nnz_bound
    structure = {"g1_row_sparsity": stats.g1_row_sparsity, "g1_nnz": stats.g1_nnz,
                 "hessian_rows": stats.structure.to_dict()}
    if 2 in factors:
        structure["g2_row_sparsity_bound"] = stats.g2_row_sparsity_bound
    return EstimateRequest(inputs=inputs, n=problem.n, steps=steps, eps=eps, kappa=kappa,
                           kappa_source=kappa_source, source=str(spec.path), factor_nnz=nnz,
                           g_norms=network_g_norms(stats), u0_norm=stats.u0_norm,
                           kappa_details=details, spec=spec,
                           model_statistics=_model_assumptions(stats),
                           model_structure=structure, dissipation=stats.trace)


def network_factor_stats(stats: NetworkStatistics) -> dict[int, FactorStats]:
    """FactorStats of G_1 (and G_2) from measured network statistics (see
    :mod:`qmlc.compiler.network_statistics` for what is exact and what is a bound)."""
    s1 = stats.g1_row_sparsity
    factors = {1: FactorStats(s1, s1, stats.g1_max_abs_bound, stats.g1_nnz)}
    if stats.taylor_order == 3:
        s2 = stats.g2_row_sparsity_bound
        factors[2] = FactorStats(s2, s2, stats.g2_max_abs_bound, stats.g2_nnz_bound)
    return factors


def network_g_norms(stats: NetworkStatistics) -> list[float]:
    """‖G_ℓ‖_∞ (largest absolute row sum) of a measured network, ℓ = 0..d: ‖G_0‖_∞ =
    η max_i |∂_i L(θ0)| exactly; for ℓ ≥ 1 a row with at most s nonzeros has ℓ1 norm ≤ √s times
    its ℓ2 norm (Cauchy–Schwarz), which is at most ‖G_1‖₂ for G_1 and at most ‖G_2‖_F =
    (η/2)‖∇³L‖_F for G_2: ‖G_1‖_∞ ≤ √s_1 ‖G_1‖₂ (a bound from the Lanczos extremes) and
    ‖G_2‖_∞ ≤ √s_2 (η/2)‖∇³L‖_F (an estimate of a bound: the sampled Frobenius norm plus three
    standard errors, as in ``g2_max_abs_bound``)."""
    norms = [stats.g0_max_abs, math.sqrt(stats.g1_row_sparsity) * stats.g1_max_abs_bound]
    if stats.taylor_order == 3:
        norms.append(math.sqrt(stats.g2_row_sparsity_bound) * stats.g2_max_abs_bound)
    return norms


def _model_assumptions(stats: NetworkStatistics) -> dict:
    structure = stats.structure
    out = {
        "g0_norm": {"value": stats.g0_norm, "status": "exact: eta * ||grad L(theta0)||_2"},
        "g0_nnz": {"value": stats.g0_nnz, "status": "exact: nonzero entries of the gradient"},
        "g1_row_sparsity": {
            "value": stats.g1_row_sparsity, "status": "exact (structural)",
            "how": "connectivity rule of qmlc.compiler.hessian_structure (generic weights and "
                   f"data): H rows max {structure.hessian_max_row}, mean "
                   f"{structure.hessian_mean_row:.1f}, {structure.empty_rows} structurally empty; "
                   "G1 adds its diagonal; column sparsity = row sparsity (symmetric)"},
        "g1_max_abs": {"value": stats.g1_max_abs_bound,
                       "status": "bound: |entry| <= ||G1||_2 = max(|1 - eta*lambda_min|, "
                                 "|1 - eta*lambda_max|) at theta0, from the Lanczos extreme "
                                 "Ritz values plus eta * their larger residual (an upper bound "
                                 "when they approximate the extreme eigenvalues)"},
        "g_inf_norms": {"value": network_g_norms(stats),
                        "status": "||G_0||_inf exact; ||G_1||_inf <= sqrt(s_1) ||G_1||_2 "
                                  "(bound); ||G_2||_inf <= sqrt(s_2) ||G_2||_F (estimate of a "
                                  "bound)"},
        "u0_norm": {"value": stats.u0_norm,
                    "status": "exact: max |theta_init - theta0| (0 when expanded at the "
                              "initial weights)"},
        "kappa": {"value": stats.rho_max,
                  "status": "largest rho(G1(theta_t)) over the checkpoints of "
                            f"{stats.steps} gradient-descent steps (every "
                            f"{stats.trace.every}), in the contractive-lift bound"},
        "spectra": stats.trace.definitions["density"],
        "hessian_vector_products": stats.trace.hessian_vector_products,
        "seconds": stats.seconds,
    }
    if stats.taylor_order == 3:
        out["g2_row_sparsity"] = {"value": stats.g2_row_sparsity_bound,
                                  "status": "bound: " + structure.g2_bound}
        out["g2_nnz"] = {"value": stats.g2_nnz_bound, "status": "bound: sum_a s_a^2"}
        out["g2_max_abs"] = {
            "value": stats.g2_max_abs_bound,
            "status": "estimate of a bound: (eta/2) * (||grad^3 L||_F + 3 stderr), Frobenius "
                      "norm by nested Hutchinson sampling "
                      f"({stats.third_frobenius:.4g} +- {stats.third_frobenius_stderr:.2g})"}
    return out


def estimate_request(request: EstimateRequest, options: EstimateOptions = EstimateOptions()
                     ) -> ResourceEstimate | SolverComparison:
    """The estimate of a request under the chosen options: one QLSA model's, or every model's
    side by side for ``all``; a measured network's statistics join every estimate's
    assumptions (``model_statistics``) and structure."""
    rest = (options.data_access, request.n, request.steps, request.kappa, request.kappa_source,
            request.eps, options.physical_error_rate, options.error_budget)
    common = {"sweep": options.sweep, "kappa_details": request.kappa_details,
              "source": request.source}
    if options.algorithm == ALL:
        report = compare_solvers(request.inputs, *rest, **common)
    else:
        report = estimate_resources(request.inputs, options.algorithm, *rest, **common,
                                    breakdown=options.breakdown)
    if request.model_statistics is None:
        return report
    return _with_model(report, request)


def _with_model(report: ResourceEstimate | SolverComparison, request: EstimateRequest
                ) -> ResourceEstimate | SolverComparison:
    if isinstance(report, SolverComparison):
        return replace(report, estimates=tuple(_with_model(e, request) for e in report.estimates))
    return replace(report, assumptions={**report.assumptions,
                                        "model_statistics": request.model_statistics},
                   structure={**report.structure, **(request.model_structure or {})})


def estimate_from_parameters(n: float, steps: float, order: int, row_sparsity: float,
                             epsilon: float, gradient_norm: float = 1.0,
                             options: EstimateOptions = EstimateOptions()
                             ) -> ResourceEstimate | SolverComparison:
    """Estimate for bare parameters (see the module docstring for the map they stand for)."""
    return estimate_request(request_from_parameters(n, steps, order, row_sparsity, epsilon,
                                                    gradient_norm, options.kappa), options)


def estimate_from_spec(spec: ModelSpec, order: int | None = None, steps: float | None = None,
                       epsilon: float | None = None,
                       options: EstimateOptions = EstimateOptions()
                       ) -> ResourceEstimate | SolverComparison:
    """Estimate for a Carleman spec; ``order``, ``steps``, ``epsilon`` override the spec's."""
    return estimate_request(request_from_spec(spec, order, steps, epsilon, options.kappa),
                            options)


def _kappa_from_dissipation(spec: ModelSpec, polymap, steps: int) -> tuple[float, str, dict]:
    report = analyze_dissipation(polymap.G[1], steps)
    if report.classification == "non-dissipative":
        raise NonDissipativeError(
            f"{spec.path}: non-dissipative dynamics (spectral radius of G1 = "
            f"{report.spectral_radius:.4g}): κ grows like ρ^T and the estimate is meaningless; "
            "give kappa explicitly to estimate anyway")
    rho = report.spectral_radius
    kappa = _contractive_kappa(rho, steps, spec)
    source = (f"estimated from dissipation data ({report.classification}, spectral radius of G1 "
              f"= {rho:.4g} in place of ||M||): (1+rho)*sum_t rho^t")
    return kappa, source, report.to_dict()


def _contractive_kappa(rho: float, steps: int, spec: ModelSpec) -> float:
    """κ ≤ (1 + ‖M‖)·Σ_{t=0}^{T} ‖M‖^t with ρ(G_1) standing in for ‖M‖; refused above
    ``limits.MAX_KAPPA``."""
    geometric = float(steps + 1) if abs(rho - 1) < 1e-12 else geometric_sum(rho, steps)
    kappa = max(1.0, (1 + rho) * geometric)
    if not kappa <= limits.MAX_KAPPA:
        raise NonDissipativeError(
            f"{spec.path}: the estimated condition number (1+rho)·Σ rho^t = {kappa:.3g} over "
            f"{steps} steps (spectral radius of G1 = {rho:.6g}) exceeds "
            f"{limits.MAX_KAPPA:g}; give kappa explicitly or fewer steps")
    return kappa


__all__ = ["DATA_ACCESS", "EstimateOptions", "EstimateRequest", "estimate_from_parameters",
           "estimate_from_spec", "estimate_request", "flag_inputs", "network_factor_stats",
           "network_g_norms", "request_from_network", "request_from_parameters",
           "request_from_spec"]
