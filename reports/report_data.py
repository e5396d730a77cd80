"""The data of one ``qmlc report``: every number of every section, gathered from the estimators'
typed results — never recomputed here — so the report and ``qmlc estimate --json`` agree by
construction (tests compare them).

A Carleman report runs the requested inputs through every solver × data-access model
(:func:`qmlc.estimators.requests.estimate_request`, with the T-count breakdown), the scaling
sweep and curves (:mod:`qmlc.estimators.sweep`), the physical models at the requested and two
other error rates and at three target errors, and the four Carleman checks
(:mod:`qmlc.estimators.carleman_checks`). A QIREN report carries
:func:`qmlc.estimators.qiren_estimate.estimate_qiren_spec` and, when weights are given, the
signal rendered by the lowered program (the numpy backend of ``qmlc run``).

Physical figures are the estimate's own: ``physical`` (the configuration of least qubits ×
runtime over the factory library), ``physical_models`` (each model's best, or why it has none)
and ``pareto`` (the joint frontier) — :mod:`qmlc.estimators.physical`.

With ``--device``, ``device`` holds the spec's circuits in an IBM device's ISA, the dry run of
``qmlc run --backend DEVICE --dry-run`` (:mod:`qmlc.reports.device_data`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qmlc.compiler.dissipation_trace import DissipationTrace
from qmlc.compiler.results import Result, optional
from qmlc.estimators.breakdown import COMPONENTS
from qmlc.estimators.carleman_checks import CarlemanChecks, carleman_checks
from qmlc.estimators.estimate import ResourceEstimate
from qmlc.estimators.logical import ALGORITHMS
from qmlc.estimators.requests import DATA_ACCESS, EstimateOptions, EstimateRequest, estimate_request
from qmlc.estimators.sweep import ScalingCurves, ScalingSweep, scaling_curves, scaling_sweep
from qmlc.reports.format import duration, sci

if TYPE_CHECKING:  # the section's module imports the IBM backends; loaded only with --device
    from qmlc.reports.device_data import DeviceSection

ERROR_RATES = (1e-3, 1e-4, 1e-5)
PRIMARY_ALGORITHMS = ("qsvt", "jennings")   # shown under every data-access model
EPSILON_FACTORS = (10.0, 1.0, 0.1)
LOGICAL_MODEL = ("Qualtran bloq tree, QECGatesCost per solve; T = t + 4 (Toffoli + And + CSWAP) "
                 "+ t_rot x rotations")

Step = Callable[[str], None]


def key_of(algorithm: str, data_access: str) -> str:
    return f"{algorithm}/{data_access}"


# -- physical figures, as the estimate gives them -----------------------------------------------

def _as_dict(entry) -> dict:
    return entry.to_dict() if hasattr(entry, "to_dict") else dict(entry)


def physical_models(estimate: ResourceEstimate) -> dict[str, dict]:
    """Every physical model's figures for one estimate, keyed by model."""
    return {str(name): _as_dict(entry) for name, entry in estimate.physical_models.items()}


def chosen_physical(estimate: ResourceEstimate) -> tuple[str | None, dict | None]:
    """(model, figures) of the estimate's ``physical`` — the least qubits × runtime over the
    library — or (None, None) when no model fits."""
    physical = _as_dict(estimate.physical)
    if physical.get("qubits") is None:
        return None, None
    return str(physical["model"]), physical


def total_runtime(entry: dict | None, repetitions: int) -> float | None:
    """Runtime of solve × readout: the estimate's own figure when it gives one."""
    if entry is None or entry.get("runtime_seconds") is None:
        return None
    if entry.get("runtime_seconds_with_readout") is not None:
        return float(entry["runtime_seconds_with_readout"])
    return float(entry["runtime_seconds"]) * repetitions


def pareto_points(estimate: ResourceEstimate) -> list[dict]:
    """The estimate's non-dominated (physical qubits, runtime) configurations."""
    return [_as_dict(p) for p in estimate.pareto]


# -- sections -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VerdictRow(Result):
    """One solver × data-access model: logical counts per solve, readout, physical figures."""

    algorithm: str
    data_access: str
    t_count: int
    toffoli_count: int
    logical_qubits: int
    readout_repetitions: int
    t_count_total: int
    physical_qubits: int | None
    runtime_seconds: float | None
    runtime_seconds_total: float | None
    physical_model: str | None
    physical_note: str | None       # the estimate's runtime in words, or why no model fits
    logical_model: str = LOGICAL_MODEL


