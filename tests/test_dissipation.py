"""Dissipation classes from known spectra, and κ against a dense computation."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.dissipation import analyze_dissipation, condition_number, kappa_growth


def rotate(eigs: np.ndarray, seed: int) -> sp.csr_matrix:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigs), len(eigs))))
    return sp.csr_matrix(q @ np.diag(eigs) @ q.T)


def test_fully_dissipative():
    report = analyze_dissipation(rotate(np.array([0.9, 0.5, -0.3, 0.1]), 0), steps=10)
    assert report.classification == "fully-dissipative"
    assert abs(report.spectral_radius - 0.9) < 1e-12
    assert report.non_contracting_modes == 0


def test_almost_dissipative_one_slow_expanding_mode():
    eigs = np.concatenate([[1.02], np.linspace(0.1, 0.8, 19)])
    report = analyze_dissipation(rotate(eigs, 1), steps=20)
    assert report.classification == "almost-dissipative"
    assert report.non_contracting_modes == 1 and report.expanding_modes == 1


def test_neutral_modes_do_not_count_as_expanding():
    """Weights feeding a pruned-away unit have G1 eigenvalue exactly 1: neutral, not expanding."""
    eigs = np.concatenate([np.ones(5), [1.01], np.linspace(0.1, 0.8, 14)])
    report = analyze_dissipation(sp.csr_matrix(np.diag(eigs)), steps=10)
    assert report.non_contracting_modes == 6 and report.expanding_modes == 1
    assert report.classification == "almost-dissipative"
    many = np.concatenate([np.full(6, 1.01), np.linspace(0.1, 0.8, 14)])
    assert analyze_dissipation(sp.csr_matrix(np.diag(many)), 10).classification == "non-dissipative"


def test_non_dissipative_strongly_expanding():
    report = analyze_dissipation(rotate(np.array([1.6, 0.5, 0.2]), 2), steps=10)
    assert report.classification == "non-dissipative"


def test_large_n_uses_lanczos_and_agrees_with_known_radius():
    n = 2500
    diag = np.linspace(-0.5, 0.97, n)
    report = analyze_dissipation(sp.diags(diag, format="csr"), steps=5)
    assert report.method.startswith("lanczos")
    assert abs(report.spectral_radius - 0.97) < 1e-10
    assert report.classification == "fully-dissipative"


def test_condition_number_exact_and_estimated_match_dense():
    rng = np.random.default_rng(3)
    M = sp.random(320, 320, density=0.0125, random_state=4) * 0.5
    A = sp.eye(1600) - sp.kron(sp.eye(5, k=-1), M)
    A = sp.csr_matrix(A)
    kappa, kind = condition_number(A)
    assert kind == "estimated"  # 1600 rows > exact limit
    assert abs(kappa - np.linalg.cond(A.toarray())) < 1e-6 * kappa
    small = sp.csr_matrix(np.eye(6) + np.tril(rng.normal(size=(6, 6)), -1) * 0.3)
    kappa, kind = condition_number(small)
    assert kind == "exact" and abs(kappa - np.linalg.cond(small.toarray())) < 1e-9 * kappa


def test_kappa_grows_with_horizon_and_saturates_for_contractions():
    M = sp.csr_matrix(np.diag([0.5, 0.2]))
    rows = kappa_growth(M, 16)
    kappas = [r["kappa"] for r in rows]
    assert [r["steps"] for r in rows] == [1, 2, 4, 8, 16]
    assert all(b >= a - 1e-12 for a, b in zip(kappas, kappas[1:]))
    assert kappas[-1] < 3.0 / (1 - 0.5)  # bounded: (1+‖M‖)/(1-‖M‖)
