"""Plain-text renderings of qmlc's typed results, for a person at a terminal.

Every function takes a result (or its ``to_dict()`` form) and returns text; nothing here computes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmlc.estimators.human import human_count, human_duration

if TYPE_CHECKING:  # renderers only read attributes; importing the producers would load Qiskit
    from qmlc.backends.qlsa_ibm import QLSADeviceRun
    from qmlc.backends.qlsa_run import QLSARun
    from qmlc.compiler.verify import Verification
    from qmlc.estimators.estimate import ResourceEstimate, SolverComparison
    from qmlc.estimators.sweep import ScalingSweep


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


def _physical_qubits(n: int | None) -> str:
    return "-" if n is None else human_count(n)


def _probability(p: float | None) -> str:
    return "n/s" if p is None else f"{p:.4g}"


def render_verdict_table(sweep: ScalingSweep, data_access: str) -> list[str]:
    """One row per QLSA model: the T and n classes proved per solve and the polylog(n)·T²
    verdict under the estimate's data access."""
    if not sweep.solvers:
        return []
    lines = [f"  polylog(n)*T^2 per QLSA model (data access {data_access}; kappa grows like T):",
             f"    {'model':<19} {'T class (proved)':<22} {'n class (proved)':<22} verdict"]
    for name, entry in sweep.solvers.items():
        t_class = (entry.get("T_class") or {}).get("class") or \
            f"fit T^{entry['fits']['T_exponent_upper_decade']:.2f}"
        n_class = (entry.get("n_class") or {}).get("class") or \
            f"fit n^{entry['fits']['n_power']:.2f}"
        lines.append(f"    {name:<19} {t_class:<22} {n_class:<22} "
                     f"{entry['verdict'].split(':')[0]}")
    return lines


def render_isa_lines(reports: list) -> list[str]:
    """One line per ISA circuit: two-qubit gates, depth, qubits, estimated success."""
    lines = []
    for r in reports:
        r = r.to_dict() if hasattr(r, "to_dict") else r
        lines.append(
            f"  {r['name']}: {r['two_qubit_gates']:,} two-qubit gates, depth {r['depth']:,} "
            f"(two-qubit depth {r['two_qubit_depth']:,}) on {len(r['physical_qubits'])} "
            f"physical qubits; estimated success probability "
            f"10^{r['log10_estimated_success']:.2f} (estimate: product of reported gate and "
            f"readout fidelities)")
    return lines


def render_qlsa_device_run(run: QLSADeviceRun, name: str) -> str:
    """``qmlc run`` of a Carleman spec on an IBM device (or its dry run)."""
    lines = [f"{name}: {run.algorithm}, {run.qubits} qubits, on {run.device['execution']}"
             + (" (dry run: nothing submitted)" if run.dry_run else ""),
             f"ISA circuits (optimization level {run.circuits[0].optimization_level}):",
             *render_isa_lines(run.circuits)]
    if run.predicted_success_probability is not None:
        lines.append(f"noiseless postselection success predicted by the polynomial: "
                     f"{run.predicted_success_probability:.4g}")
    if run.warning:
        lines.append(f"warning: {run.warning}")
    if run.job_id:
        lines.append(f"job {run.job_id} ({run.shots} shots per circuit)")
    if run.sampled is not None:
        s, ref = run.sampled, run.noiseless_reference
        lines.append(f"sampled: success {s.success_probability_sampled:.4f} ± "
                     f"{s.success_probability_stderr:.4f}, fidelity {s.fidelity_sampled:.4f} ± "
                     f"{s.fidelity_stderr:.4f} ({s.postselected_shots} postselected shots)")
        if ref is not None:
            lines.append(f"noiseless (Aer statevector, logical circuit): success "
                         f"{ref['success_probability']:.4f}, fidelity {ref['fidelity']:.6f}")
        lines.append(f"|u_T| sampled {[round(v, 6) for v in s.abs_u_T_sampled]}; θ_T classical "
                     f"{[round(v, 6) for v in run.theta_T_classical]}")
    return "\n".join(lines)


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
    ]
    q = report.qlsa
    if q is not None:
        p = q["success_probability"]
        success = ("not stated, the expected count includes the repetitions" if p is None else
                   f"{p:.4g}, repetitions {q['repetitions']:.4g}")
        lines.append(f"  QLSA model: {q['label']}; state preparations "
                     f"{q['state_preparation_calls']:.4g}; success probability per attempt "
                     f"{success} ({q['source_status']})")
        other = q.get("other_constant")
        if other is not None:
            lines.append(f"  with the other constant ({other['label']}): block-encoding queries "
                         f"{other['block_encoding_queries']:.4g}, T-count {other['t_count']:.4g}")
        for problem in q["validity_violations"]:
            lines.append(f"  outside the model's stated range: {problem}")
    lines += [
        f"  readout repetitions {report.readout['repetitions']:,} -> total T-count "
        f"{report.readout['t_count_total']:.4g}",
        *render_physical(report),
    ]
    lines += _model_statistics(report.assumptions.get("model_statistics"))
    if report.sweep is not None:
        for model, entry in report.sweep.models.items():
            lines.append(f"  [{model}] {entry['verdict']}")
        lines += render_verdict_table(report.sweep, report.data_access)
    return "\n".join(lines)