@dataclass(frozen=True)
class Verdict(Result):
    """The verdict table (VerdictRow per configuration; one dict of figures for QIREN), the
    requested and the cheapest configuration, the dominant component and the one sentence."""

    rows: list
    requested: str
    cheapest: str
    dominant: str
    summary: str


@dataclass(frozen=True)
class ScalingSection(Result):
    """Curves of both solvers; the proved classes and verdicts of the requested solver."""

    algorithm: str
    curves: dict
    sweep: ScalingSweep


@dataclass(frozen=True)
class PhysicalSection(Result):
    key: str
    physical_error_rate: float
    error_budget: float
    models: dict
    pareto: list | None
    pareto_note: str
    error_rate_sensitivity: list
    epsilon_sensitivity: list


@dataclass(frozen=True)
class QirenSection(Result):
    estimate: dict
    weights: str
    reconstruction: dict | None
    note: str


@dataclass(frozen=True)
class ModelReport(Result):
    """Everything one report shows; ``to_dict()`` is the data behind every table and plot."""

    kind: str
    title: str
    inputs: dict
    verdict: Verdict | None
    assumptions: list
    estimates: dict | None = optional()
    scaling: ScalingSection | None = optional()
    physical: PhysicalSection | None = optional()
    checks: CarlemanChecks | None = optional()
    qiren: QirenSection | None = optional()
    dissipation: DissipationTrace | None = optional()
    device: DeviceSection | None = optional()   # with --device (qmlc.reports.device_data)


def verdict_row(estimate: ResourceEstimate) -> VerdictRow:
    name, entry = chosen_physical(estimate)
    reps = int(estimate.readout["repetitions"])
    note = None if entry is None else entry.get("runtime_human")
    if entry is None:
        note = _as_dict(estimate.physical).get("error") or "no physical model fits"
    return VerdictRow(
        algorithm=estimate.algorithm, data_access=estimate.data_access,
        t_count=int(estimate.t_count), toffoli_count=int(estimate.toffoli_count),
        logical_qubits=int(estimate.logical_qubits), readout_repetitions=reps,
        t_count_total=int(estimate.readout["t_count_total"]),
        physical_qubits=None if entry is None else int(entry["qubits"]),
        runtime_seconds=None if entry is None else float(entry["runtime_seconds"]),
        runtime_seconds_total=total_runtime(entry, reps),
        physical_model=name, physical_note=note)


def _verdict(estimates: dict[str, ResourceEstimate], requested: str) -> Verdict:
    rows = [verdict_row(e) for e in estimates.values()]
    cheapest = min(rows, key=lambda r: r.t_count)
    cheapest_key = key_of(cheapest.algorithm, cheapest.data_access)
    chosen = estimates[requested]
    dominant = chosen.breakdown.dominant
    req_row = next(r for r in rows if key_of(r.algorithm, r.data_access) == requested)
    physical = (f"{req_row.physical_model} gives {req_row.physical_qubits:,} physical qubits "
                f"and {req_row.physical_note or duration(req_row.runtime_seconds)} per solve "
                f"at p = "
                f"{chosen.assumptions['physical_error_rate']:g}"
                if req_row.physical_qubits is not None else
                f"no physical model fits at p = {chosen.assumptions['physical_error_rate']:g}")
    summary = (f"{COMPONENTS[dominant.name][0].upper() + COMPONENTS[dominant.name][1:]} "
               f"dominates the requested {chosen.algorithm} + {chosen.data_access} solve "
               f"({dominant.share:.0%} of its {sci(chosen.t_count)} T gates); the cheapest "
               f"configuration is {cheapest.algorithm} + {cheapest.data_access} at "
               f"{sci(cheapest.t_count)} T gates per solve, and the ℓ∞ readout of θ(T) "
               f"repeats every solve {chosen.readout['repetitions']:,} times; {physical}.")
    return Verdict(rows=rows, requested=requested, cheapest=cheapest_key,
                   dominant=dominant.name, summary=summary)


