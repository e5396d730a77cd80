"""The pre-flight memory models (qmlc.compiler.resources) against measured peaks.

Each row runs one construction in a fresh subprocess and measures its peak resident memory
(ru_maxrss, minus the process's peak before the call), then prints the model's figure and the
ratio model / measured (>= 1: the model is an upper bound, as the pre-flight check needs).

    python benchmarks/bench_preflight.py            # ~1 min on two cores
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, resource, sys
import numpy as np
kind, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from qmlc.compiler import resources
if kind in ("aer", "cirq"):
    from qiskit import QuantumCircuit
    from qmlc.backends import aer_backend, cirq_backend
    from qmlc.backends.qlsa_run import sample_in_chunks
    qc = QuantumCircuit(a)
    qc.h(range(a))
    sim = aer_backend if kind == "aer" else cirq_backend
    sim.sample_counts(qc, 10, 0)  # warm-up: imports and first-call allocations
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sample_in_chunks(sim, qc, b, 0, kind, "bench")
    model = resources.shots(kind, b).bytes
elif kind == "history":
    from qmlc.compiler.carleman import build_carleman_system
    from qmlc.compiler.pipeline import predicted_structure
    from qmlc.compiler.polymap import make_polynomial_map
    import scipy.sparse as sp
    rng = np.random.default_rng(0)
    G2 = sp.random(a, a * a, density=8 / (a * a), random_state=0, format="csr") * 0.01
    G = [0.01 * rng.normal(size=a), 0.5 * np.eye(a), G2]
    polymap = make_polynomial_map(G, 0.1 * rng.normal(size=a))
    s = predicted_structure(polymap, 2, b)
    model = resources.history(s.history_nnz_bound, s.dim).bytes
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    build_carleman_system(polymap, 2, b)
else:  # the QIREN numpy reference
    from qmlc.compiler.qiren_reference import circuit_expectations_reference
    rng = np.random.default_rng(0)
    model = resources.statevector(a, batch=b, copies=5).bytes
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    circuit_expectations_reference(rng.normal(size=(b, a)), rng.normal(size=(2, 2, a, 3)),
                                   rng.normal(size=(2, a, 3)))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"measured": peak - base, "model": model}))
"""

CASES = [
    ("aer", 4, 1_000_000, "Aer, 4 qubits, 10^6 shots"),
    ("aer", 16, 1_000_000, "Aer, 16 qubits, 10^6 shots"),
    ("cirq", 8, 300_000, "Cirq, 8 qubits, 3·10^5 shots"),
    ("history", 100, 10, "history system, n = 100, N = 2, T = 10, s = 8"),
    ("history", 200, 10, "history system, n = 200, N = 2, T = 10, s = 8"),
    ("reference", 12, 256, "QIREN numpy reference, 12 qubits × 256 inputs"),
    ("reference", 16, 16, "QIREN numpy reference, 16 qubits × 16 inputs"),
]


def main() -> None:
    print(f"{'construction':48} {'model':>11} {'measured':>11} {'model/measured':>15}")
    for kind, a, b, label in CASES:
        out = subprocess.run([sys.executable, "-c", PROBE, kind, str(a), str(b)],
                             capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        measured = max(row["measured"], 1)
        print(f"{label:48} {row['model'] / 2**20:9.1f} Mi {measured / 2**20:9.1f} Mi "
              f"{row['model'] / measured:15.2f}")


if __name__ == "__main__":
    main()
