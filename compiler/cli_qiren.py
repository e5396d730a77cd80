"""``qmlc`` verbs for ``kind = "qiren"`` specs: run, compile, estimate, spectrum, train.

Each function takes the parsed arguments and the loaded spec and returns a JSON-ready dict (a
``_text`` entry is printed instead of the generic rendering when ``--json`` is absent). All user
mistakes raise :class:`~compiler.errors.QmlcError` subclasses before any file is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from compiler.errors import DataError, SpecError, UsageError
from compiler.qiren import (
    QirenModel,
    batchnorm_mode,
    load_signal,
    mse_psnr,
    qiren_from_spec,
    reference_forward,
    save_weights,
    spec_seed,
    training_from_spec,
    validate_weights,
    weights_from_spec,
    with_batch_statistics,
)
from compiler.spec import ModelSpec, check_finite

MAX_RUN_QUBITS = 20  # statevector simulation of one layer's circuit on Aer/Cirq
MAX_NOISE_QUBITS = 12  # exact single-shot covariances for the output-precision estimate
MAX_NOISE_INPUTS = 128  # inputs at which the output noise gain is evaluated


def _inputs(args: argparse.Namespace, model: QirenModel, spec: ModelSpec
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """(X, targets): --inputs if given (no targets), else the spec's signal."""
    path = getattr(args, "inputs", None)
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise DataError(f"--inputs: file {p} not found; check the path")
        try:
            X = np.load(p, allow_pickle=False)
        except Exception as exc:
            raise DataError(f"--inputs: cannot read {p} as .npy ({type(exc).__name__}); "
                            "write it with numpy.save") from None
        if X.dtype.kind not in "fiu":
            raise DataError(f"--inputs: {p} has dtype {X.dtype}; expected real numbers")
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and model.in_dim == 1:
            X = X[:, None]
        elif X.ndim == 1 and X.shape[0] == model.in_dim:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != model.in_dim or X.shape[0] == 0:
            raise DataError(f"--inputs: {p} has shape {X.shape}; expected (B, {model.in_dim}) "
                            "with one input per row")
        check_finite(X, f"--inputs: {p}")
        return X, None
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: no inputs; give --inputs X.npy or add a [signal] table "
                         "to the spec")
    return signal


def _program(args: argparse.Namespace, spec: ModelSpec):
    from compiler.qiren_program import lower_qiren

    model = qiren_from_spec(spec)
    weights = weights_from_spec(spec, model, getattr(args, "weights", None))
    if batchnorm_mode(spec) == "signal":
        signal = load_signal(spec)
        if signal is None:
            raise SpecError(f"{spec.where('lowering.batchnorm')} is 'signal' but the spec has no "
                            "[signal]; add one or use 'running'")
        weights = with_batch_statistics(model, weights, signal[0])
    return model, weights, lower_qiren(model, weights)


def _weights_source(args: argparse.Namespace, spec: ModelSpec) -> str:
    if getattr(args, "weights", None):
        return str(args.weights)
    if "weights" in spec.table:
        return str(spec.base_dir / str(spec.table["weights"]))
    return f"seeded initialization (seed {spec_seed(spec)}), untrained"


