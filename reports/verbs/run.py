"""``qmlc run SPEC --backend …``: simulate a compiled model.

Carleman specs: the QLSA circuit (QSVT or HHL) on Aer or Cirq, compared with the classical solve
(:func:`qmlc.backends.qlsa_run.run_qlsa`). QIREN specs: the lowered circuits on Aer, Cirq, the
numpy reference or an offline IBM device model (:mod:`qmlc.backends.qiren_run`).
"""

from __future__ import annotations

import argparse

import numpy as np

from qmlc.backends.qiren_run import BACKENDS as QIREN_BACKENDS
from qmlc.backends.qiren_run import fake_ibm_backend, run_qiren_program
from qmlc.backends.qlsa_run import BACKENDS as QLSA_BACKENDS
from qmlc.backends.qlsa_run import run_qlsa
from qmlc.compiler.errors import TooLargeError, UsageError
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.qiren_model import batchnorm_mode
from qmlc.compiler.qiren_program import lower_qiren_spec
from qmlc.compiler.qiren_reference import reference_forward
from qmlc.compiler.qiren_signal import mse_psnr
from qmlc.compiler.spec import ModelSpec, load_spec
from qmlc.reports.text import render_qlsa_run
from qmlc.reports.verbs import VerbOutput
from qmlc.reports.verbs.qiren_inputs import qiren_inputs

MAX_RUN_QUBITS = 20  # statevector simulation of one QIREN layer's circuit on Aer/Cirq


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec)
    if args.shots is not None and args.shots < 1:
        raise UsageError(f"--shots is {args.shots}; give a positive number of shots or omit it")
    if spec.kind == "qiren":
        return run_qiren(args, spec)
    return run_carleman(args, spec)


def run_carleman(args: argparse.Namespace, spec: ModelSpec) -> VerbOutput:
    if args.backend not in QLSA_BACKENDS:
        raise UsageError(f"--backend {args.backend}: QLSA circuits run on "
                         f"{' or '.join(QLSA_BACKENDS)}; pick one of those")
    if args.amplify and args.algorithm != "qsvt":
        raise UsageError("--amplify applies to --algorithm qsvt only; drop it for hhl")
    system = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
    out = run_qlsa(system, backend=args.backend, shots=args.shots, algorithm=args.algorithm,
                   seed=args.seed, **({"amplification": True} if args.amplify else {}))
    data = {**out.to_dict(), "spec": str(spec.path)}
    return VerbOutput(data, render_qlsa_run(out, spec.name))


def run_qiren(args: argparse.Namespace, spec: ModelSpec) -> VerbOutput:
    if args.backend not in QIREN_BACKENDS:
        raise UsageError(f"--backend {args.backend!r} is not supported for QIREN specs; "
                         f"choose one of {', '.join(QIREN_BACKENDS)}")
    lowered = lower_qiren_spec(spec, args.weights)
    model = lowered.model
    if model.width > MAX_RUN_QUBITS:
        raise TooLargeError(f"{spec.where('width')} is {model.width}; statevector runs are "
                            f"limited to {MAX_RUN_QUBITS} qubits; use 'qmlc estimate'")
    X, targets = qiren_inputs(args.inputs, model, spec)
    outputs = run_qiren_program(lowered.program, X, args.backend, shots=args.shots,
                                seed=args.seed)
    result: dict = {
        "backend": args.backend,
        "shots": args.shots,
        "mode": "exact expectation values" if args.shots is None
        else f"{args.shots} shots per circuit; <Z_j> = mean of (-1)^bit, standard error "
             "sqrt((1 - <Z>^2)/shots), propagated through later layers",
        "weights": lowered.weights_source,
        "samples": int(X.shape[0]),
        "circuits_per_sample": model.layers,
        "batchnorm": f"folded with {batchnorm_mode(spec)} statistics",
    }
    if args.backend == "ibm-fake":
        result["device_model"] = (f"{fake_ibm_backend(model.width).name} (qiskit-ibm-runtime "
                                  "fake backend: coupling map, basis gates and noise model, "
                                  "simulated with Aer)")
    if args.backend != "numpy":
        reference = reference_forward(model, lowered.weights, X)
        result["max_abs_diff_vs_numpy_reference"] = float(np.max(np.abs(outputs - reference)))
    if targets is not None:
        result.update(mse_psnr(outputs, targets))
        result["psnr_model"] = "PSNR = 10 log10(2^2 / MSE) for signals in [-1, 1]"
    result["outputs"] = outputs.tolist()
    return VerbOutput(result, _qiren_text(result, outputs, model, X, targets))


def _qiren_text(result: dict, outputs: np.ndarray, model, X: np.ndarray, targets) -> str:
    lines = [f"qiren run: {X.shape[0]} inputs x {model.layers} circuits of {model.width} qubits "
             f"on {result['backend']} ({result['mode']})"]
    if "device_model" in result:
        lines.append(f"device model: {result['device_model']}")
    if "max_abs_diff_vs_numpy_reference" in result:
        lines.append(f"max |output - numpy reference| = "
                     f"{result['max_abs_diff_vs_numpy_reference']:.3e}")
    if targets is not None:
        lines.append(f"MSE = {result['mse']:.6g}, PSNR = {result['psnr_db']:.3f} dB")
    preview = ", ".join(f"{v:.6f}" for v in outputs[:5, 0])
    lines.append(f"outputs[:5, 0] = [{preview}{', ...' if len(outputs) > 5 else ''}] "
                 "(all rows with --json)")
    return "\n".join(lines)