def _physical(request: EstimateRequest, options: EstimateOptions,
              chosen: ResourceEstimate, step: Step) -> PhysicalSection:
    p_rows = []
    for p in ERROR_RATES:
        step(f"physical models at p = {p:g}")
        est = chosen if p == options.physical_error_rate else estimate_request(
            request, dataclasses.replace(options, physical_error_rate=p, breakdown=False))
        name, entry = chosen_physical(est)
        p_rows.append({"physical_error_rate": p, "models": physical_models(est),
                       "chosen_model": name, "pareto": pareto_points(est)})
    eps_rows = []
    for factor in EPSILON_FACTORS:
        eps = request.eps * factor
        if not 0 < eps < 1:
            continue
        step(f"estimate at epsilon = {eps:g}")
        est = chosen if factor == 1.0 else estimate_request(
            dataclasses.replace(request, eps=eps), dataclasses.replace(options, breakdown=False))
        row = verdict_row(est)
        eps_rows.append({"epsilon": eps, "t_count": row.t_count,
                         "t_count_total": row.t_count_total,
                         "readout_repetitions": row.readout_repetitions,
                         "physical_qubits": row.physical_qubits,
                         "runtime_seconds": row.runtime_seconds,
                         "runtime_human": row.physical_note if row.physical_qubits else None,
                         "physical_model": row.physical_model})
    pareto = pareto_points(chosen)
    note = ("the estimate's joint frontier: configurations of the factory library that no other "
            "beats in both physical qubits and runtime; squares: each model's least "
            "qubits x runtime" if pareto else
            f"no configuration of any model fits at p = {options.physical_error_rate:g}")
    return PhysicalSection(key=key_of(chosen.algorithm, chosen.data_access),
                           physical_error_rate=options.physical_error_rate,
                           error_budget=options.error_budget, models=physical_models(chosen),
                           pareto=pareto, pareto_note=note, error_rate_sensitivity=p_rows,
                           epsilon_sensitivity=eps_rows)


def _assumptions(estimates: dict[str, ResourceEstimate], requested: str, sweep: ScalingSweep,
                 checks: CarlemanChecks) -> list[dict]:
    """Every number's model and formula, with its source."""
    chosen = estimates[requested]
    a, c = chosen.assumptions, chosen.citations
    rows = [
        {"quantity": "T-count, Toffoli count, logical qubits (per solve)",
         "model": LOGICAL_MODEL + "; " + a["counts_are_per_solve"], "source": c["toffoli"]},
        {"quantity": "block encoding",
         "model": f"{chosen.structure['block_encoding']}; alpha = {chosen.alpha:.4g}",
         "source": c["block_encoding"]},
        {"quantity": "structure of G", "model": chosen.structure["source"],
         "source": c["carleman"]},
    ]
    for model in DATA_ACCESS:
        est = estimates[key_of(chosen.algorithm, model)]
        rows.append({"quantity": f"data access: {model}",
                     "model": f"G-table lookups as {model} "
                              f"({est.structure['g_table_words']:,} words)",
                     "source": est.citations["data_access"]})
    for algorithm in ALGORITHMS:
        est = estimates[key_of(algorithm, chosen.data_access)]
        q = est.qlsa
        rows.append({"quantity": f"QLSA: {algorithm} ({q['label']})",
                     "model": f"{q['counts']}; {q['kappa_in_model']}; success: {q['success']}; "
                              f"constants: {q['constants']}; read: {q['source_status']}; "
                              f"{est.block_encoding_queries:.3g} block-encoding queries per "
                              "solve" + (f"; outside its stated validity: "
                                         f"{', '.join(q['validity_violations'])}"
                                         if q["validity_violations"] else ""),
                     "source": q["citation"]})
    rows += [
        {"quantity": "condition number kappa", "model": f"{chosen.kappa:.4g}: "
                                                        f"{chosen.kappa_source}",
         "source": c["carleman"]},
        {"quantity": "rotation synthesis", "model": a["rotation_synthesis"]
                                                    + f" ({a['t_per_rotation']} T each)",
         "source": c["rotation_synthesis"]},
        {"quantity": "error budget", "model": a["error_budget_split"], "source": "qmlc (stated)"},
        {"quantity": "state preparation", "model": "history right-hand side [y_in; c; ...; c] "
                                                   "by amplitude-loading trees",
         "source": c["state_preparation"]},
        {"quantity": "readout repetitions", "model": chosen.readout["model"],
         "source": c["readout"]},
        {"quantity": "physical qubits and runtime",
         "model": f"{a['physical_models']['selection']}; {a['physical_models']['error_budget']}; "
                  f"physical error rate {a['physical_error_rate']:g}; code cycle "
                  f"{a['physical_models']['code_cycle_seconds']:g} s; logical depth "
                  f"{a['physical_models']['logical_depth']}; " + a["physical_inputs"],
         "source": c["physical"]},
        *({"quantity": f"logical error model {i + 1}", "model": text,
           "source": "(cited in the model text)"}
          for i, text in enumerate(a["physical_models"]["logical_error_models"])),
        *({"quantity": f"physical model: {key}", "model": text,
           "source": "(cited in the model text)"}
          for key, text in a["physical_models"]["models"].items()),
        *({"quantity": f"physical model: {key}", "model": entry["model_details"],
           "source": "(cited in the model text)"}
          for key, entry in physical_models(chosen).items()
          if key not in a["physical_models"]["models"] and entry.get("model_details")),
        {"quantity": "cost breakdown", "model": chosen.breakdown.model,
         "source": "qmlc.estimators.breakdown"},
        {"quantity": "scaling curves and classes",
         "model": sweep.kappa_model + "; classes from exact leading terms of the symbolic "
                                      "T-count (limits proved, not fitted)",
         "source": "qmlc.estimators.sweep, qmlc.estimators.asymptotic"},
    ]
    for check in checks.all:
        rows.append({"quantity": f"check: {check.title}",
                     "model": f"{check.method}; {check.criterion}", "source": check.source})
    return rows


