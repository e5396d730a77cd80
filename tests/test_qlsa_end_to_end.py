"""The tiny Carleman systems solved by QSVT on Aer and on Cirq, against scipy's solve."""

from __future__ import annotations

import json

import cirq
import numpy as np
import pytest
import scipy.sparse.linalg as spla
from qiskit import QuantumCircuit
from qiskit.circuit.library import RYGate, XGate
from qiskit.quantum_info import Statevector

from qmlc.backends import aer_backend, cirq_backend
from qmlc.backends.qlsa_run import run_qlsa, run_qlsa_program
from qmlc.compiler.cirq_translate import cirq_to_qiskit_order, line_qubits, to_cirq
from qmlc.compiler.errors import TooLargeError
from qmlc.compiler.qlsa import QLSAProgram, build_qsvt_program
from qmlc.reports.cli import main
from tests.conftest import EXAMPLES, random_dissipative_map, write_polymap_spec
from tests.qlsa_helpers import tiny_system


def test_translator_endianness_is_explicit():
    qc = QuantumCircuit(3)
    qc.x(0)                                              # Qiskit: index 1 (qubit 0 = LSB)
    state = cirq.Simulator().simulate(to_cirq(qc), qubit_order=line_qubits(3))
    raw = state.final_state_vector
    assert abs(raw[4]) == pytest.approx(1)               # Cirq: q0 is the MSB → index 0b100
    assert abs(cirq_to_qiskit_order(raw, 3)[1]) == pytest.approx(1)


def test_translator_matches_qiskit_on_every_emitted_gate_kind():
    rng = np.random.default_rng(3)
    qc = QuantumCircuit(5)
    for q in range(5):
        qc.ry(rng.uniform(0, 3), q)
    qc.h(2)
    qc.cx(0, 3)
    qc.ccx(1, 2, 4)
    qc.append(XGate().control(3), [0, 1, 3, 2])
    qc.append(XGate().control(3, ctrl_state=0b010), [4, 0, 2, 1])
    qc.append(RYGate(0.7).control(2, ctrl_state=0b01, annotated=False), [3, 1, 0])
    qc.rz(0.4, 1)
    qc.z(4)
    qc.cp(0.9, 2, 0)
    qc.swap(1, 4)
    sub = QuantumCircuit(2, name="blk")
    sub.cx(0, 1)
    sub.ry(0.3, 1)
    gate = sub.to_gate()
    qc.append(gate, [4, 2])
    qc.append(gate.inverse(), [2, 3])
    expected = Statevector(qc).data
    np.testing.assert_allclose(cirq_backend.statevector(qc), expected, atol=1e-10)
    np.testing.assert_allclose(aer_backend.statevector(qc), expected, atol=1e-10)


@pytest.mark.parametrize("steps,seed", [(2, None), (3, 7)])
def test_qsvt_fidelity_on_aer_and_cirq(steps, seed):
    system = tiny_system(steps, seed)
    program = build_qsvt_program(system)
    aer = aer_backend.statevector(program.circuit)
    cq = cirq_backend.statevector(program.circuit)
    np.testing.assert_allclose(aer, cq, atol=1e-9)      # same compiled circuit, two simulators
    x = spla.spsolve(system.A.tocsc(), system.b)
    psi = program.postselected_state(aer)[program.index_map]
    fidelity = abs(np.vdot(x, psi)) ** 2 / (np.linalg.norm(x) ** 2 * np.linalg.norm(psi) ** 2)
    assert fidelity >= 0.99
    # the padding carries (numerically) no amplitude
    full = program.postselected_state(aer)
    mask = np.ones(full.size, dtype=bool)
    mask[program.index_map] = False
    assert np.linalg.norm(full[mask]) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("example", ["tiny_polymap.toml", "tiny_network.toml"])
def test_tiny_example_end_to_end_both_backends(example):
    from qmlc.compiler.pipeline import lower_to_carleman
    from qmlc.compiler.spec import load_spec

    system = lower_to_carleman(load_spec(EXAMPLES / example))
    program = build_qsvt_program(system)
    results = {b: run_qlsa_program(system, program, backend=b) for b in ("aer", "cirq")}
    for out in results.values():
        assert out.fidelity >= 0.99
        true_T = system.polymap.iterate(system.steps)[-1] + system.polymap.offset
        np.testing.assert_allclose(out.theta_T_classical, true_T, atol=5e-3)  # Carleman N=2
        np.testing.assert_allclose(out.theta_T, out.theta_T_classical, atol=5e-3)
    assert results["aer"].success_probability == pytest.approx(
        results["cirq"].success_probability, rel=1e-9)
    assert results["aer"].success_probability == pytest.approx(
        program.meta["predicted_success_probability"], rel=1e-6)


@pytest.mark.parametrize("backend", ["aer", "cirq"])
def test_sampled_estimates_agree_within_stated_error(backend):
    system = tiny_system(1)
    out = run_qlsa(system, backend=backend, shots=4000, seed=11)
    assert abs(out.sampled.success_probability_sampled - out.success_probability) \
        <= 4 * out.sampled.success_probability_stderr
    assert abs(out.sampled.fidelity_sampled - out.fidelity) <= 4 * out.sampled.fidelity_stderr + 1e-12
    assert out.sampled.postselected_shots > 100


def test_amplitude_amplification_raises_success_probability():
    system = tiny_system(1)
    plain = build_qsvt_program(system)
    boosted = build_qsvt_program(system, amplification=True)
    assert boosted.meta["amplification_rounds"] >= 1
    a = run_qlsa_program(system, plain)
    b = run_qlsa_program(system, boosted)
    assert b.success_probability > 2 * a.success_probability
    assert b.success_probability == pytest.approx(
        boosted.meta["predicted_success_probability"], rel=1e-6)
    assert b.fidelity >= 0.99


def test_program_save_load_roundtrip(tmp_path):
    system = tiny_system(1)
    program = build_qsvt_program(system)
    program.save(tmp_path)
    loaded = QLSAProgram.load(tmp_path)
    assert loaded.postselect == program.postselect and loaded.alpha == program.alpha
    np.testing.assert_array_equal(loaded.index_map, program.index_map)
    np.testing.assert_allclose(aer_backend.statevector(loaded.circuit),
                               aer_backend.statevector(program.circuit), atol=1e-10)


def test_cli_run_json(capsys):
    code = main(["run", str(EXAMPLES / "tiny_polymap.toml"), "--backend", "aer", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("fidelity", "success_probability", "theta_T", "theta_T_classical", "qubits",
                "depth", "gate_counts"):
        assert key in out
    assert out["fidelity"] >= 0.99


def test_cli_rejects_backend_without_qlsa(capsys):
    code = main(["run", str(EXAMPLES / "tiny_polymap.toml"), "--backend", "numpy"])
    assert code == 2
    assert "aer or cirq" in capsys.readouterr().err


def test_too_large_points_to_estimate(tmp_path, capsys):
    spec = write_polymap_spec(tmp_path, random_dissipative_map(10, 2, seed=1), order=2, steps=2)
    with pytest.raises(TooLargeError, match="qmlc estimate"):
        from qmlc.compiler.pipeline import lower_to_carleman
        from qmlc.compiler.spec import load_spec
        build_qsvt_program(lower_to_carleman(load_spec(spec)))
    out = tmp_path / "big.qasm"
    code = main(["compile", str(spec), "--format", "qasm2", "-o", str(out)])
    assert code == 2 and not out.exists() and not out.with_suffix(".json").exists()
    assert "qmlc estimate" in capsys.readouterr().err
