"""``qmlc estimate``: fault-tolerant resource estimate from a spec or from flags.

From a spec (kinds ``polynomial-map``, ``sparse-network``): the exact statistics of the G tensors
(:func:`compiler.structure.polymap_g_stats`) — never the explicit history matrix — and κ from the
dissipation analysis of G_1 (or ``--kappa``). From flags: ``--n --steps --order --row-sparsity
--epsilon`` with stated assumptions (quadratic map G_0..G_2, |G entries| ≤ 1, column sparsity =
row sparsity, G_0 dense), κ from ``--kappa`` or the contractive-lift bound 2(T+1).

Qualtran and qsharp are imported only inside the functions that need them (start-up time).
"""

from __future__ import annotations

import math
from argparse import Namespace

from compiler.errors import NonDissipativeError, UsageError
from compiler.spec import ModelSpec

FLAG_DEGREE = 2
MAX_ORDER = 8


def _integer_flag(value: float | None, flag: str, minimum: int) -> int | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < minimum or value != int(value):
        raise UsageError(f"{flag} = {value:g}: must be an integer ≥ {minimum}")
    return int(value)


def validate(args: Namespace, needs_size: bool) -> dict:
    """Check every flag value; return the cleaned numbers (None where absent)."""
    if needs_size:
        missing = [flag for flag, value in (("--n", args.n), ("--steps", args.steps),
                                            ("--order", args.order),
                                            ("--row-sparsity", args.row_sparsity),
                                            ("--epsilon", args.epsilon)) if value is None]
        if missing:
            raise UsageError(f"qmlc estimate without a spec needs {', '.join(missing)}; "
                             "give them or pass a model spec")
    n = _integer_flag(args.n, "--n", 2)
    steps = _integer_flag(args.steps, "--steps", 1)
    order = args.order
    if order is not None and not 1 <= order <= MAX_ORDER:
        raise UsageError(f"--order = {order}: must be between 1 and {MAX_ORDER}")
    sparsity = _integer_flag(args.row_sparsity, "--row-sparsity", 1)
    if sparsity is not None and n is not None and sparsity > n:
        raise UsageError(f"--row-sparsity = {sparsity} exceeds --n = {n}: at most n nonzeros "
                         "fit in a row")
    eps = args.epsilon
    if eps is not None and not (math.isfinite(eps) and 0 < eps < 1):
        raise UsageError(f"--epsilon = {eps:g}: must satisfy 0 < ε < 1")
    g0_norm = getattr(args, "gradient_norm", None)
    if g0_norm is not None:
        if not needs_size:
            raise UsageError("--gradient-norm is for flag estimates only: a spec's G_0 gives "
                             "||G_0||_2 exactly; drop the flag")
        if not (math.isfinite(g0_norm) and g0_norm >= 0):
            raise UsageError(f"--gradient-norm = {g0_norm:g}: must be a finite norm ≥ 0")
    kappa = args.kappa
    if kappa is not None and not (math.isfinite(kappa) and kappa >= 1):
        raise UsageError(f"--kappa = {kappa:g}: a condition number is ≥ 1")
    p = args.physical_error_rate
    if not (math.isfinite(p) and 0 < p < 0.01):
        raise UsageError(f"--physical-error-rate = {p:g}: must be in (0, 0.01) (below the "
                         "surface-code threshold)")
    budget = args.error_budget
    if not (math.isfinite(budget) and 0 < budget < 1):
        raise UsageError(f"--error-budget = {budget:g}: must be in (0, 1)")
    return {"n": n, "steps": steps, "order": order, "row_sparsity": sparsity, "epsilon": eps,
            "gradient_norm": 1.0 if g0_norm is None else g0_norm,
            "kappa": kappa, "physical_error_rate": p, "error_budget": budget}


def flag_inputs(n: int, order: int, row_sparsity: int, g0_norm: float = 1.0):
    """Structural inputs for a quadratic map with s nonzeros per row, entries ≤ 1."""
    from circuits.bloqs.history_terms import FactorStats
    from estimators.logical import structural_inputs

    factors = {ell: FactorStats(row_sparsity, row_sparsity, 1.0, n * row_sparsity)
               for ell in range(1, FLAG_DEGREE + 1)}
    source = (f"flags: quadratic map G_0..G_{FLAG_DEGREE}, {row_sparsity} nonzeros per row of "
              f"each G_l (l >= 1) and per first column digit, |entries| <= 1; G_0 dense with "
              f"||G_0||_2 = {g0_norm:g} (loaded by amplitude)")
    return structural_inputs(factors, g0_norm, n, order, source)


