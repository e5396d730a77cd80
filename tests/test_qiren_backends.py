"""Lowered QIREN circuits on Aer and Cirq against the numpy reference, exact and with shots."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from qmlc.backends.qiren_run import layer_runner, run_qiren_program, shot_standard_error
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_program import QirenProgram, lower_qiren
from qmlc.compiler.qiren_reference import circuit_expectations_reference, reference_forward
from qmlc.compiler.qiren_weights import init_weights


def _model_and_weights(seed: int, **fields):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # width 2 + cz warns; the cancellation is tested elsewhere
        model = QirenModel(**fields)
    rng = np.random.default_rng(seed)
    w = init_weights(model, seed)
    for key in w:  # non-trivial BatchNorm so the folding is exercised
        if key.endswith("bn.weight") or key.endswith("bn.running_var"):
            w[key] = rng.uniform(0.5, 2.0, w[key].shape)
        elif key.endswith("bn.bias") or key.endswith("bn.running_mean"):
            w[key] = rng.normal(size=w[key].shape)
    return model, w


CASES = [
    dict(in_dim=2, width=1, layers=2, entangler="cz"),
    dict(in_dim=1, width=2, layers=2, entangler="cnot"),
    dict(in_dim=2, width=2, layers=1, entangler="cz"),
    dict(in_dim=2, width=3, layers=2, entangler="cz"),
    dict(in_dim=3, width=4, layers=2, entangler="cnot", encoding="rx", blocks=3),
    dict(in_dim=2, width=5, layers=1, entangler="cz", encoding="ry", reuploads=3, blocks=1),
]


@pytest.mark.parametrize("fields", CASES, ids=lambda f: f"q{f['width']}-{f['entangler']}")
def test_aer_cirq_numpy_agree_exactly(fields):
    model, w = _model_and_weights(fields["width"], **fields)
    X = np.random.default_rng(7).uniform(-1, 1, (6, model.in_dim))
    reference = reference_forward(model, w, X)
    program = lower_qiren(model, w)
    for backend in ("numpy", "aer", "cirq"):
        np.testing.assert_allclose(run_qiren_program(program, X, backend), reference, atol=1e-9,
                                   err_msg=backend)


def test_default_architecture_on_aer_matches_reference():
    model = QirenModel()  # released code: 3 hybrid layers x 8 qubits, L = K = 2, CZ
    w = init_weights(model, 11)
    X = np.random.default_rng(3).uniform(-1, 1, (8, 2))
    program = lower_qiren(model, w)
    np.testing.assert_allclose(run_qiren_program(program, X, "aer"), reference_forward(model, w, X),
                               atol=1e-9)


@pytest.mark.parametrize("backend", ["aer", "cirq"])
@pytest.mark.parametrize("entangler", ["cz", "cnot"])
def test_shot_estimates_within_stated_error(backend, entangler):
    model, w = _model_and_weights(5, in_dim=2, width=3, layers=1, entangler=entangler)
    layer = lower_qiren(model, w).circuits[0]
    angles = np.random.default_rng(2).normal(size=(5, 3)) * 2
    exact = circuit_expectations_reference(angles, layer.weights, layer.final, entangler)
    shots = 4000
    estimate = layer_runner(layer, backend, shots=shots, seed=9)(angles)
    sigma = shot_standard_error(exact, shots)
    z = np.abs(estimate - exact) / np.maximum(sigma, 1e-12)
    # 15 estimates: all within 5 standard errors (a false failure has probability < 1e-5).
    assert np.all(z < 5), z
    # ... and they are genuinely sampled, not exact values.
    assert np.max(np.abs(estimate - exact)) > 1e-4
    # Sample values are multiples of 2/shots.
    np.testing.assert_allclose((1 - estimate) * shots / 2, np.round((1 - estimate) * shots / 2),
                               atol=1e-9)


def test_shots_through_the_whole_program_stay_close():
    model, w = _model_and_weights(6, in_dim=2, width=3, layers=2, entangler="cnot")
    X = np.random.default_rng(4).uniform(-1, 1, (4, 2))
    program = lower_qiren(model, w)
    exact = reference_forward(model, w, X)
    sampled = run_qiren_program(program, X, "aer", shots=20000, seed=1)
    # Per-layer standard error <= 1/sqrt(N) = 0.007; a 2-layer program with O(1) weights stays
    # within a generous multiple of it.
    assert np.max(np.abs(sampled - exact)) < 0.1
    assert not np.allclose(sampled, exact, atol=1e-6)


def test_program_save_load_round_trip(tmp_path):
    model, w = _model_and_weights(2, in_dim=2, width=3, layers=2)
    program = lower_qiren(model, w)
    program.save(tmp_path / "prog")
    back = QirenProgram.load(tmp_path / "prog")
    X = np.random.default_rng(0).uniform(-1, 1, (3, 2))
    np.testing.assert_array_equal(back.evaluate(X), program.evaluate(X))
    assert back.model == model


def test_cirq_circuit_has_sympy_symbols_and_qiskit_has_parameters():
    import cirq

    from qmlc.circuits.reupload import ReuploadShape, cirq_circuit, qiskit_circuit

    shape = ReuploadShape(width=3, reuploads=2, blocks=2, entangler="cz")
    symbols = {s.name for s in cirq.parameter_symbols(cirq_circuit(shape))}
    assert len(symbols) == 3 + 2 * 2 * 3 * 3 + 2 * 3 * 3
    assert {"h_0", "h_1", "h_2", "w_1_1_2_2", "f_0_0_0"} <= symbols
    params = {p.name for p in qiskit_circuit(shape).parameters}
    assert params == symbols
