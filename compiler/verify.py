"""Classical verification of the Carleman pipeline.

Solves the history system A x = b (unit lower triangular: one sparse forward substitution) for
every truncation order N' = 1..N and compares the recovered trajectory u_0..u_T with

- the true iteration of the polynomial map (isolates the Carleman truncation error), and
- for networks, true gradient descent on the original loss (adds the Taylor-expansion error).

Errors are max-norm over all steps and parameters, absolute and relative to max_t ‖u_t‖_∞.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse.linalg as spla

from compiler.carleman import build_carleman_system
from compiler.pipeline import (
    check_explicit_size,
    lower_to_polymap,
    order_and_steps,
    predicted_structure,
)
from compiler.polymap import PolynomialMap
from compiler.spec import ModelSpec


@dataclass(frozen=True)
class OrderCheck:
    order: int
    dim: int
    residual: float  # ‖A x − b‖ / ‖b‖
    error_vs_map: float
    relative_error_vs_map: float
    error_vs_gradient_descent: float | None


@dataclass(frozen=True)
class Verification:
    steps: int
    scale: float
    taylor_error_vs_gradient_descent: float | None
    orders: list[OrderCheck]

    def as_dict(self) -> dict:
        return asdict(self)


def solve_history(A, b) -> np.ndarray:
    """Forward substitution on the unit lower-triangular history matrix."""
    return spla.spsolve_triangular(A.tocsr(), b, lower=True, unit_diagonal=True)


def verify_polymap(polymap: PolynomialMap, order: int, steps: int,
                   reference: np.ndarray | None = None, where: str = "model") -> Verification:
    """Truncation error of orders 1..N against the exact map (and an optional reference)."""
    check_explicit_size(predicted_structure(polymap, order, steps), where)
    exact = polymap.iterate(steps)
    scale = float(np.abs(exact).max()) or 1.0
    checks = []
    for n_order in range(1, order + 1):
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


def verify_spec(spec: ModelSpec) -> Verification:
    """`qmlc verify`: the checks above for a spec's own order and steps."""
    order, steps = order_and_steps(spec)
    polymap = lower_to_polymap(spec)
    reference = None
    if spec.kind == "sparse-network":
        from compiler.network import network_gradient_descent
        reference = network_gradient_descent(spec, steps)
    return verify_polymap(polymap, order, steps, reference, where=str(spec.path))


def render_verification(v: Verification) -> str:
    """A fixed-width table of the checks."""
    lines = [f"Carleman truncation error over T = {v.steps} steps "
             f"(max |u_t| = {v.scale:.3g}; errors are max-norm over t and parameters)",
             f"{'N':>3} {'dim':>9} {'residual':>10} {'err vs map':>12} {'rel':>10} {'err vs GD':>12}"]
    for c in v.orders:
        gd = "-" if c.error_vs_gradient_descent is None else f"{c.error_vs_gradient_descent:12.3e}"
        lines.append(f"{c.order:>3} {c.dim:>9} {c.residual:10.1e} {c.error_vs_map:12.3e} "
                     f"{c.relative_error_vs_map:10.2e} {gd:>12}")
    if v.taylor_error_vs_gradient_descent is not None:
        lines.append(f"Taylor-expanded map vs true gradient descent: "
                     f"{v.taylor_error_vs_gradient_descent:.3e} (floor of 'err vs GD')")
    return "\n".join(lines)