def spec_inputs(spec: ModelSpec, clean: dict):
    """Structural inputs, n, order, steps, ε and κ (with its source) for a model spec."""
    from compiler.dissipation import analyze_dissipation
    from compiler.pipeline import lower_to_polymap, order_and_steps
    from compiler.spec import get_float
    from compiler.structure import history_structure, polymap_g_stats
    from estimators.logical import polymap_inputs

    polymap = lower_to_polymap(spec)
    spec_order, spec_steps = order_and_steps(spec)
    order = clean["order"] or spec_order
    steps = clean["steps"] or spec_steps
    eps = clean["epsilon"] or get_float(spec, "epsilon", default=1e-3, positive=True)
    g_stats = polymap_g_stats(polymap.G)
    inputs = polymap_inputs(polymap.G, order,
                            f"{spec.path}: exact statistics of G_0..G_{polymap.degree}")
    details: dict = {}
    try:
        details["structural_bound"] = history_structure(g_stats, polymap.n, order,
                                                        steps).kappa_bound
    except OverflowError:
        details["structural_bound"] = math.inf
    if clean["kappa"] is not None:
        return inputs, polymap.n, order, steps, eps, clean["kappa"], "given (--kappa)", details
    report = analyze_dissipation(polymap.G[1], steps)
    details["dissipation"] = report.as_dict()
    if report.classification == "non-dissipative":
        raise NonDissipativeError(
            f"{spec.path}: non-dissipative dynamics (spectral radius of G1 = "
            f"{report.spectral_radius:.4g}): κ grows like ρ^T and the estimate is meaningless; "
            "pass --kappa to estimate anyway")
    rho = report.spectral_radius
    geometric = (steps + 1) if abs(rho - 1) < 1e-12 else (1 - rho ** (steps + 1)) / (1 - rho)
    kappa = max(1.0, (1 + rho) * geometric)
    source = (f"estimated from dissipation data ({report.classification}, spectral radius of G1 "
              f"= {rho:.4g} in place of ||M||): (1+rho)*sum_t rho^t")
    return inputs, polymap.n, order, steps, eps, kappa, source, details


def estimate(args: Namespace, spec: ModelSpec | None) -> dict:
    """The ``qmlc estimate`` verb: a JSON-ready report (see estimators.report)."""
    clean = validate(args, needs_size=spec is None)
    from estimators.report import estimate_report

    if spec is None:
        n, order, steps, eps = clean["n"], clean["order"], clean["steps"], clean["epsilon"]
        inputs = flag_inputs(n, order, clean["row_sparsity"], clean["gradient_norm"])
        if clean["kappa"] is not None:
            kappa, source = clean["kappa"], "given (--kappa)"
        else:
            kappa = 2.0 * (steps + 1)
            source = "bound 2(T+1) for a contractive lift (kappa <= (1+||M||)(T+1), ||M|| <= 1)"
        details = None
    else:
        inputs, n, order, steps, eps, kappa, source, details = spec_inputs(spec, clean)
    report = estimate_report(inputs, args.algorithm, args.data_access, n, steps, kappa, source,
                             eps, clean["physical_error_rate"], clean["error_budget"],
                             sweep=args.sweep, kappa_extra=details)
    report["model"] = "flags" if spec is None else str(spec.path)
    report["_text"] = render(report)
    return report


def render(report: dict) -> str:
    """A short human-readable summary (the JSON has everything)."""
    phys, ms = report["physical"], report["physical_msft"]

    def phys_line(name, p):
        if p.get("qubits") is None:
            return f"  {name}: {p.get('error')}"
        return (f"  {name}: {p['qubits']:,} physical qubits, {p['runtime_seconds']:.3g} s per "
                f"solve, d = {p['code_distance']}")
    lines = [
        f"qmlc estimate ({report['algorithm']}, data access {report['data_access']}): "
        f"n = {report['n']:,}, T = {report['steps']}, N = {report['order']}, "
        f"eps = {report['epsilon']:g}",
        f"  T-count per solve {report['t_count']:.4g}, Toffoli {report['toffoli_count']:.4g}, "
        f"logical qubits {report['logical_qubits']}",
        f"  block-encoding queries {report['block_encoding_queries']:.4g}, alpha = "
        f"{report['alpha']:g}, kappa = {report['kappa']:.4g} ({report['kappa_source']})",
        f"  readout repetitions {report['readout']['repetitions']:,} -> total T-count "
        f"{report['readout']['t_count_total']:.4g}",
        phys_line("Qualtran Gidney-Fowler", phys),
        phys_line("Microsoft estimator", ms),
    ]
    for model, entry in report.get("sweep", {}).get("models", {}).items():
        lines.append(f"  [{model}] {entry['verdict']}")
    return "\n".join(lines)
