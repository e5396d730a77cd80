"""CLI adapters for the QLSA family: ``qmlc run`` and ``qmlc compile`` on Carleman specs.

Both lower the spec with :func:`compiler.pipeline.lower_to_carleman` and compile the history
system into a :class:`compiler.qlsa.QLSAProgram`; ``run`` simulates it
(:func:`backends.qlsa_run.run_program`), ``compile`` writes OpenQASM plus the layout JSON
(:func:`compiler.qasm_export.export_qasm`).
"""

from __future__ import annotations

import argparse
import time

from compiler.errors import UsageError
from compiler.pipeline import lower_to_carleman
from compiler.qlsa import build_program
from compiler.spec import ModelSpec

__all__ = ["compile", "run"]


def _system(args: argparse.Namespace, spec: ModelSpec):
    return lower_to_carleman(spec, allow_nondissipative=bool(getattr(args, "allow_nondissipative",
                                                                        False)))


def run(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """``qmlc run SPEC --backend aer|cirq [--shots N] [--algorithm qsvt|hhl]``."""
    from backends.qlsa_run import BACKENDS, run_program

    backend = getattr(args, "backend", "aer")
    if backend not in BACKENDS:
        raise UsageError(f"--backend {backend}: QLSA circuits run on {' or '.join(BACKENDS)}; "
                         "pick one of those")
    shots = getattr(args, "shots", None)
    if shots is not None and shots < 1:
        raise UsageError(f"--shots is {shots}; it must be a positive integer")
    system = _system(args, spec)
    start = time.perf_counter()
    algorithm = getattr(args, "algorithm", "qsvt")
    amplify = bool(getattr(args, "amplify", False))
    if amplify and algorithm != "qsvt":
        raise UsageError("--amplify applies to --algorithm qsvt only; drop it for hhl")
    program = build_program(system, algorithm, **({"amplification": True} if amplify else {}))
    compile_seconds = time.perf_counter() - start
    out = run_program(system, program, backend=backend, shots=shots,
                      seed=int(getattr(args, "seed", 0) or 0))
    out["compile_seconds"] = compile_seconds
    out["spec"] = str(spec.path)
    line = (f"{spec.name}: {out['algorithm']} on {backend}: fidelity {out['fidelity']:.6f}, "
            f"success probability {out['success_probability']:.4g}, θ_T = "
            f"{[round(v, 6) for v in out['theta_T']]} (classical "
            f"{[round(v, 6) for v in out['theta_T_classical']]}), {out['qubits']} qubits, "
            f"depth {out['depth']}")
    if shots is not None:
        line += (f"; sampled fidelity {out['fidelity_sampled']:.4f} ± "
                 f"{out['fidelity_stderr']:.4f}, success {out['success_probability_sampled']:.4f}"
                 f" ± {out['success_probability_stderr']:.4f} ({shots} shots)")
    out["_text"] = line
    return out


def compile(args: argparse.Namespace, spec: ModelSpec) -> dict:  # noqa: A001 - the verb's name
    """``qmlc compile SPEC --format qasm2|qasm3 -o FILE.qasm`` (also writes FILE.json)."""
    from compiler.qasm_export import FORMATS, export_qasm

    fmt = getattr(args, "format", "qasm3")
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    system = _system(args, spec)
    program = build_program(system, getattr(args, "algorithm", "qsvt"))
    summary = export_qasm(program, args.output, fmt)
    summary["algorithm"] = program.algorithm
    summary["_text"] = (f"wrote {summary['qasm']} ({fmt}, {summary['num_qubits']} qubits, "
                        f"{summary['gate_definitions']} gate definitions) and {summary['layout']}")
    return summary
