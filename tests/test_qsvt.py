"""QSVT inversion: the polynomial, its phases, and the circuit against classical linear algebra."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from qiskit import QuantumCircuit

from qmlc.backends.aer_backend import statevector
from qmlc.circuits.block_encoding import sparse_block_encoding
from qmlc.circuits.qsp_angles import (
    cks_inverse_polynomial,
    inverse_angles,
    qsvt_response,
    reflection_phases,
    symmetric_qsp_phases,
)
from qmlc.circuits.qsvt import qsvt_circuit
from qmlc.compiler.qlsa import state_prep_circuit


def test_cks_matches_pyqsp_polyoneoverx(capsys):
    from pyqsp.poly import PolyOneOverX

    kappa, eps = 5, 0.05
    ours = cks_inverse_polynomial(kappa, eps)
    theirs = PolyOneOverX().generate(kappa=kappa, epsilon=eps, ensure_bounded=False)
    capsys.readouterr()
    x = np.linspace(-1, 1, 401)
    # pyqsp keeps the untruncated (1 − (1 − x²)^b)/x; CKS Lemma 19 bounds the truncation by ε
    ref = np.polynomial.chebyshev.chebval(x, theirs) * ours.scale
    assert np.max(np.abs(ours(x) - ref)) <= eps * ours.scale
    assert ours.degree == 2 * ours.j0 + 1


@pytest.mark.parametrize("kappa,eps", [(3.0, 0.1), (6.35, 0.05), (12.0, 0.01)])
def test_polynomial_approximates_inverse_on_target_interval(kappa, eps):
    poly, psi = inverse_angles(kappa, eps)
    x = np.concatenate([np.linspace(1 / kappa, 1, 500), -np.linspace(1 / kappa, 1, 500)])
    # CKS Lemma 17–19: 2ε-close to 1/x on D_κ, here rescaled by poly.scale
    assert np.max(np.abs(poly(x) - poly.scale / x)) <= 2 * eps * poly.scale
    grid = np.linspace(-1, 1, 3001)
    assert np.max(np.abs(poly(grid))) <= 0.5 + 1e-9
    # the ACHIEVED polynomial of the phase sequence, in the circuit's convention
    assert np.max(np.abs(qsvt_response(psi, grid) - poly(grid))) < 1e-9


def test_phases_to_degree_beyond_500():
    poly = cks_inverse_polynomial(25.0, 0.01)
    assert poly.degree >= 500
    target = poly.coeffs[1::2] * (-1.0) ** ((poly.degree - 1) // 2)
    psi = reflection_phases(symmetric_qsp_phases(target))
    grid = np.linspace(-1, 1, 2001)
    assert np.max(np.abs(qsvt_response(psi, grid) - poly(grid))) < 1e-9


def test_reflection_response_equals_explicit_matrix_products():
    rng = np.random.default_rng(0)
    psi = rng.uniform(-np.pi, np.pi, size=8)
    for x in (-0.7, 0.1, 0.55, 0.9):
        s = np.sqrt(1 - x * x)
        R = np.array([[x, s], [s, -x]])
        mats = [np.diag([np.exp(1j * psi[0]), np.exp(-1j * psi[0])])]
        for p in psi[1:]:
            mats += [R, np.diag([np.exp(1j * p), np.exp(-1j * p)])]
        expected = np.linalg.multi_dot(mats)[0, 0].real
        assert qsvt_response(psi, np.array([x]))[0] == pytest.approx(expected, abs=1e-12)


def test_qsvt_circuit_applies_polynomial_and_inverts():
    rng = np.random.default_rng(4)
    B = np.eye(4) + 0.35 * rng.uniform(-1, 1, size=(4, 4)) * (rng.uniform(size=(4, 4)) < 0.6)
    be = sparse_block_encoding(sp.csr_matrix(B))
    sigma = np.linalg.svd(B, compute_uv=False)
    kappa = 1.02 * be.alpha / sigma[-1]
    poly, psi = inverse_angles(round(kappa, 3), 0.02)
    b = rng.normal(size=4)
    b_hat = b / np.linalg.norm(b)
    qc = QuantumCircuit(be.num_qubits + 1)
    qc.append(state_prep_circuit(b_hat).to_gate(), list(range(be.num_system)))
    qc.compose(qsvt_circuit(be, psi), inplace=True)
    state = statevector(qc)
    psi_sys = state[:4]                                 # all ancillas and the QSVT qubit at 0
    # independent reference: P applied to the singular values of B†/α by numpy's SVD
    W, S, Vh = np.linalg.svd(B.T / be.alpha)
    expected = W @ (poly(S) * (Vh @ b_hat))
    np.testing.assert_allclose(psi_sys.real, expected, atol=1e-9)
    np.testing.assert_allclose(psi_sys.imag, 0, atol=1e-9)
    x = np.linalg.solve(B, b)
    fidelity = abs(np.vdot(x / np.linalg.norm(x), psi_sys)) ** 2 / np.linalg.norm(psi_sys) ** 2
    assert fidelity > 0.999
