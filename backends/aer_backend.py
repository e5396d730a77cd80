"""Qiskit Aer execution of compiled circuits: exact statevector or sampled counts.

Circuits arrive hierarchical (block encodings as gate definitions). Aer executes only its own
instruction set, so :func:`flatten` inlines every other instruction through its ``definition``
(recursively, without any transpiler pass that would resynthesize the multi-controlled X gates
Aer already supports natively), then drops adjacent X pairs left by open-control conjugations.

Aer runs single-threaded unless ``QMLC_AER_THREADS`` says otherwise: on a shared, loaded
machine OpenMP threads made these small (≤ 20-qubit) simulations ~10× slower, not faster.
"""

from __future__ import annotations

import os

import numpy as np
from qiskit import QuantumCircuit
from qiskit_aer import AerSimulator

from qmlc.circuits.gates import cancel_adjacent_x

__all__ = ["NATIVE", "flatten", "sample_counts", "statevector"]

NATIVE = frozenset({"x", "y", "z", "h", "s", "sdg", "t", "tdg", "rx", "ry", "rz", "p", "cx",
                    "cz", "cp", "ccx", "mcx", "swap", "measure", "barrier", "u"})


def flatten(qc: QuantumCircuit, native: frozenset = NATIVE) -> QuantumCircuit:
    """Inline every non-native instruction via its definition (hierarchy → flat gate list)."""
    out = QuantumCircuit(*qc.qregs, *qc.cregs, name=qc.name)
    _inline(qc, out, list(out.qubits), list(out.clbits), native)
    return out


def _inline(src: QuantumCircuit, out: QuantumCircuit, qmap: list, cmap: list,
            native: frozenset) -> None:
    index = {q: i for i, q in enumerate(src.qubits)}
    cindex = {c: i for i, c in enumerate(src.clbits)}
    for inst in src.data:
        op = inst.operation
        qubits = [qmap[index[q]] for q in inst.qubits]
        clbits = [cmap[cindex[c]] for c in inst.clbits]
        if op.name in native or op.definition is None:
            out.append(op, qubits, clbits, copy=False)
        else:
            _inline(op.definition, out, qubits, clbits, native)


def _simulator(**options) -> AerSimulator:
    threads = int(os.environ.get("QMLC_AER_THREADS", "1"))
    return AerSimulator(method="statevector", max_parallel_threads=threads, **options)


def statevector(qc: QuantumCircuit) -> np.ndarray:
    """The final state (Qiskit little-endian: qubit i is bit i of the index)."""
    flat = cancel_adjacent_x(flatten(qc))
    flat.save_statevector()
    result = _simulator().run(flat).result()
    return np.asarray(result.get_statevector(flat).data)


def sample_counts(qc: QuantumCircuit, shots: int, seed: int) -> dict[int, int]:
    """Measure all qubits ``shots`` times; keys are basis-state integers (qubit i = bit i)."""
    flat = cancel_adjacent_x(flatten(qc))
    flat.measure_all()
    result = _simulator(seed_simulator=seed).run(flat, shots=shots).result()
    return {int(key.replace(" ", ""), 2): int(v) for key, v in result.get_counts().items()}
