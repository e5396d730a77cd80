"""Shared helpers for the QLSA tests: tiny maps and block extraction by simulation."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit

from qmlc.backends.aer_backend import statevector
from qmlc.compiler.carleman import build_carleman_system
from qmlc.compiler.polymap import make_polynomial_map

G0 = np.array([0.05, -0.02])
G1 = np.array([[0.6, 0.1], [-0.15, 0.5]])
G2 = np.array([[0.05, 0.0, 0.02, -0.03], [0.0, 0.04, -0.02, 0.05]])
U0 = np.array([0.3, -0.2])


def tiny_system(steps: int, seed: int | None = None):
    """n = 2, N = 2 history system; a random dissipative map when ``seed`` is given."""
    if seed is None:
        pm = make_polynomial_map([G0, G1, G2], U0)
    else:
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
        g1 = q @ np.diag(rng.uniform(-0.6, 0.6, size=2)) @ q.T
        pm = make_polynomial_map([0.05 * rng.normal(size=2), g1, 0.1 * rng.normal(size=(2, 4))],
                                 0.3 * rng.normal(size=2))
    return build_carleman_system(pm, 2, steps)


def extract_block(circuit: QuantumCircuit, num_system: int) -> np.ndarray:
    """⟨0_anc|U|0_anc⟩ on the system qubits, by ONE Aer statevector run of U on half of a
    maximally entangled state |Φ⟩ = 2^{-n/2} Σ_j |j⟩_sys |j⟩_ref (reference qubits appended)."""
    n, total = num_system, circuit.num_qubits
    qc = QuantumCircuit(total + n)
    for i in range(n):
        qc.h(total + i)
        qc.cx(total + i, i)
    qc.append(circuit.to_gate(), list(range(total)))
    state = statevector(qc).reshape(2**n, 2 ** (total - n), 2**n)  # (ref, anc, sys) big→little
    return state[:, 0, :].T * np.sqrt(2**n)  # [sys_out, ref_in]
