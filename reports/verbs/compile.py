"""``qmlc compile SPEC --format qasm2|qasm3 -o FILE.qasm``: OpenQASM export plus a JSON sidecar.

Carleman specs: the QLSA circuit and its register layout (``FILE.json``). QIREN specs: one program
with a register per hybrid layer (QASM 3, angles as inputs) or one file per input sample (QASM 2,
angles bound), and the affine maps between layers in ``FILE.json``. All files or none.

``--target ibm-fake[:DEVICE]|ibm:DEVICE`` writes the ISA circuit instead: the same circuit, every
qubit measured, transpiled to the device (:mod:`qmlc.backends.ibm_isa`); the sidecar adds the
device, the transpilation report and where each logical qubit ended up.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qmlc.backends.ibm_device import is_ibm_backend, resolve_device
from qmlc.backends.ibm_isa import isa_circuits, isa_qasm, isa_report
from qmlc.compiler.errors import UsageError
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.progress import track
from qmlc.compiler.qasm_export import qasm_export
from qmlc.compiler.qiren_program import lower_qiren_spec
from qmlc.compiler.qlsa import build_program
from qmlc.compiler.spec import ModelSpec, load_spec
from qmlc.compiler.stage_io import to_json
from qmlc.reports.files import check_output_file, write_texts
from qmlc.reports.verbs import VerbOutput, option, refuse_flags
from qmlc.reports.verbs.qiren_inputs import qiren_inputs

MAX_QASM2_FILES = 10_000  # one bound-angle file per input sample


def main(args: argparse.Namespace) -> VerbOutput:
    out = check_output_file(Path(args.output), "out/model.qasm", sidecars=(".json",))
    spec = load_spec(args.spec)
    if args.target is not None:
        if not is_ibm_backend(args.target):
            raise UsageError(f"--target {args.target}: ISA circuits are for IBM devices; give "
                             "ibm-fake[:DEVICE] or ibm:DEVICE, or leave --target out")
        refuse_flags(args, ("inputs",), "to --target (the ISA circuit keeps its angles as "
                                         "inputs)")
        if spec.kind == "qiren":
            refuse_flags(args, ("algorithm", "allow_nondissipative"), "to a QIREN spec")
        else:
            refuse_flags(args, ("weights",), "to a Carleman spec (QIREN only)")
        return compile_isa(args, spec, out)
    if spec.kind == "qiren":
        refuse_flags(args, ("algorithm", "allow_nondissipative"), "to a QIREN spec")
        if args.format == "qasm3":
            refuse_flags(args, ("inputs",), "to --format qasm3 (its angles are program inputs)")
        return compile_qiren(args, spec, out)
    refuse_flags(args, ("weights", "inputs"), "to a Carleman spec (QIREN only)")
    return compile_carleman(args, spec, out)


def compile_isa(args: argparse.Namespace, spec: ModelSpec, out: Path) -> VerbOutput:
    if spec.kind == "qiren":
        program = lower_qiren_spec(spec, args.weights).program
        circuit = program.qiskit_program(measure=True)
        layout = program.manifest()
    else:
        system = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
        qlsa = build_program(system, option(args, "algorithm", "qsvt"))
        circuit = qlsa.circuit.copy()
        circuit.measure_all()
        layout = qlsa.layout()
    device = resolve_device(args.target, circuit.num_qubits)
    (isa,), seconds = isa_circuits([circuit], device.backend, args.optimization_level)
    report = isa_report(isa, device.backend, spec.name, args.optimization_level, seconds)
    sidecar = out.with_suffix(".json")
    meta = {**layout, "device": device.describe(), "isa": report.to_dict(),
            "physical_qubit_of_logical": [int(q) for q in isa.layout.final_index_layout()],
            "note": "logical qubit i is measured into bit i; it ends on physical qubit "
                    "physical_qubit_of_logical[i]"}
    write_texts({out: isa_qasm(isa, args.format), sidecar: to_json(meta) + "\n"})
    data = {"qasm": str(out), "layout": str(sidecar), "format": args.format,
            "device": device.name, "isa": report.to_dict()}
    text = (f"wrote {out} ({args.format} ISA circuit for {device.name}: "
            f"{report.two_qubit_gates:,} two-qubit gates, depth {report.depth:,}, estimated "
            f"success probability 10^{report.log10_estimated_success:.2f}) and {sidecar}")
    return VerbOutput(data, text)


def compile_carleman(args: argparse.Namespace, spec: ModelSpec, out: Path) -> VerbOutput:
    system = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
    program = build_program(system, option(args, "algorithm", "qsvt"))
    export = qasm_export(program, args.format)
    sidecar = out.with_suffix(".json")
    write_texts({out: export.text, sidecar: to_json(export.layout) + "\n"})
    data = {"qasm": str(out), "layout": str(sidecar), "format": export.format,
            "bytes": len(export.text.encode()), "gate_definitions": export.gate_definitions,
            "num_qubits": export.num_qubits, "algorithm": program.algorithm}
    text = (f"wrote {out} ({export.format}, {export.num_qubits} qubits, "
            f"{export.gate_definitions} gate definitions) and {sidecar}")
    return VerbOutput(data, text)


def compile_qiren(args: argparse.Namespace, spec: ModelSpec, out: Path) -> VerbOutput:
    lowered = lower_qiren_spec(spec, args.weights)
    model, program = lowered.model, lowered.program
    sidecar = out.with_suffix(".json")
    manifest = to_json(program.manifest()) + "\n"
    files: dict[Path, str] = {}
    if args.format == "qasm3":
        files[out] = program.qasm3()
        samples = None
    else:
        X, _ = qiren_inputs(args.inputs, model, spec)
        samples = int(X.shape[0])
        if samples > MAX_QASM2_FILES:
            raise UsageError(f"--format qasm2 writes one file per input and there are {samples:,}"
                             f" (limit {MAX_QASM2_FILES:,}); use --format qasm3 (angles as "
                             "program inputs) or --inputs with fewer rows")
        if samples == 1:
            files[out] = program.qasm2(X[0])
        else:
            width = len(str(samples - 1))
            for n, x in enumerate(track(X, f"binding {samples} inputs (QASM 2)")):
                files[out.with_name(f"{out.stem}_{n:0{width}d}{out.suffix}")] = program.qasm2(x)
    files[sidecar] = manifest
    written = write_texts(files)
    data = {
        "format": args.format,
        "weights": lowered.weights_source,
        "files": [str(p) for p in written],
        "qubits": model.width * model.layers,
        "registers": [f"l{i}" for i in range(model.layers)],
        "inputs_per_layer": model.width,
        "samples_bound": samples,
        "note": "one register per hybrid layer; run layer by layer, applying the affine maps of "
                "the JSON sidecar to the estimated <Z> (BatchNorm folded, running statistics)",
    }
    qasm_files = [p for p in written if p.suffix != ".json"]
    text = (f"wrote {len(qasm_files)} OpenQASM {args.format[-1]} file(s) "
            f"({qasm_files[0]}{' ...' if len(qasm_files) > 1 else ''}) and {sidecar}")
    return VerbOutput(data, text)
