"""QIREN resource estimate: counts vs PennyLane, shot formulas vs sampling, T per rotation vs
Qualtran's rotation synthesis, and the rotation-merging identities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_reference import circuit_expectations_reference
from qmlc.compiler.qiren_weights import init_weights
from qmlc.estimators.qiren_estimate import (
    circuit_figures,
    estimate_qiren,
    rotation_t_count,
    shots_chebyshev,
    shots_hoeffding,
)


@pytest.mark.parametrize("q,L,K,entangler", [(8, 2, 2, "cz"), (3, 1, 3, "cnot"), (1, 2, 2, "cz")])
def test_gate_counts_match_pennylane_specs_of_the_released_circuit(q, L, K, entangler):
    import pennylane as qml

    imprimitive = {"cz": qml.CZ, "cnot": qml.CNOT}[entangler]
    dev = qml.device("default.qubit", wires=q)
    rng = np.random.default_rng(0)
    w, f = rng.uniform(0, 6, (L, K, q, 3)), rng.uniform(0, 6, (K, q, 3))

    @qml.qnode(dev)
    def circuit(x):
        for r in range(L):
            qml.StronglyEntanglingLayers(w[r], wires=range(q), imprimitive=imprimitive)
            for j in range(q):
                qml.RZ(x[j], wires=j)
        qml.StronglyEntanglingLayers(f, wires=range(q), imprimitive=imprimitive)
        return [qml.expval(qml.PauliZ(j)) for j in range(q)]

    specs = qml.specs(circuit, level="device")(np.zeros(q))
    resources = specs["resources"]
    gates = dict(resources.gate_types)
    ours = circuit_figures(QirenModel(width=q, reuploads=L, blocks=K, entangler=entangler))
    assert ours["rot_gates"] == gates.get("Rot", 0)
    assert ours["encoding_rotations"] == gates.get("RZ", 0)
    two = gates.get("CZ", 0) + gates.get("CNOT", 0)
    assert ours["two_qubit_gates"] == two
    # Qiskit circuit: Rot = rz.ry.rz
    assert ours["gate_counts"].get("ry", 0) == gates.get("Rot", 0)
    assert ours["gate_counts"].get("rz", 0) == 2 * gates.get("Rot", 0) + gates.get("RZ", 0)
    assert ours["qubits"] == q


def test_default_architecture_figures_match_the_reference_notes():
    # references/qiren.md: per layer 48 Rot, 48 CZ, 16 RZ; 657 parameters.
    est = estimate_qiren(QirenModel(), samples=1024).to_dict()
    assert est["per_circuit"]["rot_gates"] == 48
    assert est["per_circuit"]["two_qubit_gates"] == 48
    assert est["per_circuit"]["encoding_rotations"] == 16
    assert est["trainable_parameters"] == 657
    n = est["shots_per_circuit"]["hoeffding"]
    assert est["render"]["circuit_executions_hoeffding"] == 1024 * 3 * n


def test_hoeffding_and_chebyshev_shots_meet_their_guarantee_by_sampling():
    eps, delta = 0.1, 0.05
    rng = np.random.default_rng(0)
    for shots in (shots_hoeffding(eps, delta), shots_chebyshev(eps, delta)):
        # Worst case for the variance: <Z> = 0 (p = 1/2); 4000 repeated experiments.
        means = 1 - 2 * rng.binomial(shots, 0.5, size=4000) / shots
        assert np.mean(np.abs(means) >= eps) <= delta
    assert shots_hoeffding(eps, delta) == math.ceil(2 * math.log(2 / delta) / eps**2)
    # Union bound over q observables only enters logarithmically.
    assert shots_hoeffding(eps, delta, 8) == math.ceil(2 * math.log(16 / delta) / eps**2)


@pytest.mark.parametrize("eps,theta", [(1e-2, 0.3123), (1e-3, 1.1)])
def test_t_per_rotation_close_to_qualtran_synthesized_sequences(eps, theta):
    """Our Ross–Selinger fit vs actual Clifford+T syntheses (Qualtran's diagonal protocol)."""
    import qualtran.rotation_synthesis as rs

    channel = rs.diagonal_unitary_approx(theta, eps, 200, rs.with_dps(60))
    assert channel is not None
    assert abs(rotation_t_count(eps) - int(channel.n)) <= 4


def test_rotation_merging_identities_hold():
    """'rotations_after_merging' drops q initial RZ(φ) on |0> and merges RZ(h)·RZ(φ_next)."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp, Statevector

    q, L, K = 3, 2, 2
    model = QirenModel(width=q, reuploads=L, blocks=K, entangler="cnot")
    w = init_weights(model, 2)
    W, F = w["layer0.circuit.weights"], w["layer0.circuit.final"]
    h = np.array([0.4, -1.3, 2.2])
    merged = QuantumCircuit(q)
    pending = [None] * q  # encoded angle waiting to merge into the next RZ(φ)

    def blocks(params, first):
        for k in range(K):
            for j in range(q):
                phi, theta, omega = params[k, j]
                if not (first and k == 0):  # RZ(φ) on |0> is a global phase
                    merged.rz(phi + (pending[j] or 0.0), j)
                    pending[j] = None
                merged.ry(theta, j)
                merged.rz(omega, j)
            for c in range(q):
                merged.cx(c, (c + model.ranges[k]) % q)

    for r in range(L):
        blocks(W[r], first=(r == 0))
        pending = list(h)
    blocks(F, first=False)
    counted = sum(v for g, v in merged.count_ops().items() if g in ("rz", "ry"))
    assert counted == circuit_figures(model)["rotations_after_merging"]
    state = Statevector(merged)
    z = [state.expectation_value(SparsePauliOp.from_sparse_list([("Z", [j], 1.0)], q)).real
         for j in range(q)]
    np.testing.assert_allclose(z, circuit_expectations_reference(h[None], W, F, "cnot")[0],
                               atol=1e-12)


def _noise_program(layers, seed):
    from qmlc.compiler.qiren_program import lower_qiren

    model = QirenModel(in_dim=2, width=3, layers=layers, entangler="cnot", out_dim=2)
    return lower_qiren(model, init_weights(model, seed))


@pytest.mark.parametrize("layers,runs", [(1, 300), (2, 120)])
def test_output_noise_gain_predicts_the_spread_of_shot_runs(layers, runs):
    """Delta method vs the empirical standard deviation of independent Aer shot runs.

    One layer: the output is linear in the estimates, so the prediction (with the single-shot
    covariance, off-diagonal terms included) is exact. Two layers: first order in 1/sqrt(N).
    """
    from qmlc.backends.qiren_run import layer_runner
    from qmlc.estimators.qiren_estimate import output_noise_gain

    program = _noise_program(layers, seed=3)
    X = np.array([[0.3, -0.6]])
    shots = 2000
    gain = output_noise_gain(program, X)[0]
    samples = []
    for r in range(runs):
        runners = [layer_runner(c, "aer", shots=shots, seed=1000 * r + s)
                   for s, c in enumerate(program.circuits)]
        samples.append(program.evaluate(X, lambda i, h, rs=runners: rs[i](h))[0])
    empirical = np.std(np.array(samples), axis=0, ddof=1)
    ratio = empirical / (gain / np.sqrt(shots))
    # Sampling spread of a standard deviation from n runs: ~1/sqrt(2n) (4% / 6.5%); allow 4x.
    print("empirical / predicted std:", ratio)
    assert np.all(np.abs(ratio - 1) < 4 / np.sqrt(2 * runs)), ratio


def test_output_noise_gain_ignoring_correlations_would_be_wrong():
    """The q outcomes share a shot record: their covariance has off-diagonal terms."""
    from qmlc.estimators.qiren_estimate import _z_moments

    program = _noise_program(1, seed=3)
    _, cov = _z_moments(program.circuits[0], np.array([[0.4, -0.2, 1.0]]))
    assert np.max(np.abs(cov[0] - np.diag(np.diag(cov[0])))) > 1e-3
    np.testing.assert_allclose(cov[0], cov[0].T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(cov[0]) > -1e-12)
