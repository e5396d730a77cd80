"""Cirq execution: translate the Qiskit IR circuit (:mod:`qmlc.compiler.cirq_translate`) and run it on
``cirq.Simulator`` — exact state vector or sampled measurements.

Results are returned in Qiskit's little-endian convention (qubit i = bit i of an index) so that
both backends' outputs are compared index by index.
"""

from __future__ import annotations

import cirq
import numpy as np
from qiskit import QuantumCircuit

from qmlc.compiler.cirq_translate import cirq_to_qiskit_order, line_qubits, to_cirq

__all__ = ["sample_counts", "statevector"]


def statevector(qc: QuantumCircuit) -> np.ndarray:
    """The final state of ``qc`` simulated by Cirq, reordered to Qiskit's little-endian order."""
    circuit = to_cirq(qc)
    qubits = line_qubits(qc.num_qubits)
    result = cirq.Simulator(dtype=np.complex128, split_untangled_states=False).simulate(
        circuit, qubit_order=qubits)
    return cirq_to_qiskit_order(result.final_state_vector, qc.num_qubits)


def sample_counts(qc: QuantumCircuit, shots: int, seed: int) -> dict[int, int]:
    """Measure all qubits ``shots`` times; keys are little-endian basis-state integers."""
    circuit = to_cirq(qc)
    qubits = line_qubits(qc.num_qubits)
    circuit.append(cirq.measure(*qubits, key="all"))
    result = cirq.Simulator(seed=seed, dtype=np.complex128).run(circuit, repetitions=shots)
    bits = result.measurements["all"].astype(np.int64)  # column i = qubit i
    values = bits @ (1 << np.arange(qc.num_qubits, dtype=np.int64))
    keys, counts = np.unique(values, return_counts=True)
    return {int(k): int(c) for k, c in zip(keys, counts)}
