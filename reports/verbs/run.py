"""``qmlc run SPEC --backend …``: simulate a compiled model, or run it on an IBM device.

Carleman specs: the QLSA circuit (QSVT or HHL) on Aer or Cirq, compared with the classical solve
(:func:`qmlc.backends.qlsa_run.run_qlsa`). QIREN specs: the lowered circuits on Aer, Cirq or the
numpy reference (:mod:`qmlc.backends.qiren_run`).

Both kinds on IBM devices, ``--backend ibm:DEVICE`` or offline ``--backend ibm-fake[:DEVICE]``:
transpiled to the device's ISA and sampled (QLSA, :mod:`qmlc.backends.qlsa_ibm`) or estimated
(QIREN, :mod:`qmlc.backends.qiren_ibm`) through the runtime's primitives; ``--dry-run`` stops
after the transpilation report. Job ids and warnings go to stderr as they happen.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from qmlc.backends.ibm_device import Device, is_ibm_backend, resolve_device, resolve_named_device
from qmlc.backends.qiren_ibm import run_qiren_on_device
from qmlc.backends.qiren_run import BACKENDS as QIREN_BACKENDS
from qmlc.backends.qiren_run import run_qiren_program
from qmlc.backends.qlsa_ibm import run_qlsa_on_device
from qmlc.backends.qlsa_run import BACKENDS as QLSA_BACKENDS
from qmlc.backends.qlsa_run import check_shots, run_qlsa
from qmlc.compiler import limits
from qmlc.compiler.errors import TooLargeError, UsageError
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.qiren_model import batchnorm_mode, qiren_from_spec
from qmlc.compiler.qiren_program import lower_qiren_spec
from qmlc.compiler.qiren_reference import reference_forward
from qmlc.compiler.qiren_signal import mse_psnr
from qmlc.compiler.qlsa import build_program
from qmlc.compiler.spec import ModelSpec, load_spec
from qmlc.reports.text import render_isa_lines, render_qlsa_device_run, render_qlsa_run
from qmlc.reports.verbs import VerbOutput, option, refuse_flags
from qmlc.reports.verbs.qiren_inputs import qiren_inputs

MAX_RUN_QUBITS = 20  # statevector simulation of one QIREN layer's circuit on Aer/Cirq


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec)
    if args.shots is not None:
        check_shots(args.shots)
    if args.seed is not None:
        limits.check_seed(args.seed)
        if args.shots is None:
            raise UsageError("--seed seeds the sampling of --shots; without --shots the run is "
                             "exact and draws no random numbers: drop --seed or give --shots")
    if spec.kind == "qiren":
        refuse_flags(args, ("algorithm", "amplify", "allow_nondissipative"),
                     "to a QIREN spec (Carleman QLSA only)")
    else:
        refuse_flags(args, ("weights", "inputs"), "to a Carleman spec (QIREN only)")
    # the documented defaults, once the flags given have been checked
    args.backend = option(args, "backend", "aer")
    args.algorithm = option(args, "algorithm", "qsvt")
    args.seed = option(args, "seed", 0)
    ibm = is_ibm_backend(args.backend)
    if not ibm and (args.dry_run or args.noiseless):
        raise UsageError("--dry-run and --noiseless apply to IBM backends (ibm-fake[:DEVICE], "
                         "ibm:DEVICE); drop them for simulators")
    if args.amplify and args.algorithm != "qsvt":
        raise UsageError("--amplify applies to --algorithm qsvt only; drop it for hhl")
    # A named device is looked up first, so a missing account or an unknown name costs nothing.
    early = resolve_named_device(args.backend, noiseless=args.noiseless) if ibm else None
    if spec.kind == "qiren":
        return run_qiren(args, spec, early)
    return run_carleman(args, spec, early)


def _device(args: argparse.Namespace, early: Device | None, qubits: int) -> Device:
    return early or resolve_device(args.backend, qubits, noiseless=args.noiseless)


def _stderr(line: str) -> None:
    print(f"qmlc: {line}", file=sys.stderr, flush=True)


def run_carleman(args: argparse.Namespace, spec: ModelSpec, early: Device | None = None
                 ) -> VerbOutput:
    if is_ibm_backend(args.backend):
        return run_carleman_ibm(args, spec, early)
    if args.backend not in QLSA_BACKENDS:
        raise UsageError(f"--backend {args.backend}: QLSA circuits run on "
                         f"{' or '.join(QLSA_BACKENDS)}, or on an IBM device (ibm-fake[:DEVICE], "
                         "ibm:DEVICE); pick one of those")
    system = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
    out = run_qlsa(system, backend=args.backend, shots=args.shots, algorithm=args.algorithm,
                   seed=args.seed, **({"amplification": True} if args.amplify else {}))
    data = {**out.to_dict(), "spec": str(spec.path)}
    return VerbOutput(data, render_qlsa_run(out, spec.name))


def run_carleman_ibm(args: argparse.Namespace, spec: ModelSpec, early: Device | None
                     ) -> VerbOutput:
    system = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
    program = build_program(system, args.algorithm,
                            **({"amplification": True} if args.amplify else {}))
    device = _device(args, early, program.num_qubits)
    out = run_qlsa_on_device(system, program, device, shots=args.shots, seed=args.seed,
                             optimization_level=args.optimization_level, dry_run=args.dry_run,
                             notify=_stderr)
    data = {**out.to_dict(), "spec": str(spec.path)}
    return VerbOutput(data, render_qlsa_device_run(out, spec.name))


def run_qiren(args: argparse.Namespace, spec: ModelSpec, early: Device | None = None
              ) -> VerbOutput:
    ibm = is_ibm_backend(args.backend)
    if not ibm and args.backend not in QIREN_BACKENDS:
        raise UsageError(f"--backend {args.backend!r} is not supported for QIREN specs; "
                         f"choose one of {', '.join(QIREN_BACKENDS)} or an IBM device")
    model = qiren_from_spec(spec)
    if model.width > MAX_RUN_QUBITS and not ibm:
        raise TooLargeError(f"{spec.where('width')} is {model.width}; statevector runs are "
                            f"limited to {MAX_RUN_QUBITS} qubits; use 'qmlc estimate'",
                            field="width")
    lowered = lower_qiren_spec(spec, args.weights)
    X, targets = qiren_inputs(args.inputs, model, spec)
    device_run = None
    if ibm:
        device = _device(args, early, model.width)
        device_run = run_qiren_on_device(lowered.program, X, device, shots=args.shots,
                                         seed=args.seed,
                                         optimization_level=args.optimization_level,
                                         dry_run=args.dry_run, notify=_stderr)
        outputs = device_run.outputs
    else:
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
    if device_run is not None:
        result.update({k: v for k, v in device_run.to_dict().items()
                       if k not in ("outputs", "shots")})
        result["mode"] = ("dry run: transpiled and reported, nothing submitted" if args.dry_run
                          else f"{args.shots} shots per binding; <Z_j> from the runtime "
                               "Estimator, unmitigated, propagated through later layers")
    if outputs is None:
        return VerbOutput(result, _qiren_text(result, outputs, model, X, targets))
    if args.backend != "numpy" and model.width <= MAX_RUN_QUBITS:
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
    if "device" in result:
        lines.append(f"device: {result['device']['execution']}")
        lines += render_isa_lines(result["layers"])
        lines += [f"job {job}" for job in result["job_ids"]]
        if result.get("warning"):
            lines.append(f"warning: {result['warning']}")
        if outputs is None:
            return "\n".join(lines)
    if "max_abs_diff_vs_numpy_reference" in result:
        lines.append(f"max |output - numpy reference| = "
                     f"{result['max_abs_diff_vs_numpy_reference']:.3e}")
    if targets is not None:
        lines.append(f"MSE = {result['mse']:.6g}, PSNR = {result['psnr_db']:.3f} dB")
    preview = ", ".join(f"{v:.6f}" for v in outputs[:5, 0])
    lines.append(f"outputs[:5, 0] = [{preview}{', ...' if len(outputs) > 5 else ''}] "
                 "(all rows with --json)")
    return "\n".join(lines)
