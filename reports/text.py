"""Plain-text renderings of qmlc's typed results, for a person at a terminal.

Every function takes a result (or its ``to_dict()`` form) and returns text; nothing here computes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmlc.estimators.human import human_count, human_duration

if TYPE_CHECKING:  # renderers only read attributes; importing the producers would load Qiskit
    from qmlc.backends.qlsa_run import QLSARun
    from qmlc.compiler.verify import Verification
    from qmlc.estimators.estimate import ResourceEstimate


def render_mapping(result: dict, indent: int = 0) -> str:
    """A plain ``key: value`` rendering of a JSON-ready dict (nested dicts indented)."""
    lines = []
    for key, value in result.items():
        pad = "  " * indent
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.append(render_mapping(value, indent + 1))
        elif isinstance(value, float):
            lines.append(f"{pad}{key}: {value:.6g}")
        elif isinstance(value, list) and len(value) > 12:
            lines.append(f"{pad}{key}: [{len(value)} items]")
        else:
            lines.append(f"{pad}{key}: {value}")
    return "\n".join(line for line in lines if line)


def render_verification(v: Verification) -> str:
    """A fixed-width table of the truncation checks of ``qmlc verify``."""
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


def render_qlsa_run(run: QLSARun, name: str) -> str:
    """One line per simulated QLSA solve (``qmlc run`` on a Carleman spec)."""
    line = (f"{name}: {run.algorithm} on {run.backend}: fidelity {run.fidelity:.6f}, "
            f"success probability {run.success_probability:.4g}, θ_T = "
            f"{[round(v, 6) for v in run.theta_T]} (classical "
            f"{[round(v, 6) for v in run.theta_T_classical]}), {run.qubits} qubits, "
            f"depth {run.depth}")
    if run.sampled is not None:
        s = run.sampled
        line += (f"; sampled fidelity {s.fidelity_sampled:.4f} ± {s.fidelity_stderr:.4f}, "
                 f"success {s.success_probability_sampled:.4f} ± "
                 f"{s.success_probability_stderr:.4f} ({run.shots} shots)")
    return line


def _qubits(n: int) -> str:
    return f"{human_count(n)} physical qubits"


def render_physical(report: ResourceEstimate) -> list[str]:
    """The physical verdict in human units and the model that gave it, each model's best or why
    it has none, and the span of the qubits/runtime frontier."""
    phys = report.physical
    p = report.assumptions.get("physical_error_rate")
    budget = report.assumptions.get("physical_error_budget")
    head = f"  physical (p = {p:g}, error budget {budget:g})"
    if not phys.ok:
        lines = [f"{head}: no model fits."]
    else:
        lines = [f"{head}: {_qubits(phys.qubits)}, {phys.runtime_human} per solve "
                 f"(model {phys.model}: {phys.factory_count} x {phys.factory}; data d = "
                 f"{phys.code_distance}, {phys.data_block} layout; least qubits x runtime of "
                 "the library)"]
    for name, m in report.physical_models.items():
        if m.ok:
            lines.append(f"    {name}: {_qubits(m.qubits)}, {m.runtime_human}, d = "
                         f"{m.code_distance}, {m.factory_count} factories")
        else:
            lines.append(f"    {name}: no answer: {m.error}")
    if report.pareto:
        lo, hi = report.pareto[0], report.pareto[-1]
        lines.append(f"    qubits/runtime frontier: {len(report.pareto)} configurations, from "
                     f"{_qubits(lo.qubits)} in {human_duration(lo.runtime_seconds)} to "
                     f"{_qubits(hi.qubits)} in {human_duration(hi.runtime_seconds)}")
    return lines


def render_estimate(report: ResourceEstimate) -> str:
    """A short summary of ``qmlc estimate`` on a Carleman spec or parameters (JSON has all)."""
    lines = [
        f"qmlc estimate ({report.algorithm}, data access {report.data_access}): "
        f"n = {report.n:,}, T = {report.steps}, N = {report.order}, "
        f"eps = {report.epsilon:g}",
        f"  T-count per solve {report.t_count:.4g}, Toffoli {report.toffoli_count:.4g}, "
        f"logical qubits {report.logical_qubits}",
        f"  block-encoding queries {report.block_encoding_queries:.4g}, alpha = "
        f"{report.alpha:g}, kappa = {report.kappa:.4g} ({report.kappa_source})",
        f"  readout repetitions {report.readout['repetitions']:,} -> total T-count "
        f"{report.readout['t_count_total']:.4g}",
        *render_physical(report),
    ]
    if report.sweep is not None:
        for model, entry in report.sweep.models.items():
            lines.append(f"  [{model}] {entry['verdict']}")
    return "\n".join(lines)


__all__ = ["render_estimate", "render_mapping", "render_physical", "render_qlsa_run", "render_verification"]
