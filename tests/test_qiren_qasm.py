"""OpenQASM 3 / 2 exports of a lowered QIREN program, read back by Qiskit's importers."""

from __future__ import annotations

import numpy as np
import pytest
import qiskit.qasm2
import qiskit.qasm3
from qiskit.quantum_info import SparsePauliOp, Statevector

from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_program import lower_qiren
from qmlc.compiler.qiren_reference import reference_forward
from qmlc.compiler.qiren_weights import init_weights


def _z_expectations(circuit) -> np.ndarray:
    circuit = circuit.copy()
    circuit.remove_final_measurements()
    state = Statevector(circuit)
    n = circuit.num_qubits
    return np.array([state.expectation_value(SparsePauliOp.from_sparse_list([("Z", [k], 1.0)],
                                                                           n)).real
                     for k in range(n)])


@pytest.mark.parametrize("entangler,encoding", [("cz", "rz"), ("cnot", "rx")])
def test_qasm3_round_trip_with_input_parameters(entangler, encoding):
    model = QirenModel(in_dim=2, width=3, layers=2, entangler=entangler, encoding=encoding)
    w = init_weights(model, 5)
    program = lower_qiren(model, w)
    X = np.random.default_rng(0).uniform(-1, 1, (3, 2))
    _, angles = reference_forward(model, w, X, return_layers=True)
    per_layer = [program.circuits[i].expectations_reference(angles[i]) for i in range(2)]

    text = program.qasm3()
    assert "input float[64] l0_h_0;" in text and "input float[64] l1_h_2;" in text
    circuit = qiskit.qasm3.loads(text)
    assert {p.name for p in circuit.parameters} == {f"l{i}_h_{j}" for i in range(2)
                                                   for j in range(3)}
    for n in range(len(X)):
        values = {p: angles[int(p.name[1])][n][int(p.name.rsplit("_", 1)[1])]
                  for p in circuit.parameters}
        z = _z_expectations(circuit.assign_parameters(values))
        # Qiskit orders qubits register by register: l0 then l1.
        np.testing.assert_allclose(z, np.concatenate([per_layer[0][n], per_layer[1][n]]),
                                   atol=1e-9)


def test_qasm2_round_trip_bound_per_sample():
    model = QirenModel(in_dim=1, width=3, layers=2, entangler="cnot")
    w = init_weights(model, 8)
    program = lower_qiren(model, w)
    X = np.array([[-0.4], [0.7]])
    outputs, angles = reference_forward(model, w, X, return_layers=True)
    for n, x in enumerate(X):
        circuit = qiskit.qasm2.loads(program.qasm2(x))
        assert not circuit.parameters
        z = _z_expectations(circuit)
        z0 = program.circuits[0].expectations_reference(angles[0][n:n + 1])[0]
        z1 = program.circuits[1].expectations_reference(angles[1][n:n + 1])[0]
        np.testing.assert_allclose(z, np.concatenate([z0, z1]), atol=1e-9)
        # The model output follows from the last register's <Z> and the manifest's output map.
        manifest = program.manifest()
        y = np.array(manifest["output"]["weight"]) @ z[3:] + np.array(manifest["output"]["bias"])
        np.testing.assert_allclose(y, outputs[n], atol=1e-9)


def test_manifest_affine_maps_chain_the_layers():
    """The JSON sidecar's affine maps + the circuits reproduce the model (BatchNorm folded)."""
    model = QirenModel(in_dim=2, width=3, layers=2)
    w = init_weights(model, 3)
    w["layer1.bn.running_mean"] = np.array([0.1, -0.2, 0.3])
    w["layer1.bn.running_var"] = np.array([0.5, 2.0, 1.5])
    program = lower_qiren(model, w)
    manifest = program.manifest()
    x = np.array([[0.3, -0.8]])
    for i, layer in enumerate(manifest["layers"]):
        h = x @ np.array(layer["affine"]["weight"]).T + np.array(layer["affine"]["bias"])
        x = program.circuits[i].expectations_reference(h)
    y = x @ np.array(manifest["output"]["weight"]).T + manifest["output"]["bias"]
    np.testing.assert_allclose(y, reference_forward(model, w, np.array([[0.3, -0.8]])),
                               atol=1e-12)