def configurations(options: EstimateOptions) -> list[tuple[str, str]]:
    """(QLSA model, data access) pairs of the verdict: the two reference solvers (QSVT, the
    Jennings v1 theorem) and the requested one under every data-access model, every other QLSA
    cost model under the requested data access; in the order of the models' registry."""
    full = {*PRIMARY_ALGORITHMS, options.algorithm}
    return [(algorithm, model) for algorithm in ALGORITHMS for model in DATA_ACCESS
            if algorithm in full or model == options.data_access]


def request_inputs(request: EstimateRequest, options: EstimateOptions) -> dict:
    return {"source": request.source, "n": request.n, "steps": request.steps,
            "order": request.inputs.order, "epsilon": request.eps, "kappa": request.kappa,
            "kappa_source": request.kappa_source, "algorithm": options.algorithm,
            "data_access": options.data_access,
            "physical_error_rate": options.physical_error_rate,
            "error_budget": options.error_budget}


def carleman_report(request: EstimateRequest, options: EstimateOptions,
                    step: Step = lambda label: None) -> ModelReport:
    """The report data of a Carleman request; ``step(label)`` is called before each stage."""
    options = dataclasses.replace(options, sweep=False, breakdown=True)
    estimates: dict[str, ResourceEstimate] = {}
    for algorithm, model in configurations(options):
        step(f"estimate {algorithm} + {model}")
        estimates[key_of(algorithm, model)] = estimate_request(
            request, dataclasses.replace(options, algorithm=algorithm, data_access=model))
    requested = key_of(options.algorithm, options.data_access)
    chosen = estimates[requested]
    step("scaling sweep and proofs")
    sweep = scaling_sweep(request.inputs, options.algorithm, request.n, request.steps,
                          request.kappa, request.eps, data_access=options.data_access)
    curves: dict[str, ScalingCurves] = {}
    for algorithm in ALGORITHMS:
        every = algorithm == options.algorithm     # the others under the requested access
        curves[algorithm] = scaling_curves(request.inputs, algorithm, request.n, request.steps,
                                           request.kappa, request.eps,
                                           models=DATA_ACCESS if every else
                                           (options.data_access,))
    physical = _physical(request, options, chosen, step)
    step("Carleman checks")
    checks = carleman_checks(request, chosen, sweep)
    title = ("Resource estimate: " + (f"n = {request.n:,}" if request.source == "flags"
                                      else request.source)
             + f", T = {request.steps}, N = {request.inputs.order}, eps = {request.eps:g}")
    return ModelReport(
        kind="carleman", title=title, inputs=request_inputs(request, options),
        verdict=_verdict(estimates, requested),
        assumptions=_assumptions(estimates, requested, sweep, checks),
        estimates=estimates,
        scaling=ScalingSection(algorithm=options.algorithm, curves=curves, sweep=sweep),
        physical=physical, checks=checks, dissipation=request.dissipation)


