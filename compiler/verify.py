"""Classical verification of the Carleman pipeline.

Solves the history system A x = b (unit lower triangular: one sparse forward substitution) for
every truncation order N' = 1..N and compares the recovered trajectory u_0..u_T with

- the true iteration of the polynomial map (isolates the Carleman truncation error), and
- for networks, true gradient descent on the original loss (adds the Taylor-expansion error).

Errors are max-norm over all steps and parameters, absolute and relative to max_t ‖u_t‖_∞.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as spla

from qmlc.compiler.carleman import build_carleman_system
from qmlc.compiler.dissipation import analyze_dissipation
from qmlc.compiler.errors import NonDissipativeError
from qmlc.compiler.network_loss import network_gradient_descent
from qmlc.compiler.pipeline import (
    check_history_size,
    lower_to_polymap,
    order_and_steps,
    predicted_structure,
)
from qmlc.compiler.polymap import PolynomialMap
from qmlc.compiler.progress import task
from qmlc.compiler.results import Result
from qmlc.compiler.spec import ModelSpec


@dataclass(frozen=True)
class OrderCheck:
    order: int
    dim: int
    residual: float  # ‖A x − b‖₂ / ‖b‖₂ of the computed solution x (a check of the solve)
    error_vs_map: float
    relative_error_vs_map: float
    error_vs_gradient_descent: float | None


@dataclass(frozen=True)
class Verification(Result):
    steps: int
    scale: float
    taylor_error_vs_gradient_descent: float | None
    orders: list[OrderCheck]


def solve_history(A, b) -> np.ndarray:
    """Forward substitution on the unit lower-triangular history matrix."""
    return spla.spsolve_triangular(A.tocsr(), b, lower=True, unit_diagonal=True)


def verify_polymap(polymap: PolynomialMap, order: int, steps: int,
                   reference: np.ndarray | None = None, where: str = "model") -> Verification:
    """Truncation error of orders 1..N against the exact map (and an optional reference)."""
    check_history_size(predicted_structure(polymap, order, steps), where)
    return verify_orders(polymap, order, steps, reference, where)


def verify_orders(polymap: PolynomialMap, order: int, steps: int,
                   reference: np.ndarray | None, where: str) -> Verification:
    """:func:`verify_polymap` for a caller that has already checked the history system's size
    (:func:`qmlc.compiler.pipeline.check_history_size`)."""
    with np.errstate(over="ignore", invalid="ignore"):
        exact = polymap.iterate(steps)
    if not np.all(np.isfinite(exact)):
        bad = int(np.argmax(~np.all(np.isfinite(exact), axis=1)))
        raise NonDissipativeError(f"{where}: the map's trajectory overflows float64 at step {bad} "
                                  f"of {steps}: the dynamics expand; lower the learning rate or "
                                  "the steps", field="steps")
    scale = float(np.abs(exact).max()) or 1.0
    checks = []
    for n_order in range(1, order + 1):
        with task(f"order {n_order} of {order}: building and solving the history system"):
            system = build_carleman_system(polymap, n_order, steps)
            x = solve_history(system.A, system.b)
        residual = float(np.linalg.norm(system.A @ x - system.b) / np.linalg.norm(system.b))
        traj = system.trajectory(x)
        err_map = float(np.abs(traj - exact).max())
        err_gd = None if reference is None else float(np.abs(traj - reference).max())
        checks.append(OrderCheck(order=n_order, dim=system.dim, residual=residual,
                                 error_vs_map=err_map, relative_error_vs_map=err_map / scale,
                                 error_vs_gradient_descent=err_gd))
    taylor = None if reference is None else float(np.abs(exact - reference).max())
    return Verification(steps=steps, scale=scale, taylor_error_vs_gradient_descent=taylor,
                        orders=checks)


def verify_spec(spec: ModelSpec, allow_nondissipative: bool = False) -> Verification:
    """`qmlc verify`: the checks above for a spec's own order and steps.

    Expanding dynamics are refused (as by the lowering) unless ``allow_nondissipative``: their
    trajectories grow like ρ^T and every error below is then relative to an exploding scale."""
    order, steps = order_and_steps(spec)
    polymap = lower_to_polymap(spec)
    where = str(spec.path)
    check_history_size(predicted_structure(polymap, order, steps), where)
    dissipation = analyze_dissipation(polymap.G[1], steps)
    if dissipation.classification == "non-dissipative" and not allow_nondissipative:
        raise NonDissipativeError(
            f"{where}: the dynamics are non-dissipative (spectral radius of G1 = "
            f"{dissipation.spectral_radius:.4g}, amplification "
            f"{dissipation.amplification_over_horizon:.3g} over {steps} steps); lower the learning "
            "rate, or set allow_nondissipative to check it anyway", field="G1")
    reference = None
    if spec.kind == "sparse-network":
        with task(f"true gradient descent, {steps} steps"):
            reference = network_gradient_descent(spec, steps)
    return verify_orders(polymap, order, steps, reference, where)
