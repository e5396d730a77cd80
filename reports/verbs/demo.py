"""``qmlc demo``: the main job on the bundled tiny example.

Lowers the tiny pruned network to its Carleman history system, checks it classically against
true gradient descent for every truncation order, and solves it with QSVT on Qiskit Aer and on
Cirq.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources

from qmlc.backends.qlsa_run import run_qlsa
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.spec import load_spec
from qmlc.compiler.verify import verify_spec
from qmlc.reports.text import render_verification
from qmlc.reports.verbs import VerbOutput

TINY_EXAMPLE = "tiny_network.toml"


def main(args: argparse.Namespace) -> VerbOutput:
    quiet = bool(getattr(args, "json", False))

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    with resources.as_file(resources.files("qmlc.examples") / TINY_EXAMPLE) as spec_path:
        spec = load_spec(spec_path)
        system = lower_to_carleman(spec)
        meta = system.meta
        say(f"qmlc demo — {spec.name} ({spec_path.name})")
        say(f"  polynomial map: n = {system.n} surviving weights, degree {system.polymap.degree}")
        say(f"  Carleman order N = {system.order}, steps T = {system.steps}: history system "
            f"{meta['dim']} × {meta['dim']}, nnz = {meta['nnz']}, κ = {meta['kappa']:.4g} "
            f"({meta['kappa_kind']}), dynamics {meta['dissipation']['classification']}")
        verification = verify_spec(spec)
        say(render_verification(verification))
        result = {"spec": str(spec_path), "carleman": {k: meta[k] for k in (
            "n", "order", "steps", "dim", "nnz", "kappa", "kappa_kind")},
            "dissipation": meta["dissipation"]["classification"],
            "verification": verification.to_dict()}
        say("Quantum solution of the history system (QSVT inversion, exact statevector):")
        runs = {}
        for backend in ("aer", "cirq"):
            out = run_qlsa(system, backend=backend, algorithm="qsvt")
            runs[backend] = out.to_dict()
            say(f"  QSVT on {backend}: fidelity = {out.fidelity:.6f}, success probability = "
                f"{out.success_probability:.4g}, qubits = {out.qubits}, depth = {out.depth}, "
                f"max |θ_T − θ_T classical| = {out.theta_T_error_max:.2e}")
        result["quantum"] = runs
    sys.stdout.flush()
    return VerbOutput(result, "demo finished")