def qiren_report(spec, epsilon: float, delta: float, weights_path: str | None,
                 step: Step = lambda label: None) -> ModelReport:
    """The report data of a QIREN spec (estimate; rendered signal when weights are given)."""
    from qmlc.backends.qiren_run import run_qiren_program
    from qmlc.compiler.qiren_program import lower_qiren_spec
    from qmlc.compiler.qiren_signal import load_signal, mse_psnr, signal_dims
    from qmlc.estimators.qiren_estimate import estimate_qiren_spec

    step("QIREN estimate")
    estimate = estimate_qiren_spec(spec, epsilon=epsilon, delta=delta, weights_path=weights_path)
    data = estimate.to_dict()
    has_weights = weights_path is not None or spec.model.weights is not None
    lowered = lower_qiren_spec(spec, weights_path)
    reconstruction, note = None, ""
    signal = load_signal(spec)
    if not has_weights:
        note = ("no weights given (seeded, untrained initialization): pass --weights W.npz "
                "(from qmlc train) to render the signal")
    elif signal is None:
        note = "the spec has no [signal]: nothing to render"
    else:
        step("render the signal")
        X, target = signal
        outputs = run_qiren_program(lowered.program, X, backend="numpy")
        shape = None
        if spec.model.signal is not None and spec.model.signal.image is not None:
            size = int(round(math.sqrt(X.shape[0])))
            shape = [size, size]
        reconstruction = {
            "backend": "numpy backend: exact expectation values, as qmlc run --backend numpy",
            "shape": shape, "in_dim": int(signal_dims(spec)[0]),
            "coords": X.tolist() if shape is None else None,
            "target": np.asarray(target)[:, 0].tolist(),
            "output": np.asarray(outputs)[:, 0].tolist(),
            **mse_psnr(outputs, target)}
    m = estimate.model
    render = data.get("render", {})
    per_exec = data["fault_tolerant"]["t_count_per_execution"]
    row = {"circuit_qubits": m.width, "circuits_per_sample": m.layers,
           "t_count_per_execution": per_exec,
           "shots_per_circuit": data["shots_per_circuit"]["hoeffding"],
           "samples": render.get("samples"),
           "executions": render.get("circuit_executions_hoeffding"),
           "t_count_total": render.get("t_count_total_hoeffding")}
    summary = (f"Each sample runs {m.layers} circuits of {m.width} qubits "
               f"({per_exec:,} T gates per execution after rotation synthesis); "
               + (f"rendering the {render['samples']:,}-sample signal to ε = {epsilon:g} per "
                  f"⟨Z⟩ takes {sci(render['circuit_executions_hoeffding'])} executions "
                  f"(Hoeffding shots) and {sci(render['t_count_total_hoeffding'])} T gates."
                  if render else "the spec has no signal to render."))
    verdict = Verdict(rows=[row], requested="qiren", cheapest="qiren", dominant="shots",
                      summary=summary)
    assumptions = [
        {"quantity": "circuit figures", "model": data["per_circuit"]["source"],
         "source": "Zhao et al., ICML 2024, arXiv:2406.03873 (QIREN architecture)"},
        {"quantity": "shots per circuit", "model": data["shots_per_circuit"]["model"],
         "source": "Hoeffding (1963); Chebyshev"},
        {"quantity": "fault-tolerant T-count", "model": data["fault_tolerant"]["model"],
         "source": "Ross, Selinger, Quantum Inf. Comput. 16:901 (2016), arXiv:1403.2975"},
        {"quantity": "executions to render", "model": render.get("model", "no signal"),
         "source": "qmlc (stated)"},
    ]
    if "output_precision" in data and "model" in data["output_precision"]:
        assumptions.append({"quantity": "output precision",
                            "model": data["output_precision"]["model"],
                            "source": "delta method (first-order error propagation)"})
    return ModelReport(
        kind="qiren", title=f"QIREN resource estimate: {spec.path}",
        inputs={"source": str(spec.path), "epsilon": epsilon, "error_budget": delta,
                "weights": lowered.weights_source},
        verdict=verdict, assumptions=assumptions,
        qiren=QirenSection(estimate=data, weights=lowered.weights_source,
                           reconstruction=reconstruction, note=note))


__all__ = ["ModelReport", "carleman_report", "chosen_physical", "physical_models",
           "qiren_report", "verdict_row"]
