"""``qmlc estimate``: fault-tolerant resources of a model spec or of bare parameters.

Carleman specs and parameters: :mod:`qmlc.estimators.requests`; QIREN specs:
:func:`qmlc.estimators.qiren_estimate.estimate_qiren_spec`. A spec and the flags that describe a
model without one (``--n``, ``--row-sparsity``, ``--gradient-norm``) are mutually exclusive, and
flags that do not apply to a QIREN spec are refused rather than ignored.
"""

from __future__ import annotations

import argparse

from qmlc.compiler.errors import UsageError
from qmlc.compiler.spec import load_spec
from qmlc.estimators.estimate import SolverComparison
from qmlc.estimators.qiren_estimate import estimate_qiren_spec
from qmlc.estimators.requests import EstimateOptions, estimate_from_parameters, estimate_from_spec
from qmlc.reports.text import render_comparison, render_estimate, render_mapping
from qmlc.reports.verbs import VerbOutput, option, refuse_flags

SIZE_FLAGS = (("--n", "n"), ("--steps", "steps"), ("--order", "order"),
              ("--row-sparsity", "row_sparsity"), ("--epsilon", "epsilon"))
PARAMETER_ONLY = ("n", "row_sparsity", "gradient_norm")
CARLEMAN_ONLY = ("steps", "order", "kappa", "algorithm", "data_access", "physical_error_rate",
                 "sweep")


def check_inputs(args: argparse.Namespace, spec) -> None:
    """A spec and the flags that describe a model without one are mutually exclusive; flags
    that do not apply to the spec's kind are refused (``qmlc estimate`` and ``qmlc report``)."""
    if spec is not None:
        given = [name for name in PARAMETER_ONLY if getattr(args, name, None) is not None]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            verb = "describes" if len(given) == 1 else "describe"
            raise UsageError(f"{flags} {verb} a model without a spec, and {spec.path} already "
                             "describes one (its G_0 gives ||G_0||_2, its G_l the sparsity); "
                             "give either the spec or the flags")
    if spec is not None and spec.kind == "qiren":
        refuse_flags(args, CARLEMAN_ONLY, "to a QIREN spec (its estimate is per circuit)")
    else:
        refuse_flags(args, ("weights",), "to a Carleman estimate (QIREN weights)")


def estimate_options(args: argparse.Namespace, sweep: bool = False) -> EstimateOptions:
    """The solver, data-access and physical choices of ``qmlc estimate`` and ``qmlc report``,
    with their documented defaults."""
    return EstimateOptions(algorithm=option(args, "algorithm", "qsvt"),
                           data_access=option(args, "data_access", "qram"),
                           physical_error_rate=option(args, "physical_error_rate", 1e-3),
                           error_budget=option(args, "error_budget", 1e-2),
                           kappa=args.kappa, sweep=sweep)


def require_sizes(args: argparse.Namespace, verb: str) -> None:
    """Without a spec, every flag that sizes the model must be given."""
    missing = [flag for flag, name in SIZE_FLAGS if getattr(args, name) is None]
    if missing:
        raise UsageError(f"qmlc {verb} without a spec needs {', '.join(missing)}; give them or "
                         "pass a model spec")


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec) if args.spec else None
    check_inputs(args, spec)
    if spec is not None and spec.kind == "qiren":
        result = estimate_qiren_spec(spec, epsilon=option(args, "epsilon", 1e-2),
                                     delta=option(args, "error_budget", 1e-2),
                                     weights_path=args.weights)
        return VerbOutput(result, render_mapping(result.to_dict()))
    options = estimate_options(args, sweep=args.sweep)
    if spec is None:
        require_sizes(args, "estimate")
        report = estimate_from_parameters(
            args.n, args.steps, args.order, args.row_sparsity, args.epsilon,
            option(args, "gradient_norm", 1.0), options)
    else:
        report = estimate_from_spec(spec, args.order, args.steps, args.epsilon, options)
    text = (render_comparison(report) if isinstance(report, SolverComparison)
            else render_estimate(report))
    return VerbOutput(report, text)
