"""Qiskit → Cirq translation for the gate set qmlc emits.

Gate set: x, y, z, h, s, sdg, t, tdg, rx, ry, rz, p, cx, cz, ccx, swap, mcx and any
``ControlledGate`` of those (with its ``ctrl_state``), plus composite instructions (block
encodings, QSVT pieces, state preparations) that are translated once from their ``definition``
and reused as ``cirq.CircuitOperation`` — the hierarchy survives.

Conventions, stated explicitly because they differ:
- Qubit i of the Qiskit circuit becomes ``cirq.LineQubit(i)``.
- Qiskit indexes basis states little-endian (qubit i is bit i of the index); Cirq's state vector
  with ``qubit_order = [q0, q1, …]`` is big-endian (q0 is the most significant bit).
  :func:`cirq_to_qiskit_order` converts a Cirq state vector to Qiskit's order.
- Qiskit ``RY(θ) = exp(−iθY/2)`` equals ``cirq.ry(θ)`` (same for rx, rz); ``P(λ)`` is
  ``cirq.ZPowGate(exponent=λ/π)`` (diag(1, e^{iλ})).
- ``ctrl_state`` bit i is the required value of control qubit i.
"""

from __future__ import annotations

import cirq
import numpy as np
from qiskit import QuantumCircuit

__all__ = ["cirq_to_qiskit_order", "line_qubits", "to_cirq"]


def line_qubits(n: int) -> list[cirq.LineQubit]:
    return [cirq.LineQubit(i) for i in range(n)]


def _base_gate(op) -> cirq.Gate:
    name = op.name
    params = [float(p) for p in op.params]
    fixed = {"x": cirq.X, "y": cirq.Y, "z": cirq.Z, "h": cirq.H, "s": cirq.S,
             "sdg": cirq.S**-1, "t": cirq.T, "tdg": cirq.T**-1, "cx": cirq.CNOT,
             "cz": cirq.CZ, "ccx": cirq.TOFFOLI, "swap": cirq.SWAP, "id": cirq.I}
    if name in fixed:
        return fixed[name]
    if name == "rx":
        return cirq.rx(params[0])
    if name == "ry":
        return cirq.ry(params[0])
    if name == "rz":
        return cirq.rz(params[0])
    if name in ("p", "u1"):
        return cirq.ZPowGate(exponent=params[0] / np.pi)
    raise KeyError(name)


def _controlled(op) -> cirq.Gate | None:
    """A ControlledGate (mcx, c3ry, ctrl_state ≠ all ones, …) as a Cirq controlled gate."""
    k = getattr(op, "num_ctrl_qubits", 0)
    if not k or op.name in ("cx", "cz", "ccx"):
        return None
    try:
        base = _base_gate(op.base_gate)
    except KeyError:
        return None
    state = int(op.ctrl_state)
    values = [(state >> i) & 1 for i in range(k)]
    return base.controlled(num_controls=k, control_values=values)


def to_cirq(qc: QuantumCircuit, _cache: dict | None = None) -> cirq.Circuit:
    """Translate ``qc``; a measurement of clbit j becomes ``cirq.measure(..., key=f"c{j}")``."""
    cache = {} if _cache is None else _cache
    qubits = line_qubits(qc.num_qubits)
    index = {q: i for i, q in enumerate(qc.qubits)}
    cindex = {c: i for i, c in enumerate(qc.clbits)}
    ops = []
    for inst in qc.data:
        op = inst.operation
        targets = [qubits[index[q]] for q in inst.qubits]
        if op.name == "barrier":
            continue
        if op.name == "measure":
            ops.append(cirq.measure(*targets, key=f"c{cindex[inst.clbits[0]]}"))
            continue
        gate = _controlled(op)
        if gate is None:
            try:
                gate = _base_gate(op)
            except KeyError:
                gate = None
        if gate is not None:
            ops.append(gate.on(*targets))
            continue
        if op.definition is None:
            raise ValueError(f"cannot translate instruction {op.name!r} (no definition)")
        sub = _translate_definition(op, cache)
        mapping = dict(zip(line_qubits(op.num_qubits), targets))
        ops.append(cirq.CircuitOperation(sub).with_qubit_mapping(mapping))
    return cirq.Circuit(ops)


def _translate_definition(op, cache: dict) -> cirq.FrozenCircuit:
    # Qiskit copies instructions on append, so identity does not survive; a composite is
    # identified by its name, width, parameters and body length (qmlc names its composites
    # uniquely per circuit: u_a, u_a_dg, prep_b, c_walk_k, …).
    definition = op.definition
    key = (op.name, op.num_qubits, tuple(str(p) for p in op.params), len(definition.data))
    if key not in cache:
        cache[key] = to_cirq(definition, cache).freeze()
    return cache[key]


def cirq_to_qiskit_order(state: np.ndarray, num_qubits: int) -> np.ndarray:
    """Reorder a Cirq state vector (qubit_order = LineQubit 0..n−1, big-endian) into Qiskit's
    little-endian order: reverse the qubit axes."""
    tensor = np.asarray(state).reshape((2,) * num_qubits)
    return tensor.transpose(tuple(range(num_qubits - 1, -1, -1))).reshape(-1)
