"""``qmlc spectrum QIREN_SPEC``: measured vs predicted frequency support of QIREN's layer 1."""

from __future__ import annotations

import argparse

from qmlc.compiler import limits
from qmlc.compiler.qiren_model import layer_key, qiren_from_spec
from qmlc.compiler.qiren_spectrum import integer_linear_weights, layer1_spectrum
from qmlc.compiler.qiren_weights import fold_batchnorm, weights_from_spec
from qmlc.compiler.spec import load_spec
from qmlc.reports.verbs import VerbOutput, require_kind


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec)
    require_kind(spec, "spectrum", ("qiren",))
    model = qiren_from_spec(spec)
    seed = limits.check_seed(args.seed)
    weights = weights_from_spec(spec, model, args.weights, seed=seed)
    A = integer_linear_weights(model.width, model.in_dim, seed)
    _, bias = fold_batchnorm(weights, 0)
    report = layer1_spectrum(model, weights[layer_key(0, "circuit.weights")],
                             weights[layer_key(0, "circuit.final")], A, bias=bias)
    text = (f"layer 1 spectrum ({model.width} qubits, L = {model.reuploads}, A = integer +-1, "
            f"grid {'x'.join(map(str, report.grid))}): measured {len(report.measured)} "
            f"frequencies; bound {{A^T k : k in {{-L..L}}^q}} has {len(report.predicted)} "
            f"({'all measured inside it' if report.within_bound else 'SOME OUTSIDE IT'}); "
            f"light-cone refinement {len(report.lightcone)}")
    return VerbOutput(report, text)
