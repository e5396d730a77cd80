"""What an estimate is asked for: bare parameters (n, T, N, s, ε, …) or a model spec, validated
and turned into the structural inputs of :mod:`qmlc.estimators.logical`.

From a spec (kinds ``polynomial-map``, ``sparse-network``): the exact statistics of the G tensors
(:func:`qmlc.compiler.structure.polymap_g_stats`) — never the explicit history matrix — and κ from
the dissipation analysis of G_1 (or a given κ). From parameters: a quadratic map with s nonzeros
per row of each G_ℓ (ℓ ≥ 1), |entries| ≤ 1, column sparsity = row sparsity, G_0 dense with
‖G_0‖₂ given (default 1), κ given or the contractive-lift bound 2(T+1).

Errors name the parameter (``n``, ``row_sparsity``, …) and its allowed range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qmlc.circuits.bloqs.history_terms import FactorStats
from qmlc.compiler import limits
from qmlc.compiler.dissipation import analyze_dissipation
from qmlc.compiler.errors import NonDissipativeError, UsageError
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
DATA_ACCESS = ("qram", "qrom", "select-swap")


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
    u_0 = 0 (the map expanded at the initial weights). ``polymap``: the spec's polynomial map
    (None for flags).
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


def request_from_spec(spec: ModelSpec, order: int | None = None, steps: float | None = None,
                      epsilon: float | None = None, kappa: float | None = None) -> EstimateRequest:
    """A Carleman spec's request; ``order``, ``steps``, ``epsilon`` override the spec's."""
    spec_order, spec_steps = order_and_steps(spec)
    order = _order(order) or spec_order
    steps = _integer(steps, "steps", limits.MIN_STEPS, limits.MAX_STEPS) or spec_steps
    eps = _epsilon(epsilon) or spec.model.epsilon
    kappa = _kappa(kappa)
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


def estimate_request(request: EstimateRequest, options: EstimateOptions = EstimateOptions()
                     ) -> ResourceEstimate | SolverComparison:
    """The estimate of a request under the chosen options: one QLSA model's, or every model's
    side by side for ``all``."""
    rest = (options.data_access, request.n, request.steps, request.kappa, request.kappa_source,
            request.eps, options.physical_error_rate, options.error_budget)
    common = {"sweep": options.sweep, "kappa_details": request.kappa_details,
              "source": request.source}
    if options.algorithm == ALL:
        return compare_solvers(request.inputs, *rest, **common)
    return estimate_resources(request.inputs, options.algorithm, *rest, **common,
                              breakdown=options.breakdown)


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
    geometric = float(steps + 1) if abs(rho - 1) < 1e-12 else geometric_sum(rho, steps)
    kappa = max(1.0, (1 + rho) * geometric)
    if not kappa <= limits.MAX_KAPPA:
        raise NonDissipativeError(
            f"{spec.path}: the estimated condition number (1+rho)·Σ rho^t = {kappa:.3g} over "
            f"{steps} steps (spectral radius of G1 = {rho:.6g}) exceeds "
            f"{limits.MAX_KAPPA:g}; give kappa explicitly or fewer steps")
    source = (f"estimated from dissipation data ({report.classification}, spectral radius of G1 "
              f"= {rho:.4g} in place of ||M||): (1+rho)*sum_t rho^t")
    return kappa, source, report.to_dict()


__all__ = ["DATA_ACCESS", "EstimateOptions", "EstimateRequest", "estimate_from_parameters",
           "estimate_from_spec", "estimate_request", "flag_inputs", "request_from_parameters",
           "request_from_spec"]
