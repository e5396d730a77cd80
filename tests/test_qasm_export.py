"""OpenQASM 2/3 export: files load in Qiskit and Cirq and give the in-memory postselected state."""

from __future__ import annotations

import json

import cirq
import numpy as np
import pytest
import qiskit.qasm2
import qiskit.qasm3
from cirq.contrib.qasm_import import circuit_from_qasm
from qiskit import QuantumCircuit
from qiskit.circuit.library import MCXGate
from qiskit.quantum_info import Operator

from qmlc.backends import aer_backend
from qmlc.compiler.cirq_translate import cirq_to_qiskit_order
from qmlc.compiler.qasm_export import qasm_export
from qmlc.compiler.qlsa import build_qsvt_program
from qmlc.reports.cli import main
from tests.conftest import EXAMPLES
from tests.qlsa_helpers import tiny_system


def _native_mcx_qiskit(circuit: QuantumCircuit) -> QuantumCircuit:
    """The loaded circuit with every definition that IS a multi-controlled X (checked by its
    unitary, once per name) replaced by Aer's native MCX; everything else is kept as loaded.
    Without this, ancilla-free MCX definitions blow the file up to ~10⁶ simulated gates."""
    verified: dict[str, bool] = {}

    def convert(qc: QuantumCircuit) -> QuantumCircuit:
        out = qc.copy_empty_like()
        for inst in qc.data:
            op = inst.operation
            name = op.name
            if name.startswith("mcx_") and op.num_qubits <= 9:
                if name not in verified:
                    mcx = MCXGate(op.num_qubits - 1)
                    verified[name] = Operator(op.definition).equiv(Operator(mcx))
                if verified[name]:
                    out.append(MCXGate(op.num_qubits - 1), inst.qubits)
                    continue
            if op.definition is not None and name not in aer_backend.NATIVE:
                gate = convert(op.definition).to_gate()
                gate.name = name
                out.append(gate, inst.qubits)
            else:
                out.append(inst)
        return out

    converted = convert(circuit)
    assert verified and all(verified.values())
    return converted


def _native_mcx_cirq(circuit: cirq.Circuit) -> cirq.Circuit:
    """Same for Cirq's importer, which keeps each QASM ``gate`` as a CircuitOperation."""
    verified: dict = {}

    def swap(op, _):
        if isinstance(op, cirq.CircuitOperation) and 3 <= len(op.qubits) <= 9:
            k = len(op.qubits) - 1
            if op.circuit not in verified:
                qubits = list(op.qubits)
                got = cirq.Circuit(op).unitary(qubit_order=qubits)
                want = cirq.unitary(cirq.X.controlled(k).on(*qubits))
                verified[op.circuit] = bool(np.allclose(got, want, atol=1e-8))
            if verified[op.circuit]:
                return cirq.X.controlled(k).on(*op.qubits)
        return op

    converted = cirq.map_operations(circuit, swap, deep=True)
    assert any(verified.values())
    return converted


@pytest.fixture(scope="module")
def program():
    return build_qsvt_program(tiny_system(1), epsilon=0.1)


def _postselected_from_layout(state: np.ndarray, layout: dict) -> np.ndarray:
    """Read the solution with nothing but the JSON layout (independent of QLSAProgram)."""
    n = layout["num_qubits"]
    idx = np.arange(2**n)
    ok = np.ones(idx.size, dtype=bool)
    for q, bit in layout["postselect"].items():
        ok &= ((idx >> int(q)) & 1) == bit
    value = np.zeros(idx.size, dtype=np.int64)
    for pos, q in enumerate(layout["system_qubits"]):
        value |= ((idx >> q) & 1) << pos
    out = np.zeros(2 ** len(layout["system_qubits"]), dtype=complex)
    out[value[ok]] = state[ok]
    return out[layout["index_map"]]


@pytest.mark.parametrize("fmt", ["qasm2", "qasm3"])
def test_qasm_roundtrip_through_qiskit(tmp_path, program, fmt):
    export = qasm_export(program, fmt)
    layout = json.loads(json.dumps(export.layout))
    assert layout["dimension"] == program.dimension == 12
    assert layout["num_qubits"] == program.num_qubits
    text = export.text
    loaded = (qiskit.qasm2.loads(text, custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
              if fmt == "qasm2" else qiskit.qasm3.loads(text))
    expected = _postselected_from_layout(aer_backend.statevector(program.circuit), layout)
    if fmt == "qasm2":  # QASM 2 has no control modifiers: its MCX are definitions
        loaded = _native_mcx_qiskit(loaded)
    got = _postselected_from_layout(aer_backend.statevector(loaded), layout)
    np.testing.assert_allclose(got, expected, atol=1e-7)
    # hierarchical: one definition of the block encoding, one call per polynomial degree
    assert text.count("gate u_a ") == 1 and text.count("gate u_a_dg ") == 1
    degree = program.meta["degree"]
    calls = sum(1 for line in text.splitlines() if line.startswith(("u_a ", "u_a_dg ")))
    assert calls == degree and export.gate_definitions >= 3


@pytest.mark.slow
def test_qasm2_loads_in_cirq(tmp_path, program):
    export = qasm_export(program, "qasm2")
    layout = export.layout
    circuit = _native_mcx_cirq(circuit_from_qasm(export.text))
    qubits = sorted(circuit.all_qubits(), key=lambda q: int(str(q).split("_")[-1]))
    assert len(qubits) == layout["num_qubits"]
    raw = cirq.Simulator(dtype=np.complex128).simulate(circuit, qubit_order=qubits)
    state = cirq_to_qiskit_order(raw.final_state_vector, len(qubits))
    expected = _postselected_from_layout(aer_backend.statevector(program.circuit), layout)
    np.testing.assert_allclose(_postselected_from_layout(state, layout), expected, atol=1e-6)


def test_cli_compile_writes_qasm_and_layout(tmp_path, capsys):
    out = tmp_path / "sub" / "tiny.qasm"
    code = main(["compile", str(EXAMPLES / "tiny_polymap.toml"), "--format", "qasm3",
                 "-o", str(out), "--json"])
    assert code == 0
    layout = json.loads(out.with_suffix(".json").read_text())
    assert set(layout) >= {"system_qubits", "postselect", "dimension", "num_qubits"}
    assert layout["dimension"] == 36 and layout["system_qubits"] == list(range(6))
    assert out.read_text().startswith("OPENQASM 3.0;")
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "qasm3"
