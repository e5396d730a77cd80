"""One Carleman-QLSA resource estimate: logical counts from the Qualtran bloq tree, readout,
physical costs, the assumptions behind every number and their citations; and every QLSA cost
model side by side (:class:`SolverComparison`).

Numbers come from the concrete bloq tree (fast, exact ints); the ``formula`` from the same tree
built with symbols. Every number is labelled with its model, and the formulas are cited.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import sympy

from qmlc.circuits.bloqs import data_access, readout, state_prep
from qmlc.circuits.bloqs.qlsa_models import model as qlsa_model
from qmlc.compiler.errors import TooLargeError
from qmlc.compiler.progress import task, track
from qmlc.compiler.results import Result, optional
from qmlc.estimators.breakdown import CostBreakdown, t_count_breakdown
from qmlc.estimators.frontier import LogicalCounts, ParetoPoint, PhysicalEstimate
from qmlc.estimators.logical import (
    ALGORITHMS,
    CITATIONS,
    EPS_SYM,
    KAPPA_SYM,
    N_SYM,
    ROTATION_OFFSET,
    ROTATION_SLOPE,
    T_PER_TOFFOLI,
    T_SYM,
    StructuralInputs,
    concrete_estimate,
    symbolic_formula,
    symbolic_t_count,
)
from qmlc.estimators.physical import physical_estimates
from qmlc.estimators.sweep import ScalingSweep, scaling_sweep


def _num(x):
    """ints stay ints; everything else becomes a float."""
    if isinstance(x, int):
        return x
    try:
        f = float(x)
    except TypeError:
        return str(x)
    return int(f) if f.is_integer() and abs(f) < 2**63 else f


@dataclass(frozen=True)
class ResourceEstimate(Result):
    """Fault-tolerant resources of one QLSA solve of a Carleman history system (per solve;
    ``readout`` multiplies), with the assumptions and citations of every figure.

    Physical figures (:mod:`qmlc.estimators.physical`): ``physical`` is the configuration of
    least qubits × runtime over qmlc's factory library (a
    :class:`~qmlc.estimators.frontier.PhysicalEstimate`: qubits, runtime_seconds, runtime_human,
    code_distance, factory, factory_count, model, and ``error`` when no model fits);
    ``physical_models`` maps each model's key (gidney-fowler, litinski-2019, beverland-15to1,
    cultivation, msft-estimator) to its best or to why it has none; ``pareto`` lists the
    :class:`~qmlc.estimators.frontier.ParetoPoint` configurations no other beats in both
    qubits and runtime, by increasing qubits.

    ``qlsa``: what the QLSA cost model counts (U_A and U_b queries, success probability,
    repetitions, where its constants come from), see :func:`qlsa_report`."""

    algorithm: str
    data_access: str
    n: int
    steps: int
    order: int
    epsilon: float
    t_count: int
    toffoli_count: int
    rotation_count: int | float
    t_per_rotation: int | float
    logical_qubits: int
    block_encoding_queries: int | float
    state_preparation_calls: int | float
    alpha: float
    kappa: float
    kappa_source: str
    kappa_effective: float
    readout: dict
    physical: PhysicalEstimate
    physical_models: dict[str, PhysicalEstimate]
    pareto: list[ParetoPoint]
    structure: dict
    assumptions: dict
    formula: str
    formula_symbols: dict
    citations: dict
    seconds_logical: float
    model: str = "flags"
    kappa_details: dict | None = optional()
    sweep: ScalingSweep | None = optional()
    qlsa: dict | None = optional()
    breakdown: CostBreakdown | None = optional()


def estimate_resources(inputs: StructuralInputs, algorithm: str, model: str, n: int, steps: int,
                       kappa: float, kappa_source: str, eps: float, physical_error_rate: float,
                       error_budget: float, sweep: bool = False, kappa_details: dict | None = None,
                       source: str = "flags", breakdown: bool = False) -> ResourceEstimate:
    """The full estimate (logical, readout, physical models, assumptions, formula) for the
    data-access ``model``; ``source`` names where the structure came from (flags or a spec);
    ``breakdown`` adds the T-count per component (:mod:`qmlc.estimators.breakdown`)."""
    start = time.perf_counter()
    with task(f"logical counts of {algorithm} ({model}) from Qualtran's bloq tree"):
        formula = symbolic_formula(inputs, algorithm, model)
    try:
        with task("evaluating the counts"):
            tree, counts = concrete_estimate(inputs, algorithm, model, n, steps, kappa, eps)
        fits = all(_finite(v) for v in (counts.t_count, counts.toffoli, counts.qubits,
                                         counts.measurement, tree.queries, tree.alpha,
                                         tree.kappa_eff, tree.readout))
    except OverflowError:
        fits = False
    if not fits:
        raise TooLargeError(
            f"the estimate for n = {n:,}, T = {steps:,}, N = {inputs.order}, kappa = {kappa:.3g}, "
            f"epsilon = {eps:g} overflows float64 in its figures (alpha = {inputs.alpha:.3g}, "
            f"{_log10_text(symbolic_t_count(inputs, algorithm, model), n, steps, kappa, eps)}); "
            "lower n, steps, order or the row sparsity, or raise epsilon")
    logical_seconds = time.perf_counter() - start

    t_count, ccz = int(counts.t_count), int(counts.toffoli)
    qubits = int(counts.qubits)
    repetitions = int(tree.readout)
    # the physical models take T gates and CCZs separately: t_count already holds 4 T per CCZ
    t_only = t_count - T_PER_TOFFOLI * ccz
    with task("physical estimates (surface code, factory library)"):
        phys = physical_estimates(
            LogicalCounts(t=t_only, ccz=ccz, qubits=qubits,
                          measurements=int(counts.measurement)),
            physical_error_rate, error_budget)

    def with_readout(estimate: PhysicalEstimate) -> PhysicalEstimate:
        if estimate.runtime_seconds is None:
            return estimate
        return replace(estimate,
                       runtime_seconds_with_readout=estimate.runtime_seconds * repetitions)
    be = tree.block_encoding
    spec = qlsa_model(algorithm)
    validity = spec.validity(kappa, eps / 2)
    citations = dict(CITATIONS)
    citations["data_access"] = data_access.CITATIONS[model]
    citations["qlsa"] = spec.citation
    citations["state_preparation"] = state_prep.CITATION
    citations["readout"] = readout.CITATION
    citations["physical"] = ("Gidney & Fowler arXiv:1812.01238 (CCZ2T, Qualtran's formulas); "
                             "Litinski arXiv:1905.06903 Table 1; Beverland et al. "
                             "arXiv:2211.07629 (round-based 15-to-1, Microsoft estimator); "
                             "Gidney, Shutty, Jones arXiv:2409.17595 (cultivation); surface code "
                             "Fowler & Gidney arXiv:1808.06709, Fowler et al. arXiv:1208.0928")
    report = {
        "algorithm": algorithm,
        "data_access": model,
        "n": n, "steps": steps, "order": inputs.order, "epsilon": eps,
        "t_count": t_count,
        "toffoli_count": ccz,
        "rotation_count": _num(counts.rotation),
        "t_per_rotation": _num(counts.t_per_rotation),
        "logical_qubits": qubits,
        "block_encoding_queries": _num(tree.queries),
        "state_preparation_calls": _num(tree.state_prep_calls),
        "alpha": _num(tree.alpha),
        "kappa": kappa,
        "kappa_source": kappa_source,
        "kappa_effective": _num(tree.kappa_eff),
        "readout": {
            "repetitions": repetitions,
            "t_count_total": t_count * repetitions,
            "model": "l-infinity readout of theta(T): ceil(2 ln(2n/delta)/(2 eps^2)/p_final), "
                     f"delta = {readout.FAILURE_PROBABILITY}, p_final = {readout.P_FINAL}",
        },
        "physical": with_readout(phys.physical),
        "physical_models": {k: with_readout(v) for k, v in phys.physical_models.items()},
        "pareto": phys.pareto,
        "structure": {
            "source": inputs.source,
            "row_slots": inputs.row_slots,
            "column_slots": inputs.col_slots,
            "terms": inputs.term_count,
            "term_norm": inputs.term_norm,
            "g0_norm": inputs.g0_norm,
            "block_encoding": "in-place sparse access (N = 1)" if inputs.order == 1 else
                              "term-label sparse access, G_0 by amplitude loading (N >= 2)",
            "g_table_words": _num(getattr(be.layout, "entry_table_size", None)
                                  or inputs.table_size(n)),
            "value_bits": _num(tree.value_bits),
            "system_qubits": _num(be.layout.system_bits),
            "block_encoding_ancillas": _num(be.ancilla_bits),
            "block_encoding_qubits": _num(be.qubits),
        },
        "assumptions": {
            "data_access_model": model,
            "rotation_synthesis": f"ceil({ROTATION_SLOPE} log2(4R/eps) + {ROTATION_OFFSET}) T "
                                  "per rotation, R rotations per solve (budget eps/4)",
            "t_per_rotation": _num(counts.t_per_rotation),
            "t_per_toffoli": T_PER_TOFFOLI,
            "physical_inputs": "every physical model receives the T gates (including "
                               "synthesized rotations) and the CCZ-class gates (Toffoli, And, "
                               "CSWAP) separately: T = t_count - 4 * toffoli_count",
            "physical_models": phys.assumptions,
            "error_budget_split": "solution error eps: eps/2 QLSA polynomial/filtering, eps/4 "
                                  "rotation synthesis, eps/4 finite-precision data (value bits)",
            "physical_error_budget": error_budget,
            "physical_error_rate": physical_error_rate,
            "kappa_in_qlsa": spec.kappa_rule,
            "jennings_validity_violations": validity if algorithm == "jennings" else [],
            "qlsa_validity_violations": validity,
            "counts_are_per_solve": "t_count, toffoli_count, logical_qubits and physical "
                                    "figures are for one QLSA solve; readout multiplies",
        },
        "formula": formula,
        "formula_symbols": {"n": "parameters", "T": "steps", "kappa": "condition number of A",
                            "epsilon": "target error"},
        "citations": citations,
        "seconds_logical": logical_seconds,
    }
    return ResourceEstimate(
        **report, model=source, kappa_details=kappa_details or None,
        sweep=_sweep(inputs, algorithm, n, steps, kappa, eps, model) if sweep else None,
        qlsa=qlsa_report(inputs, algorithm, model, n, steps, kappa, eps, tree, validity),
        breakdown=t_count_breakdown(tree, counts) if breakdown else None)


OTHER_CONSTANT = {"costa-da": "costa-da-empirical", "costa-da-empirical": "costa-da"}


def qlsa_report(inputs: StructuralInputs, algorithm: str, model: str, n: int, steps: int,
                kappa: float, eps: float, tree, validity: list[str]) -> dict:
    """What the QLSA model counts and assumes: queries to U_A and U_b, the success probability
    of one attempt and the repetitions the count includes, the source of its constants; for the
    discrete-adiabatic model also the counts under its other constant (bound vs measured)."""
    spec = qlsa_model(algorithm)
    solver = tree.solver
    p = solver.success_probability()
    out = {
        "model": algorithm,
        "label": spec.label,
        "counts": spec.counts,
        "block_encoding_queries": _num(tree.queries),
        "state_preparation_calls": _num(tree.state_prep_calls),
        "success_probability": None if p is None else _num(p),
        "repetitions": _num(solver.repetitions()),
        "success": spec.success,
        "kappa_in_model": spec.kappa_rule,
        "kappa_effective": _num(tree.kappa_eff),
        "constants": spec.constants,
        "source_status": spec.source_status,
        "validity_violations": validity,
        "citation": spec.citation,
    }
    other = OTHER_CONSTANT.get(algorithm)
    if other is not None:
        try:
            other_tree, other_counts = concrete_estimate(inputs, other, model, n, steps, kappa,
                                                         eps)
            fits = _finite(other_counts.t_count) and _finite(other_tree.queries)
        except OverflowError:
            fits = False
        if not fits:
            out["other_constant"] = {"model": other, "label": qlsa_model(other).label,
                                     "error": "its counts overflow float64"}
            return out
        out["other_constant"] = {
            "model": other, "label": qlsa_model(other).label,
            "block_encoding_queries": _num(other_tree.queries),
            "state_preparation_calls": _num(other_tree.state_prep_calls),
            "t_count": int(other_counts.t_count), "logical_qubits": int(other_counts.qubits)}
    return out


@dataclass(frozen=True)
class SolverComparison(Result):
    """Every QLSA cost model on one history system, side by side (``qmlc estimate --algorithm
    all``): ``estimates`` holds one complete :class:`ResourceEstimate` per model (in the order of
    :data:`~qmlc.circuits.bloqs.qlsa_models.ALGORITHMS`), ``rows`` their side-by-side figures,
    ``sweep`` (optional) the polylog(n)·T² verdict per model."""

    algorithm: str
    data_access: str
    n: int
    steps: int
    order: int
    epsilon: float
    alpha: float
    kappa: float
    kappa_source: str
    rows: tuple
    estimates: tuple
    model: str = "flags"
    kappa_details: dict | None = optional()
    sweep: ScalingSweep | None = optional()


def comparison_row(estimate: ResourceEstimate, smallest_queries: float) -> dict:
    """One model's figures for the side-by-side table (per solve, and with the readout)."""
    q = estimate.qlsa
    return {
        "algorithm": estimate.algorithm,
        "label": q["label"],
        "block_encoding_queries": estimate.block_encoding_queries,
        "queries_over_smallest": estimate.block_encoding_queries / smallest_queries,
        "state_preparation_calls": estimate.state_preparation_calls,
        "success_probability": q["success_probability"],
        "repetitions": q["repetitions"],
        "kappa_effective": estimate.kappa_effective,
        "t_count": estimate.t_count,
        "toffoli_count": estimate.toffoli_count,
        "logical_qubits": estimate.logical_qubits,
        "t_count_with_readout": estimate.readout["t_count_total"],
        "physical_qubits": estimate.physical.qubits,
        "runtime_seconds": estimate.physical.runtime_seconds,
        "runtime_human": estimate.physical.runtime_human,
        "physical_model": estimate.physical.model,
        "source_status": q["source_status"],
        "validity_violations": q["validity_violations"],
    }


