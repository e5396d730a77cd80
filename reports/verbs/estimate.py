"""``qmlc estimate``: fault-tolerant resources of a model spec or of bare parameters.

Carleman specs and parameters: :mod:`qmlc.estimators.requests`; QIREN specs:
:func:`qmlc.estimators.qiren_estimate.estimate_qiren_spec`.
"""

from __future__ import annotations

import argparse

from qmlc.compiler.errors import UsageError
from qmlc.compiler.spec import load_spec
from qmlc.estimators.estimate import SolverComparison
from qmlc.estimators.qiren_estimate import estimate_qiren_spec
from qmlc.estimators.requests import EstimateOptions, estimate_from_parameters, estimate_from_spec
from qmlc.reports.text import render_comparison, render_estimate, render_mapping
from qmlc.reports.verbs import VerbOutput

SIZE_FLAGS = (("--n", "n"), ("--steps", "steps"), ("--order", "order"),
              ("--row-sparsity", "row_sparsity"), ("--epsilon", "epsilon"))


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec) if args.spec else None
    if spec is not None and spec.kind == "qiren":
        result = estimate_qiren_spec(spec, epsilon=1e-2 if args.epsilon is None else args.epsilon,
                                     delta=args.error_budget, weights_path=args.weights)
        return VerbOutput(result, render_mapping(result.to_dict()))
    options = EstimateOptions(algorithm=args.algorithm, data_access=args.data_access,
                              physical_error_rate=args.physical_error_rate,
                              error_budget=args.error_budget, kappa=args.kappa, sweep=args.sweep)
    if spec is None:
        missing = [flag for flag, name in SIZE_FLAGS if getattr(args, name) is None]
        if missing:
            raise UsageError(f"qmlc estimate without a spec needs {', '.join(missing)}; "
                             "give them or pass a model spec")
        report = estimate_from_parameters(
            args.n, args.steps, args.order, args.row_sparsity, args.epsilon,
            1.0 if args.gradient_norm is None else args.gradient_norm, options)
    else:
        if args.gradient_norm is not None:
            raise UsageError("--gradient-norm is for flag estimates only: a spec's G_0 gives "
                             "||G_0||_2 exactly; drop the flag")
        report = estimate_from_spec(spec, args.order, args.steps, args.epsilon, options)
    text = (render_comparison(report) if isinstance(report, SolverComparison)
            else render_estimate(report))
    return VerbOutput(report, text)
