"""Truncated HHL with qubitized phase estimation, against the classical solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from qmlc.backends import aer_backend, cirq_backend
from qmlc.backends.qlsa_run import run_qlsa_program
from qmlc.circuits.block_encoding import sparse_block_encoding
from qmlc.circuits.hhl import hhl_circuit
from qmlc.compiler.qlsa import build_hhl_program, build_qsvt_program, state_prep_circuit
from tests.qlsa_helpers import tiny_system


def _postselected(state, layout, num_system):
    nq = layout.num_qubits
    idx = np.arange(2**nq)
    ok = np.ones(idx.size, dtype=bool)
    for q, bit in layout.postselect().items():
        ok &= ((idx >> q) & 1) == bit
    out = np.zeros(2**num_system, dtype=complex)
    out[idx[ok] & (2**num_system - 1)] = state[ok]
    return out


def test_hhl_solves_small_nonsymmetric_system_on_both_simulators():
    B = np.array([[1.0, 0.3], [-0.2, 0.8]])
    be = sparse_block_encoding(sp.csr_matrix(B))
    sigma_min = np.linalg.svd(B, compute_uv=False)[-1]
    b = np.array([0.6, -0.8])
    qc, layout, info = hhl_circuit(be, 5, sigma_min, state_prep_circuit(b))
    x = np.linalg.solve(B, b)
    x_hat = x / np.linalg.norm(x)
    states = [aer_backend.statevector(qc), cirq_backend.statevector(qc)]
    np.testing.assert_allclose(states[0], states[1], atol=1e-9)
    psi = _postselected(states[0], layout, be.num_system)
    fidelity = abs(np.vdot(x_hat, psi)) ** 2 / np.linalg.norm(psi) ** 2
    assert fidelity > 0.99
    assert info["block_encoding_calls"] == 2 * (2**5 - 1)


@pytest.mark.slow
def test_hhl_on_carleman_instance_side_by_side_with_qsvt():
    system = tiny_system(1)
    hhl = run_qlsa_program(system, build_hhl_program(system, phase_bits=5), backend="aer")
    qsvt = run_qlsa_program(system, build_qsvt_program(system), backend="aer")
    assert hhl.fidelity > 0.99 and qsvt.fidelity > 0.99
    # both recover the final parameters of the map (de-normalized by the known first block)
    np.testing.assert_allclose(qsvt.theta_T, qsvt.theta_T_classical, atol=2e-2)
    np.testing.assert_allclose(hhl.theta_T, hhl.theta_T_classical, atol=2e-2)
    assert hhl.qubits > qsvt.qubits               # dilation + phase register + flag
    assert 0 < hhl.success_probability < 1