def compare_solvers(inputs: StructuralInputs, model: str, n: int, steps: int, kappa: float,
                    kappa_source: str, eps: float, physical_error_rate: float,
                    error_budget: float, sweep: bool = False, kappa_details: dict | None = None,
                    source: str = "flags") -> SolverComparison:
    """:func:`estimate_resources` for every QLSA model, and one sweep with a row per model."""
    estimates = tuple(
        estimate_resources(inputs, algorithm, model, n, steps, kappa, kappa_source, eps,
                           physical_error_rate, error_budget, kappa_details=kappa_details,
                           source=source)
        for algorithm in track(ALGORITHMS, "estimating every QLSA cost model"))
    smallest = min(e.block_encoding_queries for e in estimates)
    first = estimates[0]
    return SolverComparison(
        algorithm="all", data_access=model, n=n, steps=steps, order=inputs.order, epsilon=eps,
        alpha=first.alpha, kappa=kappa, kappa_source=kappa_source,
        rows=tuple(comparison_row(e, smallest) for e in estimates), estimates=estimates,
        model=source, kappa_details=kappa_details or None,
        sweep=_sweep(inputs, None, n, steps, kappa, eps, model) if sweep else None)


def _sweep(inputs, algorithm, n, steps, kappa, eps, data_access) -> ScalingSweep:
    with task("scaling sweep over n and T, and its proofs"):
        return scaling_sweep(inputs, algorithm, n, steps, kappa, eps, data_access=data_access)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (OverflowError, TypeError, ValueError):
        return False


def _log10_text(expression, n, steps, kappa, eps) -> str:
    """log10 of the symbolic T-count at these values, in exact sympy arithmetic."""
    try:
        # ceil/floor change a count by < 1, nothing on this scale; dropped so that sympy does not
        # try to find the integer part of a 10^400-sized float
        smooth = expression.replace(sympy.ceiling, lambda x: x).replace(sympy.floor, lambda x: x)
        value = smooth.xreplace({N_SYM: sympy.Integer(n), T_SYM: sympy.Integer(steps),
                                 KAPPA_SYM: sympy.Float(kappa, 30), EPS_SYM: sympy.Float(eps, 30)})
        log10 = float(sympy.N(sympy.log(value, 10), 15))
    except (ArithmeticError, TypeError, ValueError):
        return "its counts exceed 1.8e308"
    if not math.isfinite(log10):
        return "its counts exceed 1.8e308"
    return f"log10(T-count per solve) = {log10:.1f}"


__all__ = ["ResourceEstimate", "SolverComparison", "compare_solvers", "estimate_resources",
           "qlsa_report"]