def _model_statistics(model: dict | None) -> list[str]:
    """The inputs measured on a network too large for the exact tensors (one line, or none)."""
    if model is None:
        return []
    line = (f"  measured on the model: G1 row sparsity {model['g1_row_sparsity']['value']:,} "
            f"(exact, connectivity), max|G1| <= {model['g1_max_abs']['value']:.4g}, "
            f"||G0||_2 = {model['g0_norm']['value']:.4g}")
    if "g2_row_sparsity" in model:
        line += (f", G2 rows <= {model['g2_row_sparsity']['value']:.4g} (bound), "
                 f"max|G2| <= {model['g2_max_abs']['value']:.3g} (sampled)")
    return [line]


def render_comparison(result: SolverComparison) -> str:
    """``qmlc estimate --algorithm all``: every QLSA cost model side by side (per solve)."""
    lines = [
        f"qmlc estimate (every QLSA model, data access {result.data_access}): "
        f"n = {result.n:,}, T = {result.steps}, N = {result.order}, eps = {result.epsilon:g}, "
        f"alpha = {result.alpha:g}, kappa = {result.kappa:.4g} ({result.kappa_source})",
        f"  {'model':<19} {'U_A queries':>11} {'x smallest':>10} {'U_b calls':>10} "
        f"{'p/attempt':>9} {'T-count':>10} {'qubits':>6} {'T w/ readout':>12} "
        f"{'physical qubits':>15} {'runtime/solve':>14}  label",
    ]
    for row in result.rows:
        lines.append(
            f"  {row['algorithm']:<19} {row['block_encoding_queries']:>11.4g} "
            f"{row['queries_over_smallest']:>10.4g} {row['state_preparation_calls']:>10.4g} "
            f"{_probability(row['success_probability']):>9} {row['t_count']:>10.4g} "
            f"{row['logical_qubits']:>6} {row['t_count_with_readout']:>12.4g} "
            f"{_physical_qubits(row['physical_qubits']):>15} "
            f"{row['runtime_human'] or 'no model fits':>14}  {row['label']}")
    lines.append("  (per solve; p/attempt n/s: not stated, the count is an expected count that "
                 "includes repetitions; physical: the least qubits x runtime of the factory "
                 "library; --json has each model's full estimate and citations)")
    lines += _model_statistics(result.estimates[0].assumptions.get("model_statistics")
                               if result.estimates else None)
    lines.append("  where the constants come from:")
    for row in result.rows:
        lines.append(f"    {row['algorithm']}: {row['source_status']}")
        for problem in row["validity_violations"]:
            lines.append(f"      outside its stated range: {problem}")
    if result.sweep is not None:
        lines += render_verdict_table(result.sweep, result.data_access)
    return "\n".join(lines)


__all__ = ["render_comparison", "render_estimate", "render_isa_lines", "render_mapping",
           "render_physical", "render_qlsa_device_run", "render_qlsa_run", "render_verdict_table",
           "render_verification"]
