"""``qmlc demo``: the main job on the bundled tiny example.

Lowers the tiny pruned network to its Carleman history system, checks it classically against
true gradient descent for every truncation order, and — where the QLSA backends are present —
solves it with QSVT on Qiskit Aer and on Cirq.
"""

from __future__ import annotations

import sys
from pathlib import Path

from compiler.pipeline import lower_to_carleman
from compiler.spec import load_spec
from compiler.verify import render_verification, verify_spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TINY_EXAMPLE = EXAMPLES / "tiny_network.toml"


def run_demo(spec_path: Path = TINY_EXAMPLE, quiet: bool = False) -> dict:
    """Carleman stage + classical verification (+ quantum solution) of the tiny example."""
    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr if quiet else sys.stdout, flush=True)

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
        "verification": verification.as_dict()}
    say("Quantum solution of the history system (QSVT inversion, exact statevector):")
    quantum = _quantum_runs(system, say)
    if quantum:
        result["quantum"] = quantum
    result["_text"] = "demo finished"
    return result


def _quantum_runs(system, say) -> dict:
    try:
        from backends.qlsa_run import run_qlsa
    except ImportError:
        return {}
    runs = {}
    for backend in ("aer", "cirq"):
        out = run_qlsa(system, backend=backend, algorithm="qsvt")
        runs[backend] = out
        say(f"  QSVT on {backend}: fidelity = {out['fidelity']:.6f}, success probability = "
            f"{out['success_probability']:.4g}, qubits = {out['qubits']}, depth = {out['depth']}, "
            f"max |θ_T − θ_T classical| = {out['theta_T_error_max']:.2e}")
    return runs