def lower(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """``qmlc lower SPEC --stage qiren``: write the QirenProgram (affine maps + circuits)."""
    _, _, program = _program(args, spec)
    program.save(args.output)
    return {**program.manifest(), "output": str(args.output),
            "_text": f"wrote stage 'qiren' of {spec.name} to {args.output}"}


def run(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """Execute the lowered circuits on Aer / Cirq / numpy for every input row."""
    from backends.qiren_run import BACKENDS, run_program

    if args.backend not in BACKENDS:
        raise UsageError(f"--backend {args.backend!r} is not supported for QIREN specs; "
                         f"choose one of {', '.join(BACKENDS)}")
    if args.shots is not None and args.shots < 1:
        raise UsageError(f"--shots is {args.shots}; give a positive number of shots or omit it")
    model, weights, program = _program(args, spec)
    if model.width > MAX_RUN_QUBITS:
        from compiler.errors import TooLargeError
        raise TooLargeError(f"{spec.where('width')} is {model.width}; statevector runs are "
                            f"limited to {MAX_RUN_QUBITS} qubits; use 'qmlc estimate'")
    X, targets = _inputs(args, model, spec)
    outputs = run_program(program, X, args.backend, shots=args.shots, seed=args.seed)
    result: dict = {
        "backend": args.backend,
        "shots": args.shots,
        "mode": "exact expectation values" if args.shots is None
        else f"{args.shots} shots per circuit; <Z_j> = mean of (-1)^bit, standard error "
             "sqrt((1 - <Z>^2)/shots), propagated through later layers",
        "weights": _weights_source(args, spec),
        "samples": int(X.shape[0]),
        "circuits_per_sample": model.layers,
        "batchnorm": f"folded with {batchnorm_mode(spec)} statistics",
    }
    if args.backend == "ibm-fake":
        from backends.qiren_run import fake_ibm_backend
        result["device_model"] = (f"{fake_ibm_backend(model.width).name} (qiskit-ibm-runtime "
                                  "fake backend: coupling map, basis gates and noise model, "
                                  "simulated with Aer)")
    if args.backend != "numpy":
        reference = reference_forward(model, weights, X)
        result["max_abs_diff_vs_numpy_reference"] = float(np.max(np.abs(outputs - reference)))
    if targets is not None:
        result.update(mse_psnr(outputs, targets))
        result["psnr_model"] = "PSNR = 10 log10(2^2 / MSE) for signals in [-1, 1]"
    result["outputs"] = outputs.tolist()
    lines = [f"qiren run: {X.shape[0]} inputs x {model.layers} circuits of {model.width} qubits "
             f"on {args.backend} ({result['mode']})"]
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
    result["_text"] = "\n".join(lines)
    return result


def compile(args: argparse.Namespace, spec: ModelSpec) -> dict:  # noqa: A001 - verb name
    """Write OpenQASM 3 (inputs as parameters) or OpenQASM 2 (bound per sample) + JSON sidecar."""
    from compiler.qiren_program import manifest_json, write_texts_atomically

    model, _, program = _program(args, spec)
    out = Path(args.output)
    if out.is_dir():
        raise UsageError(f"-o {out}: is a directory; give a file name such as out/qiren.qasm")
    sidecar = out.with_suffix(".json")
    files: dict[Path, str] = {}
    if args.format == "qasm3":
        files[out] = program.qasm3()
        files[sidecar] = manifest_json(program)
        samples = None
    else:
        X, _ = _inputs(args, model, spec)
        samples = int(X.shape[0])
        if samples == 1:
            files[out] = program.qasm2(X[0])
        else:
            width = len(str(samples - 1))
            for n, x in enumerate(X):
                files[out.with_name(f"{out.stem}_{n:0{width}d}{out.suffix}")] = program.qasm2(x)
        files[sidecar] = manifest_json(program)
    written = write_texts_atomically(files)
    result = {
        "format": args.format,
        "weights": _weights_source(args, spec),
        "files": [str(p) for p in written],
        "qubits": model.width * model.layers,
        "registers": [f"l{i}" for i in range(model.layers)],
        "inputs_per_layer": model.width,
        "samples_bound": samples,
        "note": "one register per hybrid layer; run layer by layer, applying the affine maps of "
                "the JSON sidecar to the estimated <Z> (BatchNorm folded, running statistics)",
    }
    qasm_files = [p for p in written if p.suffix != ".json"]
    result["_text"] = (f"wrote {len(qasm_files)} OpenQASM {args.format[-1]} file(s) "
                       f"({qasm_files[0]}{' ...' if len(qasm_files) > 1 else ''}) and {sidecar}")
    return result


def estimate(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """Per-circuit figures, shots, executions for the signal, fault-tolerant T-count."""
    from estimators.qiren_estimate import estimate_qiren

    model = qiren_from_spec(spec)
    epsilon = 1e-2 if args.epsilon is None else args.epsilon
    delta = args.error_budget
    if not 0 < epsilon < 1:
        raise UsageError(f"--epsilon is {epsilon}; QIREN's target precision on <Z> must be in "
                         "(0, 1)")
    if not 0 < delta < 1:
        raise UsageError(f"--error-budget is {delta}; the failure probability must be in (0, 1)")
    signal = load_signal(spec)
    samples = None if signal is None else int(signal[0].shape[0])
    result = estimate_qiren(model, epsilon=epsilon, delta=delta, samples=samples).to_dict()
    result["parameters"] = {"epsilon": epsilon, "delta (--error-budget)": delta}
    if signal is not None and model.width <= MAX_NOISE_QUBITS:
        from estimators.qiren_estimate import output_precision

        _, _, program = _program(args, spec)
        stride = max(1, samples // MAX_NOISE_INPUTS)
        result["output_precision"] = output_precision(
            program, signal[0][::stride], epsilon, delta, _weights_source(args, spec))
        result["output_precision"]["inputs_evaluated_note"] = (
            f"every {stride}-th input of the signal" if stride > 1 else "every input")
    else:
        result["output_precision"] = {
            "skipped": "needs a [signal] (inputs to evaluate) and width <= "
                       f"{MAX_NOISE_QUBITS} (exact statevectors)"}
    return result


def spectrum(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """Layer-1 frequency support on a full-period grid with integer Linear weights."""
    from compiler.qiren import fold_batchnorm
    from compiler.qiren_spectrum import integer_linear_weights, layer1_spectrum

    model = qiren_from_spec(spec)
    weights = weights_from_spec(spec, model, args.weights, seed=args.seed)
    A = integer_linear_weights(model.width, model.in_dim, args.seed)
    _, bias = fold_batchnorm(weights, 0)
    report = layer1_spectrum(model, weights["layer0.circuit.weights"],
                             weights["layer0.circuit.final"], A, bias=bias)
    result = report.to_dict()
    result["_text"] = (
        f"layer 1 spectrum ({model.width} qubits, L = {model.reuploads}, A = integer +-1, grid "
        f"{'x'.join(map(str, report.grid))}): measured {len(report.measured)} frequencies; "
        f"bound {{A^T k : k in {{-L..L}}^q}} has {len(report.predicted)} "
        f"({'all measured inside it' if report.within_bound else 'SOME OUTSIDE IT'}); "
        f"light-cone refinement {len(report.lightcone)}"
    )
    return result


def train(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """Train on the spec's signal with the fast engine and write the weights (.npz)."""
    from compiler.qiren_train import train_qiren

    model = qiren_from_spec(spec)
    settings = training_from_spec(spec)
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: 'qmlc train' needs a [signal] table to fit")
    out = Path(args.output)
    if out.is_dir():
        raise UsageError(f"-o {out}: is a directory; give a file name such as out/qiren.npz")
    seed = spec_seed(spec) if args.seed is None else args.seed
    epochs = settings.epochs if args.epochs is None else args.epochs
    if epochs < 0:
        raise UsageError(f"--epochs is {epochs}; give a number >= 0")
    initial = weights_from_spec(spec, model, None, seed=seed)
    coords, values = signal
    result = train_qiren(model, initial, coords, values, epochs=epochs, lr=settings.lr,
                         seed=seed, progress=not args.no_progress)
    weights = validate_weights(result.weights, model)
    save_weights(out, weights)
    return {
        "output": str(out),
        "epochs": result.epochs,
        "lr": result.lr,
        "seed": seed,
        "seconds": result.seconds,
        "final_loss": float(result.history[-1]) if len(result.history) else None,
        "mse": result.mse,
        "psnr_db": result.psnr,
        "mse_running_stats": result.mse_running,
        "psnr_db_running_stats": result.psnr_running,
        "model": "full-batch Adam on the MSE (released code's setup); mse/psnr with BatchNorm "
                 "batch statistics (training mode, as the released code evaluates), "
                 "*_running_stats with the folded running statistics that 'qmlc run' uses; "
                 "PSNR = 10 log10(2^2/MSE)",
    }
